"""The agency's pages: server-rendered HTML in Indonesian, mobile-first, no JavaScript.

Pure: string templates only, and every value that comes from a report, a form or a link goes
through ``html.escape`` (``_e``) on its way into the page — text and attributes alike. The
function ``functions/agency/app.py`` decides which page to show and with which status.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sikemas.api.text import mask_contacts
from sikemas.city import City
from sikemas.domain.photos import Copies, PhotoOutcome, PhotoState
from sikemas.domain.reasons import reason_message
from sikemas.domain.report import Report, Status, TimelineEvent
from sikemas.ports import Upload

# Limits of what an officer may type (characters, after normalising).
OFFICER_MAX = 80
REASON_MAX = 500
REFERENCE_MAX = 100

STATUS_LABELS: dict[str, str] = {
    "received": "Diterima",
    "verifying": "Sedang diverifikasi",
    "assigned": "Ditugaskan ke instansi",
    "in_progress": "Sedang dikerjakan",
    "resolved": "Selesai ditangani",
    "closed": "Ditutup",
    "rejected": "Ditolak",
    "needs_review": "Perlu ditinjau admin",
    "forwarded": "Diteruskan ke instansi vertikal",
    "abandoned": "Tidak dilanjutkan",
    "duplicate": "Duplikat",
}
EVENT_LABELS: dict[str, str] = {
    "photo": "Foto diperiksa",
    "photo_superseded": "Foto lama digantikan",
    "flagged": "Ditandai mencurigakan",
    "hidden": "Disembunyikan dari publik",
    "privacy": "Privasi diubah",
}
ACTOR_LABELS: dict[str, str] = {
    "citizen": "Pelapor",
    "system": "Sistem",
    "photo_checks": "Pemeriksaan foto",
    "agency": "Instansi",
    "admin": "Admin",
}
OUTCOME_LABELS: dict[str, str] = {
    "fixed": "Sudah diperbaiki",
    "not_fixable": "Tidak dapat diperbaiki",
    "handled": "Sudah ditangani",
    "not_theirs": "Bukan wewenang kami",
}
CITY_OUTCOMES = ("fixed", "not_fixable")
VERTICAL_OUTCOMES = ("handled", "not_theirs", "not_fixable")
_REASON_IF_NOT_FIXABLE = "Keterangan (wajib bila tidak dapat diperbaiki)"


def _e(value: object) -> str:
    """Escaped for text and for a double-quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1b1b1b;background:#f4f5f7}
main{max-width:640px;margin:0 auto;padding:12px}
header{background:#0b5394;color:#fff;padding:12px}
header h1{font-size:1.15rem;margin:0}
header p{margin:4px 0 0;font-size:.9rem;opacity:.9}
section{background:#fff;border-radius:8px;padding:12px;margin:12px 0;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:1.05rem;margin:0 0 8px}
dl{margin:0}dt{font-weight:600;font-size:.85rem;color:#555;margin-top:8px}dd{margin:0}
img{max-width:100%;height:auto;border-radius:6px;display:block;margin:6px 0}
label{display:block;margin:10px 0 4px;font-weight:600}
input[type=text],textarea{width:100%;font:inherit;padding:10px;border:1px solid #999;
border-radius:6px}
textarea{min-height:5em}
fieldset{border:1px solid #ccc;border-radius:6px;margin:10px 0;padding:8px}
fieldset label{font-weight:400;display:flex;gap:8px;align-items:center;margin:6px 0}
button{font:inherit;font-weight:600;width:100%;min-height:48px;margin-top:12px;border:0;
border-radius:6px;background:#0b5394;color:#fff}
button.secondary{background:#6b6b6b}
.status{display:inline-block;padding:2px 8px;border-radius:12px;background:#e3ecf7;
font-size:.85rem}
.notice{border-left:4px solid #2e7d32;background:#eef7ee}
.error{border-left:4px solid #c62828;background:#fdecec}
.overdue{color:#c62828;font-weight:600}
ol.timeline{padding-left:1.2em;margin:0}ol.timeline li{margin:6px 0}
ul.inbox{list-style:none;padding:0;margin:0}ul.inbox li{border-top:1px solid #eee;padding:10px 0}
small{color:#555}
"""


def layout(title: str, body: str, *, subtitle: str | None = None) -> str:
    """A whole page; ``title`` and ``subtitle`` are escaped here, ``body`` is already HTML."""
    sub = f"<p>{_e(subtitle)}</p>" if subtitle else ""
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{_e(title)} · SIKeMas</title><style>{_STYLE}</style></head>"
        f"<body><header><h1>{_e(title)}</h1>{sub}</header><main>{body}</main></body></html>"
    )


def local_time(city: City, at: datetime) -> str:
    local = at.astimezone(city.timezone)
    return f"{local:%d/%m/%Y %H:%M} {local.tzname() or ''}".strip()


# -- the report page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PageState:
    """What the page says above the report and what the forms hold after a refused post."""

    notice: str | None = None  # a success message
    error: str | None = None  # why the last post was refused
    values: Mapping[str, str] | None = None  # the officer's last input, shown again


def _figure(caption: str, copies: Copies, base: str | None) -> str:
    if copies.private or not base:
        return f"<p><small>{_e(caption)}: tidak ditampilkan (laporan rahasia).</small></p>"
    url = f"{base}/{copies.image_key}"
    return (
        f'<figure><a href="{_e(url)}"><img src="{_e(base)}/{_e(copies.thumbnail_key)}" '
        f'alt="{_e(caption)}"></a><figcaption><small>{_e(caption)}</small></figcaption>'
        "</figure>"
    )


def _after_photos(report: Report, base: str | None) -> str:
    """The agency's own "after" photos and what their checks said (the officer needs to know
    why an upload does not count)."""
    items: list[str] = []
    for p in sorted(getattr(report, "after_photos", ()), key=lambda p: (p.slot, p.received_at)):
        if p.state not in (PhotoState.CURRENT, PhotoState.LATE):
            continue
        caption = f"Foto sesudah {p.slot}"
        outcome = p.findings.outcome if p.findings else None
        if outcome is None:
            items.append(f"<p>{_e(caption)}: <small>sedang diperiksa…</small></p>")
        elif outcome is PhotoOutcome.ACCEPTED and p.copies is not None:
            items.append(_figure(caption + " (diterima)", p.copies, base))
        else:
            reasons = [
                reason_message(c.reason)["id"]
                for c in (p.findings.checks if p.findings else ())
                if c.reason and c.passed is False
            ]
            why = "; ".join(reasons) or "perlu ditinjau admin"
            items.append(
                f'<p class="overdue">{_e(caption)}: tidak diterima — {_e(why)}</p>'
                if outcome is PhotoOutcome.REJECTED
                else f"<p>{_e(caption)}: {_e(why)}</p>"
            )
    return (
        '<section id="after-photos"><h2>Foto sesudah</h2>' + "".join(items) + "</section>"
        if items
        else ""
    )


def _photos(report: Report, base: str | None) -> str:
    items: list[str] = []
    for p in sorted(report.photos, key=lambda p: (p.slot, p.received_at)):
        if p.state not in (PhotoState.CURRENT, PhotoState.LATE) or p.copies is None:
            continue
        items.append(_figure(f"Foto {p.slot}", p.copies, base))
    return "".join(items) or "<p><small>Belum ada foto yang lolos pemeriksaan.</small></p>"


def _place(report: Report) -> str:
    rows: list[str] = []
    if report.address:
        rows.append(f"<dt>Alamat</dt><dd>{_e(mask_contacts(report.address))}</dd>")
    sub = report.subdistrict or {}
    if sub.get("desa"):
        rows.append(f"<dt>Kelurahan/desa</dt><dd>{_e(sub['desa'])}</dd>")
    if sub.get("kecamatan"):
        rows.append(f"<dt>Kecamatan</dt><dd>{_e(sub['kecamatan'])}</dd>")
    if report.location:
        lat, lon = report.location.lat, report.location.lon
        href = f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=18/{lat:.6f}/{lon:.6f}"
        accuracy = f" (± {report.location.accuracy_m:.0f} m)" if report.location.accuracy_m else ""
        rows.append(
            f'<dt>Titik lokasi</dt><dd><a href="{_e(href)}">{lat:.6f}, {lon:.6f}</a>'
            f"{_e(accuracy)}</dd>"
        )
    return "<dl>" + "".join(rows) + "</dl>" if rows else "<p>Lokasi tidak disebutkan.</p>"


def _deadlines(city: City, report: Report, now: datetime) -> str:
    clocks: Any = getattr(report, "deadlines", None)
    if clocks is None:
        return ""
    rows: list[str] = []
    for label, due, met, overdue in (
        ("Batas tanggapan", clocks.respond_by, clocks.responded_at, "response_overdue"),
        ("Batas penyelesaian", clocks.resolve_by, clocks.resolved_at, "resolution_overdue"),
    ):
        if due is None:
            continue
        late = bool(getattr(clocks, overdue)(now)) if hasattr(clocks, overdue) else False
        state = (
            f" — terpenuhi {_e(local_time(city, met))}"
            if met
            else (' <span class="overdue">TERLAMBAT</span>' if late else "")
        )
        rows.append(f"<dt>{label}</dt><dd>{_e(local_time(city, due))}{state}</dd>")
    return "<section><h2>Tenggat</h2><dl>" + "".join(rows) + "</dl></section>" if rows else ""


def _event_line(city: City, e: TimelineEvent) -> str:
    label = (
        STATUS_LABELS.get(e.to_status.value, e.to_status.value)
        if e.type.value == "status"
        else EVENT_LABELS.get(e.type.value, e.type.value)
    )
    who = ACTOR_LABELS.get(e.actor.value, e.actor.value)
    if e.actor_name:
        who = f"{who} ({e.actor_name})"
    parts = [f"<b>{_e(label)}</b> <small>{_e(local_time(city, e.at))} · {_e(who)}</small>"]
    data = e.data or {}
    outcome = data.get("outcome")
    if outcome:
        parts.append(f"<br>Hasil: {_e(OUTCOME_LABELS.get(str(outcome), outcome))}")
    if data.get("reference"):
        parts.append(f"<br>Nomor rujukan: {_e(data['reference'])}")
    if e.reason:
        parts.append(f"<br>Alasan: {_e(e.reason)}")
    return "<li>" + "".join(parts) + "</li>"


def _officer_field(values: Mapping[str, str], form: str) -> str:
    return (
        f'<label for="{form}-officer">Nama petugas</label>'
        f'<input type="text" id="{form}-officer" name="officer" required '
        f'maxlength="{OFFICER_MAX}" autocomplete="name" value="{_e(values.get("officer"))}">'
    )


def _reason_field(values: Mapping[str, str], form: str, label: str, *, required: bool) -> str:
    req = " required" if required else ""
    return (
        f'<label for="{form}-reason">{_e(label)}</label>'
        f'<textarea id="{form}-reason" name="reason" maxlength="{REASON_MAX}"{req}>'
        f"{_e(values.get('reason'))}</textarea>"
    )


def _outcomes(values: Mapping[str, str], form: str, choices: Sequence[str]) -> str:
    chosen = values.get("outcome") or choices[0]
    radios = "".join(
        f'<label><input type="radio" name="outcome" value="{c}" id="{form}-{c}"'
        f"{' checked' if c == chosen else ''} required> {_e(OUTCOME_LABELS[c])}</label>"
        for c in choices
    )
    return f"<fieldset><legend>Hasil</legend>{radios}</fieldset>"


def upload_form(upload: Upload) -> str:
    """A form that posts the after photo straight to S3 (presigned POST); S3 answers with a
    redirect back to the page (``success_action_redirect`` among the signed fields)."""
    fields = dict(upload.fields)
    # The policy asks for an image Content-Type field; a browser form must send it itself.
    fields.setdefault("Content-Type", "image/jpeg")
    hidden = "".join(
        f'<input type="hidden" name="{_e(k)}" value="{_e(v)}">' for k, v in fields.items()
    )
    return (
        f'<form id="after-photo" method="post" action="{_e(upload.url)}" '
        'enctype="multipart/form-data">'
        f"{hidden}"
        '<label for="after-file">Foto sesudah dikerjakan (JPEG, dengan GPS)</label>'
        '<input type="file" id="after-file" name="file" accept="image/jpeg" '
        'capture="environment" required>'
        '<button type="submit" class="secondary">Unggah foto sesudah</button></form>'
    )


def _city_actions(
    report: Report, action_url: str, values: Mapping[str, str], upload: Upload | None
) -> str:
    blocks: list[str] = []
    if report.status is Status.ASSIGNED:
        blocks.append(
            '<section id="acknowledge"><h2>Terima laporan</h2>'
            "<p>Tandai bahwa instansi Anda sudah menerima laporan ini dan mulai menanganinya.</p>"
            f'<form id="acknowledge-form" method="post" action="{_e(action_url)}">'
            '<input type="hidden" name="action" value="acknowledge">'
            f"{_officer_field(values, 'ack')}"
            '<button type="submit">Terima dan mulai kerjakan</button></form></section>'
        )
    upload_html = (
        "<p>Unggah dulu foto sesudah dikerjakan (diambil di lokasi), lalu isi formulir di "
        "bawahnya.</p>" + upload_form(upload)
        if upload is not None
        else ""
    )
    resolve_values = values if values.get("action") == "resolve" else {}
    blocks.append(
        '<section id="resolve"><h2>Selesaikan</h2>'
        f"{upload_html}"
        f'<form id="resolve-form" method="post" action="{_e(action_url)}">'
        '<input type="hidden" name="action" value="resolve">'
        f"{_outcomes(resolve_values, 'resolve', CITY_OUTCOMES)}"
        f"{_reason_field(resolve_values, 'resolve', _REASON_IF_NOT_FIXABLE, required=False)}"
        f"{_officer_field(values, 'resolve')}"
        '<button type="submit">Simpan penyelesaian</button></form></section>'
    )
    hand_values = values if values.get("action") == "hand_back" else {}
    blocks.append(
        '<section id="hand-back"><h2>Kembalikan ke admin</h2>'
        "<p>Bila laporan ini bukan wewenang instansi Anda.</p>"
        f'<form id="hand-back-form" method="post" action="{_e(action_url)}">'
        '<input type="hidden" name="action" value="hand_back">'
        f"{_reason_field(hand_values, 'hand', 'Alasan', required=True)}"
        f"{_officer_field(values, 'hand')}"
        '<button type="submit" class="secondary">Kembalikan</button></form></section>'
    )
    return "".join(blocks)


def _vertical_actions(action_url: str, values: Mapping[str, str]) -> str:
    return (
        '<section id="outcome"><h2>Catat hasil penanganan</h2>'
        f'<form id="outcome-form" method="post" action="{_e(action_url)}">'
        f"{_outcomes(values, 'vertical', VERTICAL_OUTCOMES)}"
        '<label for="vertical-reference">Nomor rujukan instansi (tiket, surat)</label>'
        f'<input type="text" id="vertical-reference" name="reference" '
        f'maxlength="{REFERENCE_MAX}" value="{_e(values.get("reference"))}">'
        f"{_reason_field(values, 'vertical', _REASON_IF_NOT_FIXABLE, required=False)}"
        f"{_officer_field(values, 'vertical')}"
        '<button type="submit">Simpan hasil</button></form></section>'
    )


def report_page(
    city: City,
    report: Report,
    timeline: Sequence[TimelineEvent],
    *,
    now: datetime,
    action_url: str,
    photo_base_url: str | None,
    upload: Upload | None = None,
    state: PageState | None = None,
) -> str:
    """The report as the agency sees it, with the actions its status still allows."""
    state = state or PageState()
    values = state.values or {}
    category = city.categories.get(report.category)
    agency = city.agencies.get(report.agency)
    top: list[str] = []
    if state.notice:
        top.append(f'<section class="notice" role="status"><p>{_e(state.notice)}</p></section>')
    if state.error:
        top.append(f'<section class="error" role="alert"><p>{_e(state.error)}</p></section>')
    summary = (
        "<section><h2>Laporan</h2><dl>"
        f'<dt>Status</dt><dd><span class="status" id="status" data-status="'
        f'{_e(report.status.value)}">{_e(STATUS_LABELS.get(report.status.value))}</span> '
        f"<small>sejak {_e(local_time(city, report.status_since))}</small></dd>"
        f"<dt>Kategori</dt><dd>{_e(category.name.id if category else report.category)}</dd>"
        f"<dt>Dilaporkan</dt><dd>{_e(local_time(city, report.created_at))}</dd>"
        f'<dt>Uraian</dt><dd style="white-space:pre-wrap">'
        f"{_e(mask_contacts(report.description))}</dd>"
        "</dl></section>"
    )
    place = f"<section><h2>Lokasi</h2>{_place(report)}</section>"
    photos = f"<section><h2>Foto</h2>{_photos(report, photo_base_url)}</section>" + _after_photos(
        report, photo_base_url
    )
    events = "".join(_event_line(city, e) for e in timeline)
    history = f'<section><h2>Riwayat</h2><ol class="timeline">{events}</ol></section>'
    if report.status in (Status.ASSIGNED, Status.IN_PROGRESS):
        actions = _city_actions(report, action_url, values, upload)
    elif report.status is Status.FORWARDED:
        actions = _vertical_actions(action_url, values)
    else:
        actions = (
            '<section id="no-actions"><p>Tidak ada tindakan lagi untuk instansi Anda pada '
            "laporan ini.</p></section>"
        )
    return layout(
        f"Laporan {report.tracking_code}",
        "".join([*top, summary, _deadlines(city, report, now), place, photos, actions, history]),
        subtitle=agency.name if agency else report.agency,
    )


# -- the inbox ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxItem:
    report: Report
    url: str  # the report's own signed link
    overdue: bool


def overdue(report: Report, now: datetime) -> bool:
    """A clock of the report has passed unmet (reports without deadlines never are)."""
    clocks: Any = getattr(report, "deadlines", None)
    return bool(clocks is not None and clocks.overdue(now))


def inbox_items(
    reports: Sequence[Report], url_for: Callable[[Report], str], now: datetime
) -> list[InboxItem]:
    """The inbox's order: overdue first, then the longest waiting in its status."""
    items = [InboxItem(r, url_for(r), overdue(r, now)) for r in reports]
    items.sort(key=lambda i: (not i.overdue, i.report.status_since, i.report.id))
    return items


def inbox_page(city: City, agency: str, items: Sequence[InboxItem], *, more: bool) -> str:
    """The agency's open reports, overdue first (the caller orders them)."""
    name = city.agencies[agency].name if agency in city.agencies else agency
    rows: list[str] = []
    for item in items:
        r = item.report
        category = city.categories.get(r.category)
        desa = (r.subdistrict or {}).get("desa")
        late = ' <span class="overdue">TERLAMBAT</span>' if item.overdue else ""
        rows.append(
            f'<li><a href="{_e(item.url)}"><b>{_e(r.tracking_code)}</b></a>{late}<br>'
            f"{_e(category.name.id if category else r.category)}"
            f"{' · ' + _e(desa) if desa else ''}<br>"
            f"<small>{_e(STATUS_LABELS.get(r.status.value))} sejak "
            f"{_e(local_time(city, r.status_since))}</small></li>"
        )
    body = (
        '<section><ul class="inbox">' + "".join(rows) + "</ul></section>"
        if rows
        else "<section><p>Tidak ada laporan yang terbuka.</p></section>"
    )
    if more:
        body += "<section><p><small>Hanya laporan terdahulu yang ditampilkan.</small></p></section>"
    return layout("Laporan terbuka", body, subtitle=name)


# -- pages that explain a refusal ---------------------------------------------------------------


def message_page(title: str, text: str, *, extra: str = "") -> str:
    return layout(title, f'<section class="error" role="alert"><p>{_e(text)}</p>{extra}</section>')


def forged_page() -> str:
    return message_page(
        "Tautan tidak sah",
        "Tautan ini tidak sah atau telah diubah. Gunakan tautan persis seperti yang dikirim "
        "kepada instansi Anda melalui e-mail atau SMS. Tidak ada yang diubah.",
    )


def expired_page(resend_url: str) -> str:
    form = (
        f'<form method="post" action="{_e(resend_url)}">'
        '<button type="submit">Kirim tautan baru ke instansi</button></form>'
        "<p><small>Tautan baru dikirim ke alamat e-mail dan nomor yang terdaftar untuk instansi, "
        "bukan ke orang yang membuka halaman ini.</small></p>"
    )
    return message_page(
        "Tautan kedaluwarsa",
        "Masa berlaku tautan ini sudah habis. Tidak ada yang diubah.",
        extra=form,
    )


def resent_page() -> str:
    return layout(
        "Tautan baru dikirim",
        '<section class="notice" role="status"><p>Tautan baru telah dikirim ke alamat e-mail '
        "dan nomor yang terdaftar untuk instansi Anda.</p></section>",
    )


def resend_cooldown_page(minutes: int) -> str:
    return message_page(
        "Tautan baru sudah dikirim",
        "Tautan baru untuk laporan ini baru saja dikirim ke e-mail dan nomor instansi; periksa "
        f"kotak masuk. Permintaan berikutnya dapat dilakukan {minutes} menit lagi.",
    )


def conflict_page(text: str | None, back_url: str | None) -> str:
    back = f'<p><a href="{_e(back_url)}">Lihat keadaan laporan sekarang</a></p>' if back_url else ""
    return message_page(
        "Tindakan tidak berlaku lagi",
        text
        or "Laporan ini sudah ditangani atau statusnya sudah berubah (mungkin petugas lain baru "
        "saja bertindak). Tidak ada yang diubah.",
        extra=back,
    )


def not_found_page() -> str:
    return message_page("Tidak ditemukan", "Halaman atau laporan ini tidak ditemukan.")


def error_page(correlation_id: str) -> str:
    return message_page(
        "Terjadi kesalahan",
        "Terjadi kesalahan pada sistem; tidak ada yang diubah. Sebutkan kode ini bila menghubungi "
        f"admin: {correlation_id}",
    )


def path_token(token: str) -> str:
    """A token as it goes into a path (it is URL-safe already; quoted in case it is not)."""
    return quote(token, safe="")
