"""The public statistics page (``GET /statistik``): server-rendered HTML in Indonesian,
phone-first, no JavaScript; the charts are SVG drawn here from the numbers.

Pure: it renders the figures ``sikemas.usecases.stats.Stats.figures`` returns (the same as
``GET /v1/stats``), and every value goes through ``html.escape`` (``_e``) — text and
attributes alike. Each bar carries its number in ``data-value`` so that a test (or a reader's
tool) can check the picture against the API.

The kelurahan/desa with the most reports come from the counters' desa rows (``subdistricts``
in the figures), drawn as bars like the agencies'.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

# The period picker: query value -> label. Anything else falls back to the default.
PERIODS: dict[str, str] = {
    "7": "7 hari terakhir",
    "30": "30 hari terakhir",
    "90": "90 hari terakhir",
    "tahun": "Tahun ini",
}
DEFAULT_PERIOD = "30"

# The outcome segments of an agency's bar, in drawing order.
OUTCOMES: tuple[tuple[str, str, str], ...] = (
    ("done", "Ditindaklanjuti & selesai", "#2e7d32"),
    ("open", "Dalam proses", "#f9a825"),
    ("rejected", "Ditolak", "#c62828"),
)

BAR_WIDTH = 220.0  # the longest bar's length in SVG units (the label column is apart)
LABEL_WIDTH = 110.0
BAR_HEIGHT = 18.0
BAR_GAP = 10.0
LINE_WIDTH = 340.0
LINE_HEIGHT = 120.0
LINE_PAD = 6.0


def _e(value: object) -> str:
    """Escaped for text and for a double-quoted attribute."""
    return html.escape("" if value is None else str(value), quote=True)


def _n(x: float) -> str:
    """A coordinate, short and stable: at most two decimals."""
    return f"{x:.2f}".rstrip("0").rstrip(".") or "0"


def period_choice(raw: str | None) -> str:
    return raw if raw in PERIODS else DEFAULT_PERIOD


def period_params(choice: str, today: date) -> dict[str, str]:
    """The ``from``/``to`` of a picker choice, city-local days up to ``today``."""
    year = date(today.year, 1, 1)
    first = year if choice == "tahun" else today - timedelta(days=int(choice) - 1)
    return {"from": first.isoformat(), "to": today.isoformat()}


@dataclass(frozen=True)
class Segment:
    outcome: str
    value: int
    x: float
    width: float


def outcome_split(agency: Mapping[str, Any]) -> dict[str, int]:
    """Of an agency's reports received in the period: followed up and done (resolved or
    closed), rejected, and the rest still open. They sum to ``received``."""
    received = int(agency.get("received", 0))
    done = min(received, int(agency.get("followed_up_and_done", 0)))
    rejected = min(received - done, int(agency.get("now", {}).get("rejected", 0)))
    return {"done": done, "open": received - done - rejected, "rejected": rejected}


def bar_segments(split: Mapping[str, int], scale: float) -> list[Segment]:
    """The segments of one stacked bar: each ``value * scale`` long, one after the other."""
    segments, x = [], 0.0
    for outcome, _, _ in OUTCOMES:
        value = int(split.get(outcome, 0))
        width = value * scale
        segments.append(Segment(outcome, value, x, width))
        x += width
    return segments


def agency_chart(agencies: Sequence[Mapping[str, Any]], chart_id: str = "agency-chart") -> str:
    """Horizontal stacked bars, one per agency with reports: lengths proportional to the
    numbers (the largest ``received`` is ``BAR_WIDTH`` long)."""
    rows = [a for a in agencies if int(a.get("received", 0)) > 0]
    if not rows:
        return "<p>Belum ada laporan pada periode ini.</p>"
    top = max(int(a["received"]) for a in rows)
    scale = BAR_WIDTH / top
    height = len(rows) * (BAR_HEIGHT + BAR_GAP)
    width = LABEL_WIDTH + BAR_WIDTH + 40
    parts = [
        f'<svg class="chart" id="{_e(chart_id)}" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="100%" role="img" aria-label="Laporan per instansi menurut hasil">'
    ]
    colours = {outcome: colour for outcome, _, colour in OUTCOMES}
    labels = {outcome: label for outcome, label, _ in OUTCOMES}
    for i, agency in enumerate(rows):
        y = i * (BAR_HEIGHT + BAR_GAP)
        code = str(agency.get("code", ""))
        received = int(agency["received"])
        parts.append(
            f'<g class="agency" data-agency="{_e(code)}" data-value="{received}">'
            f"<title>{_e(agency.get('name', code))}: {received} laporan</title>"
            f'<text x="0" y="{_n(y + BAR_HEIGHT - 4)}" font-size="12">{_e(code)}</text>'
        )
        for s in bar_segments(outcome_split(agency), scale):
            if s.value == 0:
                continue
            parts.append(
                f'<rect class="bar" data-agency="{_e(code)}" data-outcome="{s.outcome}" '
                f'data-value="{s.value}" x="{_n(LABEL_WIDTH + s.x)}" y="{_n(y)}" '
                f'width="{_n(s.width)}" height="{_n(BAR_HEIGHT)}" fill="{colours[s.outcome]}">'
                f"<title>{_e(labels[s.outcome])}: {s.value}</title></rect>"
            )
        parts.append(
            f'<text x="{_n(LABEL_WIDTH + received * scale + 4)}" '
            f'y="{_n(y + BAR_HEIGHT - 4)}" font-size="12">{received}</text></g>'
        )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>{_e(label)}</li>'
        for _, label, colour in OUTCOMES
    )
    return "".join(parts) + f'<ul class="legend">{legend}</ul>'


def subdistrict_chart(subdistricts: Sequence[Mapping[str, Any]]) -> str:
    """Horizontal bars, one per kelurahan/desa (most first, as the figures rank them):
    lengths proportional to ``received`` (the largest is ``BAR_WIDTH`` long)."""
    rows = [d for d in subdistricts if int(d.get("received", 0)) > 0]
    if not rows:
        return '<p id="kelurahan">Belum ada laporan berlokasi pada periode ini.</p>'
    scale = BAR_WIDTH / max(int(d["received"]) for d in rows)
    height = len(rows) * (BAR_HEIGHT + BAR_GAP)
    width = LABEL_WIDTH + BAR_WIDTH + 40
    parts = [
        f'<svg class="chart" id="kelurahan-chart" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="100%" role="img" aria-label="Kelurahan/desa dengan laporan terbanyak">'
    ]
    for i, desa in enumerate(rows):
        y = i * (BAR_HEIGHT + BAR_GAP)
        code, name = str(desa.get("code", "")), str(desa.get("name") or desa.get("code", ""))
        received = int(desa["received"])
        where = f"{name} (Kec. {desa['kecamatan']})" if desa.get("kecamatan") else name
        parts.append(
            f'<g class="desa" data-desa="{_e(code)}" data-value="{received}">'
            f"<title>{_e(where)}: {received} laporan</title>"
            f'<text x="0" y="{_n(y + BAR_HEIGHT - 4)}" font-size="12">{_e(name[:18])}</text>'
            f'<rect class="bar" data-desa="{_e(code)}" data-value="{received}" '
            f'x="{_n(LABEL_WIDTH)}" y="{_n(y)}" width="{_n(received * scale)}" '
            f'height="{_n(BAR_HEIGHT)}" fill="#0b5394"></rect>'
            f'<text x="{_n(LABEL_WIDTH + received * scale + 4)}" '
            f'y="{_n(y + BAR_HEIGHT - 4)}" font-size="12">{received}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_points(values: Sequence[int]) -> list[tuple[float, float]]:
    """The points of the reports-a-day line: x evenly spread, y proportional to the value
    (0 at the bottom, the largest at the top)."""
    if not values:
        return []
    top = max(values) or 1
    inner_w, inner_h = LINE_WIDTH - 2 * LINE_PAD, LINE_HEIGHT - 2 * LINE_PAD
    step = inner_w / (len(values) - 1) if len(values) > 1 else 0.0
    return [
        (LINE_PAD + i * step, LINE_PAD + inner_h - v / top * inner_h) for i, v in enumerate(values)
    ]


def day_chart(per_day: Sequence[Mapping[str, Any]]) -> str:
    values = [int(d.get("received", 0)) for d in per_day]
    points = line_points(values)
    if not points:
        return ""
    polyline = " ".join(f"{_n(x)},{_n(y)}" for x, y in points)
    dots = "".join(
        f'<circle class="day" data-date="{_e(d.get("date"))}" data-value="{v}" '
        f'cx="{_n(x)}" cy="{_n(y)}" r="2"><title>{_e(d.get("date"))}: {v}</title></circle>'
        for d, v, (x, y) in zip(per_day, values, points, strict=True)
    )
    first, last = _e(per_day[0].get("date")), _e(per_day[-1].get("date"))
    return (
        f'<svg class="chart" id="day-chart" viewBox="0 0 {_n(LINE_WIDTH)} {_n(LINE_HEIGHT)}" '
        f'width="100%" role="img" aria-label="Laporan per hari">'
        f'<line x1="{_n(LINE_PAD)}" y1="{_n(LINE_HEIGHT - LINE_PAD)}" '
        f'x2="{_n(LINE_WIDTH - LINE_PAD)}" y2="{_n(LINE_HEIGHT - LINE_PAD)}" stroke="#bbb"/>'
        f'<polyline fill="none" stroke="#0b5394" stroke-width="2" points="{polyline}"/>'
        f"{dots}</svg>"
        f'<p class="axis"><small>{first} – {last}; tertinggi {max(values)} laporan/hari'
        "</small></p>"
    )


def _percent(rate: object) -> str:
    return "–" if rate is None else f"{round(float(str(rate)) * 100)} %"


def on_time_table(agencies: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        a
        for a in agencies
        if a.get("on_time", {}).get("response", {}).get("counted")
        or a.get("on_time", {}).get("resolution", {}).get("counted")
        or int(a.get("received", 0)) > 0
    ]
    if not rows:
        return "<p>Belum ada data ketepatan waktu.</p>"
    body = "".join(
        f'<tr data-agency="{_e(a.get("code"))}"><th scope="row">{_e(a.get("name"))}</th>'
        f"<td>{_percent(a['on_time']['response']['rate'])}"
        f" <small>({int(a['on_time']['response']['counted'])})</small></td>"
        f"<td>{_percent(a['on_time']['resolution']['rate'])}"
        f" <small>({int(a['on_time']['resolution']['counted'])})</small></td></tr>"
        for a in rows
    )
    return (
        '<table class="on-time"><thead><tr><th scope="col">Instansi</th>'
        '<th scope="col">Respons tepat waktu</th><th scope="col">Selesai tepat waktu</th>'
        f"</tr></thead><tbody>{body}</tbody></table>"
        "<p><small>Dalam kurung: jumlah laporan yang diukur.</small></p>"
    )


def _picker(choice: str) -> str:
    current = ' aria-current="page" class="current"'
    links = "".join(
        f'<li><a href="/statistik?periode={_e(key)}"{current if key == choice else ""}>'
        f"{_e(label)}</a></li>"
        for key, label in PERIODS.items()
    )
    return f'<nav aria-label="Periode"><ul class="picker">{links}</ul></nav>'


_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
color:#1b1b1b;background:#f4f5f7}
header{background:#0b5394;color:#fff;padding:12px}
header h1{font-size:1.15rem;margin:0}header p{margin:4px 0 0;font-size:.9rem;opacity:.9}
main{max-width:640px;margin:0 auto;padding:12px}
section{background:#fff;border-radius:8px;padding:12px;margin:12px 0;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:1.05rem;margin:0 0 8px}
.summary{font-size:1.1rem;font-weight:600}
ul.picker{list-style:none;display:flex;flex-wrap:wrap;gap:8px;padding:0;margin:0}
ul.picker a{display:inline-block;padding:8px 12px;min-height:40px;border-radius:20px;
background:#e3ecf7;color:#0b5394;text-decoration:none}
ul.picker a.current{background:#0b5394;color:#fff}
svg.chart{display:block;max-width:100%;height:auto}
ul.legend{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-wrap:wrap;gap:12px;
font-size:.85rem}
.swatch{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}
table{width:100%;border-collapse:collapse;font-size:.9rem}
th,td{text-align:left;padding:6px 4px;border-top:1px solid #eee;vertical-align:top}
small{color:#555}
"""


def page(figures: Mapping[str, Any], choice: str) -> str:
    """The whole page for ``figures`` (``Stats.figures``) and the picker's ``choice``."""
    summary = figures.get("summary", {}).get("id", "")
    agencies = figures.get("agencies", [])
    # The city's own agencies are ranked; the vertical ones (PDAM, PLN, the police), which the
    # city forwards to and does not command, are counted apart.
    city = [a for a in agencies if a.get("jurisdiction", "city") == "city"]
    vertical = [a for a in agencies if a.get("jurisdiction", "city") != "city"]
    forwarded = ""
    if any(int(a.get("received", 0)) for a in vertical):
        forwarded = (
            "<section><h2>Diteruskan ke instansi vertikal</h2>"
            f"{agency_chart(vertical, 'vertical-chart')}</section>"
        )
    body = (
        _picker(choice) + f'<section><p class="summary" id="summary">{_e(summary)}</p>'
        f"<p><small>Periode {_e(figures.get('from'))} s.d. {_e(figures.get('to'))} "
        f"({_e(figures.get('days'))} hari, waktu {_e(figures.get('timezone'))})</small></p>"
        "</section>"
        f"<section><h2>Laporan per instansi</h2>{agency_chart(city)}</section>"
        f"{forwarded}"
        f"<section><h2>Ketepatan waktu per instansi</h2>{on_time_table(city)}</section>"
        f"<section><h2>Laporan per hari</h2>{day_chart(figures.get('per_day', []))}</section>"
        "<section><h2>Kelurahan/desa dengan laporan terbanyak</h2>"
        f"{subdistrict_chart(figures.get('subdistricts', []))}</section>"
    )
    return (
        '<!doctype html><html lang="id"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>Statistik pengaduan · SIKeMas</title>"
        f"<style>{_STYLE}</style></head><body><header><h1>Statistik pengaduan</h1>"
        f"<p>{_e(PERIODS.get(choice, ''))}</p></header><main>{body}</main></body></html>"
    )
