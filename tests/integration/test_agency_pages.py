"""The agency's pages through the real function: the template's table, bucket, secret and topic
in moto, payload-2.0 events as the HTTP API sends them (form posts, plain or base64)."""

from __future__ import annotations

import base64
import copy
import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import boto3
import pytest

from sikemas import links
from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.domain.report import (
    Actor,
    EventType,
    Report,
    Status,
    TimelineEvent,
    Transition,
)
from sikemas.ports import ReportRepository
from tests.integration.conftest import REGION, load_event, load_function
from tests.unit.domain.test_report_states import a_report

BASE = "https://agency.example"
WITA = ZoneInfo("Asia/Makassar")
FORM = "application/x-www-form-urlencoded"


class Pages:
    """Calls the agency function with the events the HTTP API would send."""

    def __init__(self, function: Any) -> None:
        self.function = function

    def call(
        self,
        method: str,
        path: str,
        form: dict[str, str] | None = None,
        *,
        base64_body: bool = False,
        query: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        event = copy.deepcopy(load_event("http_api_post_report.json"))
        route_key, parameters = f"{method} {path}", None
        for route in self.function.spec.http_routes:
            matched = route.match(method, path)
            if matched is not None:
                route_key, parameters = route.route_key, matched or None
                break
        event["routeKey"] = event["requestContext"]["routeKey"] = route_key
        event["rawPath"] = path
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = path
        event["requestContext"].pop("authorizer", None)  # no authorizer on these routes
        event["headers"] = {"content-type": FORM} if form is not None else {}
        event["queryStringParameters"] = query
        event["rawQueryString"] = urlencode(query or {})
        event["pathParameters"] = parameters
        body = urlencode(form) if form is not None else None
        if body is not None and base64_body:
            event["body"] = base64.b64encode(body.encode()).decode()
            event["isBase64Encoded"] = True
        else:
            event["body"] = body
            event["isBase64Encoded"] = False
        response = self.function.invoke(event)
        headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        return response["statusCode"], headers, response.get("body") or ""


@pytest.fixture
def agency(stack, monkeypatch) -> Pages:
    return Pages(load_function(stack, "AgencyFunction", monkeypatch, LINK_BASE_URL=BASE))


@pytest.fixture
def repo(stack) -> ReportRepository:
    table = stack.function_environment("AgencyFunction")["TABLE_NAME"]
    return DynamoReportRepository(boto3.client("dynamodb", region_name=REGION), table, WITA)


@pytest.fixture
def secret(stack) -> bytes:
    arn = stack.function_environment("AgencyFunction")["AGENCY_LINK_SECRET_ARN"]
    return links.load_secret(boto3.client("secretsmanager", region_name=REGION), arn)


def store(repo: ReportRepository, status: Status, **changes: Any) -> Report:
    now = datetime.now(UTC) - timedelta(hours=1)
    report = a_report(
        status, version=1, created_at=now, updated_at=now, status_since=now, **changes
    )
    event = TimelineEvent(
        report_id=report.id,
        seq=1,
        at=now,
        type=EventType.STATUS,
        actor=Actor.SYSTEM,
        from_status=None,
        to_status=status,
    )
    repo.create(
        [Transition(before=None, after=report, event=event)], daily_limit=10, idempotency=None
    )
    return report


def token_for(secret: bytes, report: Report, agency: str | None = None, **delta: float) -> str:
    expires = (
        datetime.now(UTC) + timedelta(**delta) if delta else datetime.now(UTC) + timedelta(days=7)
    )
    return links.sign(secret, report.id, agency or report.agency, expires)


def page_of(token: str) -> str:
    return f"/agency/r/{token}"


# A city agency's report that needs no photo (permits), and one that does (rubbish).
PERMIT = {"category": "perizinan", "agency": "DPMPTSP"}
RUBBISH = {"category": "sampah", "agency": "DLH"}


def test_the_page_shows_the_report_with_its_actions_and_an_after_photo_form_to_s3(
    agency, repo, secret
):
    report = store(repo, Status.ASSIGNED, **RUBBISH)
    token = token_for(secret, report)

    status, headers, body = agency.call("GET", page_of(token))

    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert report.tracking_code in body
    assert 'value="acknowledge"' in body
    assert 'value="resolve"' in body
    assert 'value="hand_back"' in body
    assert f'name="key" value="after/{report.id}/1"' in body
    assert f'name="success_action_redirect" value="{BASE}/agency/r/{token}?uploaded=1"' in body
    assert "<script" not in body


def test_acknowledge_moves_the_report_to_in_progress_with_the_officer_on_the_timeline(
    agency, repo, secret
):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report)

    status, headers, _ = agency.call(
        "POST", page_of(token), {"action": "acknowledge", "officer": "  Budi\x1b[31m Santoso "}
    )

    assert status == 303
    assert headers["location"] == f"/agency/r/{token}?done=acknowledge"
    assert repo.get(report.id).status is Status.IN_PROGRESS
    last = repo.timeline(report.id)[-1]
    assert (last.actor, last.actor_name) == (Actor.AGENCY, "Budi Santoso")  # normalised
    status, _, body = agency.call("GET", page_of(token), query={"done": "acknowledge"})
    assert status == 200
    assert "Laporan diterima" in body
    assert "Budi Santoso" in body


def test_a_form_body_the_http_api_base64_encoded_is_read_the_same(agency, repo, secret):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report)

    status, _, _ = agency.call(
        "POST", page_of(token), {"action": "acknowledge", "officer": "Siti"}, base64_body=True
    )

    assert status == 303
    assert repo.get(report.id).status is Status.IN_PROGRESS


def test_the_second_officer_to_act_gets_the_no_longer_applies_page_and_changes_nothing(
    agency, repo, secret
):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report)
    assert agency.call("POST", page_of(token), {"action": "acknowledge", "officer": "A"})[0] == 303
    version = repo.get(report.id).version

    status, headers, body = agency.call(
        "POST", page_of(token), {"action": "acknowledge", "officer": "B"}
    )

    assert status == 409
    assert headers["content-type"].startswith("text/html")
    assert "Tindakan tidak berlaku lagi" in body
    assert repo.get(report.id).version == version
    assert [e.actor_name for e in repo.timeline(report.id)].count("B") == 0


def test_resolve_not_fixable_needs_a_reason_then_resolves(agency, repo, secret):
    report = store(repo, Status.IN_PROGRESS, **PERMIT)
    token = token_for(secret, report)
    form = {"action": "resolve", "outcome": "not_fixable", "officer": "Siti", "reason": ""}

    status, _, body = agency.call("POST", page_of(token), form)

    assert status == 400
    assert 'role="alert"' in body
    assert 'value="Siti"' in body  # what the officer typed is kept
    assert repo.get(report.id).status is Status.IN_PROGRESS

    status, _, _ = agency.call("POST", page_of(token), {**form, "reason": "Di luar anggaran"})

    assert status == 303
    done = repo.get(report.id)
    assert done.status is Status.RESOLVED
    assert done.outcome is not None
    assert done.outcome.value == "not_fixable"
    assert done.outcome_reason == "Di luar anggaran"


def test_resolve_fixed_without_an_after_photo_in_a_photo_category_is_refused(agency, repo, secret):
    report = store(repo, Status.IN_PROGRESS, **RUBBISH)
    token = token_for(secret, report)

    status, _, body = agency.call(
        "POST", page_of(token), {"action": "resolve", "outcome": "fixed", "officer": "Siti"}
    )

    assert status == 409
    assert 'id="after-photo"' in body  # the page says why and offers the upload
    assert repo.get(report.id).status is Status.IN_PROGRESS


def test_resolve_fixed_in_a_category_without_photos_resolves(agency, repo, secret):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report)

    status, _, _ = agency.call(
        "POST", page_of(token), {"action": "resolve", "outcome": "fixed", "officer": "Siti"}
    )

    assert status == 303
    assert repo.get(report.id).status is Status.RESOLVED


def test_hand_back_needs_a_reason_then_goes_to_review(agency, repo, secret):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report)
    form = {"action": "hand_back", "officer": "Siti", "reason": "  "}

    assert agency.call("POST", page_of(token), form)[0] == 400
    assert repo.get(report.id).status is Status.ASSIGNED

    status, _, _ = agency.call("POST", page_of(token), {**form, "reason": "Bukan wewenang kami"})

    assert status == 303
    assert repo.get(report.id).status is Status.NEEDS_REVIEW
    assert repo.timeline(report.id)[-1].reason == "Bukan wewenang kami"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("officer", "x" * 81),
        ("officer", ""),
        ("reason", "x" * 501),
        ("action", "delete"),
        ("outcome", "maybe"),
    ],
)
def test_a_bad_field_is_refused_with_the_form_shown_again_and_nothing_changes(
    agency, repo, secret, field, value
):
    report = store(repo, Status.IN_PROGRESS, **PERMIT)
    token = token_for(secret, report)
    form = {"action": "resolve", "outcome": "not_fixable", "officer": "Siti", "reason": "r"}

    status, _, body = agency.call("POST", page_of(token), {**form, field: value})

    assert status == 400
    assert 'role="alert"' in body
    assert repo.get(report.id).version == report.version


def test_limits_count_characters_after_normalising(agency, repo, secret):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report)
    officer = "\u200b" * 50 + "y" * 80  # invisible padding goes before the length is measured

    status, _, _ = agency.call(
        "POST", page_of(token), {"action": "acknowledge", "officer": officer}
    )

    assert status == 303
    assert repo.timeline(report.id)[-1].actor_name == "y" * 80


def test_a_vertical_agency_records_its_outcome_and_reference_which_closes_the_report(
    agency, repo, secret
):
    report = store(repo, Status.FORWARDED, category="air_bersih", agency="PDAM")
    token = token_for(secret, report)

    status, _, body = agency.call("GET", page_of(token))
    assert status == 200
    assert 'value="handled"' in body
    assert 'value="acknowledge"' not in body

    status, _, _ = agency.call(
        "POST",
        page_of(token),
        {"outcome": "handled", "reference": "PDAM-2026-0042", "officer": "Rahman"},
    )

    assert status == 303
    closed = repo.get(report.id)
    assert closed.status is Status.CLOSED
    assert closed.outcome_reference == "PDAM-2026-0042"
    assert "PDAM-2026-0042" in agency.call("GET", page_of(token))[2]


def test_a_reference_longer_than_100_characters_is_refused(agency, repo, secret):
    report = store(repo, Status.FORWARDED, category="air_bersih", agency="PDAM")
    token = token_for(secret, report)

    status, _, _ = agency.call(
        "POST", page_of(token), {"outcome": "handled", "reference": "R" * 101, "officer": "R"}
    )

    assert status == 400
    assert repo.get(report.id).status is Status.FORWARDED


# -- links that are not right -------------------------------------------------------------------


def _altered(token: str) -> str:
    payload, signature = token.split(".")
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    other = claims.replace(b"DPMPTSP", b"DLH")
    return base64.urlsafe_b64encode(other).rstrip(b"=").decode() + "." + signature


@pytest.mark.parametrize("how", ["made_up", "altered_claims", "flipped_signature", "other_key"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_forged_or_altered_link_gets_403_and_changes_nothing(agency, repo, secret, how, method):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    good = token_for(secret, report)
    token = {
        "made_up": "abc.def",
        "altered_claims": _altered(good),
        "flipped_signature": good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1],
        "other_key": links.sign(b"k" * 64, report.id, "DPMPTSP", datetime.now(UTC) + timedelta(1)),
    }[how]

    status, headers, body = agency.call(
        method,
        page_of(token),
        {"action": "acknowledge", "officer": "X"} if method == "POST" else None,
    )

    assert status == 403
    assert headers["content-type"].startswith("text/html")
    assert "Tautan tidak sah" in body
    assert report.tracking_code not in body
    assert repo.get(report.id).version == report.version


def test_a_link_for_another_agency_gets_403(agency, repo, secret):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report, agency="DLH")

    status, _, body = agency.call("POST", page_of(token), {"action": "acknowledge", "officer": "X"})

    assert status == 403
    assert report.tracking_code not in body
    assert repo.get(report.id).status is Status.ASSIGNED


def _subscribe(stack: Any, agency_code: str) -> tuple[Any, str]:
    """A queue subscribed to the assignments topic for one agency (as its e-mail would be)."""
    sqs = boto3.client("sqs", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)
    queue = sqs.create_queue(QueueName=f"agency-{agency_code.lower()}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    topic = stack.function_environment("AgencyFunction")["ASSIGNMENTS_TOPIC_ARN"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"FilterPolicy": json.dumps({"agency": [agency_code]})},
    )
    return sqs, queue


def test_an_expired_link_gets_410_offering_a_fresh_link_sent_to_the_agency(
    stack, agency, repo, secret
):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report, seconds=-5)
    mine, other = _subscribe(stack, "DPMPTSP"), _subscribe(stack, "DLH")

    status, _, body = agency.call("POST", page_of(token), {"action": "acknowledge", "officer": "X"})
    assert status == 410
    assert repo.get(report.id).status is Status.ASSIGNED
    status, _, body = agency.call("GET", page_of(token))
    assert status == 410
    assert f'action="/agency/resend/{token}"' in body

    status, _, body = agency.call("POST", f"/agency/resend/{token}", {})

    assert status == 200
    assert "Tautan baru telah dikirim" in body
    messages = mine[0].receive_message(QueueUrl=mine[1], WaitTimeSeconds=0)["Messages"]
    text = json.loads(messages[0]["Body"])["Message"]
    assert f"{BASE}/agency/r/" in text
    assert report.tracking_code in text
    assert token not in text  # a fresh link, not the old one
    assert "Messages" not in other[0].receive_message(QueueUrl=other[1], WaitTimeSeconds=0)
    assert repo.get(report.id).status is Status.ASSIGNED


def test_a_forged_resend_is_refused_and_sends_nothing(stack, agency, repo, secret):
    mine = _subscribe(stack, "DPMPTSP")

    status, _, _ = agency.call("POST", "/agency/resend/abc.def", {})

    assert status == 403
    assert "Messages" not in mine[0].receive_message(QueueUrl=mine[1], WaitTimeSeconds=0)


def test_a_report_that_moved_on_shows_no_action(agency, repo, secret):
    report = store(repo, Status.RESOLVED, **PERMIT)
    token = token_for(secret, report)

    status, _, body = agency.call("GET", page_of(token))

    assert status == 200
    assert 'id="no-actions"' in body
    assert 'id="after-photo"' not in body
    status, _, body = agency.call(
        "POST", page_of(token), {"action": "hand_back", "officer": "X", "reason": "r"}
    )
    assert status == 409


def test_an_unknown_report_behind_a_genuine_link_is_404(agency, secret):
    token = links.sign(
        secret, "01JD2Y6X3B6Q3W9Y5K8R7T4XXX", "DLH", datetime.now(UTC) + timedelta(1)
    )

    assert agency.call("GET", page_of(token))[0] == 404


def test_an_inbox_token_does_not_open_a_report_page(agency, secret):
    token = links.sign(secret, links.INBOX, "DLH", datetime.now(UTC) + timedelta(1))

    assert agency.call("GET", page_of(token))[0] == 404


def test_what_a_citizen_typed_is_escaped_on_the_page(agency, repo, secret):
    report = store(repo, Status.ASSIGNED, description='<img src=x onerror="alert(1)">', **PERMIT)

    body = agency.call("GET", page_of(token_for(secret, report)))[2]

    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in body


# -- short links --------------------------------------------------------------------------------


def test_a_short_link_redirects_to_the_signed_link(agency, repo, secret):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    service = links.LinkService(secret, BASE, repo)
    url, short = service.link_for(report.id, report.agency, datetime.now(UTC))
    code = short.rsplit("/", 1)[1]

    status, headers, _ = agency.call("GET", f"/s/{code}")

    assert status == 302
    assert headers["location"] == url


@pytest.mark.parametrize("code", ["zzzzzzzz", "bad!", "x" * 40])
def test_an_unknown_short_link_is_404(agency, code):
    assert agency.call("GET", f"/s/{code}")[0] == 404


# -- the inbox ----------------------------------------------------------------------------------


def test_the_inbox_lists_the_agencys_open_reports_each_with_a_working_link(agency, repo, secret):
    waiting = store(
        repo,
        Status.ASSIGNED,
        id="01JD2Y6X3B6Q3W9Y5K8R7T4V01",
        tracking_code="KTG-AAAAA1",
        **RUBBISH,
    )
    working = store(
        repo,
        Status.IN_PROGRESS,
        id="01JD2Y6X3B6Q3W9Y5K8R7T4V02",
        tracking_code="KTG-AAAAA2",
        **RUBBISH,
    )
    done = store(
        repo,
        Status.RESOLVED,
        id="01JD2Y6X3B6Q3W9Y5K8R7T4V03",
        tracking_code="KTG-AAAAA3",
        **RUBBISH,
    )
    elsewhere = store(
        repo, Status.ASSIGNED, id="01JD2Y6X3B6Q3W9Y5K8R7T4V04", tracking_code="KTG-AAAAA4", **PERMIT
    )
    token = links.sign(secret, links.INBOX, "DLH", datetime.now(UTC) + timedelta(days=1))

    status, _, body = agency.call("GET", f"/agency/inbox/{token}")

    assert status == 200
    assert waiting.tracking_code in body
    assert working.tracking_code in body
    assert done.tracking_code not in body
    assert elsewhere.tracking_code not in body
    hrefs = re.findall(r'href="(/agency/r/[^"]+)"', body)
    assert len(hrefs) == 2
    status, _, page = agency.call("GET", html.unescape(hrefs[0]))
    assert status == 200
    assert 'value="resolve"' in page


def test_a_report_link_does_not_open_the_inbox_and_a_forged_inbox_link_is_403(agency, repo, secret):
    report = store(repo, Status.ASSIGNED, **RUBBISH)

    assert agency.call("GET", f"/agency/inbox/{token_for(secret, report)}")[0] == 404
    assert agency.call("GET", "/agency/inbox/abc.def")[0] == 403
    expired = links.sign(secret, links.INBOX, "DLH", datetime.now(UTC) - timedelta(seconds=1))
    status, _, body = agency.call("GET", f"/agency/inbox/{expired}")
    assert status == 410
    assert f'action="/agency/resend/{expired}"' in body


def test_an_expired_inbox_link_can_ask_for_a_fresh_inbox_link(stack, agency, secret):
    mine = _subscribe(stack, "DLH")
    expired = links.sign(secret, links.INBOX, "DLH", datetime.now(UTC) - timedelta(seconds=1))

    assert agency.call("POST", f"/agency/resend/{expired}", {})[0] == 200

    (message,) = mine[0].receive_message(QueueUrl=mine[1], WaitTimeSeconds=0)["Messages"]
    assert f"{BASE}/agency/inbox/" in json.loads(message["Body"])["Message"]


def test_on_the_local_stack_links_are_built_on_the_fronts_address(stack):
    from sikemas_local.runner import local_urls, point_cdns_at_front

    point_cdns_at_front(stack, 3999)

    environment = local_urls(stack.function_environment("AgencyFunction"), 3999)

    assert environment["LINK_BASE_URL"] == "http://127.0.0.1:3999"
    assert environment["PUBLIC_BASE_URL"] == "http://127.0.0.1:3999"


@pytest.mark.parametrize(
    "form",
    [
        {"action": "acknowledge", "officer": "Siti", "pad": "x" * 9000},  # over 8 KB
        {"action": "acknowledge", "officer": "Siti", **{f"f{i}": "" for i in range(30)}},
    ],
    ids=["too_large", "too_many_fields"],
)
def test_an_oversized_form_is_refused_with_a_page_and_changes_nothing(agency, repo, secret, form):
    report = store(repo, Status.ASSIGNED, **PERMIT)

    status, headers, body = agency.call("POST", page_of(token_for(secret, report)), form)

    assert status == 400
    assert headers["content-type"].startswith("text/html")
    assert 'role="alert"' in body
    assert repo.get(report.id).status is Status.ASSIGNED


def test_a_second_resend_within_ten_minutes_sends_nothing_more(stack, agency, repo, secret):
    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report, seconds=-5)
    mine = _subscribe(stack, "DPMPTSP")
    assert agency.call("POST", f"/agency/resend/{token}", {})[0] == 200

    status, _, body = agency.call("POST", f"/agency/resend/{token}", {})

    assert status == 429
    assert "baru saja dikirim" in body
    received = mine[0].receive_message(QueueUrl=mine[1], MaxNumberOfMessages=10)["Messages"]
    assert len(received) == 1
    # Another report's link is not held back by this one's cooldown.
    other = store(
        repo, Status.ASSIGNED, id="01JD2Y6X3B6Q3W9Y5K8R7T4V99", tracking_code="KTG-OTHER1", **PERMIT
    )
    assert (
        agency.call("POST", f"/agency/resend/{token_for(secret, other, seconds=-5)}", {})[0] == 200
    )


def test_a_link_minted_now_stays_valid_on_a_moved_local_clock(agency, repo, secret):
    # POST /_local/clock moves every function's clock; links, like tokens, keep real time.
    from sikemas import composition

    report = store(repo, Status.ASSIGNED, **PERMIT)
    token = token_for(secret, report, days=1)
    composition.set_clock_offset(timedelta(days=30))
    try:
        status, _, _ = agency.call("GET", page_of(token))
    finally:
        composition.set_clock_offset(timedelta(0))
    assert status == 200
