"""The local stack hands functions S3 events shaped as S3 sends them: the object's version id,
a sequencer that orders a key's events, and the key encoded as S3 encodes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

import pytest

from sikemas.adapters.photo_store import S3PhotoStore
from sikemas_local.moto_fixes import s3_key_in_event
from sikemas_local.provision import Stack
from tests.integration.conftest import load_function

ROOT = Path(__file__).resolve().parents[2]
REPORT = "01JD2Y6X3B6Q3W9Y5K8R7T4V2N"


def _s3_records(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not batch:
            return records
        for message in batch:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            records += json.loads(message["Body"]).get("Records", [])


@pytest.fixture
def queue(stack: Stack, sqs: Any) -> str:
    url = stack.ref("PhotoQueue")
    sqs.purge_queue(QueueUrl=url)  # S3's s3:TestEvent
    return url


def test_each_event_carries_its_objects_version_and_an_ordered_sequencer(
    stack: Stack, s3: Any, sqs: Any, queue: str
) -> None:
    bucket, key = stack.ref("PhotosBucket"), f"originals/{REPORT}/1"
    first = s3.put_object(Bucket=bucket, Key=key, Body=b"first")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key=key, Body=b"second")["VersionId"]

    records = _s3_records(sqs, queue)

    objects = [record["s3"]["object"] for record in records]
    assert [obj["versionId"] for obj in objects] == [first, second]
    assert s3.head_object(Bucket=bucket, Key=key, VersionId=first)["ContentLength"] == 5
    sequencers = [obj["sequencer"] for obj in objects]
    assert all(int(value, 16) for value in sequencers)  # hex, as S3's
    # S3's rule: compare as hex numbers, the shorter one padded with zeros on the left.
    width = max(map(len, sequencers))
    assert sequencers[0].rjust(width, "0") < sequencers[1].rjust(width, "0")


def test_keys_are_encoded_as_s3_encodes_them(stack: Stack, s3: Any, sqs: Any, queue: str) -> None:
    bucket, key = stack.ref("PhotosBucket"), f"originals/{REPORT}/foto saya+1.jpg"
    s3.put_object(Bucket=bucket, Key=key, Body=b"x")

    (record,) = _s3_records(sqs, queue)

    assert record["s3"]["object"]["key"] == f"originals/{REPORT}/foto+saya%2B1.jpg"
    assert unquote_plus(record["s3"]["object"]["key"]) == key
    assert s3_key_in_event("a/b c") == "a/b+c"


def test_events_have_the_fields_s3_sends(stack: Stack, s3: Any, sqs: Any, queue: str) -> None:
    s3.put_object(Bucket=stack.ref("PhotosBucket"), Key=f"originals/{REPORT}/1", Body=b"x")
    message = json.loads((ROOT / "events" / "sqs_s3_put.json").read_text())["Records"][0]
    sample = json.loads(message["body"])["Records"][0]

    (record,) = _s3_records(sqs, queue)

    assert set(record) == set(sample)
    assert set(record["s3"]["object"]) == set(sample["s3"]["object"])
    assert record["eventName"] == "ObjectCreated:Put"


def test_the_photo_function_reads_the_version_the_event_announced(
    stack: Stack, s3: Any, sqs: Any, queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = load_function(stack, "PhotoCheckFunction", monkeypatch)
    bucket, key = stack.ref("PhotosBucket"), f"originals/{REPORT}/2"
    older = s3.put_object(Bucket=bucket, Key=key, Body=b"older")["VersionId"]
    s3.put_object(Bucket=bucket, Key=key, Body=b"newer")
    assert photo.module is not None

    landed = [
        photo.module.landed_photos(json.dumps({"Records": [record]}))[0]
        for record in _s3_records(sqs, queue)
    ]

    assert landed[0].version_id == older
    assert (landed[0].report_id, landed[0].slot) == (REPORT, 2)
    store = S3PhotoStore(s3, bucket)  # the function's adapter, reading the announced version
    assert store.get_original(REPORT, 2, landed[0].version_id) == b"older"


def test_the_event_time_is_the_stacks_clock(stack: Stack, s3: Any, sqs: Any, queue: str) -> None:
    """A photo uploaded while the local clock says 10 November is uploaded on 10 November, as
    the photo checks compare its EXIF time with the upload time (`POST /_local/clock`)."""
    from datetime import UTC, datetime, timedelta

    from sikemas import composition

    then = datetime(2026, 11, 10, 1, 2, 3, tzinfo=UTC)
    composition.set_clock_offset(then - datetime.now(UTC))
    try:
        s3.put_object(Bucket=stack.ref("PhotosBucket"), Key=f"originals/{REPORT}/1", Body=b"x")
    finally:
        composition.set_clock_offset(timedelta(0))

    (record,) = _s3_records(sqs, queue)

    at = datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00"))
    assert abs(at - then) < timedelta(seconds=30)
    assert record["eventTime"].endswith("Z")
    assert len(record["eventTime"]) == 24
