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
from typing import TYPE_CHECKING, Any, Final, Literal

from sikemas.geodesy import check_lat_lon, haversine_m
from sikemas.photo.reading import NO_GPS

if TYPE_CHECKING:
    from sikemas.city import PhotoCheckSettings
    from sikemas.geo import CityArea
    from sikemas.photo.reading import PhotoFacts


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    NEEDS_REVIEW = "needs_review"
    REJECTED = "rejected"


_SEVERITY: Final = {Outcome.ACCEPTED: 0, Outcome.NEEDS_REVIEW: 1, Outcome.REJECTED: 2}

# Check names.
IMAGE: Final = "image"
GPS: Final = "gps"
INSIDE_CITY: Final = "inside_city"
NEAR_CLAIM: Final = "near_claim"
RECENT: Final = "recent"

# Reason codes decided here (image and GPS codes come from sikemas.photo.reading).
OUTSIDE_CITY: Final = "outside_city"
FAR_FROM_CLAIM: Final = "far_from_claim"
NO_TIME: Final = "no_time"
TOO_OLD: Final = "too_old"
IN_FUTURE: Final = "in_future"
IMAGE_UNREADABLE: Final = "image_unreadable"  # why a check after a failed image was not judged
FILE_UNREADABLE: Final = "file_unreadable"  # the CLI could not read the file at all

NoGpsPolicy = Literal["needs_review", "rejected"]


@dataclass(frozen=True)
class Check:
    name: str  # "image" | "gps" | "inside_city" | "near_claim" | "recent"
    passed: bool | None  # None = could not be judged (e.g. inside_city without GPS)
    reason: str | None  # a reason code when not passed (also when None: why it was not judged)
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
    def reasons(self) -> list[str]:
        """Reason codes of the failed checks (``passed is False``), in check order."""
        return [c.reason for c in self.checks if c.passed is False and c.reason is not None]


def _passed(name: str) -> Check:
    return Check(name, True, None, Outcome.ACCEPTED)


def _failed(name: str, reason: str, outcome: Outcome) -> Check:
    return Check(name, False, reason, outcome)


def _not_judged(name: str, reason: str) -> Check:
    return Check(name, None, reason, Outcome.ACCEPTED)


def judge(
    facts: PhotoFacts,
    *,
    area: CityArea,
    settings: PhotoCheckSettings,
    no_gps_policy: NoGpsPolicy,
    claimed: Claim | None,
    uploaded_at: datetime,
) -> Verdict:
    """Judge one photo. ``uploaded_at`` must be timezone-aware (the S3 event time).

    Raises ``ValueError`` for a naive ``uploaded_at``, an unknown policy or a claim that is not
    a WGS84 point; never for anything the photo holds.
    """
    if uploaded_at.tzinfo is None or uploaded_at.utcoffset() is None:
        raise ValueError("uploaded_at must be timezone-aware")
    policy = Outcome(no_gps_policy)
    if policy is Outcome.ACCEPTED:
        raise ValueError("no_gps_policy must be needs_review or rejected")
    claim = _claim_values(claimed)

    names = [IMAGE, GPS, INSIDE_CITY, *([NEAR_CLAIM] if claim else []), RECENT]
    if facts.image_error is not None:
        checks = [_failed(IMAGE, facts.image_error, Outcome.REJECTED)]
        checks += [_not_judged(name, IMAGE_UNREADABLE) for name in names[1:]]
        return _verdict(checks, None, None)

    checks = [_passed(IMAGE)]
    distance_outside: float | None = None
    distance_to_claim: float | None = None
    gps = facts.gps
    if gps is None:
        gps_reason = facts.gps_error or NO_GPS
        gps_outcome = policy if gps_reason == NO_GPS else Outcome.REJECTED
        checks.append(_failed(GPS, gps_reason, gps_outcome))
        checks.append(_not_judged(INSIDE_CITY, gps_reason))
        if claim:
            checks.append(_not_judged(NEAR_CLAIM, gps_reason))
    else:
        checks.append(_passed(GPS))
        distance_outside = area.distance_outside_m(gps.lat, gps.lon)
        if area.contains(gps.lat, gps.lon, settings.gps_tolerance_m):
            checks.append(_passed(INSIDE_CITY))
        else:
            checks.append(_failed(INSIDE_CITY, OUTSIDE_CITY, Outcome.REJECTED))
        if claim:
            lat, lon, accuracy = claim
            distance_to_claim = haversine_m(gps.lat, gps.lon, lat, lon)
            radius = min(
                float(settings.near_claim_radius_m) + accuracy, float(settings.near_claim_max_m)
            )
            if distance_to_claim <= radius:
                checks.append(_passed(NEAR_CLAIM))
            else:
                checks.append(_failed(NEAR_CLAIM, FAR_FROM_CLAIM, Outcome.NEEDS_REVIEW))
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
        return _failed(RECENT, NO_TIME, policy)
    if taken_at < uploaded_at - timedelta(days=settings.max_age_days):
        return _failed(RECENT, TOO_OLD, Outcome.REJECTED)
    if taken_at > uploaded_at + timedelta(minutes=settings.max_clock_skew_minutes):
        return _failed(RECENT, IN_FUTURE, Outcome.REJECTED)
    return _passed(RECENT)


def _verdict(
    checks: list[Check], distance_outside: float | None, distance_to_claim: float | None
) -> Verdict:
    outcome = max((c.outcome for c in checks), key=_SEVERITY.__getitem__)
    return Verdict(outcome, tuple(checks), distance_outside, distance_to_claim)


# --------------------------------------------------------------------------------------------
# Messages for citizens. City-neutral: another city reuses them.

REASONS: Final[dict[str, tuple[str, str]]] = {
    # image
    "not_an_image": (
        "Berkas yang diunggah bukan foto. Silakan unggah foto JPEG, PNG atau HEIC.",
        "The uploaded file is not a photo. Please upload a JPEG, PNG or HEIC photo.",
    ),
    "unsupported_type": (
        "Jenis gambar ini tidak didukung. Silakan unggah foto JPEG, PNG atau HEIC.",
        "This kind of image is not supported. Please upload a JPEG, PNG or HEIC photo.",
    ),
    "too_large": (
        "Ukuran berkas foto terlalu besar. Silakan unggah foto yang lebih kecil.",
        "The photo file is too large. Please upload a smaller photo.",
    ),
    "too_many_pixels": (
        "Resolusi foto terlalu besar. Silakan unggah foto dengan resolusi lebih kecil.",
        "The photo has too many pixels. Please upload a photo with a lower resolution.",
    ),
    "corrupt_image": (
        "Foto rusak atau tidak lengkap. Silakan unggah ulang foto tersebut.",
        "The photo is damaged or incomplete. Please upload it again.",
    ),
    FILE_UNREADABLE: (
        "Berkas foto tidak dapat dibaca.",
        "The photo file could not be read.",
    ),
    IMAGE_UNREADABLE: (
        "Tidak dapat diperiksa karena berkas foto tidak dapat diterima.",
        "Could not be checked because the photo file itself was not accepted.",
    ),
    # gps
    "no_gps": (
        "Foto tidak memuat lokasi GPS. Aktifkan lokasi pada kamera ponsel lalu ambil foto "
        "langsung dari aplikasi kamera; laporan Anda akan diperiksa petugas.",
        "The photo carries no GPS location. Turn on location for your phone's camera and take "
        "the photo with the camera app; an officer will review your report.",
    ),
    "gps_malformed": (
        "Data lokasi GPS pada foto tidak sah. Silakan ambil foto baru dengan lokasi aktif.",
        "The GPS location in the photo is invalid. Please take a new photo with location on.",
    ),
    "gps_no_fix": (
        "Kamera belum mendapatkan lokasi GPS saat foto diambil (koordinat 0,0). Tunggu sinyal "
        "GPS lalu ambil foto baru.",
        "The camera had no GPS fix when the photo was taken (coordinates 0,0). Wait for a GPS "
        "signal and take a new photo.",
    ),
    # inside_city
    OUTSIDE_CITY: (
        "Foto diambil di luar wilayah kota, sehingga tidak dapat diterima. Laporkan hanya "
        "masalah di dalam wilayah kota dengan foto yang diambil di lokasi.",
        "The photo was taken outside the city, so it cannot be accepted. Report only problems "
        "inside the city, with a photo taken on the spot.",
    ),
    # near_claim
    FAR_FROM_CLAIM: (
        "Foto diambil jauh dari lokasi yang Anda tandai. Laporan Anda akan diperiksa petugas.",
        "The photo was taken far from the location you marked. An officer will review your report.",
    ),
    # recent
    NO_TIME: (
        "Foto tidak memuat waktu pengambilan. Ambil foto langsung dengan aplikasi kamera.",
        "The photo does not say when it was taken. Take the photo with the camera app.",
    ),
    TOO_OLD: (
        "Foto ini diambil terlalu lama sebelum diunggah. Silakan ambil foto baru di lokasi.",
        "This photo was taken too long before it was uploaded. Please take a new photo on "
        "the spot.",
    ),
    IN_FUTURE: (
        "Waktu pengambilan foto berada di masa depan. Periksa tanggal dan jam ponsel Anda, "
        "lalu ambil foto baru.",
        "The photo's time lies in the future. Check your phone's date and time, then take a "
        "new photo.",
    ),
}

_UNKNOWN: Final = (
    "Foto tidak dapat diterima.",
    "The photo could not be accepted.",
)


def describe(facts: PhotoFacts, verdict: Verdict) -> dict[str, Any]:
    """What was read from a photo and what was decided, as plain JSON values: stored on the
    report for each photo, and printed by ``bin/sikemas inspect-photo``."""
    return {
        "type": facts.type,
        "gps": (
            None
            if facts.gps is None
            else {"lat": facts.gps.lat, "lon": facts.gps.lon, "alt": facts.gps.alt}
        ),
        "taken_at": None if facts.taken_at is None else facts.taken_at.isoformat(),
        "taken_at_source": facts.taken_at_source,
        "checks": [
            {"name": c.name, "passed": c.passed, "reason": c.reason} for c in verdict.checks
        ],
        "outcome": verdict.outcome.value,
        "reasons": verdict.reasons,
        "distance_outside_m": _rounded(verdict.distance_outside_m),
        "distance_to_claim_m": _rounded(verdict.distance_to_claim_m),
    }


def _rounded(metres: float | None) -> float | None:
    return None if metres is None else round(metres, 1)


def reason_message(code: str) -> dict[str, str]:
    """``{"id": ..., "en": ...}`` for a reason code; a generic message for an unknown code."""
    indonesian, english = REASONS.get(code, _UNKNOWN)
    return {"id": indonesian, "en": english}
