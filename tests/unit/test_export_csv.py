"""The export's CSV, pure: BOM, one row per report with its deadlines in city time, no reporter
identity."""

from __future__ import annotations

import csv
import io
from zoneinfo import ZoneInfo

from sikemas.usecases.export import COLUMNS, to_csv
from tests.fakes import FakeReportRepository
from tests.unit.test_digest import route

WITA = ZoneInfo("Asia/Makassar")


def test_rows_carry_deadlines_in_city_time_and_no_reporter() -> None:
    repo = FakeReportRepository()
    report = route(repo, 1)
    data = to_csv([report], WITA)
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "\r\n" in text
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert tuple(row) == COLUMNS
    assert row["respond_by"] == "2026-08-16 17:00"
    assert row["status"] == "assigned"
    assert report.reporter_id not in text
    assert report.description not in text
