"""``bin/sikemas inspect-photo``: in-process over generated and shared photos, plus one subprocess.

Without ``--boundary`` the command uses the shipped city boundary (cities/kotamobagu), so the
generated photos are placed at reference points that lie inside both that boundary and the
published one (boundaries README), and Manado lies outside both.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sikemas_tools.cli import main
from tests.shared_data import MANADO, shared_path
from tests.unit.photo_factory import gps_photo

REPO = Path(__file__).resolve().parents[2]
INSIDE = (0.7337, 124.3124)  # inside both the shipped and the published boundary
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
TAKEN_AT = NOW - timedelta(hours=3)
KEYS = {"file", "type", "gps", "taken_at", "taken_at_source", "checks", "outcome"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]]]:
    code = main(["inspect-photo", *argv])
    out = capsys.readouterr().out
    lines = [json.loads(line) for line in out.splitlines()]
    return code, lines


def checks(line: dict[str, Any]) -> dict[str, tuple[bool | None, str | None]]:
    return {c["name"]: (c["passed"], c["reason"]) for c in line["checks"]}


@pytest.fixture
def inside_jpg(tmp_path: Path) -> Path:
    path = tmp_path / "inside.jpg"
    path.write_bytes(gps_photo(*INSIDE, taken_at=TAKEN_AT, alt_m=215.5))
    return path


@pytest.fixture
def manado_jpg(tmp_path: Path) -> Path:
    path = tmp_path / "manado.jpg"
    path.write_bytes(gps_photo(*MANADO, form="dms_int", taken_at=TAKEN_AT))
    return path


def test_an_inside_photo_is_accepted(capsys: pytest.CaptureFixture[str], inside_jpg: Path) -> None:
    code, (line,) = run(capsys, str(inside_jpg), "--now", NOW.isoformat())
    assert code == 0
    assert set(line) >= KEYS
    assert line["file"] == str(inside_jpg)
    assert line["type"] == "jpeg"
    assert line["gps"] == {
        "lat": pytest.approx(INSIDE[0]),
        "lon": pytest.approx(INSIDE[1]),
        "alt": 215.5,
    }
    assert datetime.fromisoformat(line["taken_at"]) == TAKEN_AT
    assert line["taken_at_source"] == "exif_offset"
    assert [c["name"] for c in line["checks"]] == ["image", "gps", "inside_city", "recent"]
    assert all(c["passed"] is True and c["reason"] is None for c in line["checks"])
    assert line["outcome"] == "accepted"


def test_a_manado_photo_is_rejected(capsys: pytest.CaptureFixture[str], manado_jpg: Path) -> None:
    code, (line,) = run(capsys, str(manado_jpg), "--now", NOW.isoformat())
    assert code == 0
    assert line["outcome"] == "rejected"
    assert checks(line)["inside_city"] == (False, "outside_city")
    assert line["distance_outside_m"] > 80_000


def test_an_explicit_boundary_is_used(
    capsys: pytest.CaptureFixture[str], inside_jpg: Path, tmp_path: Path
) -> None:
    # A small square around Manado: now the Kotamobagu photo is the one outside.
    lat, lon = MANADO
    square = [[lon - 0.1, lat - 0.1], [lon + 0.1, lat - 0.1], [lon + 0.1, lat + 0.1]]
    square += [[lon - 0.1, lat + 0.1], [lon - 0.1, lat - 0.1]]
    boundary = tmp_path / "manado.geojson"
    boundary.write_text(json.dumps({"type": "Polygon", "coordinates": [square]}))
    _, (line,) = run(capsys, str(inside_jpg), "--now", NOW.isoformat(), "--boundary", str(boundary))
    assert checks(line)["inside_city"] == (False, "outside_city")


def test_claimed_adds_near_claim(capsys: pytest.CaptureFixture[str], inside_jpg: Path) -> None:
    now = NOW.isoformat()
    _, (near,) = run(capsys, str(inside_jpg), "--now", now, "--claimed", "0.7340,124.3124")
    assert [c["name"] for c in near["checks"]] == [
        "image",
        "gps",
        "inside_city",
        "near_claim",
        "recent",
    ]
    assert checks(near)["near_claim"] == (True, None)
    assert near["outcome"] == "accepted"
    # ~560 m north: too far for 250 m, near enough once the claim says +-400 m.
    _, (far,) = run(capsys, str(inside_jpg), "--now", now, "--claimed", "0.7387,124.3124")
    assert checks(far)["near_claim"] == (False, "far_from_claim")
    assert far["outcome"] == "needs_review"
    _, (wide,) = run(capsys, str(inside_jpg), "--now", now, "--claimed", "0.7387,124.3124,400")
    assert checks(wide)["near_claim"] == (True, None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (NOW.isoformat(), (True, None)),
        ((NOW + timedelta(days=8)).isoformat(), (False, "too_old")),
        ((TAKEN_AT - timedelta(minutes=30)).isoformat(), (False, "in_future")),
        ("2026-03-02T15:00", (True, None)),  # no offset: city time, 07:00 UTC
        ("2026-03-02T10:40", (False, "in_future")),  # 02:40 UTC, before the 07:00 UTC photo
    ],
)
def test_now_drives_recent(
    capsys: pytest.CaptureFixture[str], inside_jpg: Path, now: str, expected: tuple[bool, str]
) -> None:
    _, (line,) = run(capsys, str(inside_jpg), "--now", now)
    assert checks(line)["recent"] == expected


def test_the_default_now_is_the_present(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.jpg"
    fresh.write_bytes(gps_photo(*INSIDE, taken_at=datetime.now(UTC) - timedelta(minutes=5)))
    stale = tmp_path / "stale.jpg"
    stale.write_bytes(gps_photo(*INSIDE, taken_at=datetime.now(UTC) - timedelta(days=9)))
    _, (a, b) = run(capsys, str(fresh), str(stale))
    assert checks(a)["recent"] == (True, None)
    assert checks(b)["recent"] == (False, "too_old")


@pytest.mark.parametrize(("policy", "outcome"), [(None, "needs_review"), ("rejected", "rejected")])
def test_no_gps_policy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str | None, outcome: str
) -> None:
    from tests.unit.photo_factory import no_gps_photo

    path = tmp_path / "stripped.jpg"
    path.write_bytes(no_gps_photo(taken_at=TAKEN_AT))
    extra = ["--no-gps-policy", policy] if policy else []
    _, (line,) = run(capsys, str(path), "--now", NOW.isoformat(), *extra)
    assert line["gps"] is None
    assert checks(line)["gps"] == (False, "no_gps")
    assert checks(line)["inside_city"] == (None, "no_gps")
    assert line["outcome"] == outcome


def test_every_file_gets_a_line(
    capsys: pytest.CaptureFixture[str], inside_jpg: Path, tmp_path: Path
) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a photo")
    missing = tmp_path / "missing.jpg"
    code, lines = run(capsys, str(text), str(missing), str(inside_jpg), str(tmp_path))
    assert [line["file"] for line in lines] == [
        str(text),
        str(missing),
        str(inside_jpg),
        str(tmp_path),
    ]
    assert all(set(line) >= KEYS for line in lines)
    not_image, gone, photo, folder = lines
    assert not_image["type"] is None
    assert not_image["outcome"] == "rejected"
    assert checks(not_image)["image"] == (False, "not_an_image")
    assert checks(not_image)["gps"] == (None, "image_unreadable")
    for unreadable in (gone, folder):
        assert unreadable["type"] is None
        assert unreadable["outcome"] == "rejected"
        assert checks(unreadable)["image"] == (False, "file_unreadable")
    assert gone["error"] == "FileNotFoundError"
    assert photo["type"] == "jpeg"
    assert code == 1  # some file could not be read


def test_the_shared_photos_give_one_line_each(capsys: pytest.CaptureFixture[str]) -> None:
    photos = shared_path("photos")
    manifest = json.loads((photos / "manifest.json").read_text(encoding="utf-8"))
    files = [str(photos / f["file"]) for f in manifest["files"]]
    assert len(files) == 26
    code, lines = run(capsys, *files, "--now", NOW.isoformat(), "--claimed", "0.7337,124.3124")
    assert code == 0
    assert len(lines) == 26
    assert [line["file"] for line in lines] == files
    by_name = {Path(line["file"]).name[:3]: line for line in lines}
    for line in lines:
        assert set(line) >= KEYS
        assert line["type"] in ("jpeg", "heic")
        assert {c["name"] for c in line["checks"]} == {
            "image",
            "gps",
            "inside_city",
            "near_claim",
            "recent",
        }
        # None of the shared photos lies in Kotamobagu.
        assert line["outcome"] != "accepted"
        if line["gps"] is not None:
            assert checks(line)["inside_city"] == (False, "outside_city")
            assert line["outcome"] == "rejected"
    assert sum(line["gps"] is not None for line in lines) == 20
    assert checks(by_name["s23"])["gps"] == (False, "gps_no_fix")
    assert checks(by_name["s18"])["inside_city"] == (False, "outside_city")
    assert by_name["s18"]["gps"]["lat"] < 0  # south
    assert by_name["s11"]["type"] == "heic"
    assert checks(by_name["s21"])["gps"] == (False, "no_gps")
    assert checks(by_name["s26"])["gps"] == (False, "gps_malformed")
    # No EXIF at all: no GPS and no time, both left to the (default) needs_review policy.
    assert by_name["s22"]["outcome"] == "needs_review"
    assert checks(by_name["s22"])["recent"] == (False, "no_time")


@pytest.mark.parametrize(
    "claimed", ["0.73", "0.73;124.3", "north,east", "124.3,0.73,5,6", "91,124", "0.7,124,-5"]
)
def test_a_bad_claimed_exits_2(
    capsys: pytest.CaptureFixture[str], inside_jpg: Path, claimed: str
) -> None:
    assert main(["inspect-photo", str(inside_jpg), f"--claimed={claimed}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (message,) = captured.err.splitlines()
    assert "--claimed harus" in message
    assert "--claimed must be" in message


@pytest.mark.parametrize("now", ["yesterday", "2026-13-01", ""])
def test_a_bad_now_exits_2(capsys: pytest.CaptureFixture[str], inside_jpg: Path, now: str) -> None:
    assert main(["inspect-photo", str(inside_jpg), f"--now={now}"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    (message,) = captured.err.splitlines()
    assert "--now harus" in message
    assert "--now must be" in message


def test_an_unknown_city_exits_2(capsys: pytest.CaptureFixture[str], inside_jpg: Path) -> None:
    assert main(["inspect-photo", str(inside_jpg), "--city", "atlantis"]) == 2
    assert "atlantis" in capsys.readouterr().err


def test_bin_sikemas_inspect_photo(manado_jpg: Path) -> None:
    result = subprocess.run(
        [str(REPO / "bin" / "sikemas"), "inspect-photo", str(manado_jpg)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    data = json.loads(line)
    assert data["file"] == str(manado_jpg)
    assert data["outcome"] == "rejected"
    assert {"name": "inside_city", "passed": False, "reason": "outside_city"} in data["checks"]
