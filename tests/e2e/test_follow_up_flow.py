"""The whole follow-up on the local stack, over HTTP as its users meet it (the browser test
covers the pages in Chromium; here forms are posted as a browser posts them):

report → the agency's e-mail and SMS in the outbox → the signed link → acknowledge → resolve →
the citizen's SMS → reopen (the agency told again) → resolve → confirm → closed; and a report
for a vertical agency → forwarded → PDAM records its outcome through its link → closed."""

from __future__ import annotations

import re
import time
from typing import Any

import requests

from tests.e2e.conftest import ROOT, LocalStack

ARTEFACTS = ROOT / ".artefacts"

PHONE = "+6281234500123"
PERMIT = {
    "kind": "complaint",
    "category": "perizinan",
    "description": "Izin mendirikan bangunan belum diproses tiga bulan (e2e tindak lanjut).",
    "notify_sms": True,
}
WATER = {
    "kind": "complaint",
    "category": "air_bersih",
    "description": "Air PDAM tidak mengalir sejak kemarin pagi di lingkungan kami (e2e).",
    "location": {"lat": 0.7335, "lon": 124.3167, "accuracy_m": 10},
    "notify_sms": True,
}
_LINK = re.compile(r"https?://[^\s]+/agency/r/[A-Za-z0-9_\-.]+")


def _outbox(stack: LocalStack) -> list[dict[str, Any]]:
    response = requests.get(f"{stack.url}/_local/outbox", timeout=10)
    response.raise_for_status()
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


def _messages(
    stack: LocalStack, code: str, *, to: str, count: int, timeout_s: float = 20
) -> list[dict[str, Any]]:
    """The messages naming ``code`` sent to ``to`` once there are ``count`` of them."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = [m for m in _outbox(stack) if code in (m["body"] or "") and m["to"] == to]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{count} messages to {to} about {code} never came: {found}")
        time.sleep(0.2)


def _status(stack: LocalStack, report_id: str) -> str:
    response = requests.get(
        f"{stack.url}/v1/me/reports/{report_id}", headers=stack.auth(PHONE), timeout=10
    )
    response.raise_for_status()
    status: str = response.json()["report"]["status"]
    return status


def _act(link: str, **form: str) -> requests.Response:
    """Post the page's form; a browser follows the 303 back to the page."""
    return requests.post(link, data=form, timeout=10)


def test_a_report_followed_up_by_its_agency_reopened_and_confirmed(local_stack: LocalStack):
    started = time.monotonic()
    filed = requests.post(
        f"{local_stack.url}/v1/reports", json=PERMIT, headers=local_stack.auth(PHONE), timeout=10
    )
    assert filed.status_code == 201, filed.text
    report = filed.json()["report"]
    code, report_id = report["tracking_code"], report["id"]
    assert report["status"] == "assigned"

    (email,) = _messages(local_stack, code, to="dpmptsp@kotamobagu.local", count=1)
    link_match = _LINK.search(email["body"])
    assert link_match, email["body"]
    link = link_match.group(0)
    assert requests.get(link, timeout=10).status_code == 200

    page = _act(link, action="acknowledge", officer="Budi Santoso")
    assert page.status_code == 200, page.text
    assert _status(local_stack, report_id) == "in_progress"

    page = _act(link, action="resolve", outcome="fixed", officer="Budi Santoso")
    assert page.status_code == 200, page.text
    assert _status(local_stack, report_id) == "resolved"
    texts = [m["body"] for m in _messages(local_stack, code, to=PHONE, count=3)]
    assert all(len(text) <= 160 for text in texts)

    reopened = requests.post(
        f"{local_stack.url}/v1/reports/{report_id}/reopen",
        json={"reason": "Masih belum ada kabar dari dinas, izin belum terbit."},
        headers=local_stack.auth(PHONE),
        timeout=10,
    )
    assert reopened.status_code == 200, reopened.text
    assert _status(local_stack, report_id) == "assigned"
    _messages(local_stack, code, to="dpmptsp@kotamobagu.local", count=2)  # told again

    # The same link still holds for the assignment: acknowledge and resolve again.
    assert _act(link, action="acknowledge", officer="Budi Santoso").status_code == 200
    assert _act(link, action="resolve", outcome="fixed", officer="Budi").status_code == 200
    confirmed = requests.post(
        f"{local_stack.url}/v1/reports/{report_id}/confirm",
        headers=local_stack.auth(PHONE),
        timeout=10,
    )
    assert confirmed.status_code == 200, confirmed.text
    assert _status(local_stack, report_id) == "closed"

    late = _act(link, action="acknowledge", officer="Ani")  # someone acts on a closed report
    assert late.status_code == 409
    assert _status(local_stack, report_id) == "closed"
    ARTEFACTS.mkdir(exist_ok=True)
    (ARTEFACTS / "follow_up_timing.txt").write_text(
        f"report -> closed over HTTP in {time.monotonic() - started:.2f} s\n"
    )


def test_a_vertical_agency_records_its_outcome_and_the_report_closes(local_stack: LocalStack):
    filed = requests.post(
        f"{local_stack.url}/v1/reports", json=WATER, headers=local_stack.auth(PHONE), timeout=10
    )
    assert filed.status_code == 201, filed.text
    report = filed.json()["report"]
    code, report_id = report["tracking_code"], report["id"]
    assert report["status"] == "forwarded"

    (email,) = _messages(local_stack, code, to="pdam@kotamobagu.local", count=1)
    link_match = _LINK.search(email["body"])
    assert link_match, email["body"]
    page = _act(
        link_match.group(0), outcome="handled", reference="PDAM/2026/1234", officer="Rudi (PDAM)"
    )
    assert page.status_code == 200, page.text
    assert _status(local_stack, report_id) == "closed"
