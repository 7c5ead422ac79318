"""The local stack's clock: moving it moves every function's ``utc_now``; schedules run on it
(a rate schedule runs when the stack's clock has passed the last run by its rate; a move runs
every schedule once)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sikemas import composition
from sikemas_local import clock


@pytest.fixture(autouse=True)
def real_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(composition, "_clock_offset", timedelta(0))


def test_rates() -> None:
    assert clock.rate_of("rate(15 minutes)") == timedelta(minutes=15)
    assert clock.rate_of("rate(1 hour)") == timedelta(hours=1)
    assert clock.rate_of("rate(2 days)") == timedelta(days=2)
    with pytest.raises(ValueError, match="only rate"):
        clock.rate_of("cron(0 * * * ? *)")


def test_moving_the_clock_moves_utc_now_and_reset_brings_it_back() -> None:
    moved = clock.move({"now": "2026-08-16T19:00:00+08:00"})
    assert abs(moved - datetime(2026, 8, 16, 11, 0, tzinfo=UTC)) < timedelta(seconds=1)
    assert abs(composition.utc_now() - moved) < timedelta(seconds=1)
    later = clock.move({"advance_hours": 2})
    assert abs(later - moved - timedelta(hours=2)) < timedelta(seconds=1)
    clock.move({"reset": True})
    assert abs(composition.utc_now() - datetime.now(UTC)) < timedelta(seconds=1)
    with pytest.raises(ValueError, match="offset"):
        clock.move({"now": "2026-08-16T19:00:00"})
    with pytest.raises(ValueError, match="give"):
        clock.move({})


class Function:
    class spec:
        logical_id = "WatcherFunction"

    name = "sikemas-WatcherFunction"

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"ran": len(self.events)}


def test_a_schedule_runs_on_the_stacks_clock() -> None:
    function = Function()
    scheduled = clock.Scheduled(function, timedelta(minutes=15), "Every")
    scheduler = clock.Scheduler(schedules=[scheduled], stop=threading.Event())
    assert scheduler.tick(force=False) == []  # the first tick starts the period
    clock.move({"advance_hours": 0.2})  # 12 minutes: not yet
    assert scheduler.tick(force=False) == []
    clock.move({"advance_hours": 0.1})  # 18 minutes
    assert scheduler.tick(force=False) == [{"function": "WatcherFunction", "result": {"ran": 1}}]
    assert function.events[0]["source"] == "aws.scheduler"
    assert scheduler.tick(force=True) == [{"function": "WatcherFunction", "result": {"ran": 2}}]
