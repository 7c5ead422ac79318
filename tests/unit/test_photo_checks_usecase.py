"""PhotoChecks through the in-memory fakes: ordering by sequencer, the set decides whatever the
arrival order, late photos, empty files, checks that crash (dead-letter queue), confidential
copies, and every retry branch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import permutations
from pathlib import Path

import pytest

from sikemas.composition import photo_dependencies
from sikemas.domain.photos import PhotoOutcome, PhotoState
from sikemas.domain.reasons import Reason
from sikemas.domain.report import EventType, Location, Privacy, Report, Status
from sikemas.errors import ConcurrentUpdate
from sikemas.photo.derive import DerivedImages
from sikemas.photo.reading import GpsFix, PhotoFacts
from sikemas.settings import Settings
from sikemas.usecases.photos import ImagingTools, PhotoChecks, PhotoLanded, Result
from tests.camera import INSIDE, MANADO
from tests.fakes import FakeAlerts, FakePhotoStore, FakeReportRepository
from tests.unit.domain.test_report_states import a_report

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
TAKEN = NOW - timedelta(hours=1)


def facts(gps: tuple[float, float] | None) -> PhotoFacts:
    return PhotoFacts(
        type="jpeg",
        width=800,
        height=600,
        orientation=1,
        image_error=None,
        gps=None if gps is None else GpsFix(gps[0], gps[1], None),
        gps_error=None if gps else Reason.NO_GPS,
        taken_at=TAKEN,
        taken_at_source="exif_offset",
    )


GOOD, OUTSIDE, NO_GPS = b"good" * 300, b"outside" * 300, b"nogps" * 300
FACTS = {GOOD: facts(INSIDE), OUTSIDE: facts(MANADO), NO_GPS: facts(None)}


def read(data: bytes) -> PhotoFacts:
    from sikemas.photo.reading import read_photo

    return FACTS[data] if data in FACTS else read_photo(data, UTC)


def derive(data: bytes) -> DerivedImages:
    return DerivedImages(public=b"jpeg:" + data[:8], thumbnail=b"thumb", width=8, height=6)


class World:
    """The use case built by the composition root, with fakes for every port."""

    def __init__(self) -> None:
        self.repo = FakeReportRepository()
        self.files = FakePhotoStore()
        self.alerts = FakeAlerts()
        settings = Settings.from_env(
            {"TABLE_NAME": "t", "PHOTOS_BUCKET": "b", "CITY": "kotamobagu"}
        )
        self.checks: PhotoChecks = photo_dependencies(
            settings,
            repo=self.repo,
            photos=self.files,
            alerts=self.alerts,
            tools=ImagingTools(read=read, derive=derive),
        )
        self._order = 0

    def report(self, photo_count: int = 3, **changes: object) -> Report:
        report = a_report(
            Status.RECEIVED,
            version=1,
            photo_count=photo_count,
            location=Location(*INSIDE, 10),
            status_since=NOW,
            **changes,
        )
        self.repo.put(report)
        return report

    def upload(
        self, report: Report, slot: int, data: bytes, *, order: int | None = None
    ) -> PhotoLanded:
        """An object version in the bucket, and the event S3 sends for it."""
        self._order += 1
        sequence = self._order if order is None else order
        version = f"v{slot}-{sequence}"
        self.files.originals[(report.id, slot, version)] = data
        return PhotoLanded(
            report_id=report.id,
            slot=slot,
            version=version,
            version_id=version,
            order=format(sequence, "X").rjust(16, "0"),
            size=len(data),
            event_time=NOW + timedelta(seconds=sequence),
        )

    def land(self, landed: PhotoLanded) -> Result:
        return self.checks.on_photo_landed(landed)

    def get(self, report: Report) -> Report:
        found = self.repo.get(report.id)
        assert found is not None
        return found


@pytest.fixture
def world() -> World:
    return World()


# ---------------------------------------------------------------------- the set decides


@pytest.mark.parametrize("order", list(permutations([GOOD, OUTSIDE, NO_GPS])))
def test_every_arrival_order_of_good_outside_and_no_gps_ends_the_same(world, order):
    report = world.report()
    events = [world.upload(report, slot, data) for slot, data in enumerate(order, start=1)]

    for e in events:
        world.land(e)

    after = world.get(report)
    assert after.status is Status.ASSIGNED
    assert after.suspicious is True  # one was taken outside the city
    assert sorted(p.outcome for p in after.photos if p.outcome) == sorted(
        [PhotoOutcome.ACCEPTED, PhotoOutcome.REJECTED, PhotoOutcome.NEEDS_REVIEW]
    )
    flags = [e for e in world.repo.timeline(report.id) if e.type is EventType.FLAGGED]
    assert len(flags) == 1


@pytest.mark.parametrize("order", list(permutations([OUTSIDE, NO_GPS])))
def test_without_an_accepted_photo_review_wins_over_rejection_in_any_order(world, order):
    report = world.report(photo_count=2)
    events = [world.upload(report, slot, data) for slot, data in enumerate(order, start=1)]

    for e in events:
        world.land(e)

    assert world.get(report).status is Status.NEEDS_REVIEW


@pytest.mark.parametrize("order", list(permutations([GOOD, OUTSIDE, NO_GPS])))
def test_photos_received_together_are_decided_once_all_are_checked(world, order):
    """Three uploads recorded before any check finishes: the report waits for all three."""
    report = world.report()
    events = [world.upload(report, slot, data) for slot, data in enumerate(order, start=1)]
    received = [world.checks._receive(e) for e in events]
    assert world.get(report).status is Status.VERIFYING

    results = []
    for e, r in zip(events, received, strict=True):
        assert not isinstance(r, Result)
        found, copies = world.checks._check(r[0], e, r[1])
        results.append(world.checks._settle(e, found, copies))

    assert results[:2] == [Result.PENDING, Result.PENDING]
    assert results[2] is Result.ASSIGNED
    assert world.get(report).suspicious is True


# ---------------------------------------------------------------------- ordering


def test_an_older_version_processed_after_a_newer_one_is_recorded_as_superseded(world):
    report = world.report(photo_count=1)
    older = world.upload(report, 1, OUTSIDE)
    newer = world.upload(report, 1, GOOD)

    assert world.land(newer) is Result.ASSIGNED
    assert world.land(older) is Result.SUPERSEDED

    after = world.get(report)
    assert after.status is Status.ASSIGNED
    assert after.suspicious is False
    by_version = {p.version: p for p in after.photos}
    assert by_version[newer.version].outcome is PhotoOutcome.ACCEPTED
    assert by_version[newer.version].copies is not None
    assert by_version[older.version].state is PhotoState.SUPERSEDED
    assert by_version[older.version].findings is None  # never judged
    assert world.files.public_keys  # the accepted photo's copy is still there
    types = [e.type for e in world.repo.timeline(report.id)]
    assert types[-1] is EventType.PHOTO_SUPERSEDED


def test_sequencers_of_different_lengths_compare_as_numbers(world):
    report = world.report(photo_count=1)
    newer = world.upload(report, 1, GOOD, order=0x100)
    older = replace(world.upload(report, 1, OUTSIDE, order=0xFF), order="FF")
    world.land(replace(newer, order="100"))

    assert world.land(older) is Result.SUPERSEDED


def test_a_newer_version_replaces_the_older_ones_verdict_before_routing(world):
    report = world.report(photo_count=1)
    first = world.upload(report, 1, OUTSIDE)
    assert world.land(first) is Result.REJECTED

    second = world.upload(report, 1, GOOD)
    assert world.land(second) is Result.ASSIGNED

    states = {p.version: p.state for p in world.get(report).photos}
    assert states == {first.version: PhotoState.REPLACED, second.version: PhotoState.CURRENT}


def test_a_redelivered_event_changes_nothing(world):
    report = world.report(photo_count=1)
    landed = world.upload(report, 1, GOOD)
    world.land(landed)
    before = world.get(report)

    assert world.land(landed) is Result.DUPLICATE
    assert world.get(report) == before


# ---------------------------------------------------------------------- late uploads


def test_a_late_photo_is_kept_beside_the_accepted_one_and_never_replaces_it(world):
    report = world.report(photo_count=1)
    accepted = world.upload(report, 1, GOOD)
    world.land(accepted)
    public = set(world.files.public_keys)

    late = world.upload(report, 1, NO_GPS)  # the presigned POST is still valid
    assert world.land(late) is Result.KEPT

    after = world.get(report)
    assert after.status is Status.ASSIGNED
    states = {p.version: (p.state, p.outcome) for p in after.photos}
    assert states[accepted.version] == (PhotoState.CURRENT, PhotoOutcome.ACCEPTED)
    assert states[late.version] == (PhotoState.LATE, PhotoOutcome.NEEDS_REVIEW)
    assert public <= world.files.public_keys  # the accepted photo's copy stays
    assert after.suspicious is False


def test_a_late_photo_from_outside_the_city_flags_the_report_with_an_event(world):
    report = world.report(photo_count=1)
    world.land(world.upload(report, 1, GOOD))

    assert world.land(world.upload(report, 1, OUTSIDE)) is Result.KEPT

    after = world.get(report)
    assert after.status is Status.ASSIGNED
    assert after.suspicious is True
    last = world.repo.timeline(report.id)[-1]
    assert (last.type, last.reason) == (EventType.FLAGGED, "outside_city")


# ---------------------------------------------------------------------- reasons


def test_an_empty_upload_is_refused_as_empty_not_too_large(world):
    report = world.report(photo_count=1)
    landed = world.upload(report, 1, b"")

    assert world.land(landed) is Result.REJECTED

    (photo,) = world.get(report).photos
    assert photo.findings is not None
    assert [r.value for r in photo.findings.reasons] == ["empty_file"]
    assert world.files.reads == 0  # nothing to download


def test_a_file_under_1_kb_is_refused_as_too_small(world):
    report = world.report(photo_count=1)

    assert world.land(world.upload(report, 1, b"\xff\xd8\xff" + b"0" * 500)) is Result.REJECTED

    (photo,) = world.get(report).photos
    assert photo.findings is not None
    assert [r.value for r in photo.findings.reasons] == ["too_small"]


# ---------------------------------------------------------------------- checks that crash


def test_a_photo_whose_check_crashes_every_time_goes_to_review_and_alerts(world):
    report = world.report(photo_count=1)
    landed = world.upload(report, 1, GOOD)

    def crash(_: bytes) -> PhotoFacts:
        raise MemoryError

    world.checks._tools = ImagingTools(read=crash, derive=derive)
    for _ in range(5):  # SQS redelivers, then moves the message to the dead-letter queue
        with pytest.raises(MemoryError):
            world.land(landed)
    assert world.get(report).status is Status.VERIFYING

    assert world.checks.on_check_failed(landed) is Result.CHECK_FAILED

    after = world.get(report)
    assert after.status is Status.NEEDS_REVIEW
    (photo,) = after.photos
    assert photo.outcome is PhotoOutcome.CHECK_FAILED
    assert world.repo.timeline(report.id)[-1].reason == "check_failed"
    assert len(world.alerts.sent) == 1
    assert report.id in world.alerts.sent[0][1]
    # The citizen has a way out: the report may take another photo.
    assert world.checks.on_check_failed(landed) is Result.DUPLICATE
    assert len(world.alerts.sent) == 1


def test_a_check_failed_photo_does_not_hide_an_accepted_one(world):
    report = world.report(photo_count=2)
    stuck = world.upload(report, 1, GOOD)
    world.checks._receive(stuck)
    good = world.upload(report, 2, GOOD)
    assert world.land(good) is Result.PENDING

    assert world.checks.on_check_failed(stuck) is Result.CHECK_FAILED
    assert world.get(report).status is Status.ASSIGNED


# ---------------------------------------------------------------------- copies


def test_a_confidential_reports_photo_gets_a_private_copy_only(world):
    report = world.report(photo_count=1, privacy=Privacy.CONFIDENTIAL)

    world.land(world.upload(report, 1, GOOD))

    (photo,) = world.get(report).photos
    assert photo.copies is not None
    assert photo.copies.private
    assert world.files.public_keys == set()
    assert photo.copies.image_key.startswith("private/")


def test_a_rejected_photo_gets_no_copy(world):
    report = world.report(photo_count=1)
    world.land(world.upload(report, 1, OUTSIDE))
    assert world.files.objects == {}


# ---------------------------------------------------------------------- retries


def test_a_concurrent_change_while_settling_is_reloaded_and_decided_again(world):
    report = world.report(photo_count=1)
    landed = world.upload(report, 1, GOOD)
    bumps: list[int] = []

    def concurrent(transitions: object) -> None:
        # Once, just before the verdict is written: another writer bumps the report.
        if len(bumps) == 1:
            stored = world.get(report)
            world.repo.reports[report.id] = replace(stored, version=stored.version + 1)
        bumps.append(1)

    world.repo.before_apply.append(concurrent)

    assert world.land(landed) is Result.ASSIGNED
    assert len(bumps) == 3  # receive, the refused settle, the settle again


def test_endless_concurrent_changes_give_up_with_the_error(world):
    report = world.report(photo_count=1)
    landed = world.upload(report, 1, GOOD)

    def always(transitions: object) -> None:
        stored = world.get(report)
        world.repo.reports[report.id] = replace(stored, version=stored.version + 1)

    world.repo.before_apply.append(always)

    with pytest.raises(ConcurrentUpdate):
        world.land(landed)


def test_unknown_reports_and_slots_are_answered_not_retried(world):
    report = world.report(photo_count=1)
    assert world.land(replace(world.upload(report, 1, GOOD), report_id="X")) is (
        Result.UNKNOWN_REPORT
    )
    assert world.land(world.upload(report, 2, GOOD)) is Result.UNKNOWN_SLOT


def test_a_replaced_photos_copies_are_deleted(world):
    report = world.report(photo_count=1)
    first = world.upload(report, 1, NO_GPS)
    assert world.land(first) is Result.NEEDS_REVIEW
    (held,) = world.get(report).photos
    assert held.copies is not None
    assert held.copies.image_key in world.files.objects

    assert world.land(world.upload(report, 1, GOOD)) is Result.ASSIGNED

    assert held.copies.image_key not in world.files.objects
    assert held.copies.image_key in world.files.deleted
    shown = [p for p in world.get(report).photos if p.state is PhotoState.CURRENT]
    assert [p.outcome for p in shown] == [PhotoOutcome.ACCEPTED]


def test_late_uploads_without_end_keep_the_record_bounded_and_delete_dropped_copies(world):
    from sikemas.domain.photos import MAX_PHOTO_RECORDS

    report = world.report(photo_count=1)
    accepted = world.upload(report, 1, GOOD)
    world.land(accepted)

    for _ in range(MAX_PHOTO_RECORDS + 5):  # one presigned POST, used again and again
        assert world.land(world.upload(report, 1, NO_GPS)) is Result.KEPT

    photos = world.get(report).photos
    assert len(photos) == MAX_PHOTO_RECORDS
    assert accepted.version in {p.version for p in photos}  # the current photo always stays
    referenced = {
        k for p in photos if p.copies for k in (p.copies.image_key, p.copies.thumbnail_key)
    }
    assert set(world.files.objects) == referenced  # no orphaned copy
