"""GET /statistik through the real API handler and the template's table in moto: public HTML
drawn from the same counters as GET /v1/stats, the picker's periods."""

from __future__ import annotations

import copy
import re
from typing import Any

from tests.integration.conftest import Api, load_event
from tests.integration.test_api_intake import PERMIT, WATER


def get_page(api: Api, query: dict[str, str] | None = None) -> dict[str, Any]:
    """An unauthenticated GET /statistik, as API Gateway hands it over (no authorizer)."""
    event = copy.deepcopy(load_event("http_api_post_report.json"))
    event["routeKey"] = event["requestContext"]["routeKey"] = "GET /statistik"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/statistik"
    event["requestContext"]["http"]["method"] = "GET"
    event["requestContext"].pop("authorizer", None)
    event["headers"] = {}
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
    event["pathParameters"] = None
    event["body"] = None
    event["isBase64Encoded"] = False
    response: dict[str, Any] = api.function.invoke(event)
    return response


def bars(page: str) -> dict[tuple[str, str], int]:
    return {
        (agency, outcome): int(value)
        for agency, outcome, value in re.findall(
            r'<rect class="bar" data-agency="([^"]*)" data-outcome="([^"]*)" '
            r'data-value="(\d+)"',
            page,
        )
    }


def test_the_page_draws_the_figures_of_v1_stats(api: Api):
    api.call("POST", "/v1/reports", body=PERMIT)
    api.call("POST", "/v1/reports", body=WATER)
    _, stats, _ = api.call("GET", "/v1/stats", phone=None)

    response = get_page(api)

    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"].startswith("text/html")
    page = response["body"]
    assert stats["summary"]["id"] in page
    drawn = bars(page)
    assert drawn  # two agencies with a report each
    for agency in stats["agencies"]:
        of_agency = sum(n for (code, _), n in drawn.items() if code == agency["code"])
        assert of_agency == agency["received"], agency["code"]
    assert sum(drawn.values()) == stats["totals"]["received"] == 2
    # The kelurahan bars: the located report's (WATER), as GET /v1/stats ranks them.
    desa = re.findall(r'<rect class="bar" data-desa="([^"]*)" data-value="(\d+)"', page)
    assert [(c, int(n)) for c, n in desa] == [
        (d["code"], d["received"]) for d in stats["subdistricts"]
    ]
    assert desa == [("71.74.02.1005", "1")]
    assert "Sinindian" in page
    assert "<script" not in page


def test_the_picker_chooses_the_period_and_an_unknown_choice_shows_30_days(api: Api):
    week = get_page(api, {"periode": "7"})["body"]
    unknown = get_page(api, {"periode": "<b>"})["body"]

    assert "(7 hari," in week
    assert 'href="/statistik?periode=7" aria-current="page"' in week
    assert "(30 hari," in unknown
    assert "<b>" not in unknown
