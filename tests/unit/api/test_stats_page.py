"""The statistics page's SVG and HTML (sikemas.api.stats_page): bars and points proportional to
the numbers, every value escaped, the picker's periods."""

from __future__ import annotations

import re
from datetime import date

import pytest

from sikemas.api import stats_page
from sikemas.api.stats_page import BAR_WIDTH, LABEL_WIDTH


def agency(code: str, received: int, done: int = 0, rejected: int = 0, **extra):
    return {
        "code": code,
        "name": extra.pop("name", code),
        "received": received,
        "followed_up_and_done": done,
        "now": {"rejected": rejected} if rejected else {},
        "on_time": {
            "response": {"on_time": 0, "counted": 0, "rate": None},
            "resolution": {"on_time": 1, "counted": 2, "rate": 0.5},
        },
        **extra,
    }


def figures(agencies, per_day=None, subdistricts=None):
    return {
        "subdistricts": subdistricts or [],
        "from": "2026-11-07",
        "to": "2026-12-06",
        "days": 30,
        "timezone": "Asia/Makassar",
        "summary": {"id": "Dari 12 laporan, 5 telah ditindaklanjuti dan selesai.", "en": "x"},
        "agencies": agencies,
        "per_day": per_day or [{"date": "2026-12-05", "received": 1}],
    }


def rects(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', m)) for m in re.findall(r"<rect ([^>]*)>", svg)]


def test_bar_lengths_are_proportional_to_the_numbers():
    svg = stats_page.agency_chart([agency("DLH", 8, done=4, rejected=1), agency("DISHUB", 4)])
    bars = {(r["data-agency"], r["data-outcome"]): r for r in rects(svg)}

    assert {k: int(r["data-value"]) for k, r in bars.items()} == {
        ("DLH", "done"): 4,
        ("DLH", "open"): 3,
        ("DLH", "rejected"): 1,
        ("DISHUB", "open"): 4,
    }
    unit = BAR_WIDTH / 8  # the largest agency's bar is BAR_WIDTH long
    for r in bars.values():
        assert float(r["width"]) == pytest.approx(int(r["data-value"]) * unit, abs=0.01)
    # Stacked: each segment starts where the one before it ends.
    assert float(bars[("DLH", "done")]["x"]) == pytest.approx(LABEL_WIDTH)
    assert float(bars[("DLH", "open")]["x"]) == pytest.approx(LABEL_WIDTH + 4 * unit, abs=0.01)
    assert float(bars[("DLH", "rejected")]["x"]) == pytest.approx(LABEL_WIDTH + 7 * unit, abs=0.01)
    # Half the reports, half the length; every bar the same height.
    assert float(bars[("DISHUB", "open")]["width"]) == pytest.approx(BAR_WIDTH / 2, abs=0.01)
    assert len({r["height"] for r in bars.values()}) == 1


def test_the_outcome_split_sums_to_the_received_count():
    assert stats_page.outcome_split(agency("X", 5, done=7, rejected=3)) == {
        "done": 5,
        "open": 0,
        "rejected": 0,
    }
    assert stats_page.outcome_split(agency("X", 6, done=2, rejected=1)) == {
        "done": 2,
        "open": 3,
        "rejected": 1,
    }


def test_agencies_without_reports_draw_no_bar():
    assert "<rect" not in stats_page.agency_chart([agency("DLH", 0)])
    svg = stats_page.agency_chart([agency("DLH", 0), agency("PDAM", 2)])
    assert {r["data-agency"] for r in rects(svg)} == {"PDAM"}


def desa(code: str, received: int, name: str = "Biga", kecamatan: str | None = "Kotamobagu Utara"):
    return {"code": code, "name": name, "kecamatan": kecamatan, "received": received}


def test_the_kelurahan_bars_are_proportional_to_their_reports_most_first():
    svg = stats_page.subdistrict_chart(
        [desa("71.74.01.1005", 6), desa("71.74.02.1001", 3, name="Mogolaing"), desa("x", 0)]
    )
    bars = rects(svg)

    assert [(r["data-desa"], int(r["data-value"])) for r in bars] == [
        ("71.74.01.1005", 6),
        ("71.74.02.1001", 3),
    ]
    assert float(bars[0]["width"]) == pytest.approx(BAR_WIDTH, abs=0.01)
    assert float(bars[1]["width"]) == pytest.approx(BAR_WIDTH / 2, abs=0.01)
    assert float(bars[0]["y"]) < float(bars[1]["y"])
    assert "Mogolaing" in svg
    assert "Biga (Kec. Kotamobagu Utara): 6 laporan" in svg


def test_no_located_report_draws_no_kelurahan_bar():
    assert "<rect" not in stats_page.subdistrict_chart([])
    assert "Belum ada laporan berlokasi" in stats_page.subdistrict_chart([desa("x", 0)])


def test_the_line_of_reports_a_day_is_proportional():
    points = stats_page.line_points([0, 5, 10])
    bottom = stats_page.LINE_HEIGHT - stats_page.LINE_PAD
    assert points[0][1] == pytest.approx(bottom)
    assert points[2][1] == pytest.approx(stats_page.LINE_PAD)
    assert points[1][1] == pytest.approx((bottom + stats_page.LINE_PAD) / 2)
    assert points[1][0] - points[0][0] == pytest.approx(points[2][0] - points[1][0])
    # No reports at all: a flat line on the axis, no division by zero.
    assert [y for _, y in stats_page.line_points([0, 0])] == pytest.approx([bottom, bottom])


def test_every_value_is_escaped():
    evil = '<script>alert("x")</script>'
    html = stats_page.page(
        {
            **figures(
                [agency('D"><b>', 3, name=evil)],
                per_day=[{"date": '"><svg onload=1>', "received": 3}],
                subdistricts=[desa('K"><u>', 2, name=evil, kecamatan="<em>k</em>")],
            ),
            "summary": {"id": evil},
            "timezone": "<i>tz</i>",
        },
        "30",
    )
    assert "<script" not in html
    assert "<b>" not in html
    assert "<i>" not in html
    assert "<u>" not in html
    assert "<em>" not in html
    assert "onload=1>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'data-agency="D&quot;&gt;&lt;b&gt;"' in html
    assert 'data-desa="K&quot;&gt;&lt;u&gt;"' in html


def test_the_page_shows_the_sentence_the_rates_the_picker_and_the_kelurahan():
    html = stats_page.page(
        figures([agency("DLH", 2, done=1)], subdistricts=[desa("71.74.01.1005", 2)]), "90"
    )

    assert "Dari 12 laporan, 5 telah ditindaklanjuti dan selesai." in html
    assert "50 %" in html  # the resolution on-time rate
    assert re.search(r'href="/statistik\?periode=90" aria-current="page"', html)
    for key in ("7", "30", "tahun"):
        assert f'href="/statistik?periode={key}">' in html
    assert "Kelurahan/desa dengan laporan terbanyak" in html
    assert 'id="kelurahan-chart"' in html
    assert 'data-desa="71.74.01.1005" data-value="2"' in html
    assert "<script" not in html


@pytest.mark.parametrize(
    ("choice", "first"),
    [("7", "2026-11-30"), ("30", "2026-11-07"), ("90", "2026-09-08"), ("tahun", "2026-01-01")],
)
def test_the_picker_periods_end_today(choice, first):
    assert stats_page.period_params(choice, date(2026, 12, 6)) == {
        "from": first,
        "to": "2026-12-06",
    }


def test_an_unknown_period_choice_falls_back_to_30_days():
    assert stats_page.period_choice("365") == "30"
    assert stats_page.period_choice(None) == "30"
    assert stats_page.period_choice("tahun") == "tahun"


def test_vertical_agencies_are_drawn_apart_from_the_citys_own():
    html = stats_page.page(
        figures(
            [
                agency("PDAM", 19, done=12, jurisdiction="vertical"),
                agency("DLH", 17, done=17, jurisdiction="city"),
                agency("POLRES", 0, jurisdiction="vertical"),
            ]
        ),
        "30",
    )
    city = html[html.index('id="agency-chart"') : html.index('id="vertical-chart"')]
    vertical = html[html.index('id="vertical-chart"') :].split("</svg>")[0]
    on_time = html[html.index('class="on-time"') :].split("</table>")[0]

    assert {r["data-agency"] for r in rects(city)} == {"DLH"}
    assert {r["data-agency"] for r in rects(vertical)} == {"PDAM"}
    assert "Diteruskan ke instansi vertikal" in html
    assert 'data-agency="DLH"' in on_time
    assert "PDAM" not in on_time  # no city deadlines for forwarded reports


def test_no_vertical_chart_without_forwarded_reports():
    html = stats_page.page(figures([agency("DLH", 3, jurisdiction="city")]), "30")
    assert "vertical-chart" not in html
    assert "instansi vertikal" not in html
