"""The verdict on one photo: which checks pass, and whether it is accepted, reviewed or rejected.

Pure: the facts read from the photo (``sikemas.photo.reading.read_photo``), the city's area and
settings, the category's no-GPS policy, the location the citizen claimed and the upload time in;
a ``Verdict`` out. No AWS, no environment, no clock (the caller passes ``uploaded_at``).

Checks, always in this order (``near_claim`` only when a claim is given):

``image``
    The bytes are an accepted image within limits; the reason is ``facts.image_error``
    (``not_an_image``, ``unsupported_type``, ``too_large``, ``too_many_pixels``,
    ``corrupt_image``, or ``file_unreadable`` from the CLI). Failure → ``rejected``, and **every
    other check is then not judged** (``passed=None``, reason ``image_unreadable``): a photo that
    is refused as an image is refused whatever its metadata says, and metadata of a broken file
    is not trusted.
``gps``
    EXIF GPS present and well-formed. ``no_gps`` → the category's ``no_gps_policy``;
    ``gps_malformed`` and ``gps_no_fix`` (0,0) → ``rejected``.
``inside_city``
    The GPS point is inside the boundary or within ``gps_tolerance_m`` of it; else
    ``outside_city`` → ``rejected``. Without a GPS fix: not judged, the reason is the GPS reason.
``near_claim``
    Great-circle distance to the claimed point within
    ``min(near_claim_radius_m + accuracy_m, near_claim_max_m)``; else ``far_from_claim`` →
    ``needs_review``. Without a GPS fix: not judged, the reason is the GPS reason.
``recent``
    ``uploaded_at - max_age_days <= taken_at <= uploaded_at + max_clock_skew_minutes`` (both
    bounds inclusive); else ``too_old`` / ``in_future`` → ``rejected``. No usable time →
    ``no_time``, treated like a missing GPS (the category's ``no_gps_policy``).

A check that was not judged (``passed=None``) implies nothing (its ``outcome`` is ``accepted``);
the overall outcome is the most severe outcome of the checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from sikemas.domain.photos import CheckResult, Findings, GpsPoint, PhotoOutcome
from sikemas.domain.reasons import CheckName, Reason
from sikemas.geodesy import check_lat_lon, haversine_m

if TYPE_CHECKING:
    from sikemas.city import NoGpsPolicy, PhotoCheckSettings
    from sikemas.geo import CityArea
    from sikemas.photo.reading import PhotoFacts


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"


_SEVERITY: Final = {Outcome.ACCEPTED: 0, Outcome.NEEDS_REVIEW: 1, Outcome.REJECTED: 2}


@dataclass(frozen=True)
class Check:
    name: CheckName
    passed: bool | None  # None = could not be judged (e.g. inside_city without GPS)
    reason: Reason | None  # why it did not pass (also when None: why it was not judged)
    outcome: Outcome  # what this check alone implies (ACCEPTED when passed or not judged)


@dataclass(frozen=True)
class Claim:
    """The location the citizen claimed (WGS84 degrees) and its accuracy radius in metres."""

    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome  # the most severe outcome of the checks (rejected > needs_review > accepted)
    checks: tuple[Check, ...]
    distance_outside_m: float | None  # metres outside the city (0 inside); None without GPS
    distance_to_claim_m: float | None  # None without GPS or without a claim

    @property
    def reasons(self) -> list[Reason]:
        """Reason codes of the failed checks (``passed is False``), in check order."""
        return [c.reason for c in self.checks if c.passed is False and c.reason is not None]


def _passed(name: CheckName) -> Check:
    return Check(name, True, None, Outcome.ACCEPTED)


def _failed(name: CheckName, reason: Reason, outcome: Outcome) -> Check:
    return Check(name, False, reason, outcome)


def _not_judged(name: CheckName, reason: Reason) -> Check:
    return Check(name, None, reason, Outcome.ACCEPTED)


def judge(
    facts: PhotoFacts,
    *,
    area: CityArea,
    settings: PhotoCheckSettings,
    no_gps_policy: NoGpsPolicy,
    claimed: Claim | None,
    uploaded_at: datetime,
    far: tuple[Reason, Outcome] = (Reason.FAR_FROM_CLAIM, Outcome.NEEDS_REVIEW),
) -> Verdict:
    """Judge one photo. ``uploaded_at`` must be timezone-aware (the S3 event time). ``far`` is
    the reason and outcome of a photo too far from ``claimed``: a citizen's photo far from the
    pin goes to review; an agency's "after" photo far from the report's place is rejected
    (``(Reason.FAR_FROM_REPORT, Outcome.REJECTED)``).

    Raises ``ValueError`` for a naive ``uploaded_at``, an unknown policy or a claim that is not
    a WGS84 point; never for anything the photo holds.
    """
    if uploaded_at.tzinfo is None or uploaded_at.utcoffset() is None:
        raise ValueError("uploaded_at must be timezone-aware")
    policy = Outcome(no_gps_policy)
    if policy is Outcome.ACCEPTED:
        raise ValueError("no_gps_policy must be needs_review or rejected")
    claim = _claim_values(claimed)

    names = [c for c in CheckName if c is not CheckName.NEAR_CLAIM or claim]
    if facts.image_error is not None:
        checks = [_failed(CheckName.IMAGE, facts.image_error, Outcome.REJECTED)]
        checks += [_not_judged(name, Reason.IMAGE_UNREADABLE) for name in names[1:]]
        return _verdict(checks, None, None)

    checks = [_passed(CheckName.IMAGE)]
    distance_outside: float | None = None
    distance_to_claim: float | None = None
    gps = facts.gps
    if gps is None:
        gps_reason = facts.gps_error or Reason.NO_GPS
        gps_outcome = policy if gps_reason == Reason.NO_GPS else Outcome.REJECTED
        checks.append(_failed(CheckName.GPS, gps_reason, gps_outcome))
        checks.append(_not_judged(CheckName.INSIDE_CITY, gps_reason))
        if claim:
            checks.append(_not_judged(CheckName.NEAR_CLAIM, gps_reason))
    else:
        checks.append(_passed(CheckName.GPS))
        distance_outside = area.distance_outside_m(gps.lat, gps.lon)
        if area.contains(gps.lat, gps.lon, settings.gps_tolerance_m):
            checks.append(_passed(CheckName.INSIDE_CITY))
        else:
            checks.append(_failed(CheckName.INSIDE_CITY, Reason.OUTSIDE_CITY, Outcome.REJECTED))
        if claim:
            lat, lon, accuracy = claim
            distance_to_claim = haversine_m(gps.lat, gps.lon, lat, lon)
            radius = min(
                float(settings.near_claim_radius_m) + accuracy, float(settings.near_claim_max_m)
            )
            if distance_to_claim <= radius:
                checks.append(_passed(CheckName.NEAR_CLAIM))
            else:
                checks.append(_failed(CheckName.NEAR_CLAIM, *far))
    checks.append(_recent(facts.taken_at, uploaded_at, settings, policy))
    return _verdict(checks, distance_outside, distance_to_claim)


def _claim_values(claimed: Claim | None) -> tuple[float, float, float] | None:
    """(lat, lon, accuracy_m) as floats (DynamoDB hands back Decimals); accuracy 0 when unknown."""
    if claimed is None:
        return None
    lat, lon = float(claimed.lat), float(claimed.lon)
    check_lat_lon(lat, lon)
    accuracy = 0.0 if claimed.accuracy_m is None else float(claimed.accuracy_m)
    if not math.isfinite(accuracy) or accuracy < 0:
        accuracy = 0.0  # a meaningless accuracy widens nothing
    return lat, lon, accuracy


def _recent(
    taken_at: datetime | None,
    uploaded_at: datetime,
    settings: PhotoCheckSettings,
    policy: Outcome,
) -> Check:
    if taken_at is None or taken_at.tzinfo is None or taken_at.utcoffset() is None:
        return _failed(CheckName.RECENT, Reason.NO_TIME, policy)
    if taken_at < uploaded_at - timedelta(days=settings.max_age_days):
        return _failed(CheckName.RECENT, Reason.TOO_OLD, Outcome.REJECTED)
    if taken_at > uploaded_at + timedelta(minutes=settings.max_clock_skew_minutes):
        return _failed(CheckName.RECENT, Reason.IN_FUTURE, Outcome.REJECTED)
    return _passed(CheckName.RECENT)


def _verdict(
    checks: list[Check], distance_outside: float | None, distance_to_claim: float | None
) -> Verdict:
    outcome = max((c.outcome for c in checks), key=_SEVERITY.__getitem__)
    return Verdict(outcome, tuple(checks), distance_outside, distance_to_claim)


def findings(facts: PhotoFacts, verdict: Verdict) -> Findings:
    """What was read from a photo and what was decided: kept on the report for each photo, and
    printed by ``bin/sikemas inspect-photo``."""
    return Findings(
        type=facts.type,
        gps=None if facts.gps is None else GpsPoint(facts.gps.lat, facts.gps.lon, facts.gps.alt),
        taken_at=facts.taken_at,
        taken_at_source=facts.taken_at_source,
        checks=tuple(CheckResult(c.name, c.passed, c.reason) for c in verdict.checks),
        outcome=_PHOTO_OUTCOME[verdict.outcome],
        distance_outside_m=_rounded(verdict.distance_outside_m),
        distance_to_claim_m=_rounded(verdict.distance_to_claim_m),
    )


_PHOTO_OUTCOME: Final = {
    Outcome.ACCEPTED: PhotoOutcome.ACCEPTED,
    Outcome.NEEDS_REVIEW: PhotoOutcome.NEEDS_REVIEW,
    Outcome.REJECTED: PhotoOutcome.REJECTED,
}


def _rounded(metres: float | None) -> float | None:
    return None if metres is None else round(metres, 1)
