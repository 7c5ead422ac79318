"""The admin function: the city's admins act on reports from the Lambda console's Test tab.

No HTTP route. An admin picks a saved test event (``events/admin/<action>.json``), fills in the
report and their own name, and presses Test. The event::

    {"action": "assign", "admin": "Rina (Diskominfo)", "report": "<id or tracking code>", ...}

The admin's name goes on the report's timeline (``actor_name``); CloudTrail's data events
(``AdminAuditTrail``) record the console user who invoked the function.

Results: ``{"ok": true, "action": ..., ...}``. An expected failure — a bad event, an unknown
report, an action that no longer applies — is *returned*, not raised::

    {"ok": false, "error": {"code", "message": {"id", "en"}, "field"}}

``field`` names the event's field at fault (``null`` when none is: the report moved on). A
returned failure is not a Lambda error, so a typo in the console never raises the function's
errors alarm; only a crash does (it raises, and the console shows Lambda's ``errorType``).

The review queue reads indexes only (``ByStatus``), never scans: ``needs_review``, ``stuck``
(``verifying`` for longer than ``stuck_after_minutes``), ``suspicious`` (open reports with the
flag) and ``overdue`` (assigned or in progress past a deadline, when reports carry deadlines).
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cached_property, partial
from typing import Any

from sikemas.api.text import normalise
from sikemas.city import City
from sikemas.domain.report import Privacy, Report, Status
from sikemas.errors import ReportNotFound, SikemasError
from sikemas.ids import is_report_id, is_tracking_code
from sikemas.observability import logger
from sikemas.ports import ReportRepository, every

ACTIONS = (
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
)
NAME_MAX = 100
TEXT_MAX = 1000
REFERENCE_MAX = 100
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 2000  # as the citizen API measures a description
ADDRESS_MAX = 300
QUEUE_LIMIT_MAX = 100
# The queue reads at most this many reports per status it filters (stuck, suspicious,
# overdue); a list cut short says so ("complete": false).
QUEUE_READ_MAX = 1000
_PAGE = 100
STUCK_AFTER_MINUTES = 60
OUTCOMES = ("handled", "not_theirs", "not_fixable")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
SUBSCRIBERS_MAX = 20
# Where the suspicious flag may still matter to an admin: the flag is set when a report is
# routed (or a late photo lands on a routed one), so never in received or verifying; closed
# and dropped reports need no decision any more.
_OPEN = (
    Status.NEEDS_REVIEW,
    Status.ASSIGNED,
    Status.IN_PROGRESS,
    Status.FORWARDED,
    Status.RESOLVED,
)


# -- errors -------------------------------------------------------------------------------------


class BadEvent(SikemasError):
    """A field of the event is missing or wrong; ``field`` names it. The console's own error:
    it never reaches the citizen API, so it is not in ``sikemas.errors``."""

    code = "invalid_event"

    def __init__(self, field: str | None, message_id: str, message_en: str) -> None:
        super().__init__(message_id=message_id, message_en=message_en)
        self.field = field


# The event field a domain error is about, when it is about one.
_FIELD_OF_CODE = {
    "report_not_found": "report",
    "unknown_category": "category",
    "reason_required": "reason",
    "wrong_agency": "agency",
}


def about(error: SikemasError, field: str) -> SikemasError:
    """The error, naming the event's field it is about."""
    error.field = field  # type: ignore[attr-defined]
    return error


def failure(error: SikemasError) -> dict[str, Any]:
    field = getattr(error, "field", None)
    if field is None:
        named = [d["field"] for d in error.details if isinstance(d, dict) and "field" in d]
        field = named[0] if named else None
    return {
        "ok": False,
        "error": {
            "code": error.code,
            "message": {"id": error.message_id, "en": error.message_en},
            "field": field if field is not None else _FIELD_OF_CODE.get(error.code),
            "details": error.details,
        },
    }


# -- reading the event ----------------------------------------------------------------------


class Fields:
    """The event's fields, read strictly: each getter names the field it refuses. Unknown
    fields are refused too (a typo such as ``agnecy`` must not be silently ignored)."""

    def __init__(self, event: Any, allowed: Iterable[str]) -> None:
        if not isinstance(event, dict):
            raise BadEvent(
                None,
                'Event harus berupa objek JSON, misalnya {"action": "queue", "admin": "Rina"}.',
                'The event must be a JSON object, e.g. {"action": "queue", "admin": "Rina"}.',
            )
        self.event = event
        known = {"action", "admin", *allowed}
        for name in event:
            if name not in known:
                raise BadEvent(
                    name,
                    f"Kolom '{name}' tidak dikenal untuk aksi ini; kolom yang dikenal: "
                    f"{', '.join(sorted(known))}.",
                    f"Field '{name}' is not known for this action; known fields: "
                    f"{', '.join(sorted(known))}.",
                )

    def text(self, name: str, *, max_len: int, min_len: int = 1, required: bool = True) -> str:
        value = self.event.get(name)
        if value is None:
            if required:
                raise BadEvent(name, f"Kolom '{name}' wajib diisi.", f"Field '{name}' is required.")
            return ""
        if not isinstance(value, str):
            raise BadEvent(
                name, f"Kolom '{name}' harus berupa teks.", f"Field '{name}' must be text."
            )
        value = normalise(value)
        if not value and required:
            raise BadEvent(
                name, f"Kolom '{name}' tidak boleh kosong.", f"Field '{name}' must not be empty."
            )
        if value and len(value) < min_len:
            raise BadEvent(
                name,
                f"Kolom '{name}' minimal {min_len} karakter.",
                f"Field '{name}' needs at least {min_len} characters.",
            )
        if len(value) > max_len:
            raise BadEvent(
                name,
                f"Kolom '{name}' maksimal {max_len} karakter.",
                f"Field '{name}' may have at most {max_len} characters.",
            )
        return value

    def optional(self, name: str, *, max_len: int, min_len: int = 1) -> str | None:
        return self.text(name, max_len=max_len, min_len=min_len, required=False) or None

    def choice(self, name: str, options: Iterable[str]) -> str:
        options = tuple(options)
        value = self.text(name, max_len=64)
        if value not in options:
            raise BadEvent(
                name,
                f"Kolom '{name}' harus salah satu dari: {', '.join(options)}.",
                f"Field '{name}' must be one of: {', '.join(options)}.",
            )
        return value

    def whole(self, name: str, *, default: int, low: int, high: int) -> int:
        value = self.event.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise BadEvent(
                name,
                f"Kolom '{name}' harus bilangan bulat {low} sampai {high}.",
                f"Field '{name}' must be a whole number from {low} to {high}.",
            )
        return value

    def strings(self, name: str, pattern: re.Pattern[str], example: str) -> list[str]:
        value = self.event.get(name, [])
        if not isinstance(value, list) or len(value) > SUBSCRIBERS_MAX:
            raise BadEvent(
                name,
                f"Kolom '{name}' harus berupa daftar (maksimal {SUBSCRIBERS_MAX}), misalnya "
                f'["{example}"].',
                f"Field '{name}' must be a list (at most {SUBSCRIBERS_MAX}), e.g. [\"{example}\"].",
            )
        found: list[str] = []
        for i, item in enumerate(value):
            if not isinstance(item, str) or not pattern.match(item.strip()):
                raise BadEvent(
                    f"{name}[{i}]",
                    f"Nilai '{name}[{i}]' tidak valid; contoh: {example}.",
                    f"Value '{name}[{i}]' is not valid; for example: {example}.",
                )
            if item.strip() not in found:
                found.append(item.strip())
        return found


def read_action(event: Any) -> str:
    if not isinstance(event, dict):
        Fields(event, ())  # raises the event's error
    action = event.get("action")
    if action not in ACTIONS:
        said = "wajib diisi" if action is None else "tidak dikenal"
        said_en = "is required" if action is None else "is not known"
        raise BadEvent(
            "action",
            f"Kolom 'action' {said}; pilih salah satu: {', '.join(ACTIONS)}.",
            f"Field 'action' {said_en}; choose one of: {', '.join(ACTIONS)}.",
        )
    return str(action)


# -- the dependencies -----------------------------------------------------------------------


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The functions' one clock (``sikemas.composition.utc_now``: the local stack may move it)."""
    from sikemas.composition import utc_now as now

    return now()


@dataclass
class Admin:
    """What the actions need, built once per execution environment. The link service and the
    SNS client are built on first use: most actions never touch them (and the secret is read
    once per cold start, when it is needed)."""

    repo: ReportRepository
    city: City
    followup: Any  # sikemas.usecases.followup.FollowUp
    moderation: Any  # sikemas.usecases.moderation.Moderation
    clock: Clock
    links_factory: Callable[[], Any]
    sns_factory: Callable[[], Any]
    topic_arn: str | None

    @cached_property
    def links(self) -> Any:
        return self.links_factory()

    @cached_property
    def sns(self) -> Any:
        return self.sns_factory()


def build() -> Admin:
    """The function's object graph, from the composition root and the template's variables."""
    import boto3

    from sikemas.composition import _CONFIG, followup_dependencies
    from sikemas.usecases.moderation import Moderation

    core = followup_dependencies()
    topic = os.environ.get("ASSIGNMENTS_TOPIC_ARN") or None

    def sns() -> Any:
        return boto3.client("sns", config=_CONFIG)

    def links() -> Any:
        """The link service whose ``resend`` sends the notifier's agency message (e-mail and
        SMS) to the agency's subscriptions; the link secret is read here, once."""
        from sikemas.notify.service import agency_link_service

        return agency_link_service()

    return Admin(
        repo=core.repo,
        city=core.city,
        followup=core.followup,
        moderation=Moderation(core.repo, core.photos, clock=utc_now),
        clock=utc_now,
        links_factory=links,
        sns_factory=sns,
        topic_arn=topic,
    )


# -- what an admin reads back -----------------------------------------------------------------


def summary(report: Report, now: datetime | None = None) -> dict[str, Any]:
    """A report as the admin needs it to decide (the console shows the JSON)."""
    shown: dict[str, Any] = {
        "id": report.id,
        "tracking_code": report.tracking_code,
        "status": report.status.value,
        "status_since": report.status_since.isoformat(),
        "category": report.category,
        "agency": report.agency,
        "privacy": report.privacy.value,
        "hidden": report.hidden,
        "suspicious": report.suspicious,
        "description": report.description,
        "address": report.address,
    }
    if report.duplicate_of:
        shown["duplicate_of"] = report.duplicate_of
    if now is not None:
        shown["waiting_hours"] = round((now - report.status_since).total_seconds() / 3600, 1)
    deadlines = getattr(report, "deadlines", None)
    if deadlines is not None:
        shown["respond_by"] = deadlines.respond_by.isoformat()
        shown["resolve_by"] = deadlines.resolve_by.isoformat()
    return shown


def reports_carry_deadlines() -> bool:
    """Deadlines come with the working calendar (issue 9): until reports carry them, the
    queue cannot tell what is overdue, and says so."""
    return any(f.name == "deadlines" for f in dataclasses.fields(Report))


def overdue_clocks(report: Report, now: datetime) -> list[str]:
    deadlines = getattr(report, "deadlines", None)
    if deadlines is None or getattr(deadlines, "paused_at", None) is not None:
        return []
    late = []
    if deadlines.responded_at is None and deadlines.respond_by < now:
        late.append("response")
    if deadlines.resolved_at is None and deadlines.resolve_by < now:
        late.append("resolution")
    return late


@dataclass
class Picked:
    reports: list[Report]
    complete: bool  # every report of the status was read


def pick(
    repo: ReportRepository,
    status: Status,
    keep: Callable[[Report], bool],
    limit: int,
    *,
    past: Callable[[Report], bool] | None = None,
) -> Picked:
    """Reports of one status that ``keep`` accepts, up to ``limit``, from the ByStatus index
    (longest in the status first, page by page): at most ``QUEUE_READ_MAX`` are read, and
    none after the first that ``past`` says is beyond what is wanted."""
    kept: list[Report] = []
    read = 0
    cursor: str | None = None
    while True:
        page = repo.list_by_status(status, _PAGE, cursor)
        for i, report in enumerate(page.reports):
            if past is not None and past(report):
                return Picked(kept, complete=True)
            read += 1
            if keep(report):
                kept.append(report)
                if len(kept) >= limit:
                    last = i == len(page.reports) - 1 and page.cursor is None
                    return Picked(kept, complete=last)
        cursor = page.cursor
        if cursor is None:
            return Picked(kept, complete=True)
        if read >= QUEUE_READ_MAX:
            return Picked(kept, complete=False)


def review_queue(admin: Admin, fields: Fields) -> dict[str, Any]:
    limit = fields.whole("limit", default=20, low=1, high=QUEUE_LIMIT_MAX)
    stuck_minutes = fields.whole(
        "stuck_after_minutes", default=STUCK_AFTER_MINUTES, low=1, high=30 * 24 * 60
    )
    now = admin.clock()
    repo = admin.repo

    def section(
        picked: list[Picked], annotate: Callable[[Report], dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        found = sorted((r for p in picked for r in p.reports), key=lambda r: r.status_since)
        shown = [summary(r, now) for r in found[:limit]]
        if annotate is not None:
            for item, report in zip(shown, found, strict=False):
                item.update(annotate(report))
        return {
            "count": len(shown),
            "complete": all(p.complete for p in picked) and len(found) <= limit,
            "reports": shown,
        }

    cutoff = now - timedelta(minutes=stuck_minutes)
    result: dict[str, Any] = {
        "ok": True,
        "action": "queue",
        "at": now.isoformat(),
        "needs_review": section([pick(repo, Status.NEEDS_REVIEW, lambda _r: True, limit)]),
        "stuck": {
            "after_minutes": stuck_minutes,
            **section(
                [
                    pick(
                        repo,
                        Status.VERIFYING,
                        lambda _r: True,
                        limit,
                        past=lambda r: r.status_since >= cutoff,
                    )
                ]
            ),
        },
        "suspicious": section([pick(repo, s, lambda r: r.suspicious, limit) for s in _OPEN]),
    }
    if reports_carry_deadlines():
        late = [
            pick(repo, s, lambda r: bool(overdue_clocks(r, now)), limit)
            for s in (Status.ASSIGNED, Status.IN_PROGRESS)
        ]
        overdue = section(late, lambda r: {"overdue": overdue_clocks(r, now)})
        result["overdue"] = {"available": True, **overdue}
    else:
        result["overdue"] = {
            "available": False,
            "reason": {
                "id": "Laporan belum membawa tenggat (kalender kerja belum terpasang): "
                "laporan yang terlambat belum dapat didaftar.",
                "en": "Reports carry no deadlines yet (the working calendar is not deployed): "
                "overdue reports cannot be listed.",
            },
        }
    return result


# -- the actions ------------------------------------------------------------------------------


def find_report(admin: Admin, fields: Fields, name: str = "report") -> Report:
    """A report by its id or its tracking code (as the citizen reads it out)."""
    ref = fields.text(name, max_len=40)
    report = None
    if is_report_id(ref.upper()):
        report = admin.repo.get(ref.upper())
    elif is_tracking_code(ref.upper()):
        report = admin.repo.get_by_tracking_code(ref.upper())
    else:
        raise BadEvent(
            name,
            f"Kolom '{name}' harus berupa id laporan (26 karakter) atau kode lacak "
            "(misalnya KTG-7K3M9Q).",
            f"Field '{name}' must be a report id (26 characters) or a tracking code "
            "(e.g. KTG-7K3M9Q).",
        )
    if report is None:
        raise about(
            ReportNotFound(
                message_id=f"Laporan '{ref}' tidak ditemukan.",
                message_en=f"Report '{ref}' not found.",
            ),
            name,
        )
    return report


def agency_field(admin: Admin, fields: Fields, *, required: bool) -> str | None:
    code = fields.text("agency", max_len=64, required=required).upper() or None
    if code is not None and code not in admin.city.agencies:
        known = ", ".join(sorted(admin.city.agencies))
        raise BadEvent(
            "agency",
            f"Instansi '{code}' tidak dikenal; instansi kota ini: {known}.",
            f"Agency '{code}' is not known; this city's agencies: {known}.",
        )
    return code


def done(action: str, name: str, report: Report, **extra: Any) -> dict[str, Any]:
    return {"ok": True, "action": action, "admin": name, "report": summary(report), **extra}


def act(admin: Admin, action: str, fields: Fields, name: str) -> dict[str, Any]:
    """One action (other than the queue): read its fields, call its use case."""
    followup, moderation = admin.followup, admin.moderation
    if action == "subscribe":
        return subscribe(admin, fields, name)
    report = find_report(admin, fields)
    rid = report.id
    if action == "assign":
        agency = agency_field(admin, fields, required=False)
        return done(action, name, followup.assign(rid, name, agency=agency))
    if action == "reject":
        reason = fields.text("reason", max_len=TEXT_MAX)
        return done(action, name, followup.reject(rid, name, reason))
    if action == "forward":
        agency = agency_field(admin, fields, required=True)
        return done(action, name, followup.forward(rid, name, agency))
    if action == "recategorise":
        category = fields.text("category", max_len=64)
        if admin.city.category(category) is None:
            known = ", ".join(sorted(admin.city.categories))
            raise BadEvent(
                "category",
                f"Kategori '{category}' tidak dikenal; kategori kota ini: {known}.",
                f"Category '{category}' is not known; this city's categories: {known}.",
            )
        return done(action, name, followup.recategorise(rid, name, category))
    if action == "duplicate":
        primary = find_report(admin, fields, "of")
        if primary.id == rid:
            raise BadEvent(
                "of",
                "Laporan tidak dapat menjadi duplikat dirinya sendiri.",
                "A report cannot be a duplicate of itself.",
            )
        return done(action, name, followup.mark_duplicate(rid, name, primary.id))
    if action == "vertical_outcome":
        outcome = fields.choice("outcome", OUTCOMES)
        reference = fields.text("reference", max_len=REFERENCE_MAX)
        why = fields.optional("reason", max_len=TEXT_MAX)
        if outcome == "not_fixable" and why is None:
            raise BadEvent(
                "reason",
                "Hasil 'not_fixable' memerlukan alasan (kolom 'reason').",
                "Outcome 'not_fixable' needs a reason (field 'reason').",
            )
        changed = followup.record_vertical_outcome(
            rid, report.agency, name, outcome, reference, reason=why, by_admin=True
        )
        return done(action, name, changed)
    if action == "hide":
        note = fields.optional("note", max_len=TEXT_MAX)
        return done(action, name, moderation.hide(rid, admin=name, note=note))
    if action == "privacy":
        privacy = Privacy(fields.choice("privacy", [p.value for p in Privacy]))
        note = fields.optional("note", max_len=TEXT_MAX)
        return done(action, name, moderation.change_privacy(rid, privacy, admin=name, note=note))
    if action == "redact":
        description = fields.optional(
            "description", max_len=DESCRIPTION_MAX, min_len=DESCRIPTION_MIN
        )
        address = fields.optional("address", max_len=ADDRESS_MAX)
        if description is None and address is None:
            raise BadEvent(
                "description",
                "Isi 'description' dan/atau 'address' dengan teks publik yang baru.",
                "Give 'description' and/or 'address': the new public text.",
            )
        note = fields.optional("note", max_len=TEXT_MAX)
        changed = moderation.redact(
            rid, admin=name, description=description, address=address, note=note
        )
        return done(action, name, changed)
    if action == "resend_link":
        to = agency_field(admin, fields, required=False) or report.agency
        admin.links.resend(rid, to)
        logger.info("agency link resent", report_id=rid, agency=to)
        return done(action, name, report, sent_to={"agency": to})
    raise AssertionError(action)  # pragma: no cover - ACTIONS is exhaustive


def subscribe(admin: Admin, fields: Fields, name: str) -> dict[str, Any]:
    """An agency's e-mail addresses and phone numbers on the assignments topic, each with the
    filter policy that gives it only the agency's messages."""
    agency = agency_field(admin, fields, required=True) or ""
    emails = fields.strings("emails", _EMAIL, "pupr@kotamobagukota.go.id")
    phones = fields.strings("phones", _E164, "+6281234567890")
    if not emails and not phones:
        raise BadEvent(
            "emails",
            "Isi 'emails' dan/atau 'phones' (minimal satu alamat).",
            "Give 'emails' and/or 'phones' (at least one address).",
        )
    from sikemas.notify.subscriptions import filter_policy
    from sikemas.notify.subscriptions import subscribe as add

    if admin.topic_arn is None:
        raise RuntimeError("ASSIGNMENTS_TOPIC_ARN is not set")
    arns = {
        "emails": {e: add(admin.sns, admin.topic_arn, agency, e, "email") for e in emails},
        "phones": {p: add(admin.sns, admin.topic_arn, agency, p, "sms") for p in phones},
    }
    logger.info("agency subscribed", agency=agency, emails=len(emails), phones=len(phones))
    return {
        "ok": True,
        "action": "subscribe",
        "admin": name,
        "agency": agency,
        "filter_policy": filter_policy(agency),
        "subscriptions": arns,
        "note": {
            "id": "Alamat e-mail harus mengonfirmasi langganan lewat tautan di e-mail dari AWS.",
            "en": "E-mail addresses must confirm the subscription through AWS's e-mail link.",
        },
    }


EXPORT_MAX = 20000  # reports in one file; a longer export says so ("complete": false)
EXPORT_URL_SECONDS = 15 * 60


def export(admin: Admin, event: dict[str, Any], name: str) -> dict[str, Any]:
    """The reports received in a period (``from``/``to``, city-local days, up to 366; by
    default the last 30) as CSV under ``exports/`` in the photos bucket, and a download link
    valid for 15 minutes. Reports are read through the index ByStatus, status by status (no
    scan), from the period's first instant on (a report received in the period is in its
    status since then or later; those in their status since before are not read), and kept
    when received in the period."""
    from sikemas.composition import s3_client
    from sikemas.settings import Settings
    from sikemas.usecases.export import to_csv
    from sikemas.usecases.stats import parse_period

    now = admin.clock()
    tz = admin.city.timezone
    params: dict[str, str] = {k: str(event[k]) for k in ("from", "to") if k in event}
    period = parse_period(params, now.astimezone(tz).date())
    since = datetime.combine(period.first, time(0), tz)
    found: list[Report] = []
    complete = True
    for status in Status:
        for report in every(partial(admin.repo.list_by_status, status, _PAGE, since=since)):
            if period.first <= report.created_at.astimezone(tz).date() <= period.last:
                if len(found) == EXPORT_MAX:
                    complete = False
                    break
                found.append(report)
        if not complete:
            break
    body = to_csv(found, tz)
    stamp = now.astimezone(tz).strftime("%Y%m%dT%H%M%S")
    key = f"exports/laporan_{period.first.isoformat()}_{period.last.isoformat()}_{stamp}.csv"
    bucket = Settings.from_env().photos_bucket
    s3 = s3_client()
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType="text/csv; charset=utf-8",
        ContentDisposition=f'attachment; filename="{key.removeprefix("exports/")}"',
    )
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=EXPORT_URL_SECONDS
    )
    logger.info("reports exported", admin=name, key=key, reports=len(found))
    return {
        "ok": True,
        "action": "export",
        "admin": name,
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
        "reports": len(found),
        "complete": complete,
        "key": key,
        "url": url,
        "expires_in_seconds": EXPORT_URL_SECONDS,
    }


# -- the handler ------------------------------------------------------------------------------

# Fields each action reads besides "action" and "admin".
FIELDS: dict[str, tuple[str, ...]] = {
    "queue": ("limit", "stuck_after_minutes"),
    "assign": ("report", "agency"),
    "reject": ("report", "reason"),
    "forward": ("report", "agency"),
    "recategorise": ("report", "category"),
    "duplicate": ("report", "of"),
    "vertical_outcome": ("report", "outcome", "reference", "reason"),
    "hide": ("report", "note"),
    "redact": ("report", "description", "address", "note"),
    "privacy": ("report", "privacy", "note"),
    "resend_link": ("report", "agency"),
    "subscribe": ("agency", "emails", "phones"),
    "export": ("from", "to"),
}


def handle(event: Any, admin: Admin) -> dict[str, Any]:
    try:
        action = read_action(event)
        fields = Fields(event, FIELDS[action])
        name = fields.text("admin", max_len=NAME_MAX)
        logger.info("admin action", action=action, admin=name)
        if action == "queue":
            return review_queue(admin, fields)
        if action == "export":
            return export(admin, event, name)
        return act(admin, action, fields, name)
    except SikemasError as error:
        logger.info("admin action refused", code=error.code)
        return failure(error)


_admin: Admin | None = None


def dependencies() -> Admin:
    global _admin
    if _admin is None:
        _admin = build()
    return _admin


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    return handle(event, dependencies())
