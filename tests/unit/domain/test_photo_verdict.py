"""The photo verdict over photos made in code, at points built from the published boundary.

The main path is real: generated JPEG bytes -> ``read_photo`` -> ``judge``. Edge points are
constructed from ``../shared/data/boundaries/kotamobagu.geojson`` itself (``offset_from_edge``)
and their distance re-checked independently with haversine over the densified boundary.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from sikemas.city import PhotoCheckSettings
from sikemas.domain.photo_verdict import (
    Check,
    Claim,
    Outcome,
    Verdict,
    judge,
)
from sikemas.domain.reasons import REASONS, reason_message
from sikemas.geo import CityArea
from sikemas.geodesy import haversine_m
from sikemas.photo.reading import PhotoFacts, read_photo
from tests.camera import camera_photo
from tests.shared_data import (
    MANADO,
    boundary_distance_haversine,
    offset_from_edge,
    shared_path,
)
from tests.unit.photo_factory import FORM_STEP_DEG, FORMS, Form, gps_photo, no_gps_photo

WITA = ZoneInfo("Asia/Makassar")
UPLOADED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=WITA)
TAKEN_AT = UPLOADED_AT - timedelta(hours=2)
SETTINGS = PhotoCheckSettings()  # 50 m tolerance, 250 m radius, 1 km cap, 7 days, 10 min
WELL_INSIDE = (0.7337, 124.3124)  # a reference point inside the boundary (boundaries README)
# The spherical haversine differs from ellipsoidal distances by up to ~0.56 % at this latitude.
HAVERSINE_REL = 0.007


@pytest.fixture(scope="module")
def reference_path() -> Path:
    return shared_path("boundaries", "kotamobagu.geojson")


@pytest.fixture(scope="module")
def reference(reference_path: Path) -> BaseGeometry:
    data = json.loads(reference_path.read_text(encoding="utf-8"))
    (feature,) = data["features"]
    return shape(feature["geometry"])


@pytest.fixture(scope="module")
def area(reference_path: Path) -> CityArea:
    return CityArea.from_geojson(reference_path)


def photo_verdict(
    data: bytes,
    area: CityArea,
    *,
    claimed: Claim | None = None,
    policy: str = "needs_review",
    uploaded_at: datetime = UPLOADED_AT,
    settings: PhotoCheckSettings = SETTINGS,
) -> Verdict:
    facts = read_photo(data, WITA)
    assert policy in ("needs_review", "rejected")
    return judge(
        facts,
        area=area,
        settings=settings,
        no_gps_policy="rejected" if policy == "rejected" else "needs_review",
        claimed=claimed,
        uploaded_at=uploaded_at,
    )


def check(verdict: Verdict, name: str) -> Check:
    (found,) = [c for c in verdict.checks if c.name == name]
    return found


def names(verdict: Verdict) -> list[str]:
    return [c.name for c in verdict.checks]


def at(lat: float, lon: float, form: Form = "dms_centi", taken_at: datetime = TAKEN_AT) -> bytes:
    return gps_photo(lat, lon, form=form, taken_at=taken_at)


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """A point ``north_m``/``east_m`` metres away (spherical, fine over a few km)."""
    dlat = math.degrees(north_m / 6_371_008.8)
    dlon = math.degrees(east_m / (6_371_008.8 * math.cos(math.radians(lat))))
    return lat + dlat, lon + dlon


# ----------------------------------------------------------------------------- inside the city


def test_well_inside_is_accepted(area: CityArea) -> None:
    v = photo_verdict(at(*WELL_INSIDE), area)
    assert v.outcome is Outcome.ACCEPTED
    assert names(v) == ["image", "gps", "inside_city", "recent"]
    assert all(c.passed is True and c.reason is None for c in v.checks)
    assert v.reasons == []
    assert v.distance_outside_m == 0.0
    assert v.distance_to_claim_m is None


def _point_for_every_form(area: CityArea) -> tuple[float, float]:
    """WELL_INSIDE moved so its seconds are below 40 (a 1e8 denominator must fit 32 bits)."""

    def snap(value: float) -> float:
        whole_minutes = math.floor(value * 60) / 60
        seconds = (value - whole_minutes) * 3600
        return whole_minutes + (seconds % 40) / 3600

    lat, lon = snap(WELL_INSIDE[0]), snap(WELL_INSIDE[1])
    assert area.distance_outside_m(lat, lon) == 0.0
    return lat, lon


@pytest.mark.parametrize("form", FORMS)
def test_every_camera_rational_form_reads_back_and_is_accepted(area: CityArea, form: Form) -> None:
    lat, lon = _point_for_every_form(area)
    data = at(lat, lon, form)
    facts = read_photo(data, WITA)
    assert facts.gps is not None
    assert facts.gps.lat == pytest.approx(lat, abs=FORM_STEP_DEG[form] * 1.01)
    assert facts.gps.lon == pytest.approx(lon, abs=FORM_STEP_DEG[form] * 1.01)
    assert photo_verdict(data, area).outcome is Outcome.ACCEPTED


def test_200_m_inside_the_edge_is_accepted(area: CityArea, reference: BaseGeometry) -> None:
    lat, lon = offset_from_edge(area, reference, 200, outward=False)
    assert boundary_distance_haversine(reference, lat, lon) == pytest.approx(200, rel=HAVERSINE_REL)
    v = photo_verdict(at(lat, lon), area)
    assert v.outcome is Outcome.ACCEPTED
    assert v.distance_outside_m == 0.0


# ----------------------------------------------------------------------------- outside the city


def test_300_m_outside_is_rejected(area: CityArea, reference: BaseGeometry) -> None:
    lat, lon = offset_from_edge(area, reference, 300, outward=True)
    assert boundary_distance_haversine(reference, lat, lon) == pytest.approx(300, rel=HAVERSINE_REL)
    v = photo_verdict(at(lat, lon), area)
    assert v.outcome is Outcome.REJECTED
    assert v.reasons == ["outside_city"]
    assert check(v, "inside_city") == Check("inside_city", False, "outside_city", Outcome.REJECTED)
    assert v.distance_outside_m == pytest.approx(300, abs=1)


def test_30_m_outside_is_accepted_within_the_50_m_tolerance(
    area: CityArea, reference: BaseGeometry
) -> None:
    lat, lon = offset_from_edge(area, reference, 30, outward=True)
    assert boundary_distance_haversine(reference, lat, lon) == pytest.approx(30, rel=HAVERSINE_REL)
    data = at(lat, lon)
    v = photo_verdict(data, area)
    assert v.outcome is Outcome.ACCEPTED
    assert v.distance_outside_m == pytest.approx(30, abs=1)
    # ...and the same photo is refused when the city allows only 10 m of GPS error.
    strict = replace(SETTINGS, gps_tolerance_m=10)
    assert photo_verdict(data, area, settings=strict).reasons == ["outside_city"]


@pytest.mark.parametrize("kode", ["71.01", "71.10", "71.11"])
def test_a_neighbouring_regency_is_rejected(area: CityArea, kode: str) -> None:
    data = json.loads(shared_path("boundaries", "neighbours.geojson").read_text(encoding="utf-8"))
    (feature,) = [f for f in data["features"] if f["properties"]["kode_kemendagri"] == kode]
    p = shape(feature["geometry"]).representative_point()
    v = photo_verdict(at(p.y, p.x), area)
    assert v.outcome is Outcome.REJECTED
    assert v.reasons == ["outside_city"]
    assert v.distance_outside_m is not None
    assert v.distance_outside_m > 1000


@pytest.mark.parametrize("form", ["dms_int", "decimal_minutes", "pow24"])
def test_manado_is_rejected(area: CityArea, form: Form) -> None:
    v = photo_verdict(at(*MANADO, form), area)
    assert v.outcome is Outcome.REJECTED
    assert v.reasons == ["outside_city"]
    assert v.distance_outside_m is not None
    assert 80_000 < v.distance_outside_m < 110_000


def test_the_hemisphere_refs_count(area: CityArea) -> None:
    """The city's point mirrored to S/W (same digits, other refs) is half a world away."""
    lat, lon = WELL_INSIDE
    facts = read_photo(at(-lat, -lon), WITA)
    assert facts.gps is not None
    assert (facts.gps.lat, facts.gps.lon) == pytest.approx((-lat, -lon))
    v = photo_verdict(at(-lat, -lon), area)
    assert v.reasons == ["outside_city"]


# ----------------------------------------------------------------------------- near the claim


def test_near_the_claim_is_accepted(area: CityArea) -> None:
    claimed = Claim(*offset(*WELL_INSIDE, north_m=200, east_m=0))
    v = photo_verdict(at(*WELL_INSIDE), area, claimed=claimed)
    assert names(v) == ["image", "gps", "inside_city", "near_claim", "recent"]
    assert check(v, "near_claim").passed is True
    assert v.outcome is Outcome.ACCEPTED
    assert v.distance_to_claim_m == pytest.approx(200, abs=1)


def test_far_from_the_claim_but_inside_needs_review(area: CityArea) -> None:
    claimed = Claim(*offset(*WELL_INSIDE, north_m=0, east_m=400))
    assert area.distance_outside_m(claimed.lat, claimed.lon) == 0.0
    v = photo_verdict(at(*WELL_INSIDE), area, claimed=claimed)
    assert v.outcome is Outcome.NEEDS_REVIEW
    assert v.reasons == ["far_from_claim"]
    assert check(v, "near_claim") == Check(
        "near_claim", False, "far_from_claim", Outcome.NEEDS_REVIEW
    )
    assert v.distance_to_claim_m == pytest.approx(400, abs=1)


def test_the_claims_accuracy_widens_the_radius(area: CityArea) -> None:
    lat, lon = offset(*WELL_INSIDE, north_m=400, east_m=0)
    data = at(*WELL_INSIDE)
    assert photo_verdict(data, area, claimed=Claim(lat, lon, accuracy_m=100)).reasons == [
        "far_from_claim"
    ]
    assert photo_verdict(data, area, claimed=Claim(lat, lon, accuracy_m=200)).reasons == []


def test_the_radius_is_capped_at_1_km(area: CityArea) -> None:
    data = at(*WELL_INSIDE)
    near = Claim(*offset(*WELL_INSIDE, north_m=-950, east_m=0), accuracy_m=5000)
    far = Claim(*offset(*WELL_INSIDE, north_m=-1100, east_m=0), accuracy_m=5000)
    assert photo_verdict(data, area, claimed=near).outcome is Outcome.ACCEPTED
    v = photo_verdict(data, area, claimed=far)
    assert v.reasons == ["far_from_claim"]
    assert v.distance_to_claim_m == pytest.approx(1100, abs=2)


def test_the_distance_to_the_claim_is_the_great_circle_one(area: CityArea) -> None:
    claimed = Claim(0.7300, 124.3000)
    v = photo_verdict(at(*WELL_INSIDE), area, claimed=claimed)
    assert v.distance_to_claim_m == pytest.approx(haversine_m(*WELL_INSIDE, 0.7300, 124.3000))


# ----------------------------------------------------------------------------- no GPS


@pytest.mark.parametrize("policy", ["needs_review", "rejected"])
def test_no_gps_follows_the_categorys_policy(area: CityArea, policy: str) -> None:
    claimed = Claim(*WELL_INSIDE)
    v = photo_verdict(no_gps_photo(taken_at=TAKEN_AT), area, claimed=claimed, policy=policy)
    assert v.outcome == Outcome(policy)
    assert v.reasons == ["no_gps"]
    assert check(v, "gps") == Check("gps", False, "no_gps", Outcome(policy))
    # The location checks cannot be judged, and say why; they add nothing to the outcome.
    assert check(v, "inside_city") == Check("inside_city", None, "no_gps", Outcome.ACCEPTED)
    assert check(v, "near_claim") == Check("near_claim", None, "no_gps", Outcome.ACCEPTED)
    assert check(v, "recent").passed is True
    assert v.distance_outside_m is None
    assert v.distance_to_claim_m is None


@pytest.mark.parametrize("gps_error", ["gps_malformed", "gps_no_fix"])
def test_a_broken_gps_is_rejected_whatever_the_policy(area: CityArea, gps_error: str) -> None:
    facts = replace(read_photo(no_gps_photo(taken_at=TAKEN_AT), WITA), gps_error=gps_error)
    v = judge(
        facts,
        area=area,
        settings=SETTINGS,
        no_gps_policy="needs_review",
        claimed=None,
        uploaded_at=UPLOADED_AT,
    )
    assert v.outcome is Outcome.REJECTED
    assert v.reasons == [gps_error]
    assert check(v, "inside_city").reason == gps_error


def test_null_island_is_a_gps_without_fix(area: CityArea) -> None:
    v = photo_verdict(at(0.0, 0.0), area)
    assert v.outcome is Outcome.REJECTED
    assert v.reasons == ["gps_no_fix"]


# ----------------------------------------------------------------------------- recent


@pytest.mark.parametrize("policy", ["needs_review", "rejected"])
def test_no_time_follows_the_no_gps_policy(area: CityArea, policy: str) -> None:
    v = photo_verdict(gps_photo(*WELL_INSIDE), area, policy=policy)
    assert v.outcome == Outcome(policy)
    assert v.reasons == ["no_time"]
    assert check(v, "recent") == Check("recent", False, "no_time", Outcome(policy))


@pytest.mark.parametrize(
    ("taken_at", "expected"),
    [
        (UPLOADED_AT - timedelta(days=7), []),
        (UPLOADED_AT - timedelta(days=7, minutes=1), ["too_old"]),
        (UPLOADED_AT - timedelta(days=400), ["too_old"]),
        (UPLOADED_AT + timedelta(minutes=9), []),  # a phone clock a little fast
        (UPLOADED_AT + timedelta(minutes=10), []),
        (UPLOADED_AT + timedelta(minutes=11), ["in_future"]),
        (UPLOADED_AT + timedelta(days=1), ["in_future"]),
    ],
)
def test_recent(area: CityArea, taken_at: datetime, expected: list[str]) -> None:
    v = photo_verdict(at(*WELL_INSIDE, taken_at=taken_at), area)
    assert v.reasons == expected
    assert v.outcome is (Outcome.REJECTED if expected else Outcome.ACCEPTED)


def test_recent_compares_instants_not_wall_clocks(area: CityArea) -> None:
    """08:05 in UTC-05:00 is 21:05 WITA: 11 minutes after a 20:54 WITA upload."""
    taken = datetime(2026, 3, 2, 8, 5, tzinfo=ZoneInfo("America/Bogota"))
    uploaded = datetime(2026, 3, 2, 20, 54, tzinfo=WITA)
    assert photo_verdict(at(*WELL_INSIDE, taken_at=taken), area, uploaded_at=uploaded).reasons == [
        "in_future"
    ]
    uploaded_utc = uploaded.astimezone(UTC) + timedelta(minutes=2)
    v = photo_verdict(at(*WELL_INSIDE, taken_at=taken), area, uploaded_at=uploaded_utc)
    assert v.reasons == []


def test_a_naive_upload_time_is_refused(area: CityArea) -> None:
    facts = read_photo(at(*WELL_INSIDE), WITA)
    with pytest.raises(ValueError, match="timezone-aware"):
        judge(
            facts,
            area=area,
            settings=SETTINGS,
            no_gps_policy="needs_review",
            claimed=None,
            uploaded_at=datetime(2026, 3, 2, 10, 0),  # noqa: DTZ001 - the point of the test
        )


# ----------------------------------------------------------------------------- severity


def test_the_most_severe_wins_and_every_reason_is_listed(area: CityArea) -> None:
    claimed = Claim(*offset(*WELL_INSIDE, north_m=600, east_m=0))
    old = UPLOADED_AT - timedelta(days=30)
    v = photo_verdict(at(*WELL_INSIDE, taken_at=old), area, claimed=claimed)
    assert v.outcome is Outcome.REJECTED
    assert v.reasons == ["far_from_claim", "too_old"]
    assert [c.outcome for c in v.checks] == [
        Outcome.ACCEPTED,
        Outcome.ACCEPTED,
        Outcome.ACCEPTED,
        Outcome.NEEDS_REVIEW,
        Outcome.REJECTED,
    ]


def test_no_gps_and_no_time_under_review_stays_under_review(area: CityArea) -> None:
    v = photo_verdict(no_gps_photo(), area)
    assert v.outcome is Outcome.NEEDS_REVIEW
    assert v.reasons == ["no_gps", "no_time"]


def test_outside_and_far_from_the_claim(area: CityArea) -> None:
    v = photo_verdict(at(*MANADO), area, claimed=Claim(*WELL_INSIDE))
    assert v.outcome is Outcome.REJECTED
    assert v.reasons == ["outside_city", "far_from_claim"]


# ----------------------------------------------------------------------------- image failures


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4 not a photo", "not_an_image"),
        (b"GIF89a" + b"\x00" * 32, "unsupported_type"),
        (at(*WELL_INSIDE)[:400], "too_small"),
        (camera_photo(WELL_INSIDE, TAKEN_AT)[:4000], "corrupt_image"),
    ],
)
def test_an_image_failure_is_rejected_and_nothing_else_is_judged(
    area: CityArea, data: bytes, reason: str
) -> None:
    v = photo_verdict(data, area, claimed=Claim(*WELL_INSIDE))
    assert v.outcome is Outcome.REJECTED
    assert v.reasons == [reason]
    assert check(v, "image") == Check("image", False, reason, Outcome.REJECTED)
    others = [c for c in v.checks if c.name != "image"]
    assert [c.name for c in others] == ["gps", "inside_city", "near_claim", "recent"]
    assert all(c.passed is None and c.reason == "image_unreadable" for c in others)
    assert v.distance_outside_m is None


def test_too_large_is_rejected(area: CityArea) -> None:
    facts = read_photo(at(*WELL_INSIDE), WITA, max_bytes=100)
    v = judge(
        facts,
        area=area,
        settings=SETTINGS,
        no_gps_policy="needs_review",
        claimed=None,
        uploaded_at=UPLOADED_AT,
    )
    assert v.reasons == ["too_large"]
    assert v.outcome is Outcome.REJECTED


# ----------------------------------------------------------------------------- messages


def _facts(**changes: object) -> PhotoFacts:
    base = PhotoFacts(
        type="jpeg",
        width=64,
        height=32,
        orientation=1,
        image_error=None,
        gps=None,
        gps_error="no_gps",
        taken_at=TAKEN_AT,
        taken_at_source="exif_offset",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_every_reason_judge_can_give_has_both_messages(area: CityArea) -> None:
    produced = {"outside_city", "far_from_claim", "no_time", "too_old", "in_future"}
    produced |= {"no_gps", "gps_malformed", "gps_no_fix", "image_unreadable", "file_unreadable"}
    produced |= {"not_an_image", "unsupported_type", "too_large", "too_many_pixels"}
    produced |= {"corrupt_image"}
    assert produced <= set(REASONS)
    for code in produced:
        message = reason_message(code)
        assert set(message) == {"id", "en"}
        assert message["id"]
        assert message["en"]
        assert message["id"] != message["en"]
        # City-neutral: a second city reuses these messages.
        assert "Kotamobagu" not in message["id"] + message["en"]
    assert "luar wilayah kota" in reason_message("outside_city")["id"]
    assert "outside the city" in reason_message("outside_city")["en"]


def test_an_unknown_code_gets_a_generic_message() -> None:
    assert reason_message("something_new") == {
        "id": "Foto tidak dapat diterima.",
        "en": "The photo could not be accepted.",
    }


def test_a_claim_with_decimals_and_odd_accuracy_is_handled(area: CityArea) -> None:
    from decimal import Decimal

    facts = _facts(gps=read_photo(at(*WELL_INSIDE), WITA).gps, gps_error=None)
    lat, lon = offset(*WELL_INSIDE, north_m=300, east_m=0)
    claim = Claim(Decimal(str(lat)), Decimal(str(lon)), Decimal(100))  # type: ignore[arg-type]
    v = judge(
        facts,
        area=area,
        settings=SETTINGS,
        no_gps_policy="needs_review",
        claimed=claim,
        uploaded_at=UPLOADED_AT,
    )
    assert v.outcome is Outcome.ACCEPTED
    assert v.distance_to_claim_m == pytest.approx(300, abs=1)
    # A meaningless accuracy widens nothing, and shrinks nothing either: 200 m is still near.
    near_lat, near_lon = offset(*WELL_INSIDE, north_m=200, east_m=0)
    for accuracy in (math.nan, -500.0, math.inf):
        odd = Claim(near_lat, near_lon, accuracy)
        v = judge(
            facts,
            area=area,
            settings=SETTINGS,
            no_gps_policy="needs_review",
            claimed=odd,
            uploaded_at=UPLOADED_AT,
        )
        assert v.reasons == []
        assert v.distance_to_claim_m == pytest.approx(200, abs=1)


def test_a_claim_off_the_globe_is_a_programming_error(area: CityArea) -> None:
    with pytest.raises(ValueError, match="coordinates"):
        judge(
            _facts(),
            area=area,
            settings=SETTINGS,
            no_gps_policy="needs_review",
            claimed=Claim(124.3, 0.73),
            uploaded_at=UPLOADED_AT,
        )
