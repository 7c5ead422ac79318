"""The whole system on the local stack, over HTTP, as the mobile app uses it: a token, the
categories, a report, a real photo through the presigned POST, the checks, the verdict."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from PIL import Image

from tests.camera import INSIDE, MANADO, camera_photo

PHONE = "+6281298765432"


def file_report(stack, phone: str = PHONE, **changes: Any) -> dict[str, Any]:
    body = {
        "kind": "complaint",
        "category": "sampah",
        "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
        "location": {"lat": INSIDE[0], "lon": INSIDE[1], "accuracy_m": 20},
        "photo_count": 1,
        **changes,
    }
    r = requests.post(f"{stack.url}/v1/reports", json=body, headers=stack.auth(phone), timeout=10)
    assert r.status_code == 201, r.text
    return r.json()


def upload(upload: dict[str, Any], photo: bytes) -> None:
    """What the app does with a presigned POST: the policy fields, then the file."""
    r = requests.post(
        upload["url"],
        data={**upload["fields"], "Content-Type": "image/jpeg"},
        files={"file": ("photo.jpg", photo, "image/jpeg")},
        timeout=10,
    )
    assert r.status_code in (200, 204), r.text


def wait_for(stack, report_id: str, done: set[str], phone: str = PHONE) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        r = requests.get(
            f"{stack.url}/v1/me/reports/{report_id}", headers=stack.auth(phone), timeout=10
        )
        assert r.status_code == 200, r.text
        report = r.json()["report"]
        if report["status"] in done:
            return report
        assert time.monotonic() < deadline, f"still {report['status']} after 30 s"
        time.sleep(0.3)


def test_health_and_categories_need_no_account(local_stack):
    assert requests.get(f"{local_stack.url}/v1/health", timeout=5).json() == {"status": "ok"}
    categories = requests.get(f"{local_stack.url}/v1/categories", timeout=5).json()["categories"]
    assert "sampah" in {c["code"] for c in categories}


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."],
)
def test_writes_without_a_valid_token_get_the_authorizers_401(local_stack, authorization):
    headers = {"Authorization": authorization} if authorization else {}

    r = requests.post(f"{local_stack.url}/v1/reports", json={}, headers=headers, timeout=5)

    assert r.status_code == 401
    assert r.json() == {"message": "Unauthorized"}


def test_a_photo_taken_in_the_city_today_is_accepted_and_the_report_routed(local_stack):
    created = file_report(local_stack)
    report_id = created["report"]["id"]
    assert created["report"]["status"] == "received"

    upload(created["uploads"][0], camera_photo(INSIDE, datetime.now(UTC)))
    report = wait_for(local_stack, report_id, {"assigned", "rejected", "needs_review"})

    assert report["status"] == "assigned"
    assert [e["to"] for e in report["timeline"]] == ["received", "verifying", "assigned"]
    assert report["photos"][0]["outcome"] == "accepted"

    public = requests.get(
        f"{local_stack.url}/v1/reports/{created['report']['tracking_code']}", timeout=5
    ).json()["report"]
    assert public["status"] == "assigned"
    photo_url = public["photos"][0]["url"]
    image = Image.open(io.BytesIO(requests.get(photo_url, timeout=5).content))
    assert image.format == "JPEG"
    assert not image.getexif()  # no GPS, no camera, nothing


def test_a_photo_from_manado_is_rejected_with_the_reason_then_another_photo_succeeds(local_stack):
    created = file_report(local_stack)
    report_id = created["report"]["id"]

    upload(created["uploads"][0], camera_photo(MANADO, datetime.now(UTC)))
    report = wait_for(local_stack, report_id, {"assigned", "rejected", "needs_review"})

    assert report["status"] == "rejected"
    reasons = {c["reason"]: c["message"] for c in report["photos"][0]["checks"] if c["reason"]}
    assert "outside_city" in reasons
    assert reasons["outside_city"]["id"]
    assert reasons["outside_city"]["en"]

    fresh = requests.post(
        f"{local_stack.url}/v1/reports/{report_id}/photos",
        json={"slot": 1},
        headers=local_stack.auth(PHONE),
        timeout=5,
    )
    assert fresh.status_code == 201, fresh.text
    upload(fresh.json(), camera_photo(INSIDE, datetime.now(UTC)))
    again = wait_for(local_stack, report_id, {"assigned", "needs_review"})

    assert again["status"] == "assigned"


def test_a_photo_without_gps_follows_the_categorys_policy(local_stack):
    created = file_report(local_stack, category="sampah")  # policy: needs_review

    upload(created["uploads"][0], camera_photo(None, datetime.now(UTC)))
    report = wait_for(
        local_stack, created["report"]["id"], {"assigned", "rejected", "needs_review"}
    )

    assert report["status"] == "needs_review"
    assert "no_gps" in {c["reason"] for c in report["photos"][0]["checks"]}
