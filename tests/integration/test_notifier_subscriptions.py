"""Filter policies in SNS (moto): a message for one agency reaches that agency's e-mail and SMS
subscriptions only, with the e-mail and SMS parts of one publish."""

from __future__ import annotations

import boto3

from sikemas.notify.messages import Email
from sikemas.notify.sns import SnsPublisher
from sikemas.notify.subscriptions import subscribe
from sikemas_local import outbox
from sikemas_local.provision import Stack
from tests.integration.conftest import REGION


def test_each_agency_gets_its_own_messages(stack: Stack) -> None:
    outbox.install()
    sns = boto3.client("sns", region_name=REGION)
    topic = stack.ref("AssignmentsTopic")
    subscribe(sns, topic, "DLH", "dlh@kota.go.id", "email")
    subscribe(sns, topic, "DLH", "+6281100000001", "sms")
    subscribe(sns, topic, "PUPR", "pupr@kota.go.id", "email")
    publisher = SnsPublisher(sns, assignments_topic_arn=topic, alerts_topic_arn=None)

    publisher.to_agency("DLH", "assigned", Email("Laporan baru", "isi e-mail"), "isi sms")

    sent = outbox.messages(stack.account_id, REGION)
    assert [(s["channel"], s["to"], s["body"]) for s in sent] == [
        ("email", "dlh@kota.go.id", "isi e-mail"),
        ("sms", "+6281100000001", "isi sms"),
    ]
    assert sent[0]["subject"] == "Laporan baru"
    assert sent[0]["attributes"] == {"agency": "DLH", "notice": "assigned"}
