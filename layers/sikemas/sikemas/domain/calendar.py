"""Two clocks per report: respond by, resolve by.

Pure: no I/O, no environment. ``sikemas.city_calendar`` builds a ``WorkingCalendar`` from the
city's files; this module only counts.

- **Response** (``response_hours``): the wall clock from the moment the report is routed to an
  agency. The mayor's "2x24 jam" run through nights, weekends and holidays.
- **Resolution** (``resolution_working_days`` = N): due at the close of working hours on the Nth
  working day *after the day routed* (the city's local date). The routing day never counts, even
  when the report arrives at 07:00 on a working day; a report routed at night, on a weekend or on
  a holiday starts counting on the next working day. Routed Friday 14 August 2026 17:00 WITA,
  N = 5: Monday 17 August is Independence Day, so the days are 18, 19, 20, 21 and 24 August and
  it is due Monday 24 August 2026 16:00 WITA.
- A working day is a weekday the city has working hours for, minus Indonesia's national holidays
  and cuti bersama (generated per year from the ``holidays`` package), with the city's
  ``holidays.add`` days taken out and its ``holidays.remove`` days (a national day the city
  works) put back.
- **Emergency** categories count both clocks on the wall clock, 24/7: N working days = N x 24 h.
- **Pauses** (``needs_review``): on resume the response clock is extended by the wall time spent
  paused (the agency loses none of its hours; a hand-back to another agency restarts it in full
  with ``restart_response``); the resolution clock restarts: N working days after the day the
  assignment resumes (the reviewer may have changed the category or the agency, so the days
  already spent are not the new agency's). While paused, nothing becomes overdue.
- **Reopen** starts a new resolution clock from the reopen; the response clock is history.
- **A year the data lacks** (no ``holidays/<year>.json``) is counted with weekends and the city's
  overrides only: a report must still be routed on 2 January when nobody generated the new year.
  ``uncovered_years`` tells the caller, who logs a warning; the deadline may then be a few
  days early, never late.

Every datetime returned is timezone-aware in the city's timezone (WITA, +08:00 for Kotamobagu).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Protocol

# No city is closed for a year: a guard against a calendar with no working day in sight.
_MAX_DAYS_SCANNED = 400


class CalendarError(ValueError):
    """The calendar cannot count: no working hours, or contradictory overrides."""


class ClockCategory(Protocol):
    """What a category tells the clocks (``sikemas.city.Category`` fits)."""

    @property
    def response_hours(self) -> int: ...

    @property
    def resolution_working_days(self) -> int: ...

    @property
    def emergency(self) -> bool: ...


@dataclass(frozen=True)
class ClockRules:
    response_hours: int
    resolution_working_days: int
    emergency: bool = False

    def __post_init__(self) -> None:
        if self.response_hours < 1 or self.resolution_working_days < 1:
            raise CalendarError("response_hours and resolution_working_days must be at least 1")

    @classmethod
    def of(cls, category: ClockCategory) -> ClockRules:
        return cls(
            response_hours=category.response_hours,
            resolution_working_days=category.resolution_working_days,
            emergency=category.emergency,
        )


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"a clock needs a timezone-aware datetime, got {at!r}")
    return at


@dataclass(frozen=True)
class WorkingCalendar:
    """The city's working days and hours.

    ``national`` holds the generated national holidays and cuti bersama for ``years``; ``added``
    and ``removed`` are the city's overrides (``city.json``), applied in every year.
    """

    timezone: tzinfo
    working_hours: Mapping[int, tuple[time, time]]  # ISO weekday index (0 = Monday) -> hours
    national: Mapping[date, str] = field(default_factory=dict)
    years: frozenset[int] = frozenset()
    added: Mapping[date, str] = field(default_factory=dict)
    removed: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.working_hours:
            raise CalendarError("the city has no working hours")
        for weekday, (opens, closes) in self.working_hours.items():
            if not 0 <= weekday <= 6 or not opens < closes:
                raise CalendarError(f"bad working hours for weekday {weekday}: {opens}-{closes}")
        both = set(self.added) & self.removed
        if both:
            raise CalendarError(f"days both added and removed: {sorted(both)}")

    # ------------------------------------------------------------------ days

    def covers(self, year: int) -> bool:
        return year in self.years

    def uncovered_years(self, start: datetime | date, end: datetime | date) -> tuple[int, ...]:
        """Years between two instants (local dates) whose national days the data lacks."""
        first, last = self._local_date(start).year, self._local_date(end).year
        return tuple(y for y in range(first, last + 1) if not self.covers(y))

    def is_working_day(self, day: date) -> bool:
        if day.weekday() not in self.working_hours or day in self.added:
            return False
        return day in self.removed or day not in self.national

    def holiday_name(self, day: date) -> str | None:
        """Why a weekday is not worked (None for a working day or a plain weekend)."""
        if day in self.added:
            return self.added[day]
        if day in self.removed:
            return None
        return self.national.get(day)

    def closing_time(self, day: date) -> datetime:
        """The close of working hours on ``day`` (a working weekday), in the city's timezone."""
        hours = self.working_hours.get(day.weekday())
        if hours is None:
            raise CalendarError(f"{day} has no working hours")
        return datetime.combine(day, hours[1], tzinfo=self.timezone)

    def next_working_day(self, after: date) -> date:
        day = after
        for _ in range(_MAX_DAYS_SCANNED):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise CalendarError(f"no working day within {_MAX_DAYS_SCANNED} days after {after}")

    # ------------------------------------------------------------------ clocks

    def local(self, at: datetime) -> datetime:
        return _aware(at).astimezone(self.timezone)

    def response_due(self, routed_at: datetime, hours: int) -> datetime:
        """``hours`` on the wall clock after ``routed_at`` (nights and weekends count)."""
        return self.local(routed_at) + timedelta(hours=hours)

    def resolution_due(self, routed_at: datetime, working_days: int) -> datetime:
        """Close of working hours on the ``working_days``-th working day after the day routed."""
        if working_days < 1:
            raise CalendarError("working_days must be at least 1")
        day = self.local(routed_at).date()
        for _ in range(working_days):
            day = self.next_working_day(day)
        return self.closing_time(day)

    def wall_clock_due(self, routed_at: datetime, working_days: int) -> datetime:
        """Emergency categories: N working days are N x 24 hours, 24/7."""
        return self.local(routed_at) + timedelta(days=working_days)

    def _local_date(self, at: datetime | date) -> date:
        return self.local(at).date() if isinstance(at, datetime) else at


def _resolve_by(rules: ClockRules, start: datetime, calendar: WorkingCalendar) -> datetime:
    if rules.emergency:
        return calendar.wall_clock_due(start, rules.resolution_working_days)
    return calendar.resolution_due(start, rules.resolution_working_days)


@dataclass(frozen=True)
class Deadlines:
    """A report's two clocks, stored on it when it is routed (reading them costs nothing)."""

    respond_by: datetime
    resolve_by: datetime
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    paused_at: datetime | None = None  # set while the report is in needs_review

    @classmethod
    def start(cls, rules: ClockRules, routed_at: datetime, calendar: WorkingCalendar) -> Deadlines:
        """The clocks of a report routed to an agency at ``routed_at``."""
        return cls(
            respond_by=calendar.response_due(routed_at, rules.response_hours),
            resolve_by=_resolve_by(rules, routed_at, calendar),
        )

    def respond(self, at: datetime) -> Deadlines:
        """The agency acknowledged: the response clock is met (the first time counts)."""
        if self.responded_at is not None:
            return self
        return replace(self, responded_at=_aware(at))

    def resolve(self, at: datetime) -> Deadlines:
        """The agency resolved: the resolution clock is met. Resolving also answers."""
        if self.resolved_at is not None:
            return self
        return replace(self.respond(at), resolved_at=_aware(at))

    def pause(self, at: datetime) -> Deadlines:
        """The report went to needs_review: both clocks stop (a second pause changes nothing)."""
        if self.paused_at is not None:
            return self
        return replace(self, paused_at=_aware(at))

    def resume(
        self,
        at: datetime,
        rules: ClockRules,
        calendar: WorkingCalendar,
        *,
        restart_response: bool = False,
    ) -> Deadlines:
        """Assigned again after a pause (``rules`` of the category it is assigned under).

        The response clock gets the paused wall time back, or restarts in full for a new agency
        (``restart_response``); the resolution clock restarts from the day assignment resumes.
        Clocks already met stay as they were.
        """
        if self.paused_at is None:
            return self
        paused = max(_aware(at) - self.paused_at, timedelta(0))
        respond_by = self.respond_by
        if self.responded_at is None:
            respond_by = (
                calendar.response_due(at, rules.response_hours)
                if restart_response
                else calendar.local(self.respond_by + paused)
            )
        resolve_by = self.resolve_by
        if self.resolved_at is None:
            resolve_by = _resolve_by(rules, at, calendar)
        return replace(self, respond_by=respond_by, resolve_by=resolve_by, paused_at=None)

    def reopen(self, at: datetime, rules: ClockRules, calendar: WorkingCalendar) -> Deadlines:
        """The citizen reopened a resolved report: a new resolution clock from the reopen."""
        return replace(
            self, resolve_by=_resolve_by(rules, at, calendar), resolved_at=None, paused_at=None
        )

    def response_overdue(self, now: datetime) -> bool:
        return self.responded_at is None and self._effective(now) > self.respond_by

    def resolution_overdue(self, now: datetime) -> bool:
        return self.resolved_at is None and self._effective(now) > self.resolve_by

    def overdue(self, now: datetime) -> bool:
        """A clock has passed unmet (a paused report is judged at the moment it paused)."""
        return self.response_overdue(now) or self.resolution_overdue(now)

    def view(self, now: datetime, tz: tzinfo) -> dict[str, str | bool | None]:
        """``deadlines`` as the owner's and public views show them (ISO 8601, city offset)."""

        def iso(at: datetime | None) -> str | None:
            return None if at is None else at.astimezone(tz).isoformat()

        return {
            "respond_by": iso(self.respond_by),
            "resolve_by": iso(self.resolve_by),
            "responded_at": iso(self.responded_at),
            "resolved_at": iso(self.resolved_at),
            "overdue": self.overdue(now),
        }

    def _effective(self, now: datetime) -> datetime:
        now = _aware(now)
        return min(now, self.paused_at) if self.paused_at is not None else now


def on_transition(
    deadlines: Deadlines | None,
    from_status: str | None,
    to_status: str,
    at: datetime,
    rules: ClockRules,
    calendar: WorkingCalendar,
    *,
    agency_changed: bool = False,
) -> Deadlines | None:
    """The clocks after one edge of the report's graph (states by their wire names).

    - routed to a city agency (``assigned`` from ``received``/``verifying``, or from
      ``needs_review`` before any clock ran): the clocks start;
    - ``assigned`` from ``needs_review`` after a hand-back: they resume (a new agency gets a full
      response clock); ``assigned`` from ``resolved`` (reopen): a new resolution clock;
    - ``in_progress`` (acknowledged) meets the response clock, ``resolved`` the resolution clock;
    - ``needs_review`` pauses them, as do the ends that leave a clock unmet (``duplicate``,
      ``rejected``): the report is judged at that moment from then on;
    - ``forwarded``: no city deadline (counted apart); every other edge changes nothing.
    """
    if to_status == "forwarded":
        return None
    if to_status == "assigned":
        if from_status == "resolved" and deadlines is not None:
            return deadlines.reopen(at, rules, calendar)
        if deadlines is not None and deadlines.paused_at is not None:
            return deadlines.resume(at, rules, calendar, restart_response=agency_changed)
        return Deadlines.start(rules, at, calendar)
    if deadlines is None:
        return None
    if to_status == "in_progress":
        return deadlines.respond(at)
    if to_status == "resolved":
        return deadlines.resolve(at)
    if to_status in ("needs_review", "duplicate", "rejected"):
        return deadlines.pause(at)
    return deadlines


@dataclass(frozen=True)
class Clocks:
    """What a transition needs to move a report's clocks: the city's categories and its
    calendar, loaded on first use (``sikemas.city_calendar.LazyCalendar``). ``warn`` hears of
    deadlines counted over a year the data lacks (weekends only)."""

    categories: Mapping[str, ClockCategory]
    calendar: Callable[[], WorkingCalendar]
    warn: Callable[[str], None] | None = None

    def after(
        self,
        deadlines: Deadlines | None,
        category: str,
        from_status: str | None,
        to_status: str,
        at: datetime,
        *,
        agency_changed: bool = False,
    ) -> Deadlines | None:
        known = self.categories.get(category)
        if known is None:  # a category the city no longer has: its clocks stay as they were
            return deadlines
        calendar = self.calendar()
        result = on_transition(
            deadlines,
            from_status,
            to_status,
            at,
            ClockRules.of(known),
            calendar,
            agency_changed=agency_changed,
        )
        if result is not None and result != deadlines and self.warn is not None:
            missing = calendar.uncovered_years(at, max(result.respond_by, result.resolve_by))
            if missing:
                self.warn(
                    f"no national holidays for {', '.join(map(str, missing))}: deadlines count "
                    "weekends and the city's own days only (run bin/sikemas holidays --year)"
                )
        return result
