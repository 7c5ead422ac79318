"""Subscribing an agency's addresses to the assignments topic, with the filter policy that
gives it its own messages only (nobody writes filter policies by hand)."""

from __future__ import annotations

import json
from typing import Any, Literal

Protocol_ = Literal["email", "sms"]


def filter_policy(agency: str) -> dict[str, list[str]]:
    """Messages whose ``agency`` attribute is this agency's code, and no other."""
    if not agency:
        raise ValueError("agency code required")
    return {"agency": [agency]}


def subscribe(
    sns: Any, topic_arn: str, agency: str, endpoint: str, protocol: Protocol_ = "email"
) -> str:
    """Subscribe an e-mail address or phone number (E.164) for ``agency``; the subscription's
    ARN (``pending confirmation`` for an e-mail until its owner confirms)."""
    if protocol not in ("email", "sms"):
        raise ValueError(f"protocol must be email or sms, not {protocol!r}")
    if protocol == "sms" and not (endpoint.startswith("+") and endpoint[1:].isdigit()):
        raise ValueError("an SMS endpoint is a phone number in E.164 form, e.g. +6281100000001")
    if protocol == "email" and "@" not in endpoint:
        raise ValueError("an e-mail endpoint is an address")
    answer = sns.subscribe(
        TopicArn=topic_arn,
        Protocol=protocol,
        Endpoint=endpoint,
        Attributes={"FilterPolicy": json.dumps(filter_policy(agency))},
        ReturnSubscriptionArn=True,
    )
    return str(answer["SubscriptionArn"])


def local_endpoints(agency: str, index: int, city_code: str) -> tuple[str, str]:
    """The local stack's e-mail address and phone number for an agency (``index`` from 1)."""
    return f"{agency.lower()}@{city_code}.local", f"+62811{index:08d}"
