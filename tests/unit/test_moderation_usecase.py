"""Hiding a report, or making it confidential, removes its public photo copies (private copies
stay for its owner) and writes a timeline event."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from sikemas.domain.photos import Photo
from sikemas.domain.report import Actor, EventType, Privacy, Status
from sikemas.errors import ConcurrentUpdate
from sikemas.usecases.moderation import Moderation
from tests.fakes import FakePhotoStore, FakeReportRepository
from tests.unit.domain.test_report_states import a_report

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)


@pytest.fixture
def world():
    repo, files = FakeReportRepository(), FakePhotoStore()
    copies = files.put_copies("r", 1, "v1", b"jpeg", b"thumb", private=False)
    report = a_report(Status.ASSIGNED, photos=(Photo(1, "v1", "01", 5000, NOW, copies=copies),))
    repo.put(report)
    return repo, files, Moderation(repo, files, clock=lambda: NOW), report


def test_hiding_a_report_removes_its_public_copies(world):
    repo, files, moderation, report = world
    assert files.public_keys

    hidden = moderation.hide(report.id, admin="Admin Kota", note="berisi data pribadi")

    assert hidden.hidden is True
    assert not hidden.is_public
    assert files.public_keys == set()
    (photo,) = repo.get(report.id).photos
    assert photo.copies is not None
    assert photo.copies.private
    assert photo.copies.image_key in files.objects  # the owner still sees it
    event = repo.timeline(report.id)[-1]
    assert (event.type, event.actor, event.actor_name) == (
        EventType.HIDDEN,
        Actor.ADMIN,
        "Admin Kota",
    )


def test_making_a_report_confidential_removes_its_public_copies(world):
    repo, files, moderation, report = world

    changed = moderation.change_privacy(report.id, Privacy.CONFIDENTIAL, admin="Admin Kota")

    assert changed.privacy is Privacy.CONFIDENTIAL
    assert files.public_keys == set()
    assert repo.timeline(report.id)[-1].data == {"hidden": False, "privacy": "confidential"}


def test_an_anonymous_report_keeps_its_public_copies(world):
    _repo, files, moderation, report = world
    before = set(files.public_keys)

    moderation.change_privacy(report.id, Privacy.ANONYMOUS, admin="Admin Kota")

    assert files.public_keys == before


def test_a_change_that_changes_nothing_writes_nothing(world):
    repo, _files, moderation, report = world
    writes = repo.writes

    moderation.change_privacy(report.id, Privacy.PUBLIC, admin="Admin Kota")

    assert repo.writes == writes


def test_a_concurrent_change_is_reloaded_and_applied_again(world):
    repo, _files, moderation, report = world
    calls: list[int] = []

    def once(transitions: object) -> None:
        if not calls:
            stored = repo.get(report.id)
            repo.reports[report.id] = replace(stored, version=stored.version + 1)
        calls.append(1)

    repo.before_apply.append(once)

    assert moderation.hide(report.id, admin="A").hidden is True
    assert len(calls) == 2


def test_endless_concurrent_changes_give_up(world):
    repo, _files, moderation, report = world

    def always(transitions: object) -> None:
        stored = repo.get(report.id)
        repo.reports[report.id] = replace(stored, version=stored.version + 1)

    repo.before_apply.append(always)

    with pytest.raises(ConcurrentUpdate):
        moderation.hide(report.id, admin="A")


def test_hiding_a_report_moves_its_after_photos_copies_private_too(world):
    repo, files, moderation, report = world
    after = files.put_copies(report.id, 1, "a1", b"jpeg", b"thumb", private=False, after=True)
    repo.put(replace(report, after_photos=(Photo(1, "a1", "01", 5000, NOW, copies=after),)))

    moderation.hide(report.id, admin="Admin Kota")

    (photo,) = repo.get(report.id).after_photos
    assert photo.copies is not None
    assert photo.copies.private
    assert files.public_keys == set()
