"""Intake through the in-memory fakes, built by the composition root with overrides: every retry
branch (tracking code taken, the idempotency race), reads that write nothing, uploads guarded
by the one rule, and private photo links for the owner only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sikemas.api import views
from sikemas.composition import api_dependencies
from sikemas.domain.photos import Copies, Photo
from sikemas.domain.report import Actor, Kind, Location, Privacy, Status
from sikemas.errors import (
    DailyLimitExceeded,
    IdempotencyMismatch,
    InvalidCursor,
    ReportNotFound,
    UploadNotAllowed,
)
from sikemas.ports import TrackingCodeTaken
from sikemas.settings import Settings
from sikemas.usecases.intake import Citizen, Intake, NewReport
from tests.camera import INSIDE
from tests.fakes import FakePhotoStore, FakeReportRepository

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
ALICE = Citizen("sub-alice", "+6281234500001")
BOB = Citizen("sub-bob", None)


def new(category: str = "sampah", **changes: object) -> NewReport:
    base = NewReport(
        kind=Kind.COMPLAINT,
        category=category,
        description="Sampah menumpuk di depan pasar",
        location=Location(*INSIDE, 10),
        address=None,
        privacy=Privacy.PUBLIC,
        photo_count=1,
        notify_sms=False,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class World:
    def __init__(self, daily_limit: int = 10) -> None:
        self.repo = FakeReportRepository()
        self.files = FakePhotoStore()
        self.now = NOW
        settings = Settings.from_env(
            {
                "TABLE_NAME": "t",
                "PHOTOS_BUCKET": "b",
                "CITY": "kotamobagu",
                "DAILY_REPORT_LIMIT": str(daily_limit),
            }
        )
        deps = api_dependencies(settings, repo=self.repo, photos=self.files, clock=lambda: self.now)
        self.city = deps.city
        self.intake: Intake = deps.intake


@pytest.fixture
def world() -> World:
    return World()


def test_the_composition_root_wires_the_given_repository_store_and_clock(world):
    done = world.intake.submit(ALICE, new())

    assert world.repo.get(done.report.id) == done.report
    assert done.report.created_at == NOW
    assert [u.slot for u in done.uploads] == [1]


def test_a_taken_tracking_code_is_drawn_again(world):
    refused: list[int] = []

    def collide_once(transitions: object) -> None:
        if not refused:
            refused.append(1)
            raise TrackingCodeTaken

    world.repo.before_create.append(collide_once)

    done = world.intake.submit(ALICE, new())

    assert refused == [1]
    assert world.repo.get(done.report.id) is not None
    assert len(world.repo.reports) == 1


def test_a_tracking_code_taken_every_time_gives_up(world):
    def always(transitions: object) -> None:
        raise TrackingCodeTaken

    world.repo.before_create.append(always)

    with pytest.raises(RuntimeError, match="tracking code"):
        world.intake.submit(ALICE, new())
    assert world.repo.reports == {}


def test_the_idempotency_race_lost_answers_as_a_replay_of_the_winner(world):
    winner: dict[str, Any] = {}

    def concurrent_retry(transitions: object) -> None:
        # The same request, sent twice: the other copy commits between our read and write.
        if not winner:
            world.repo.before_create.clear()
            winner["done"] = world.intake.submit(
                ALICE, new(), idempotency_key="k1", request_hash="h"
            )

    world.repo.before_create.append(concurrent_retry)

    done = world.intake.submit(ALICE, new(), idempotency_key="k1", request_hash="h")

    assert done.replayed is True
    assert done.report.id == winner["done"].report.id
    assert len(world.repo.reports) == 1


def test_a_key_reused_for_another_request_is_refused(world):
    world.intake.submit(ALICE, new(), idempotency_key="k1", request_hash="h1")

    with pytest.raises(IdempotencyMismatch):
        world.intake.submit(ALICE, new(), idempotency_key="k1", request_hash="h2")


def test_a_key_reused_after_it_expired_files_a_new_report(world):
    first = world.intake.submit(ALICE, new(), idempotency_key="k1", request_hash="h1")
    world.now = NOW + timedelta(hours=25)

    second = world.intake.submit(ALICE, new(), idempotency_key="k1", request_hash="h2")

    assert second.replayed is False
    assert second.report.id != first.report.id


def test_the_daily_limit_is_kept(world):
    limited = World(daily_limit=1)
    limited.intake.submit(ALICE, new())

    with pytest.raises(DailyLimitExceeded):
        limited.intake.submit(ALICE, new())


def test_reading_ones_reports_as_a_first_time_caller_writes_nothing(world):
    page = world.intake.my_reports(BOB, limit=20, cursor=None)

    assert page.reports == []
    assert world.repo.writes == 0
    assert world.repo.identities == {}
    with pytest.raises(InvalidCursor):
        world.intake.my_reports(BOB, limit=20, cursor="anything")
    with pytest.raises(ReportNotFound):
        world.intake.my_report(BOB, "KTG-7K3M9Q")
    assert world.repo.writes == 0


def test_one_guard_decides_uploads(world):
    done = world.intake.submit(ALICE, new())
    assert world.intake.request_upload(ALICE, done.report.id, 1).slot == 1

    by_admin = replace(done.report, status=Status.REJECTED, status_by=Actor.ADMIN)
    world.repo.put(by_admin)
    with pytest.raises(UploadNotAllowed):
        world.intake.request_upload(ALICE, done.report.id, 1)

    by_checks = replace(by_admin, status=Status.NEEDS_REVIEW, status_by=Actor.PHOTO_CHECKS)
    world.repo.put(by_checks)
    assert world.intake.request_upload(ALICE, done.report.id, 1).slot == 1


def test_the_owner_sees_a_confidential_photo_through_a_short_lived_link_and_the_public_never(
    world,
):
    done = world.intake.submit(ALICE, new("air_bersih", privacy=Privacy.CONFIDENTIAL))
    photo = Photo(
        1, "v1", "01", 5000, NOW, copies=Copies("private/r/1.jpg", "private/r/1-t.jpg", True)
    )
    world.repo.put(replace(done.report, photos=(photo,)))
    mine = world.intake.my_report(ALICE, done.report.id)

    view = views.owner_view(
        world.city, mine, photo_base_url="https://cdn.example", sign=world.intake.private_link
    )

    (shown,) = view["photos"]
    assert shown["url"].startswith("https://photos.example/private/r/1.jpg?expires=")
    assert "cdn.example" not in shown["url"]
    with pytest.raises(ReportNotFound):
        world.intake.public_report(done.report.id)
    public = views.public_view(world.city, replace(mine, privacy=Privacy.PUBLIC))
    assert public["photos"] == []  # a private copy is never listed publicly
