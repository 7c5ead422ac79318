"""The public statistics page in headless Chromium on the local stack, at a phone's width: a
few reports are filed, /statistik is opened, and the charts' bars (their ``data-value``: per
agency and per kelurahan) are the numbers GET /v1/stats gives. The 390x844 screenshot is kept
as ``.artefacts/statistik.png``.

Needs Debian's ``chromium`` and ``chromium-driver``; without them the test skips, saying so,
except under ``CI=true`` (as tests/e2e/test_agency_browser.py).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import requests

from tests.e2e.conftest import WIDTH
from tests.e2e.test_agency_browser import file_report
from tests.integration.test_api_intake import WATER

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / ".artefacts" / "statistik.png"


def test_the_statistics_page_draws_the_numbers_of_the_api_on_a_phone(local_stack, browser):
    from selenium.webdriver.common.by import By

    file_report(local_stack)
    file_report(local_stack)
    water = requests.post(
        f"{local_stack.url}/v1/reports",
        json=WATER,
        headers=local_stack.auth("+6281377700012"),
        timeout=10,
    )
    assert water.status_code == 201, water.text
    elsewhere = {**WATER, "location": {"lat": 0.74, "lon": 124.32}}  # Kotobangun
    water = requests.post(
        f"{local_stack.url}/v1/reports",
        json=elsewhere,
        headers=local_stack.auth("+6281377700013"),
        timeout=10,
    )
    assert water.status_code == 201, water.text

    browser.get(f"{local_stack.url}/statistik")
    stats = requests.get(f"{local_stack.url}/v1/stats", timeout=10).json()

    assert browser.find_element(By.ID, "summary").text == stats["summary"]["id"]
    drawn: dict[str, dict[str, int]] = defaultdict(dict)
    chart_of: dict[str, str] = {}
    for bar in browser.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar[data-agency]"):
        agency, outcome = bar.get_attribute("data-agency"), bar.get_attribute("data-outcome")
        drawn[str(agency)][str(outcome)] = int(str(bar.get_attribute("data-value")))
        chart_of[str(agency)] = str(
            bar.find_element(By.XPATH, "ancestor::*[name()='svg']").get_attribute("id")
        )
        assert bar.size["width"] > 0
    expected = {a["code"]: a for a in stats["agencies"] if a["received"] > 0}
    assert {"DINKES", "PDAM"} <= set(expected)
    assert set(drawn) == set(expected)
    # The city's own agencies in one chart, the vertical ones (counted apart) in another.
    for code, agency in expected.items():
        city = agency["jurisdiction"] == "city"
        assert chart_of[code] == ("agency-chart" if city else "vertical-chart"), code
    for code, agency in expected.items():
        assert sum(drawn[code].values()) == agency["received"], code
        assert drawn[code].get("done", 0) == agency["followed_up_and_done"], code
    days = browser.find_elements(By.CSS_SELECTOR, "#day-chart circle.day")
    assert [int(str(d.get_attribute("data-value"))) for d in days] == [
        d["received"] for d in stats["per_day"]
    ]
    # The kelurahan with the most reports, most first, as the API ranks them.
    desa = browser.find_elements(By.CSS_SELECTOR, "#kelurahan-chart rect.bar")
    assert [
        (d.get_attribute("data-desa"), int(str(d.get_attribute("data-value")))) for d in desa
    ] == [(d["code"], d["received"]) for d in stats["subdistricts"]]
    assert len(desa) >= 2
    assert all(d.size["width"] > 0 for d in desa)
    assert desa[0].size["width"] >= desa[-1].size["width"]
    # Phone-first: the chart fits the screen's width.
    chart = browser.find_element(By.ID, "agency-chart")
    assert chart.size["width"] <= WIDTH

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 0

    browser.find_element(By.LINK_TEXT, "7 hari terakhir").click()
    assert "periode=7" in browser.current_url
    assert "(7 hari," in browser.find_element(By.TAG_NAME, "main").text
