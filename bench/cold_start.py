"""Cold start of the functions, each against its baseline, measured in fresh interpreters.

Measured as production runs them: the template's environment (log level INFO, metrics on).

- API: init (import ``functions/api/app.py``: settings, city, clients) plus the first request as
  the app sends it (``POST /v1/reports`` for a report with a photo, so the presigned POST is
  signed), against ``import boto3`` plus the clients the function uses (DynamoDB, S3).
- Photo: init plus its first real photo (a phone-sized JPEG with GPS, uploaded to the bucket
  and delivered by the photo queue: Pillow, the checks, the public copies), against
  ``import boto3`` + ``PIL`` + ``shapely`` + the same clients.

Measured and baseline runs alternate (run i of each back to back), so a slower moment of the
host slows both; min / median / max of ``BENCH_RUNS`` runs. Each API run files its report as a
different citizen: any number of runs stays under the daily report limit.

The breakdown comes from ``python -X importtime`` of the function's init, summed per top-level
package. Lambda at 512-1024 MB is several times slower than this host.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))

# The report the app files with a photo (a category that needs one), as the app sends it.
REPORT_WITH_PHOTO = {
    "kind": "complaint",
    "category": "sampah",
    "description": "Sampah menumpuk di depan pasar Serasi sejak tiga hari.",
    "location": {"lat": 0.7240, "lon": 124.3190, "accuracy_m": 12},
    "photo_count": 1,
}

_CONTEXT = """
class Ctx:
    function_name = FUNCTION; memory_limit_in_mb = MEMORY; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:123456789012:function:" + FUNCTION
    def get_remaining_time_in_millis(self): return 10000
"""

_API_COLD = (
    """
import importlib.util, json, os, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", "functions/api/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
t1 = time.perf_counter()
FUNCTION, MEMORY = "ApiFunction", 512
"""
    + _CONTEXT
    + """
event = json.loads(os.environ["BENCH_EVENT"])
response = app.lambda_handler(event, Ctx())
t2 = time.perf_counter()
body = json.loads(response["body"])
assert response["statusCode"] == 201, response
assert len(body["uploads"]) == 1 and body["uploads"][0]["fields"], body
print(json.dumps({"init": (t1 - t0) * 1000, "first_request": (t2 - t1) * 1000}))
"""
)

_API_BASELINE = """
import json, time
t0 = time.perf_counter()
import boto3
boto3.client("dynamodb"); boto3.client("s3")
print(json.dumps({"init": (time.perf_counter() - t0) * 1000}))
"""

_PHOTO_COLD = (
    """
import importlib.util, json, os, time
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", "functions/photo_check/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
t1 = time.perf_counter()
FUNCTION, MEMORY = "PhotoCheckFunction", 1024
"""
    + _CONTEXT
    + """
event = json.loads(os.environ["BENCH_EVENT"])
result = app.lambda_handler(event, Ctx())
t2 = time.perf_counter()
assert result == {"batchItemFailures": []}, result
print(json.dumps({"init": (t1 - t0) * 1000, "first_photo": (t2 - t1) * 1000}))
"""
)

_PHOTO_INIT_ONLY = """
import importlib.util
spec = importlib.util.spec_from_file_location("app", "functions/photo_check/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
print("{}")
"""

_PHOTO_BASELINE = """
import json, time
t0 = time.perf_counter()
import boto3, PIL.Image, shapely
boto3.client("dynamodb"); boto3.client("s3")
print(json.dumps({"init": (time.perf_counter() - t0) * 1000}))
"""


# What the libraries left out of the functions would add to the API's init, each imported after
# what the API already loads (boto3 and its DynamoDB client, Powertools' Logger and Metrics),
# so only its own cost shows (docs/decisions.md quotes these figures).
_LEFT_OUT_PRELUDE = """
import json, time
import boto3
from aws_lambda_powertools import Logger, Metrics
client = boto3.client("dynamodb")
t0 = time.perf_counter()
"""
LEFT_OUT = {
    "Tracer (import + Tracer())": "from aws_lambda_powertools import Tracer\nTracer()\n",
    "idempotency (import + layer on the client)": (
        "from aws_lambda_powertools.utilities.idempotency import (\n"
        "    DynamoDBPersistenceLayer, idempotent_function)\n"
        "DynamoDBPersistenceLayer(table_name='t', boto3_client=client)\n"
    ),
}
_LEFT_OUT_END = 'print(json.dumps({"init": (time.perf_counter() - t0) * 1000}))\n'


def _run(code: str, env: dict[str, str], *extra: str) -> tuple[dict[str, Any], str]:
    done = subprocess.run(
        [sys.executable, *extra, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench run failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    # The functions log to stdout as in Lambda; the figures are the last line.
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def spread(samples: list[float]) -> tuple[float, float, float]:
    """Min, median, max."""
    return min(samples), statistics.median(samples), max(samples)


def interleaved(
    runs: int, measured: Callable[[int], dict[str, float]], baseline: Callable[[], dict[str, float]]
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Run i of the measured and run i of the baseline back to back, for every i."""
    measured_samples, baseline_samples = [], []
    for i in range(runs):
        measured_samples.append(measured(i))
        baseline_samples.append(baseline())
    return measured_samples, baseline_samples


def _breakdown(code: str, env: dict[str, str]) -> list[tuple[str, float]]:
    """Import time per top-level package (ms), from -X importtime: each module's own (self)
    time, summed under its top-level package, so nothing is counted twice."""
    _, stderr = _run(code, env, "-X", "importtime")
    totals: dict[str, float] = defaultdict(float)
    for line in stderr.splitlines():
        if not line.startswith("import time:") or line.count("|") != 2:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():
            totals[name.strip().split(".")[0]] += int(own) / 1000
    return sorted(totals.items(), key=lambda kv: -kv[1])[:8]


def _environment(stack_env: dict[str, str], moto_url: str) -> dict[str, str]:
    """The function's environment as the template gives it (log level, metrics namespace)."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
        **stack_env,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "sikemas"), str(ROOT)]),
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "AWS_REGION": "ap-southeast-3",
    }


def report_event(citizen: str) -> dict[str, Any]:
    """``POST /v1/reports`` with a photo, from a citizen of its own (one report each)."""
    event: dict[str, Any] = json.loads((ROOT / "events" / "http_api_post_report.json").read_text())
    event["body"] = json.dumps(REPORT_WITH_PHOTO)
    event["headers"]["idempotency-key"] = str(uuid.uuid4())
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    claims["sub"] = citizen
    claims["phone_number"] = "+628123" + str(abs(hash(citizen)) % 10**7).zfill(7)
    return event


class PhotoFeed:
    """Fresh photos for the photo function's first-photo runs: a report filed through the API
    function (in this process), a phone-sized JPEG put where its presigned POST points, and the
    S3 event the photo queue then holds, as the SQS event Lambda would deliver."""

    def __init__(self, api_env: dict[str, str], queue_url: str) -> None:
        import boto3

        from tests.camera import INSIDE, camera_photo

        self._saved = dict(os.environ)
        os.environ.update(api_env)
        spec = importlib.util.spec_from_file_location("bench_api", ROOT / "functions/api/app.py")
        if spec is None or spec.loader is None:
            raise ImportError("functions/api/app.py")
        self._api = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(self._api)
        self._s3 = boto3.client("s3")
        self._sqs = boto3.client("sqs")
        self._queue_url = queue_url
        self._bucket = api_env["PHOTOS_BUCKET"]
        self._photo = camera_photo(INSIDE, datetime.now(UTC), size=(4032, 3024))

    def close(self) -> None:
        os.environ.clear()
        os.environ.update(self._saved)

    def next_event(self) -> dict[str, Any]:
        from bench.context import LambdaContextStub

        response = self._api.lambda_handler(
            report_event(f"bench-photo-{uuid.uuid4()}"), LambdaContextStub("ApiFunction")
        )
        if response["statusCode"] != 201:
            raise RuntimeError(f"could not file a report for the photo run: {response}")
        key = json.loads(response["body"])["uploads"][0]["fields"]["key"]
        self._s3.put_object(Bucket=self._bucket, Key=key, Body=self._photo)
        message = None
        for _ in range(20):
            for received in self._sqs.receive_message(
                QueueUrl=self._queue_url, MaxNumberOfMessages=1, WaitTimeSeconds=1
            ).get("Messages", []):
                self._sqs.delete_message(
                    QueueUrl=self._queue_url, ReceiptHandle=received["ReceiptHandle"]
                )
                # S3's test event (sent when the notification was set up) is no photo.
                records = json.loads(received["Body"]).get("Records", [])
                if any(unquote_plus(r["s3"]["object"]["key"]) == key for r in records):
                    message = received
            if message is not None:
                break
        if message is None:
            raise RuntimeError("the photo queue got no event for the uploaded photo")
        template = json.loads((ROOT / "events" / "sqs_s3_put.json").read_text())["Records"][0]
        record = {**template, "messageId": message["MessageId"], "body": message["Body"]}
        return {"Records": [record]}


def _row(label: str, samples: list[float]) -> str:
    low, middle, high = spread(samples)
    return f"  {label:<46}{low:8.0f}{middle:8.0f}{high:8.0f}"


def main() -> None:
    from moto.server import ThreadedMotoServer

    from sikemas_local.provision import provision
    from sikemas_local.template import load_template

    if RUNS < 1:
        raise SystemExit("BENCH_RUNS must be at least 1")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request lines
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    moto_url = f"http://{host}:{port}"
    feed = None
    try:
        for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
            os.environ.setdefault(k, v)
        stack = provision(
            load_template(), endpoint_url=moto_url, region="ap-southeast-3", stack_name="bench"
        )
        api_env = _environment(stack.function_environment("ApiFunction"), moto_url)
        photo_env = _environment(stack.function_environment("PhotoCheckFunction"), moto_url)

        def api_run(i: int) -> dict[str, float]:
            env = {**api_env, "BENCH_EVENT": json.dumps(report_event(f"bench-api-{i}"))}
            return _run(_API_COLD, env)[0]

        api, api_base = interleaved(RUNS, api_run, lambda: _run(_API_BASELINE, api_env)[0])

        # The API function run in this process logs as in Lambda: not onto the bench's table.
        with contextlib.redirect_stdout(io.StringIO()):
            feed = PhotoFeed(api_env, stack.ref("PhotoQueue"))
            events = [feed.next_event() for _ in range(RUNS)]
            feed.close()
            feed = None

        def photo_run(i: int) -> dict[str, float]:
            return _run(_PHOTO_COLD, {**photo_env, "BENCH_EVENT": json.dumps(events[i])})[0]

        photo, photo_base = interleaved(
            RUNS, photo_run, lambda: _run(_PHOTO_BASELINE, photo_env)[0]
        )

        print(
            f"Cold start ({RUNS} fresh interpreters each, measured and baseline interleaved; ms; "
            "this host, not Lambda)"
        )
        print(f"  {'':<46}{'min':>8}{'median':>8}{'max':>8}")
        api_total = [s["init"] + s["first_request"] for s in api]
        print(_row("API: init + first POST /v1/reports (photo)", api_total))
        print(_row("    init", [s["init"] for s in api]))
        first_requests = [s["first_request"] for s in api]
        print(_row("    first request (presigned POST included)", first_requests))
        print(_row("baseline: import boto3 + dynamodb, s3 clients", [s["init"] for s in api_base]))
        ratio = statistics.median(api_total) / statistics.median(s["init"] for s in api_base)
        print(f"  {'ratio of medians (target <= 1.5)':<46}{ratio:16.2f}")
        print("  API init by package (own import time, ms, one -X importtime run):")
        api_init_only = _API_COLD.split('FUNCTION, MEMORY = "ApiFunction"')[0] + 'print("{}")'
        for name, ms in _breakdown(api_init_only, api_env):
            print(f"    {name:<42}{ms:8.0f}")

        photo_total = [s["init"] + s["first_photo"] for s in photo]
        print(_row("photo function: init + first photo", photo_total))
        print(_row("    init", [s["init"] for s in photo]))
        print(_row("    first photo (4032x3024 JPEG)", [s["first_photo"] for s in photo]))
        print(_row("baseline: boto3 + PIL + shapely + clients", [s["init"] for s in photo_base]))
        ratio = statistics.median(photo_total) / statistics.median(s["init"] for s in photo_base)
        print(f"  {'ratio of medians':<46}{ratio:16.2f}")
        print("  photo init by package (own import time, ms, one -X importtime run):")
        for name, ms in _breakdown(_PHOTO_INIT_ONLY, photo_env):
            print(f"    {name:<42}{ms:8.0f}")

        print("  left out of the functions: each one's own cost on top of the API's imports")
        for label, code in LEFT_OUT.items():
            script = _LEFT_OUT_PRELUDE + code + _LEFT_OUT_END

            def with_library(_i: int, script: str = script) -> dict[str, float]:
                return _run(script, api_env)[0]

            with_it, without = interleaved(
                RUNS, with_library, lambda: _run(_LEFT_OUT_PRELUDE + _LEFT_OUT_END, api_env)[0]
            )
            deltas = [w["init"] - o["init"] for w, o in zip(with_it, without, strict=True)]
            print(_row(f"    {label}", deltas))
    finally:
        if feed is not None:
            feed.close()
        server.stop()


if __name__ == "__main__":
    main()
