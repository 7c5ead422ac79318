"""The outbox's crash points (sikemas.notify.outbox): no message lost, a duplicate only when the
crash falls between SNS accepting a message and its marker being written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from sikemas.domain.report import Actor, EventType, Status, TimelineEvent
from sikemas.notify.messages import Email
from sikemas.notify.outbox import Notifier
from tests.unit.domain.test_report_states import CITY, a_report

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
PHONE = "+6281234567890"


class Crash(Exception):
    """The function dies here (timeout, out of memory, SNS or DynamoDB unreachable)."""


class Publisher:
    def __init__(self) -> None:
        self.sent: list[tuple[str, ...]] = []
        self.fail_before = False  # SNS refuses: nothing is sent

    def _send(self, *message: str) -> None:
        if self.fail_before:
            raise Crash("publish")
        self.sent.append(message)

    def to_agency(self, agency: str, notice: str, email: Email, sms: str) -> None:
        self._send("agency", agency, notice, email.body, sms)

    def to_phone(self, phone: str, text: str) -> None:
        self._send("sms", phone, text)

    def to_admins(self, email: Email) -> None:
        self._send("admins", email.subject)


class Markers:
    def __init__(self) -> None:
        self.marked: set[str] = set()
        self.crash_on_check = False
        self.crash_on_mark = False  # the crash lands after the publish, before the marker
        self.crash_after_mark = False

    def sent(self, message_id: str) -> bool:
        if self.crash_on_check:
            raise Crash("check")
        return message_id in self.marked

    def mark(self, message_id: str, expires_at: datetime) -> None:
        assert expires_at > NOW
        if self.crash_on_mark:
            raise Crash("mark")
        self.marked.add(message_id)
        if self.crash_after_mark:
            raise Crash("after mark")


class Reports:
    def __init__(self, report) -> None:
        self.report = report

    def get(self, report_id: str):
        return self.report if report_id == self.report.id else None

    def timeline(self, report_id: str) -> list[TimelineEvent]:
        return []


class Links:
    def link_for(self, report_id: str, agency: str, now: datetime) -> tuple[str, str]:
        return f"http://x/agency/r/{report_id}.{agency}", "http://x/s/abcdefgh"


def make(report=None) -> tuple[Notifier, Publisher, Markers]:
    publisher, markers = Publisher(), Markers()
    report = report or a_report(Status.ASSIGNED, notify_sms=True)
    notifier = Notifier(
        city=CITY,
        reports=Reports(report),
        links=Links(),
        publisher=publisher,
        markers=markers,
        phone_of=lambda reporter_id: PHONE,
        photo_urls=lambda r: [],
        clock=lambda: NOW,
    )
    return notifier, publisher, markers


ASSIGNED = TimelineEvent(
    report_id=a_report().id,
    seq=4,
    at=NOW,
    type=EventType.STATUS,
    actor=Actor.PHOTO_CHECKS,
    from_status=Status.VERIFYING,
    to_status=Status.ASSIGNED,
)


def test_assigned_tells_the_agency_and_the_citizen_once_each():
    notifier, publisher, markers = make()
    assert notifier.on_event(ASSIGNED) == ["agency", "citizen"]
    assert [s[0] for s in publisher.sent] == ["agency", "sms"]
    assert publisher.sent[0][1] == "DLH"
    assert "http://x/agency/r/" in publisher.sent[0][3]
    assert publisher.sent[0][4].endswith("http://x/s/abcdefgh")
    assert publisher.sent[1][1] == PHONE
    assert markers.marked == {f"{ASSIGNED.id}#agency", f"{ASSIGNED.id}#citizen"}
    # the same record delivered again (at least once): nothing is sent twice
    assert notifier.on_event(ASSIGNED) == []
    assert len(publisher.sent) == 2


def test_no_sms_for_a_citizen_who_did_not_ask():
    notifier, publisher, _ = make(a_report(Status.ASSIGNED, notify_sms=False))
    assert notifier.on_event(ASSIGNED) == ["agency"]
    assert [s[0] for s in publisher.sent] == ["agency"]


def test_a_hand_back_alerts_the_admins():
    notifier, publisher, _ = make(a_report(Status.NEEDS_REVIEW))
    handed = replace(
        ASSIGNED,
        from_status=Status.IN_PROGRESS,
        to_status=Status.NEEDS_REVIEW,
        actor=Actor.AGENCY,
        reason="bukan wewenang kami",
    )
    assert notifier.on_event(handed) == ["admins"]
    assert publisher.sent[0][1].startswith("[SIKeMas] Dikembalikan oleh instansi")


def test_a_photo_event_says_nothing():
    notifier, publisher, _ = make()
    assert notifier.on_event(replace(ASSIGNED, type=EventType.PHOTO)) == []
    assert publisher.sent == []


def test_crash_point_1_before_the_marker_check_loses_nothing_and_duplicates_nothing():
    notifier, publisher, markers = make()
    markers.crash_on_check = True
    with pytest.raises(Crash):
        notifier.on_event(ASSIGNED)
    assert publisher.sent == []
    markers.crash_on_check = False
    notifier.on_event(ASSIGNED)  # the retry
    assert [s[0] for s in publisher.sent] == ["agency", "sms"]


def test_crash_point_2_the_publish_fails_loses_nothing_and_duplicates_nothing():
    notifier, publisher, markers = make()
    publisher.fail_before = True
    with pytest.raises(Crash):
        notifier.on_event(ASSIGNED)
    assert markers.marked == set()
    publisher.fail_before = False
    notifier.on_event(ASSIGNED)
    assert [s[0] for s in publisher.sent] == ["agency", "sms"]


def test_crash_point_3_between_publish_and_marker_is_the_one_duplicate_window():
    notifier, publisher, markers = make()
    markers.crash_on_mark = True
    with pytest.raises(Crash):
        notifier.on_event(ASSIGNED)
    assert [s[0] for s in publisher.sent] == ["agency"]  # accepted by SNS, not marked
    markers.crash_on_mark = False
    notifier.on_event(ASSIGNED)
    # the agency's message twice (the named window), the citizen's once: nothing lost
    assert [s[0] for s in publisher.sent] == ["agency", "agency", "sms"]


def test_crash_point_4_after_the_marker_duplicates_nothing():
    notifier, publisher, markers = make()
    markers.crash_after_mark = True
    with pytest.raises(Crash):
        notifier.on_event(ASSIGNED)
    markers.crash_after_mark = False
    notifier.on_event(ASSIGNED)
    assert [s[0] for s in publisher.sent] == ["agency", "sms"]


def test_a_crash_between_two_messages_resends_only_the_unmarked_one():
    notifier, publisher, _markers = make()
    original = publisher.to_phone

    def dies(phone: str, text: str) -> None:
        raise Crash("sms")

    publisher.to_phone = dies  # type: ignore[method-assign]
    with pytest.raises(Crash):
        notifier.on_event(ASSIGNED)
    publisher.to_phone = original  # type: ignore[method-assign]
    notifier.on_event(ASSIGNED)
    assert [s[0] for s in publisher.sent] == ["agency", "sms"]
