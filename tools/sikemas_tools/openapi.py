"""The citizen API's contract: pydantic models kept for documentation only, and the OpenAPI 3.1
document built from them (``bin/sikemas openapi``, written to the layer's
``sikemas/api/openapi.json``; ``docs/openapi.json`` links to it).

Never imported by a Lambda function: the API parses bodies with its strict hand-written reader
(``sikemas.api.models``), which costs no cold start; tests hold the two to the same answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from sikemas.api.models import (
    ADDRESS_MAX,
    CATEGORY_MAX,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    MAX_PHOTOS,
    REASON_MAX,
)
from sikemas.api.text import normalise
from sikemas.domain.photos import PhotoOutcome
from sikemas.domain.reasons import CheckName, Reason
from sikemas.domain.report import AgencyOutcome, EventType, Kind, Privacy, Status

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "layers" / "sikemas" / "sikemas" / "api" / "openapi.json"

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


def _normalised(value: object) -> object:
    """As the parser does: text is normalised before it is measured."""
    return normalise(value) if isinstance(value, str) else value


CategoryCode = Annotated[
    str, BeforeValidator(_normalised), Field(min_length=1, max_length=CATEGORY_MAX)
]
Description = Annotated[
    str,
    BeforeValidator(_normalised),
    Field(min_length=DESCRIPTION_MIN, max_length=DESCRIPTION_MAX),
]
Address = Annotated[str, BeforeValidator(_normalised), Field(max_length=ADDRESS_MAX)]
Reason_ = Annotated[str, BeforeValidator(_normalised), Field(min_length=1, max_length=REASON_MAX)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# ------------------------------------------------------------------------------------------
# Requests


class LocationIn(_Strict):
    """Where the problem is: WGS 84 degrees, and the phone's accuracy in metres."""

    lat: Annotated[Number, Field(ge=-90, le=90)]
    lon: Annotated[Number, Field(ge=-180, le=180)]
    accuracy_m: Annotated[Number, Field(ge=0, le=10_000)] | None = None


class CreateReportIn(_Strict):
    """A new report. Text is normalised (NFC; control and invisible format characters removed,
    newlines kept) before its length is measured."""

    kind: Kind
    category: CategoryCode
    description: Description
    location: LocationIn | None = None
    address: Address | None = None
    # null on an optional field means "absent": the default applies
    privacy: Privacy | None = Privacy.PUBLIC
    photo_count: Annotated[StrictInt, Field(ge=0, le=MAX_PHOTOS)] | None = 0
    notify_sms: StrictBool | None = False

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "kind": "complaint",
                    "category": "sampah",
                    "description": "Tumpukan sampah di pinggir jalan dekat pasar, sudah tiga "
                    "hari tidak diangkut.",
                    "location": {"lat": 0.7335, "lon": 124.3167, "accuracy_m": 12},
                    "address": "Jl. Ahmad Yani, Kotamobagu",
                    "privacy": "public",
                    "photo_count": 1,
                    "notify_sms": True,
                }
            ]
        },
    )


class PhotoSlotIn(_Strict):
    """Ask for a (new) upload for one photo slot."""

    slot: Annotated[StrictInt, Field(ge=1, le=MAX_PHOTOS)]

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"slot": 1}]}
    )


class ReopenIn(_Strict):
    """Why the fix did not hold (within the city's reopen window after it was resolved)."""

    reason: Reason_

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"reason": "Sampah belum diangkut, masih menumpuk."}]},
    )


# ------------------------------------------------------------------------------------------
# Responses (open: a client must ignore fields it does not know)


class Text(BaseModel):
    id: str
    en: str


class Ref(BaseModel):
    code: str
    name: Text | None


class AgencyRef(BaseModel):
    code: str
    name: str | None
    jurisdiction: Literal["city", "vertical"] | None


class Point(BaseModel):
    lat: float
    lon: float
    accuracy_m: float | None = None


class Health(BaseModel):
    status: Literal["ok"]


class AgencyName(BaseModel):
    code: str
    name: str


class Category(BaseModel):
    code: str
    name: Text
    agency: AgencyName
    jurisdiction: Literal["city", "vertical"]
    requires_photo: bool
    requires_location: bool
    emergency: bool
    emergency_number: str | None


class Categories(BaseModel):
    categories: list[Category]


class Upload(BaseModel):
    """A presigned POST: send ``fields`` and then the file as multipart/form-data to ``url``."""

    slot: int
    url: str
    fields: dict[str, str]
    expires_at: str


class PhotoCheck(BaseModel):
    """One check of a photo; a failed one says why, in both languages."""

    name: CheckName
    passed: bool | None = Field(description="null: not judged (`reason` says why)")
    reason: Reason | None
    message: Text | None


class OwnerPhoto(BaseModel):
    """A photo as its owner sees it: every check; links to private copies are short-lived."""

    slot: int
    state: Literal["current", "late"]
    received_at: str
    outcome: PhotoOutcome | None = Field(description="null while the checks run")
    taken_at: str | None
    checks: list[PhotoCheck]
    url: str | None
    thumbnail_url: str | None


class Subdistrict(BaseModel):
    """The kelurahan/desa and kecamatan the report lies in."""

    desa: str | None = None
    desa_code: str | None = None
    kecamatan: str | None = None
    kecamatan_code: str | None = None


class PublicPhoto(BaseModel):
    slot: int
    url: str | None
    thumbnail_url: str | None


class TimelineEntry(BaseModel):
    at: str
    from_: Status | None = Field(alias="from")
    to: Status
    type: EventType
    by: str
    reason: str | None
    note: str | None
    actor_name: str | None = Field(description="the officer or admin who acted")
    agency: str | None = Field(description="the agency an agency's action was taken for")


class Outcome(BaseModel):
    """How the agency ended its work, who recorded it and when."""

    outcome: AgencyOutcome
    reason: str | None
    reference: str | None = Field(description="a vertical agency's own reference")
    agency: AgencyRef
    officer: str | None
    at: str | None


class Deadlines(BaseModel):
    """The two clocks (ISO 8601 with the city's offset): respond by (wall clock from routing)
    and resolve by (close of working hours on the Nth working day after the routing day)."""

    respond_by: str
    resolve_by: str
    responded_at: str | None
    resolved_at: str | None
    overdue: bool


class _ReportBase(BaseModel):
    id: str
    tracking_code: str
    status: Status
    kind: Kind
    category: Ref
    agency: AgencyRef
    description: str
    address: str | None
    subdistrict: Subdistrict | None
    deadlines: Deadlines | None = Field(
        description="null until routed to a city agency; forwarded reports have none"
    )
    created_at: str
    updated_at: str


class OwnerReport(_ReportBase):
    location: Point | None
    privacy: Privacy
    photo_count: int
    photos: list[OwnerPhoto]
    suspicious: bool = Field(description="a photo was taken outside the city")
    notify_sms: bool
    duplicate_of: str | None
    outcome: Outcome | None
    after_photos: list[OwnerPhoto] = Field(description="the agency's after photos")
    reopened: int
    confirmed_by_citizen: bool
    reopen_until: str | None = Field(description="while resolved: the end of the reopen window")
    timeline: list[TimelineEntry] | None = None


class PublicReport(_ReportBase):
    location: Point | None
    photos: list[PublicPhoto]
    after_photos: list[PublicPhoto] = Field(description="the agency's accepted after photos")
    outcome: AgencyOutcome | None


class Created(BaseModel):
    report: OwnerReport
    uploads: list[Upload]
    notice: Text | None = Field(
        description="for an emergency category (fire): call the emergency number as well"
    )


class OwnerReportOut(BaseModel):
    report: OwnerReport


class PublicReportOut(BaseModel):
    report: PublicReport


class MyReports(BaseModel):
    reports: list[OwnerReport]
    next_cursor: str | None


class PointGeometry(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(
        min_length=2, max_length=2, description="[lon, lat] (an anonymous report's rounded)"
    )


class ReportFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: PointGeometry
    properties: PublicReport


class ReportFeed(BaseModel):
    """The public map feed: a GeoJSON FeatureCollection, newest first."""

    type: Literal["FeatureCollection"]
    features: list[ReportFeature]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


class ErrorBody(BaseModel):
    code: str
    message: Text
    details: list[dict[str, Any]]


class Error(BaseModel):
    """Every refusal of the function: a stable code and a message in Indonesian and English."""

    error: ErrorBody


class GatewayMessage(BaseModel):
    """API Gateway's own answers, before the function runs (no token, unknown route)."""

    message: str


# Statistics (GET /v1/stats): read from the counters only.


class OnTime(BaseModel):
    on_time: int
    counted: int = Field(description="Clocks judged (reports that carried deadlines)")
    rate: float | None = Field(description="on_time / counted; null when none was counted")


class Bucket(BaseModel):
    le_hours: float | None = Field(description="Upper edge in hours; null: beyond the last")
    count: int


class Durations(BaseModel):
    """Hours since the report was (last) routed, in fixed buckets: the median and 90th
    percentile are the upper edge of the bucket they fall in (null: none, or beyond 720 h)."""

    count: int
    median_hours: float | None
    p90_hours: float | None
    over_hours: float
    buckets: list[Bucket]


class OnTimeRates(BaseModel):
    response: OnTime
    resolution: OnTime


class Hours(BaseModel):
    response: Durations
    resolution: Durations


class VerticalOutcomes(BaseModel):
    handled: int
    not_theirs: int
    not_fixable: int


class Figures(BaseModel):
    """Received (and its state now) counts the reports received in the period, duplicates
    never; the rest counts what happened during the period."""

    received: int
    complaints: int
    now: dict[Status, int] = Field(description="Where the period's reports are now")
    followed_up_and_done: int = Field(description="Now resolved or closed")
    duplicates: int
    routed: int
    forwarded: int
    resolved_fixed: int
    resolved_not_fixable: int
    closed: int
    rejected: int
    rejected_by_reason: dict[str, int]
    vertical_outcomes: VerticalOutcomes
    reopened: int
    overdue: int
    on_time: OnTimeRates
    hours: Hours


class AgencyFigures(Figures):
    code: str
    name: str
    jurisdiction: Literal["city", "vertical"]


class CategoryFigures(Figures):
    code: str
    name: Text | None
    agency: str | None


class TopAgency(BaseModel):
    code: str
    name: str
    complaints: int


class VerticalAgency(BaseModel):
    code: str
    received: int


class VerticalShare(BaseModel):
    received: int
    agencies: list[VerticalAgency]


class Day(BaseModel):
    date: str
    received: int


class SubdistrictFigures(BaseModel):
    """A kelurahan/desa and the reports received there in the period (located reports,
    duplicates never), summed over the agencies."""

    code: str = Field(description="Kemendagri code, e.g. 71.74.01.1005")
    name: str = Field(description="Its name from the city's subdistricts (else the code)")
    kecamatan: str | None
    received: int


class Stats(BaseModel):
    from_: str = Field(alias="from")
    to: str
    days: int
    timezone: str
    summary: Text = Field(description="The city's sentence, in Indonesian and English")
    totals: Figures
    top_agencies: list[TopAgency] = Field(description="The city's own agencies by complaints")
    vertical: VerticalShare = Field(description="Vertical agencies (PDAM, PLN …), counted apart")
    per_day: list[Day]
    agencies: list[AgencyFigures]
    categories: list[CategoryFigures]
    subdistricts: list[SubdistrictFigures] = Field(
        description="The kelurahan/desa with the most reports, most first (at most 10)"
    )


# ------------------------------------------------------------------------------------------
# Operations

Json = dict[str, Any]
_BODY_ERRORS = ["invalid_json", "invalid_request", "invalid_encoding"]


def _ref(model: type[BaseModel]) -> Json:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error(codes: list[str], description: str) -> Json:
    schema = {
        "allOf": [
            {"$ref": "#/components/schemas/Error"},
            {"properties": {"error": {"properties": {"code": {"enum": sorted(codes)}}}}},
        ]
    }
    return {
        "description": description + " Codes: " + ", ".join(f"`{c}`" for c in sorted(codes)),
        "content": {"application/json": {"schema": schema}},
    }


def _ok(model: type[BaseModel], description: str) -> Json:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(model)}},
    }


_INTERNAL = {
    "500": _error(["internal_error"], "Something failed on our side; the body quotes a code."),
}
_NO_TOKEN = {
    "401": {
        "description": "No valid token (API Gateway's JWT authorizer answers before the function).",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/GatewayMessage"},
                        {"$ref": "#/components/schemas/Error"},
                    ]
                }
            }
        },
    }
}
_REPORT_ID = {
    "name": "report_id",
    "in": "path",
    "required": True,
    "description": "The report's id (26-character ULID).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
    "example": "01JD2Y6X3B6Q3W9Y5K8R7T4V2N",
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the same key when retrying the same report: the first answer is "
    "replayed (header `Idempotent-Replayed: true`) for 24 hours; the same key with another "
    "body is refused.",
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_.:\-]{1,128}$"},
    "example": "8d1f6c3a-2b7e-4e59-9a41-0c5d3e2f1b6a",
}


def _body(model: type[BaseModel]) -> Json:
    return {
        "required": True,
        "content": {"application/json": {"schema": _ref(model)}},
    }


# (method, path) -> operation. The path parameter names are the resolver's and the template's.
OPERATIONS: dict[tuple[str, str], Json] = {
    ("get", "/v1/health"): {
        "operationId": "health",
        "summary": "Is the API up?",
        "security": [],
        "responses": {"200": _ok(Health, "Up."), **_INTERNAL},
    },
    ("get", "/v1/openapi.json"): {
        "operationId": "openapi",
        "summary": "This document.",
        "security": [],
        "responses": {
            "200": {"description": "The OpenAPI document.", "content": {"application/json": {}}},
            **_INTERNAL,
        },
    },
    ("get", "/v1/categories"): {
        "operationId": "listCategories",
        "summary": "The city's categories (Indonesian and English), and what each needs.",
        "security": [],
        "responses": {"200": _ok(Categories, "The categories."), **_INTERNAL},
    },
    ("post", "/v1/reports"): {
        "operationId": "createReport",
        "summary": "File a report; photos are uploaded straight to storage with the returned "
        "presigned POSTs.",
        "parameters": [_IDEMPOTENCY],
        "requestBody": _body(CreateReportIn),
        "responses": {
            "201": {
                **_ok(Created, "Filed (or replayed): the report and one upload per photo."),
                # What a client does next with the new report (schemathesis follows these).
                "links": {
                    name: {
                        "operationId": operation,
                        "parameters": {"report_id": "$response.body#/report/id"},
                    }
                    for name, operation in (
                        ("GetMyReport", "getMyReport"),
                        ("ReopenReport", "reopenReport"),
                        ("ConfirmReport", "confirmReport"),
                    )
                },
            },
            "400": _error(
                [
                    *_BODY_ERRORS,
                    "unknown_category",
                    "location_required",
                    "photo_required",
                    "invalid_idempotency_key",
                ],
                "The body or a header is not valid.",
            ),
            **_NO_TOKEN,
            "409": _error(["concurrent_update"], "Someone changed the same data: try again."),
            "413": _error(["payload_too_large"], "The body is larger than the fields allow."),
            "422": _error(
                ["idempotency_key_reused", "location_outside_city"],
                "Understood but refused.",
            ),
            "429": _error(["daily_limit_exceeded"], "Too many reports today."),
            **_INTERNAL,
        },
    },
    ("post", "/v1/reports/{report_id}/photos"): {
        "operationId": "createPhotoUpload",
        "summary": "A new presigned POST for one photo slot of one's own report.",
        "parameters": [_REPORT_ID],
        "requestBody": _body(PhotoSlotIn),
        "responses": {
            "201": _ok(Upload, "The upload."),
            "400": _error([*_BODY_ERRORS, "invalid_slot"], "The body is not valid."),
            **_NO_TOKEN,
            "404": _error(["report_not_found"], "No such report of yours."),
            "409": _error(
                ["upload_not_allowed", "concurrent_update"],
                "The report takes no photo now.",
            ),
            "413": _error(["payload_too_large"], "The body is too large."),
            **_INTERNAL,
        },
    },
    ("get", "/v1/reports/{report_id}"): {
        "operationId": "getPublicReport",
        "summary": "A report as anyone may see it (no reporter; contact details masked).",
        "security": [],
        "parameters": [_REPORT_ID],
        "responses": {
            "200": _ok(PublicReportOut, "The report."),
            "404": _error(["report_not_found"], "No such public report."),
            **_INTERNAL,
        },
    },
    ("get", "/v1/reports"): {
        "operationId": "listPublicReports",
        "summary": "The public map feed: public reports in a bbox as GeoJSON, newest first, a "
        "page at a time (read through an index of geohash cells, never a scan). Confidential "
        "and hidden reports never appear; anonymous ones show a location rounded to ~100 m.",
        "security": [],
        "parameters": [
            {
                "name": "bbox",
                "in": "query",
                "required": True,
                "description": "minLon,minLat,maxLon,maxLat (WGS 84); at most about 40 km square.",
                "schema": {"type": "string"},
                "example": "124.25,0.64,124.38,0.78",
            },
            {
                "name": "status",
                "in": "query",
                "required": False,
                "schema": {
                    "type": "string",
                    "enum": ["assigned", "closed", "forwarded", "in_progress", "resolved"],
                },
            },
            {
                "name": "category",
                "in": "query",
                "required": False,
                "description": "A category code (`GET /v1/categories`).",
                "schema": {"type": "string"},
            },
            {
                "name": "since",
                "in": "query",
                "required": False,
                "description": "Only reports filed at or after this instant (ISO 8601).",
                "schema": {"type": "string", "format": "date-time"},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "`next_cursor` of the previous page (opaque).",
                "schema": {"type": "string"},
            },
        ],
        "responses": {
            "200": _ok(ReportFeed, "A page of the feed."),
            "400": _error(
                ["invalid_request", "invalid_cursor", "unknown_category", "unknown_parameter"],
                "A parameter is not valid (a bad or too large bbox, status, since, limit or "
                "cursor), an unknown category, or another parameter.",
            ),
            **_INTERNAL,
        },
    },
    ("get", "/v1/stats"): {
        "operationId": "getStats",
        "summary": "The city's figures for a period of city-local days (default the last 30, "
        "at most 366), from counters: totals, per agency and category, reports a day, on-time "
        "rates, median and 90th-percentile hours, and the city's sentence.",
        "security": [],
        "parameters": [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": description,
                "schema": {"type": "string", "format": "date"},
                "example": example,
            }
            for name, description, example in (
                ("from", "First day (YYYY-MM-DD), included.", "2026-11-01"),
                ("to", "Last day (YYYY-MM-DD), included; default today.", "2026-11-30"),
            )
        ],
        "responses": {
            "200": _ok(Stats, "The figures."),
            "400": _error(
                ["invalid_period", "period_too_long", "unknown_parameter"],
                "A date that is not one, a reversed or too long period, or another parameter.",
            ),
            **_INTERNAL,
        },
    },
    ("get", "/v1/me/reports"): {
        "operationId": "listMyReports",
        "summary": "One's own reports, newest first.",
        "parameters": [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": 50, "default": 20},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "`next_cursor` of the previous page (opaque).",
                "schema": {"type": "string"},
            },
        ],
        "responses": {
            "200": _ok(MyReports, "A page of reports."),
            "400": _error(["invalid_request", "invalid_cursor"], "A parameter is not valid."),
            **_NO_TOKEN,
            **_INTERNAL,
        },
    },
    ("get", "/v1/me/reports/{report_id}"): {
        "operationId": "getMyReport",
        "summary": "One's own report with every check and its timeline.",
        "parameters": [_REPORT_ID],
        "responses": {
            "200": _ok(OwnerReportOut, "The report."),
            **_NO_TOKEN,
            "404": _error(["report_not_found"], "No such report of yours."),
            **_INTERNAL,
        },
    },
    ("post", "/v1/reports/{report_id}/reopen"): {
        "operationId": "reopenReport",
        "summary": "The fix did not hold: one's own resolved report goes back to its agency "
        "(within the city's reopen window, 7 days by default).",
        "parameters": [_REPORT_ID],
        "requestBody": _body(ReopenIn),
        "responses": {
            "200": _ok(OwnerReportOut, "Reopened: the report, assigned again, and its timeline."),
            "400": _error([*_BODY_ERRORS, "reason_required"], "The body is not valid."),
            **_NO_TOKEN,
            "404": _error(["report_not_found"], "No such report of yours."),
            "409": _error(
                ["action_not_applicable", "reopen_window_closed", "concurrent_update"],
                "The report is not resolved, or its reopen window has passed.",
            ),
            "413": _error(["payload_too_large"], "The body is too large."),
            **_INTERNAL,
        },
    },
    ("post", "/v1/reports/{report_id}/confirm"): {
        "operationId": "confirmReport",
        "summary": "The fix holds: one's own resolved report is closed at once, confirmed by "
        "its owner. No body.",
        "parameters": [_REPORT_ID],
        "responses": {
            "200": _ok(OwnerReportOut, "Closed: the report and its timeline."),
            **_NO_TOKEN,
            "404": _error(["report_not_found"], "No such report of yours."),
            "409": _error(
                ["action_not_applicable", "concurrent_update"], "The report is not resolved."
            ),
            **_INTERNAL,
        },
    },
}

_MODELS: list[type[BaseModel]] = [
    CreateReportIn,
    PhotoSlotIn,
    ReopenIn,
    Health,
    Categories,
    Upload,
    Created,
    OwnerReportOut,
    PublicReportOut,
    MyReports,
    Stats,
    ReportFeed,
    Error,
    GatewayMessage,
]


def _components() -> Json:
    schemas: Json = {}
    for model in _MODELS:
        schema = model.model_json_schema(
            ref_template="#/components/schemas/{model}", mode="validation"
        )
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def document() -> Json:
    paths: Json = {}
    for (method, path), operation in sorted(OPERATIONS.items(), key=lambda kv: kv[0][::-1]):
        paths.setdefault(path, {})[method] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SIKeMas citizen API",
            "version": "1",
            "description": "Laporan warga untuk pemerintah kota: kategori, laporan dengan lokasi "
            "dan foto, dan status tindak lanjut. Citizens' reports to a city government. Every "
            "refusal has a stable `code` and a message in Indonesian (`id`) and English (`en`). "
            'Unknown routes get API Gateway\'s own `{"message":"Not Found"}`.',
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "security": [{"cognito": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "cognito": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "The Cognito ID token of a signed-in citizen.",
                }
            },
            "schemas": _components(),
        },
    }


def render() -> str:
    return json.dumps(document(), indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write(path: Path = DOCUMENT) -> Path:
    path.write_text(render(), encoding="utf-8")
    return path
