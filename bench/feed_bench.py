"""One page of the public map feed (``GET /v1/reports``, a bbox covering the whole city, 50
reports) at 10,000 and 100,000 reports in moto: DynamoDB requests per call and milliseconds,
side by side.

The report items are the adapter's own serialisation (``report_to_item``) of reports filed
through the domain's ``file_report`` and routed, spread over the city and over 120 days, a
tenth confidential and a tenth anonymous. The call is what the route does: ``Feed.page`` (one
Query per geohash cell of the bbox on the index ByCell, merged) and the GeoJSON. The number of
requests is the number of cells the bbox touches, never the number of reports. moto answers a
GSI Query by reading the whole table, so its milliseconds grow with the table; DynamoDB's do not.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIZES = (10_000, 100_000)
REPEAT = 1  # moto reads the whole table per GSI Query: 100k reports take minutes a call
DAYS = 120
CITY_BBOX = "124.25,0.64,124.38,0.78"


def _items(n: int, city: Any, now: datetime) -> list[dict[str, Any]]:
    from sikemas.adapters.dynamo import report_to_item
    from sikemas.domain.report import Actor, Kind, Location, Privacy, file_report, transition
    from sikemas.domain.report import Status as S
    from sikemas.ids import new_ulid

    rng = random.Random(n)  # nosec B311 - a benchmark's spread, not crypto
    category = city.categories["sekolah"]  # a city agency's, no photo: routed at once
    first = file_report(
        report_id=new_ulid(now),
        tracking_code="KTG-000000",
        reporter_id="P",
        kind=Kind.COMPLAINT,
        category=category,
        description="Atap kelas roboh.",
        location=Location(0.73, 124.31, None),
        address=None,
        privacy=Privacy.PUBLIC,
        photo_count=0,
        notify_sms=False,
        at=now - timedelta(days=1),
    )[-1].after
    if first.status is not S.ASSIGNED:  # pragma: no cover - the city's configuration
        first = transition(first, S.ASSIGNED, at=first.created_at, actor=Actor.PHOTO_CHECKS).after
    items = []
    privacies = [Privacy.PUBLIC] * 8 + [Privacy.ANONYMOUS, Privacy.CONFIDENTIAL]
    for i in range(n):
        at = now - timedelta(days=rng.uniform(0, DAYS))
        report = replace(
            first,
            id=new_ulid(at),
            tracking_code=f"KTG-{i:06d}",
            privacy=rng.choice(privacies),
            location=Location(rng.uniform(0.66, 0.76), rng.uniform(124.27, 124.36), None),
            created_at=at,
            updated_at=at,
        )
        items.append(report_to_item(report))
    return items


def measure(n: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from sikemas.adapters.dynamo import DynamoReportRepository
    from sikemas.api import views
    from sikemas.city import load_city
    from sikemas.usecases.feed import Feed
    from sikemas_local.resources import table_shape  # the template's keys and indexes
    from sikemas_local.template import load_template

    city = load_city(ROOT / "cities" / "kotamobagu")
    now = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    items = _items(n, city, now)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-3")
        client.create_table(TableName="bench", **table_shape(load_template()))
        for i in range(0, len(items), 25):
            batch: list[Any] = [{"PutRequest": {"Item": item}} for item in items[i : i + 25]]
            client.batch_write_item(RequestItems={"bench": batch})
        calls: list[str] = []
        client.meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
        )
        feed = Feed(DynamoReportRepository(client, "bench", city.timezone), city)
        times, requests, shown = [], [], 0
        for _ in range(REPEAT):
            calls.clear()
            start = time.perf_counter()
            page = feed.page({"bbox": CITY_BBOX, "limit": "50"})
            body = json.dumps(
                [views.public_view(city, r, now=now) for r in page.reports], ensure_ascii=False
            )
            times.append((time.perf_counter() - start) * 1000)
            requests.append(len(calls))
            shown = len(page.reports)
    return {
        "reports": n,
        "requests": max(requests),
        "ms_median": statistics.median(times),
        "features": shown,
        "body_kb": len(body.encode()) / 1024,
    }


def main(sizes: tuple[int, ...] = SIZES) -> None:
    print("GET /v1/reports, the whole city's bbox, one page of 50, ByCell in moto (one call)")
    results = [measure(n) for n in sizes]
    print(f"{'reports':>9} {'requests':>9} {'ms':>9} {'features':>9} {'body KB':>8}")
    for r in results:
        print(
            f"{r['reports']:>9} {r['requests']:>9} {r['ms_median']:>9.1f} "
            f"{r['features']:>9} {r['body_kb']:>8.1f}"
        )


if __name__ == "__main__":
    main()
