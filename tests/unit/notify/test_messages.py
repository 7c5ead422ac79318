"""Every message for every recipient: content, language, and SMS length in GSM-7 units."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sikemas.domain.report import Actor, EventType, Location, Status, TimelineEvent
from sikemas.notify import messages as m
from tests.unit.domain.test_report_states import CITY, a_report

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
SHORT = "https://abcdefghij.execute-api.ap-southeast-3.amazonaws.com/s/Ab3dEf7h"
URL = "https://abcdefghij.execute-api.ap-southeast-3.amazonaws.com/agency/r/TOKEN.SIG"
LONG = "Jalan " + "Panjang Sekali " * 20 + "🙂"


def event(to: Status, frm: Status | None = Status.VERIFYING, **changes: object) -> TimelineEvent:
    base = TimelineEvent(
        report_id=a_report().id,
        seq=4,
        at=NOW,
        type=EventType.STATUS,
        actor=Actor.SYSTEM,
        from_status=frm,
        to_status=to,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def placed(**changes: object):
    values: dict[str, object] = {
        "location": Location(0.7234567, 124.3167891, 8.0),
        "address": "Jl. Adampe Dolot No. 5",
        "subdistrict": {"desa": "Gogagoman", "kecamatan": "Kotamobagu Barat"},
        **changes,
    }
    return a_report(Status.ASSIGNED, **values)


def test_gsm7_alphabet_and_extension_cost():
    assert m.is_gsm7("Laporan KTG-7K3M9Q @ £ é")
    assert not m.is_gsm7("emoji 🙂")
    assert not m.is_gsm7("kutip \u201cmiring\u201d")
    assert m.gsm7_length("a{b}") == 6  # braces are extension characters: two septets each
    assert m.to_gsm7("kutip \u201cmiring\u201d \u2013 ok 🙂\n") == 'kutip "miring" - ok ?'
    assert m.is_gsm7(m.to_gsm7("ĉ ř 中文 {x}"))


@pytest.mark.parametrize("notice", list(m.AgencyNotice))
def test_agency_sms_has_code_category_place_and_short_link(notice):
    text = m.agency_sms(CITY, placed(), notice, SHORT)
    assert m.gsm7_length(text) <= m.SMS_MAX
    assert "KTG-7K3M9Q" in text
    assert "Sampah" in text
    assert "Gogagoman" in text
    assert text.endswith(SHORT)


def test_agency_sms_clips_a_long_place_and_keeps_the_link():
    text = m.agency_sms(
        CITY, placed(subdistrict=None, address=LONG), m.AgencyNotice.ASSIGNED, SHORT
    )
    assert m.gsm7_length(text) <= m.SMS_MAX
    assert "Jalan Panjang" in text
    assert ".." in text
    assert text.endswith(SHORT)
    assert "KTG-7K3M9Q" in text


def test_agency_sms_without_a_place():
    text = m.agency_sms(CITY, a_report(), m.AgencyNotice.ASSIGNED, SHORT)
    assert " di " not in text
    assert m.gsm7_length(text) <= m.SMS_MAX


def test_agency_email_says_what_where_photo_deadlines_timeline_and_link():
    timeline = [
        event(Status.VERIFYING, Status.RECEIVED, seq=2, actor=Actor.CITIZEN),
        event(Status.ASSIGNED, seq=3, actor=Actor.PHOTO_CHECKS),
    ]
    deadlines = m.Deadlines(NOW + timedelta(hours=48), NOW + timedelta(days=5))
    email = m.agency_email(
        CITY,
        placed(),
        m.AgencyNotice.ASSIGNED,
        timeline=timeline,
        url=URL,
        photo_urls=["https://cdn.example/public/r/1.jpg"],
        deadlines=deadlines,
    )
    assert email.subject == "[SIKeMas] Laporan baru KTG-7K3M9Q: Sampah"
    body = email.body
    for expected in (
        "Yth. Dinas Lingkungan Hidup",
        "KTG-7K3M9Q",
        "Sampah menumpuk di pasar",
        "Jl. Adampe Dolot No. 5",
        "Kelurahan/desa: Gogagoman",
        "Kotamobagu Barat",
        "https://www.google.com/maps?q=0.723457,124.316789",
        "https://cdn.example/public/r/1.jpg",
        "Tanggapi sebelum   : 30-11-2026 10:00",  # Asia/Makassar, UTC+8
        "Selesaikan sebelum : 03-12-2026 10:00",
        "diteruskan ke instansi oleh pemeriksaan foto",
        URL,
    ):
        assert expected in body, expected


def test_forwarded_and_reopened_emails_say_so():
    forwarded = m.agency_email(
        CITY, placed(agency="PDAM"), m.AgencyNotice.FORWARDED, timeline=[], url=URL
    )
    assert "Perumda Air Minum" in forwarded.body
    assert "referensi" in forwarded.body
    reopened = m.agency_email(CITY, placed(), m.AgencyNotice.REOPENED, timeline=[], url=URL)
    assert reopened.subject.startswith("[SIKeMas] Laporan dibuka kembali")


def test_which_events_tell_whom():
    assert m.agency_notice(event(Status.ASSIGNED)) is m.AgencyNotice.ASSIGNED
    assert m.agency_notice(event(Status.FORWARDED)) is m.AgencyNotice.FORWARDED
    assert m.agency_notice(event(Status.ASSIGNED, Status.RESOLVED)) is m.AgencyNotice.REOPENED
    assert m.agency_notice(event(Status.IN_PROGRESS, Status.ASSIGNED)) is None
    assert m.agency_notice(event(Status.ASSIGNED, type=EventType.PHOTO)) is None
    assert m.tells_admins(event(Status.NEEDS_REVIEW, Status.ASSIGNED))
    assert not m.tells_admins(event(Status.RESOLVED, Status.ASSIGNED))
    assert not m.tells_citizen(event(Status.VERIFYING, Status.RECEIVED))
    assert not m.tells_citizen(event(Status.NEEDS_REVIEW))


CITIZEN_CASES = [
    (event(Status.ASSIGNED), "diteruskan ke Dinas Lingkungan Hidup"),
    (event(Status.FORWARDED), "di luar Pemkot"),
    (event(Status.ASSIGNED, Status.RESOLVED), "dibuka kembali"),
    (event(Status.IN_PROGRESS, Status.ASSIGNED, actor=Actor.AGENCY), "sedang dikerjakan"),
    (event(Status.RESOLVED, Status.IN_PROGRESS, actor=Actor.AGENCY), "selesai ditangani"),
    (
        event(
            Status.RESOLVED,
            Status.IN_PROGRESS,
            actor=Actor.AGENCY,
            reason="bukan lahan pemerintah",
            data={"outcome": "not_fixable"},
        ),
        "tidak dapat ditangani Dinas Lingkungan Hidup: bukan lahan pemerintah",
    ),
    (event(Status.REJECTED, actor=Actor.ADMIN, reason="laporan ganda"), "Alasan: laporan ganda"),
    (
        event(Status.REJECTED, actor=Actor.PHOTO_CHECKS, reason="outside_city"),
        "Alasan: ",
    ),
    (event(Status.CLOSED, Status.RESOLVED, actor=Actor.CITIZEN), "atas konfirmasi Anda"),
    (
        event(Status.CLOSED, Status.FORWARDED, actor=Actor.AGENCY, data={"outcome": "handled"}),
        "sudah ditangani",
    ),
    (event(Status.CLOSED, Status.RESOLVED, actor=Actor.SYSTEM), "ditutup"),
]


@pytest.mark.parametrize(("ev", "expected"), CITIZEN_CASES)
def test_citizen_sms_for_each_status(ev, expected):
    text = m.citizen_sms(CITY, a_report(), ev)
    assert text is not None
    assert expected in text
    assert "KTG-7K3M9Q" in text
    assert m.gsm7_length(text) <= m.SMS_MAX


def test_citizen_sms_with_a_long_reason_fits_one_segment():
    ev = event(Status.REJECTED, actor=Actor.ADMIN, reason=LONG)
    text = m.citizen_sms(CITY, a_report(agency="SATPOLPP"), ev)
    assert text is not None
    assert m.gsm7_length(text) <= m.SMS_MAX
    assert text.endswith("..")
    assert "?" not in text[:40]


def test_no_citizen_sms_for_internal_moves():
    assert m.citizen_sms(CITY, a_report(), event(Status.NEEDS_REVIEW)) is None


def test_admin_alert_for_a_hand_back():
    ev = event(
        Status.NEEDS_REVIEW,
        Status.IN_PROGRESS,
        actor=Actor.AGENCY,
        actor_name="Budi",
        reason="bukan wewenang kami",
    )
    alert = m.admin_alert(CITY, placed(), ev)
    assert alert is not None
    assert alert.subject == "[SIKeMas] Dikembalikan oleh instansi: KTG-7K3M9Q (Sampah)"
    assert "instansi (Budi)" in alert.body
    assert "bukan wewenang kami" in alert.body
    assert m.admin_alert(CITY, placed(), event(Status.ASSIGNED)) is None
    review = m.admin_alert(CITY, placed(), event(Status.NEEDS_REVIEW, actor=Actor.PHOTO_CHECKS))
    assert review is not None
    assert review.subject.startswith("[SIKeMas] Perlu ditinjau")


@given(
    place=st.text(max_size=300),
    reason=st.text(max_size=300),
    category=st.sampled_from(sorted(CITY.categories)),
)
def test_any_text_from_people_still_gives_one_gsm7_segment(place, reason, category):
    report = a_report(category=category, agency=CITY.categories[category].agency.code)
    report = replace(report, address=place or None)
    for notice in m.AgencyNotice:
        assert m.gsm7_length(m.agency_sms(CITY, report, notice, SHORT)) <= m.SMS_MAX
    for ev, _ in CITIZEN_CASES:
        text = m.citizen_sms(CITY, report, replace(ev, reason=reason or ev.reason))
        assert text is not None
        assert m.gsm7_length(text) <= m.SMS_MAX


def test_the_reports_own_clocks_are_the_emails_deadlines():
    from sikemas.domain.calendar import Deadlines as Clocks

    clocks = Clocks(respond_by=NOW + timedelta(hours=48), resolve_by=NOW + timedelta(days=5))
    report = placed(deadlines=clocks)
    assert m.deadlines_of(report) == m.Deadlines(clocks.respond_by, clocks.resolve_by)
    assert m.deadlines_of(placed()) == m.Deadlines()
    email = m.agency_email(
        CITY,
        report,
        m.AgencyNotice.ASSIGNED,
        timeline=[],
        url=URL,
        deadlines=m.deadlines_of(report),
    )
    assert "Tanggapi sebelum   : 30-11-2026 10:00" in email.body
