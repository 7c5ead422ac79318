"""An agency's subscription filters on its own code; bad endpoints are refused before SNS."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sikemas.notify.subscriptions import filter_policy, local_endpoints, subscribe


class Sns:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def subscribe(self, **kwargs: Any) -> dict[str, str]:
        self.calls.append(kwargs)
        return {"SubscriptionArn": "arn:aws:sns:r:1:t:abc"}


def test_the_filter_policy_names_the_agency_only():
    assert filter_policy("DLH") == {"agency": ["DLH"]}
    with pytest.raises(ValueError, match="agency"):
        filter_policy("")


@pytest.mark.parametrize(
    ("endpoint", "protocol"), [("dlh@kotamobagu.go.id", "email"), ("+6281100000001", "sms")]
)
def test_subscribe_sets_the_filter_policy(endpoint, protocol):
    sns = Sns()
    arn = subscribe(sns, "arn:topic", "DLH", endpoint, protocol)
    assert arn == "arn:aws:sns:r:1:t:abc"
    (call,) = sns.calls
    assert call["TopicArn"] == "arn:topic"
    assert call["Protocol"] == protocol
    assert call["Endpoint"] == endpoint
    assert json.loads(call["Attributes"]["FilterPolicy"]) == {"agency": ["DLH"]}


@pytest.mark.parametrize(
    ("endpoint", "protocol"),
    [("081100000001", "sms"), ("+62 811", "sms"), ("not-an-address", "email"), ("x@y", "http")],
)
def test_bad_endpoints_are_refused(endpoint, protocol):
    sns = Sns()
    with pytest.raises(ValueError, match=r"endpoint|protocol"):
        subscribe(sns, "arn:topic", "DLH", endpoint, protocol)
    assert sns.calls == []


def test_local_endpoints():
    assert local_endpoints("DLH", 1, "kotamobagu") == ("dlh@kotamobagu.local", "+6281100000001")
