"""The admin function, in-process against moto, with the saved console events of
``events/admin/``: every action changes the report as it says and puts the admin's name on the
timeline; every bad event is answered with an error naming its field."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.domain.report import Actor, Privacy, Report, Status
from sikemas_local import outbox
from sikemas_local.runtime import LocalFunction
from tests.integration.conftest import load_function
from tests.unit.domain.test_report_states import a_report, received

EVENTS = Path(__file__).resolve().parents[2] / "events" / "admin"
ACTIONS = sorted(p.stem for p in EVENTS.glob("*.json"))
WITA = ZoneInfo("Asia/Makassar")
ADMIN = "Rina (Diskominfo)"


def saved(action: str, **fields: Any) -> dict[str, Any]:
    """The console's saved test event for ``action``, with ``fields`` filled in."""
    event = json.loads((EVENTS / f"{action}.json").read_text(encoding="utf-8"))
    event.update(fields)
    return {k: v for k, v in event.items() if v is not None}


@pytest.fixture
def repo(stack, dynamodb) -> DynamoReportRepository:
    table = stack.function_environment("AdminFunction")["TABLE_NAME"]
    return DynamoReportRepository(dynamodb, table, WITA, sleep=lambda _: None)


@pytest.fixture
def admin(stack, monkeypatch) -> LocalFunction:
    return load_function(stack, "AdminFunction", monkeypatch)


class Seeds:
    """Reports written straight into the table in the state a test needs."""

    def __init__(self, repo: DynamoReportRepository) -> None:
        self.repo = repo
        self.n = 0

    def __call__(self, status: Status, **changes: Any) -> Report:
        self.n += 1
        now = datetime.now(UTC)
        fields: dict[str, Any] = {
            "version": 1,
            "id": f"01JD2Y6X3B6Q3W9Y5K8R7T4V{self.n:02d}",
            "tracking_code": f"KTG-7K3M{self.n:02d}",
            "created_at": now - timedelta(days=1),
            "updated_at": now,
            "status_since": now,
            "status_by": Actor.PHOTO_CHECKS,
        }
        report = a_report(status, **{**fields, **changes})
        self.repo.create([received(report)], daily_limit=100, idempotency=None)
        return report


@pytest.fixture
def seed(repo) -> Seeds:
    return Seeds(repo)


def run(admin: LocalFunction, event: dict[str, Any]) -> dict[str, Any]:
    result = admin.invoke(copy.deepcopy(event))
    json.dumps(result)  # the console shows JSON: the result must be serialisable
    assert isinstance(result, dict)
    return result


def last_event(repo: DynamoReportRepository, report: Report):
    return repo.timeline(report.id)[-1]


def test_there_is_a_saved_event_for_every_action():
    assert (
        sorted(
            [
                "queue",
                "assign",
                "reject",
                "forward",
                "recategorise",
                "duplicate",
                "vertical_outcome",
                "hide",
                "redact",
                "privacy",
                "resend_link",
                "subscribe",
                "export",
            ]
        )
        == ACTIONS
    )
    for action in ACTIONS:
        event = saved(action)
        assert event["action"] == action
        assert event["admin"] == ADMIN


# -- the review queue ---------------------------------------------------------------------------


def test_the_queue_lists_needs_review_stuck_and_suspicious_reports(admin, seed):
    now = datetime.now(UTC)
    review = seed(Status.NEEDS_REVIEW)
    stuck = seed(Status.VERIFYING, status_since=now - timedelta(hours=3))
    fresh = seed(Status.VERIFYING, status_since=now - timedelta(minutes=5))
    flagged = seed(Status.ASSIGNED, suspicious=True)
    plain = seed(Status.ASSIGNED)

    result = run(admin, saved("queue", stuck_after_minutes=60))

    assert result["ok"] is True
    ids = {name: [r["id"] for r in result[name]["reports"]] for name in ("needs_review", "stuck")}
    assert ids["needs_review"] == [review.id]
    assert ids["stuck"] == [stuck.id]
    assert fresh.id not in ids["stuck"]
    suspicious = [r["id"] for r in result["suspicious"]["reports"]]
    assert suspicious == [flagged.id]
    assert plain.id not in suspicious
    assert result["stuck"]["reports"][0]["waiting_hours"] >= 3
    assert result["needs_review"]["complete"] is True


def test_the_queue_is_cut_at_its_limit_and_says_so(admin, seed):
    for _ in range(3):
        seed(Status.NEEDS_REVIEW)

    result = run(admin, saved("queue", limit=2))

    assert result["needs_review"]["count"] == 2
    assert result["needs_review"]["complete"] is False


def test_overdue_is_listed_only_when_reports_carry_deadlines(admin, seed):
    now = datetime.now(UTC)
    carries = any(f.name == "deadlines" for f in dataclasses.fields(Report))
    if carries:
        deadlines = importlib.import_module("sikemas.domain.calendar").Deadlines(
            respond_by=now - timedelta(hours=1), resolve_by=now + timedelta(days=3)
        )
        late = seed(Status.ASSIGNED, deadlines=deadlines)

    result = run(admin, saved("queue"))

    assert result["overdue"]["available"] is carries
    if carries:
        (shown,) = result["overdue"]["reports"]
        assert shown["id"] == late.id
        assert shown["overdue"] == ["response"]
    else:
        assert "deadlines" in result["overdue"]["reason"]["en"]
        assert "reports" not in result["overdue"]


# -- the actions ------------------------------------------------------------------------------


def test_assign_routes_a_report_for_review_to_a_city_agency(admin, seed, repo):
    report = seed(Status.NEEDS_REVIEW)

    result = run(admin, saved("assign", report=report.tracking_code, agency="PUPR"))

    assert result["ok"] is True
    assert result["report"]["status"] == "assigned"
    stored = repo.get(report.id)
    assert (stored.status, stored.agency) == (Status.ASSIGNED, "PUPR")
    event = last_event(repo, report)
    assert (event.actor, event.actor_name) == (Actor.ADMIN, ADMIN)


def test_assign_without_an_agency_takes_the_categorys(admin, seed, repo):
    report = seed(Status.NEEDS_REVIEW)

    run(admin, saved("assign", report=report.id, agency=None))

    assert repo.get(report.id).agency == "DLH"


def test_reject_records_the_reason(admin, seed, repo):
    report = seed(Status.NEEDS_REVIEW)

    result = run(admin, saved("reject", report=report.id, reason="Bukan di Kotamobagu."))

    assert result["report"]["status"] == "rejected"
    event = last_event(repo, report)
    assert (event.reason, event.actor_name) == ("Bukan di Kotamobagu.", ADMIN)


def test_forward_hands_a_report_to_a_vertical_agency(admin, seed, repo):
    report = seed(Status.NEEDS_REVIEW)

    run(admin, saved("forward", report=report.id, agency="PDAM"))

    stored = repo.get(report.id)
    assert (stored.status, stored.agency) == (Status.FORWARDED, "PDAM")
    assert last_event(repo, report).actor_name == ADMIN


def test_recategorise_reroutes_to_the_new_categorys_agency(admin, seed, repo):
    report = seed(Status.NEEDS_REVIEW)

    result = run(admin, saved("recategorise", report=report.id, category="air_bersih"))

    assert result["ok"] is True
    stored = repo.get(report.id)
    assert (stored.category, stored.agency, stored.status) == (
        "air_bersih",
        "PDAM",
        Status.FORWARDED,
    )
    assert last_event(repo, report).actor_name == ADMIN


def test_duplicate_links_the_report_to_its_primary_by_tracking_code(admin, seed, repo):
    primary = seed(Status.ASSIGNED)
    report = seed(Status.NEEDS_REVIEW)

    result = run(admin, saved("duplicate", report=report.id, of=primary.tracking_code))

    assert result["report"]["duplicate_of"] == primary.id
    stored = repo.get(report.id)
    assert (stored.status, stored.duplicate_of) == (Status.DUPLICATE, primary.id)


def test_vertical_outcome_closes_a_forwarded_report_for_the_agency(admin, seed, repo):
    report = seed(Status.FORWARDED, category="air_bersih", agency="PDAM")

    result = run(admin, saved("vertical_outcome", report=report.id))

    assert result["report"]["status"] == "closed"
    event = last_event(repo, report)
    assert (event.actor, event.actor_name) == (Actor.ADMIN, ADMIN)
    assert event.data["outcome"] == "handled"
    assert event.data["reference"] == "PDAM/2026/0412"


def test_hide_takes_the_report_from_the_public(admin, seed, repo):
    report = seed(Status.ASSIGNED)

    result = run(admin, saved("hide", report=report.id))

    assert result["report"]["hidden"] is True
    assert repo.get(report.id).hidden is True
    assert last_event(repo, report).actor_name == ADMIN


def test_redact_replaces_the_public_text_and_keeps_no_trace_of_it(admin, seed, repo):
    report = seed(Status.ASSIGNED, description="Lubang di depan rumah Pak Budi, 0812 3456 7890")
    new_text = "Lubang besar di jalan depan rumah warga, membahayakan pengendara motor."

    result = run(admin, saved("redact", report=report.id))

    assert result["ok"] is True
    assert repo.get(report.id).description == new_text
    event = last_event(repo, report)
    assert event.actor_name == ADMIN
    assert event.data == {"fields": ["description"]}
    assert "Budi" not in json.dumps(
        [dataclasses.asdict(e) for e in repo.timeline(report.id)], default=str
    )


def test_privacy_makes_a_report_confidential(admin, seed, repo):
    report = seed(Status.ASSIGNED)

    result = run(admin, saved("privacy", report=report.id))

    assert result["report"]["privacy"] == "confidential"
    assert repo.get(report.id).privacy is Privacy.CONFIDENTIAL


def test_an_action_that_no_longer_applies_changes_nothing(admin, seed, repo):
    report = seed(Status.CLOSED)

    result = run(admin, saved("reject", report=report.id))

    assert result["ok"] is False
    assert result["error"]["code"] == "action_not_applicable"
    assert result["error"]["message"]["id"]
    assert result["error"]["message"]["en"]
    assert repo.get(report.id).status is Status.CLOSED


# -- bad events ---------------------------------------------------------------------------------

REPORT_NEEDED = object()  # the event's "report" is a seeded report for review

BAD = [
    ("export", {"from": "2026-13-01"}, "from"),
    ("export", {"from": "2026-11-30", "to": "2026-11-01"}, "from"),
    ("queue", {"limit": "20"}, "limit"),
    ("queue", {"stuck_after_minutes": 0}, "stuck_after_minutes"),
    ("assign", {"report": None}, "report"),
    ("assign", {"agency": "DINAS-X"}, "agency"),
    ("reject", {"reason": "  "}, "reason"),
    ("forward", {"agency": None}, "agency"),
    ("forward", {"agency": "PUPR"}, "agency"),  # a city agency is assigned, not forwarded
    ("recategorise", {"category": "banjir"}, "category"),
    ("duplicate", {"of": None}, "of"),
    ("duplicate", {"of": "KTG-ZZZZZZ"}, "of"),
    ("vertical_outcome", {"outcome": "fixed"}, "outcome"),
    ("vertical_outcome", {"outcome": "not_fixable"}, "reason"),
    ("vertical_outcome", {"reference": None}, "reference"),
    ("hide", {"report": "laporan saya"}, "report"),
    ("hide", {"report": "KTG-ZZZZZZ"}, "report"),
    ("redact", {"description": None}, "description"),
    ("redact", {"description": "pendek"}, "description"),
    ("privacy", {"privacy": "secret"}, "privacy"),
    ("resend_link", {"agency": "XYZ"}, "agency"),
    ("subscribe", {"phones": ["0812345678"]}, "phones[0]"),
    ("subscribe", {"emails": ["pupr@"]}, "emails[0]"),
    ("subscribe", {"emails": [], "phones": []}, "emails"),
    ("subscribe", {"agency": None}, "agency"),
]


@pytest.mark.parametrize(("action", "change", "field"), BAD)
def test_a_bad_event_is_answered_with_the_field_at_fault(admin, seed, repo, action, change, field):
    report = seed(Status.NEEDS_REVIEW)
    event = saved(action)
    if "report" in event:
        event["report"] = report.id
    event.update(change)
    event = {k: v for k, v in event.items() if v is not None}

    result = run(admin, event)

    assert result["ok"] is False
    assert result["error"]["field"] == field, result
    assert result["error"]["code"]
    assert result["error"]["message"]["id"]
    assert result["error"]["message"]["en"]
    assert repo.get(report.id) == report  # nothing changed


def test_every_action_has_a_bad_event_above():
    assert {action for action, _, _ in BAD} == set(ACTIONS)


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"admin": ADMIN}, "action"),
        ({"action": "delete", "admin": ADMIN}, "action"),
        ({"action": "queue"}, "admin"),
        ({"action": "queue", "admin": ""}, "admin"),
        ({"action": "queue", "admin": ADMIN, "limt": 5}, "limt"),
        (["queue"], None),
    ],
)
def test_an_event_without_a_known_action_or_admin_names_the_field(admin, event, field):
    result = run(admin, event)

    assert result["ok"] is False
    assert result["error"]["code"] == "invalid_event"
    assert result["error"]["field"] == field


# -- the agency's subscriptions and links -------------------------------------------------------


@pytest.fixture
def sns(aws):
    import boto3

    outbox.install()
    return boto3.client("sns", region_name="ap-southeast-3")


def test_subscribe_puts_each_address_on_the_topic_with_the_agencys_filter_policy(admin, stack, sns):
    topic = stack.function_environment("AdminFunction")["ASSIGNMENTS_TOPIC_ARN"]

    result = run(admin, saved("subscribe"))

    assert result["ok"] is True
    assert result["filter_policy"] == {"agency": ["PUPR"]}
    found = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    mine = {
        s["Endpoint"]: s
        for s in found
        if s["Endpoint"] in ("pengaduan.pupr@kotamobagukota.go.id", "+6281234567890")
    }
    assert {s["Protocol"] for s in mine.values()} == {"email", "sms"}
    for subscription in mine.values():
        attributes = sns.get_subscription_attributes(
            SubscriptionArn=subscription["SubscriptionArn"]
        )["Attributes"]
        assert json.loads(attributes["FilterPolicy"]) == {"agency": ["PUPR"]}


def test_resend_link_sends_a_fresh_link_to_the_agency_and_not_to_the_admin(admin, stack, seed, sns):
    report = seed(Status.ASSIGNED, agency="DLH")
    run(admin, saved("subscribe", agency="DLH", emails=[], phones=["+6281200000001"]))
    run(admin, saved("subscribe", agency="PUPR", emails=[], phones=["+6281200000002"]))
    before = len(outbox.messages(stack.account_id, "ap-southeast-3"))

    result = run(admin, saved("resend_link", report=report.tracking_code, agency=None))

    assert result["ok"] is True
    assert result["sent_to"] == {"agency": "DLH"}
    assert "/agency/" not in json.dumps(result)  # the link goes to the agency only
    sent = outbox.messages(stack.account_id, "ap-southeast-3")[before:]
    sms = [m for m in sent if m["channel"] == "sms"]
    assert [m["to"] for m in sms] == ["+6281200000001"]
    assert report.tracking_code in sms[0]["body"]
    assert "/s/" in sms[0]["body"]
    assert sms[0]["attributes"]["agency"] == "DLH"


# -- export -------------------------------------------------------------------------------------


def test_export_writes_the_periods_reports_as_csv_and_a_15_minute_link(
    admin, seed, repo, stack, s3
) -> None:
    import csv
    import io
    from urllib.parse import parse_qs, urlparse

    today = datetime.now(UTC).astimezone(WITA).date()
    inside = seed(Status.ASSIGNED, created_at=datetime.now(UTC) - timedelta(days=1))
    seed(Status.NEEDS_REVIEW, created_at=datetime.now(UTC) - timedelta(days=2))
    old = seed(Status.CLOSED, created_at=datetime.now(UTC) - timedelta(days=60))

    result = run(admin, saved("export", **{"from": None, "to": None}))

    assert result["ok"] is True, result
    assert result["to"] == today.isoformat()
    assert result["reports"] == 2
    assert result["key"].startswith("exports/")
    query = parse_qs(urlparse(result["url"]).query)
    assert query["X-Amz-Expires"] == ["900"]
    bucket = stack.function_environment("AdminFunction")["PHOTOS_BUCKET"]
    body = s3.get_object(Bucket=bucket, Key=result["key"])["Body"].read()
    assert body.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads it as UTF-8
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {r["tracking_code"] for r in rows} == {inside.tracking_code, "KTG-7K3M02"}
    assert old.tracking_code not in body.decode("utf-8-sig")
    assert "reporter_id" not in rows[0]
    assert inside.reporter_id not in body.decode("utf-8-sig")
    assert inside.description not in body.decode("utf-8-sig")
    assert {r["status"] for r in rows} == {"assigned", "needs_review"}
