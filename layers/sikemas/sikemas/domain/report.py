"""A report's life: its states, the whole transition graph, routing, and the timeline event
every change writes. Pure code: the adapters persist what these functions return.

Every change of a report — a move between states or a change of its facts (a photo kept, a
flag set, a deadline passed) — is a ``Transition``: the report as it was (for the conditional
write), as it becomes (its ``version`` one higher), and the ``TimelineEvent`` that records it.
The timeline is the audit trail and the outbox the notifier reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sikemas.city import Category
from sikemas.domain.calendar import Clocks, Deadlines
from sikemas.domain.photos import Decision, Photo, PhotoOutcome
from sikemas.errors import InvalidTransition


class Status(StrEnum):
    RECEIVED = "received"
    VERIFYING = "verifying"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"
    FORWARDED = "forwarded"
    ABANDONED = "abandoned"
    DUPLICATE = "duplicate"


class Kind(StrEnum):
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    FEEDBACK = "feedback"


class Privacy(StrEnum):
    PUBLIC = "public"
    ANONYMOUS = "anonymous"
    CONFIDENTIAL = "confidential"


class Actor(StrEnum):
    CITIZEN = "citizen"
    SYSTEM = "system"
    PHOTO_CHECKS = "photo_checks"
    AGENCY = "agency"
    ADMIN = "admin"


class AgencyOutcome(StrEnum):
    """How an agency ended its work on a report: a city agency resolves it (``fixed`` or
    ``not_fixable``), a vertical agency records its own outcome on a forwarded report."""

    FIXED = "fixed"
    NOT_FIXABLE = "not_fixable"
    HANDLED = "handled"
    NOT_THEIRS = "not_theirs"


RESOLUTION_OUTCOMES = frozenset({AgencyOutcome.FIXED, AgencyOutcome.NOT_FIXABLE})
VERTICAL_OUTCOMES = frozenset(
    {AgencyOutcome.HANDLED, AgencyOutcome.NOT_THEIRS, AgencyOutcome.NOT_FIXABLE}
)
# Outcomes that need a reason (an officer says why it cannot be fixed).
OUTCOMES_NEEDING_REASON = frozenset({AgencyOutcome.NOT_FIXABLE})


class EventType(StrEnum):
    """What a timeline event records."""

    STATUS = "status"  # the report moved between states
    PHOTO = "photo"  # a photo was checked and kept, the state unchanged
    PHOTO_SUPERSEDED = "photo_superseded"  # an older upload arrived after a newer one
    FLAGGED = "flagged"  # marked suspicious (a photo was taken outside the city)
    HIDDEN = "hidden"  # an admin hid the report from the public
    PRIVACY = "privacy"  # the report's privacy changed
    AFTER_PHOTO = "after_photo"  # an agency's "after" photo was checked and kept
    RECATEGORISED = "recategorised"  # an admin changed the category (and maybe the agency)
    REDACTED = "redacted"  # an admin replaced the report's public text (description, address)
    REMINDER = "reminder"  # the watcher reminded the agency: 75 % of the response clock passed
    OVERDUE = "overdue"  # the watcher flagged a passed clock and escalated (agency + admins)


S = Status
# The whole graph (ARCHITECTURE.md, "The report's life"): no other transition is possible.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.VERIFYING, S.ASSIGNED, S.FORWARDED, S.ABANDONED, S.DUPLICATE}),
    S.VERIFYING: frozenset({S.ASSIGNED, S.FORWARDED, S.REJECTED, S.NEEDS_REVIEW, S.DUPLICATE}),
    S.REJECTED: frozenset({S.VERIFYING}),
    S.NEEDS_REVIEW: frozenset({S.ASSIGNED, S.FORWARDED, S.REJECTED, S.DUPLICATE}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.NEEDS_REVIEW, S.RESOLVED, S.DUPLICATE}),
    S.IN_PROGRESS: frozenset({S.NEEDS_REVIEW, S.RESOLVED, S.DUPLICATE}),
    S.RESOLVED: frozenset({S.ASSIGNED, S.CLOSED}),
    S.FORWARDED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.ABANDONED: frozenset(),
    S.DUPLICATE: frozenset(),
}
# States whose report is visible to the public (unless confidential or hidden).
PUBLIC_STATES = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED, S.FORWARDED})
# States an agency still has work in: listed in its inbox (index ByAgency).
ROUTED_STATES = frozenset({S.ASSIGNED, S.FORWARDED})
OPEN_STATES = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.FORWARDED, S.NEEDS_REVIEW})
# States in which the photo checks may still decide the report (with ``status_by`` the checks).
_PHOTO_DECIDED = frozenset({S.REJECTED, S.NEEDS_REVIEW})


@dataclass(frozen=True)
class Location:
    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class Report:
    id: str
    tracking_code: str
    reporter_id: str
    kind: Kind
    category: str
    agency: str
    description: str
    location: Location | None
    address: str | None
    privacy: Privacy
    photo_count: int
    notify_sms: bool
    status: Status
    version: int  # bumped by every change; the conditional write expects it
    created_at: datetime
    updated_at: datetime
    status_since: datetime  # when it entered its current status
    status_by: Actor = Actor.CITIZEN  # who put it in its current status
    duplicate_of: str | None = None  # the primary report, once an admin links a duplicate
    photos: tuple[Photo, ...] = ()
    suspicious: bool = False  # a photo was taken outside the city: a flag for the admins
    subdistrict: Mapping[str, str] | None = None  # kelurahan/desa and kecamatan, when known
    routed_at: datetime | None = None  # when it was last assigned or forwarded
    hidden: bool = False  # hidden from the public by an admin
    deadlines: Deadlines | None = None  # the two clocks once routed to a city agency
    # The follow-up (issue 8): how the agency ended its work, who said so, and the citizen's say.
    outcome: AgencyOutcome | None = (
        None  # set on resolved (fixed/not_fixable) or a vertical's close
    )
    outcome_reason: str | None = None
    outcome_reference: str | None = None  # a vertical agency's own reference number
    outcome_by: str | None = None  # the officer (or admin) who recorded the outcome
    resolved_at: datetime | None = None  # when it was last resolved (the reopen window's start)
    reopened: int = 0  # times its owner reopened it
    confirmed_by_citizen: bool = False  # its owner confirmed the fix (closed at once)
    after_photos: tuple[Photo, ...] = ()  # the agency's "after" photos, checked near the place
    # The watcher's flags (issue 9 §2): the deadline each was raised for, so a moved clock
    # (a pause, a reopen) may be flagged again and the same clock never twice.
    reminded_for: datetime | None = None  # the respond_by reminded at 75 %
    overdue_response_for: datetime | None = None  # the respond_by flagged overdue (escalated)
    overdue_resolution_for: datetime | None = None  # the resolve_by flagged overdue (escalated)

    @property
    def is_public(self) -> bool:
        """Anyone may read it: routed, not confidential, not hidden."""
        return (
            self.status in PUBLIC_STATES
            and self.privacy is not Privacy.CONFIDENTIAL
            and not self.hidden
        )

    @property
    def public_copies_allowed(self) -> bool:
        """Its photos may have copies under ``public/`` (else private copies only)."""
        return self.privacy is not Privacy.CONFIDENTIAL and not self.hidden

    @property
    def accepted_after_photos(self) -> tuple[Photo, ...]:
        return tuple(p for p in self.after_photos if p.outcome is PhotoOutcome.ACCEPTED)

    @property
    def rejected_by(self) -> Actor | None:
        return self.status_by if self.status is Status.REJECTED else None


@dataclass(frozen=True)
class TimelineEvent:
    report_id: str
    seq: int  # the report's version after the change: unique and ordered per report
    at: datetime
    type: EventType
    actor: Actor
    from_status: Status | None
    to_status: Status
    note: str | None = None
    reason: str | None = None
    actor_name: str | None = None  # the officer or admin who acted, as they gave it
    data: Mapping[str, Any] = field(default_factory=dict)  # small facts of the change

    @property
    def id(self) -> str:
        """Unique across the table: what the notifier suppresses duplicates by."""
        return f"{self.report_id}:{self.seq}"


@dataclass(frozen=True)
class Transition:
    """The report as it was (for the conditional write), as it becomes, and the event."""

    before: Report | None
    after: Report
    event: TimelineEvent


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def needs_photo(kind: Kind, category: Category) -> bool:
    """A complaint in a photo category waits for its photo; suggestions and feedback never do."""
    return kind is Kind.COMPLAINT and category.requires_photo


def may_take_photo(report: Report) -> bool:
    """A citizen may upload a photo while the report waits for its first one, or while the
    photo checks (not an admin, not an agency) hold it in ``rejected`` or ``needs_review``."""
    return report.status is Status.RECEIVED or (
        report.status in _PHOTO_DECIDED and report.status_by is Actor.PHOTO_CHECKS
    )


def routed_status(category: Category) -> Status:
    """Routing is a pure function of the category: a city agency is assigned, a vertical
    agency (PDAM, PLN, police) is forwarded and counted apart from the city's backlog."""
    return Status.ASSIGNED if category.agency.jurisdiction == "city" else Status.FORWARDED


def routed_to(event: TimelineEvent) -> str | None:
    """The agency a timeline event routes its report to, else None: a first routing (at
    filing, by the photo checks, by an admin) and a re-routing by an admin (after a hand-back,
    or a new category of another agency); a reopen (resolved -> assigned) goes back to the
    agency that had it, no routing. The agency is the one the event names (``transition``
    writes it on every routing)."""
    data = event.data or {}
    agency = data.get("agency")
    if event.type is EventType.STATUS:
        routed = event.to_status in ROUTED_STATES and event.from_status is not S.RESOLVED
    else:
        routed = event.type is EventType.RECATEGORISED and agency != data.get("from_agency")
    return str(agency) if routed and agency else None


def decided_status(decision: Decision, category: Category) -> Status:
    """The status the photo checks give a report, from what its photos decided: an explicit
    map, not two enums that happen to share strings."""
    return {
        Decision.ROUTE: routed_status(category),
        Decision.NEEDS_REVIEW: Status.NEEDS_REVIEW,
        Decision.REJECT: Status.REJECTED,
    }[decision]


def transition(
    report: Report,
    target: Status,
    *,
    at: datetime,
    actor: Actor,
    note: str | None = None,
    reason: str | None = None,
    actor_name: str | None = None,
    data: Mapping[str, Any] | None = None,
    duplicate_of: str | None = None,
    clocks: Clocks | None = None,
    **changes: Any,
) -> Transition:
    """Apply one edge of the graph, or raise ``InvalidTransition``. ``changes`` are other
    fields of the report that change with it (photos, subdistrict …). With ``clocks`` the
    report's deadlines move with the edge (``sikemas.domain.calendar.on_transition``)."""
    if not can_transition(report.status, target):
        raise InvalidTransition(details=[{"from": report.status.value, "to": target.value}])
    if (
        report.status is Status.REJECTED
        and target is Status.VERIFYING
        and report.status_by is not Actor.PHOTO_CHECKS
    ):
        raise InvalidTransition(
            message_id="Penolakan oleh admin bersifat final.",
            message_en="A rejection by an admin is final.",
            details=[{"from": report.status.value, "to": target.value}],
        )
    if target is Status.DUPLICATE and not duplicate_of:
        raise InvalidTransition(
            message_id="Duplikat harus menunjuk laporan utamanya.",
            message_en="A duplicate must name its primary report.",
        )
    if target in ROUTED_STATES:
        changes.setdefault("routed_at", at)
        # The event names the agency it routes to (``routed_to``: the ReportRouted metric).
        data = {"agency": changes.get("agency", report.agency), **(data or {})}
    if clocks is not None:
        agency = changes.get("agency", report.agency)
        changes["deadlines"] = clocks.after(
            report.deadlines,
            changes.get("category", report.category),
            report.status.value,
            target.value,
            at,
            agency_changed=agency != report.agency,
        )
    return _change(
        report,
        EventType.STATUS,
        at=at,
        actor=actor,
        note=note,
        reason=reason,
        actor_name=actor_name,
        data=data,
        status=target,
        status_since=at,
        status_by=actor,
        duplicate_of=duplicate_of if target is Status.DUPLICATE else report.duplicate_of,
        **changes,
    )


def amend(
    report: Report,
    type: EventType,
    *,
    at: datetime,
    actor: Actor,
    note: str | None = None,
    reason: str | None = None,
    actor_name: str | None = None,
    data: Mapping[str, Any] | None = None,
    **changes: Any,
) -> Transition:
    """A change of the report's facts that leaves its state as it is (a photo kept, a flag),
    recorded on the timeline like every change."""
    if type is EventType.STATUS or "status" in changes:
        raise ValueError("a change of state is a transition()")
    return _change(
        report,
        type,
        at=at,
        actor=actor,
        note=note,
        reason=reason,
        actor_name=actor_name,
        data=data,
        **changes,
    )


def _change(
    report: Report,
    type: EventType,
    *,
    at: datetime,
    actor: Actor,
    note: str | None,
    reason: str | None,
    actor_name: str | None,
    data: Mapping[str, Any] | None,
    **changes: Any,
) -> Transition:
    after = replace(report, version=report.version + 1, updated_at=at, **changes)
    event = TimelineEvent(
        report_id=report.id,
        seq=after.version,
        at=at,
        type=type,
        actor=actor,
        from_status=report.status,
        to_status=after.status,
        note=note,
        reason=reason,
        actor_name=actor_name,
        data=dict(data or {}),
    )
    return Transition(before=report, after=after, event=event)


def file_report(
    *,
    report_id: str,
    tracking_code: str,
    reporter_id: str,
    kind: Kind,
    category: Category,
    description: str,
    location: Location | None,
    address: str | None,
    privacy: Privacy,
    photo_count: int,
    notify_sms: bool,
    at: datetime,
    subdistrict: Mapping[str, str] | None = None,
    clocks: Clocks | None = None,
) -> list[Transition]:
    """A new report, as the transitions that create it: it is received, and — when it waits
    for no photo — routed at once (photos sent along are still checked)."""
    report = Report(
        id=report_id,
        tracking_code=tracking_code,
        reporter_id=reporter_id,
        kind=kind,
        category=category.code,
        agency=category.agency.code,
        description=description,
        location=location,
        address=address,
        privacy=privacy,
        photo_count=photo_count,
        notify_sms=notify_sms,
        status=Status.RECEIVED,
        version=1,
        created_at=at,
        updated_at=at,
        status_since=at,
        subdistrict=subdistrict,
    )
    received = Transition(
        before=None,
        after=report,
        event=TimelineEvent(
            report_id=report.id,
            seq=1,
            at=at,
            type=EventType.STATUS,
            actor=Actor.CITIZEN,
            from_status=None,
            to_status=Status.RECEIVED,
        ),
    )
    if needs_photo(kind, category):
        return [received]
    routed = transition(report, routed_status(category), at=at, actor=Actor.SYSTEM, clocks=clocks)
    return [received, routed]
