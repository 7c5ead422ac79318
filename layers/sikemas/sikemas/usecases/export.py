"""A period's reports as CSV for the admins (issue 10 §5): UTF-8 with a BOM (Excel opens it),
one row per report with its deadlines and outcome, no reporter identity (no reporter id, no
description or address, which may name them, no location). Pure."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from sikemas.domain.report import Report

COLUMNS = (
    "id",
    "tracking_code",
    "kind",
    "category",
    "agency",
    "status",
    "kelurahan",
    "kecamatan",
    "created_at",
    "routed_at",
    "respond_by",
    "responded_at",
    "resolve_by",
    "resolved_at",
    "overdue_response",
    "overdue_resolution",
    "outcome",
    "outcome_reference",
    "reopened",
)
BOM = "\ufeff"


def _local(when: datetime | None, tz: ZoneInfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M") if when else ""


def row(report: Report, tz: ZoneInfo) -> list[str]:
    d = report.deadlines
    place = report.subdistrict or {}
    return [
        report.id,
        report.tracking_code,
        report.kind.value,
        report.category,
        report.agency,
        report.status.value,
        place.get("village_name", ""),
        place.get("district_name", ""),
        _local(report.created_at, tz),
        _local(report.routed_at, tz),
        _local(d.respond_by if d else None, tz),
        _local(d.responded_at if d else None, tz),
        _local(d.resolve_by if d else None, tz),
        _local(d.resolved_at if d else None, tz),
        "ya" if report.overdue_response_for else "",
        "ya" if report.overdue_resolution_for else "",
        report.outcome.value if report.outcome else "",
        report.outcome_reference or "",
        str(report.reopened),
    ]


def to_csv(reports: Iterable[Report], tz: ZoneInfo) -> bytes:
    """The CSV (with its BOM), oldest report first."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for report in sorted(reports, key=lambda r: (r.created_at, r.id)):
        writer.writerow(row(report, tz))
    return (BOM + out.getvalue()).encode("utf-8")
