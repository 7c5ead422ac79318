"""The follow-up wired in-process: the agency's after photo goes to S3 under ``after/``, the
bucket's notification reaches the photo queue, the photo function judges it near the report's
place; FollowUp (built by the composition root) resolves; the owner reopens and confirms
through the API routes the template declares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sikemas.composition import followup_dependencies
from sikemas.settings import Settings
from tests.camera import INSIDE, camera_photo
from tests.integration.test_photo_function import RUBBISH, file_report, owner_view
from tests.integration.test_photo_function import bucket as _bucket
from tests.integration.test_photo_function import deliver as _deliver
from tests.integration.test_photo_function import photo_fn as _photo_fn

# The photo function's fixtures, under their own names here.
bucket, deliver, photo_fn = _bucket, _deliver, _photo_fn

NOW = datetime.now(UTC)
OWNER = "+6281234500001"
# Inside the city, about 1.3 km from the report's pin.
ELSEWHERE = (0.7337, 124.3124)


@pytest.fixture
def followup(stack, monkeypatch):
    env = stack.function_environment("ApiFunction")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings.from_env(env)
    deps = followup_dependencies(settings)
    return deps.followup


def routed(api, s3, bucket, deliver) -> dict[str, Any]:
    report = file_report(api, RUBBISH, phone=OWNER)
    s3.put_object(Bucket=bucket, Key=f"originals/{report['id']}/1", Body=camera_photo(INSIDE, NOW))
    deliver()
    assert owner_view(api, report["id"], phone=OWNER)["status"] == "assigned"
    return report


def test_after_photo_resolve_reopen_resolve_confirm(api, s3, bucket, deliver, followup):
    report = routed(api, s3, bucket, deliver)
    rid = report["id"]
    followup.acknowledge(rid, "DLH", "Budi Santoso")

    # A presigned POST under after/, then the photo lands far from the place: rejected.
    upload = followup.after_upload(rid, "DLH")
    assert upload.fields["key"] == f"after/{rid}/1"
    s3.put_object(Bucket=bucket, Key=f"after/{rid}/1", Body=camera_photo(ELSEWHERE, NOW))
    assert deliver()["batchItemFailures"] == []
    mine = owner_view(api, rid, phone=OWNER)
    assert mine["after_photos"][0]["outcome"] == "rejected"
    reasons = [c["reason"] for c in mine["after_photos"][0]["checks"] if c["passed"] is False]
    assert reasons == ["far_from_report"]

    # At the place: accepted, with a public copy; the report resolved as fixed.
    s3.put_object(Bucket=bucket, Key=f"after/{rid}/2", Body=camera_photo(INSIDE, NOW))
    deliver()
    followup.resolve(rid, "DLH", "Budi Santoso", "fixed", after_slot=2)
    mine = owner_view(api, rid, phone=OWNER)
    assert mine["status"] == "resolved"
    assert mine["outcome"]["outcome"] == "fixed"
    assert mine["outcome"]["officer"] == "Budi Santoso"
    assert mine["outcome"]["agency"]["code"] == "DLH"
    assert mine["reopen_until"] is not None
    resolved = mine["timeline"][-1]
    assert (resolved["to"], resolved["actor_name"], resolved["agency"]) == (
        "resolved",
        "Budi Santoso",
        "DLH",
    )
    public = api.call("GET", f"/v1/reports/{rid}", phone=None)[1]["report"]
    assert public["outcome"] == "fixed"
    assert [p["slot"] for p in public["after_photos"]] == [2]
    assert public["after_photos"][0]["url"].endswith(".jpg")

    # Someone else cannot reopen it; its owner can, with a reason.
    status, body, _ = api.call("POST", f"/v1/reports/{rid}/reopen", body={"reason": "x"})
    assert (status, body["error"]["code"]) == (404, "report_not_found")
    status, body, _ = api.call("POST", f"/v1/reports/{rid}/reopen", body={}, phone=OWNER)
    assert (status, body["error"]["code"]) == (400, "invalid_request")
    status, body, _ = api.call(
        "POST", f"/v1/reports/{rid}/reopen", body={"reason": "Masih menumpuk."}, phone=OWNER
    )
    assert status == 200, body
    assert (body["report"]["status"], body["report"]["reopened"]) == ("assigned", 1)
    assert body["report"]["timeline"][-1]["reason"] == "Masih menumpuk."

    # Confirming an assigned report no longer applies.
    status, body, _ = api.call("POST", f"/v1/reports/{rid}/confirm", phone=OWNER)
    assert (status, body["error"]["code"]) == (409, "action_not_applicable")

    followup.resolve(rid, "DLH", "Sari", "fixed")  # the accepted after photo still counts
    status, body, _ = api.call(
        "POST", f"/v1/reports/{report['tracking_code']}/confirm", phone=OWNER
    )
    assert status == 200, body
    assert (body["report"]["status"], body["report"]["confirmed_by_citizen"]) == ("closed", True)


def test_the_bucket_sends_after_photos_to_the_photo_queue(stack, s3, sqs, bucket):
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    prefixes = sorted(
        rule["Value"]
        for queue in config["QueueConfigurations"]
        for rule in queue["Filter"]["Key"]["FilterRules"]
    )
    assert prefixes == ["after/", "originals/"]
    queue = sqs.get_queue_attributes(QueueUrl=stack.ref("PhotoQueue"), AttributeNames=["QueueArn"])
    assert {q["QueueArn"] for q in config["QueueConfigurations"]} == {
        queue["Attributes"]["QueueArn"]
    }
