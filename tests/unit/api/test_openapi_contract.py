"""The OpenAPI document tells the truth: it is what the generator makes from the documentation
models, it names exactly the template's routes and the resolver's, and its request models
accept and refuse the same bodies as the strict runtime parser."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from pydantic import BaseModel, ValidationError

from sikemas.api.models import parse_create_report, parse_photo_slot, parse_reopen
from sikemas.errors import SikemasError
from sikemas_tools import openapi

ROOT = Path(__file__).resolve().parents[3]
DOCS_LINK = ROOT / "docs" / "openapi.json"


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(DOCS_LINK.read_text(encoding="utf-8"))
    return document


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


def test_the_committed_document_is_a_fresh_generation_and_valid_openapi() -> None:
    assert DOCS_LINK.resolve() == openapi.DOCUMENT.resolve()
    assert openapi.DOCUMENT.read_text(encoding="utf-8") == openapi.render()
    validate(_document())
    assert _document()["openapi"] == "3.1.0"


def _template_routes() -> dict[tuple[str, str], bool]:
    """(method, path) -> whether the JWT authorizer guards it, from template.yaml: the citizen
    API's function (the agency's HTML pages, functions/agency, are not this JSON API, nor is
    the public statistics page the API function serves outside /v1, GET /statistik)."""
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_Loader)  # noqa: S506
    routes = {}
    for resource in template["Resources"].values():
        if (resource.get("Properties") or {}).get("CodeUri") != "functions/api":
            continue
        for event in (resource.get("Properties") or {}).get("Events", {}).values():
            if event.get("Type") == "HttpApi":
                props = event["Properties"]
                if not props["Path"].startswith("/v1/"):
                    continue
                guarded = props.get("Auth", {}).get("Authorizer") != "NONE"
                routes[(props["Method"].upper(), props["Path"])] = guarded
    return routes


def _resolver_routes() -> set[tuple[str, str]]:
    """The runtime resolver's routes, as functions/api/app.py declares them."""
    source = (ROOT / "functions" / "api" / "app.py").read_text()
    declared = re.findall(r'@app\.(get|post|put|patch|delete)\("([^"]+)"\)', source)
    return {
        (method.upper(), re.sub(r"<(\w+)>", r"{\1}", path))
        for method, path in declared
        if path.startswith("/v1/")  # GET /statistik is HTML, not the citizen API
    }


def test_the_document_the_template_and_the_resolver_name_the_same_routes_and_parameters() -> None:
    documented = _operations(_document())
    assert documented == set(_template_routes())
    assert documented == _resolver_routes()


def test_the_routes_behind_the_authorizer_are_the_ones_that_need_a_bearer_token() -> None:
    document = _document()
    for (method, path), guarded in _template_routes().items():
        operation = document["paths"][path][method.lower()]
        security = operation.get("security", document["security"])
        assert (security != []) is guarded, (method, path)
        assert ("401" in operation["responses"]) is guarded, (method, path)


def test_every_path_parameter_is_declared_with_its_name() -> None:
    for path, item in _document()["paths"].items():
        in_path = set(re.findall(r"{(\w+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == in_path, path


def test_every_operation_documents_its_errors_in_the_error_shape() -> None:
    for path, item in _document()["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "500" in responses, (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    assert "Codes:" in response["description"] or status == "401", (path, status)


# ------------------------------------------------------------------ the models and the parser

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=5),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-200, max_value=200),
    st.text(max_size=12),
)
_TEXT = st.one_of(
    st.text(min_size=0, max_size=15),
    st.integers(min_value=0, max_value=2100).map(lambda n: "a" * n),
    st.sampled_from(["sampah", "   padded text here  ", "\n\n\n\n\n\n\n\n\n\n\n x"]),
)
_LOCATION = st.one_of(
    _SCALARS,
    st.fixed_dictionaries(
        {},
        optional={
            "lat": st.one_of(_SCALARS, st.floats(min_value=-91, max_value=91)),
            "lon": st.one_of(_SCALARS, st.floats(min_value=-181, max_value=181)),
            "accuracy_m": st.one_of(_SCALARS, st.floats(min_value=-1, max_value=10_001)),
            "alt": _SCALARS,
        },
    ),
)
_REPORT = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.one_of(_SCALARS, st.sampled_from(["complaint", "suggestion", "feedback"])),
        "category": st.one_of(_SCALARS, _TEXT),
        "description": st.one_of(_SCALARS, _TEXT),
        "location": _LOCATION,
        "address": st.one_of(_SCALARS, _TEXT),
        "privacy": st.one_of(_SCALARS, st.sampled_from(["public", "anonymous", "confidential"])),
        "photo_count": st.one_of(_SCALARS, st.integers(min_value=-1, max_value=4)),
        "notify_sms": _SCALARS,
        "extra": _SCALARS,
    },
)
_SLOT = st.fixed_dictionaries(
    {}, optional={"slot": st.one_of(_SCALARS, st.integers(-1, 5)), "other": _SCALARS}
)


def _runtime_accepts(parse: Any, body: dict[str, Any]) -> bool:
    try:
        parse(json.dumps(body))
    except SikemasError:
        return False
    return True


def _documented_accepts(model: type[BaseModel], body: dict[str, Any]) -> bool:
    try:
        model.model_validate_json(json.dumps(body))
    except ValidationError:
        return False
    return True


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_REPORT)
def test_the_documented_report_body_and_the_parser_agree(body: dict[str, Any]) -> None:
    assert _documented_accepts(openapi.CreateReportIn, body) == _runtime_accepts(
        parse_create_report, body
    )


@settings(max_examples=200)
@given(_SLOT)
def test_the_documented_slot_body_and_the_parser_agree(body: dict[str, Any]) -> None:
    assert _documented_accepts(openapi.PhotoSlotIn, body) == _runtime_accepts(
        parse_photo_slot, body
    )


@pytest.mark.parametrize(
    "body",
    [
        {"kind": "complaint", "category": "sampah", "description": "Sampah menumpuk di pasar."},
        {"kind": "complaint", "category": "sampah", "description": "short"},
    ],
)
def test_the_agreement_test_sees_both_answers(body: dict[str, Any]) -> None:
    # Guard against a generator that only ever produces refused bodies.
    accepted = _runtime_accepts(parse_create_report, body)
    assert accepted is (len(body["description"]) >= 10)
    assert _documented_accepts(openapi.CreateReportIn, body) is accepted


_REOPEN = st.fixed_dictionaries(
    {},
    optional={
        "reason": st.one_of(
            _SCALARS, st.text(max_size=3), st.text(min_size=499, max_size=502), st.just("\u200b")
        ),
        "other": _SCALARS,
    },
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(_REOPEN)
def test_the_documented_reopen_body_and_the_parser_agree(body: dict[str, Any]) -> None:
    assert _documented_accepts(openapi.ReopenIn, body) == _runtime_accepts(parse_reopen, body)


@pytest.mark.parametrize(("body", "accepted"), [({"reason": "Masih bocor."}, True), ({}, False)])
def test_the_reopen_agreement_sees_both_answers(body: dict[str, Any], accepted: bool) -> None:
    assert _runtime_accepts(parse_reopen, body) is accepted
    assert _documented_accepts(openapi.ReopenIn, body) is accepted
