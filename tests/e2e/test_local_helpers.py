"""The local stack's own helpers that clients (the demo seeder, tests) build on:
``POST /_local/drain`` (what a request set off has happened when it answers) and
``GET /_local/outbox?from=N`` (each message read once)."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from tests.camera import INSIDE, camera_photo
from tests.e2e.test_citizen_flow import file_report, upload

PHONE = "+6281355500071"  # its own citizen: the shared stack counts each one's daily limit


def test_after_a_drain_the_photo_is_checked_and_the_agency_told_without_waiting(local_stack):
    url = local_stack.url
    start = requests.get(f"{url}/_local/outbox", timeout=10).json()["next"]
    created = file_report(local_stack, PHONE)
    code = created["report"]["tracking_code"]

    upload(created["uploads"][0], camera_photo(INSIDE, datetime.now(UTC)))
    drained = requests.post(f"{url}/_local/drain", timeout=60)

    assert drained.status_code == 200, drained.text
    assert drained.json()["quiet"] is True
    # One read each, no polling: the check ran, the report was routed, the notifier sent.
    mine = requests.get(
        f"{url}/v1/me/reports/{created['report']['id']}",
        headers=local_stack.auth(PHONE),
        timeout=10,
    ).json()["report"]
    assert mine["status"] == "assigned"
    new = requests.get(f"{url}/_local/outbox", params={"from": start}, timeout=10).json()
    emails = [m for m in new["messages"] if m["channel"] == "email"]
    assert any(code in (m["subject"] or "") for m in emails)
    assert all(m["attributes"].get("agency") == "DLH" for m in emails if code in m["subject"])


def test_the_outbox_read_from_an_index_gives_each_message_once(local_stack):
    url = local_stack.url
    everything = requests.get(f"{url}/_local/outbox", timeout=10).json()
    assert everything["next"] == len(everything["messages"])

    tail = requests.get(f"{url}/_local/outbox", params={"from": 1}, timeout=10).json()
    after = requests.get(
        f"{url}/_local/outbox", params={"from": everything["next"]}, timeout=10
    ).json()

    assert tail["messages"] == everything["messages"][1:]
    assert after["messages"] == []
    bad = requests.get(f"{url}/_local/outbox", params={"from": "-1"}, timeout=10)
    assert bad.status_code == 400


def test_the_clock_moves_with_or_without_running_the_schedules(local_stack):
    url = f"{local_stack.url}/_local/clock"
    try:
        quiet = requests.post(url, json={"advance_hours": 1, "run": False}, timeout=60)
        ticked = requests.post(url, json={"advance_hours": 1}, timeout=60)
        refused = requests.post(url, json={"advance_hours": 1, "run": "no"}, timeout=60)
    finally:
        requests.post(url, json={"reset": True}, timeout=60)

    assert quiet.status_code == 200
    assert quiet.json()["ran"] == []
    assert 3500 < quiet.json()["offset_s"] < 3700
    assert [r["function"] for r in ticked.json()["ran"]] == ["WatcherFunction"]
    assert refused.status_code == 400
    assert "run" in refused.json()["message"]
