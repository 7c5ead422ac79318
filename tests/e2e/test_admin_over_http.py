"""The admin's console on the local stack: the saved events of ``events/admin/`` posted to
``/_local/invoke/AdminFunction``, as the Lambda console's Test button runs them."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import requests

from tests.e2e.test_citizen_flow import file_report

EVENTS = Path(__file__).resolve().parents[2] / "events" / "admin"
PHONE = "+6281298760001"


def invoke(stack, action: str, **fields: Any) -> requests.Response:
    event = json.loads((EVENTS / f"{action}.json").read_text(encoding="utf-8"))
    event.update(fields)
    return requests.post(f"{stack.url}/_local/invoke/AdminFunction", json=event, timeout=30)


def outbox_about(stack, tracking_code: str) -> list[dict[str, Any]]:
    sent = requests.get(f"{stack.url}/_local/outbox", timeout=10).json()["messages"]
    return [m for m in sent if tracking_code in m["body"]]


def test_the_saved_queue_event_runs_as_is(local_stack):
    r = invoke(local_stack, "queue")

    assert r.status_code == 200, r.text
    result = r.json()
    assert result["ok"] is True
    assert set(result) >= {"needs_review", "stuck", "suspicious", "overdue"}


def test_a_forwarded_report_is_closed_by_the_admin_for_its_vertical_agency(local_stack):
    filed = file_report(
        local_stack,
        PHONE,
        category="air_bersih",
        description="Air PDAM tidak mengalir sejak kemarin pagi di rumah kami.",
        photo_count=0,
    )
    report = filed["report"]
    assert report["status"] == "forwarded"

    r = invoke(local_stack, "vertical_outcome", report=report["tracking_code"])

    assert r.status_code == 200, r.text
    result = r.json()
    assert result["ok"] is True, result
    assert result["report"]["status"] == "closed"
    seen = requests.get(f"{local_stack.url}/v1/reports/{report['id']}", timeout=10).json()
    assert seen["report"]["status"] == "closed"


def test_a_bad_event_names_its_field_over_http(local_stack):
    r = invoke(local_stack, "reject", report="not a report")

    assert r.status_code == 200
    assert r.json()["ok"] is False
    assert r.json()["error"]["field"] == "report"


def test_an_unknown_function_is_404(local_stack):
    r = requests.post(f"{local_stack.url}/_local/invoke/NoSuchFunction", json={}, timeout=10)

    assert r.status_code == 404
    assert "AdminFunction" in r.json()["message"]


def test_resend_link_reaches_the_agencys_local_subscriptions_in_the_outbox(local_stack):
    filed = file_report(
        local_stack,
        PHONE,
        category="sekolah",
        description="Atap ruang kelas SD bocor setiap kali hujan turun deras.",
        photo_count=0,
    )
    report = filed["report"]
    # the notifier's own assignment message first (the table's stream), so that only the
    # resent one follows
    deadline = time.monotonic() + 20
    while len(outbox_about(local_stack, report["tracking_code"])) < 2:
        assert time.monotonic() < deadline, "the assignment never reached the outbox"
        time.sleep(0.3)
    before = len(requests.get(f"{local_stack.url}/_local/outbox", timeout=10).json()["messages"])

    r = invoke(local_stack, "resend_link", report=report["id"], agency=None)

    assert r.status_code == 200, r.text
    assert r.json()["sent_to"] == {"agency": "DISDIKBUD"}
    sent = requests.get(f"{local_stack.url}/_local/outbox", timeout=10).json()["messages"]
    fresh = [
        m
        for m in sent[before:]
        if m["attributes"].get("agency") == "DISDIKBUD" and report["tracking_code"] in m["body"]
    ]
    assert {m["channel"] for m in fresh} == {"email", "sms"}
