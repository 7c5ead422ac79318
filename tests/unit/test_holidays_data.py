"""The generated national calendar (``bin/sikemas holidays``) and the committed years.

These tests import the ``holidays`` package; the Lambda layer never does (see test_calendar.py).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from sikemas_tools.cli import main
from sikemas_tools.national_holidays import national_days, render

REPO = Path(__file__).resolve().parents[2]
VERSION = metadata.version("holidays")
COMMITTED = sorted(REPO.glob("cities/*/holidays/*.json"))


def by_date(document: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {d["date"]: (d["kind"], d["name"]) for d in document["days"]}


def test_kotamobagu_has_2026_and_2027() -> None:
    names = {p.name for p in COMMITTED if p.parent.parent.name == "kotamobagu"}
    assert {"2026.json", "2027.json"} <= names


@pytest.mark.parametrize("path", COMMITTED, ids=lambda p: str(p.relative_to(REPO / "cities")))
def test_each_committed_year_equals_the_packages_answer(path: Path) -> None:
    year, city = int(path.stem), path.parent.parent.name
    expected = national_days(year, city)
    assert path.read_text(encoding="utf-8") == render(expected), (
        f"{path} differs from holidays {VERSION}: "
        f"run bin/sikemas holidays --year {year} --city {city}"
    )
    assert json.loads(path.read_text(encoding="utf-8"))["source"] == {
        "package": "holidays",
        "version": VERSION,
        "categories": ["public", "government"],
    }


def test_2026_holds_national_holidays_and_cuti_bersama() -> None:
    days = by_date(national_days(2026, "kotamobagu"))
    assert days["2026-08-17"] == ("national_holiday", "Hari Kemerdekaan Republik Indonesia")
    assert days["2026-12-24"] == ("cuti_bersama", "Cuti Bersama Hari Raya Natal")
    assert days["2026-03-23"][0] == "cuti_bersama"
    assert "2026-08-14" not in days  # an ordinary Friday
    assert "2026-05-23" not in days  # HUT Kota Kotamobagu is the city's own (city.json)


def test_render_is_json_with_one_day_a_line() -> None:
    document = national_days(2026, "kotamobagu")
    text = render(document)
    assert json.loads(text) == document
    assert sum(1 for line in text.splitlines() if '"date"' in line) == len(document["days"])


def test_the_command_writes_the_year_into_the_city_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "uji").mkdir()
    (tmp_path / "uji" / "city.json").write_text("{}")
    code = main(["holidays", "--year", "2027", "--city", "uji", "--cities-dir", str(tmp_path)])
    assert code == 0
    written = tmp_path / "uji" / "holidays" / "2027.json"
    assert written.read_text(encoding="utf-8") == render(national_days(2027, "uji"))
    summary = json.loads(capsys.readouterr().out)
    assert summary["file"] == str(written)
    assert summary["cuti_bersama"] == 8
    assert summary["national_holiday"] + summary["cuti_bersama"] == len(
        json.loads(written.read_text())["days"]
    )
    assert list(written.parent.iterdir()) == [written]  # no temporary file left behind


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--year", "1990", "--city", "kotamobagu"], "year 1990 is outside"),
        (["--year", "2026", "--city", "atlantis"], "no city 'atlantis'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "kotamobagu").mkdir()
    (tmp_path / "kotamobagu" / "city.json").write_text("{}")
    code = main(["holidays", *argv, "--cities-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert says in err
    assert err.count("\n") == 1
    assert not (tmp_path / "kotamobagu" / "holidays").exists()
