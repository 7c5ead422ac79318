"""The admin's console on the local stack: the saved events of ``events/admin/`` posted to
``/_local/invoke/AdminFunction``, as the Lambda console's Test button runs them."""

from __future__ import annotations

import json
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
