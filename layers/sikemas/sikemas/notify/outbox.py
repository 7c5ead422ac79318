"""The outbox: timeline events (written in the same transaction as the change) become messages.

The table's stream delivers every new event item to the notifier at least once. For each event
the notifier plans up to three messages — the agency's (e-mail + SMS on the assignments topic),
the citizen's SMS, the admins' alert — and sends each one *publish, then mark*: a marker item
``SENT#<event id>#<recipient>`` (TTL 7 days) is written after SNS accepted the message, and a
message whose marker exists is skipped.

Crash points, for one message (each is tested in ``tests/unit/test_notifier_outbox.py``):

1. after the batch is read, before the marker is checked: nothing was sent; the record is
   delivered again (Lambda retries the batch from the failed record) — no loss, no duplicate.
2. after the marker check, before or during the publish (SNS refused or the function died):
   nothing was sent, no marker; the record comes back — no loss, no duplicate.
3. **after SNS accepted the message, before the marker is written**: the record comes back and
   the message is sent again. This is the one window where a duplicate is possible (a marker
   written *before* publishing would instead lose the message in the same crash).
4. after the marker is written, before the batch's answer: the record comes back, the marker
   is found, the message is skipped — no duplicate.
5. retries exhausted (a poison record): the stream's on-failure destination (an SQS queue with
   an alarm to the admins) keeps the record's coordinates — nothing is dropped in silence.

The messages of one event are independent: a crash after the agency's message and before the
citizen's resends only what has no marker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sikemas.city import City
from sikemas.domain.report import EventType, Report, TimelineEvent
from sikemas.notify import messages as m

MARKER_TTL = timedelta(days=7)  # well beyond the stream's 24 hours of retention


class Publisher(Protocol):
    def to_agency(self, agency: str, notice: str, email: m.Email, sms: str) -> None:
        """The assignments topic, message attribute ``agency`` (subscriptions filter on it)."""

    def to_phone(self, phone: str, text: str) -> None: ...

    def to_admins(self, email: m.Email) -> None: ...


class Markers(Protocol):
    def sent(self, message_id: str) -> bool: ...

    def mark(self, message_id: str, expires_at: datetime) -> None: ...


class Reports(Protocol):
    def get(self, report_id: str) -> Report | None: ...

    def timeline(self, report_id: str) -> list[TimelineEvent]: ...


class Links(Protocol):
    def link_for(self, report_id: str, agency: str, now: datetime) -> tuple[str, str]: ...


@dataclass(frozen=True)
class Planned:
    recipient: str  # "agency" | "citizen" | "admins": the marker's suffix
    send: Callable[[], None]


class Notifier:
    def __init__(
        self,
        *,
        city: City,
        reports: Reports,
        links: Links,
        publisher: Publisher,
        markers: Markers,
        phone_of: Callable[[str], str | None],
        photo_urls: Callable[[Report], list[str]],
        clock: Callable[[], datetime],
        link_clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.city = city
        self.reports = reports
        self.links = links
        self.publisher = publisher
        self.markers = markers
        self.phone_of = phone_of
        self.photo_urls = photo_urls
        self.clock = clock
        # Signed links are minted on the real time, as they are checked (the local stack's moved
        # clock must not mint links that are already expired, or valid for too long).
        self.link_clock = link_clock or _real_now

    def on_event(self, event: TimelineEvent) -> list[str]:
        """Send what ``event`` calls for, each message at least once; the recipients sent to
        now (those already marked are skipped)."""
        notice = m.agency_notice(event)
        wants_citizen = m.tells_citizen(event)
        wants_admins = m.tells_admins(event)
        if notice is None and not wants_citizen and not wants_admins:
            return []
        report = self.reports.get(event.report_id)
        if report is None:
            return []  # cannot happen (the event is written with its report); nothing to say
        plan: list[Planned] = []
        if notice is not None:
            plan.append(Planned("agency", lambda: self._agency(report, event, notice)))
        if wants_citizen and report.notify_sms:
            plan.append(Planned("citizen", lambda: self._citizen(report, event)))
        if wants_admins:
            plan.append(Planned("admins", lambda: self._admins(report, event)))
        sent = []
        for planned in plan:
            marker = f"{event.id}#{planned.recipient}"
            if self.markers.sent(marker):
                continue
            planned.send()  # crash window 3 starts when SNS accepts ...
            self.markers.mark(marker, self.clock() + MARKER_TTL)  # ... and ends here
            sent.append(planned.recipient)
        return sent

    def _agency(self, report: Report, event: TimelineEvent, notice: m.AgencyNotice) -> None:
        agency = str((event.data or {}).get("agency") or report.agency)
        url, short = self.links.link_for(report.id, agency, self.link_clock())
        self.send_agency(report, agency, notice, url, short, event=event)

    def send_agency(
        self,
        report: Report,
        agency: str,
        notice: m.AgencyNotice,
        url: str,
        short: str,
        *,
        event: TimelineEvent | None = None,
    ) -> None:
        """The agency's e-mail and SMS for ``report`` with this link (also: a resent link)."""
        if agency != report.agency:
            from dataclasses import replace

            report = replace(report, agency=agency)
        email = m.agency_email(
            self.city,
            report,
            notice,
            timeline=self.reports.timeline(report.id),
            url=url,
            photo_urls=self.photo_urls(report),
            deadlines=m.deadlines_of(report),
            event=event,
        )
        sms = m.agency_sms(self.city, report, notice, short)
        self.publisher.to_agency(agency, notice.value, email, sms)

    def _citizen(self, report: Report, event: TimelineEvent) -> None:
        text = m.citizen_sms(self.city, report, event)
        phone = self.phone_of(report.reporter_id)
        if text and phone:
            self.publisher.to_phone(phone, text)
        elif text:
            from sikemas.observability import logger

            # Nothing to retry: the profile has no number (signed in without one).
            logger.warning("citizen asked for SMS but has no phone number", report_id=report.id)

    def _admins(self, report: Report, event: TimelineEvent) -> None:
        url = None
        if event.type is EventType.OVERDUE:  # the escalation carries the agency's signed link
            url, _ = self.links.link_for(report.id, report.agency, self.link_clock())
        alert = m.admin_alert(self.city, report, event, url)
        if alert:
            self.publisher.to_admins(alert)


def _real_now() -> datetime:
    return datetime.now(UTC)


def public_photo_urls(base_url: str | None) -> Callable[[Report], list[str]]:
    """The public copies' URLs (none for a confidential or hidden report)."""

    def urls(report: Report) -> list[str]:
        if not base_url or not report.public_copies_allowed:
            return []
        found = []
        for photo in report.photos:
            copies = photo.copies
            if copies is not None and not copies.private and photo.state.value == "current":
                found.append(f"{base_url.rstrip('/')}/{copies.image_key}")
        return found

    return urls


def resend_publisher(notifier: Notifier) -> Callable[[Any, str, str, str], None]:
    """``LinkService``'s publisher: a fresh link to the agency's subscriptions."""

    def publish(report: Any, agency: str, url: str, short: str) -> None:
        notice = (
            m.AgencyNotice.FORWARDED
            if report.status.value == "forwarded"
            else m.AgencyNotice.ASSIGNED
        )
        notifier.send_agency(report, agency, notice, url, short)

    return publish
