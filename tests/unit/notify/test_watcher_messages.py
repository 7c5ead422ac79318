"""The watcher's events as messages (issue 9 §2): an escalation tells the agency (e-mail + SMS,
with the signed link) and the admins (alerts, with the link), says `terlambat` and names the
tracking code; a reminder tells the agency only; an abandoned report tells the citizen."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sikemas.domain.report import Actor, EventType, Status
from sikemas.notify import messages as m
from tests.unit.domain.test_report_states import CITY, a_report
from tests.unit.notify.test_notifier_outbox import ASSIGNED, NOW, PHONE, make

OVERDUE = replace(
    ASSIGNED,
    type=EventType.OVERDUE,
    actor=Actor.SYSTEM,
    from_status=Status.ASSIGNED,
    to_status=Status.ASSIGNED,
    data={"agency": "DLH", "clock": "response", "due": "2026-11-30T10:00:00+08:00"},
)
REMINDER = replace(OVERDUE, type=EventType.REMINDER, data={**OVERDUE.data, "clock": "reminder"})


def test_an_escalation_tells_the_agency_and_the_admins_once_with_the_link() -> None:
    notifier, publisher, _ = make(a_report(Status.ASSIGNED, notify_sms=True))
    assert notifier.on_event(OVERDUE) == ["agency", "admins"]  # the citizen hears nothing
    (agency, admins) = publisher.sent
    _, code, notice, body, sms = agency
    assert (code, notice) == ("DLH", "overdue")
    assert "terlambat" in body.lower()
    assert "KTG-7K3M9Q" in body
    assert "batas waktu tanggapan (30-11-2026 10:00) terlewati" in body
    assert "http://x/agency/r/" in body
    assert sms.startswith("SIKeMas TERLAMBAT KTG-7K3M9Q")
    assert m.gsm7_length(sms) <= m.SMS_MAX
    assert admins[1].startswith("[SIKeMas] Terlambat: KTG-7K3M9Q")
    assert notifier.on_event(OVERDUE) == []  # delivered again: nothing twice


def test_the_admins_alert_carries_the_agencys_signed_link() -> None:
    report = a_report(Status.ASSIGNED)
    alert = m.admin_alert(CITY, report, OVERDUE, "http://x/agency/r/TOKEN")
    assert alert is not None
    assert "terlambat" in alert.body.lower()
    assert "tanggapan" in alert.body
    assert "http://x/agency/r/TOKEN" in alert.body
    resolution = replace(OVERDUE, data={**OVERDUE.data, "clock": "resolution"})
    assert "penyelesaian" in m.admin_alert(CITY, report, resolution).body


def test_a_reminder_tells_the_agency_only_and_is_not_an_escalation() -> None:
    notifier, publisher, _ = make(a_report(Status.ASSIGNED, notify_sms=True))
    assert notifier.on_event(REMINDER) == ["agency"]
    (_, _, notice, body, sms) = publisher.sent[0]
    assert notice == "reminder"
    assert "terlambat" not in body.lower()
    assert "Pengingat" in body
    assert sms.startswith("SIKeMas Pengingat KTG-7K3M9Q")


def test_an_abandoned_report_tells_the_citizen_who_asked_for_sms() -> None:
    abandoned = replace(
        ASSIGNED,
        from_status=Status.RECEIVED,
        to_status=Status.ABANDONED,
        actor=Actor.SYSTEM,
        reason="no_photo",
        at=NOW,
    )
    notifier, publisher, _ = make(a_report(Status.ABANDONED, notify_sms=True))
    assert notifier.on_event(abandoned) == ["citizen"]
    (_, phone, text) = publisher.sent[0]
    assert phone == PHONE
    assert "KTG-7K3M9Q" in text
    assert "48 jam" in text
    assert m.gsm7_length(text) <= m.SMS_MAX
    quiet, publisher, _ = make(a_report(Status.ABANDONED, notify_sms=False))
    assert quiet.on_event(abandoned) == []


def test_links_are_minted_on_the_real_time_whatever_the_functions_clock() -> None:
    """The local stack may move every function's clock; a link minted then must still be
    valid for 7 days of real time, as the agency page checks it."""
    notifier, _, _ = make(a_report(Status.ASSIGNED))
    minted: list[datetime] = []

    class Links:
        def link_for(self, report_id: str, agency: str, now: datetime) -> tuple[str, str]:
            minted.append(now)
            return "http://x/agency/r/T", "http://x/s/abcdefgh"

    notifier.links = Links()
    notifier.clock = lambda: datetime(2027, 8, 16, 11, 0, tzinfo=UTC)  # moved months ahead
    notifier.on_event(OVERDUE)
    assert len(minted) == 2  # the agency's message and the admins'
    assert all(abs(at - datetime.now(UTC)) < timedelta(minutes=1) for at in minted)
