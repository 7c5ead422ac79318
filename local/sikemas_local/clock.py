"""The local stack's clock: ``POST /_local/clock`` moves the time every function sees, and the
schedules (SAM ``ScheduleV2``) run on it.

Every function reads the time through ``sikemas.composition.utc_now``; the local stack sets its
offset (``set_clock_offset``), so the API's ``now``, the notifier's and the watcher's move
together. Token checks (Cognito's JWTs, the agency links' expiry) keep the real time.

The scheduler emulation: a ``rate(N minutes|hours|days)`` schedule runs its function whenever
the stack's clock has passed the last run by N (checked every few real seconds), and every move
of the clock runs each scheduled function once, as the moved time's first tick.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_of(expression: str) -> timedelta:
    """``rate(15 minutes)`` -> 15 minutes; cron() is not emulated."""
    found = _RATE.fullmatch(expression.strip())
    if found is None:
        raise ValueError(f"only rate() schedules are emulated locally: {expression!r}")
    unit = found.group(2).rstrip("s")
    return timedelta(seconds=int(found.group(1)) * _UNITS[unit])


def _composition() -> Any:
    from sikemas import composition  # the layer the functions import (on the path by now)

    return composition


def now() -> datetime:
    result: datetime = _composition().utc_now()
    return result


def move(body: dict[str, Any]) -> datetime:
    """``{"now": "<ISO 8601>"}``, ``{"advance_hours": N}`` or ``{"reset": true}`` (the real
    time again): the new time (UTC)."""
    composition = _composition()
    real = datetime.now(UTC)
    if "now" in body:
        target = datetime.fromisoformat(str(body["now"]))
        if target.tzinfo is None:
            raise ValueError("now needs a UTC offset (e.g. 2026-08-16T19:00:00+08:00)")
        composition.set_clock_offset(target - real)
    elif body.get("reset") is True:  # back to the real time
        composition.set_clock_offset(timedelta(0))
    elif "advance_hours" in body:
        hours = float(body["advance_hours"])
        composition.set_clock_offset(composition.clock_offset() + timedelta(hours=hours))
    else:
        raise ValueError('give "now" (ISO 8601), "advance_hours" or "reset": true')
    return now()


@dataclass
class Scheduled:
    function: Any  # sikemas_local.runtime.LocalFunction
    every: timedelta
    event_name: str
    last: datetime | None = None

    def event(self, at: datetime) -> dict[str, Any]:
        """What EventBridge Scheduler hands a Lambda target (its default input)."""
        return {
            "version": "0",
            "detail-type": "Scheduled Event",
            "source": "aws.scheduler",
            "time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "detail": {},
            "resources": [f"local-schedule/{self.event_name}"],
        }


class Scheduler(threading.Thread):
    """Runs the schedules on the stack's clock (checked every ``poll_s`` real seconds)."""

    def __init__(
        self, *, schedules: list[Scheduled], stop: threading.Event, poll_s: float = 5.0
    ) -> None:
        super().__init__(name="scheduler", daemon=True)
        self.schedules = schedules
        self.stop = stop
        self.poll_s = poll_s
        self._lock = threading.Lock()

    def run(self) -> None:
        while not self.stop.wait(self.poll_s):
            self.tick(force=False)

    def tick(self, *, force: bool) -> list[dict[str, Any]]:
        """Run every schedule that is due on the stack's clock (all of them with ``force``);
        their results, in order."""
        results = []
        with self._lock:
            at = now()
            for scheduled in self.schedules:
                if (
                    not force
                    and scheduled.last is not None
                    and at < scheduled.last + scheduled.every
                ):
                    continue
                if not force and scheduled.last is None:
                    scheduled.last = at  # the first tick is one period after the start
                    continue
                scheduled.last = at
                try:
                    result = scheduled.function.invoke(scheduled.event(at))
                except Exception as exc:  # reported, as Lambda's errors are: the next tick runs
                    print(f"[local] {scheduled.function.name} failed: {exc!r}", flush=True)
                    result = {"errorType": type(exc).__name__, "errorMessage": str(exc)}
                results.append({"function": scheduled.function.spec.logical_id, "result": result})
        return results
