"""Local stack benchmark: memory and create latency as reports pile up, against a baseline.

    python -m bench.local_stack [--reports 100,1000,10000] [--baseline-max 1000]

Each variant runs in its own worker process (a fresh interpreter, its own moto), started as
`make run` starts the stack (moto server, functions, HTTP front, pollers), with no saved data.
Up to each checkpoint the table is filled with copies of the items one real report made (fresh
report ids and tracking codes, 25 items per BatchWriteItem: the same items, stream records
included, in a fraction of the time), and the last 50 reports of each checkpoint are filed over
HTTP (`POST /v1/reports`, a Cognito token per citizen): the latency shown is theirs (median and
p95), with the worker's RSS and, for the shipped variant, how long saving the data takes and
its size.

- shipped: the local stack as it is (moto's transactions with an undo log, the table's stream
  read and trimmed).
- baseline: moto as it comes (each transaction deep-copies the table with every stream record;
  nothing reads the stream), at 100, 500 and 1,000 reports (`--baseline-reports`). It stops at
  `--baseline-max` reports, at a failed create, or when one create takes longer than 5 s: its
  growth is clear long before 10,000, which it cannot reach.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
WINDOW = 50  # creates measured at each checkpoint
REPORTS_PER_CITIZEN = 1000  # DailyReportLimit's maximum
SLOWEST_BASELINE_S = 5.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _disable_fixes() -> None:
    """The baseline: moto's own transactions, and nothing reading the stream."""
    from sikemas_local import moto_fixes, runner

    moto_fixes.install = lambda: None
    runner.stream_readers = lambda *_args, **_kwargs: []  # type: ignore[assignment]


def _report_items(dynamodb: Any, table: str, report: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's items that belong to one report (they name its id or tracking code)."""
    marks = (report["id"], report["tracking_code"])
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=table):
        items += [item for item in page["Items"] if any(m in json.dumps(item) for m in marks)]
    return items


def _copies(items: list[dict[str, Any]], report: dict[str, Any], count: int) -> list[Any]:
    """`count` copies of one report's items, each with a fresh id and tracking code."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    prefix = report["tracking_code"].split("-")[0]
    text = json.dumps(items)
    copies = []
    for _ in range(count):
        fresh_id = report["id"][:10] + "".join(random.choices(alphabet, k=16))
        fresh_code = f"{prefix}-" + "".join(random.choices(string.ascii_uppercase, k=8))
        copied = text.replace(report["id"], fresh_id).replace(report["tracking_code"], fresh_code)
        copies += json.loads(copied)
    return copies


def _fill(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        unprocessed: dict[str, Any] = {table: requests}
        while unprocessed:
            answer = dynamodb.batch_write_item(RequestItems=unprocessed)
            unprocessed = answer.get("UnprocessedItems") or {}


def worker(variant: str, checkpoints: list[int], limit: int) -> None:
    import requests

    from sikemas_local import state
    from sikemas_local.runner import start

    if variant == "baseline":
        _disable_fixes()
    local = start(port=0, quiet=True, data_dir=None, parameters={"DailyReportLimit": "1000"})
    session = requests.Session()
    body = {
        "kind": "complaint",
        "category": "sampah",
        "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
        "location": {"lat": 0.7339, "lon": 124.3158, "accuracy_m": 15},
        "photo_count": 1,
    }
    headers: dict[str, str] = {}
    latencies: list[float] = []
    created = 0
    dynamodb = session_client = None
    table = local.stack.ref("Table")
    template_items: list[dict[str, Any]] = []
    first: dict[str, Any] = {}
    try:
        import boto3

        session_client = boto3.session.Session(region_name=local.stack.region)
        dynamodb = session_client.client("dynamodb", endpoint_url=local.moto_url)
        for target in checkpoints:
            if target > limit:
                break
            measured: list[float] = []
            failure = None
            if template_items and target - WINDOW > created:
                _fill(dynamodb, table, _copies(template_items, first, target - WINDOW - created))
                created = target - WINDOW
            while created < target:
                if created % REPORTS_PER_CITIZEN == 0:
                    phone = f"+62812{created // REPORTS_PER_CITIZEN:07d}"
                    answer = session.post(
                        f"{local.api_url}/_local/token", json={"phone": phone}, timeout=30
                    )
                    headers = {"Authorization": f"Bearer {answer.json()['token']}"}
                started = time.perf_counter()
                response = session.post(
                    f"{local.api_url}/v1/reports", json=body, headers=headers, timeout=120
                )
                elapsed = time.perf_counter() - started
                if response.status_code != 201:
                    error = response.json().get("error", {}).get("code", response.status_code)
                    failure = f"create {created + 1}: {error} after {elapsed:.0f} s"
                    break
                latencies.append(elapsed)
                measured.append(elapsed)
                created += 1
                if not template_items:
                    first = response.json()["report"]
                    template_items = _report_items(dynamodb, table, first)
                if variant == "baseline" and elapsed > SLOWEST_BASELINE_S:
                    break
            window = measured[-WINDOW:]
            point: dict[str, Any] = {"reports": created, "rss_mb": round(rss_mb())}
            if failure:
                point["failed"] = failure
            if len(window) >= 2:
                point["median_ms"] = round(statistics.median(window) * 1000, 1)
                point["p95_ms"] = round(statistics.quantiles(window, n=20)[-1] * 1000, 1)
            if variant == "shipped" and local.snapshots is None:
                with tempfile.TemporaryDirectory() as folder:
                    size, held = state.save(Path(folder), "bench", local.stack)
                point["snapshot_mb"] = round(size / 1e6, 1)
                point["snapshot_s"] = round(held, 2)
            print(json.dumps(point), flush=True)
            if created < target or failure:
                break
    finally:
        local.close()


def run_variant(variant: str, checkpoints: list[int], limit: int) -> list[dict[str, Any]]:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(REPO / "local"), str(REPO / "layers" / "sikemas"), str(REPO)]
        ),
    }
    command = [
        sys.executable,
        "-m",
        "bench.local_stack",
        "--worker",
        variant,
        "--reports",
        ",".join(map(str, checkpoints)),
        "--baseline-max",
        str(limit),
    ]
    started = time.monotonic()
    finished = subprocess.run(
        command, cwd=REPO, env=environment, capture_output=True, text=True, check=False
    )
    lines = [json.loads(line) for line in finished.stdout.splitlines() if line.startswith("{")]
    points = [line for line in lines if "reports" in line]
    for line in points:
        if "failed" in line:
            print(f"  {variant}: {line['failed']}")
    if finished.returncode != 0:
        tail = "\n".join(finished.stderr.splitlines()[-15:])
        print(f"{variant}: worker failed ({finished.returncode}):\n{tail}", file=sys.stderr)
    print(f"  ({variant}: {time.monotonic() - started:.0f} s)", flush=True)
    return points


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.local_stack")
    parser.add_argument("--reports", default="100,1000,10000")
    parser.add_argument("--baseline-max", type=int, default=1000)
    parser.add_argument(
        "--baseline-reports", default="100,500,1000", help="the baseline's own checkpoints"
    )
    parser.add_argument("--worker", choices=("shipped", "baseline"))
    args = parser.parse_args(argv)
    checkpoints = sorted(int(item) for item in args.reports.split(","))
    if args.worker:
        limit = args.baseline_max if args.worker == "baseline" else max(checkpoints)
        worker(args.worker, checkpoints, limit)
        return
    print("Local stack: RSS and create latency (last 50 creates) as reports pile up")
    baseline_checkpoints = sorted(int(item) for item in args.baseline_reports.split(","))
    baseline = run_variant("baseline", baseline_checkpoints, args.baseline_max)
    shipped = run_variant("shipped", checkpoints, max(checkpoints))
    print(
        f"{'reports':>8} | {'baseline: RSS MB':>16} {'median ms':>10} {'p95 ms':>8} | "
        f"{'shipped: RSS MB':>15} {'median ms':>10} {'p95 ms':>8} {'save s':>7} {'save MB':>8}"
    )
    rows = sorted({point["reports"] for point in baseline + shipped})
    for reports in rows:
        old = next((p for p in baseline if p["reports"] == reports), None)
        new = next((p for p in shipped if p["reports"] == reports), None)
        left = (
            f"{old['rss_mb']:>16} {old.get('median_ms', 'failed'):>10} {old.get('p95_ms', ''):>8}"
            if old
            else f"{'(not run)':>16} {'':>10} {'':>8}"
        )
        right = (
            f"{new['rss_mb']:>15} {new.get('median_ms', 'failed'):>10} {new.get('p95_ms', ''):>8} "
            f"{new.get('snapshot_s', ''):>7} {new.get('snapshot_mb', ''):>8}"
            if new
            else f"{'(not run)':>15}"
        )
        print(f"{reports:>8} | {left} | {right}")


if __name__ == "__main__":
    main()
