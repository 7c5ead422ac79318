"""The photo function in-process: real S3 → SQS notifications from moto, the real handler,
real photos made as cameras write them."""

from __future__ import annotations

import copy
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from PIL import Image

from tests.camera import INSIDE, MANADO, camera_photo
from tests.integration.conftest import Api, load_event, load_function

NOW = datetime.now(UTC)


@pytest.fixture
def photo_fn(stack, monkeypatch):
    return load_function(stack, "PhotoCheckFunction", monkeypatch)


@pytest.fixture
def bucket(stack) -> str:
    return stack.function_environment("PhotoCheckFunction")["PHOTOS_BUCKET"]


@pytest.fixture
def deliver(stack, sqs, photo_fn):
    """Receive what S3 sent to the photo queue and hand it to the handler as Lambda does."""
    queue_url = stack.ref("PhotoQueue")

    def run(extra_bodies: list[str] | None = None) -> dict[str, Any]:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        records = []
        template = load_event("sqs_s3_put.json")["Records"][0]
        for m in messages:
            records.append(
                {**copy.deepcopy(template), "messageId": m["MessageId"], "body": m["Body"]}
            )
        for body in extra_bodies or []:
            records.append(
                {**copy.deepcopy(template), "messageId": str(uuid.uuid4()), "body": body}
            )
        result = photo_fn.invoke({"Records": records})
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
        for m in messages:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        return {"records": records, **result}

    return run


def file_report(api: Api, body: dict[str, Any], phone: str = "+6281234500001") -> dict[str, Any]:
    status, created, _ = api.call("POST", "/v1/reports", body=body, phone=phone)
    assert status == 201, created
    return created["report"]


def owner_view(api: Api, report_id: str, phone: str = "+6281234500001") -> dict[str, Any]:
    status, got, _ = api.call("GET", f"/v1/me/reports/{report_id}", phone=phone)
    assert status == 200
    return got["report"]


RUBBISH = {
    "kind": "complaint",
    "category": "sampah",
    "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
    "location": {"lat": INSIDE[0], "lon": INSIDE[1], "accuracy_m": 15},
    "photo_count": 1,
}


def test_a_photo_taken_in_the_city_today_is_accepted_and_the_report_routed(
    api, s3, bucket, deliver
):
    report = file_report(api, RUBBISH)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))

    result = deliver()

    assert result["batchItemFailures"] == []
    mine = owner_view(api, report["id"])
    assert mine["status"] == "assigned"
    assert [e["to"] for e in mine["timeline"]] == ["received", "verifying", "assigned"]
    photo = mine["photos"][0]
    assert photo["outcome"] == "accepted"
    assert {c["name"]: c["passed"] for c in photo["checks"]} == {
        "image": True,
        "gps": True,
        "inside_city": True,
        "near_claim": True,
        "recent": True,
    }
    public = api.call("GET", f"/v1/reports/{report['id']}", phone=None)[1]["report"]
    assert len(public["photos"]) == 1


def test_the_public_copy_has_no_metadata_and_the_original_stays(
    api, s3, bucket, deliver, stack, dynamodb
):
    report = file_report(api, RUBBISH)
    original = camera_photo(INSIDE, NOW, size=(2400, 1800))
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=original)

    deliver()

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    public = [k for k in keys if k.startswith(f"public/{report['id']}/")]
    assert len(public) == 2
    for key in public:
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        img = Image.open(io.BytesIO(data))
        assert img.format == "JPEG"
        assert not img.getexif()
        assert max(img.size) <= 1600
    thumb = next(k for k in public if k.endswith("-thumb.jpg"))
    assert (
        max(Image.open(io.BytesIO(s3.get_object(Bucket=bucket, Key=thumb)["Body"].read())).size)
        <= 320
    )
    assert (
        s3.get_object(Bucket=bucket, Key=f"originals/{report['id']}/1")["Body"].read() == original
    )


def test_a_photo_taken_in_manado_is_rejected_with_the_reason_and_another_photo_can_follow(
    api, s3, bucket, deliver
):
    report = file_report(api, RUBBISH)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(MANADO, NOW))

    deliver()

    mine = owner_view(api, report["id"])
    assert mine["status"] == "rejected"
    failed = [c for c in mine["photos"][0]["checks"] if c["passed"] is False]
    assert "outside_city" in [c["reason"] for c in failed]
    outside = next(c for c in failed if c["reason"] == "outside_city")
    assert outside["message"]["id"]
    assert outside["message"]["en"]
    assert api.call("GET", f"/v1/reports/{report['id']}", phone=None)[0] == 404
    s3_keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert not any(k.startswith("public/") for k in s3_keys)  # a refused photo is never published

    status, upload, _ = api.call(
        "POST", f"/v1/reports/{report['id']}/photos", body={"slot": 1}, phone="+6281234500001"
    )
    assert status == 201
    s3.put_object(Bucket=bucket, Key=upload["fields"]["key"], Body=camera_photo(INSIDE, NOW))
    deliver()

    again = owner_view(api, report["id"])
    assert again["status"] == "assigned"
    assert again["photos"][0]["outcome"] == "accepted"
    assert [e["to"] for e in again["timeline"]] == [
        "received",
        "verifying",
        "rejected",
        "verifying",
        "assigned",
    ]


@pytest.mark.parametrize(
    ("category", "expected"), [("sampah", "needs_review"), ("parkir", "rejected")]
)
def test_a_photo_without_gps_follows_the_categorys_policy(
    api, s3, bucket, deliver, category, expected
):
    report = file_report(api, {**RUBBISH, "category": category})
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(None, NOW))

    deliver()

    mine = owner_view(api, report["id"])
    assert mine["status"] == expected
    assert "no_gps" in [c["reason"] for c in mine["photos"][0]["checks"]]


def test_a_photo_older_than_a_week_is_rejected(api, s3, bucket, deliver):
    report = file_report(api, RUBBISH)
    old = camera_photo(INSIDE, NOW - timedelta(days=9))
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=old)

    deliver()

    mine = owner_view(api, report["id"])
    assert mine["status"] == "rejected"
    assert "too_old" in [c["reason"] for c in mine["photos"][0]["checks"]]


def test_a_file_that_is_not_an_image_is_rejected_and_kept_with_the_reason(api, s3, bucket, deliver):
    report = file_report(api, RUBBISH)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=b"%PDF-1.7 " + b"x" * 2000)

    deliver()

    mine = owner_view(api, report["id"])
    assert mine["status"] == "rejected"
    assert mine["photos"][0]["checks"][0] == {
        **mine["photos"][0]["checks"][0],
        "name": "image",
        "passed": False,
        "reason": "not_an_image",
    }


def test_a_redelivered_event_changes_nothing(api, s3, bucket, deliver, sqs, stack):
    report = file_report(api, RUBBISH)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))
    first = deliver()
    before = owner_view(api, report["id"])

    again = deliver(extra_bodies=[r["body"] for r in first["records"]])

    assert again["batchItemFailures"] == []
    assert owner_view(api, report["id"]) == before


def test_a_later_photo_from_outside_the_city_flags_the_report_but_keeps_its_status(
    api, s3, bucket, deliver, dynamodb, stack
):
    report = file_report(api, {**RUBBISH, "photo_count": 2})
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))
    deliver()
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/2", Body=camera_photo(MANADO, NOW))

    deliver()

    mine = owner_view(api, report["id"])
    assert mine["status"] == "assigned"
    assert [p["outcome"] for p in mine["photos"]] == ["accepted", "rejected"]
    table = stack.function_environment("PhotoCheckFunction")["TABLE_NAME"]
    item = dynamodb.get_item(
        TableName=table, Key={"PK": {"S": f"REPORT#{report['id']}"}, "SK": {"S": "META"}}
    )["Item"]
    assert item["suspicious"] == {"BOOL": True}


def test_s3s_test_event_unknown_reports_and_foreign_keys_are_skipped_not_failed(deliver):
    test_event = json.dumps(
        load_event("sqs_s3_test_event.json")["Records"][0]["body"]
        and json.loads(load_event("sqs_s3_test_event.json")["Records"][0]["body"])
    )
    unknown = load_event("sqs_s3_put.json")["Records"][0]["body"]  # a report that does not exist

    result = deliver(extra_bodies=[test_event, unknown])

    assert result["batchItemFailures"] == []


def test_a_broken_message_fails_alone_and_the_rest_of_the_batch_succeeds(api, s3, bucket, deliver):
    report = file_report(api, RUBBISH)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))

    result = deliver(extra_bodies=["{not json"])

    broken = result["records"][-1]["messageId"]
    assert result["batchItemFailures"] == [{"itemIdentifier": broken}]
    assert owner_view(api, report["id"])["status"] == "assigned"


def test_keys_arrive_url_encoded_and_are_decoded(photo_fn):
    body = load_event("sqs_s3_put.json")["Records"][0]["body"].replace(
        "originals/01JD2Y6X3B6Q3W9Y5K8R7T4V2N/1", "originals%2F01JD2Y6X3B6Q3W9Y5K8R7T4V2N%2F1"
    )

    photos = photo_fn.module.landed_photos(body)

    assert [(p.report_id, p.slot) for p in photos] == [("01JD2Y6X3B6Q3W9Y5K8R7T4V2N", 1)]


def test_an_announced_object_over_15_mb_is_refused_without_downloading_it(api, deliver):
    report = file_report(api, RUBBISH)
    message = json.loads(load_event("sqs_s3_put.json")["Records"][0]["body"])
    obj = message["Records"][0]["s3"]["object"]
    obj["key"] = f"originals/{report['id']}/1"  # never uploaded: a download would fail
    obj["size"] = 20 * 1024 * 1024

    result = deliver(extra_bodies=[json.dumps(message)])

    assert result["batchItemFailures"] == []
    mine = owner_view(api, report["id"])
    assert mine["status"] == "rejected"
    assert mine["photos"][0]["checks"][0]["reason"] == "too_large"


def _record(body: str, *, source_arn: str | None = None) -> dict[str, Any]:
    record = {
        **copy.deepcopy(load_event("sqs_s3_put.json")["Records"][0]),
        "messageId": str(uuid.uuid4()),
        "body": body,
    }
    if source_arn:
        record["eventSourceARN"] = source_arn
    return record


def test_a_photo_whose_check_crashes_reaches_review_through_the_dead_letter_queue(
    api, s3, sqs, bucket, deliver, photo_fn, stack
):
    report = file_report(api, RUBBISH)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))
    checks = photo_fn.module.checks
    real = checks._tools

    def crash(_: bytes) -> Any:
        raise MemoryError("the photo takes the function down")

    checks._tools = type(real)(read=crash, derive=real.derive)
    try:
        crashed = deliver()
    finally:
        checks._tools = real
    assert len(crashed["batchItemFailures"]) == 1
    assert owner_view(api, report["id"])["status"] == "verifying"
    # The admins' topic, read through a queue subscribed to it.
    inbox = sqs.create_queue(QueueName="alerts-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns = __import__("boto3").client("sns", region_name=stack.region)
    sns.subscribe(TopicArn=stack.ref("AlertsTopic"), Protocol="sqs", Endpoint=inbox_arn)

    # SQS gave up on it: the same body arrives from the dead-letter queue.
    dead_letter_arn = photo_fn.environment["PHOTO_DEAD_LETTER_QUEUE_ARN"]
    (failed,) = crashed["batchItemFailures"]
    body = next(r["body"] for r in crashed["records"] if r["messageId"] == failed["itemIdentifier"])
    result = photo_fn.invoke({"Records": [_record(body, source_arn=dead_letter_arn)]})

    assert result["batchItemFailures"] == []
    assert dead_letter_arn == photo_fn.module.DEAD_LETTER_QUEUE_ARN
    mine = owner_view(api, report["id"])
    assert mine["status"] == "needs_review"
    assert mine["photos"][0]["outcome"] == "check_failed"
    assert mine["photos"][0]["checks"][0]["message"]["en"]
    assert mine["timeline"][-1]["reason"] == "check_failed"
    alerts = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
    assert len(alerts) == 1
    assert report["id"] in alerts[0]["Body"]


class _AlmostOutOfTime:
    def get_remaining_time_in_millis(self) -> int:
        return 5_000


def test_close_to_the_time_limit_no_new_message_is_taken(api, s3, bucket, photo_fn, sqs, stack):
    report = file_report(api, RUBBISH)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))
    messages = sqs.receive_message(QueueUrl=stack.ref("PhotoQueue"), MaxNumberOfMessages=10)
    records = [_record(m["Body"]) for m in messages["Messages"]]

    result = photo_fn.module.handle(
        {"Records": records}, photo_fn.module.checks, _AlmostOutOfTime()
    )

    assert result["batchItemFailures"] == [{"itemIdentifier": r["messageId"]} for r in records]
    assert owner_view(api, report["id"])["status"] == "received"  # untouched, comes back later


def test_each_photo_emits_one_metric_with_a_bounded_outcome_dimension(
    api, s3, bucket, deliver, capsys
):
    report = file_report(api, RUBBISH)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))
    capsys.readouterr()

    deliver()

    blobs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]
    metrics = [
        (m["Name"], b.get("outcome"))
        for b in blobs
        for d in b["_aws"]["CloudWatchMetrics"]
        for m in d["Metrics"]
    ]
    assert metrics == [("PhotoChecked", "assigned")]
    (blob,) = blobs
    (dimensions,) = blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"]
    assert "outcome" in dimensions
    from sikemas.usecases.photos import Result

    assert {r.value for r in Result} >= {"assigned", "check_failed", "superseded", "kept"}


def test_a_confidential_reports_photo_is_never_published_and_its_owner_gets_a_signed_link(
    api, s3, bucket, deliver
):
    report = file_report(api, {**RUBBISH, "privacy": "confidential"})
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))

    deliver()

    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert not any(k.startswith("public/") for k in keys)
    assert any(k.startswith(f"private/{report['id']}/") for k in keys)
    mine = owner_view(api, report["id"])
    assert mine["status"] == "assigned"
    url = mine["photos"][0]["url"]
    assert f"private/{report['id']}/" in url
    assert "Signature" in url  # a presigned GET, valid for minutes
    assert api.call("GET", f"/v1/reports/{report['id']}", phone=None)[0] == 404
