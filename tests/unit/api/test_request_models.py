"""Request bodies are parsed strictly and every problem is reported at once."""

from __future__ import annotations

import json

import pytest

from sikemas.api.models import parse_create_report, parse_photo_slot
from sikemas.domain.report import Kind, Privacy
from sikemas.errors import InvalidJson, InvalidRequest

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
