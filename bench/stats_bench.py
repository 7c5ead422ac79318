"""``GET /v1/stats`` for a 90-day period at 10,000 and 100,000 reports' worth of counter rows in
moto: DynamoDB requests per call and milliseconds, side by side.

The reports' lives are played through the domain's own functions (filing, routing, the
agency's response and resolution, reopening, closing, forwarding, rejection) and their counter
increments summed as the adapter's transactions would; the rows are then written once. The call
is what the route does: ``Stats.figures`` (the counters' Queries and the summing) and the JSON.
The number of requests depends on the months the period touches, never on the reports.
"""

from __future__ import annotations

import json
import random
import statistics
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SIZES = (10_000, 100_000)
REPEAT = 3
DAYS = 120  # reports spread over the last 120 days; the call asks for the last 90


def _rows(n: int, city: Any, now: datetime) -> dict[tuple[date, str, str], dict[str, int]]:
    from sikemas.domain.counters import counter_increments
    from sikemas.domain.report import Actor, AgencyOutcome, Kind, Privacy, file_report, transition
    from sikemas.domain.report import Status as S

    rng = random.Random(n)  # nosec B311 - a benchmark's spread, not crypto
    codes = sorted(city.categories)
    # Located reports carry their kelurahan/desa, as the pin check gives it: the ranking's rows.
    from sikemas.places import subdistrict_names

    desa = sorted(subdistrict_names(city.subdistricts_path))
    weights = [rng.paretovariate(1.3) for _ in desa]
    rows: dict[tuple[date, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    tz = city.timezone

    def count(ts: list[Any]) -> None:
        for t in ts:
            for inc in counter_increments(t, tz):
                rows[(inc.day, inc.dimension.value, inc.value)][inc.field] += inc.amount

    for i in range(n):
        category = city.categories[rng.choice(codes)]
        at = now - timedelta(days=rng.uniform(0, DAYS))
        ts = file_report(
            report_id=f"R{i:08d}",
            tracking_code=f"KTG-{i:06d}",
            reporter_id="P",
            kind=rng.choice(list(Kind)),
            category=category,
            description="x",
            location=None,
            subdistrict={"desa_code": rng.choices(desa, weights)[0]},
            address=None,
            privacy=Privacy.PUBLIC,
            photo_count=0,
            notify_sms=False,
            at=at,
        )
        report = ts[-1].after
        if report.status is S.RECEIVED:
            at += timedelta(minutes=rng.uniform(1, 30))
            fate = rng.random()
            if fate < 0.1:
                step = transition(report, S.VERIFYING, at=at, actor=Actor.PHOTO_CHECKS)
                ts.append(step)
                ts.append(
                    transition(
                        step.after, S.REJECTED, at=at, actor=Actor.PHOTO_CHECKS, reason="blurry"
                    )
                )
                count(ts)
                continue
            routed = S.ASSIGNED if category.agency.jurisdiction == "city" else S.FORWARDED
            ts.append(transition(report, routed, at=at, actor=Actor.PHOTO_CHECKS))
        report = ts[-1].after
        if report.status is S.FORWARDED:
            if rng.random() < 0.6:
                at += timedelta(hours=rng.uniform(1, 400))
                outcome = rng.choice([AgencyOutcome.HANDLED, AgencyOutcome.NOT_THEIRS])
                ts.append(transition(report, S.CLOSED, at=at, actor=Actor.AGENCY, outcome=outcome))
            count(ts)
            continue
        if rng.random() < 0.8:
            at += timedelta(hours=rng.expovariate(1 / 20))
            ts.append(transition(report, S.IN_PROGRESS, at=at, actor=Actor.AGENCY))
            if rng.random() < 0.8:
                at += timedelta(hours=rng.expovariate(1 / 90))
                outcome = rng.choice([AgencyOutcome.FIXED] * 4 + [AgencyOutcome.NOT_FIXABLE])
                ts.append(
                    transition(ts[-1].after, S.RESOLVED, at=at, actor=Actor.AGENCY, outcome=outcome)
                )
                if rng.random() < 0.1:
                    at += timedelta(days=2)
                    ts.append(transition(ts[-1].after, S.ASSIGNED, at=at, actor=Actor.CITIZEN))
                elif rng.random() < 0.5:
                    at += timedelta(days=1)
                    ts.append(transition(ts[-1].after, S.CLOSED, at=at, actor=Actor.CITIZEN))
        count([t for t in ts if t.event.at <= now])
    return rows


def _write(client: Any, name: str, rows: dict[tuple[date, str, str], dict[str, int]]) -> None:
    from sikemas.adapters import keys

    items = []
    for (day, dimension, value), fields in rows.items():
        item: dict[str, Any] = {
            **keys.counter(day, dimension, value),
            "type": {"S": "counter"},
            "day": {"S": day.isoformat()},
        }
        item.update({f: {"N": str(v)} for f, v in fields.items() if v})
        items.append({"PutRequest": {"Item": item}})
    for i in range(0, len(items), 25):
        client.batch_write_item(RequestItems={name: items[i : i + 25]})


def measure(n: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    from sikemas.adapters.dynamo import DynamoReportRepository
    from sikemas.city import load_city
    from sikemas.usecases.stats import Stats
    from sikemas_local.resources import table_shape  # the template's keys and indexes
    from sikemas_local.template import load_template

    city = load_city(ROOT / "cities" / "kotamobagu")
    now = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
    rows = _rows(n, city, now)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-southeast-3")
        client.create_table(TableName="bench", **table_shape(load_template()))
        _write(client, "bench", rows)
        calls: list[str] = []
        client.meta.events.register(
            "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
        )
        stats = Stats(DynamoReportRepository(client, "bench", city.timezone), city, lambda: now)
        today = now.astimezone(city.timezone).date()
        params = {"from": (today - timedelta(days=89)).isoformat(), "to": today.isoformat()}
        times, requests = [], []
        body = ""
        for _ in range(REPEAT):
            calls.clear()
            start = time.perf_counter()
            body = json.dumps(stats.figures(params), ensure_ascii=False)
            times.append((time.perf_counter() - start) * 1000)
            requests.append(len(calls))
        figures = json.loads(body)
    return {
        "reports": n,
        "counter_rows": len(rows),
        "requests": max(requests),
        "ms_median": statistics.median(times),
        "received_90d": figures["totals"]["received"],
        "body_kb": len(body.encode()) / 1024,
        "summary": figures["summary"]["id"],
    }


def main(sizes: tuple[int, ...] = SIZES) -> None:
    print("GET /v1/stats, 90 days, counters in moto (median of 3 calls)")
    results = [measure(n) for n in sizes]
    print(f"{'reports':>9} {'rows':>6} {'requests':>9} {'ms':>8} {'received':>9} {'body KB':>8}")
    for r in results:
        print(
            f"{r['reports']:>9} {r['counter_rows']:>6} {r['requests']:>9} "
            f"{r['ms_median']:>8.1f} {r['received_90d']:>9} {r['body_kb']:>8.1f}"
        )
    for r in results:
        print(f"  {r['reports']}: {r['summary']}")


if __name__ == "__main__":
    main()
