"""The watcher (issue 9 §2): run every 15 minutes, it keeps every report moving.

It reads only what is due — reports whose next due instant has come (index ``ByDue``), the
oldest ``received`` and ``resolved`` reports (index ``ByStatus``, oldest first, read until the
first that is not due) — never a scan. For each it decides (``sikemas.domain.watch``) and
writes one transaction: the report with its flag and a timeline event; the notifier turns the
event into messages. The write is conditional on the report's version, and the flag records the
deadline flagged: two runs at once, or twice in the same minute, escalate nothing twice (the
second run's write fails, it reads the report again and finds nothing owed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sikemas.city import City
from sikemas.domain.calendar import Clocks
from sikemas.domain.report import Actor, EventType, Report, Status, Transition, amend, transition
from sikemas.domain.watch import Due, abandon_due, close_due, due_now
from sikemas.errors import ConcurrentUpdate
from sikemas.ports import ReportRepository, every

_ATTEMPTS = 3
PAGE = 100


@dataclass
class Summary:
    reminded: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)  # "<id>:<response|resolution>"
    closed: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    read: int = 0  # reports read from the indexes

    def as_dict(self) -> dict[str, object]:
        return {
            "reminded": self.reminded,
            "escalated": self.escalated,
            "closed": self.closed,
            "abandoned": self.abandoned,
            "read": self.read,
        }


Step = Callable[[Report, datetime], list[Transition]]


class Watcher:
    def __init__(
        self,
        repo: ReportRepository,
        city: City,
        clock: Callable[[], datetime],
        *,
        clocks: Clocks | None = None,
        page_size: int = PAGE,
    ) -> None:
        self._repo = repo
        self._city = city
        self._clock = clock
        self._clocks = clocks
        self._page = page_size

    def run(self) -> Summary:
        now = self._clock()
        summary = Summary()
        for report in self._due(now):
            summary.read += 1
            _record(summary, self._run(report.id, now, self._clocks_step))
        for report in self._oldest(Status.RECEIVED, now, abandon_due_at=True):
            summary.read += 1
            _record(summary, self._run(report.id, now, self._abandon_step))
        for report in self._oldest(Status.RESOLVED, now, abandon_due_at=False):
            summary.read += 1
            _record(summary, self._run(report.id, now, self._close_step))
        return summary

    # -- finding work -------------------------------------------------------------------------

    def _due(self, now: datetime) -> Iterator[Report]:
        return every(partial(self._repo.list_due, now, self._page))

    def _oldest(self, status: Status, now: datetime, *, abandon_due_at: bool) -> Iterator[Report]:
        """Oldest in ``status`` first, until the first one not yet due."""
        for report in every(partial(self._repo.list_by_status, status, self._page)):
            due = (
                abandon_due(report, now)
                if abandon_due_at
                else close_due(report, now, self._city.reopen_window)
            )
            if not due:
                # status_since orders the index: later ones are not due either. (A resolved
                # report's window runs from resolved_at = status_since.)
                return
            yield report

    # -- deciding -----------------------------------------------------------------------------

    def _clocks_step(self, report: Report, at: datetime) -> list[Transition]:
        out: list[Transition] = []
        current = report
        for owed in due_now(report, at):
            deadline = owed.deadline.isoformat()
            data = {"agency": report.agency, "clock": owed.what.value, "due": deadline}
            if owed.what is Due.REMINDER:
                t = amend(
                    current,
                    EventType.REMINDER,
                    at=at,
                    actor=Actor.SYSTEM,
                    data=data,
                    reminded_for=owed.deadline,
                )
            else:
                flags: dict[str, Any] = (
                    {"overdue_response_for": owed.deadline}
                    if owed.what is Due.RESPONSE
                    else {"overdue_resolution_for": owed.deadline}
                )
                t = amend(
                    current,
                    EventType.OVERDUE,
                    at=at,
                    actor=Actor.SYSTEM,
                    data=data,
                    **flags,
                )
            out.append(t)
            current = t.after
        return out

    def _abandon_step(self, report: Report, at: datetime) -> list[Transition]:
        if not abandon_due(report, at):
            return []
        return [
            transition(
                report,
                Status.ABANDONED,
                at=at,
                actor=Actor.SYSTEM,
                reason="no_photo",
                data={"waited_hours": 48},
                clocks=self._clocks,
            )
        ]

    def _close_step(self, report: Report, at: datetime) -> list[Transition]:
        if not close_due(report, at, self._city.reopen_window):
            return []
        return [
            transition(
                report,
                Status.CLOSED,
                at=at,
                actor=Actor.SYSTEM,
                reason="reopen_window_passed",
                clocks=self._clocks,
            )
        ]

    def _run(self, report_id: str, now: datetime, step: Step) -> list[Transition]:
        """Read, decide, write (conditional on the version); on a concurrent change decide
        again from the report as it now is — where nothing may be owed any more."""
        for _ in range(_ATTEMPTS):
            report = self._repo.get(report_id)
            if report is None:
                return []
            transitions = step(report, now)
            if not transitions:
                return []
            try:
                self._repo.apply(*transitions)
            except ConcurrentUpdate:
                continue
            return transitions
        from sikemas.observability import logger

        logger.warning("watcher gave up on a busy report", report_id=report_id)
        return []


def _record(summary: Summary, written: list[Transition]) -> None:
    for t in written:
        e = t.event
        if e.type is EventType.REMINDER:
            summary.reminded.append(e.report_id)
        elif e.type is EventType.OVERDUE:
            summary.escalated.append(f"{e.report_id}:{e.data['clock']}")
        elif e.to_status is Status.CLOSED:
            summary.closed.append(e.report_id)
        elif e.to_status is Status.ABANDONED:
            summary.abandoned.append(e.report_id)
