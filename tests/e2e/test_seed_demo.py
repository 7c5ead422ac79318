"""`bin/sikemas seed-demo` on a local stack of its own (empty at the start): the city's
announcement reproduced exactly by the default `GET /v1/stats`, then the living demo on top.

The command is run as a user runs it (a subprocess of `bin/sikemas`); everything it does goes
through the stack's own doors (the API, the signed links, the console's events, the clock).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from sikemas_tools.seed_plan import Do, PhotoKind, demo_plan
from tests.e2e.conftest import ROOT, LocalStack, running_stack
from tests.unit.test_seed_plan import WITA, dos, planner

SENTENCE_ID = (
    "Dari 93 laporan, 53 telah ditindaklanjuti dan selesai; "
    "40 menyangkut instansi vertikal (PDAM, PLN, POLRES)."
)
SENTENCE_EN = (
    "Of 93 reports, 53 were followed up and closed; "
    "40 concern vertical agencies (PDAM, PLN, POLRES)."
)
CITY_BBOX = "124.25,0.64,124.38,0.78"
DEMO_SEED, DEMO_REPORTS = "5", "40"


@pytest.fixture(scope="module")
def empty_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(tmp_path_factory.mktemp("seed-data")) as stack:
        yield stack


def seed_demo(stack: LocalStack, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return subprocess.run(
        [str(ROOT / "bin" / "sikemas"), "seed-demo", "--api", stack.url, *args],
        capture_output=True,
        text=True,
        timeout=900,
        env=environment,
        check=False,
    )


def stats(stack: LocalStack, **period: str) -> dict[str, Any]:
    response = requests.get(f"{stack.url}/v1/stats", params=period, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def feed(stack: LocalStack) -> list[dict[str, Any]]:
    features: list[dict[str, Any]] = []
    params: dict[str, str] = {"bbox": CITY_BBOX, "limit": "100"}
    while True:
        page = requests.get(f"{stack.url}/v1/reports", params=params, timeout=60).json()
        features += page["features"]
        if not page.get("next_cursor"):
            return features
        params["cursor"] = page["next_cursor"]


@pytest.fixture(scope="module")
def announced(empty_stack: LocalStack) -> dict[str, Any]:
    done = seed_demo(empty_stack, "--announcement")
    assert done.returncode == 0, done.stderr[-3000:]
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def test_the_announcement_is_reproduced_exactly(
    empty_stack: LocalStack, announced: dict[str, Any]
) -> None:
    figures = stats(empty_stack)  # the default period: the last 30 city days

    assert figures["summary"] == {"id": SENTENCE_ID, "en": SENTENCE_EN}
    assert announced["stats_last_30_days"]["summary"]["id"] == SENTENCE_ID
    assert figures["totals"]["received"] == 93
    assert figures["totals"]["followed_up_and_done"] == 53
    # The top agencies are the city's own; the vertical ones are counted apart.
    assert [a["code"] for a in figures["top_agencies"][:3]] == ["DLH", "SATPOLPP", "DISHUB"]
    assert [a["complaints"] for a in figures["top_agencies"][:4]] == [17, 12, 10, 5]
    assert not {a["code"] for a in figures["top_agencies"]} & {"PDAM", "PLN", "POLRES"}
    assert figures["vertical"] == {
        "received": 40,
        "agencies": [
            {"code": "PDAM", "received": 19},
            {"code": "PLN", "received": 15},
            {"code": "POLRES", "received": 6},
        ],
    }
    # Every city report was followed up to its close; 28 vertical ones closed by their agency.
    city = [a for a in figures["agencies"] if a["jurisdiction"] == "city"]
    assert sum(a["now"].get("closed", 0) for a in city) == 53
    assert sum(a["received"] for a in city) == 53
    assert announced["statuses"] == {"closed": 81, "forwarded": 12}
    totals = figures["totals"]
    assert totals["reopened"] == 2
    assert totals["resolved_not_fixable"] == 3
    assert totals["rejected"] == 0
    assert sum(totals["vertical_outcomes"].values()) == 28
    assert totals["hours"]["response"]["count"] >= 53  # first responses, with their durations
    assert sum(day["received"] for day in figures["per_day"]) == 93


def test_contacts_the_citizens_wrote_are_masked_without_a_digit(
    empty_stack: LocalStack, announced: dict[str, Any]
) -> None:
    features = feed(empty_stack)

    descriptions = [f["properties"]["description"] for f in features]
    assert len(features) >= 85  # the public ones (the plan files every report public)
    masked = [d for d in descriptions if "[telepon]" in d]
    assert masked, "the announcement's plan has citizens who wrote their number"
    assert not [d for d in descriptions if re.search(r"\d", d)]
    code = masked_props(features)[0]["tracking_code"]
    one = requests.get(f"{empty_stack.url}/v1/reports/{code}", timeout=30).json()["report"]
    assert "[telepon]" in one["description"]
    assert not re.search(r"\d", one["description"])


def test_the_announcement_is_refused_on_a_stack_that_holds_reports(
    empty_stack: LocalStack, announced: dict[str, Any]
) -> None:
    again = seed_demo(empty_stack, "--announcement")

    assert again.returncode == 1
    assert "make reset" in again.stderr
    assert "93" in again.stderr
    assert stats(empty_stack)["totals"]["received"] == 93  # nothing was added


def test_the_living_demo_fills_the_stack_with_every_life(
    empty_stack: LocalStack, announced: dict[str, Any]
) -> None:
    p = planner(int(DEMO_SEED), now=datetime.now(UTC))
    lives = demo_plan(p, int(DEMO_REPORTS))
    pranks = sum(x.photo is PhotoKind.OUTSIDE for x in lives)
    assert pranks
    assert any(x.photo is PhotoKind.NO_GPS for x in lives)
    assert any(Do.REOPEN in dos(x) for x in lives)

    done = seed_demo(empty_stack, "--reports", DEMO_REPORTS, "--seed", DEMO_SEED)

    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout)
    assert summary["filed"] == len(lives)
    statuses = summary["statuses"]
    assert statuses.get("rejected") == pranks  # kept, with the reason
    assert statuses.get("closed", 0) >= 10
    assert {"assigned", "in_progress", "forwarded"} & set(statuses)  # still open ones
    today = datetime.now(WITA).date()
    quarter = stats(empty_stack, **{"from": str(today - timedelta(days=89)), "to": str(today)})
    totals = quarter["totals"]
    assert totals["rejected_by_reason"].get("outside_city") == pranks
    assert totals["reopened"] >= 3  # the announcement's two and the demo's
    assert totals["overdue"] >= 1  # the watcher flagged the ones nobody answered
    assert clock_is_real(empty_stack)


def masked_props(features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [f["properties"] for f in features if "[telepon]" in f["properties"]["description"]]


def clock_is_real(stack: LocalStack) -> bool:
    now = requests.get(f"{stack.url}/_local/clock", timeout=10).json()
    return abs(int(now["offset_s"])) < 5
