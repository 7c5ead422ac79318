"""Request bodies are parsed strictly and every problem is reported at once."""

from __future__ import annotations

import base64
import json

import pytest

from sikemas.api.models import (
    MAX_BODY_BYTES,
    body_text,
    parse_create_report,
    parse_photo_slot,
)
from sikemas.domain.report import Kind, Privacy
from sikemas.errors import InvalidJson, InvalidRequest, PayloadTooLarge

VALID = {
    "kind": "complaint",
    "category": "sampah",
    "description": "  Sampah menumpuk di pasar.  ",
    "location": {"lat": 0.72, "lon": 124.31},
}


def problems(body: object) -> dict[str, str]:
    with pytest.raises(InvalidRequest) as refused:
        parse_create_report(json.dumps(body))
    return {d["field"]: d["type"] for d in refused.value.details}


def test_a_valid_body_gets_its_defaults_and_a_trimmed_description():
    got = parse_create_report(json.dumps(VALID))

    assert got.kind is Kind.COMPLAINT
    assert got.description == "Sampah menumpuk di pasar."
    assert (got.privacy, got.photo_count, got.notify_sms, got.address) == (
        Privacy.PUBLIC,
        0,
        False,
        None,
    )
    assert (got.location.lat, got.location.lon, got.location.accuracy_m) == (0.72, 124.31, None)


def test_every_problem_is_reported_at_once_with_its_field():
    body = {**VALID, "kind": "rumour", "photo_count": True, "location": {"lat": "0.7", "x": 1}}

    assert problems(body) == {
        "kind": "enum",
        "photo_count": "int_type",
        "location.lat": "float_type",
        "location.lon": "missing",
        "location.x": "extra_forbidden",
    }


@pytest.mark.parametrize("raw", ['{"lat": NaN}', "Infinity", "{", ""])
def test_non_json_and_json_extensions_are_refused(raw):
    with pytest.raises(InvalidJson):
        parse_create_report(raw)


@pytest.mark.parametrize("body", [[VALID], "text", 3, None])
def test_a_body_that_is_not_an_object_is_refused(body):
    assert problems(body) == {None: "dict_type"}


def test_the_canonical_form_ignores_key_order_and_whitespace_around_the_description():
    a = parse_create_report(json.dumps(VALID))
    b = parse_create_report(
        json.dumps(
            dict(reversed(list({**VALID, "description": "Sampah menumpuk di pasar."}.items())))
        )
    )

    assert a.canonical() == b.canonical()
    assert a.canonical() != parse_create_report(json.dumps({**VALID, "photo_count": 1})).canonical()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "missing"),
        ({"slot": 1.0}, "int_type"),
        ({"slot": 4}, "out_of_range"),
        ({"slot": 1, "x": 0}, "extra_forbidden"),
    ],
)
def test_photo_slot_bodies(body, error):
    with pytest.raises(InvalidRequest) as refused:
        parse_photo_slot(json.dumps(body))
    assert refused.value.details[0]["type"] == error
    assert parse_photo_slot('{"slot": 2}').slot == 2


# -- null, broken text, and what is measured ---------------------------------------------------


@pytest.mark.parametrize(
    ("field", "error"),
    [("kind", "enum"), ("category", "string_type"), ("description", "string_type")],
)
def test_a_required_field_set_to_null_is_a_field_error(field, error):
    assert problems({**VALID, field: None}) == {field: error}


def test_optional_fields_set_to_null_take_their_defaults():
    got = parse_create_report(
        json.dumps({**VALID, "address": None, "privacy": None, "photo_count": None})
    )
    assert (got.address, got.privacy, got.photo_count) == (None, Privacy.PUBLIC, 0)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"description": "Sampah \\ud800 menumpuk"}', "description"),
        ('{"kind": "complaint", "\\udfff": 1}', "\\udfff"),
        ('{"location": {"lat": ["\\ud83d"]}}', "location.lat[0]"),
    ],
)
def test_a_lone_surrogate_anywhere_is_refused_before_anything_else(raw, field):
    with pytest.raises(InvalidRequest) as refused:
        parse_create_report(raw)
    assert [(d["field"], d["type"]) for d in refused.value.details] == [(field, "string_unicode")]
    json.dumps(refused.value.details, ensure_ascii=False).encode("utf-8")


def test_text_is_measured_after_it_is_normalised():
    assert problems({**VALID, "description": "\u200b" * 12}) == {"description": "string_too_short"}
    assert problems({**VALID, "description": "\x00" * 9 + "a"}) == {
        "description": "string_too_short"
    }
    got = parse_create_report(
        json.dumps({**VALID, "description": "\x1b[1mSampah\x1b[0m\x07 pasar"})
    )
    assert got.description == "Sampah pasar"
    assert parse_create_report(json.dumps({**VALID, "description": "😀" * 2000})).description


def test_field_messages_name_the_limit_in_both_languages():
    with pytest.raises(InvalidRequest) as refused:
        parse_create_report(json.dumps({**VALID, "description": "x" * 2001, "kind": "rumour"}))
    by_field = {d["field"]: d for d in refused.value.details}

    assert by_field["description"]["message"] == {
        "id": "Maksimal 2000 karakter.",
        "en": "At most 2000 characters.",
    }
    assert by_field["description"]["max"] == 2000
    assert by_field["kind"]["message"]["id"].startswith("Harus salah satu dari: complaint")


def test_a_huge_integer_where_a_number_is_expected_is_out_of_range():
    assert problems({**VALID, "location": {"lat": 10**400, "lon": 124.3}}) == {
        "location.lat": "out_of_range"
    }


def test_json_nested_too_deep_is_invalid_json():
    with pytest.raises(InvalidJson):
        parse_create_report("[" * 100_000 + "]" * 100_000)


# -- the body as API Gateway hands it over -----------------------------------------------------


def test_the_longest_valid_body_escaped_as_python_escapes_it_fits_the_limit():
    longest = {
        "kind": "suggestion",
        "category": "😀" * 64,
        "description": "😀" * 2000,
        "location": {"lat": -0.123456789012345, "lon": -123.45678901234567, "accuracy_m": 9999.5},
        "address": "😀" * 300,
        "privacy": "confidential",
        "photo_count": 3,
        "notify_sms": False,
    }
    raw = json.dumps(longest, indent=2)

    assert len(raw.encode()) <= MAX_BODY_BYTES
    assert body_text(raw, base64_encoded=False) == raw
    assert MAX_BODY_BYTES < 32 * 1024  # and no bigger than it needs to be


def test_a_body_over_the_limit_is_refused_before_it_is_parsed():
    with pytest.raises(PayloadTooLarge):
        body_text("x" * (MAX_BODY_BYTES + 1), base64_encoded=False)
    with pytest.raises(PayloadTooLarge):
        body_text(base64.b64encode(b"x" * (MAX_BODY_BYTES + 1)).decode(), base64_encoded=True)


@pytest.mark.parametrize(
    ("data", "position"), [(b'{"a": "\xff"}', 7), (b"\xc3(", 0), (b"ok\xed\xa0\x80", 2)]
)
def test_bytes_that_are_not_utf8_are_invalid_json_with_the_position(data, position):
    with pytest.raises(InvalidJson) as refused:
        body_text(base64.b64encode(data).decode(), base64_encoded=True)
    detail = refused.value.details[0]
    assert (detail["type"], detail["position"]) == ("utf8", position)
    assert set(detail["message"]) == {"id", "en"}


def test_a_text_body_carrying_a_surrogate_is_invalid_json_not_a_crash():
    with pytest.raises(InvalidJson):
        body_text('{"a": "\ud800"}', base64_encoded=False)


def test_utf8_bytes_and_text_bodies_read_the_same():
    raw = '{"description": "Jalan berlubang — 3 m ✓"}'
    assert body_text(base64.b64encode(raw.encode()).decode(), base64_encoded=True) == raw
    assert body_text(raw, base64_encoded=False) == raw
    assert body_text(None, base64_encoded=False) == ""
    assert body_text(base64.b64encode(b"\xef\xbb\xbf{}").decode(), base64_encoded=True) == "{}"


def test_coordinates_are_kept_to_what_a_phone_can_know() -> None:
    # Found by schemathesis: 1e-309 is valid JSON, and DynamoDB cannot store it (500).
    body = {
        "kind": "complaint",
        "category": "sampah",
        "description": "Sampah menumpuk di pasar.",
        "location": {"lat": 0.73361234567891, "lon": -2.225073858507203e-309, "accuracy_m": 1e-48},
    }
    parsed = parse_create_report(json.dumps(body))
    assert parsed.location is not None
    assert (parsed.location.lat, parsed.location.lon) == (0.7336123, 0.0)
    assert parsed.location.accuracy_m == 0.0
