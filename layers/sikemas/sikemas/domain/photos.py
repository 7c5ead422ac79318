"""A report's photos: what landed in each slot, what the checks found, which copies were made,
and how the set of photos decides a report's fate. Pure.

Each upload is a ``Photo`` record, kept on the report with a ``state``:

``current``
    the photo that speaks for its slot while the report waits for photos;
``replaced``
    an earlier upload to the slot, replaced by a newer one while the report could take photos;
``superseded``
    an upload that arrived after a newer version of the same slot had already been checked (S3
    events come in no order): recorded, never judged, never shown;
``late``
    a photo that landed after the report was routed: checked and kept beside the current ones,
    never replacing them (one taken outside the city flags the report).

The report's fate follows from the verdicts of its current photos, never from their arrival
order (``decide``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from sikemas.domain.reasons import CheckName, Reason

# At most this many photo records are kept on a report (an item holds 400 KB): past it, the
# oldest replaced or superseded records are dropped (their copies were deleted when replaced).
MAX_PHOTO_RECORDS: Final = 20


class PhotoOutcome(StrEnum):
    ACCEPTED = "accepted"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"
    CHECK_FAILED = "check_failed"  # the check crashed every time: an admin decides


class PhotoState(StrEnum):
    CURRENT = "current"
    REPLACED = "replaced"
    SUPERSEDED = "superseded"
    LATE = "late"


class Decision(StrEnum):
    """What a report's current photos say about it."""

    ROUTE = "route"
    NEEDS_REVIEW = "needs_review"
    REJECT = "reject"


@dataclass(frozen=True)
class GpsPoint:
    lat: float
    lon: float
    alt: float | None = None


@dataclass(frozen=True)
class CheckResult:
    name: CheckName
    passed: bool | None  # None: not judged (``reason`` says why)
    reason: Reason | None


@dataclass(frozen=True)
class Findings:
    """What the checks read from a photo and what they decided."""

    type: str | None
    gps: GpsPoint | None
    taken_at: datetime | None
    taken_at_source: str | None
    checks: tuple[CheckResult, ...]
    outcome: PhotoOutcome
    distance_outside_m: float | None = None
    distance_to_claim_m: float | None = None

    @property
    def reasons(self) -> list[Reason]:
        """Reason codes of the failed checks, in check order."""
        return [c.reason for c in self.checks if c.passed is False and c.reason is not None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "gps": (
                None
                if self.gps is None
                else {"lat": self.gps.lat, "lon": self.gps.lon, "alt": self.gps.alt}
            ),
            "taken_at": None if self.taken_at is None else self.taken_at.isoformat(),
            "taken_at_source": self.taken_at_source,
            "checks": [
                {
                    "name": c.name.value,
                    "passed": c.passed,
                    "reason": None if c.reason is None else c.reason.value,
                }
                for c in self.checks
            ],
            "outcome": self.outcome.value,
            "reasons": [r.value for r in self.reasons],
            "distance_outside_m": self.distance_outside_m,
            "distance_to_claim_m": self.distance_to_claim_m,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Findings:
        gps = d.get("gps")
        return cls(
            type=d.get("type"),
            gps=(
                None
                if not gps
                else GpsPoint(float(gps["lat"]), float(gps["lon"]), _float(gps.get("alt")))
            ),
            taken_at=_time(d.get("taken_at")),
            taken_at_source=d.get("taken_at_source"),
            checks=tuple(
                CheckResult(
                    CheckName(c["name"]),
                    c.get("passed"),
                    None if c.get("reason") is None else Reason(c["reason"]),
                )
                for c in d.get("checks", [])
            ),
            outcome=PhotoOutcome(d["outcome"]),
            distance_outside_m=_float(d.get("distance_outside_m")),
            distance_to_claim_m=_float(d.get("distance_to_claim_m")),
        )


def check_failed_findings() -> Findings:
    """The findings of a photo whose check never completed."""
    return Findings(
        type=None,
        gps=None,
        taken_at=None,
        taken_at_source=None,
        checks=(CheckResult(CheckName.IMAGE, False, Reason.CHECK_FAILED),),
        outcome=PhotoOutcome.CHECK_FAILED,
    )


@dataclass(frozen=True)
class Copies:
    """The metadata-free copies of a photo: under ``public/`` (served by the CDN) or, for a
    confidential report, under ``private/`` (shown to its owner through short-lived links)."""

    image_key: str
    thumbnail_key: str
    private: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "image_key": self.image_key,
            "thumbnail_key": self.thumbnail_key,
            "private": self.private,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Copies:
        return cls(d["image_key"], d["thumbnail_key"], bool(d["private"]))


@dataclass(frozen=True)
class Photo:
    slot: int
    version: str  # the S3 object version id (else its ETag): what makes a delivery a duplicate
    order: str  # S3's sequencer for the key (hex): orders the uploads to one slot
    size: int
    received_at: datetime
    state: PhotoState = PhotoState.CURRENT
    findings: Findings | None = None  # None while the checks run
    copies: Copies | None = None

    @property
    def outcome(self) -> PhotoOutcome | None:
        return None if self.findings is None else self.findings.outcome

    @property
    def taken_outside_city(self) -> bool:
        return self.findings is not None and Reason.OUTSIDE_CITY in self.findings.reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "slot": self.slot,
            "version": self.version,
            "order": self.order,
            "size": self.size,
            "received_at": self.received_at.isoformat(),
            "state": self.state.value,
            "findings": None if self.findings is None else self.findings.to_dict(),
            "copies": None if self.copies is None else self.copies.to_dict(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Photo:
        return cls(
            slot=int(d["slot"]),
            version=d["version"],
            order=d["order"],
            size=int(d["size"]),
            received_at=datetime.fromisoformat(d["received_at"]),
            state=PhotoState(d["state"]),
            findings=None if not d.get("findings") else Findings.from_dict(d["findings"]),
            copies=None if not d.get("copies") else Copies.from_dict(d["copies"]),
        )


def is_newer(order: str, than: str) -> bool:
    """S3 sequencers are hex strings of varying length, ordered as numbers (AWS: compare them
    after padding the shorter with leading zeros)."""
    return int(order or "0", 16) > int(than or "0", 16)


def current(photos: Iterable[Photo], slot: int | None = None) -> list[Photo]:
    return [p for p in photos if p.state is PhotoState.CURRENT and (slot is None or p.slot == slot)]


def decide(photos: Iterable[Photo]) -> Decision | None:
    """The report's fate from the verdicts of its current photos, whatever order they came in:
    any accepted → routed; else any for review (or whose check failed) → review; else, when
    at least one was judged, rejected. None while no photo has a verdict."""
    outcomes = {p.outcome for p in current(photos) if p.outcome is not None}
    if PhotoOutcome.ACCEPTED in outcomes:
        return Decision.ROUTE
    if outcomes & {PhotoOutcome.NEEDS_REVIEW, PhotoOutcome.CHECK_FAILED}:
        return Decision.NEEDS_REVIEW
    if outcomes:
        return Decision.REJECT
    return None


def keep(photos: tuple[Photo, ...], photo: Photo) -> tuple[Photo, ...]:
    """``photos`` with ``photo`` added: a new current photo replaces the slot's current one (which
    becomes ``replaced``); any other record is added beside them. Past ``MAX_PHOTO_RECORDS``
    the oldest replaced or superseded records go first, then the oldest late ones (``dropped``
    names them, so their copies can be deleted); current records always stay."""
    kept = [
        p
        if not (photo.state is PhotoState.CURRENT and p.state is PhotoState.CURRENT)
        or p.slot != photo.slot
        or p.version == photo.version
        else replace(p, state=PhotoState.REPLACED)
        for p in photos
        if p.version != photo.version or p.slot != photo.slot
    ]
    kept.append(photo)
    droppable = [p for p in kept if p.state in (PhotoState.REPLACED, PhotoState.SUPERSEDED)]
    droppable += [p for p in kept[:-1] if p.state is PhotoState.LATE]
    while len(kept) > MAX_PHOTO_RECORDS and droppable:
        kept.remove(droppable.pop(0))
    return tuple(kept)


def dropped(before: Iterable[Photo], after: Iterable[Photo]) -> list[Photo]:
    """The records of ``before`` that ``after`` no longer holds."""
    remaining = {(p.slot, p.version) for p in after}
    return [p for p in before if (p.slot, p.version) not in remaining]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _time(value: Any) -> datetime | None:
    return None if not value else datetime.fromisoformat(value)
