"""What the notifier says, to whom: pure functions from a report and a timeline event to text.

- an agency (assigned, forwarded, reopened): a plain-text e-mail in Indonesian and an SMS of at
  most 160 GSM-7 characters (one segment) with the short link;
- a citizen who asked for SMS: one SMS per status that matters to them, at most 160 characters;
- the admins: a hand-back or a report needing review, on the alerts topic.

Text from people (descriptions, addresses, reasons) goes into an SMS only after ``to_gsm7``:
one character outside GSM-7 would turn the whole SMS into UCS-2, 70 characters a segment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sikemas.city import City
from sikemas.domain.reasons import reason_message
from sikemas.domain.report import EventType, Location, Report, Status, TimelineEvent

SMS_MAX = 160
APP = "SIKeMas"

# GSM 03.38 default alphabet, and the extension table (each of those costs two units).
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
_TRANSLITERATE = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\t": " ",
    "á": "a",
    "â": "a",
    "ê": "e",
    "ë": "e",
    "í": "i",
    "î": "i",
    "ó": "o",
    "ô": "o",
    "ú": "u",
    "û": "u",
    "ç": "c",
}


def is_gsm7(text: str) -> bool:
    return all(c in _GSM7_BASIC or c in _GSM7_EXTENDED for c in text)


def gsm7_length(text: str) -> int:
    """Septets the text takes in one SMS (extension characters take two)."""
    if not is_gsm7(text):
        raise ValueError("not GSM-7 text")
    return sum(2 if c in _GSM7_EXTENDED else 1 for c in text)


def to_gsm7(text: str) -> str:
    """Text a person wrote, made GSM-7 (basic table only) on one line: look-alikes for common
    typographic characters, ``?`` for anything else (emoji, other scripts)."""
    out = []
    for c in " ".join(text.split()):
        c = _TRANSLITERATE.get(c, c)
        out.append(c if all(ch in _GSM7_BASIC for ch in c) else "?")
    return "".join(out)


def _clip(text: str, limit: int) -> str:
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: max(0, limit - 2)].rstrip() + ".."


def _fit(template: str, flexible: Sequence[str], fixed: Mapping[str, str]) -> str:
    """``template`` filled with ``fixed`` and ``flexible`` values ({0}, {1}, ...), the flexible
    ones (people's text, already GSM-7 basic) clipped in order until the SMS fits."""
    values = list(flexible)

    def render() -> str:
        return template.format(*values, **fixed)

    for i in range(len(values)):
        over = gsm7_length(render()) - SMS_MAX
        if over <= 0:
            break
        values[i] = _clip(values[i], len(values[i]) - over)
    text = render()
    if gsm7_length(text) > SMS_MAX:  # the fixed parts alone are too long: never expected
        raise ValueError(f"SMS too long even with every flexible part empty: {text!r}")
    return text


# -- what an event means ------------------------------------------------------------------------


class AgencyNotice(StrEnum):
    ASSIGNED = "assigned"
    FORWARDED = "forwarded"
    REOPENED = "reopened"
    REMINDER = "reminder"  # the watcher: 75 % of the response clock has run
    OVERDUE = "overdue"  # the watcher: a clock passed unmet (escalated, admins told too)


def agency_notice(event: TimelineEvent) -> AgencyNotice | None:
    """Whether the event tells the report's agency something: it was routed to them, or the
    watcher reminds them or says they are late."""
    if event.type is EventType.REMINDER:
        return AgencyNotice.REMINDER
    if event.type is EventType.OVERDUE:
        return AgencyNotice.OVERDUE
    if event.type is not EventType.STATUS:
        return None
    if event.to_status is Status.FORWARDED:
        return AgencyNotice.FORWARDED
    if event.to_status is Status.ASSIGNED:
        if event.from_status is Status.RESOLVED:
            return AgencyNotice.REOPENED
        return AgencyNotice.ASSIGNED
    return None


CITIZEN_STATUSES = frozenset(
    {
        Status.ASSIGNED,
        Status.FORWARDED,
        Status.IN_PROGRESS,
        Status.RESOLVED,
        Status.REJECTED,
        Status.CLOSED,
        Status.ABANDONED,
    }
)


def tells_citizen(event: TimelineEvent) -> bool:
    return event.type is EventType.STATUS and event.to_status in CITIZEN_STATUSES


def tells_admins(event: TimelineEvent) -> bool:
    """A report handed back (or sent) to review: someone must act on it."""
    if event.type is EventType.OVERDUE:  # an escalation: the alerts topic hears it too
        return True
    return event.type is EventType.STATUS and event.to_status is Status.NEEDS_REVIEW


def _overdue_line(event: TimelineEvent, tz: ZoneInfo) -> str:
    """What an escalation says: which clock passed, and when it was due."""
    data = event.data or {}
    clock = "tanggapan" if data.get("clock") == "response" else "penyelesaian"
    due = str(data.get("due") or "")
    when = _local(datetime.fromisoformat(due), tz) if due else "-"
    return f"TERLAMBAT: batas waktu {clock} ({when}) terlewati."


# -- pieces -------------------------------------------------------------------------------------

STATUS_ID = {
    Status.RECEIVED: "diterima",
    Status.VERIFYING: "diverifikasi",
    Status.ASSIGNED: "diteruskan ke instansi",
    Status.IN_PROGRESS: "sedang dikerjakan",
    Status.RESOLVED: "selesai ditangani",
    Status.CLOSED: "ditutup",
    Status.REJECTED: "ditolak",
    Status.NEEDS_REVIEW: "perlu ditinjau admin",
    Status.FORWARDED: "diteruskan ke instansi vertikal",
    Status.ABANDONED: "ditinggalkan",
    Status.DUPLICATE: "duplikat",
}
_ACTOR_ID = {
    "citizen": "pelapor",
    "system": "sistem",
    "photo_checks": "pemeriksaan foto",
    "agency": "instansi",
    "admin": "admin",
}


def map_link(location: Location) -> str:
    return f"https://www.google.com/maps?q={location.lat:.6f},{location.lon:.6f}"


def place_line(report: Report) -> str:
    """Kelurahan/desa and kecamatan when known, else the address, else nothing."""
    sub = report.subdistrict or {}
    if sub.get("desa"):
        kec = f", Kec. {sub['kecamatan']}" if sub.get("kecamatan") else ""
        return f"{sub['desa']}{kec}"
    return report.address or ""


def _category_name(city: City, report: Report) -> str:
    category = city.category(report.category)
    return category.name.id if category else report.category


def _agency_name(city: City, code: str) -> str:
    agency = city.agencies.get(code)
    return agency.name if agency else code


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).strftime("%d-%m-%Y %H:%M")


def _reason_text(event: TimelineEvent) -> str:
    """The reason as a person reads it: photo-check codes become their Indonesian message."""
    if not event.reason:
        return ""
    if event.actor.value == "photo_checks":
        return "; ".join(reason_message(code)["id"] for code in event.reason.split(","))
    return event.reason


@dataclass(frozen=True)
class Email:
    subject: str
    body: str


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime | None = None
    resolve_by: datetime | None = None


def deadlines_of(report: Report) -> Deadlines:
    """The report's clocks, when the calendar has set them (``Report.deadlines``)."""
    found = getattr(report, "deadlines", None)
    if found is None:
        return Deadlines()
    return Deadlines(
        respond_by=getattr(found, "respond_by", None), resolve_by=getattr(found, "resolve_by", None)
    )


# -- agencies -----------------------------------------------------------------------------------

_NOTICE_SUBJECT = {
    AgencyNotice.ASSIGNED: "Laporan baru",
    AgencyNotice.FORWARDED: "Laporan diteruskan",
    AgencyNotice.REOPENED: "Laporan dibuka kembali",
    AgencyNotice.REMINDER: "Pengingat batas waktu",
    AgencyNotice.OVERDUE: "Laporan terlambat",
}


def agency_email(
    city: City,
    report: Report,
    notice: AgencyNotice,
    *,
    timeline: Sequence[TimelineEvent],
    url: str,
    photo_urls: Sequence[str] = (),
    deadlines: Deadlines = Deadlines(),
    event: TimelineEvent | None = None,
) -> Email:
    """The agency's e-mail: what, where, the photo, the deadlines, the timeline, the link."""
    tz = city.timezone
    category = _category_name(city, report)
    subject = f"[{APP}] {_NOTICE_SUBJECT[notice]} {report.tracking_code}: {category}"
    lines = [
        f"Yth. {_agency_name(city, report.agency)},",
        "",
    ]
    if notice is AgencyNotice.FORWARDED:
        lines.append(
            f"Laporan warga berikut diteruskan kepada instansi Anda oleh Pemerintah {city.name}. "
            "Mohon catat nomor tindak lanjut (referensi) dan hasilnya melalui tautan di bawah."
        )
    elif notice is AgencyNotice.REOPENED:
        lines.append("Pelapor membuka kembali laporan berikut: masalahnya belum selesai.")
    elif notice is AgencyNotice.OVERDUE:
        lines.append(
            f"Laporan {report.tracking_code} terlambat ditindaklanjuti. "
            + (_overdue_line(event, tz) if event is not None else "")
            + " Admin kota telah diberi tahu."
        )
    elif notice is AgencyNotice.REMINDER:
        lines.append(
            "Pengingat: batas waktu tanggapan laporan berikut sudah dekat. Mohon segera "
            "tanggapi (terima/kerjakan) melalui tautan di bawah."
        )
    else:
        lines.append("Laporan warga berikut ditugaskan kepada instansi Anda.")
    lines += [
        "",
        f"Kode laporan : {report.tracking_code}",
        f"Kategori     : {category}",
        f"Isi laporan  : {report.description}",
    ]
    sub = report.subdistrict or {}
    if report.address:
        lines.append(f"Alamat       : {report.address}")
    if sub.get("desa"):
        lines.append(f"Kelurahan/desa: {sub['desa']}")
    if sub.get("kecamatan"):
        lines.append(f"Kecamatan    : {sub['kecamatan']}")
    if report.location is not None:
        lines.append(f"Peta         : {map_link(report.location)}")
    for i, photo in enumerate(photo_urls, 1):
        lines.append(f"Foto {i}       : {photo}")
    if deadlines.respond_by:
        lines.append(f"Tanggapi sebelum   : {_local(deadlines.respond_by, tz)}")
    if deadlines.resolve_by:
        lines.append(f"Selesaikan sebelum : {_local(deadlines.resolve_by, tz)}")
    lines += ["", "Riwayat:"]
    for e in timeline:
        if e.type is not EventType.STATUS:
            continue
        who = _ACTOR_ID.get(e.actor.value, e.actor.value)
        if e.actor_name:
            who = f"{who} ({e.actor_name})"
        reason = f" - {_reason_text(e)}" if e.reason else ""
        lines.append(f"- {_local(e.at, tz)} {STATUS_ID[e.to_status]} oleh {who}{reason}")
    lines += [
        "",
        "Tindak lanjuti laporan ini (tanpa akun, berlaku 7 hari):",
        url,
        "",
        "Tautan ini khusus untuk instansi Anda; jangan diteruskan. Jika kedaluwarsa, halaman itu "
        "menawarkan pengiriman tautan baru ke alamat resmi instansi.",
        "",
        f"-- {APP} {city.name}",
    ]
    return Email(subject=subject, body="\n".join(lines))


def agency_sms(city: City, report: Report, notice: AgencyNotice, short_url: str) -> str:
    """One SMS segment: tracking code, category, place, the short link."""
    head = {
        AgencyNotice.ASSIGNED: "Laporan baru",
        AgencyNotice.FORWARDED: "Laporan diteruskan",
        AgencyNotice.REOPENED: "Dibuka kembali",
        AgencyNotice.REMINDER: "Pengingat",
        AgencyNotice.OVERDUE: "TERLAMBAT",
    }[notice]
    place = to_gsm7(place_line(report))
    category = to_gsm7(_category_name(city, report))
    fixed = {"app": APP, "head": head, "code": report.tracking_code, "url": short_url}
    if place:  # the place is clipped first, then the category
        return _fit("{app} {head} {code}: {1} di {0}. Buka {url}", [place, category], fixed)
    return _fit("{app} {head} {code}: {0}. Buka {url}", [category], fixed)


# -- citizens -----------------------------------------------------------------------------------


def citizen_sms(city: City, report: Report, event: TimelineEvent) -> str | None:
    """The citizen's SMS for a status change, or None when the change is not theirs to hear."""
    if not tells_citizen(event):
        return None
    agency = to_gsm7(_agency_name(city, report.agency))
    reason = to_gsm7(_reason_text(event))
    outcome = str(event.data.get("outcome", "")) if event.data else ""
    fixed = {"app": APP, "code": report.tracking_code}
    to = event.to_status
    if to is Status.ASSIGNED and event.from_status is Status.RESOLVED:
        return _fit("{app}: Laporan {code} dibuka kembali dan diteruskan ke {0}.", [agency], fixed)
    if to is Status.ASSIGNED:
        return _fit("{app}: Laporan {code} diteruskan ke {0} untuk ditangani.", [agency], fixed)
    if to is Status.FORWARDED:
        return _fit(
            "{app}: Laporan {code} diteruskan ke {0} (di luar Pemkot) untuk ditangani.",
            [agency],
            fixed,
        )
    if to is Status.IN_PROGRESS:
        return _fit("{app}: Laporan {code} sedang dikerjakan oleh {0}.", [agency], fixed)
    if to is Status.RESOLVED:
        if outcome == "not_fixable":
            return _fit(
                "{app}: Laporan {code} tidak dapat ditangani {0}: {1}. Dapat dibuka kembali "
                "di aplikasi.",
                [agency, reason or "-"],
                fixed,
            )
        return _fit(
            "{app}: Laporan {code} selesai ditangani {0}. Belum beres? Buka kembali di aplikasi "
            "dalam 7 hari.",
            [agency],
            fixed,
        )
    if to is Status.REJECTED:
        return _fit("{app}: Laporan {code} ditolak. Alasan: {0}", [reason or "-"], fixed)
    if to is Status.ABANDONED:
        return _fit(
            "{app}: Laporan {code} dibatalkan: foto tidak diterima dalam 48 jam. Silakan kirim "
            "laporan baru dengan foto.",
            [],
            fixed,
        )
    # closed
    if event.actor.value == "citizen":
        return _fit("{app}: Laporan {code} ditutup atas konfirmasi Anda. Terima kasih.", [], fixed)
    detail = {"handled": "sudah ditangani", "not_theirs": "bukan wewenang instansi"}.get(
        outcome, ""
    )
    if outcome == "not_fixable":
        detail = "tidak dapat ditangani"
    if detail:
        return _fit("{app}: Laporan {code} ditutup ({0}). Terima kasih.", [detail], fixed)
    return _fit("{app}: Laporan {code} ditutup. Terima kasih.", [], fixed)


# -- admins -------------------------------------------------------------------------------------


def admin_alert(
    city: City, report: Report, event: TimelineEvent, url: str | None = None
) -> Email | None:
    """A hand-back (an agency says it is not theirs) or a report the checks sent to review;
    an escalation (a clock passed unmet) with the agency's signed link."""
    if not tells_admins(event):
        return None
    if event.type is EventType.OVERDUE:
        subject = (
            f"[{APP}] Terlambat: {report.tracking_code} ({_category_name(city, report)}, "
            f"{report.agency})"
        )
        lines = [
            f"Laporan {report.tracking_code} terlambat. {_overdue_line(event, city.timezone)}",
            "",
            f"Instansi    : {_agency_name(city, report.agency)} ({report.agency})",
            f"Kategori    : {_category_name(city, report)}",
            f"Status      : {STATUS_ID[report.status]}",
            f"ID laporan  : {report.id}",
        ]
        if url:
            lines += ["", "Tautan instansi (untuk memantau; jangan diteruskan):", url]
        lines += [
            "",
            "Instansi telah diberi tahu. Daftar laporan terlambat: events/admin/queue.json.",
        ]
        return Email(subject=subject, body="\n".join(lines))
    handed_back = event.actor.value == "agency"
    what = "Dikembalikan oleh instansi" if handed_back else "Perlu ditinjau"
    subject = f"[{APP}] {what}: {report.tracking_code} ({_category_name(city, report)})"
    who = _ACTOR_ID.get(event.actor.value, event.actor.value)
    if event.actor_name:
        who = f"{who} ({event.actor_name})"
    lines = [
        f"Laporan {report.tracking_code} kini berstatus perlu ditinjau (needs_review).",
        "",
        f"Dari status : {STATUS_ID[event.from_status] if event.from_status else '-'}",
        f"Oleh        : {who}",
        f"Instansi    : {_agency_name(city, report.agency)} ({report.agency})",
        f"Kategori    : {_category_name(city, report)}",
        f"Alasan      : {_reason_text(event) or '-'}",
        f"Waktu       : {_local(event.at, city.timezone)}",
        f"ID laporan  : {report.id}",
        "",
        "Tindak lanjuti dari konsol admin (events/admin/queue.json).",
    ]
    return Email(subject=subject, body="\n".join(lines))
