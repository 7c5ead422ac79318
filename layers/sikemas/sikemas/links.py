"""Signed links: how an agency acts on a report without an account.

A token names a report, an agency and an expiry, and carries an HMAC-SHA256 over the three made
with the stack's secret (Secrets Manager ``AgencyLinkSecret``, read once per cold start). The
token is ``<payload>.<signature>``, both base64url without padding, the payload being
``<report id>\\n<agency>\\n<expiry, unix seconds>``: URL-safe, no server-side state. Changing
any byte of either part makes the signature check fail (compared with ``hmac.compare_digest``,
constant time). An inbox link is the same token with ``report_id="*"``: all of the agency's open
reports.

Short links (``{base}/s/<code>``, 8 characters) exist for SMS: an item ``SHORT#<code>`` holds the
signed URL and expires (TTL) with it. The short code is random, not derived from the token, so it
reveals nothing; it only redirects to a link that is itself checked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sikemas.adapters import keys
from sikemas.errors import SikemasError

LINK_VALIDITY = timedelta(days=7)
INBOX = "*"  # the report id an inbox link names
SHORT_CODE_CHARS = 8
# No 0/O, 1/l/I: a code read aloud or typed from an SMS stays unambiguous.
_SHORT_ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
_SEP = "\n"
_MIN_SECRET_BYTES = 32


class LinkForged(SikemasError):
    """The token is not one this stack signed (made up, altered, or signed with another key)."""

    code = "link_forged"
    message_id = "Tautan ini tidak sah atau telah diubah."
    message_en = "This link is not valid or has been altered."


class LinkExpired(SikemasError):
    """A genuine token past its expiry: ``claims`` lets the page offer a fresh link."""

    code = "link_expired"
    message_id = "Tautan ini sudah kedaluwarsa. Minta tautan baru untuk dikirim ke instansi Anda."
    message_en = "This link has expired. Ask for a fresh link to be sent to your agency."

    def __init__(self, claims: LinkClaims) -> None:
        super().__init__()
        self.claims = claims


@dataclass(frozen=True)
class LinkClaims:
    report_id: str  # ``INBOX`` ("*") for an inbox link
    agency: str
    expires_at: datetime

    @property
    def is_inbox(self) -> bool:
        return self.report_id == INBOX


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or any(c not in _B64_CHARS for c in text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _mac(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()


def sign(secret: bytes, report_id: str, agency: str, expires_at: datetime) -> str:
    """A URL-safe token for (report, agency) valid until ``expires_at`` (whole seconds)."""
    if not secret:
        raise ValueError("empty signing secret")
    if not report_id or not agency or _SEP in report_id or _SEP in agency:
        raise ValueError("report id and agency must be non-empty single lines")
    if expires_at.tzinfo is None:
        raise ValueError("expires_at must be timezone-aware")
    payload = _SEP.join((report_id, agency, str(int(expires_at.timestamp())))).encode()
    return f"{_b64(payload)}.{_b64(_mac(secret, payload))}"


def verify(secret: bytes, token: str, now: datetime) -> LinkClaims:
    """The token's claims, or ``LinkForged`` (any mismatch) / ``LinkExpired`` (genuine, late).

    The signature is checked before anything in the payload is trusted or even parsed."""
    try:
        payload_text, signature_text = token.split(".")
        payload = _unb64(payload_text)
        signature = _unb64(signature_text)
    except (ValueError, binascii.Error, AttributeError):
        raise LinkForged from None
    if not hmac.compare_digest(_mac(secret, payload), signature):
        raise LinkForged
    try:
        report_id, agency, expiry = payload.decode().split(_SEP)
        claims = LinkClaims(report_id, agency, datetime.fromtimestamp(int(expiry), tz=UTC))
    except (ValueError, UnicodeDecodeError, OverflowError, OSError):
        raise LinkForged from None  # signed by us, yet malformed: never happens; refuse anyway
    if now >= claims.expires_at:
        raise LinkExpired(claims)
    return claims


def load_secret(client: Any, arn: str) -> bytes:
    """The signing key from Secrets Manager (``GetSecretValue``); call once per cold start."""
    answer = client.get_secret_value(SecretId=arn)
    value = answer.get("SecretString")
    secret = value.encode() if value is not None else bytes(answer["SecretBinary"])
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError(f"the agency link secret is shorter than {_MIN_SECRET_BYTES} bytes")
    return secret


# -- short links --------------------------------------------------------------------------------


class ShortLinkStore(Protocol):
    def put_short_link(self, code: str, target: str, expires_at: datetime) -> bool:
        """Store ``code`` → ``target`` unless the code exists; False when it does."""

    def get_short_link(self, code: str, now: datetime) -> str | None:
        """The target of a live code, or None (unknown or expired)."""


class DynamoShortLinks:
    """``SHORT#<code>`` items in the report table, expiring by TTL with their link."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._db = client
        self._table = table_name

    def put_short_link(self, code: str, target: str, expires_at: datetime) -> bool:
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    **keys.short_link(code),
                    "type": {"S": "short_link"},
                    "target": {"S": target},
                    # The table's TTL attribute (epoch seconds).
                    "expires_at": {"N": str(int(expires_at.timestamp()))},
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except self._db.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get_short_link(self, code: str, now: datetime) -> str | None:
        item = self._db.get_item(TableName=self._table, Key=keys.short_link(code)).get("Item")
        if not item:
            return None
        # TTL deletes lazily (up to days later): the expiry is checked on read too.
        if int(item["expires_at"]["N"]) <= now.timestamp():
            return None
        return str(item["target"]["S"])


class MemoryShortLinks:
    """In-memory ``ShortLinkStore`` for tests."""

    def __init__(self) -> None:
        self.items: dict[str, tuple[str, datetime]] = {}

    def put_short_link(self, code: str, target: str, expires_at: datetime) -> bool:
        if code in self.items:
            return False
        self.items[code] = (target, expires_at)
        return True

    def get_short_link(self, code: str, now: datetime) -> str | None:
        found = self.items.get(code)
        return found[0] if found and found[1] > now else None


def _short_links_of(repo: Any) -> ShortLinkStore:
    """The short-link store behind ``repo``: itself if it stores them, else its table."""
    if hasattr(repo, "put_short_link") and hasattr(repo, "get_short_link"):
        return repo  # type: ignore[no-any-return]
    db, table = getattr(repo, "_db", None), getattr(repo, "_table", None)
    if db is None or table is None:
        raise TypeError("LinkService needs a ShortLinkStore (shorts=) for this repository")
    return DynamoShortLinks(db, table)


def new_short_code() -> str:
    return "".join(_secrets.choice(_SHORT_ALPHABET) for _ in range(SHORT_CODE_CHARS))


class LinkService:
    """Builds the agency's URLs on the stack's public base URL.

    ``repo`` is the report repository (``resend`` reads the report); short links are stored in
    ``shorts`` (default: the repository's own table). ``resend`` publishes through
    ``publisher(report, agency, url, short_url)`` — the notifier's agency message to the
    agency's subscriptions, never to whoever asked."""

    def __init__(
        self,
        secret: bytes,
        base_url: str,
        repo: Any,
        *,
        shorts: ShortLinkStore | None = None,
        publisher: Callable[[Any, str, str, str], None] | None = None,
        clock: Callable[[], datetime] | None = None,
        new_code: Callable[[], str] = new_short_code,
    ) -> None:
        self._secret = secret
        self._base = base_url.rstrip("/")
        self._repo = repo
        self._shorts = shorts
        self._publisher = publisher
        self._clock = clock or (lambda: datetime.now(UTC))
        self._new_code = new_code

    def publish_with(self, publisher: Callable[[Any, str, str, str], None]) -> None:
        """Set ``resend``'s publisher (it is built after this service: it uses it)."""
        self._publisher = publisher

    @property
    def shorts(self) -> ShortLinkStore:
        if self._shorts is None:
            self._shorts = _short_links_of(self._repo)
        return self._shorts

    def report_url(self, token: str) -> str:
        return f"{self._base}/agency/r/{token}"

    def inbox_url(self, token: str) -> str:
        return f"{self._base}/agency/inbox/{token}"

    def short_url(self, code: str) -> str:
        return f"{self._base}/s/{code}"

    def link_for(self, report_id: str, agency: str, now: datetime) -> tuple[str, str]:
        """(signed URL, short URL), both valid for ``LINK_VALIDITY`` from ``now``."""
        expires_at = now + LINK_VALIDITY
        url = self.report_url(sign(self._secret, report_id, agency, expires_at))
        for _ in range(5):  # 56^8 codes: a collision is already improbable, five in a row absurd
            code = self._new_code()
            if self.shorts.put_short_link(code, url, expires_at):
                return url, self.short_url(code)
        raise RuntimeError("could not allocate a short link code")

    def inbox_link(self, agency: str, now: datetime) -> str:
        return self.inbox_url(sign(self._secret, INBOX, agency, now + LINK_VALIDITY))

    def resolve_short(self, code: str, now: datetime) -> str | None:
        """The signed URL a short code redirects to, or None (unknown, malformed or expired)."""
        if len(code) != SHORT_CODE_CHARS or any(c not in _SHORT_ALPHABET for c in code):
            return None
        return self.shorts.get_short_link(code, now)

    def verify(self, token: str, now: datetime) -> LinkClaims:
        return verify(self._secret, token, now)

    def resend(self, report_id: str, agency: str) -> tuple[str, str]:
        """A fresh link published to the agency's subscriptions; returns (url, short url)."""
        if self._publisher is None:
            raise RuntimeError("LinkService.resend needs a publisher")
        report = self._repo.get(report_id)
        if report is None:
            raise LookupError(report_id)
        url, short = self.link_for(report_id, agency, self._clock())
        self._publisher(report, agency, url, short)
        return url, short
