"""The agency's pages as HTML: what each shows, which actions each status offers, every value
escaped, and the pages that refuse (forged, expired, no longer applies)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sikemas.api import agency_pages as pages
from sikemas.city import load_city
from sikemas.domain.photos import Copies, Photo
from sikemas.domain.reasons import reason_message
from sikemas.domain.report import Actor, EventType, Location, Status, TimelineEvent
from sikemas.ports import Upload
from tests.unit.domain.test_report_states import a_report

ROOT = Path(__file__).resolve().parents[2]
CITY = load_city(ROOT / "cities" / "kotamobagu")
NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
EVIL = '<script>alert("x")</script>&"\''
ACTION = "/agency/r/TOKEN"


@dataclass
class Form:
    action: str | None
    fields: dict[str, list[str | None]] = field(default_factory=dict)  # name -> values


class _Forms(HTMLParser):
    """The page's forms: each one's action and its fields' names and values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "form":
            self.forms.append(Form(action=a.get("action")))
        elif tag in ("input", "textarea") and self.forms:
            self.forms[-1].fields.setdefault(a.get("name") or "", []).append(a.get("value"))


def forms(page: str) -> _Forms:
    parser = _Forms()
    parser.feed(page)
    return parser


def event(to: Status, **changes: object) -> TimelineEvent:
    base: dict[str, object] = {
        "report_id": "01JD2Y6X3B6Q3W9Y5K8R7T4V2N",
        "seq": 2,
        "at": NOW,
        "type": EventType.STATUS,
        "actor": Actor.SYSTEM,
        "from_status": Status.RECEIVED,
        "to_status": to,
    }
    return TimelineEvent(**{**base, **changes})  # type: ignore[arg-type]


def render(status: Status, **kw: object) -> str:
    report = kw.pop("report", None) or a_report(status, status_since=NOW)
    return pages.report_page(
        CITY,
        report,  # type: ignore[arg-type]
        kw.pop("timeline", [event(status)]),  # type: ignore[arg-type]
        now=NOW,
        action_url=ACTION,
        photo_base_url="https://cdn.example",
        **kw,  # type: ignore[arg-type]
    )


def actions_of(page: str) -> set[str]:
    found: set[str] = set()
    for form in forms(page).forms:
        if form.action == ACTION:
            found |= {v for v in form.fields.get("action", []) if v} or {"vertical"}
    return found


def test_an_assigned_report_offers_acknowledge_resolve_and_hand_back_each_asking_the_officer():
    page = render(Status.ASSIGNED)

    assert actions_of(page) == {"acknowledge", "resolve", "hand_back"}
    for form in forms(page).forms:
        assert "officer" in form.fields
    assert '<html lang="id">' in page
    assert 'name="viewport"' in page
    assert forms(page).scripts == 0


def test_in_progress_offers_resolve_and_hand_back_only():
    assert actions_of(render(Status.IN_PROGRESS)) == {"resolve", "hand_back"}


def test_the_resolve_form_offers_fixed_and_not_fixable_with_a_reason():
    page = render(Status.IN_PROGRESS)
    resolve = next(f for f in forms(page).forms if "resolve" in f.fields.get("action", []))
    assert resolve.fields["outcome"] == ["fixed", "not_fixable"]
    assert "reason" in resolve.fields


def test_a_forwarded_report_offers_the_vertical_outcomes_with_a_reference():
    page = render(Status.FORWARDED, report=a_report(Status.FORWARDED, agency="PDAM"))

    (form,) = [f for f in forms(page).forms if f.action == ACTION]
    assert form.fields["outcome"] == ["handled", "not_theirs", "not_fixable"]
    assert {"reference", "officer", "reason"} <= set(form.fields)
    assert "action" not in form.fields
    assert "Perumda Air Minum (PDAM)" in page


@pytest.mark.parametrize(
    "status", [Status.RESOLVED, Status.CLOSED, Status.NEEDS_REVIEW, Status.REJECTED]
)
def test_a_report_past_the_agency_offers_no_action(status):
    page = render(status)

    assert actions_of(page) == set()
    assert 'id="no-actions"' in page


def test_the_page_shows_category_description_place_kelurahan_photo_and_timeline():
    report = a_report(
        Status.ASSIGNED,
        description="Sampah menumpuk, hubungi 0812-3456-7890",
        address="Jl. Adampe Dolot",
        location=Location(0.7335, 124.3158, 12),
        subdistrict={"desa": "Mogolaing", "kecamatan": "Kotamobagu Barat"},
        photos=(
            Photo(
                slot=1,
                version="v1",
                order="1",
                size=2000,
                received_at=NOW,
                copies=Copies("public/X/1-abc.jpg", "public/X/1-abc-thumb.jpg", private=False),
            ),
        ),
    )
    timeline = [
        event(Status.ASSIGNED),
        event(
            Status.IN_PROGRESS,
            actor=Actor.AGENCY,
            actor_name="Budi",
            at=NOW + timedelta(hours=1),
        ),
    ]

    page = render(Status.ASSIGNED, report=report, timeline=timeline)

    assert "Sampah" in page  # the category's name
    assert "Mogolaing" in page
    assert "Kotamobagu Barat" in page
    assert "Jl. Adampe Dolot" in page
    assert "openstreetmap.org/?mlat=0.733500&amp;mlon=124.315800" in page
    assert 'src="https://cdn.example/public/X/1-abc-thumb.jpg"' in page
    assert "0812-3456-7890" not in page
    assert "[telepon]" in page
    assert "Budi" in page
    assert "Instansi (Budi)" in page
    assert "10:00 WITA" in page  # the city's time (UTC+8)


def test_a_confidential_report_shows_no_photo_link():
    report = a_report(
        Status.ASSIGNED,
        photos=(
            Photo(
                slot=1,
                version="v1",
                order="1",
                size=2000,
                received_at=NOW,
                copies=Copies("private/X/1.jpg", "private/X/1-thumb.jpg", private=True),
            ),
        ),
    )

    page = render(Status.ASSIGNED, report=report)

    assert "private/" not in page
    assert "rahasia" in page


def test_every_value_from_a_report_a_timeline_or_a_form_is_escaped():
    report = a_report(
        Status.IN_PROGRESS,
        tracking_code=EVIL,
        description=EVIL,
        address=EVIL,
        subdistrict={"desa": EVIL, "kecamatan": EVIL},
        category=EVIL,
        agency=EVIL,
    )
    timeline = [event(Status.IN_PROGRESS, actor_name=EVIL, reason=EVIL, data={"reference": EVIL})]
    state = pages.PageState(
        error=EVIL, notice=EVIL, values={"officer": EVIL, "reason": EVIL, "action": "resolve"}
    )
    upload = Upload(slot=1, url=f"https://s3.example/{EVIL}", fields={"key": EVIL}, expires_at=NOW)

    page = render(Status.IN_PROGRESS, report=report, timeline=timeline, state=state, upload=upload)

    assert "<script" not in page
    assert EVIL not in page
    assert '"x"' not in page  # quotes are escaped too: no attribute can be closed
    assert page.count("&lt;script&gt;") >= 8
    assert forms(page).scripts == 0


def test_the_after_photo_form_posts_straight_to_s3_with_the_signed_fields_and_the_file_last():
    upload = Upload(
        slot=2,
        url="https://bucket.s3.amazonaws.com/",
        fields={
            "key": "after/01J/2",
            "policy": "P",
            "success_action_redirect": "https://api.example/agency/r/T?uploaded=1",
        },
        expires_at=NOW,
    )

    page = render(Status.IN_PROGRESS, upload=upload)

    form_html = re.search(r'<form id="after-photo".*?</form>', page, re.S)
    assert form_html is not None
    html = form_html.group(0)
    assert 'action="https://bucket.s3.amazonaws.com/"' in html
    assert 'enctype="multipart/form-data"' in html
    assert (
        'name="success_action_redirect" value="https://api.example/agency/r/T?uploaded=1"' in html
    )
    assert html.index('name="key"') < html.index('type="file"')  # S3 ignores fields after it
    assert 'name="Content-Type" value="image/jpeg"' in html  # the policy's starts-with image/


def test_a_refused_post_shows_its_reason_and_keeps_what_the_officer_typed():
    state = pages.PageState(
        error="Alasan wajib diisi.", values={"action": "hand_back", "officer": "Siti"}
    )

    page = render(Status.ASSIGNED, state=state)

    assert 'role="alert"' in page
    assert "Alasan wajib diisi." in page
    assert page.count('value="Siti"') == 3  # every officer field


def test_deadlines_are_shown_when_the_report_has_them_and_overdue_is_marked():
    class Clocks:
        respond_by = NOW - timedelta(hours=1)
        resolve_by = NOW + timedelta(days=3)
        responded_at = None
        resolved_at = None

        def response_overdue(self, now: datetime) -> bool:
            return now > self.respond_by

        def resolution_overdue(self, now: datetime) -> bool:
            return False

    report = a_report(Status.ASSIGNED)
    object.__setattr__(report, "deadlines", Clocks())

    page = render(Status.ASSIGNED, report=report)

    assert "Batas tanggapan" in page
    assert "Batas penyelesaian" in page
    assert page.count("TERLAMBAT") == 1


def test_no_deadline_section_without_deadlines():
    assert "Tenggat" not in render(Status.ASSIGNED)


def test_the_inbox_lists_each_report_with_its_link_and_marks_the_overdue():
    late = a_report(Status.ASSIGNED, id="A", tracking_code="KTG-AAAAAA")
    fresh = a_report(Status.IN_PROGRESS, id="B", tracking_code="KTG-BBBBBB")
    items = [
        pages.InboxItem(late, "/agency/r/late", overdue=True),
        pages.InboxItem(fresh, "/agency/r/fresh", overdue=False),
    ]

    page = pages.inbox_page(CITY, "DLH", items, more=False)

    assert page.index("KTG-AAAAAA") < page.index("KTG-BBBBBB")
    assert 'href="/agency/r/late"' in page
    assert 'href="/agency/r/fresh"' in page
    assert page.count("TERLAMBAT") == 1
    assert "Dinas Lingkungan Hidup" in page


def test_an_empty_inbox_says_so():
    assert "Tidak ada laporan yang terbuka." in pages.inbox_page(CITY, "DLH", [], more=False)


def test_the_forged_page_explains_and_offers_nothing():
    page = pages.forged_page()

    assert "tidak sah" in page
    assert "Tidak ada yang diubah" in page
    assert forms(page).forms == []


def test_the_expired_page_offers_a_fresh_link_to_the_agency_only():
    page = pages.expired_page("/agency/resend/TOK")

    (form,) = forms(page).forms
    assert form.action == "/agency/resend/TOK"
    assert form.fields == {}  # nothing to type: the link goes to the agency's subscriptions
    assert "kedaluwarsa" in page
    assert "bukan ke orang yang membuka" in page


def test_the_conflict_page_links_back_to_the_report():
    page = pages.conflict_page(None, "/agency/r/TOK")

    assert "Tindakan tidak berlaku lagi" in page
    assert 'href="/agency/r/TOK"' in page
    assert "Tidak ada yang diubah" in page


class _Due:
    def __init__(self, late: bool) -> None:
        self.late = late

    def overdue(self, now: datetime) -> bool:
        return self.late


def test_the_inbox_puts_overdue_reports_first_then_the_longest_waiting():
    oldest = a_report(Status.ASSIGNED, id="OLD", status_since=NOW - timedelta(days=3))
    late = a_report(Status.IN_PROGRESS, id="LATE", status_since=NOW - timedelta(hours=1))
    newer = a_report(Status.ASSIGNED, id="NEW", status_since=NOW - timedelta(hours=2))
    no_clock = a_report(Status.FORWARDED, id="FWD", status_since=NOW - timedelta(days=9))
    for report, is_late in ((oldest, False), (late, True), (newer, False)):
        object.__setattr__(report, "deadlines", _Due(is_late))

    items = pages.inbox_items([newer, oldest, no_clock, late], lambda r: f"/r/{r.id}", NOW)

    assert [i.report.id for i in items] == ["LATE", "FWD", "OLD", "NEW"]
    assert [i.overdue for i in items] == [True, False, False, False]
    assert items[0].url == "/r/LATE"


def _after(slot: int, outcome: object, reason: object = None) -> Photo:
    from sikemas.domain.photos import CheckResult, Findings, PhotoOutcome
    from sikemas.domain.reasons import CheckName

    findings = (
        None
        if outcome is None
        else Findings(
            type="jpeg",
            gps=None,
            taken_at=NOW,
            taken_at_source="exif_offset",
            checks=(CheckResult(CheckName.GPS, passed=reason is None, reason=reason),),  # type: ignore[arg-type]
            outcome=PhotoOutcome(outcome),
        )
    )
    return Photo(
        slot=slot,
        version=f"v{slot}",
        order=str(slot),
        size=2000,
        received_at=NOW,
        findings=findings,
        copies=Copies(f"public/X/after-{slot}.jpg", f"public/X/after-{slot}-t.jpg", private=False)
        if outcome == "accepted"
        else None,
    )


def test_the_agencys_after_photos_show_accepted_checking_and_refused_with_the_reason():
    from sikemas.domain.reasons import Reason

    report = a_report(
        Status.IN_PROGRESS,
        after_photos=(
            _after(1, "accepted"),
            _after(2, None),
            _after(3, "rejected", Reason.NO_GPS),
        ),
    )

    page = render(Status.IN_PROGRESS, report=report)

    assert 'src="https://cdn.example/public/X/after-1-t.jpg"' in page
    assert "Foto sesudah 2: <small>sedang diperiksa" in page
    assert "Foto sesudah 3: tidak diterima" in page
    assert reason_message(Reason.NO_GPS)["id"] in page
