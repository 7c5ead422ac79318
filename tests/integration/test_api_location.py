"""The claimed pin through the real API handler (issue 6 §1-§2): checked against the shipped
official boundary, refused when outside the city, and tagged with its desa and kecamatan."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Api

MANADO = {"lat": 1.4748, "lon": 124.8421}
# Picked from ../shared/data/boundaries (tests/unit/test_places.py does it live): points the
# hand-drawn octagon took in, more than 300 m into the neighbouring regencies.
BOLAANG_MONGONDOW = {"lat": 0.68679, "lon": 124.27952}  # 1.15 km outside
BOLTIM = {"lat": 0.71849, "lon": 124.36197}  # 0.81 km outside
# In the city, where the octagon refused it: Mongkonai Barat, Kotamobagu Barat.
MONGKONAI_BARAT = {"lat": 0.73267, "lon": 124.26217}
SININDIAN = {"lat": 0.7292, "lon": 124.3136}


def water(location: dict[str, float] | None) -> dict[str, Any]:
    """A category that needs a location and no photo: routed at once (forwarded to PDAM)."""
    body: dict[str, Any] = {
        "kind": "complaint",
        "category": "air_bersih",
        "description": "Air PDAM tidak mengalir sejak kemarin pagi.",
    }
    if location is not None:
        body["location"] = location
    return body


def my_reports(api: Api, phone: str) -> list[dict[str, Any]]:
    status, body, _ = api.call("GET", "/v1/me/reports", phone=phone)
    assert status == 200
    reports: list[dict[str, Any]] = body["reports"]
    return reports


@pytest.mark.parametrize(
    ("pin", "km"),
    [(MANADO, (90, 100)), (BOLAANG_MONGONDOW, (1.1, 1.2)), (BOLTIM, (0.78, 0.84))],
    ids=["manado", "bolaang_mongondow", "boltim"],
)
def test_a_pin_outside_the_city_is_refused_and_nothing_is_stored(
    api: Api, pin: dict[str, float], km: tuple[float, float]
) -> None:
    phone = "+6281300000001"
    status, body, _ = api.call("POST", "/v1/reports", body=water(pin), phone=phone)

    assert status == 422
    error = body["error"]
    assert error["code"] == "location_outside_city"
    assert "luar wilayah kota" in error["message"]["id"]
    assert "outside the city" in error["message"]["en"]
    (detail,) = error["details"]
    assert detail["field"] == "location"
    assert km[0] * 1000 < detail["distance_outside_m"] < km[1] * 1000
    assert isinstance(detail["distance_outside_m"], int)
    assert my_reports(api, phone) == []


def test_a_pin_the_octagon_refused_is_accepted_with_its_desa_and_kecamatan(api: Api) -> None:
    phone = "+6281300000002"
    status, body, _ = api.call("POST", "/v1/reports", body=water(MONGKONAI_BARAT), phone=phone)

    assert status == 201, body
    report = body["report"]
    place = {
        "desa": "Mongkonai Barat",
        "desa_code": "71.74.04.1006",
        "kecamatan": "Kotamobagu Barat",
        "kecamatan_code": "71.74.04",
    }
    assert report["subdistrict"] == place
    status, mine, _ = api.call("GET", f"/v1/me/reports/{report['id']}", phone=phone)
    assert (status, mine["report"]["subdistrict"]) == (200, place)
    status, public, _ = api.call("GET", f"/v1/reports/{report['tracking_code']}", phone=None)
    assert (status, public["report"]["subdistrict"]) == (200, place)


def test_a_report_waiting_for_its_photo_already_carries_its_place(api: Api) -> None:
    body = {
        "kind": "complaint",
        "category": "sampah",
        "description": "Sampah menumpuk di depan pasar Serasi sejak tiga hari.",
        "location": {**SININDIAN, "accuracy_m": 12},
        "photo_count": 1,
    }
    status, created, _ = api.call("POST", "/v1/reports", body=body)

    assert status == 201
    assert created["report"]["status"] == "received"
    assert created["report"]["subdistrict"]["desa"] == "Sinindian"
    assert created["report"]["subdistrict"]["kecamatan"] == "Kotamobagu Timur"


def test_a_category_needing_no_location_is_not_checked(api: Api) -> None:
    permit = {
        "kind": "complaint",
        "category": "perizinan",
        "description": "Izin usaha saya belum diproses selama dua bulan.",
        "location": MANADO,
    }
    status, body, _ = api.call("POST", "/v1/reports", body=permit)

    assert status == 201, body
    assert body["report"]["subdistrict"] is None
