"""The local SQS poller delivers batches as Lambda's event source mapping does: the SQS event
shape, deletion of what succeeded, retries of reported failures, then the dead-letter queue."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest

from sikemas_local.poller import QueuePoller, SnsWatcher, failed_message_ids
from sikemas_local.provision import Stack
from sikemas_local.runtime import LocalFunction
from sikemas_local.template import function_specs, load_template

REGION = "ap-southeast-3"
ROOT = Path(__file__).resolve().parents[2]

# Fails every record whose body says "fail"; remembers every event it was given.
HANDLER = """
EVENTS = []
def lambda_handler(event, context):
    EVENTS.append(event)
    failures = [
        {"itemIdentifier": record["messageId"]}
        for record in event["Records"]
        if record["body"] == "fail"
    ]
    return {"batchItemFailures": failures}
"""


@pytest.fixture
def stack(stack: Stack, sqs: Any) -> Stack:
    """The conftest's stack, with S3's s3:TestEvent taken off the photo queue."""
    sqs.purge_queue(QueueUrl=stack.ref("PhotoQueue"))
    return stack


def _poller(stack: Stack, tmp_path: Path) -> tuple[QueuePoller, Any]:
    (tmp_path / "app.py").write_text(HANDLER)
    template_spec = function_specs(load_template())["PhotoCheckFunction"]
    spec = dataclasses.replace(template_spec, code_dir=tmp_path)
    source = next(s for s in spec.sqs_sources if s.queue == "PhotoQueue")
    function = LocalFunction(spec, {}, region=REGION, account_id="123456789012", stack_name="p")
    with mock.patch.dict(os.environ):  # load() sets the function's environment, as Lambda
        function.load()
    poller = QueuePoller(
        sqs=boto3.client("sqs", region_name=REGION),
        queue_url=stack.ref("PhotoQueue"),
        queue_arn=stack.get_att("PhotoQueue", "Arn"),
        source=dataclasses.replace(source, batching_window_s=0),
        function=function,
        region=REGION,
        stop=threading.Event(),
        visibility_s=0,  # failed records come back at once
        log=lambda _line: None,
    )
    return poller, function.module


def test_records_have_lambdas_sqs_event_shape(stack: Stack, tmp_path: Path) -> None:
    poller, module = _poller(stack, tmp_path)
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.send_message(QueueUrl=stack.ref("PhotoQueue"), MessageBody="ok")

    assert poller.poll_once(wait_s=0) == 1

    (record,) = module.EVENTS[0]["Records"]
    sample = json.loads((ROOT / "events" / "sqs_s3_put.json").read_text())["Records"][0]
    assert set(record) == set(sample)
    assert set(sample["attributes"]) <= set(record["attributes"])
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == stack.get_att("PhotoQueue", "Arn")
    assert record["awsRegion"] == REGION
    assert record["md5OfBody"] == hashlib.md5(b"ok").hexdigest()  # noqa: S324 - SQS's checksum


def test_successes_are_deleted_and_failures_retried_until_the_dead_letter_queue(
    stack: Stack, tmp_path: Path
) -> None:
    poller, module = _poller(stack, tmp_path)
    sqs = boto3.client("sqs", region_name=REGION)
    for body in ("ok", "fail"):
        sqs.send_message(QueueUrl=stack.ref("PhotoQueue"), MessageBody=body)

    for _ in range(8):
        poller.poll_once(wait_s=0)

    delivered = [record["body"] for event in module.EVENTS for record in event["Records"]]
    assert delivered.count("ok") == 1
    assert delivered.count("fail") == 5  # maxReceiveCount in the template
    dead = sqs.receive_message(QueueUrl=stack.ref("PhotoDeadLetterQueue"), WaitTimeSeconds=0)
    assert [message["Body"] for message in dead["Messages"]] == ["fail"]
    left = sqs.receive_message(QueueUrl=stack.ref("PhotoQueue"), WaitTimeSeconds=0)
    assert "Messages" not in left


def test_failure_reports_are_read_as_lambda_reads_them() -> None:
    ids = ["a", "b"]

    assert failed_message_ids({"batchItemFailures": []}, ids, True) == set()
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, True) == {"b"}
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "zz"}]}, ids, True) == {
        "a",
        "b",
    }
    assert failed_message_ids({"batchItemFailures": [{"itemIdentifier": "b"}]}, ids, False) == (
        set()
    )
    assert failed_message_ids(None, ids, True) == set()


def test_sns_messages_and_sms_are_printed_once(stack: Stack) -> None:
    sns = boto3.client("sns", region_name=REGION)
    lines: list[str] = []
    watcher = SnsWatcher(
        account_id="123456789012", region=REGION, stop=threading.Event(), log=lines.append
    )
    sns.publish(
        TopicArn=stack.ref("AssignmentsTopic"),
        Message="Laporan KTG-1 untuk DLH",
        Subject="Laporan baru",
        MessageAttributes={"agency": {"DataType": "String", "StringValue": "DLH"}},
    )
    sns.publish(PhoneNumber="+6281234567890", Message="Laporan Anda diterima")

    watcher.check()
    watcher.check()

    assert len(lines) == 2
    assert "Laporan KTG-1 untuk DLH" in lines[0]
    assert "DLH" in lines[0]
    assert lines[1] == "[sms] to +6281234567890: Laporan Anda diterima"
