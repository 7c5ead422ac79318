"""The cold-start bench measures what the app does and cannot flatter by ordering."""

from __future__ import annotations

import json

from bench.cold_start import interleaved, report_event, spread


def test_measured_and_baseline_runs_alternate() -> None:
    calls: list[str] = []

    def measured(i: int) -> dict[str, float]:
        calls.append(f"measured {i}")
        return {"init": float(i)}

    def baseline() -> dict[str, float]:
        calls.append("baseline")
        return {"init": 0.0}

    measured_samples, baseline_samples = interleaved(3, measured, baseline)

    assert calls == ["measured 0", "baseline", "measured 1", "baseline", "measured 2", "baseline"]
    assert [s["init"] for s in measured_samples] == [0.0, 1.0, 2.0]
    assert len(baseline_samples) == 3


def test_spread_is_min_median_max() -> None:
    assert spread([5.0, 1.0, 9.0, 3.0]) == (1.0, 4.0, 9.0)
    assert spread([2.0]) == (2.0, 2.0, 2.0)


def test_the_first_request_is_a_report_with_a_photo_as_the_app_sends_it() -> None:
    event = report_event("citizen-1")
    body = json.loads(event["body"])
    assert body["photo_count"] == 1
    assert body["location"]
    assert event["headers"]["idempotency-key"]
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawPath"] == "/v1/reports"


def test_every_run_files_as_a_different_citizen() -> None:
    """Any number of runs stays under the daily report limit (one citizen, one report)."""
    events = [report_event(f"bench-api-{i}") for i in range(25)]
    subjects = {e["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] for e in events}
    keys = {e["headers"]["idempotency-key"] for e in events}
    assert len(subjects) == 25
    assert len(keys) == 25
