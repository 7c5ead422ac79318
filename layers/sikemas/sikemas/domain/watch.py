"""What the watcher owes a report at an instant (issue 9 §2). Pure: no I/O, no clock.

- **Reminder**: once, when 75 % of the response clock has run (from ``routed_at`` to
  ``respond_by``) and the agency has not acknowledged.
- **Overdue**: a clock passed unmet (strictly after its deadline, as ``Deadlines.overdue``
  says) is flagged once per deadline (``overdue_response_for`` / ``overdue_resolution_for``
  hold the deadline flagged) and escalated; a clock that moves (a pause ends, a reopen) may be
  flagged again, the same clock never twice. A reminder not yet sent when the response clock
  passes is dropped: the escalation says more.
- Only ``assigned`` and ``in_progress`` reports run clocks the watcher judges; a paused report
  (``needs_review``) or a forwarded one has none.
- ``next_due``: the earliest instant anything above is owed, or None. The repository keeps it on
  the report item (index ``ByDue``), so the watcher reads only what is due: never a scan.
- **Abandoned**: a report still ``received`` (its required photo never came) 48 hours after it
  was filed; **closed**: a ``resolved`` report whose reopen window has passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sikemas.domain.report import Report, Status

REMIND_FRACTION = 0.75
ABANDON_AFTER = timedelta(hours=48)
WATCHED = frozenset({Status.ASSIGNED, Status.IN_PROGRESS})


class Due(StrEnum):
    REMINDER = "reminder"
    RESPONSE = "response"  # the response clock passed
    RESOLUTION = "resolution"  # the resolution clock passed


@dataclass(frozen=True)
class Owed:
    what: Due
    at: datetime  # when it is owed (the reminder's instant, or the deadline)
    deadline: datetime  # the deadline it concerns (what the flag records)


def remind_at(report: Report) -> datetime | None:
    d = report.deadlines
    start = report.routed_at
    if d is None or start is None or start >= d.respond_by:
        return None
    return start + (d.respond_by - start) * REMIND_FRACTION


def pending(report: Report) -> list[Owed]:
    """Everything still owed to ``report`` (due or not), earliest first."""
    d = report.deadlines
    if report.status not in WATCHED or d is None or d.paused_at is not None:
        return []
    owed: list[Owed] = []
    if d.responded_at is None:
        reminder = remind_at(report)
        if (
            reminder is not None
            and report.reminded_for != d.respond_by
            and report.overdue_response_for != d.respond_by
        ):
            owed.append(Owed(Due.REMINDER, reminder, d.respond_by))
        if report.overdue_response_for != d.respond_by:
            owed.append(Owed(Due.RESPONSE, d.respond_by, d.respond_by))
    if d.resolved_at is None and report.overdue_resolution_for != d.resolve_by:
        owed.append(Owed(Due.RESOLUTION, d.resolve_by, d.resolve_by))
    return sorted(owed, key=lambda o: o.at)


def next_due(report: Report) -> datetime | None:
    owed = pending(report)
    return owed[0].at if owed else None


def _is_due(owed: Owed, now: datetime) -> bool:
    # A reminder is due at its instant; a clock is overdue strictly after its deadline.
    return now >= owed.at if owed.what is Due.REMINDER else now > owed.at


def due_now(report: Report, now: datetime) -> list[Owed]:
    """What the watcher must do for ``report`` at ``now``: the overdue clocks, or the reminder
    when no response escalation is due with it."""
    due = [o for o in pending(report) if _is_due(o, now)]
    if any(o.what is Due.RESPONSE for o in due):
        due = [o for o in due if o.what is not Due.REMINDER]
    return due


def abandon_due(report: Report, now: datetime) -> bool:
    return report.status is Status.RECEIVED and now >= report.status_since + ABANDON_AFTER


def close_due(report: Report, now: datetime, reopen_window: timedelta) -> bool:
    if report.status is not Status.RESOLVED:
        return False
    resolved_at = report.resolved_at or report.status_since
    return now > resolved_at + reopen_window  # the owner may reopen until then (FollowUp)
