"""The follow-up through the in-memory fakes: every action's transition, who may act, the
reason and after-photo rules, the reopen window, and two people acting at once."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sikemas.city import load_city
from sikemas.domain.photos import Findings, Photo, PhotoOutcome
from sikemas.domain.report import Actor, AgencyOutcome, EventType, Kind, Report, Status
from sikemas.errors import (
    ActionNotApplicable,
    AfterPhotoRequired,
    InvalidRequest,
    ReasonRequired,
    ReopenWindowClosed,
    ReportNotFound,
    UnknownCategory,
    UploadNotAllowed,
    WrongAgency,
)
from sikemas.usecases.followup import MAX_AFTER_PHOTOS, FollowUp
from sikemas.usecases.intake import Citizen
from tests.fakes import FakePhotoStore, FakeReportRepository
from tests.unit.domain.test_report_states import a_report

S = Status
NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
CITY = load_city(Path(__file__).resolve().parents[2] / "cities" / "kotamobagu")
OWNER = Citizen(subject="sub-owner", phone=None)
STRANGER = Citizen(subject="sub-stranger", phone=None)


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def repo() -> FakeReportRepository:
    repo = FakeReportRepository()
    repo.identities[OWNER.subject] = a_report().reporter_id
    repo.identities[STRANGER.subject] = "R-someone-else"
    return repo


@pytest.fixture
def files() -> FakePhotoStore:
    return FakePhotoStore()


@pytest.fixture
def followup(repo, clock, files) -> FollowUp:
    return FollowUp(repo, CITY, clock, files)


def stored(repo: FakeReportRepository, status: Status, **changes: object) -> Report:
    report = a_report(status, **changes)
    repo.put(report)
    return report


def accepted_after(slot: int = 1) -> Photo:
    return Photo(slot, f"v{slot}", "01", 5000, NOW, findings=_findings(PhotoOutcome.ACCEPTED))


def _findings(outcome: PhotoOutcome) -> Findings:
    return Findings(None, None, None, None, (), outcome)


def last_event(repo: FakeReportRepository, report: Report):
    return repo.timeline(report.id)[-1]


# -- agencies ---------------------------------------------------------------------------------


def test_acknowledge_moves_an_assigned_report_in_progress_with_the_officer_on_record(
    repo, followup
):
    report = stored(repo, S.ASSIGNED)

    after = followup.acknowledge(report.id, "DLH", "Budi")

    assert after.status is S.IN_PROGRESS
    assert after.status_by is Actor.AGENCY
    event = last_event(repo, report)
    assert (event.from_status, event.to_status, event.actor, event.actor_name) == (
        S.ASSIGNED,
        S.IN_PROGRESS,
        Actor.AGENCY,
        "Budi",
    )
    assert event.data == {"agency": "DLH"}
    assert repo.reports[report.id] == after


@pytest.mark.parametrize("source", [S.ASSIGNED, S.IN_PROGRESS])
def test_resolve_fixed_with_an_accepted_after_photo(repo, followup, source):
    report = stored(repo, source, after_photos=(accepted_after(1),))

    after = followup.resolve(report.id, "DLH", "Budi", "fixed")

    assert after.status is S.RESOLVED
    assert (after.outcome, after.outcome_by, after.resolved_at) == (
        AgencyOutcome.FIXED,
        "Budi",
        NOW,
    )
    event = last_event(repo, report)
    assert event.data == {"agency": "DLH", "outcome": "fixed", "after_slot": 1}
    assert event.actor_name == "Budi"


def test_fixed_in_a_photo_category_needs_an_accepted_after_photo(repo, followup):
    rejected = replace(accepted_after(1), findings=_findings(PhotoOutcome.REJECTED))
    report = stored(repo, S.IN_PROGRESS, after_photos=(rejected,))

    with pytest.raises(AfterPhotoRequired):
        followup.resolve(report.id, "DLH", "Budi", "fixed")

    assert repo.reports[report.id] == report  # nothing changed
    assert repo.timeline(report.id) == []


def test_a_named_after_slot_must_be_an_accepted_photo(repo, followup):
    report = stored(repo, S.IN_PROGRESS, after_photos=(accepted_after(1),))

    with pytest.raises(AfterPhotoRequired):
        followup.resolve(report.id, "DLH", "Budi", "fixed", after_slot=2)
    assert followup.resolve(report.id, "DLH", "Budi", "fixed", after_slot=1).status is S.RESOLVED


def test_fixed_without_a_photo_where_the_category_needs_none(repo, followup):
    # Suggestions never need photos; nor do categories without requires_photo.
    suggestion = stored(repo, S.ASSIGNED, kind=Kind.SUGGESTION)
    assert followup.resolve(suggestion.id, "DLH", "Budi", "fixed").status is S.RESOLVED
    school = stored(
        repo, S.ASSIGNED, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3B", category="sekolah", agency="DISDIKBUD"
    )
    assert followup.resolve(school.id, "DISDIKBUD", "Sari", "fixed").status is S.RESOLVED


def test_not_fixable_needs_a_reason_and_records_it(repo, followup):
    report = stored(repo, S.ASSIGNED)

    with pytest.raises(ReasonRequired):
        followup.resolve(report.id, "DLH", "Budi", "not_fixable", reason="   ")
    after = followup.resolve(report.id, "DLH", "Budi", "not_fixable", reason="lahan pribadi")

    assert (after.status, after.outcome, after.outcome_reason) == (
        S.RESOLVED,
        AgencyOutcome.NOT_FIXABLE,
        "lahan pribadi",
    )
    assert last_event(repo, report).reason == "lahan pribadi"


@pytest.mark.parametrize("outcome", ["handled", "done", ""])
def test_resolve_takes_only_fixed_or_not_fixable(repo, followup, outcome):
    report = stored(repo, S.ASSIGNED)
    with pytest.raises(InvalidRequest) as caught:
        followup.resolve(report.id, "DLH", "Budi", outcome, reason="x")
    assert caught.value.details[0]["field"] == "outcome"


@pytest.mark.parametrize("source", [S.ASSIGNED, S.IN_PROGRESS])
def test_hand_back_sends_the_report_to_review_with_a_reason(repo, followup, source):
    report = stored(repo, source)

    with pytest.raises(ReasonRequired):
        followup.hand_back(report.id, "DLH", "Budi", "")
    after = followup.hand_back(report.id, "DLH", "Budi", "bukan wewenang kami")

    assert after.status is S.NEEDS_REVIEW
    assert after.status_by is Actor.AGENCY
    event = last_event(repo, report)
    assert (event.reason, event.data["handed_back"]) == ("bukan wewenang kami", True)


@pytest.mark.parametrize(
    "act",
    [
        lambda f, rid: f.acknowledge(rid, "PUPR", "Budi"),
        lambda f, rid: f.resolve(rid, "PUPR", "Budi", "not_fixable", "x"),
        lambda f, rid: f.hand_back(rid, "PUPR", "Budi", "x"),
        lambda f, rid: f.after_upload(rid, "PUPR"),
    ],
    ids=["acknowledge", "resolve", "hand_back", "after_upload"],
)
def test_another_agency_cannot_act(repo, followup, act):
    report = stored(repo, S.ASSIGNED)

    with pytest.raises(WrongAgency):
        act(followup, report.id)
    assert repo.reports[report.id] == report


@pytest.mark.parametrize(
    ("status", "act"),
    [
        (S.IN_PROGRESS, lambda f, rid: f.acknowledge(rid, "DLH", "B")),
        (S.RESOLVED, lambda f, rid: f.acknowledge(rid, "DLH", "B")),
        (S.RESOLVED, lambda f, rid: f.resolve(rid, "DLH", "B", "not_fixable", "x")),
        (S.NEEDS_REVIEW, lambda f, rid: f.hand_back(rid, "DLH", "B", "x")),
        (S.CLOSED, lambda f, rid: f.hand_back(rid, "DLH", "B", "x")),
        (S.DUPLICATE, lambda f, rid: f.resolve(rid, "DLH", "B", "not_fixable", "x")),
        (S.RESOLVED, lambda f, rid: f.after_upload(rid, "DLH")),
    ],
)
def test_an_action_that_no_longer_applies_changes_nothing(repo, followup, status, act):
    report = stored(repo, status)

    with pytest.raises(ActionNotApplicable) as caught:
        act(followup, report.id)
    assert caught.value.details == [{"status": status.value}]
    assert repo.reports[report.id] == report


def test_two_officers_acknowledge_at_once_one_wins_the_other_is_told(repo, followup):
    report = stored(repo, S.ASSIGNED)
    # The other officer's acknowledge lands between this one's read and write.
    repo.before_apply.append(
        lambda _: (repo.before_apply.clear(), followup.acknowledge(report.id, "DLH", "Ani"))
    )

    with pytest.raises(ActionNotApplicable) as caught:
        followup.acknowledge(report.id, "DLH", "Budi")

    assert caught.value.details == [{"status": "in_progress"}]
    events = repo.timeline(report.id)
    assert [e.actor_name for e in events] == ["Ani"]
    assert repo.reports[report.id].status is S.IN_PROGRESS


def test_two_officers_resolve_at_once_only_one_resolution_is_written(repo, followup):
    report = stored(repo, S.IN_PROGRESS)
    repo.before_apply.append(
        lambda _: (
            repo.before_apply.clear(),
            followup.resolve(report.id, "DLH", "Ani", "not_fixable", "tidak bisa"),
        )
    )

    with pytest.raises(ActionNotApplicable):
        followup.hand_back(report.id, "DLH", "Budi", "bukan kami")

    assert [e.to_status for e in repo.timeline(report.id)] == [S.RESOLVED]
    assert repo.reports[report.id].outcome_by == "Ani"


def test_after_upload_gives_the_next_after_slot(repo, followup, files):
    report = stored(repo, S.IN_PROGRESS, after_photos=(accepted_after(1),))

    upload = followup.after_upload(report.id, "DLH")

    assert upload.slot == 2
    assert upload.fields["key"] == f"after/{report.id}/2"


def test_after_uploads_are_capped(repo, followup):
    photos = tuple(accepted_after(n) for n in range(1, MAX_AFTER_PHOTOS + 1))
    report = stored(repo, S.IN_PROGRESS, after_photos=photos)

    with pytest.raises(UploadNotAllowed):
        followup.after_upload(report.id, "DLH")


def test_an_unknown_report(followup):
    with pytest.raises(ReportNotFound):
        followup.acknowledge("01JD2Y6X3B6Q3W9Y5K8R7T4V9Z", "DLH", "Budi")


# -- vertical agencies ------------------------------------------------------------------------


def a_forwarded(repo: FakeReportRepository) -> Report:
    return stored(repo, S.FORWARDED, category="air_bersih", agency="PDAM")


@pytest.mark.parametrize("outcome", ["handled", "not_theirs"])
def test_a_vertical_agency_closes_a_forwarded_report_with_its_outcome(repo, followup, outcome):
    report = a_forwarded(repo)

    after = followup.record_vertical_outcome(report.id, "PDAM", "Rudi", outcome, "PDAM-2026-114")

    assert after.status is S.CLOSED
    assert (after.outcome, after.outcome_reference, after.outcome_by) == (
        AgencyOutcome(outcome),
        "PDAM-2026-114",
        "Rudi",
    )
    event = last_event(repo, report)
    assert (event.actor, event.actor_name) == (Actor.AGENCY, "Rudi")
    assert event.data == {"agency": "PDAM", "outcome": outcome, "reference": "PDAM-2026-114"}


def test_a_vertical_not_fixable_needs_a_reason(repo, followup):
    report = a_forwarded(repo)
    with pytest.raises(ReasonRequired):
        followup.record_vertical_outcome(report.id, "PDAM", "Rudi", "not_fixable", "R1")
    after = followup.record_vertical_outcome(
        report.id, "PDAM", "Rudi", "not_fixable", "R1", "pipa utama"
    )
    assert (after.status, after.outcome_reason) == (S.CLOSED, "pipa utama")


def test_a_vertical_outcome_needs_the_right_agency_and_a_forwarded_report(repo, followup):
    report = a_forwarded(repo)
    with pytest.raises(WrongAgency):
        followup.record_vertical_outcome(report.id, "PLN", "Rudi", "handled", "R1")
    with pytest.raises(InvalidRequest):
        followup.record_vertical_outcome(report.id, "PDAM", "Rudi", "fixed", "R1")
    assigned = stored(repo, S.ASSIGNED, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3C")
    with pytest.raises(ActionNotApplicable):
        followup.record_vertical_outcome(assigned.id, "DLH", "Budi", "handled", "R1")


def test_an_admin_records_a_vertical_outcome_for_the_agency(repo, followup):
    report = a_forwarded(repo)

    after = followup.record_vertical_outcome(
        report.id, None, "Admin Kota", "handled", "via telepon", by_admin=True
    )

    assert after.status is S.CLOSED
    event = last_event(repo, report)
    assert (event.actor, event.actor_name) == (Actor.ADMIN, "Admin Kota")


# -- the citizen ------------------------------------------------------------------------------


def a_resolved(repo: FakeReportRepository, **changes: object) -> Report:
    return stored(
        repo,
        S.RESOLVED,
        outcome=AgencyOutcome.FIXED,
        outcome_by="Budi",
        resolved_at=NOW,
        **changes,
    )


def test_the_owner_reopens_within_the_window(repo, followup, clock):
    report = a_resolved(repo)
    clock.now = NOW + timedelta(days=7)  # the last moment of the window

    after = followup.reopen(OWNER, report.id, "masih bocor")

    assert after.status is S.ASSIGNED
    assert (after.reopened, after.outcome, after.resolved_at, after.routed_at) == (
        1,
        None,
        None,
        clock.now,
    )
    event = last_event(repo, report)
    assert (event.actor, event.reason, event.data) == (
        Actor.CITIZEN,
        "masih bocor",
        {"agency": "DLH", "reopened": 1},
    )


def test_reopening_after_the_window_is_refused(repo, followup, clock):
    report = a_resolved(repo)
    clock.now = NOW + timedelta(days=7, seconds=1)

    with pytest.raises(ReopenWindowClosed):
        followup.reopen(OWNER, report.id, "masih bocor")
    assert repo.reports[report.id] == report


def test_the_reopen_window_is_the_citys(repo, clock, files):
    city = replace(CITY, reopen_days=2)
    followup = FollowUp(repo, city, clock, files)
    report = a_resolved(repo)
    clock.now = NOW + timedelta(days=3)
    with pytest.raises(ReopenWindowClosed):
        followup.reopen(OWNER, report.id, "masih bocor")


def test_reopen_needs_a_reason_and_the_owner(repo, followup):
    report = a_resolved(repo)
    with pytest.raises(ReasonRequired):
        followup.reopen(OWNER, report.id, " ")
    with pytest.raises(ReportNotFound):
        followup.reopen(STRANGER, report.id, "masih bocor")
    with pytest.raises(ReportNotFound):
        followup.confirm(STRANGER, report.id)
    assert repo.reports[report.id] == report


def test_reopen_and_confirm_need_a_resolved_report(repo, followup):
    report = stored(repo, S.IN_PROGRESS)
    with pytest.raises(ActionNotApplicable):
        followup.reopen(OWNER, report.id, "masih bocor")
    with pytest.raises(ActionNotApplicable):
        followup.confirm(OWNER, report.id)


def test_the_owner_confirms_a_resolved_report_closed_at_once(repo, followup):
    report = a_resolved(repo)

    after = followup.confirm(OWNER, report.id)

    assert (after.status, after.confirmed_by_citizen, after.outcome) == (
        S.CLOSED,
        True,
        AgencyOutcome.FIXED,
    )
    assert last_event(repo, report).data == {"confirmed_by_citizen": True}


def test_reopen_resolve_again_then_confirm(repo, followup, clock):
    report = a_resolved(repo)
    followup.reopen(OWNER, report.id, "masih bocor")
    clock.now = NOW + timedelta(days=1)
    followup.acknowledge(report.id, "DLH", "Budi")
    followup.resolve(report.id, "DLH", "Budi", "not_fixable", "lahan pribadi")
    clock.now = NOW + timedelta(days=8)  # within the window of the second resolution

    after = followup.confirm(OWNER, report.id)

    assert after.status is S.CLOSED
    assert after.reopened == 1
    assert [e.to_status for e in repo.timeline(report.id)] == [
        S.ASSIGNED,
        S.IN_PROGRESS,
        S.RESOLVED,
        S.CLOSED,
    ]


# -- admins -----------------------------------------------------------------------------------


@pytest.mark.parametrize("source", [S.RECEIVED, S.VERIFYING, S.NEEDS_REVIEW])
def test_an_admin_assigns_to_the_categorys_agency_or_another_city_agency(repo, followup, source):
    report = stored(repo, source)
    after = followup.assign(report.id, "Admin Kota")
    assert (after.status, after.agency, after.status_by) == (S.ASSIGNED, "DLH", Actor.ADMIN)
    assert last_event(repo, report).actor_name == "Admin Kota"

    other = stored(repo, source, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3D")
    assert followup.assign(other.id, "Admin Kota", agency="PUPR").agency == "PUPR"


def test_assign_refuses_a_vertical_or_unknown_agency_and_a_routed_report(repo, followup):
    report = stored(repo, S.NEEDS_REVIEW)
    for agency in ("PDAM", "NOPE"):
        with pytest.raises(InvalidRequest):
            followup.assign(report.id, "Admin Kota", agency=agency)
    assigned = stored(repo, S.IN_PROGRESS, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3E")
    with pytest.raises(ActionNotApplicable):
        followup.assign(assigned.id, "Admin Kota")


def test_an_admin_rejects_with_a_reason_and_it_is_final(repo, followup):
    report = stored(repo, S.NEEDS_REVIEW)
    with pytest.raises(ReasonRequired):
        followup.reject(report.id, "Admin Kota", "")

    after = followup.reject(report.id, "Admin Kota", "laporan palsu")

    assert (after.status, after.status_by, after.rejected_by) == (
        S.REJECTED,
        Actor.ADMIN,
        Actor.ADMIN,
    )
    assert last_event(repo, report).reason == "laporan palsu"


def test_an_admin_forwards_to_a_vertical_agency(repo, followup):
    report = stored(repo, S.NEEDS_REVIEW)
    with pytest.raises(InvalidRequest):
        followup.forward(report.id, "Admin Kota", "PUPR")

    after = followup.forward(report.id, "Admin Kota", "PLN")

    assert (after.status, after.agency) == (S.FORWARDED, "PLN")
    assert last_event(repo, report).data == {"agency": "PLN"}


def test_recategorising_a_report_for_review_routes_it(repo, followup):
    report = stored(repo, S.NEEDS_REVIEW)

    after = followup.recategorise(report.id, "Admin Kota", "listrik")

    assert (after.status, after.category, after.agency) == (S.FORWARDED, "listrik", "PLN")
    assert last_event(repo, report).data == {
        "from_category": "sampah",
        "category": "listrik",
        "from_agency": "DLH",
        "agency": "PLN",
    }


def test_recategorising_an_assigned_report_moves_it_to_another_city_agency(repo, followup, clock):
    report = stored(repo, S.ASSIGNED)
    clock.now = NOW + timedelta(hours=1)

    after = followup.recategorise(report.id, "Admin Kota", "jalan")

    assert (after.status, after.category, after.agency, after.routed_at) == (
        S.ASSIGNED,
        "jalan",
        "PUPR",
        clock.now,
    )
    event = last_event(repo, report)
    assert (event.type, event.actor_name) == (EventType.RECATEGORISED, "Admin Kota")


def test_recategorising_cannot_move_a_report_in_progress_elsewhere(repo, followup):
    report = stored(repo, S.IN_PROGRESS)
    with pytest.raises(ActionNotApplicable):
        followup.recategorise(report.id, "Admin Kota", "jalan")
    with pytest.raises(UnknownCategory):
        followup.recategorise(report.id, "Admin Kota", "nope")
    # The same agency may keep it with another of its categories.
    assert followup.recategorise(report.id, "Admin Kota", "pencemaran").category == "pencemaran"


def test_an_admin_marks_a_duplicate_of_the_primary(repo, followup):
    primary = stored(repo, S.ASSIGNED, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3F")
    dup = stored(repo, S.DUPLICATE, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3G", duplicate_of=primary.id)
    report = stored(repo, S.NEEDS_REVIEW)

    after = followup.mark_duplicate(report.id, "Admin Kota", dup.id)

    assert (after.status, after.duplicate_of) == (S.DUPLICATE, primary.id)
    with pytest.raises(InvalidRequest):
        followup.mark_duplicate(primary.id, "Admin Kota", primary.id)
    with pytest.raises(ReportNotFound):
        followup.mark_duplicate(primary.id, "Admin Kota", "01JD2Y6X3B6Q3W9Y5K8R7T4V9Z")


# -- the queries ------------------------------------------------------------------------------


def test_the_fakes_list_by_status_and_open_by_agency(repo):
    ids = [f"01JD2Y6X3B6Q3W9Y5K8R7T4V{n:02d}" for n in range(5)]
    stored(repo, S.NEEDS_REVIEW, id=ids[0], status_since=NOW)
    stored(repo, S.NEEDS_REVIEW, id=ids[1], status_since=NOW - timedelta(hours=1))
    stored(repo, S.ASSIGNED, id=ids[2])
    stored(repo, S.CLOSED, id=ids[3])
    stored(repo, S.IN_PROGRESS, id=ids[4], agency="PUPR")

    page = repo.list_by_status(S.NEEDS_REVIEW, 1, None)
    assert [r.id for r in page.reports] == [ids[1]]
    assert [r.id for r in repo.list_by_status(S.NEEDS_REVIEW, 1, page.cursor).reports] == [ids[0]]
    assert [r.id for r in repo.list_open_by_agency("DLH", 10, None).reports] == [
        ids[2],
        ids[1],
        ids[0],
    ]


@pytest.mark.parametrize("source", [S.VERIFYING, S.NEEDS_REVIEW])
def test_reject_from_every_state_that_leads_there(repo, followup, source):
    report = stored(repo, source)
    assert followup.reject(report.id, "Admin Kota", "bukan laporan").status is S.REJECTED


@pytest.mark.parametrize("source", [S.RECEIVED, S.VERIFYING, S.NEEDS_REVIEW])
def test_forward_from_every_state_an_admin_routes_from(repo, followup, source):
    report = stored(repo, source)
    assert followup.forward(report.id, "Admin Kota", "POLRES").status is S.FORWARDED


@pytest.mark.parametrize(
    "source", [S.RECEIVED, S.VERIFYING, S.NEEDS_REVIEW, S.ASSIGNED, S.IN_PROGRESS]
)
def test_mark_duplicate_from_every_state_that_leads_there(repo, followup, source):
    primary = stored(repo, S.ASSIGNED, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3H")
    report = stored(repo, source)
    after = followup.mark_duplicate(report.id, "Admin Kota", primary.id)
    assert (after.status, after.duplicate_of) == (S.DUPLICATE, primary.id)


@pytest.mark.parametrize(
    ("status", "act"),
    [
        (S.ASSIGNED, lambda f, rid: f.reject(rid, "A", "x")),
        (S.FORWARDED, lambda f, rid: f.forward(rid, "A", "PLN")),
        (S.CLOSED, lambda f, rid: f.mark_duplicate(rid, "A", "01JD2Y6X3B6Q3W9Y5K8R7T4V3H")),
        (S.RESOLVED, lambda f, rid: f.assign(rid, "A")),
        (S.CLOSED, lambda f, rid: f.recategorise(rid, "A", "jalan")),
    ],
)
def test_an_admin_action_that_no_longer_applies(repo, followup, status, act):
    stored(repo, S.ASSIGNED, id="01JD2Y6X3B6Q3W9Y5K8R7T4V3H")
    report = stored(repo, status)
    with pytest.raises(ActionNotApplicable):
        act(followup, report.id)
    assert repo.reports[report.id] == report


def test_the_composition_root_builds_followup_with_the_citys_clocks(repo, files):
    from sikemas.composition import followup_dependencies
    from sikemas.settings import Settings

    settings = Settings.from_env({"TABLE_NAME": "t", "PHOTOS_BUCKET": "b", "CITY": "kotamobagu"})
    deps = followup_dependencies(settings, repo=repo, photos=files, clock=lambda: NOW)
    report = stored(repo, S.NEEDS_REVIEW)

    after = deps.followup.assign(report.id, "Admin Kota")

    assert after.deadlines is not None  # the deadlines start when an admin routes it
    assert after.deadlines.respond_by > NOW
    assert deps.repo is repo


def test_each_routing_names_its_agency_and_a_reopen_is_no_routing(repo, followup, clock):
    from sikemas.domain.report import Privacy, file_report, routed_to

    filed = file_report(
        report_id="01JD2Y6X3B6Q3W9Y5K8R7T4R01",
        tracking_code="KTG-R00001",
        reporter_id=a_report().reporter_id,  # OWNER's
        kind=Kind.FEEDBACK,
        category=CITY.categories["jalan"],
        description="Jalan berlubang di depan sekolah.",
        location=None,
        address=None,
        privacy=Privacy.PUBLIC,
        photo_count=0,
        notify_sms=False,
        at=clock.now,
    )
    repo.create(filed, daily_limit=10, idempotency=None)
    rid = filed[-1].after.id
    followup.acknowledge(rid, "PUPR", "Budi")
    followup.hand_back(rid, "PUPR", "Budi", "Bukan urusan kami")
    followup.assign(rid, "Admin")  # an admin's re-routing, to the category's agency
    followup.recategorise(rid, "Admin", "sampah")  # assigned, moved to DLH
    followup.recategorise(rid, "Admin", "drainase")  # back to PUPR
    followup.resolve(rid, "PUPR", "Budi", "not_fixable", "Bukan jalan kota")
    followup.reopen(OWNER, rid, "Masih berlubang")  # back to PUPR: no routing
    followup.hand_back(rid, "PUPR", "Budi", "Pipa PDAM bocor")
    followup.forward(rid, "Admin", "PDAM")

    routings = [
        (e.type.value, e.to_status.value, routed_to(e)) for e in repo.timeline(rid) if routed_to(e)
    ]
    assert routings == [
        ("status", "assigned", "PUPR"),  # at filing
        ("status", "assigned", "PUPR"),
        ("recategorised", "assigned", "DLH"),
        ("recategorised", "assigned", "PUPR"),
        ("status", "forwarded", "PDAM"),
    ]
    reopened = [e for e in repo.timeline(rid) if e.from_status is S.RESOLVED]
    assert [routed_to(e) for e in reopened] == [None]
