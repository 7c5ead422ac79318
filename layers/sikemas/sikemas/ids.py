"""Identifiers: ULIDs for reports (sortable by time) and short tracking codes for people."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
TRACKING_RE = re.compile(r"^[A-Z]{2,5}-[0-9A-HJKMNP-TV-Z]{6}$")


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_CROCKFORD[rem])
    return "".join(reversed(out))


def new_ulid(now: datetime) -> str:
    """26 characters: 48 bits of milliseconds since the epoch, then 80 random bits."""
    millis = int(now.timestamp() * 1000)
    return _encode(millis, 10) + _encode(secrets.randbits(80), 16)


def new_tracking_code(prefix: str) -> str:
    """What a citizen reads out on the phone: ``KTG-7K3M9Q`` (30 random bits, no I/L/O/U)."""
    return f"{prefix}-{_encode(secrets.randbits(30), 6)}"


def is_report_id(value: str) -> bool:
    return bool(ULID_RE.match(value))


def is_tracking_code(value: str) -> bool:
    return bool(TRACKING_RE.match(value))
