"""What the working calendar adds to the API's cold start, in fresh interpreters on top of what
the API already has at init (boto3 and its DynamoDB client, Powertools' Logger, Metrics and HTTP
resolver, the city's ``city.json``), interleaved, min / median / max of ``BENCH_RUNS`` runs:

- importing the calendar modules only (what every cold start pays: the API never loads the
  calendar until it computes a deadline);
- the first deadline: reading the generated ``holidays/*.json`` years and counting one report's
  two clocks (what the first routing in an environment pays, once);
- for comparison, the ``holidays`` package asked directly for the same two years (what the layer
  would pay if it shipped the package instead of the generated JSON).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))

_BEFORE = """
import time, boto3
from pathlib import Path
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from sikemas.city import load_city
client = boto3.client("dynamodb", region_name="ap-southeast-3")
city_dir = Path("cities/kotamobagu")
city = load_city(city_dir)
t0 = time.perf_counter()
"""
_AFTER = "\nprint((time.perf_counter() - t0) * 1000)\n"

_FIRST_DEADLINE = """
from datetime import datetime, timezone
from sikemas.city_calendar import LazyCalendar
from sikemas.domain.calendar import ClockRules, Deadlines
calendar = LazyCalendar(city, city_dir)
Deadlines.start(ClockRules.of(city.categories["pencemaran"]),
                datetime(2026, 8, 14, 9, tzinfo=timezone.utc), calendar())
"""

CASES = {
    "nothing more (baseline)": "",
    "import the calendar modules (every cold start)": """
import sikemas.city_calendar, sikemas.domain.calendar
""",
    "first deadline: read 2 years of JSON + count (once)": _FIRST_DEADLINE,
    "the holidays package instead (import + 2 years)": """
import holidays
holidays.country_holidays("ID", years=(2026, 2027), categories=("public", "government"))
""",
}


def main() -> None:
    path = os.pathsep.join(
        p for p in (str(ROOT / "layers" / "sikemas"), os.environ.get("PYTHONPATH", "")) if p
    )
    env = {**os.environ, "PYTHONPATH": path, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(RUNS):
        for name, code in CASES.items():
            done = subprocess.run(
                [sys.executable, "-c", _BEFORE + code + _AFTER],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            samples[name].append(float(done.stdout.split()[-1]))
    print(f"The working calendar, ms added to the API's init ({RUNS} runs, interleaved)")
    print(f"  {'':<54}{'min':>8}{'median':>8}{'max':>8}")
    for name, xs in samples.items():
        print(f"  {name:<54}{min(xs):8.1f}{statistics.median(xs):8.1f}{max(xs):8.1f}")


if __name__ == "__main__":
    main()
