"""What the libraries we chose not to load would add to the API's cold start: each measured
in fresh interpreters on top of what the API already imports (boto3, the DynamoDB client,
Powertools' Logger, Metrics and HTTP resolver), interleaved, min / median / max.

The Tracer needs ``aws-xray-sdk``, which this project does not install: put it on
``BENCH_EXTRA_PATH`` (``pip install --target /tmp/xray aws-xray-sdk``) to measure it.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import subprocess
import sys
from collections import defaultdict

RUNS = int(os.environ.get("BENCH_RUNS", "7"))

_BEFORE = """
import time, boto3
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
client = boto3.client("dynamodb", region_name="ap-southeast-3")
t0 = time.perf_counter()
"""
_AFTER = "\nprint((time.perf_counter() - t0) * 1000)\n"

CASES = {
    "nothing more (baseline)": "",
    "idempotency utility, given the client": """
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function)
DynamoDBPersistenceLayer(table_name="t", boto3_client=client)
IdempotencyConfig(event_key_jmespath="body")
""",
    "pydantic: import + the report model + one parse": """
import pydantic
class Location(pydantic.BaseModel):
    lat: float
    lon: float
    accuracy_m: float | None = None
class NewReport(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", strict=True)
    kind: str
    category: str
    description: str = pydantic.Field(min_length=10, max_length=2000)
    location: Location | None = None
    address: str | None = None
    privacy: str = "public"
    photo_count: int = 0
    notify_sms: bool = False
NewReport.model_validate({"kind": "complaint", "category": "sampah", "description": "x" * 20})
""",
    "Tracer (aws-xray-sdk)": """
from aws_lambda_powertools import Tracer
Tracer(service="sikemas")
""",
}


def _environment() -> dict[str, str]:
    extra = os.environ.get("BENCH_EXTRA_PATH", "")
    path = os.pathsep.join(p for p in (extra, os.environ.get("PYTHONPATH", "")) if p)
    keys = {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}
    return {**os.environ, "PYTHONPATH": path, **keys}


def main() -> None:
    env = _environment()
    cases = dict(CASES)
    if importlib.util.find_spec("aws_xray_sdk") is None and not os.environ.get("BENCH_EXTRA_PATH"):
        del cases["Tracer (aws-xray-sdk)"]
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(RUNS):
        for name, code in cases.items():
            done = subprocess.run(
                [sys.executable, "-c", _BEFORE + code + _AFTER],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            samples[name].append(float(done.stdout.split()[-1]))
    print(f"Libraries left out of the API, ms added to its init ({RUNS} runs, interleaved)")
    print(f"  {'':<50}{'min':>8}{'median':>8}{'max':>8}")
    for name, xs in samples.items():
        print(f"  {name:<50}{min(xs):8.0f}{statistics.median(xs):8.0f}{max(xs):8.0f}")
    if "Tracer (aws-xray-sdk)" not in cases:
        print("  Tracer: aws-xray-sdk not installed (see BENCH_EXTRA_PATH in library_costs.py)")


if __name__ == "__main__":
    main()
