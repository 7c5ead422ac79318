"""Cognito pre sign-up trigger: only Indonesian mobile numbers may open an account.

Every sign-up and sign-in sends an SMS the city pays for. SMS pumping (toll fraud) signs up
numbers on premium-rate or foreign ranges whose operators share the fee; refusing everything but
an Indonesian mobile number (`+628…`, the mobile ranges and lengths) before Cognito sends the
first code removes those destinations. Standard library only: this runs before every sign-up and
must start fast (no Powertools, no layer imports).

A raised exception makes Cognito refuse the sign-up; its message reaches the app as
``PreSignUp failed with error <message>.``
"""

from __future__ import annotations

import json
import re
from typing import Any

# +62, then the national significant number: 8, an operator block, and 7 to 10 more digits
# (9 to 12 digits in all: 0812-345-678 to 0812-3456-78901 as dialled at home).
# Blocks: 81x-83x (Telkomsel, Indosat, XL, Axis), 85x, 87x, 88x (Smartfren), 89x (3).
# 080x is not mobile: 0800 toll-free, 0807 universal access, 0809 premium rate; 084x and
# 086x are not allocated to mobile operators.
_INDONESIAN_MOBILE = re.compile(r"\+628[1235789][0-9]{7,10}")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")

REFUSED_NOT_INDONESIAN = (
    "Hanya nomor ponsel Indonesia (+628...) yang dapat mendaftar. "
    "Only Indonesian mobile numbers (+628...) can sign up."
)
REFUSED_NOT_MOBILE = (
    "Nomor ini bukan nomor ponsel Indonesia yang valid (+628..., 9-12 digit setelah +62). "
    "This is not a valid Indonesian mobile number (+628..., 9-12 digits after +62)."
)
REFUSED_MALFORMED = (
    "Nomor telepon harus dalam format internasional, misalnya +6281234567890. "
    "The phone number must be in international format, for example +6281234567890."
)


class SignUpRefused(Exception):
    """Cognito shows the message to the app and creates no user (and sends no SMS)."""


def check_phone_number(phone: object) -> str | None:
    """None when `phone` may sign up; otherwise the bilingual reason for refusing it."""
    if not isinstance(phone, str) or not _E164.fullmatch(phone):
        return REFUSED_MALFORMED
    if not phone.startswith("+62"):
        return REFUSED_NOT_INDONESIAN
    if not _INDONESIAN_MOBILE.fullmatch(phone):
        return REFUSED_NOT_MOBILE
    return None


def _log(decision: str, phone: object, source: object) -> None:
    # The full number is personal data: the log keeps its country prefix and length only.
    shown = phone[:4] + "…" if isinstance(phone, str) else type(phone).__name__
    length = len(phone) if isinstance(phone, str) else 0
    print(  # noqa: T201 - one JSON line to CloudWatch, as Powertools would write it
        json.dumps(
            {
                "level": "INFO",
                "message": "pre sign-up",
                "decision": decision,
                "phone_prefix": shown,
                "phone_length": length,
                "trigger_source": source,
            }
        )
    )


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    attributes = (event.get("request") or {}).get("userAttributes") or {}
    phone = attributes.get("phone_number")
    reason = check_phone_number(phone)
    _log("refused" if reason else "accepted", phone, event.get("triggerSource"))
    if reason:
        raise SignUpRefused(reason)
    # Cognito still sends its verification code: the number must be proven, never auto-confirmed.
    return event
