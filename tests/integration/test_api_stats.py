"""GET /v1/stats through the real API handler and the template's table in moto: public, read
from the counters the filing wrote, refusals in the error shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.integration.conftest import Api
from tests.integration.test_api_intake import PERMIT, WATER


def test_the_figures_of_the_last_30_days_count_what_was_filed(api: Api):
    api.call("POST", "/v1/reports", body=PERMIT)
    api.call("POST", "/v1/reports", body=WATER)

    status, stats, headers = api.call("GET", "/v1/stats", phone=None)

    assert status == 200
    assert stats["days"] == 30
    assert stats["totals"]["received"] == 2
    assert stats["vertical"] == {"received": 1, "agencies": [{"code": "PDAM", "received": 1}]}
    assert stats["summary"]["id"] == (
        "Dari 2 laporan, 0 telah ditindaklanjuti dan selesai; "
        "1 menyangkut instansi vertikal (PDAM)."
    )
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Makassar")).date()
    assert stats["to"] == today.isoformat()
    assert stats["per_day"][-1] == {"date": today.isoformat(), "received": 2}
    assert headers.get("Cache-Control") == "public, max-age=300"


def test_the_kelurahan_with_the_most_reports_come_from_the_counters(api: Api):
    from sikemas_tools.openapi import Stats

    for _ in range(2):
        api.call("POST", "/v1/reports", body=WATER)  # 0.73, 124.31: Sinindian
    api.call("POST", "/v1/reports", body={**WATER, "location": {"lat": 0.74, "lon": 124.32}})
    api.call("POST", "/v1/reports", body=PERMIT)  # no location: in no kelurahan

    _, stats, _ = api.call("GET", "/v1/stats", phone=None)

    assert stats["subdistricts"] == [
        {
            "code": "71.74.02.1005",
            "name": "Sinindian",
            "kecamatan": "Kotamobagu Timur",
            "received": 2,
        },
        {
            "code": "71.74.02.1003",
            "name": "Kotobangun",
            "kecamatan": "Kotamobagu Timur",
            "received": 1,
        },
    ]
    Stats.model_validate(stats)  # as documented in the OpenAPI document


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({"from": "2026-11-31"}, "invalid_period"),
        ({"from": "2026-11-02", "to": "2026-11-01"}, "invalid_period"),
        ({"from": "2025-01-01", "to": "2026-01-02"}, "period_too_long"),
        ({"agency": "DLH"}, "unknown_parameter"),
    ],
)
def test_a_bad_period_is_refused_in_the_error_shape(api: Api, query, code):
    status, body, _ = api.call("GET", "/v1/stats", phone=None, query=query)

    assert status == 400
    assert body["error"]["code"] == code
    assert body["error"]["message"]["id"]
    assert body["error"]["message"]["en"]


def test_a_past_period_without_reports_says_so(api: Api):
    last = (datetime.now(UTC) - timedelta(days=400)).date()
    first = last - timedelta(days=365)
    _, stats, _ = api.call(
        "GET", "/v1/stats", phone=None, query={"from": first.isoformat(), "to": last.isoformat()}
    )
    assert stats["totals"]["received"] == 0
    assert stats["summary"]["en"] == "No reports in this period."
