"""The citizen API end to end in-process: the real handler, the template's table and bucket
in moto, payload-2.0 events from ``events/``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from sikemas.adapters import keys
from sikemas.api.models import MAX_BODY_BYTES
from tests.integration.conftest import Api, load_function

RUBBISH = {
    "kind": "complaint",
    "category": "sampah",
    "description": "Sampah menumpuk di depan pasar Serasi sejak tiga hari.",
    "location": {"lat": 0.7292, "lon": 124.3136, "accuracy_m": 12},
    "photo_count": 2,
}
PERMIT = {
    "kind": "complaint",
    "category": "perizinan",
    "description": "Izin usaha saya belum diproses selama dua bulan.",
}
WATER = {
    "kind": "complaint",
    "category": "air_bersih",
    "description": "Air PDAM tidak mengalir sejak kemarin pagi.",
    "location": {"lat": 0.73, "lon": 124.31},
}


def error_code(body: dict) -> str:
    return body["error"]["code"]


# -- reading --------------------------------------------------------------------------------


def test_health(api: Api):
    assert api.call("GET", "/v1/health", phone=None)[:2] == (200, {"status": "ok"})


def test_categories_list_every_category_with_its_agency_and_jurisdiction(api: Api):
    status, body, _ = api.call("GET", "/v1/categories", phone=None)

    assert status == 200
    by_code = {c["code"]: c for c in body["categories"]}
    assert by_code["sampah"]["agency"] == {"code": "DLH", "name": "Dinas Lingkungan Hidup"}
    assert by_code["sampah"]["jurisdiction"] == "city"
    assert by_code["sampah"]["name"] == {"id": "Sampah", "en": "Rubbish"}
    assert by_code["sampah"]["requires_photo"] is True
    assert by_code["listrik"]["jurisdiction"] == "vertical"
    assert by_code["perizinan"]["requires_location"] is False
    assert {"code", "name", "agency", "jurisdiction", "requires_photo", "requires_location"} <= set(
        by_code["jalan"]
    )


# -- filing a report ------------------------------------------------------------------------


def test_a_complaint_needing_a_photo_waits_in_received_with_one_upload_per_slot(api: Api):
    status, body, _ = api.call("POST", "/v1/reports", body=RUBBISH)

    assert status == 201
    report = body["report"]
    assert report["status"] == "received"
    assert report["tracking_code"].startswith("KTG-")
    assert [u["slot"] for u in body["uploads"]] == [1, 2]
    upload = body["uploads"][0]
    assert upload["fields"]["key"] == f"originals/{report['id']}/1"


def test_the_presigned_post_carries_the_exact_key_an_image_type_a_size_range_and_15_minutes(
    api: Api,
):
    before = datetime.now(UTC)
    _, body, _ = api.call("POST", "/v1/reports", body=RUBBISH)
    upload = body["uploads"][1]

    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))

    key = f"originals/{body['report']['id']}/2"
    conditions = policy["conditions"]
    assert ["eq", "$key", key] in conditions or {"key": key} in conditions
    assert ["starts-with", "$Content-Type", "image/"] in conditions
    assert ["content-length-range", 1024, 15 * 1024 * 1024] in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=14) < expires - before <= timedelta(minutes=15, seconds=5)
    assert datetime.fromisoformat(upload["expires_at"]) - before <= timedelta(minutes=15, seconds=5)


def test_a_category_needing_no_photo_is_routed_at_once_to_its_city_agency(api: Api):
    status, body, _ = api.call("POST", "/v1/reports", body=PERMIT)

    assert status == 201
    assert body["report"]["status"] == "assigned"
    assert body["report"]["agency"]["code"] == "DPMPTSP"
    assert body["uploads"] == []


def test_filing_a_fire_tells_the_citizen_to_call_113_as_well(api: Api):
    fire = {
        "kind": "complaint",
        "category": "kebakaran",
        "description": "Asap tebal dari gudang di belakang pasar, api mulai terlihat.",
        "location": {"lat": 0.7335, "lon": 124.3167, "accuracy_m": 10},
    }
    status, body, _ = api.call("POST", "/v1/reports", body=fire)

    assert status == 201, body
    assert "113" in body["notice"]["id"]
    assert "113" in body["notice"]["en"]
    _, permit, _ = api.call("POST", "/v1/reports", body=PERMIT)
    assert permit["notice"] is None


def test_a_vertical_agencys_category_is_forwarded(api: Api):
    _, body, _ = api.call("POST", "/v1/reports", body=WATER)

    assert body["report"]["status"] == "forwarded"
    assert body["report"]["agency"]["jurisdiction"] == "vertical"


def test_suggestions_never_need_a_photo(api: Api):
    suggestion = {**RUBBISH, "kind": "suggestion", "photo_count": 0}

    status, body, _ = api.call("POST", "/v1/reports", body=suggestion)

    assert status == 201
    assert body["report"]["status"] == "assigned"


def test_creation_writes_the_report_its_timeline_and_the_days_counters_in_one_go(
    api: Api, dynamodb, stack
):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    _, body, _ = api.call("POST", "/v1/reports", body=PERMIT)
    report_id = body["report"]["id"]

    items = dynamodb.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"REPORT#{report_id}"}},
    )["Items"]
    events = sorted(
        (i for i in items if i["SK"]["S"].startswith("EVENT#")), key=lambda i: i["seq"]["N"]
    )
    assert [e["to_status"]["S"] for e in events] == ["received", "assigned"]
    day = datetime.now(UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Makassar")).date()
    counters = dynamodb.get_item(TableName=table, Key=keys.counter(day, "agency", "DPMPTSP"))[
        "Item"
    ]
    assert counters["entered_received"]["N"] == "1"
    assert counters["entered_assigned"]["N"] == "1"


def test_the_reporters_phone_lives_apart_from_the_report(api: Api, dynamodb, stack):
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    _, body, _ = api.call("POST", "/v1/reports", body=PERMIT, phone="+6281200000001")

    item = dynamodb.get_item(
        TableName=table, Key={"PK": {"S": f"REPORT#{body['report']['id']}"}, "SK": {"S": "META"}}
    )["Item"]
    assert "+6281200000001" not in json.dumps(item)
    profile = dynamodb.get_item(
        TableName=table,
        Key={"PK": {"S": f"REPORTER#{item['reporter_id']['S']}"}, "SK": {"S": "PROFILE"}},
    )["Item"]
    assert profile["phone"]["S"] == "+6281200000001"


# -- idempotency and limits -----------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_same_report_with_fresh_upload_urls(api: Api):
    headers = {"idempotency-key": "app-retry-42"}
    first = api.call("POST", "/v1/reports", body=RUBBISH, headers=headers)
    again = api.call("POST", "/v1/reports", body=RUBBISH, headers=headers)

    assert first[0] == again[0] == 201
    assert again[1]["report"]["id"] == first[1]["report"]["id"]
    assert again[2].get("Idempotent-Replayed") == "true"
    assert [u["slot"] for u in again[1]["uploads"]] == [1, 2]


def test_the_same_key_with_another_body_is_refused(api: Api):
    headers = {"idempotency-key": "app-retry-43"}
    api.call("POST", "/v1/reports", body=RUBBISH, headers=headers)

    status, body, _ = api.call(
        "POST", "/v1/reports", body={**RUBBISH, "photo_count": 1}, headers=headers
    )

    assert status == 422
    assert error_code(body) == "idempotency_key_reused"


def test_keys_are_per_citizen(api: Api):
    headers = {"idempotency-key": "same-key"}
    a = api.call("POST", "/v1/reports", body=RUBBISH, headers=headers, phone="+6281100000001")
    b = api.call("POST", "/v1/reports", body=RUBBISH, headers=headers, phone="+6281100000002")

    assert a[1]["report"]["id"] != b[1]["report"]["id"]


def test_a_malformed_idempotency_key_is_refused(api: Api):
    status, body, _ = api.call(
        "POST", "/v1/reports", body=RUBBISH, headers={"idempotency-key": "x" * 129}
    )
    assert (status, error_code(body)) == (400, "invalid_idempotency_key")


def test_the_daily_limit_refuses_the_next_report_but_not_replays(stack, monkeypatch):
    api = Api(load_function(stack, "ApiFunction", monkeypatch, DAILY_REPORT_LIMIT="3"))
    for n in range(3):
        status, _, _ = api.call(
            "POST", "/v1/reports", body=PERMIT, headers={"idempotency-key": f"k{n}"}
        )
        assert status == 201

    over = api.call("POST", "/v1/reports", body=PERMIT)
    replay = api.call("POST", "/v1/reports", body=PERMIT, headers={"idempotency-key": "k0"})
    someone_else = api.call("POST", "/v1/reports", body=PERMIT, phone="+6281399999999")

    assert over[0] == 429
    assert error_code(over[1]) == "daily_limit_exceeded"
    assert over[1]["error"]["message"]["id"]
    assert over[1]["error"]["message"]["en"]
    assert replay[0] == 201
    assert someone_else[0] == 201


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({**RUBBISH, "category": "ufo"}, 400, "unknown_category", "category"),
        (
            {**RUBBISH, "location": {"lat": 91, "lon": 124.3}},
            400,
            "invalid_request",
            "location.lat",
        ),
        ({**RUBBISH, "location": {"lat": 0.7, "lon": 181}}, 400, "invalid_request", "location.lon"),
        (
            {k: v for k, v in RUBBISH.items() if k != "location"},
            400,
            "location_required",
            "location",
        ),
        ({**RUBBISH, "description": "x" * 2001}, 400, "invalid_request", "description"),
        ({**RUBBISH, "description": "too short"}, 400, "invalid_request", "description"),
        ({**RUBBISH, "photo_count": 4}, 400, "invalid_request", "photo_count"),
        ({**RUBBISH, "photo_count": 0}, 400, "photo_required", "photo_count"),
        ({**RUBBISH, "kind": "rumour"}, 400, "invalid_request", "kind"),
        ({**RUBBISH, "privacy": "secret"}, 400, "invalid_request", "privacy"),
        ({**RUBBISH, "photo_count": "2"}, 400, "invalid_request", "photo_count"),
        ({**RUBBISH, "surprise": 1}, 400, "invalid_request", "surprise"),
    ],
)
def test_bad_reports_get_a_clear_error_in_both_languages(api: Api, body, status, code, field):
    got_status, got, _ = api.call("POST", "/v1/reports", body=body)

    assert got_status == status
    assert error_code(got) == code
    assert got["error"]["message"]["id"]
    assert got["error"]["message"]["en"]
    assert any(d.get("field") == field for d in got["error"]["details"])


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2"])
def test_a_body_that_is_not_json_is_refused(api: Api, raw):
    status, body, _ = api.call("POST", "/v1/reports", raw_body=raw)
    assert (status, error_code(body)) == (400, "invalid_json")


def test_an_oversized_body_is_refused(api: Api):
    raw = json.dumps({"x": "y" * MAX_BODY_BYTES})
    status, body, _ = api.call("POST", "/v1/reports", raw_body=raw)
    assert (status, error_code(body)) == (413, "payload_too_large")
    assert body["error"]["details"] == [{"max_bytes": MAX_BODY_BYTES}]


def test_a_request_without_identity_claims_is_unauthorized(api: Api):
    status, body, _ = api.call("POST", "/v1/reports", body=RUBBISH, phone=None)
    assert (status, error_code(body)) == (401, "unauthorized")


def test_an_unknown_path_gets_the_error_shape(api: Api):
    status, body, _ = api.call("GET", "/v1/nothing-here", phone=None)
    assert (status, error_code(body)) == (404, "not_found")


# -- views ----------------------------------------------------------------------------------


def test_the_public_view_shows_a_routed_report_by_id_or_tracking_code_without_the_reporter(
    api: Api,
):
    description = "Izin usaha belum keluar, hubungi saya di 081234567890 atau a@b.id ya."
    _, created, _ = api.call("POST", "/v1/reports", body={**PERMIT, "description": description})
    report = created["report"]

    by_id = api.call("GET", f"/v1/reports/{report['id']}", phone=None)
    by_code = api.call("GET", f"/v1/reports/{report['tracking_code'].lower()}", phone=None)

    assert by_id[0] == by_code[0] == 200
    assert by_id[1] == by_code[1]
    public = by_id[1]["report"]
    assert public["status"] == "assigned"
    assert "081234567890" not in public["description"]
    assert "a@b.id" not in public["description"]
    assert not {"reporter_id", "phone", "notify_sms", "privacy"} & set(public)


@pytest.mark.parametrize(
    "contact",
    ["+62 812-3456-7890", "+62-812-3456-7890", "(0434) 21234", "7174012345670001"],
)
def test_the_public_view_masks_every_phone_and_nik_form_in_description_and_address(
    api: Api, contact
):
    body = {
        **PERMIT,
        "description": f"Izin usaha belum keluar, hubungi {contact} ya.",
        "address": f"Jl. Ahmad Yani no. 7, telp {contact}",
    }
    _, created, _ = api.call("POST", "/v1/reports", body=body)

    _, got, _ = api.call("GET", f"/v1/reports/{created['report']['id']}", phone=None)

    public = got["report"]
    assert contact not in public["description"]
    assert contact not in public["address"]
    assert public["address"].startswith("Jl. Ahmad Yani no. 7, telp [")


def test_an_anonymous_report_shows_a_coarse_location_and_no_address(api: Api):
    body = {**WATER, "privacy": "anonymous", "address": "Jl. Ahmad Yani no. 7"}
    _, created, _ = api.call("POST", "/v1/reports", body=body)

    _, got, _ = api.call("GET", f"/v1/reports/{created['report']['id']}", phone=None)

    assert got["report"]["address"] is None
    assert got["report"]["location"] == {"lat": 0.73, "lon": 124.31}


@pytest.mark.parametrize("body", [RUBBISH, {**PERMIT, "privacy": "confidential"}])
def test_unverified_or_confidential_reports_are_not_public(api: Api, body):
    _, created, _ = api.call("POST", "/v1/reports", body=body)

    status, got, _ = api.call("GET", f"/v1/reports/{created['report']['id']}", phone=None)

    assert (status, error_code(got)) == (404, "report_not_found")


@pytest.mark.parametrize(
    "ref", ["01JD2Y6X3B6Q3W9Y5K8R7T4V2N", "KTG-AAAAAA", "not-a-ref", "x" * 300]
)
def test_an_unknown_report_is_404(api: Api, ref):
    status, body, _ = api.call("GET", f"/v1/reports/{ref}", phone=None)
    assert (status, error_code(body)) == (404, "report_not_found")


def test_the_owner_sees_everything_with_the_timeline_but_another_citizen_gets_404(api: Api):
    _, created, _ = api.call(
        "POST", "/v1/reports", body={**PERMIT, "privacy": "confidential"}, phone="+6281000000001"
    )
    report_id = created["report"]["id"]

    mine = api.call("GET", f"/v1/me/reports/{report_id}", phone="+6281000000001")
    theirs = api.call("GET", f"/v1/me/reports/{report_id}", phone="+6281000000002")

    assert mine[0] == 200
    assert mine[1]["report"]["privacy"] == "confidential"
    assert [e["to"] for e in mine[1]["report"]["timeline"]] == ["received", "assigned"]
    assert (theirs[0], error_code(theirs[1])) == (404, "report_not_found")


def test_my_reports_are_listed_newest_first_page_by_page(api: Api):
    phone = "+6281500000001"
    ids = [
        api.call("POST", "/v1/reports", body=PERMIT, phone=phone)[1]["report"]["id"]
        for _ in range(5)
    ]
    api.call("POST", "/v1/reports", body=PERMIT, phone="+6281500000002")

    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, page, _ = api.call("GET", "/v1/me/reports", phone=phone, query=query)
        assert status == 200
        seen += [r["id"] for r in page["reports"]]
        cursor = page["next_cursor"]
        if not cursor:
            break

    assert seen == list(reversed(ids))


@pytest.mark.parametrize(
    "cursor",
    ["!!!", "bm90IGpzb24", base64.urlsafe_b64encode(b'{"PK":"x"}').decode(), "QUFB" * 2000],
)
def test_a_malformed_cursor_is_refused(api: Api, cursor):
    status, body, _ = api.call("GET", "/v1/me/reports", query={"cursor": cursor})
    assert (status, error_code(body)) == (400, "invalid_cursor")


def test_someone_elses_cursor_is_refused(api: Api):
    phone = "+6281600000001"
    for _ in range(3):
        api.call("POST", "/v1/reports", body=PERMIT, phone=phone)
    _, page, _ = api.call("GET", "/v1/me/reports", phone=phone, query={"limit": "1"})

    status, body, _ = api.call(
        "GET", "/v1/me/reports", phone="+6281600000002", query={"cursor": page["next_cursor"]}
    )

    assert (status, error_code(body)) == (400, "invalid_cursor")


@pytest.mark.parametrize("limit", ["0", "51", "ten"])
def test_a_bad_page_size_is_refused(api: Api, limit):
    status, body, _ = api.call("GET", "/v1/me/reports", query={"limit": limit})
    assert (status, error_code(body)) == (400, "invalid_request")


# -- new upload URLs ------------------------------------------------------------------------


def test_the_owner_gets_a_fresh_upload_url_for_a_slot_while_received(api: Api):
    _, created, _ = api.call("POST", "/v1/reports", body=RUBBISH)
    report_id = created["report"]["id"]

    status, upload, _ = api.call("POST", f"/v1/reports/{report_id}/photos", body={"slot": 2})

    assert status == 201
    assert upload["slot"] == 2
    assert upload["fields"]["key"] == f"originals/{report_id}/2"


@pytest.mark.parametrize(
    ("slot", "code"), [(3, "invalid_slot"), (0, "invalid_request"), ("1", "invalid_request")]
)
def test_a_slot_outside_the_reports_photo_count_is_refused(api: Api, slot, code):
    _, created, _ = api.call("POST", "/v1/reports", body=RUBBISH)

    status, body, _ = api.call(
        "POST", f"/v1/reports/{created['report']['id']}/photos", body={"slot": slot}
    )

    assert (status, error_code(body)) == (400, code)


def test_no_upload_url_once_the_report_is_routed(api: Api):
    _, created, _ = api.call("POST", "/v1/reports", body={**PERMIT, "photo_count": 1})

    status, body, _ = api.call(
        "POST", f"/v1/reports/{created['report']['id']}/photos", body={"slot": 1}
    )

    assert (status, error_code(body)) == (409, "upload_not_allowed")


def test_no_upload_url_for_someone_elses_report(api: Api):
    _, created, _ = api.call("POST", "/v1/reports", body=RUBBISH, phone="+6281700000001")

    status, body, _ = api.call(
        "POST",
        f"/v1/reports/{created['report']['id']}/photos",
        body={"slot": 1},
        phone="+6281700000002",
    )

    assert (status, error_code(body)) == (404, "report_not_found")


def test_reading_ones_reports_for_the_first_time_writes_nothing(api: Api, dynamodb, stack):
    # Issue 6 §5: a read created identity and profile items for a first-time caller.
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    api.call("POST", "/v1/reports", body=PERMIT, phone="+6281200000002")
    before = dynamodb.scan(TableName=table)["Items"]

    status, body, _ = api.call("GET", "/v1/me/reports", phone="+6281200000003")
    status_one, _, _ = api.call("GET", "/v1/me/reports/01JD2Y6X3B6Q3W9Y5K8R7T4V2N", sub="new")

    assert (status, body["reports"], status_one) == (200, [], 404)
    assert dynamodb.scan(TableName=table)["Items"] == before
