"""Cold start of the functions, each against its baseline, measured in fresh interpreters.

- API: init (import ``functions/api/app.py``: settings, city, its boundary and desa for the
  pin check, clients) plus the first request (``POST /v1/reports`` against a moto server), without
  a location and, separately, with a pin that is checked and tagged; against ``import boto3`` plus
  the clients the function uses (DynamoDB, S3).
- Photo: init (Pillow, shapely, the city's boundary, clients), against ``import boto3`` + ``PIL``
  + ``shapely`` + the same clients.

The breakdown comes from ``python -X importtime`` of the function's init, summed per top-level
package. Median of several runs; Lambda at 256-512 MB is several times slower than this host.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))

# The first request: a report without a location, or one whose pin the API checks (Places).
_NO_PIN = {
    "kind": "complaint",
    "category": "perizinan",
    "description": "Izin usaha belum diproses dua bulan.",
    "photo_count": 0,
}
_PIN = {
    "kind": "complaint",
    "category": "air_bersih",
    "description": "Air PDAM tidak mengalir sejak kemarin.",
    "location": {"lat": 0.7292, "lon": 124.3136},
}

_API_INIT = """
import importlib.util, json, time, sys
BODY = json.loads(sys.argv[1])
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", "functions/api/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
t1 = time.perf_counter()
event = json.load(open("events/http_api_post_report.json"))
event["body"] = json.dumps(BODY)
event["headers"].pop("idempotency-key")
class Ctx:
    function_name = "ApiFunction"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:123456789012:function:ApiFunction"
    def get_remaining_time_in_millis(self): return 10000
response = app.lambda_handler(event, Ctx())
t2 = time.perf_counter()
assert response["statusCode"] == 201, response
print(json.dumps({"init": (t1 - t0) * 1000, "first_request": (t2 - t1) * 1000}))
"""

_API_BASELINE = """
import json, time
t0 = time.perf_counter()
import boto3
boto3.client("dynamodb"); boto3.client("s3")
print(json.dumps({"init": (time.perf_counter() - t0) * 1000}))
"""

_PHOTO_INIT = """
import importlib.util, json, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", "functions/photo_check/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
print(json.dumps({"init": (time.perf_counter() - t0) * 1000}))
"""

_PHOTO_BASELINE = """
import json, time
t0 = time.perf_counter()
import boto3, PIL.Image, shapely
boto3.client("dynamodb"); boto3.client("s3")
print(json.dumps({"init": (time.perf_counter() - t0) * 1000}))
"""


def _run(
    code: str, env: dict[str, str], *extra: str, argv: tuple[str, ...] = ()
) -> tuple[dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, *extra, "-c", code, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def _median(code: str, env: dict[str, str], argv: tuple[str, ...] = ()) -> dict[str, float]:
    samples = [_run(code, env, argv=argv)[0] for _ in range(RUNS)]
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def _breakdown(code: str, env: dict[str, str]) -> list[tuple[str, float]]:
    """Import time per top-level package (ms), from -X importtime: each module's own (self)
    time, summed under its top-level package, so nothing is counted twice."""
    _, stderr = _run(code, env, "-X", "importtime", argv=(json.dumps(_NO_PIN),))
    totals: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():
            totals[name.strip().split(".")[0]] += int(own) / 1000
    return sorted(totals.items(), key=lambda kv: -kv[1])[:8]


def _environment(stack_env: dict[str, str], moto_url: str) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        **stack_env,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "sikemas"), str(ROOT)]),
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        # Every run files a report as the same citizen: more runs than the daily limit.
        "DAILY_REPORT_LIMIT": "1000",
    }


def main() -> None:
    from moto.server import ThreadedMotoServer

    from sikemas_local.provision import provision
    from sikemas_local.template import load_template

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    try:
        for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
            os.environ.setdefault(k, v)
        stack = provision(
            load_template(), endpoint_url=moto_url, region="ap-southeast-3", stack_name="bench"
        )
        api_env = _environment(stack.function_environment("ApiFunction"), moto_url)
        photo_env = _environment(stack.function_environment("PhotoCheckFunction"), moto_url)

        print(f"Cold start (median of {RUNS} fresh interpreters, ms; this host, not Lambda)")
        api = _median(_API_INIT, api_env, (json.dumps(_NO_PIN),))
        pinned = _median(_API_INIT, api_env, (json.dumps(_PIN),))
        base = _median(_API_BASELINE, api_env)
        total = api["init"] + api["first_request"]
        print(f"  {'API: init + first POST /v1/reports':<48}{total:8.0f}")
        print(f"  {'    init':<48}{api['init']:8.0f}")
        print(f"  {'    first request':<48}{api['first_request']:8.0f}")
        print(f"  {'    init, with a pin (same code)':<48}{pinned['init']:8.0f}")
        with_pin = pinned["first_request"]
        print(f"  {'    first request with a pin (checked, tagged)':<48}{with_pin:8.0f}")
        print(f"  {'baseline: import boto3 + dynamodb, s3 clients':<48}{base['init']:8.0f}")
        print(f"  {'ratio (target <= 1.5)':<48}{total / base['init']:8.2f}")
        print("  API init by package (own import time, ms, one -X importtime run):")
        for name, ms in _breakdown(_API_INIT, api_env):
            print(f"    {name:<44}{ms:8.0f}")

        photo = _median(_PHOTO_INIT, photo_env)
        photo_base = _median(_PHOTO_BASELINE, photo_env)
        print(f"  {'photo function: init':<48}{photo['init']:8.0f}")
        print(f"  {'baseline: boto3 + PIL + shapely + clients':<48}{photo_base['init']:8.0f}")
        print(f"  {'ratio':<48}{photo['init'] / photo_base['init']:8.2f}")
        print("  photo init by package (own import time, ms, one -X importtime run):")
        for name, ms in _breakdown(_PHOTO_INIT, photo_env):
            print(f"    {name:<44}{ms:8.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
