"""The admins' daily digest (issue 10 §5): yesterday's figures, the overdue list per agency and
the week's trend, in Indonesian, to the alerts topic at 07:00 city time.

Reads the counter rows (``Stats``' own ``summarise``: a Query per month) and the open reports
through the ByStatus index (assigned and in progress only), never a scan. ``build_message`` is
pure; ``Digest.run`` gathers and sends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from sikemas.city import City
from sikemas.domain.report import Report, Status
from sikemas.ports import Alerts, ReportRepository, every
from sikemas.usecases.stats import Period, summarise

OPEN = (Status.ASSIGNED, Status.IN_PROGRESS)
LISTED_PER_AGENCY = 10  # the message stays readable; the rest is counted
_PAGE = 100


@dataclass(frozen=True)
class Overdue:
    tracking_code: str
    category: str
    clock: str  # "respon" or "penyelesaian"
    due: datetime


def overdue_clock(report: Report, now: datetime) -> tuple[str, datetime] | None:
    """Which of the report's clocks has passed unmet at ``now`` (the response one first)."""
    d = report.deadlines
    if d is None or d.paused_at is not None:
        return None
    if d.responded_at is None and d.respond_by < now:
        return "respon", d.respond_by
    if d.resolved_at is None and d.resolve_by < now:
        return "penyelesaian", d.resolve_by
    return None


def _trend(this_week: int, last_week: int) -> str:
    if last_week == 0:
        return "naik" if this_week else "tetap"
    change = round(100 * (this_week - last_week) / last_week)
    if change == 0:
        return "tetap"
    return f"{'naik' if change > 0 else 'turun'} {abs(change)} %"


def build_message(
    city: City,
    day: date,
    yesterday: Mapping[str, Any],
    week: Mapping[str, Any],
    previous_week: Mapping[str, Any],
    overdue: Mapping[str, Sequence[Overdue]],
) -> tuple[str, str]:
    """The subject and body (Indonesian) of the digest for ``day`` (yesterday): pure."""
    t = yesterday["totals"]
    lines = [
        f"Ringkasan harian SIKeMas {city.name} — {day.isoformat()}",
        "",
        "Kemarin:",
        f"- Laporan masuk: {t['received']}",
        f"- Diteruskan ke instansi: {t['routed']}",
        f"- Selesai (diperbaiki): {t['resolved_fixed']}",
        f"- Selesai (tidak dapat diperbaiki): {t['resolved_not_fixable']}",
        f"- Ditolak: {t['rejected']}",
        f"- Dibuka kembali: {t['reopened']}",
        f"- Terlambat (baru): {t['overdue']}",
        "",
    ]
    received_week = week["totals"]["received"]
    received_before = previous_week["totals"]["received"]
    lines += [
        "Tren 7 hari:",
        f"- Laporan masuk: {received_week} (minggu sebelumnya {received_before}; "
        f"{_trend(received_week, received_before)})",
        "- Per hari: " + ", ".join(f"{d['date'][5:]}: {d['received']}" for d in week["per_day"]),
        f"- Selesai: {week['totals']['followed_up_and_done']}",
        "",
    ]
    total_overdue = sum(len(v) for v in overdue.values())
    if not total_overdue:
        lines.append("Tidak ada laporan yang terlambat.")
    else:
        lines.append(f"Laporan terlambat per instansi ({total_overdue}):")
        for code in sorted(overdue, key=lambda c: (-len(overdue[c]), c)):
            items = sorted(overdue[code], key=lambda o: o.due)
            agency = city.agencies.get(code)
            lines.append(f"* {agency.name if agency else code} ({len(items)})")
            for item in items[:LISTED_PER_AGENCY]:
                local = item.due.astimezone(city.timezone).strftime("%Y-%m-%d %H:%M")
                lines.append(
                    f"  - {item.tracking_code} {item.category}: batas {item.clock} {local}"
                )
            if len(items) > LISTED_PER_AGENCY:
                lines.append(f"  - … dan {len(items) - LISTED_PER_AGENCY} lainnya")
    subject = (
        f"SIKeMas {city.name} {day.isoformat()}: {t['received']} laporan, {total_overdue} terlambat"
    )
    return subject[:100], "\n".join(lines)  # SNS subjects: at most 100 characters


class Digest:
    def __init__(
        self,
        repo: ReportRepository,
        city: City,
        clock: Callable[[], datetime],
        alerts: Alerts,
        *,
        page: int = _PAGE,
    ) -> None:
        self._repo = repo
        self._city = city
        self._clock = clock
        self._alerts = alerts
        self._page = page

    def _open(self) -> Iterator[Report]:
        for status in OPEN:
            yield from every(partial(self._repo.list_by_status, status, self._page))

    def overdue(self, now: datetime) -> dict[str, list[Overdue]]:
        found: dict[str, list[Overdue]] = {}
        for report in self._open():
            late = overdue_clock(report, now)
            if late:
                found.setdefault(report.agency, []).append(
                    Overdue(report.tracking_code, report.category, late[0], late[1])
                )
        return found

    def run(self) -> dict[str, Any]:
        now = self._clock()
        day = now.astimezone(self._city.timezone).date() - timedelta(days=1)
        # One read of the counters for the fortnight: the rest is cut from it.
        fortnight = list(self._repo.counter_rows(day - timedelta(days=13), day))
        yesterday = summarise(self._city, Period(day, day), fortnight)
        week = summarise(self._city, Period(day - timedelta(days=6), day), fortnight)
        before = summarise(
            self._city, Period(day - timedelta(days=13), day - timedelta(days=7)), fortnight
        )
        overdue = self.overdue(now)
        subject, body = build_message(self._city, day, yesterday, week, before, overdue)
        self._alerts.alert(subject, body)
        return {
            "day": day.isoformat(),
            "received": yesterday["totals"]["received"],
            "overdue": sum(len(v) for v in overdue.values()),
        }
