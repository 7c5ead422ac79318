"""The review's bad input, sent over HTTP to the local stack as a new user would send it: every
answer is a 4xx in the error shape, or the report is filed with its text normalised."""

from __future__ import annotations

import json

import pytest
import requests

PHONE = "+6281277700001"
PERMIT = {
    "kind": "complaint",
    "category": "perizinan",
    "description": "Izin usaha saya belum diproses selama dua bulan.",
}


def post(stack, data: bytes, content_type: str | None = "application/json") -> requests.Response:
    headers = {**stack.auth(PHONE), **({"Content-Type": content_type} if content_type else {})}
    return requests.post(f"{stack.url}/v1/reports", data=data, headers=headers, timeout=10)


def assert_refused(r: requests.Response, code: str) -> None:
    assert 400 <= r.status_code < 500, r.text
    error = r.json()["error"]
    assert error["code"] == code
    assert error["message"]["id"]
    assert error["message"]["en"]


@pytest.mark.parametrize("field", ["description", "kind", "category"])
def test_null_fields_are_refused(local_stack, field):
    assert_refused(
        post(local_stack, json.dumps({**PERMIT, field: None}).encode()), "invalid_request"
    )


def test_a_lone_surrogate_is_refused(local_stack):
    body = json.dumps({**PERMIT, "description": "Izin \ud800 usaha belum diproses"}).encode()
    assert_refused(post(local_stack, body), "invalid_request")


@pytest.mark.parametrize("content_type", [None, "application/octet-stream"])
def test_bytes_that_are_not_utf8_are_refused(local_stack, content_type):
    body = b'{"kind": "complaint", "category": "perizinan", "description": "Izin \xff\xfe usaha"}'
    assert_refused(post(local_stack, body, content_type), "invalid_json")


def test_control_characters_are_not_stored_and_emoji_fit(local_stack):
    description = "\x1b[31m\x00Izin\x07 usaha\u200b belum keluar " + "😀" * 1900
    r = post(local_stack, json.dumps({**PERMIT, "description": description}).encode())

    assert r.status_code == 201, r.text
    assert r.json()["report"]["description"] == "Izin usaha belum keluar " + "😀" * 1900
