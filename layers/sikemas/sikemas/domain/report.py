"""A report's life: its states, the whole transition graph, routing, and the timeline event each
transition writes. Pure code: the adapters persist what these functions return.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sikemas.city import Category
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
# States a citizen may upload a photo in: waiting for the first photo, or after the photo
# checks (not an admin) rejected the report.
UPLOAD_STATES = frozenset({S.RECEIVED, S.REJECTED})
# States whose report is visible to the public (unless confidential).
PUBLIC_STATES = frozenset({S.ASSIGNED, S.IN_PROGRESS, S.RESOLVED, S.CLOSED, S.FORWARDED})


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
    version: int  # bumped by every transition; the conditional write expects it
    created_at: datetime
    updated_at: datetime
    rejected_by: Actor | None = None  # who rejected it: photo checks (appealable) or an admin
    duplicate_of: str | None = None  # the primary report, once an admin links a duplicate
    photos: dict[int, dict[str, Any]] = field(default_factory=dict)  # slot -> what landed there
    suspicious: bool = False  # a later photo was taken outside the city: a flag for the admins
    subdistrict: dict[str, str] | None = None  # kelurahan/desa and kecamatan, when known


@dataclass(frozen=True)
class TimelineEvent:
    report_id: str
    seq: int  # the report's version after the transition: unique and ordered per report
    at: datetime
    actor: Actor
    from_status: Status | None
    to_status: Status
    note: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Transition:
    """The report as it was (for the conditional write), as it becomes, and the event."""

    before: Report | None
    after: Report
    event: TimelineEvent


def can_transition(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


def route(category: Category) -> Status:
    """Routing is a pure function of the category: a city agency is assigned, a vertical
    agency (PDAM, PLN, police) is forwarded and counted apart from the city's backlog."""
    return Status.ASSIGNED if category.agency.jurisdiction == "city" else Status.FORWARDED


def transition(
    report: Report,
    target: Status,
    *,
    at: datetime,
    actor: Actor,
    note: str | None = None,
    reason: str | None = None,
    duplicate_of: str | None = None,
    **changes: Any,
) -> Transition:
    """Apply one edge of the graph, or raise ``InvalidTransition``. ``changes`` are other
    fields of the report that change with it (photos, subdistrict)."""
    if not can_transition(report.status, target):
        raise InvalidTransition(
            details=[{"from": report.status.value, "to": target.value}],
        )
    if (
        report.status is Status.REJECTED
        and target is Status.VERIFYING
        and report.rejected_by is not Actor.PHOTO_CHECKS
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
    after = replace(
        report,
        status=target,
        version=report.version + 1,
        updated_at=at,
        rejected_by=actor if target is Status.REJECTED else None,
        duplicate_of=duplicate_of if target is Status.DUPLICATE else report.duplicate_of,
        **changes,
    )
    event = TimelineEvent(
        report_id=report.id,
        seq=after.version,
        at=at,
        actor=actor,
        from_status=report.status,
        to_status=target,
        note=note,
        reason=reason,
    )
    return Transition(before=report, after=after, event=event)


def receive(report: Report) -> Transition:
    """The first event of every report: it exists, in ``received``."""
    if report.status is not Status.RECEIVED or report.version != 1:
        raise ValueError("a new report starts in received at version 1")
    event = TimelineEvent(
        report_id=report.id,
        seq=1,
        at=report.created_at,
        actor=Actor.CITIZEN,
        from_status=None,
        to_status=Status.RECEIVED,
    )
    return Transition(before=None, after=report, event=event)
