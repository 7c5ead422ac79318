"""The counters equal a recount from the reports (property-based), in DynamoDB (moto): after a
random sequence of filings (located in a kelurahan or not, or located by their photo's place
when routed), photo decisions, agency, citizen and admin actions, overdue marks, redeliveries
of a transition already written and two officers acting at once, every counter row read back
for the period — per agency, per category and per agency and kelurahan — equals what the
stored reports and their timelines say."""

from __future__ import annotations

import contextlib
import itertools
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.city import load_city
from sikemas.city_calendar import LazyCalendar
from sikemas.domain.calendar import Clocks
from sikemas.domain.counters import bucket_name
from sikemas.domain.report import (
    Actor,
    EventType,
    Kind,
    Privacy,
    Status,
    Transition,
    amend,
    file_report,
    transition,
)
from sikemas.errors import ConcurrentUpdate, SikemasError
from sikemas.usecases.followup import FollowUp
from sikemas.usecases.intake import Citizen
from sikemas_local.resources import table_shape
from sikemas_local.template import load_template
from tests.fakes import FakePhotoStore

ROOT = Path(__file__).resolve().parents[2]
CITY = load_city(ROOT / "cities" / "kotamobagu")
TZ = CITY.timezone
CLOCKS = Clocks(CITY.categories, LazyCalendar(CITY, ROOT / "cities" / "kotamobagu"))
START = datetime(2026, 10, 29, 1, 0, tzinfo=UTC)
CATEGORIES = ["sekolah", "perizinan", "jalan", "air_bersih", "listrik"]
# Where a filing is: nowhere (0), in one of two kelurahan (1, 2), or found by the photo
# checks when they route it (3).
PLACES = {
    1: {"desa": "Biga", "desa_code": "71.74.01.1005", "kecamatan": "Kotamobagu Utara"},
    2: {"desa": "Mogolaing", "desa_code": "71.74.04.1003", "kecamatan": "Kotamobagu Barat"},
    3: {"desa": "Gogagoman", "desa_code": "71.74.04.1004", "kecamatan": "Kotamobagu Barat"},
}
S = Status
_tables = itertools.count()
# The clocks each stored event found on its report (the history the timeline does not keep).
CLOCKS_BEFORE: dict[tuple[str, int], Any] = {}


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


class Recording:
    """The repository, remembering each report's last write (to send it again), and running a
    second officer's action just before the next write when one is pending."""

    def __init__(self, repo: DynamoReportRepository, last: dict[str, tuple[Transition, ...]]):
        self.repo = repo
        self.last = last
        self.pending: list[Any] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.repo, name)

    def apply(self, *transitions: Transition) -> None:
        while self.pending:
            self.pending.pop()()
        self.repo.apply(*transitions)
        self.last[transitions[0].after.id] = transitions
        for t in transitions:
            CLOCKS_BEFORE[(t.after.id, t.event.seq)] = t.before.deadlines if t.before else None


ACTIONS = [
    "ack",
    "fixed",
    "not_fixable",
    "hand_back",
    "reopen",
    "confirm",
    "handled",
    "not_theirs",
    "assign",
    "forward",
    "reject",
    "duplicate",
    "overdue",
    "redeliver",
    "race",
]
# Where each action applies (an action is aimed there three times in four, anywhere else once).
APPLIES: dict[str, frozenset[Status]] = {
    "ack": frozenset({S.ASSIGNED}),
    "fixed": frozenset({S.ASSIGNED, S.IN_PROGRESS}),
    "not_fixable": frozenset({S.ASSIGNED, S.IN_PROGRESS}),
    "hand_back": frozenset({S.ASSIGNED, S.IN_PROGRESS}),
    "reopen": frozenset({S.RESOLVED}),
    "confirm": frozenset({S.RESOLVED}),
    "handled": frozenset({S.FORWARDED}),
    "not_theirs": frozenset({S.FORWARDED}),
    "assign": frozenset({S.NEEDS_REVIEW}),
    "forward": frozenset({S.NEEDS_REVIEW}),
    "reject": frozenset({S.NEEDS_REVIEW}),
    "duplicate": frozenset({S.ASSIGNED, S.NEEDS_REVIEW, S.RECEIVED}),
    "race": frozenset({S.ASSIGNED}),
}
OPS = st.one_of(
    st.tuples(
        st.just("file"),
        st.integers(0, 4),
        st.sampled_from(list(Kind)),
        st.integers(0, 2),
        st.integers(0, 3),
    ),
    st.tuples(st.sampled_from(ACTIONS), st.integers(0, 30), st.integers(0, 30), st.integers(0, 3)),
)
STEPS = st.lists(st.tuples(OPS, st.integers(0, 60)), min_size=1, max_size=40)


TABLE_SHAPE = table_shape(load_template())


@pytest.fixture
def make_repo(dynamodb):
    def make() -> DynamoReportRepository:
        name = f"stats-{next(_tables)}"
        dynamodb.create_table(TableName=name, **TABLE_SHAPE)  # the template's keys, indexes
        return DynamoReportRepository(dynamodb, name, TZ, sleep=lambda _: None)

    return make


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=STEPS)
# Always tried: located reports, one marked a duplicate, one handed back and forwarded to PDAM
# (its kelurahan row moves to the new agency), one located by its photo when routed.
@example(
    steps=[
        (("file", 2, Kind.FEEDBACK, 0, 1), 0),
        (("file", 2, Kind.FEEDBACK, 0, 2), 1),
        (("file", 2, Kind.COMPLAINT, 0, 3), 1),
        (("duplicate", 1, 0, 1), 1),
        (("hand_back", 0, 0, 1), 1),
        (("forward", 0, 0, 1), 1),
    ]
)
def test_the_counters_equal_a_recount_from_the_reports(make_repo, steps):
    repo = make_repo()
    last: dict[str, tuple[Transition, ...]] = {}
    racing = Recording(repo, last)
    clock = Clock()
    CLOCKS_BEFORE.clear()
    # As the composition root builds it: the deadlines move with every transition.
    followup = FollowUp(racing, CITY, clock, FakePhotoStore(), clocks=CLOCKS)
    other = FollowUp(Recording(repo, last), CITY, clock, FakePhotoStore(), clocks=CLOCKS)
    ids: list[str] = []

    def pick(i: int) -> str | None:
        return ids[i % len(ids)] if ids else None

    for (op, *args), hours in steps:
        clock.now += timedelta(hours=hours)
        if op == "file":
            n = len(ids)
            reporter = repo.reporter_id_for(f"sub-{n}", None, clock.now)
            t = _file(n, CATEGORIES[args[0]], args[1], args[2], clock.now, reporter, args[3])
            repo.create(t, daily_limit=1000, idempotency=None)
            ids.append(t[-1].after.id)
            last[t[-1].after.id] = tuple(t)
            continue
        states = APPLIES.get(op)
        aimed = [i for i in ids if states and args[2] and _status(repo, i) in states]
        rid = aimed[args[0] % len(aimed)] if aimed else pick(args[0])
        if rid is None:
            continue
        before = repo.get(rid)
        assert before is not None
        citizen = Citizen(subject=f"sub-{ids.index(rid)}", phone=None)
        # An action no longer applicable must have written nothing.
        with contextlib.suppress(SikemasError, ConcurrentUpdate):
            _act(op, args, rid, before, followup, other, racing, last, clock, citizen, pick)

    first, end = START.astimezone(TZ).date(), clock.now.astimezone(TZ).date()
    stored = {
        (r.day, r.dimension.value, r.value): {
            k: v for k, v in r.fields.items() if v and "entered_" not in k
        }
        for r in repo.counter_rows(first, end)
    }
    assert {k: v for k, v in stored.items() if v} == _recount(repo, ids)


def _resend(repo: DynamoReportRepository, again: tuple[Transition, ...]) -> None:
    if again[0].before is None:  # its filing
        repo.create(again, daily_limit=1000, idempotency=None)
    else:
        repo.apply(*again)


def _status(repo: DynamoReportRepository, rid: str) -> Status | None:
    report = repo.get(rid)
    return report.status if report else None


def _act(op, args, rid, before, followup, other, racing, last, clock, citizen, pick) -> None:
    agency = before.agency
    if op == "ack":
        followup.acknowledge(rid, agency, "Budi")
    elif op in ("fixed", "not_fixable"):
        followup.resolve(rid, agency, "Budi", op, "Di luar kewenangan" if args[2] % 2 else "x")
    elif op == "hand_back":
        followup.hand_back(rid, agency, "Budi", "Bukan urusan kami")
    elif op == "reopen":
        followup.reopen(citizen, rid, "Belum beres")
    elif op == "confirm":
        followup.confirm(citizen, rid)
    elif op in ("handled", "not_theirs"):
        followup.record_vertical_outcome(rid, agency, "Sari", op, "REF-1")
    elif op == "assign":
        followup.assign(rid, "Admin")
    elif op == "forward":
        followup.forward(rid, "Admin", "PDAM" if args[2] % 2 else "PLN")
    elif op == "reject":
        followup.reject(rid, "Admin", "Laporan palsu")
    elif op == "duplicate":
        followup.mark_duplicate(rid, "Admin", pick(args[1]))
    elif op == "overdue":
        racing.apply(amend(before, EventType.OVERDUE, at=clock.now, actor=Actor.SYSTEM))
    elif op == "redeliver":  # the same transition again: refused, nothing counted twice
        with pytest.raises(ConcurrentUpdate):
            _resend(racing.repo, last[rid])
    elif op == "race":  # two officers of the agency act on the same report at once
        racing.pending.append(lambda: other.acknowledge(rid, agency, "Tono"))
        try:
            followup.resolve(rid, agency, "Budi", "not_fixable", "Bukan jalan kota")
        finally:
            racing.pending.clear()


def _file(
    n: int, code: str, kind: Kind, path: int, at: datetime, reporter: str = "P", place: int = 0
) -> list[Transition]:
    """A new report: routed at once (0), or through the photo checks to review (1) or
    rejected (2); a complaint in a photo category goes through the checks in any case. Its
    kelurahan (``PLACES``) is known at filing (1, 2), or found when the checks route it (3)."""
    category = CITY.categories[code]
    transitions = file_report(
        report_id=f"01JD2Y6X3B6Q3W9Y5K8R7T{n:04d}",
        tracking_code=f"KTG-{n:06d}",
        reporter_id=reporter,
        kind=kind,
        category=category,
        description="x",
        location=None,
        address=None,
        privacy=Privacy.PUBLIC,
        photo_count=1,
        notify_sms=False,
        at=at,
        subdistrict=PLACES[place] if place in (1, 2) else None,
        clocks=CLOCKS,
    )
    report = transitions[-1].after
    if report.status is not S.RECEIVED and path == 0:
        return transitions
    if report.status is not S.RECEIVED:  # routed at filing: take only the received one
        transitions = transitions[:1]
        report = transitions[0].after
    verifying = transition(report, S.VERIFYING, at=at, actor=Actor.PHOTO_CHECKS)
    target = {0: None, 1: S.NEEDS_REVIEW, 2: S.REJECTED}[path]
    if target is None:
        target = S.ASSIGNED if category.agency.jurisdiction == "city" else S.FORWARDED
    reason = "too_small,not_an_image" if target is S.REJECTED else None
    found = PLACES[3] if place == 3 and target in (S.ASSIGNED, S.FORWARDED) else None
    decided = transition(
        verifying.after,
        target,
        at=at,
        actor=Actor.PHOTO_CHECKS,
        reason=reason,
        clocks=CLOCKS,
        **({"subdistrict": found} if found else {}),
    )
    return [*transitions, verifying, decided]


def _recount(repo: DynamoReportRepository, ids: list[str]) -> dict[tuple[date, str, str], Any]:
    """What the counters must say, from the reports as stored and their timelines alone."""
    counts: dict[tuple[date, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(day: date, agency: str, category: str, name: str, dims=("agency", "category")):
        if "agency" in dims:
            counts[(day, "agency", agency)][name] += 1
        if "category" in dims:
            counts[(day, "category", category)][name] += 1

    for rid in ids:
        report = repo.get(rid)
        assert report is not None
        created = report.created_at.astimezone(TZ).date()
        # where it is now, on the day it was received
        add(created, report.agency, report.category, f"state_{report.status.value}")
        if report.status is not S.DUPLICATE:
            add(created, report.agency, report.category, "received")
            add(
                created,
                report.agency,
                report.category,
                f"received_{report.kind.value}",
                ("agency",),
            )
            # the kelurahan it was located in, under the agency it is with now
            if report.subdistrict:
                desa = f"desa_{report.subdistrict['desa_code']}"
                counts[(created, "agency", report.agency)][desa] += 1
        # what happened, on the day it happened, to the agency it was with
        agency = CITY.categories[report.category].agency.code
        routed_at: datetime | None = None
        previous: Status | None = None
        for e in repo.timeline(rid):
            agency = str(e.data.get("agency", agency)) if e.data else agency
            day = e.at.astimezone(TZ).date()

            def both(
                name: str, day: date = day, agency: str = agency, category: str = report.category
            ) -> None:
                add(day, agency, category, name)

            if e.type is EventType.OVERDUE:
                both("overdue")
            if e.type is not EventType.STATUS:
                continue
            to, source = e.to_status, e.from_status
            # The clocks the report had when this happened (filings started them; see below).
            clocks = CLOCKS_BEFORE.get((rid, e.seq))
            # A response: the agency first takes up the report it was given (acknowledging or
            # resolving it); later exits from assigned (after a reopen) are no new response.
            first = clocks is None or clocks.responded_at is None
            if source is S.ASSIGNED and to in (S.IN_PROGRESS, S.RESOLVED) and routed_at and first:
                if clocks is not None:
                    both("responded_timed")
                    if e.at <= clocks.respond_by:
                        both("responded_on_time")
                both(f"response_h_{bucket_name((e.at - routed_at).total_seconds() / 3600)}")
            if to is S.RESOLVED and routed_at:
                both(f"resolved_{e.data['outcome']}")
                if clocks is not None:
                    both("resolved_timed")
                    if e.at <= clocks.resolve_by:
                        both("resolved_on_time")
                both(f"resolution_h_{bucket_name((e.at - routed_at).total_seconds() / 3600)}")
            if to in (S.ASSIGNED, S.FORWARDED):
                routed_at = e.at
                if source is S.RESOLVED:
                    both("reopened")
                else:
                    both("routed")
                    if to is S.FORWARDED:
                        both("forwarded")
            if to is S.CLOSED:
                both("closed")
                if source is S.FORWARDED:
                    both(f"vertical_{e.data['outcome']}")
            if to is S.REJECTED:
                both("rejected")
                if e.actor is Actor.ADMIN:
                    both("rejected_admin")
                else:
                    for code in sorted(set((e.reason or "").split(","))):
                        both(f"rejected_{code}")
            previous = to
        assert previous is report.status
    return {k: dict(v) for k, v in counts.items() if any(v.values())}


def test_a_period_is_read_with_one_query_per_month_whatever_the_reports(make_repo, dynamodb):
    repo = make_repo()
    clock = Clock()
    for n in range(30):
        t = _file(n, CATEGORIES[n % 5], Kind.FEEDBACK, 0, clock.now)
        repo.create(t, daily_limit=1000, idempotency=None)
        clock.now += timedelta(days=3)
    calls: list[str] = []
    dynamodb.meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )

    rows = repo.counter_rows(date(2026, 10, 29), date(2027, 1, 26))  # 90 days: 4 months

    assert calls == ["Query"] * 4
    assert sum(r.fields.get("received", 0) for r in rows if r.dimension.value == "agency") == 30
    first = repo.counter_rows(date(2026, 11, 1), date(2026, 11, 1))
    assert {r.day for r in first} == {date(2026, 11, 1)}


def test_a_fresh_table_has_the_keys_and_indexes_of_the_stacks(stack, dynamodb):
    """The property test's (and the benches') tables are shaped as the template's table."""
    provisioned = dynamodb.describe_table(TableName=stack.ref("Table"))["Table"]
    dynamodb.create_table(TableName="fresh", **TABLE_SHAPE)
    fresh = dynamodb.describe_table(TableName="fresh")["Table"]

    assert fresh["KeySchema"] == provisioned["KeySchema"]
    indexes = {i["IndexName"]: i["KeySchema"] for i in provisioned["GlobalSecondaryIndexes"]}
    assert {i["IndexName"]: i["KeySchema"] for i in fresh["GlobalSecondaryIndexes"]} == indexes
    assert {"ByStatus", "ByDue", "ByCell"} <= set(indexes)
