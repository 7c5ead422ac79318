"""Every e-mail and SMS the local stack "sends", readable at `GET /_local/outbox`.

In AWS, SNS delivers a topic's message to each subscription whose filter policy matches (an
e-mail subscription gets the ``email`` part of a ``MessageStructure=json`` message, an SMS
subscription the ``sms`` part) and sends an SMS published to a phone number. moto decides the
same (filter policies, message structure) but delivers nothing for e-mail and SMS. This module
records, at the point where moto would deliver, one outbox record per delivery:

    {"channel": "email" | "sms", "to", "topic" (None for a direct SMS), "attributes",
     "subject" (e-mail only), "body", "at"}

The records live on moto's SNS backend object, so they are saved and restored with the rest of
the local stack's data. `subscribe_agencies` gives every agency of the city a local e-mail and
SMS subscription to the assignments topic on a fresh stack: messages reach the outbox with no
admin step.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

_LOCK = threading.Lock()
_installed = False
_ATTRIBUTE = "local_outbox"


def _records(backend: Any) -> list[dict[str, Any]]:
    found = backend.__dict__.get(_ATTRIBUTE)
    if found is None:
        found = []
        backend.__dict__[_ATTRIBUTE] = found
    return found  # type: ignore[no-any-return]


def _attributes(message_attributes: dict[str, Any] | None) -> dict[str, Any]:
    return {
        name: value.get("Value", value.get("StringValue"))
        for name, value in (message_attributes or {}).items()
        if not name.startswith("AWS.")
    }


def _now() -> str:
    return datetime.now(UTC).isoformat()


def install() -> None:
    """Patch moto's SNS delivery (once per process) to record e-mail and SMS deliveries."""
    global _installed
    with _LOCK:
        if _installed:
            return
        from moto.sns import models

        subscription_publish = models.Subscription.publish
        backend_publish = models.SNSBackend.publish

        def publish_to_subscription(
            self: Any,
            message: str,
            message_id: str,
            subject: str | None = None,
            message_attributes: dict[str, Any] | None = None,
            group_id: str | None = None,
            deduplication_id: str | None = None,
            message_structure: str | None = None,
        ) -> None:
            subscription_publish(
                self,
                message,
                message_id,
                subject=subject,
                message_attributes=message_attributes,
                group_id=group_id,
                deduplication_id=deduplication_id,
                message_structure=message_structure,
            )
            if self.protocol not in ("email", "sms"):
                return
            matcher = self._filter_policy_matcher
            if matcher is not None and not matcher.matches(message_attributes, message):
                return
            body = (
                self._parse_message_structure(message, self.protocol)
                if message_structure == "json"
                else message
            )
            backend = self.topic.sns_backend
            _records(backend).append(
                {
                    "channel": self.protocol,
                    "to": self.endpoint,
                    "topic": self.topic.arn,
                    "attributes": _attributes(message_attributes),
                    "subject": subject if self.protocol == "email" else None,
                    "body": body,
                    "at": _now(),
                }
            )

        def publish(self: Any, message: str, arn: str | None, *args: Any, **kwargs: Any) -> str:
            message_id: str = backend_publish(self, message, arn, *args, **kwargs)
            phone = kwargs.get("phone_number") or (args[0] if args else None)
            if phone:
                _records(self).append(
                    {
                        "channel": "sms",
                        "to": phone,
                        "topic": None,
                        "attributes": _attributes(kwargs.get("message_attributes")),
                        "subject": None,
                        "body": message,
                        "at": _now(),
                    }
                )
            return message_id

        models.Subscription.publish = publish_to_subscription  # type: ignore[method-assign]
        models.SNSBackend.publish = publish  # type: ignore[method-assign]
        _installed = True


def messages(account_id: str, region: str) -> list[dict[str, Any]]:
    """The outbox, oldest first."""
    from moto.sns.models import sns_backends

    return [dict(record) for record in _records(sns_backends[account_id][region])]


def subscribe_agencies(sns: Any, topic_arn: str, city_dir: Any) -> list[str]:
    """A local e-mail and SMS subscription for every agency of the city (idempotent: SNS gives
    the existing subscription back); the subscription ARNs."""
    from sikemas.city import load_city
    from sikemas.notify.subscriptions import local_endpoints, subscribe

    city = load_city(city_dir)
    arns = []
    for index, code in enumerate(city.agencies, 1):  # the city file's order: DLH is 1
        email, phone = local_endpoints(code, index, city.code)
        arns.append(subscribe(sns, topic_arn, code, email, "email"))
        arns.append(subscribe(sns, topic_arn, code, phone, "sms"))
    return arns
