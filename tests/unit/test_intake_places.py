"""``Intake.submit`` and the ``Places`` port: the pin decides, nothing is stored when it is
refused. The repository and photo store are minimal recording stand-ins (only what ``submit``
calls); the geometry is a fake ``Places`` so that each rule is shown on its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sikemas.city import load_city
from sikemas.domain.report import Kind, Location, Privacy, Status, Transition
from sikemas.errors import LocationOutsideCity
from sikemas.ports import IdempotencyRecord, PlaceFix, Upload
from sikemas.usecases.intake import Citizen, Intake, NewReport

CITY = load_city(Path(__file__).resolve().parents[2] / "cities" / "kotamobagu")
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
SININDIAN = {
    "desa": "Sinindian",
    "desa_code": "71.74.02.1005",
    "kecamatan": "Kotamobagu Timur",
    "kecamatan_code": "71.74.02",
}


class FakePlaces:
    def __init__(self, fix: PlaceFix) -> None:
        self.fix = fix
        self.asked: list[tuple[float, float]] = []

    def locate(self, lat: float, lon: float) -> PlaceFix:
        self.asked.append((lat, lon))
        return self.fix


class RecordingRepo:
    def __init__(self) -> None:
        self.created: list[Sequence[Transition]] = []

    def reporter_id_for(self, subject: str, phone: str | None, now: datetime) -> str:
        return "R1"

    def get_idempotency(self, reporter_id: str, key: str) -> IdempotencyRecord | None:
        return None

    def create(
        self,
        transitions: Sequence[Transition],
        *,
        daily_limit: int,
        idempotency: IdempotencyRecord | None,
    ) -> None:
        self.created.append(transitions)

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"submit should not call {name}")


class NoPhotos:
    def presigned_upload(self, report_id: str, slot: int, now: datetime) -> Upload:
        return Upload(slot, "https://upload", {}, now)


def intake(places: FakePlaces, repo: RecordingRepo) -> Intake:
    return Intake(
        repo,  # type: ignore[arg-type]
        NoPhotos(),  # type: ignore[arg-type]
        CITY,
        daily_limit=10,
        clock=lambda: NOW,
        places=places,
    )


def new_report(category: str, location: Location | None, photo_count: int = 0) -> NewReport:
    return NewReport(
        kind=Kind.COMPLAINT,
        category=category,
        description="Air tidak mengalir sejak kemarin pagi.",
        location=location,
        address=None,
        privacy=Privacy.PUBLIC,
        photo_count=photo_count,
        notify_sms=False,
    )


CITIZEN = Citizen(subject="sub-1", phone="+6281234567890")


def test_a_pin_inside_is_filed_with_its_place() -> None:
    places = FakePlaces(PlaceFix(0.0, True, SININDIAN))
    repo = RecordingRepo()

    done = intake(places, repo).submit(
        CITIZEN, new_report("air_bersih", Location(0.7292, 124.3136))
    )

    assert places.asked == [(0.7292, 124.3136)]
    assert done.report.subdistrict == SININDIAN
    assert done.report.status is Status.FORWARDED
    (steps,) = repo.created
    assert all(t.after.subdistrict == SININDIAN for t in steps)


def test_a_pin_outside_is_refused_with_its_distance_and_nothing_is_written() -> None:
    places = FakePlaces(PlaceFix(95_664.6, False, None))
    repo = RecordingRepo()

    with pytest.raises(LocationOutsideCity) as refused:
        intake(places, repo).submit(CITIZEN, new_report("air_bersih", Location(1.4748, 124.8421)))

    assert refused.value.code == "location_outside_city"
    assert refused.value.details == [{"field": "location", "distance_outside_m": 95_665}]
    assert repo.created == []


def test_a_category_that_needs_no_location_keeps_a_pin_outside_without_a_place() -> None:
    places = FakePlaces(PlaceFix(95_664.6, False, None))
    repo = RecordingRepo()

    done = intake(places, repo).submit(CITIZEN, new_report("perizinan", Location(1.47, 124.84)))

    assert done.report.subdistrict is None
    assert done.report.location == Location(1.47, 124.84)
    assert len(repo.created) == 1


def test_no_pin_asks_nothing() -> None:
    places = FakePlaces(PlaceFix(0.0, True, SININDIAN))
    done = intake(places, RecordingRepo()).submit(CITIZEN, new_report("perizinan", None))
    assert places.asked == []
    assert done.report.subdistrict is None


def test_the_api_answers_422_from_its_status_map() -> None:
    from sikemas.api.errors import STATUS, from_exception

    assert STATUS["location_outside_city"] == 422
    status, _ = from_exception(LocationOutsideCity(details=[]))
    assert status == 422
