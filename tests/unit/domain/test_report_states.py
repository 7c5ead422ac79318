"""The report's state graph: every allowed edge works, every other one is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sikemas.city import load_city
from sikemas.domain.photos import Decision
from sikemas.domain.report import (
    TRANSITIONS,
    Actor,
    EventType,
    Kind,
    Privacy,
    Report,
    Status,
    TimelineEvent,
    Transition,
    decided_status,
    file_report,
    may_take_photo,
    routed_status,
    transition,
)
from sikemas.errors import InvalidTransition

S = Status
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
CITY = load_city(Path(__file__).resolve().parents[3] / "cities" / "kotamobagu")

# The architecture's table, written out edge by edge (independently of TRANSITIONS).
ALLOWED = {
    (S.RECEIVED, S.VERIFYING),
    (S.RECEIVED, S.ASSIGNED),
    (S.RECEIVED, S.FORWARDED),
    (S.RECEIVED, S.ABANDONED),
    (S.VERIFYING, S.ASSIGNED),
    (S.VERIFYING, S.FORWARDED),
    (S.VERIFYING, S.REJECTED),
    (S.VERIFYING, S.NEEDS_REVIEW),
    (S.REJECTED, S.VERIFYING),
    (S.NEEDS_REVIEW, S.ASSIGNED),
    (S.NEEDS_REVIEW, S.FORWARDED),
    (S.NEEDS_REVIEW, S.REJECTED),
    (S.NEEDS_REVIEW, S.DUPLICATE),
    (S.ASSIGNED, S.IN_PROGRESS),
    (S.ASSIGNED, S.NEEDS_REVIEW),
    (S.IN_PROGRESS, S.NEEDS_REVIEW),
    (S.ASSIGNED, S.RESOLVED),
    (S.IN_PROGRESS, S.RESOLVED),
    (S.RESOLVED, S.ASSIGNED),
    (S.RESOLVED, S.CLOSED),
    (S.FORWARDED, S.CLOSED),
    (S.RECEIVED, S.DUPLICATE),
    (S.VERIFYING, S.DUPLICATE),
    (S.ASSIGNED, S.DUPLICATE),
    (S.IN_PROGRESS, S.DUPLICATE),
}


def a_report(status: Status = S.RECEIVED, **changes: object) -> Report:
    base = Report(
        id="01JD2Y6X3B6Q3W9Y5K8R7T4V2N",
        tracking_code="KTG-7K3M9Q",
        reporter_id="01JD2Y6X3B6Q3W9Y5K8R7T4V2A",
        kind=Kind.COMPLAINT,
        category="sampah",
        agency="DLH",
        description="Sampah menumpuk di pasar",
        location=None,
        address=None,
        privacy=Privacy.PUBLIC,
        photo_count=1,
        notify_sms=False,
        status=status,
        version=3,
        created_at=NOW,
        updated_at=NOW,
        status_since=NOW,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_the_graph_is_exactly_the_architectures_table():
    declared = {(a, b) for a, targets in TRANSITIONS.items() for b in targets}
    assert declared == ALLOWED
    assert set(TRANSITIONS) == set(Status)


@pytest.mark.parametrize(("source", "target"), sorted(ALLOWED))
def test_every_allowed_transition_moves_the_report_and_writes_an_event(source, target):
    report = a_report(source, status_by=Actor.PHOTO_CHECKS)
    later = NOW + timedelta(minutes=5)

    t = transition(
        report, target, at=later, actor=Actor.ADMIN, duplicate_of="01JD2Y6X3B6Q3W9Y5K8R7T4V2Z"
    )

    assert t.before == report
    assert t.after.status is target
    assert t.after.version == report.version + 1
    assert t.after.updated_at == later
    assert (t.event.from_status, t.event.to_status, t.event.seq) == (source, target, 4)


@pytest.mark.parametrize(
    ("source", "target"),
    sorted((a, b) for a in Status for b in Status if (a, b) not in ALLOWED),
)
def test_every_other_transition_is_refused(source, target):
    report = a_report(source, status_by=Actor.PHOTO_CHECKS)

    with pytest.raises(InvalidTransition) as refused:
        transition(report, target, at=NOW, actor=Actor.ADMIN, duplicate_of="X")

    assert refused.value.code == "invalid_transition"
    assert refused.value.details == [{"from": source.value, "to": target.value}]


def test_a_rejection_by_the_photo_checks_can_be_appealed_with_a_new_photo():
    rejected = transition(a_report(S.VERIFYING), S.REJECTED, at=NOW, actor=Actor.PHOTO_CHECKS).after
    assert rejected.rejected_by is Actor.PHOTO_CHECKS

    again = transition(rejected, S.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS).after

    assert again.status is S.VERIFYING
    assert again.rejected_by is None
    assert may_take_photo(rejected)


def test_an_admins_rejection_is_final():
    rejected = transition(a_report(S.NEEDS_REVIEW), S.REJECTED, at=NOW, actor=Actor.ADMIN).after

    with pytest.raises(InvalidTransition, match="admin"):
        transition(rejected, S.VERIFYING, at=NOW, actor=Actor.PHOTO_CHECKS)
    assert not may_take_photo(rejected)


def test_a_duplicate_must_name_its_primary():
    with pytest.raises(InvalidTransition):
        transition(a_report(S.ASSIGNED), S.DUPLICATE, at=NOW, actor=Actor.ADMIN)

    t = transition(a_report(S.ASSIGNED), S.DUPLICATE, at=NOW, actor=Actor.ADMIN, duplicate_of="P")
    assert t.after.duplicate_of == "P"


def test_a_new_report_in_a_photo_category_is_received_and_waits_for_its_photo():
    (t,) = file_report(**_filing("sampah"))

    assert (t.before, t.event.from_status, t.event.to_status, t.event.seq) == (
        None,
        None,
        S.RECEIVED,
        1,
    )
    assert (t.after.version, t.after.status_since, t.after.status_by) == (1, NOW, Actor.CITIZEN)
    assert may_take_photo(t.after)


def test_a_new_report_that_needs_no_photo_is_routed_at_once():
    received, routed = file_report(**_filing("air_bersih"))

    assert routed.before == received.after
    assert (routed.after.status, routed.after.version, routed.after.routed_at) == (
        S.FORWARDED,
        2,
        NOW,
    )
    assert not may_take_photo(routed.after)


def _filing(category: str) -> dict[str, object]:
    return {
        "report_id": "01JD2Y6X3B6Q3W9Y5K8R7T4V2N",
        "tracking_code": "KTG-7K3M9Q",
        "reporter_id": "R1",
        "kind": Kind.COMPLAINT,
        "category": CITY.categories[category],
        "description": "Sampah menumpuk di pasar",
        "location": None,
        "address": None,
        "privacy": Privacy.PUBLIC,
        "photo_count": 1,
        "notify_sms": False,
        "at": NOW,
    }


@pytest.mark.parametrize(
    ("status", "by", "allowed"),
    [
        (S.RECEIVED, Actor.CITIZEN, True),
        (S.VERIFYING, Actor.PHOTO_CHECKS, False),
        (S.REJECTED, Actor.PHOTO_CHECKS, True),
        (S.NEEDS_REVIEW, Actor.PHOTO_CHECKS, True),
        (S.REJECTED, Actor.ADMIN, False),
        (S.NEEDS_REVIEW, Actor.AGENCY, False),
        (S.ASSIGNED, Actor.PHOTO_CHECKS, False),
    ],
)
def test_one_guard_says_whether_a_report_may_take_a_photo(status, by, allowed):
    assert may_take_photo(a_report(status, status_by=by)) is allowed


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("sampah", S.ASSIGNED),
        ("parkir", S.ASSIGNED),
        ("air_bersih", S.FORWARDED),
        ("listrik", S.FORWARDED),
        ("keamanan", S.FORWARDED),
    ],
)
def test_routing_assigns_city_agencies_and_forwards_vertical_ones(category, expected):
    assert routed_status(CITY.categories[category]) is expected


def test_every_category_of_the_city_routes_by_its_agencys_jurisdiction():
    for category in CITY.categories.values():
        expected = S.ASSIGNED if category.agency.jurisdiction == "city" else S.FORWARDED
        assert routed_status(category) is expected


def received(report: Report) -> Transition:
    """The creating transition of a report made by ``a_report`` (for repository tests)."""
    return Transition(
        before=None,
        after=report,
        event=TimelineEvent(
            report_id=report.id,
            seq=report.version,
            at=report.created_at,
            type=EventType.STATUS,
            actor=Actor.CITIZEN,
            from_status=None,
            to_status=report.status,
        ),
    )


@pytest.mark.parametrize(
    ("decision", "category", "expected"),
    [
        (Decision.ROUTE, "sampah", S.ASSIGNED),
        (Decision.ROUTE, "air_bersih", S.FORWARDED),
        (Decision.NEEDS_REVIEW, "sampah", S.NEEDS_REVIEW),
        (Decision.REJECT, "sampah", S.REJECTED),
    ],
)
def test_what_the_photos_decided_maps_to_a_status_explicitly(decision, category, expected):
    assert decided_status(decision, CITY.categories[category]) is expected
