"""The notifier on the table's stream, in-process moto: a report routed at once reaches its
agency's local e-mail and SMS subscriptions and the citizen's phone; a record delivered again
sends nothing twice; the stream mapping retries, bisects and gives up to its on-failure queue."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from sikemas.links import verify
from sikemas.notify import messages as m
from sikemas_local import outbox
from sikemas_local.provision import Stack
from sikemas_local.runtime import LocalFunction
from sikemas_local.streams import MotoShard, StreamDelivery, StreamReader
from sikemas_local.template import DynamoDbSource, function_specs
from tests.integration.conftest import REGION, Api, load_function

PERMIT = {
    "kind": "complaint",
    "category": "perizinan",
    "description": "Izin usaha saya belum diproses selama dua bulan.",
    "notify_sms": True,
}
WATER = {
    "kind": "complaint",
    "category": "air_bersih",
    "description": "Air PDAM tidak mengalir sejak kemarin pagi.",
    "location": {"lat": 0.73, "lon": 124.31},
}
PHONE = "+6281234567890"


class World:
    def __init__(self, stack: Stack, api: Api, notifier: LocalFunction) -> None:
        self.stack = stack
        self.api = api
        self.notifier = notifier
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.shard = MotoShard(stack.account_id, REGION, stack.ref("Table"))
        spec = function_specs(stack.template)["NotifierFunction"]
        (self.source,) = spec.stream_sources
        self.delivery = self.make_delivery(self.source)
        self.failure_queue = stack.ref("NotifierFailureQueue")

    def make_delivery(self, source: DynamoDbSource) -> StreamDelivery:
        return StreamDelivery(
            function=self.notifier,
            source=source,
            stream_arn=self.stack.get_att("Table", "StreamArn"),
            region=REGION,
            shard=self.shard,
            sqs=self.sqs,
            on_failure_queue_url=self.stack.ref("NotifierFailureQueue"),
            log=lambda _line: None,
        )

    def pump(self, consumer: Any = None) -> int:
        import threading

        reader = StreamReader(
            shard=self.shard,
            consumer=consumer or self.delivery,
            stop=threading.Event(),
            batch_size=self.source.batch_size,
        )
        delivered = 0
        while n := reader.poll_once():
            delivered += n
        return delivered

    def outbox(self) -> list[dict[str, Any]]:
        return outbox.messages(self.stack.account_id, REGION)


@pytest.fixture
def world(stack: Stack, api: Api, monkeypatch: pytest.MonkeyPatch) -> World:
    outbox.install()
    sns = boto3.client("sns", region_name=REGION)
    root = function_specs(stack.template)["ApiFunction"].code_dir.parents[1]
    outbox.subscribe_agencies(sns, stack.ref("AssignmentsTopic"), root / "cities" / "kotamobagu")
    notifier = load_function(
        stack, "NotifierFunction", monkeypatch, LINK_BASE_URL="http://127.0.0.1:3000"
    )
    return World(stack, api, notifier)


def _secret(stack: Stack) -> bytes:
    client = boto3.client("secretsmanager", region_name=REGION)
    arn = stack.function_environment("NotifierFunction")["AGENCY_LINK_SECRET_ARN"]
    return client.get_secret_value(SecretId=arn)["SecretString"].encode()


def test_a_report_routed_at_once_reaches_its_agency_and_the_citizen(world: World) -> None:
    status, body, _ = world.api.call("POST", "/v1/reports", body=PERMIT, phone=PHONE)
    assert status == 201
    code = body["report"]["tracking_code"]

    world.pump()

    sent = world.outbox()
    to_agency = [s for s in sent if s["attributes"].get("agency") == "DPMPTSP"]
    assert sorted(s["channel"] for s in to_agency) == ["email", "sms"]
    assert {s["to"] for s in to_agency} == {"dpmptsp@kotamobagu.local", "+6281100000008"}
    email = next(s for s in to_agency if s["channel"] == "email")
    sms = next(s for s in to_agency if s["channel"] == "sms")
    assert email["topic"] == world.stack.ref("AssignmentsTopic")
    assert code in email["subject"]
    assert "Izin usaha saya belum diproses" in email["body"]
    assert "Tanggapi sebelum" in email["body"]  # the clocks the report got when routed
    assert "Selesaikan sebelum" in email["body"]
    link = next(line for line in email["body"].splitlines() if "/agency/r/" in line)
    assert link.startswith("http://127.0.0.1:3000/agency/r/")
    from datetime import UTC, datetime

    claims = verify(_secret(world.stack), link.rsplit("/", 1)[1], datetime.now(UTC))
    assert (claims.report_id, claims.agency) == (body["report"]["id"], "DPMPTSP")
    assert code in sms["body"]
    assert "/s/" in sms["body"]
    assert m.gsm7_length(sms["body"]) <= 160
    # no other agency hears of it (filter policies)
    assert {s["attributes"]["agency"] for s in sent if s["topic"]} == {"DPMPTSP"}
    # the citizen asked for SMS: the number from the reporter profile
    citizen = [s for s in sent if s["topic"] is None]
    assert len(citizen) == 1
    assert citizen[0]["to"] == PHONE
    assert code in citizen[0]["body"]


def test_the_short_link_redirects_to_the_signed_link(world: World) -> None:
    world.api.call("POST", "/v1/reports", body=PERMIT)
    world.pump()
    email, sms = (
        next(s for s in world.outbox() if s["channel"] == c and s["topic"])
        for c in ("email", "sms")
    )
    code = sms["body"].rsplit("/s/", 1)[1]
    from datetime import UTC, datetime

    from sikemas.links import DynamoShortLinks

    client = boto3.client("dynamodb", region_name=REGION)
    target = DynamoShortLinks(client, world.stack.ref("Table")).get_short_link(
        code, datetime.now(UTC)
    )
    assert target is not None
    assert target in email["body"]


def test_a_forwarded_report_reaches_the_vertical_agency(world: World) -> None:
    world.api.call("POST", "/v1/reports", body=WATER)
    world.pump()
    emails = [s for s in world.outbox() if s["channel"] == "email"]
    assert [e["to"] for e in emails] == ["pdam@kotamobagu.local"]
    assert "Laporan diteruskan" in emails[0]["subject"]


def test_a_record_delivered_again_sends_nothing_twice(world: World) -> None:
    kept: list[list[dict[str, Any]]] = []

    def twice(records: list[dict[str, Any]]) -> None:
        kept.append(records)
        world.delivery(records)

    world.api.call("POST", "/v1/reports", body=PERMIT)
    world.pump(twice)
    before = len(world.outbox())
    for records in kept:
        world.delivery(records)  # at least once: the same records again
    assert len(world.outbox()) == before == 3


def test_a_failing_record_is_retried_then_described_on_the_failure_queue(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    source = dataclasses.replace(world.source, maximum_retry_attempts=2)
    delivery = world.make_delivery(source)
    module = world.notifier.module
    calls: list[int] = []

    def broken(event: Any, service: Any) -> dict[str, Any]:
        calls.append(len(event["Records"]))
        raise RuntimeError("SNS down")

    monkeypatch.setattr(module, "handle", broken)
    world.api.call("POST", "/v1/reports", body=PERMIT)
    world.pump(delivery)

    # two event records (received, assigned): the batch fails and is split; each half is
    # tried once, retried twice, then given up
    assert calls == [2, 1, 1, 1, 1, 1, 1]
    url = world.sqs.get_queue_url(QueueName=world.failure_queue.rsplit("/", 1)[-1])["QueueUrl"]
    found = world.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    infos = [json.loads(message["Body"]) for message in found]
    assert len(infos) == 2
    for info in infos:
        assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
        assert info["requestContext"]["approximateInvokeCount"] == 3
        assert info["DDBStreamBatchInfo"]["batchSize"] == 1
    assert world.shard.kept() == 0  # checkpointed past it: the stream moves on


def test_bisect_isolates_the_failing_record(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    module = world.notifier.module
    real = module.handle
    batches: list[list[str]] = []

    def picky(event: Any, service: Any) -> dict[str, Any]:
        ids = [r["dynamodb"]["NewImage"]["PK"]["S"] for r in event["Records"]]
        batches.append(ids)
        if poisoned in ids:
            raise RuntimeError("poison")
        return real(event, service)

    monkeypatch.setattr(module, "handle", picky)
    for _ in range(3):
        world.api.call("POST", "/v1/reports", body=PERMIT)
    records = world.shard.read(100)
    events = [r for r in records if r["dynamodb"]["NewImage"].get("type", {}).get("S") == "event"]
    poisoned = events[1]["dynamodb"]["NewImage"]["PK"]["S"]
    source = __import__("dataclasses").replace(world.source, maximum_retry_attempts=0)
    world.pump(world.make_delivery(source))

    assert batches[0] == [e["dynamodb"]["NewImage"]["PK"]["S"] for e in events]
    # split until the poisoned record is alone; the other two were delivered
    assert [poisoned] in batches
    emails = [s for s in world.outbox() if s["channel"] == "email"]
    assert len(emails) == 2


def test_a_partial_batch_failure_checkpoints_before_the_failed_record(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = world.notifier.module
    real = module.handle
    batches: list[int] = []
    failed_once: set[str] = set()

    def flaky(event: Any, service: Any) -> dict[str, Any]:
        batches.append(len(event["Records"]))
        second = event["Records"][1] if len(event["Records"]) > 1 else None
        if second is not None and not failed_once:
            failed_once.add("x")
            real({"Records": event["Records"][:1]}, service)
            return {"batchItemFailures": [{"itemIdentifier": second["dynamodb"]["SequenceNumber"]}]}
        return real(event, service)

    monkeypatch.setattr(module, "handle", flaky)
    for _ in range(3):
        world.api.call("POST", "/v1/reports", body=PERMIT)
    world.pump()

    assert batches == [6, 5]  # two events a report; the first is not delivered again
    assert len([s for s in world.outbox() if s["channel"] == "email"]) == 3


def test_only_new_timeline_events_invoke_the_function(world: World) -> None:
    module = world.notifier.module
    seen: list[str] = []
    real = module.handle

    def spy(event: Any, service: Any) -> dict[str, Any]:
        seen.extend(r["dynamodb"]["NewImage"]["type"]["S"] for r in event["Records"])
        return real(event, service)

    module.handle = spy
    try:
        world.api.call("POST", "/v1/reports", body=PERMIT)
        world.pump()
    finally:
        module.handle = real
    assert seen == ["event", "event"]  # received, assigned: no report, counter or marker


def test_the_handler_stops_at_the_first_failure_and_reports_it(world: World) -> None:
    """Lambda retries from the reported record; records after it come back with it."""
    world.api.call("POST", "/v1/reports", body=PERMIT)
    world.api.call("POST", "/v1/reports", body=PERMIT)
    records = [
        r
        for r in world.shard.read(100)
        if r["dynamodb"]["NewImage"].get("type", {}).get("S") == "event"
    ]
    from sikemas_local.streams import dynamodb_event

    event = dynamodb_event(records, stream_arn="arn:stream", region=REGION)
    handled: list[str] = []

    class Service:
        def on_event(self, timeline_event: Any) -> list[str]:
            handled.append(timeline_event.id)
            if len(handled) == 2:
                raise RuntimeError("SNS down")
            return []

    module = world.notifier.module
    assert module is not None
    result = module.handle(event, Service())

    assert len(handled) == 2  # the third and fourth were not tried
    second = event["Records"][1]["dynamodb"]["SequenceNumber"]
    assert result == {"batchItemFailures": [{"itemIdentifier": second}]}
    assert module.handle({"Records": []}, Service()) == {"batchItemFailures": []}


def test_resend_sends_a_fresh_link_to_the_agencys_subscriptions(world: World) -> None:
    from sikemas.notify.service import agency_link_service

    _, body, _ = world.api.call("POST", "/v1/reports", body=PERMIT)
    env = {
        **world.stack.function_environment("NotifierFunction"),
        "LINK_BASE_URL": "http://127.0.0.1:3000",
    }
    links = agency_link_service(env)

    url, short = links.resend(body["report"]["id"], "DPMPTSP")

    sent = world.outbox()
    assert {(s["channel"], s["to"]) for s in sent} == {
        ("email", "dpmptsp@kotamobagu.local"),
        ("sms", "+6281100000008"),
    }
    assert url in next(s["body"] for s in sent if s["channel"] == "email")
    assert next(s["body"] for s in sent if s["channel"] == "sms").endswith(short)


def _routed(out: str) -> dict[str, int]:
    """The ReportRouted metric lines (EMF) printed: the sum per agency dimension."""
    counted: dict[str, int] = {}
    for line in out.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            if [m["Name"] for m in directive["Metrics"]] != ["ReportRouted"]:
                continue
            assert directive["Namespace"] == "SIKeMas"
            assert "agency" in directive["Dimensions"][0]
            value = blob["ReportRouted"]  # Powertools writes the values as a list
            n = sum(value) if isinstance(value, list) else value
            counted[blob["agency"]] = counted.get(blob["agency"], 0) + int(n)
    return counted


def test_each_routing_counts_once_as_report_routed_by_agency(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime

    from sikemas.adapters.dynamo import DynamoReportRepository
    from sikemas.city import load_city
    from sikemas.usecases.followup import FollowUp
    from tests.fakes import FakePhotoStore

    permit = [world.api.call("POST", "/v1/reports", body=PERMIT)[1] for _ in range(2)]
    world.api.call("POST", "/v1/reports", body=WATER)
    capsys.readouterr()

    world.pump()

    assert _routed(capsys.readouterr().out) == {"DPMPTSP": 2, "PDAM": 1}

    # An admin routes again a report its agency handed back: one more; the hand-back, none.
    root = function_specs(world.stack.template)["ApiFunction"].code_dir.parents[1]
    city = load_city(root / "cities" / "kotamobagu")
    repo = DynamoReportRepository(
        boto3.client("dynamodb", region_name=REGION), world.stack.ref("Table"), city.timezone
    )
    followup = FollowUp(repo, city, lambda: datetime.now(UTC), FakePhotoStore())
    rid = permit[0]["report"]["id"]
    followup.hand_back(rid, "DPMPTSP", "Budi", "Bukan urusan kami")
    followup.assign(rid, "Admin")
    world.pump()

    assert _routed(capsys.readouterr().out) == {"DPMPTSP": 1}


def test_a_routing_whose_record_failed_counts_when_it_is_handled(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    world.api.call("POST", "/v1/reports", body=PERMIT)
    world.api.call("POST", "/v1/reports", body=WATER)
    records = [
        r
        for r in world.shard.read(100)
        if r["dynamodb"]["NewImage"].get("type", {}).get("S") == "event"
    ]
    from sikemas_local.streams import dynamodb_event

    class Service:
        def __init__(self, failing: int | None) -> None:
            self.failing, self.seen = failing, 0

        def on_event(self, timeline_event: Any) -> list[str]:
            self.seen += 1
            if self.seen == self.failing:
                raise RuntimeError("SNS down")
            return []

    module = world.notifier.module
    assert module is not None
    capsys.readouterr()
    # received, assigned (DPMPTSP), received, forwarded (PDAM): the fourth fails.
    event = dynamodb_event(records, stream_arn="arn:stream", region=REGION)
    first = module.handle(event, Service(failing=4))
    assert _routed(capsys.readouterr().out) == {"DPMPTSP": 1}
    # Lambda retries from the failed record: it counts then, once.
    (failed,) = first["batchItemFailures"]
    sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
    again = records[sequences.index(failed["itemIdentifier"]) :]
    module.handle(dynamodb_event(again, stream_arn="arn:stream", region=REGION), Service(None))
    assert _routed(capsys.readouterr().out) == {"PDAM": 1}
