"""On the local stack: a report routed at once reaches its agency's local e-mail and SMS
subscriptions through the table's stream, and both appear in GET /_local/outbox with the link."""

from __future__ import annotations

import time
from typing import Any

import requests

PERMIT = {
    "kind": "complaint",
    "category": "perizinan",
    "description": "Izin usaha saya belum diproses selama dua bulan (e2e notifikasi).",
    "notify_sms": True,
}
PHONE = "+6281234500077"


def _outbox(url: str) -> list[dict[str, Any]]:
    response = requests.get(f"{url}/_local/outbox", timeout=10)
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def _wait_for(url: str, code: str, count: int, timeout_s: float = 20) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout_s
    while True:
        found = [m for m in _outbox(url) if code in (m["body"] or "")]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_a_routed_report_reaches_the_agency_by_email_and_sms_with_the_link(local_stack):
    started = time.monotonic()
    response = requests.post(
        f"{local_stack.url}/v1/reports",
        json=PERMIT,
        headers=local_stack.auth(PHONE),
        timeout=10,
    )
    assert response.status_code == 201, response.text
    code = response.json()["report"]["tracking_code"]

    found = _wait_for(local_stack.url, code, 3)
    elapsed = time.monotonic() - started

    by = {(m["channel"], m["to"]): m for m in found}
    email = by[("email", "dpmptsp@kotamobagu.local")]
    sms = by[("sms", "+6281100000008")]
    assert email["attributes"]["agency"] == "DPMPTSP"
    assert email["topic"].endswith("AssignmentsTopic")
    assert code in email["subject"]
    assert f"{local_stack.url}/agency/r/" in email["body"]
    assert sms["subject"] is None
    assert f"{local_stack.url}/s/" in sms["body"]
    assert len(sms["body"]) <= 160
    citizen = by[("sms", PHONE)]
    assert citizen["topic"] is None
    # oldest first, each stamped
    everything = _outbox(local_stack.url)
    stamps = [m["at"] for m in everything]
    assert stamps == sorted(stamps)
    # Measured by hand, not asserted: `pytest -s` shows it.
    print(  # noqa: T201
        f"report -> outbox in {elapsed:.2f} s; e-mail {len(email['body'])} chars, "
        f"agency SMS {len(sms['body'])}, citizen SMS {len(citizen['body'])}"
    )
