"""Signed links: forged, altered (each part), expired, wrong secret, round trip; short links."""

from __future__ import annotations

import base64
import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sikemas.links import (
    INBOX,
    LINK_VALIDITY,
    LinkClaims,
    LinkExpired,
    LinkForged,
    LinkService,
    MemoryShortLinks,
    load_secret,
    sign,
    verify,
)

SECRET = b"k" * 32
OTHER = b"o" * 32
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
EXP = NOW + timedelta(days=7)
RID = "01JABCDEFGHJKMNPQRSTVWXYZ0"


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def test_round_trip_gives_the_claims():
    token = sign(SECRET, RID, "DLH", EXP)
    assert verify(SECRET, token, NOW) == LinkClaims(RID, "DLH", EXP)
    assert set(token) <= set(string.ascii_letters + string.digits + "-_.")


@given(
    report_id=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n"),
        min_size=1,
        max_size=40,
    ),
    agency=st.from_regex(r"[A-Z][A-Z0-9_]{0,15}", fullmatch=True),
    seconds=st.integers(min_value=1, max_value=10**8),
)
def test_any_claims_round_trip(report_id, agency, seconds):
    expires = NOW + timedelta(seconds=seconds)
    claims = verify(SECRET, sign(SECRET, report_id, agency, expires), NOW)
    assert claims == LinkClaims(report_id, agency, expires.replace(microsecond=0))


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b.c", "....", "!!.??", "YWJj.", ".YWJj", "YWJj.YWJj", "é.é"]
)
def test_made_up_tokens_are_forged(token):
    with pytest.raises(LinkForged):
        verify(SECRET, token, NOW)


def test_another_secret_is_forged():
    with pytest.raises(LinkForged):
        verify(OTHER, sign(SECRET, RID, "DLH", EXP), NOW)


@pytest.mark.parametrize("part", [0, 1, 2])
def test_altering_any_claim_is_forged(part):
    payload_text, sig = sign(SECRET, RID, "DLH", EXP).split(".")
    parts = _unb64(payload_text).decode().split("\n")
    later = str(int(EXP.timestamp()) + 86400)
    parts[part] = {0: "01JOTHERREPORT000000000000", 1: "PUPR", 2: later}[part]
    altered = f"{_b64(chr(10).join(parts).encode())}.{sig}"
    with pytest.raises(LinkForged):
        verify(SECRET, altered, NOW)


def test_altering_the_signature_is_forged():
    payload_text, sig = sign(SECRET, RID, "DLH", EXP).split(".")
    raw = bytearray(_unb64(sig))
    raw[0] ^= 1
    with pytest.raises(LinkForged):
        verify(SECRET, f"{payload_text}.{_b64(bytes(raw))}", NOW)
    with pytest.raises(LinkForged):
        verify(SECRET, f"{payload_text}.{sig[:-2]}", NOW)  # truncated


def test_expired_carries_the_claims():
    token = sign(SECRET, RID, "DLH", EXP)
    with pytest.raises(LinkExpired) as caught:
        verify(SECRET, token, EXP)
    assert caught.value.claims == LinkClaims(RID, "DLH", EXP)
    assert verify(SECRET, token, EXP - timedelta(seconds=1)).report_id == RID


def test_expired_and_forged_map_to_403_and_410():
    from sikemas.api.errors import STATUS

    assert STATUS[LinkForged.code] == 403
    assert STATUS[LinkExpired.code] == 410


def test_inbox_token():
    claims = verify(SECRET, sign(SECRET, INBOX, "PDAM", EXP), NOW)
    assert claims.is_inbox
    assert claims.agency == "PDAM"


def test_naive_expiry_and_newline_refused():
    with pytest.raises(ValueError, match="timezone"):
        sign(SECRET, RID, "DLH", EXP.replace(tzinfo=None))
    with pytest.raises(ValueError, match="single lines"):
        sign(SECRET, RID, "DLH\nPUPR", EXP)


class _Secrets:
    def __init__(self, answer):
        self.answer = answer
        self.calls = []

    def get_secret_value(self, SecretId):
        self.calls.append(SecretId)
        return self.answer


def test_load_secret_reads_the_string_and_refuses_a_short_one():
    client = _Secrets({"SecretString": "x" * 40})
    assert load_secret(client, "arn:s") == b"x" * 40
    assert client.calls == ["arn:s"]
    with pytest.raises(ValueError, match="shorter"):
        load_secret(_Secrets({"SecretString": "short"}), "arn:s")


def test_link_service_builds_urls_and_short_links():
    shorts = MemoryShortLinks()
    codes = iter(["abcdefgh", "abcdefgh", "zxcvbnmq"])
    svc = LinkService(
        SECRET, "http://127.0.0.1:3000/", None, shorts=shorts, new_code=lambda: next(codes)
    )
    url, short = svc.link_for(RID, "DLH", NOW)
    assert url.startswith("http://127.0.0.1:3000/agency/r/")
    assert short == "http://127.0.0.1:3000/s/abcdefgh"
    assert svc.verify(url.rsplit("/", 1)[1], NOW) == LinkClaims(RID, "DLH", NOW + LINK_VALIDITY)
    assert svc.resolve_short("abcdefgh", NOW) == url
    # a taken code is never overwritten: the next one is drawn
    _url2, short2 = svc.link_for(RID, "DLH", NOW)
    assert short2.endswith("/s/zxcvbnmq")
    assert svc.resolve_short("abcdefgh", NOW) == url
    assert svc.resolve_short("abcdefgh", NOW + LINK_VALIDITY) is None
    assert svc.resolve_short("../etc", NOW) is None
    inbox = svc.inbox_link("DLH", NOW)
    assert verify(SECRET, inbox.rsplit("/", 1)[1], NOW).is_inbox


def test_resend_publishes_to_the_agency_not_the_caller():
    sent = []

    class Repo:
        def get(self, report_id):
            return {"id": report_id} if report_id == RID else None

    svc = LinkService(
        SECRET,
        "http://x",
        Repo(),
        shorts=MemoryShortLinks(),
        publisher=lambda r, a, u, s: sent.append((r, a, u, s)),
        clock=lambda: NOW,
    )
    url, short = svc.resend(RID, "DLH")
    assert sent == [({"id": RID}, "DLH", url, short)]
    with pytest.raises(LookupError):
        svc.resend("nope", "DLH")
