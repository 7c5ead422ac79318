"""Cold start of the functions, each against its baseline, measured in fresh interpreters.

Measured as production runs them: the template's log level, metrics on (EMF to stdout).

- API: init (import ``functions/api/app.py``: settings, city, clients) plus the first request
  as the app sends it (``POST /v1/reports`` with a photo, so the presigned POST is signed; a new
  citizen and Idempotency-Key each run), against ``import boto3`` plus the clients the function
  uses (DynamoDB, S3).
- Photo: init (the city, clients) plus its first real photo (a 12 MP JPEG taken in the city,
  uploaded through the report's presigned POST: read, checked, public copies written), against
  ``import boto3`` + ``PIL`` + ``shapely`` + the same clients. Setting up each run (the report
  and the upload) happens in another interpreter and is not timed.

Every run is a fresh interpreter against a moto server; measured and baseline runs are
interleaved so that the machine's drift hits both alike; min / median / max of ``BENCH_RUNS``
runs (any number). The breakdown comes from ``python -X importtime`` of each init, summed per
top-level package. Lambda at 256-1024 MB is several times slower than this host.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))

_CONTEXT = """
class Ctx:
    function_name = "Bench"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-3:123456789012:function:Bench"
    def get_remaining_time_in_millis(self): return 30000
"""

# The app's first request: the sample event, a new citizen and key, the pin where the bench
# photo was taken. Run by the measured API script and by the photo runs' (untimed) set-up.
_FILE_REPORT = (
    _CONTEXT
    + """
def file_report(app):
    event = json.load(open("events/http_api_post_report.json"))
    event["headers"]["idempotency-key"] = os.environ["BENCH_KEY"]
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = os.environ["BENCH_SUB"]
    body = json.loads(event["body"])
    lat, lon = float(os.environ["BENCH_LAT"]), float(os.environ["BENCH_LON"])
    body["location"] = {"lat": lat, "lon": lon, "accuracy_m": 12}
    event["body"] = json.dumps(body)
    response = app.lambda_handler(event, Ctx())
    assert response["statusCode"] == 201, response
    document = json.loads(response["body"])
    assert len(document["uploads"]) == 1, document
    return document
"""
)

_API_FIRST = (
    "import importlib.util, json, os, time\n"
    + _FILE_REPORT
    + """
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", "functions/api/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
t1 = time.perf_counter()
file_report(app)
t2 = time.perf_counter()
print(json.dumps({"init": (t1 - t0) * 1000, "first": (t2 - t1) * 1000}))
"""
)

_API_BASELINE = """
import json, time
t0 = time.perf_counter()
import boto3
boto3.client("dynamodb"); boto3.client("s3")
print(json.dumps({"init": (time.perf_counter() - t0) * 1000}))
"""

# Untimed: file a report, upload the photo through its presigned POST, and write the SQS
# message S3 would send (with the object's version and a sequencer) for the timed run.
_PHOTO_SETUP = (
    "import importlib.util, json, os, sys, requests, boto3\n"
    + _FILE_REPORT
    + """
spec = importlib.util.spec_from_file_location("app", "functions/api/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
upload = file_report(app)["uploads"][0]
photo = open(os.environ["BENCH_PHOTO"], "rb").read()
fields = dict(upload["fields"], **{"Content-Type": "image/jpeg"})
posted = requests.post(upload["url"], data=fields, files={"file": photo}, timeout=30)
assert posted.status_code in (200, 201, 204), posted.text
bucket, key = os.environ["PHOTOS_BUCKET"], upload["fields"]["key"]
head = boto3.client("s3").head_object(Bucket=bucket, Key=key)
record = {"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "ap-southeast-3",
          "eventName": "ObjectCreated:Post",
          "eventTime": head["LastModified"].isoformat().replace("+00:00", "Z"),
          "s3": {"bucket": {"name": bucket, "arn": "arn:aws:s3:::" + bucket},
                 "object": {"key": key, "size": head["ContentLength"], "eTag": head["ETag"],
                            "versionId": head.get("VersionId"), "sequencer": "0000000000000001"}}}
event = {"Records": [{"messageId": "bench", "receiptHandle": "bench",
                      "body": json.dumps({"Records": [record]}), "attributes": {},
                      "messageAttributes": {}, "eventSource": "aws:sqs",
                      "eventSourceARN": "arn:aws:sqs:ap-southeast-3:123456789012:bench",
                      "awsRegion": "ap-southeast-3"}]}
json.dump(event, open(os.environ["BENCH_EVENT"], "w"))
print(json.dumps({"key": key}))
"""
)

_PHOTO_FIRST = (
    "import importlib.util, json, os, time\n"
    + _CONTEXT
    + """
event = json.load(open(os.environ["BENCH_EVENT"]))
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", "functions/photo_check/app.py")
app = importlib.util.module_from_spec(spec); spec.loader.exec_module(app)
t1 = time.perf_counter()
result = app.lambda_handler(event, Ctx())
t2 = time.perf_counter()
assert result == {"batchItemFailures": []}, result
print(json.dumps({"init": (t1 - t0) * 1000, "first": (t2 - t1) * 1000}))
"""
)

_PHOTO_BASELINE = """
import json, time
t0 = time.perf_counter()
import boto3, PIL.Image, shapely
boto3.client("dynamodb"); boto3.client("s3")
print(json.dumps({"init": (time.perf_counter() - t0) * 1000}))
"""


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
        raise RuntimeError(f"bench script failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    # Metrics (EMF) and logs go to stdout too: the script's own result is its last line.
    return json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


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
    from bench.photo_bench import BENCH_POINT

    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))},
        **stack_env,  # the template's own: POWERTOOLS_LOG_LEVEL, namespace, service
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "sikemas"), str(ROOT)]),
        "AWS_ENDPOINT_URL": moto_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "ap-southeast-3",
        "BENCH_LAT": str(BENCH_POINT[0]),
        "BENCH_LON": str(BENCH_POINT[1]),
    }


def _per_run(env: dict[str, str], **extra: str) -> dict[str, str]:
    return {**env, "BENCH_SUB": str(uuid.uuid4()), "BENCH_KEY": str(uuid.uuid4()), **extra}


def _row(label: str, samples: list[float]) -> str:
    lo, mid, hi = min(samples), statistics.median(samples), max(samples)
    return f"  {label:<50}{lo:8.0f}{mid:8.0f}{hi:8.0f}"


def main() -> None:
    import logging

    from moto.server import ThreadedMotoServer

    from bench.photo_bench import make_test_jpeg
    from sikemas_local.provision import provision
    from sikemas_local.template import load_template

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's request log
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
        setup_env = {**api_env, "PHOTOS_BUCKET": photo_env["PHOTOS_BUCKET"]}
        with tempfile.TemporaryDirectory() as scratch:
            photo_path = Path(scratch) / "photo.jpg"
            photo_path.write_bytes(make_test_jpeg(taken_at=datetime.now(UTC)))
            event_path = str(Path(scratch) / "event.json")
            samples: dict[str, list[float]] = defaultdict(list)
            for _ in range(RUNS):  # interleaved: measured, baseline, measured, baseline...
                api = _run(_API_FIRST, _per_run(api_env))[0]
                samples["api_init"].append(api["init"])
                samples["api_first"].append(api["first"])
                samples["api_total"].append(api["init"] + api["first"])
                samples["api_base"].append(_run(_API_BASELINE, api_env)[0]["init"])
                extra = {"BENCH_PHOTO": str(photo_path), "BENCH_EVENT": event_path}
                _run(_PHOTO_SETUP, _per_run(setup_env, **extra))
                photo = _run(_PHOTO_FIRST, {**photo_env, **extra})[0]
                samples["photo_init"].append(photo["init"])
                samples["photo_first"].append(photo["first"])
                samples["photo_total"].append(photo["init"] + photo["first"])
                samples["photo_base"].append(_run(_PHOTO_BASELINE, photo_env)[0]["init"])
            photo_breakdown = _breakdown(_PHOTO_FIRST, {**photo_env, **extra})

        print(f"Cold start, ms ({RUNS} fresh interpreters each, interleaved; this host)")
        print(f"  {'':<50}{'min':>8}{'median':>8}{'max':>8}")
        print(_row("API: init + first POST /v1/reports (1 photo)", samples["api_total"]))
        print(_row("    init", samples["api_init"]))
        print(_row("    first request", samples["api_first"]))
        print(_row("baseline: import boto3 + dynamodb, s3 clients", samples["api_base"]))
        ratio = statistics.median(samples["api_total"]) / statistics.median(samples["api_base"])
        print(f"  {'ratio of medians (target <= 1.5)':<50}{ratio:16.2f}")
        print("  API init by package (own import time, ms, one -X importtime run):")
        for name, ms in _breakdown(_API_FIRST, _per_run(api_env)):
            print(f"    {name:<46}{ms:8.0f}")
        print(_row("photo function: init + first 12 MP photo", samples["photo_total"]))
        print(_row("    init", samples["photo_init"]))
        print(_row("    first photo (read, check, public copies)", samples["photo_first"]))
        print(_row("baseline: boto3 + PIL + shapely + clients", samples["photo_base"]))
        ratio = statistics.median(samples["photo_total"]) / statistics.median(samples["photo_base"])
        print(f"  {'ratio of medians':<50}{ratio:16.2f}")
        print("  photo init + first photo by package (own import time, ms, one run):")
        for name, ms in photo_breakdown:
            print(f"    {name:<46}{ms:8.0f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
