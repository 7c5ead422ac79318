"""The two clocks through the real API handler and the template's table in moto: stored when a
report is routed at filing, read back in the owner's and the public view."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.integration.conftest import Api
from tests.integration.test_api_intake import PERMIT, WATER


def test_a_report_routed_at_filing_shows_its_deadlines_to_the_owner_and_the_public(api: Api):
    _, created, _ = api.call("POST", "/v1/reports", body=PERMIT)
    report = created["report"]
    deadlines = report["deadlines"]

    assert set(deadlines) == {"respond_by", "resolve_by", "responded_at", "resolved_at", "overdue"}
    respond_by = datetime.fromisoformat(deadlines["respond_by"])
    resolve_by = datetime.fromisoformat(deadlines["resolve_by"])
    assert respond_by.utcoffset() == resolve_by.utcoffset() == timedelta(hours=8)
    # perizinan: 48 h on the wall clock; 5 working days, due at a close of working hours.
    assert respond_by - datetime.fromisoformat(report["created_at"]) == timedelta(hours=48)
    assert resolve_by.time().isoformat() in ("16:00:00", "16:30:00")
    assert resolve_by - respond_by > timedelta(0)
    assert (deadlines["responded_at"], deadlines["resolved_at"], deadlines["overdue"]) == (
        None,
        None,
        False,
    )
    _, mine, _ = api.call("GET", f"/v1/me/reports/{report['id']}")
    _, public, _ = api.call("GET", f"/v1/reports/{report['id']}", phone=None)
    assert mine["report"]["deadlines"] == deadlines
    assert public["report"]["deadlines"] == deadlines


def test_a_forwarded_report_shows_no_city_deadline(api: Api):
    _, created, _ = api.call("POST", "/v1/reports", body=WATER)

    assert created["report"]["status"] == "forwarded"
    assert created["report"]["deadlines"] is None
