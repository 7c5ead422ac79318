"""Bad input, tried as a new user (or a fuzzer) would: every answer is a 4xx in the error shape,
never a 500; text is stored normalised; the body limit fits the longest valid body."""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.integration.conftest import Api

PERMIT = {
    "kind": "complaint",
    "category": "perizinan",
    "description": "Izin usaha saya belum diproses selama dua bulan.",
}


def assert_error_shape(status: int, body: dict[str, Any], code: str | None = None) -> None:
    assert 400 <= status < 500, (status, body)
    error = body["error"]
    assert isinstance(error["code"], str)
    assert error["message"]["id"]
    assert error["message"]["en"]
    assert isinstance(error["details"], list)
    if code is not None:
        assert error["code"] == code


def field_errors(body: dict[str, Any]) -> dict[str, str]:
    return {d["field"]: d["type"] for d in body["error"]["details"]}


@pytest.mark.parametrize("field", ["description", "kind", "category"])
def test_a_required_field_set_to_null_is_refused_with_its_name(api: Api, field):
    status, body, _ = api.call("POST", "/v1/reports", body={**PERMIT, field: None})

    assert_error_shape(status, body, "invalid_request")
    assert field in field_errors(body)


def test_a_lone_surrogate_in_the_description_is_refused(api: Api):
    raw = json.dumps({**PERMIT, "description": "Jalan rusak parah \ud800 di sini"})
    assert "\\ud800" in raw

    status, body, _ = api.call("POST", "/v1/reports", raw_body=raw)

    assert_error_shape(status, body, "invalid_request")
    assert field_errors(body) == {"description": "string_unicode"}


def test_a_lone_surrogate_in_an_unknown_key_is_refused_and_the_answer_is_valid_utf8(api: Api):
    raw = json.dumps({**PERMIT, "x\udc00": 1})

    status, body, _ = api.call("POST", "/v1/reports", raw_body=raw)

    assert_error_shape(status, body, "invalid_request")
    json.dumps(body, ensure_ascii=False).encode("utf-8")  # no surrogate echoed back


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind": "complaint", "category": "perizinan", "description": "Izin \xff\xfe rusak"}',
        b'{"kind": "complaint", "description": "\xc3\x28 tidak valid"}',
        b"\xed\xa0\x80",  # a surrogate encoded as UTF-8: not UTF-8
    ],
)
def test_a_body_that_is_not_utf8_is_refused_as_invalid_json(api: Api, raw):
    status, body, _ = api.call("POST", "/v1/reports", raw_bytes=raw)

    assert_error_shape(status, body, "invalid_json")
    assert body["error"]["details"][0]["type"] == "utf8"


def test_a_body_sent_as_bytes_that_is_utf8_is_read(api: Api):
    raw = json.dumps({**PERMIT, "description": "Izin usaha belum keluar — sudah dua bulan ✓"})

    status, body, _ = api.call("POST", "/v1/reports", raw_bytes=raw.encode())

    assert status == 201
    assert body["report"]["description"].endswith("✓")


def test_control_characters_and_ansi_escapes_are_not_stored(api: Api):
    description = "\x1b[31mJalan\x00 berlubang\x07 besar\x1b[0m di\u202e depan\r\nsekolah\u200b."

    status, body, _ = api.call("POST", "/v1/reports", body={**PERMIT, "description": description})
    assert status == 201
    _, mine, _ = api.call("GET", f"/v1/me/reports/{body['report']['id']}")

    assert mine["report"]["description"] == "Jalan berlubang besar di depan\nsekolah."


def test_twelve_zero_width_spaces_do_not_pass_the_minimum_length(api: Api):
    status, body, _ = api.call("POST", "/v1/reports", body={**PERMIT, "description": "\u200b" * 12})

    assert_error_shape(status, body, "invalid_request")
    assert field_errors(body) == {"description": "string_too_short"}


def test_two_thousand_emoji_escaped_as_python_sends_them_fit(api: Api):
    description = "😀" * 2000
    raw = json.dumps({**PERMIT, "description": description, "address": "🏠" * 300})
    assert len(raw.encode()) > 16 * 1024

    status, body, _ = api.call("POST", "/v1/reports", raw_body=raw)

    assert status == 201, body
    assert body["report"]["description"] == description


def test_one_emoji_too_many_is_a_field_error_not_a_payload_error(api: Api):
    raw = json.dumps({**PERMIT, "description": "😀" * 2001})

    status, body, _ = api.call("POST", "/v1/reports", raw_body=raw)

    assert_error_shape(status, body, "invalid_request")
    assert field_errors(body) == {"description": "string_too_long"}


def test_field_messages_are_given_in_both_languages(api: Api):
    body = {**PERMIT, "kind": None, "description": "pendek", "surprise": 1, "photo_count": "2"}

    status, got, _ = api.call("POST", "/v1/reports", body=body)

    assert status == 400
    details = got["error"]["details"]
    assert {d["field"] for d in details} == {"kind", "description", "surprise", "photo_count"}
    for detail in details:
        assert set(detail["message"]) == {"id", "en"}
        assert detail["message"]["id"] != detail["message"]["en"]
    short = next(d for d in details if d["field"] == "description")
    assert short["message"] == {"id": "Minimal 10 karakter.", "en": "At least 10 characters."}


def test_a_number_too_large_for_a_float_is_a_field_error(api: Api):
    raw = json.dumps({**PERMIT, "location": {"lat": 10**400, "lon": 124.3}})

    status, body, _ = api.call("POST", "/v1/reports", raw_body=raw)

    assert_error_shape(status, body, "invalid_request")
    assert field_errors(body) == {"location.lat": "out_of_range"}


def test_json_nested_beyond_reason_is_refused(api: Api):
    status, body, _ = api.call("POST", "/v1/reports", raw_body="[" * 14_000 + "]" * 14_000)

    assert_error_shape(status, body)


# -- any body at all ----------------------------------------------------------------------------

# Any text, lone surrogates, control and format characters included (json.dumps escapes them).
_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=30) | st.text()
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _any_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_any_text, inner, max_size=4),
    max_leaves=12,
)
_report_like = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["complaint", "suggestion", "feedback"]) | _json,
        "category": st.sampled_from(["perizinan", "sampah", "jalan"]) | _json,
        "description": st.text(min_size=0, max_size=60) | _any_text | _json,
        "location": st.fixed_dictionaries(
            {"lat": st.floats(-1, 2) | _json, "lon": st.floats(123, 126) | _json}
        )
        | _json,
        "address": _any_text | _json,
        "privacy": st.sampled_from(["public", "anonymous", "confidential"]) | _json,
        "photo_count": st.integers(-1, 4) | _json,
        "notify_sms": st.booleans() | _json,
    },
)
# Bodies that pass validation, with any text: they reach the use case and the table.
_valid_looking = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["complaint", "suggestion", "feedback"]),
        "category": st.sampled_from(["perizinan", "air_bersih", "sampah"]),
        "description": st.text(st.characters(codec=None, exclude_categories=["Cs"]), min_size=10),
        "location": st.fixed_dictionaries(
            {"lat": st.floats(0.70, 0.76), "lon": st.floats(124.28, 124.34)}
        ),
    },
    optional={
        "address": st.text(st.characters(codec=None, exclude_categories=["Cs"]), max_size=300),
        "privacy": st.sampled_from(["public", "anonymous", "confidential"]),
    },
)
_bodies = st.one_of(
    _valid_looking.map(lambda b: ("json", json.dumps(b))),
    _valid_looking.map(lambda b: ("bytes", json.dumps(b, ensure_ascii=False).encode())),
    _report_like.map(lambda b: ("json", json.dumps(b))),
    _json.map(lambda b: ("json", json.dumps(b))),
    st.text().map(lambda t: ("text", t)),
    st.binary().map(lambda b: ("bytes", b)),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=_bodies,
    path=st.sampled_from(["/v1/reports", "/v1/reports/{id}/photos"]),
    citizen=st.integers(10**7, 10**8 - 1),  # many citizens: the daily limit is not what answers
)
def test_no_body_gets_a_5xx_and_every_refusal_has_the_error_shape(api: Api, body, path, citizen):
    form, value = body
    phone = f"+62812{citizen}"
    if "{id}" in path:
        path = path.replace("{id}", "01JD2Y6X3B6Q3W9Y5K8R7T4V2N")
    if form == "bytes":
        status, got, _ = api.call("POST", path, raw_bytes=value, phone=phone)
    else:
        status, got, _ = api.call("POST", path, raw_body=value, phone=phone)

    event(f"{path.split('/')[-1]} {status}")
    assert status < 500, got
    if status >= 400:
        assert_error_shape(status, got)
        json.dumps(got, ensure_ascii=False).encode("utf-8")
    elif path == "/v1/reports":
        stored = got["report"]["description"]
        assert len(stored) >= 10
        assert all(
            ch in "\n\u200d" or unicodedata.category(ch) not in ("Cc", "Cf") for ch in stored
        )
