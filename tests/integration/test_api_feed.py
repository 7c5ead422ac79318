"""GET /v1/reports, the public map feed, through the real API handler and the template's table in
moto: GeoJSON, newest first, page by page, read through the index ByCell (never a scan), and
nothing private in it — nor in any other public response."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Api

CITY_BBOX = "124.25,0.64,124.38,0.78"  # the whole of Kotamobagu
SCHOOL = {
    "kind": "complaint",
    "category": "sekolah",
    "description": "Atap kelas SD roboh, hubungi 081234567890.",
    "location": {"lat": 0.731234, "lon": 124.312345},
    "address": "Jl. Ahmad Yani no. 7",
}
WATER = {
    "kind": "complaint",
    "category": "air_bersih",
    "description": "Air PDAM tidak mengalir sejak kemarin pagi.",
    "location": {"lat": 0.745, "lon": 124.335},
}


def _file(api: Api, body: dict[str, Any], phone: str = "+6281234567890") -> dict[str, Any]:
    status, created, _ = api.call("POST", "/v1/reports", body=body, phone=phone)
    assert status == 201, created
    return created["report"]


def _feed(api: Api, **query: str) -> tuple[int, dict[str, Any]]:
    status, body, _ = api.call("GET", "/v1/reports", phone=None, query=query)
    return status, body


def test_the_feed_is_geojson_newest_first_with_the_public_view(api: Api):
    first = _file(api, SCHOOL)
    second = _file(api, WATER)

    status, body = _feed(api, bbox=CITY_BBOX)

    assert status == 200
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == [second["id"], first["id"]]
    school = body["features"][1]
    assert school["type"] == "Feature"
    assert school["geometry"] == {"type": "Point", "coordinates": [124.31234, 0.73123]}
    assert school["properties"]["status"] == "assigned"
    assert school["properties"]["description"] == "Atap kelas SD roboh, hubungi [telepon]."
    assert body["next_cursor"] is None


def test_the_bbox_status_category_and_since_filter(api: Api):
    school = _file(api, SCHOOL)
    water = _file(api, WATER)

    def ids(**query: str) -> list[str]:
        status, body = _feed(api, **query)
        assert status == 200, body
        return [f["id"] for f in body["features"]]

    # A small box around the school only (the water report is 3 km away).
    assert ids(bbox="124.30,0.72,124.32,0.74") == [school["id"]]
    assert ids(bbox=CITY_BBOX, status="forwarded") == [water["id"]]
    assert ids(bbox=CITY_BBOX, category="sekolah") == [school["id"]]
    assert ids(bbox=CITY_BBOX, since="2999-01-01T00:00:00+00:00") == []
    assert ids(bbox=CITY_BBOX, since=school["created_at"]) == [water["id"], school["id"]]
    assert ids(bbox="124.00,0.90,124.10,1.00") == []


def test_pages_follow_the_cursor_without_repeats(api: Api):
    filed = [
        _file(api, {**SCHOOL, "location": {"lat": 0.70 + i * 0.01, "lon": 124.30 + i * 0.005}})
        for i in range(5)
    ]

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"bbox": CITY_BBOX, "limit": "2"}
        if cursor:
            query["cursor"] = cursor
        status, body = _feed(api, **query)
        assert status == 200, body
        assert len(body["features"]) <= 2
        seen += [f["id"] for f in body["features"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [r["id"] for r in reversed(filed)]
    assert pages == 3


def test_the_feed_reads_the_index_never_a_scan(api: Api, monkeypatch: pytest.MonkeyPatch):
    _file(api, SCHOOL)
    calls: list[str] = []
    import botocore.client

    original = getattr(botocore.client.BaseClient, "_make_api_call")  # noqa: B009

    def spy(self: Any, operation: str, params: dict[str, Any]) -> Any:
        calls.append(f"{operation}:{params.get('IndexName', '')}")
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    status, body = _feed(api, bbox=CITY_BBOX)

    assert status == 200
    assert len(body["features"]) == 1
    assert calls
    assert all(c == "Query:ByCell" for c in calls), calls


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({}, "invalid_request"),
        ({"bbox": "124.2,0.6,124.4"}, "invalid_request"),
        ({"bbox": "a,b,c,d"}, "invalid_request"),
        ({"bbox": "124.4,0.6,124.2,0.8"}, "invalid_request"),
        ({"bbox": "124.2,0.6,124.4,nan"}, "invalid_request"),
        ({"bbox": "100,-10,140,10"}, "invalid_request"),  # far too many cells
        ({"bbox": CITY_BBOX, "status": "received"}, "invalid_request"),
        ({"bbox": CITY_BBOX, "category": "unicorns"}, "unknown_category"),
        ({"bbox": CITY_BBOX, "since": "yesterday"}, "invalid_request"),
        ({"bbox": CITY_BBOX, "limit": "0"}, "invalid_request"),
        ({"bbox": CITY_BBOX, "limit": "101"}, "invalid_request"),
        ({"bbox": CITY_BBOX, "limit": "x"}, "invalid_request"),
        ({"bbox": CITY_BBOX, "cursor": "not-a-cursor"}, "invalid_cursor"),
        ({"bbox": CITY_BBOX, "cursor": "eyJiZWZvcmUiOiAxfQ=="}, "invalid_cursor"),
        ({"bbox": CITY_BBOX, "agency": "DLH"}, "unknown_parameter"),
    ],
)
def test_bad_parameters_are_refused_in_the_error_shape(api: Api, query, code):
    status, body = _feed(api, **query)

    assert status == 400
    assert body["error"]["code"] == code
    assert body["error"]["message"]["id"]
    assert body["error"]["message"]["en"]


def test_no_public_response_carries_anything_private(api: Api, dynamodb, stack):
    """Reports of every privacy, then every public response searched for every private field."""
    phone = "+6281299998888"
    public = _file(api, {**SCHOOL, "privacy": "public"}, phone=phone)
    anonymous = _file(
        api,
        {**SCHOOL, "privacy": "anonymous", "location": {"lat": 0.721987, "lon": 124.301987}},
        phone=phone,
    )
    confidential = _file(
        api,
        {**SCHOOL, "privacy": "confidential", "location": {"lat": 0.711111, "lon": 124.291111}},
        phone=phone,
    )
    items = [
        dynamodb.get_item(
            TableName=stack.ref("Table"),
            Key={"PK": {"S": f"REPORT#{r['id']}"}, "SK": {"S": "META"}},
        )["Item"]
        for r in (public, anonymous, confidential)
    ]
    reporter_id = items[0]["reporter_id"]["S"]
    forbidden = [
        phone,
        phone.lstrip("+"),
        "081299998888",
        "081234567890",  # the number written in the description (masked)
        reporter_id,
        f"sub-{phone}",
        "originals/",
        "private/",
        "0.721987",
        "124.301987",
        confidential["id"],
        confidential["tracking_code"],
        "reporter",
        "notify_sms",
    ]

    responses = {
        "report": api.call("GET", f"/v1/reports/{public['id']}", phone=None),
        "anonymous report": api.call("GET", f"/v1/reports/{anonymous['id']}", phone=None),
        "feed": api.call("GET", "/v1/reports", phone=None, query={"bbox": CITY_BBOX}),
        "stats": api.call("GET", "/v1/stats", phone=None),
        "categories": api.call("GET", "/v1/categories", phone=None),
    }
    for name, (status, body, _) in responses.items():
        assert status == 200, (name, body)
        text = json.dumps(body, ensure_ascii=False)
        leaked = [f for f in forbidden if f in text]
        assert not leaked, f"{name} shows {leaked}"

    feed = responses["feed"][1]
    assert {f["id"] for f in feed["features"]} == {public["id"], anonymous["id"]}
    shown = {f["id"]: f for f in feed["features"]}[anonymous["id"]]
    assert shown["geometry"]["coordinates"] == [124.302, 0.722]
    assert shown["properties"]["address"] is None
    # The confidential report is neither in the feed nor readable by id.
    assert api.call("GET", f"/v1/reports/{confidential['id']}", phone=None)[0] == 404
    assert "GSI5PK" not in items[2]
    assert "GSI5PK" in items[0]
