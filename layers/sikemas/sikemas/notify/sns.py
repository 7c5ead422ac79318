"""The notifier's AWS side: SNS publishing, sent markers in the table, the reporter's phone."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sikemas.adapters import keys
from sikemas.notify.messages import Email

SUBJECT_MAX = 100  # SNS: at most 100 characters, ASCII, one line


def sns_subject(text: str) -> str:
    """An SNS-acceptable subject: printable ASCII on one line, at most 100 characters."""
    ascii_only = "".join(c if 32 <= ord(c) < 127 else "?" for c in " ".join(text.split()))
    return ascii_only[:SUBJECT_MAX]


class SnsPublisher:
    """Agency messages on the assignments topic (one publish: the e-mail for e-mail
    subscriptions, the SMS for SMS subscriptions, through ``MessageStructure=json``), citizens'
    SMS straight to their number, admin alerts on the alerts topic."""

    def __init__(self, sns: Any, *, assignments_topic_arn: str, alerts_topic_arn: str | None):
        self.sns = sns
        self.assignments = assignments_topic_arn
        self.alerts = alerts_topic_arn

    def to_agency(self, agency: str, notice: str, email: Email, sms: str) -> None:
        self.sns.publish(
            TopicArn=self.assignments,
            Subject=sns_subject(email.subject),
            MessageStructure="json",
            Message=json.dumps({"default": email.body, "email": email.body, "sms": sms}),
            MessageAttributes={
                "agency": {"DataType": "String", "StringValue": agency},
                "notice": {"DataType": "String", "StringValue": notice},
            },
        )

    def to_phone(self, phone: str, text: str) -> None:
        self.sns.publish(
            PhoneNumber=phone,
            Message=text,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
            },
        )

    def to_admins(self, email: Email) -> None:
        if self.alerts:
            self.sns.publish(
                TopicArn=self.alerts, Subject=sns_subject(email.subject), Message=email.body
            )


class DynamoMarkers:
    """``SENT#<event id>#<recipient>`` items: written once SNS accepted the message."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def sent(self, message_id: str) -> bool:
        found = self._db.get_item(
            TableName=self._table, Key=keys.sent_marker(message_id), ConsistentRead=True
        )
        return "Item" in found

    def mark(self, message_id: str, expires_at: datetime) -> None:
        self._db.put_item(
            TableName=self._table,
            Item={
                **keys.sent_marker(message_id),
                "type": {"S": "sent"},
                "expires_at": {"N": str(int(expires_at.timestamp()))},  # the table's TTL
            },
        )


class DynamoPhoneBook:
    """The reporter's phone number: only on the reporter profile, apart from reports."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def __call__(self, reporter_id: str) -> str | None:
        item = self._db.get_item(
            TableName=self._table, Key=keys.reporter_profile(reporter_id), ConsistentRead=True
        ).get("Item")
        phone = (item or {}).get("phone", {}).get("S")
        return str(phone) if phone else None
