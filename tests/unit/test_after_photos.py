"""An agency's "after" photo through the photo checks: judged near the report's place (inside
the city, within 250 m + the pin's accuracy), kept on the report with its copies, never moving
the report; and what the follow-up makes of it when the agency resolves."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sikemas.domain.photos import PhotoOutcome
from sikemas.domain.reasons import Reason
from sikemas.domain.report import Actor, EventType, Location, Privacy, Report, Status
from sikemas.errors import AfterPhotoRequired
from sikemas.usecases.followup import FollowUp
from sikemas.usecases.photos import PhotoLanded, Result
from tests.camera import INSIDE
from tests.unit.test_photo_checks_usecase import FACTS, GOOD, NO_GPS, NOW, OUTSIDE, World, facts

# Inside the city, about 1.3 km from the report's pin (INSIDE).
ELSEWHERE = b"elsewhere" * 200
FACTS[ELSEWHERE] = facts((0.7337, 124.3124))
NORTH_300M = b"north" * 300
FACTS[NORTH_300M] = facts((INSIDE[0] + 300 / 111_320, INSIDE[1]))


@pytest.fixture
def world() -> World:
    return World()


def assigned(world: World, **changes: object) -> Report:
    report = replace(world.report(photo_count=1), status=Status.IN_PROGRESS, **changes)
    world.repo.put(report)
    return report


def after_upload(world: World, report: Report, slot: int, data: bytes, seq: int = 1) -> PhotoLanded:
    version = f"a{slot}-{seq}"
    world.files.after_originals[(report.id, slot, version)] = data
    return PhotoLanded(
        report_id=report.id,
        slot=slot,
        version=version,
        version_id=version,
        order=format(seq, "X").rjust(16, "0"),
        size=len(data),
        event_time=NOW + timedelta(minutes=seq),
        after=True,
    )


def test_an_after_photo_at_the_place_is_accepted_and_kept_with_public_copies(world):
    report = assigned(world)

    result = world.land(after_upload(world, report, 1, GOOD))

    assert result is Result.AFTER_ACCEPTED
    kept = world.get(report)
    assert kept.status is Status.IN_PROGRESS  # the agency resolves; the photo moves nothing
    (photo,) = kept.after_photos
    assert photo.outcome is PhotoOutcome.ACCEPTED
    assert photo.copies is not None
    assert photo.copies.image_key == f"public/{report.id}/after-1-a1-1.jpg"
    assert photo.copies.image_key in world.files.objects
    assert kept.photos == ()  # the citizen's photos are apart
    event = world.repo.timeline(report.id)[-1]
    assert (event.type, event.actor, event.data) == (
        EventType.AFTER_PHOTO,
        Actor.PHOTO_CHECKS,
        {"slot": 1, "outcome": "accepted"},
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ELSEWHERE, Reason.FAR_FROM_REPORT),
        (OUTSIDE, Reason.OUTSIDE_CITY),
        (NO_GPS, Reason.NO_GPS),
    ],
)
def test_an_after_photo_not_taken_at_the_place_is_rejected(world, data, reason):
    report = assigned(world)

    result = world.land(after_upload(world, report, 1, data))

    assert result is Result.AFTER_NOT_ACCEPTED
    (photo,) = world.get(report).after_photos
    assert photo.outcome is PhotoOutcome.REJECTED
    assert photo.findings is not None
    assert reason in photo.findings.reasons
    assert photo.copies is None  # a rejected photo is never shown
    assert world.repo.timeline(report.id)[-1].reason is not None


@pytest.mark.parametrize(
    ("accuracy_m", "expected"), [(10, Result.AFTER_NOT_ACCEPTED), (100, Result.AFTER_ACCEPTED)]
)
def test_within_250_m_plus_the_pins_accuracy(world, accuracy_m, expected):
    # The photo 300 m north of the pin: beyond 250 + 10 m, within 250 + 100 m.
    report = assigned(world, location=Location(*INSIDE, accuracy_m))

    assert world.land(after_upload(world, report, 1, NORTH_300M)) is expected


def test_a_confidential_reports_after_photo_gets_private_copies(world):
    report = assigned(world, privacy=Privacy.CONFIDENTIAL)

    world.land(after_upload(world, report, 1, GOOD))

    (photo,) = world.get(report).after_photos
    assert photo.copies is not None
    assert photo.copies.private
    assert world.files.public_keys == set()


def test_a_redelivered_after_photo_changes_nothing(world):
    report = assigned(world)
    landed = after_upload(world, report, 1, GOOD)
    world.land(landed)
    writes = world.repo.writes

    assert world.land(landed) is Result.DUPLICATE
    assert world.repo.writes == writes


def test_a_newer_upload_to_the_slot_replaces_the_older_and_an_older_one_is_ignored(world):
    report = assigned(world)
    world.land(after_upload(world, report, 1, ELSEWHERE, seq=2))
    assert world.land(after_upload(world, report, 1, GOOD, seq=1)) is Result.SUPERSEDED

    assert world.land(after_upload(world, report, 1, GOOD, seq=3)) is Result.AFTER_ACCEPTED
    (photo,) = world.get(report).after_photos
    assert photo.version == "a1-3"


def test_an_after_photo_whose_check_failed_every_time_is_recorded(world):
    report = assigned(world)

    result = world.checks.on_check_failed(after_upload(world, report, 1, GOOD))

    assert result is Result.CHECK_FAILED
    (photo,) = world.get(report).after_photos
    assert photo.outcome is PhotoOutcome.CHECK_FAILED
    assert world.get(report).status is Status.IN_PROGRESS
    assert world.alerts.sent


def test_an_after_photo_of_an_unknown_report_or_slot(world):
    report = assigned(world)
    missing = after_upload(world, report, 1, GOOD)
    assert world.land(replace(missing, report_id="nope")) is Result.UNKNOWN_REPORT
    assert world.land(after_upload(world, report, 99, GOOD)) is Result.UNKNOWN_SLOT


def test_fixed_needs_the_accepted_after_photo_the_checks_kept(world):
    report = assigned(world)
    followup = FollowUp(
        world.repo, world.checks._city, lambda: NOW + timedelta(hours=1), world.files
    )
    world.land(after_upload(world, report, 1, ELSEWHERE))
    with pytest.raises(AfterPhotoRequired):
        followup.resolve(report.id, "DLH", "Budi", "fixed")

    world.land(after_upload(world, report, 2, GOOD, seq=2))
    resolved = followup.resolve(report.id, "DLH", "Budi", "fixed")

    assert resolved.status is Status.RESOLVED
    assert world.repo.timeline(report.id)[-1].data["after_slot"] == 2
