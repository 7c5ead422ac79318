"""What a citizen typed: normalised before it is measured, and contact details masked in public."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from sikemas.api.text import EMAIL_MASK, NIK_MASK, PHONE_MASK, mask_contacts, normalise

# -- normalising --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("Jalan\x00 rusak\x07", "Jalan rusak"),
        ("\x1b[31mmerah\x1b[0m dan \x1b[1;32mhijau\x1b[m", "merah dan hijau"),
        ("judul\x1b]0;pwned\x07 isi", "judul isi"),
        (
            "baris satu\r\nbaris dua\rbaris tiga\u2028empat",
            "baris satu\nbaris dua\nbaris tiga\nempat",
        ),
        ("kolom\tkolom", "kolom kolom"),
        ("Cafe\u0301", "Café"),  # NFC
        ("\u200b\u200c\u2060\ufeffteks\u00ad", "teks"),  # zero-width and soft hyphen
        ("abc\u202edcba", "abcdcba"),  # no bidirectional override
        ("\u3164\u2800\u115f\u1160\uffa0isi", "isi"),  # blanks that pad past a length check
        ("  spasi  \n", "spasi"),
    ],
)
def test_text_is_normalised(raw, stored):
    assert normalise(raw) == stored


@pytest.mark.parametrize(
    "emoji",
    ["👩\u200d💻", "👨\u200d👩\u200d👧", "🏳\ufe0f\u200d🌈", "👩🏽\u200d🚒"],
)
def test_a_joiner_inside_an_emoji_sequence_stays(emoji):
    assert normalise(f"lihat {emoji} ini") == f"lihat {emoji} ini"


def test_joiners_alone_are_not_text():
    assert normalise("\u200d" * 12) == ""
    assert normalise("a\u200db") == "ab"


@given(st.text())
def test_normalised_text_has_no_control_or_format_characters_and_is_stable(raw):
    got = normalise(raw)
    assert normalise(got) == got
    for i, ch in enumerate(got):
        category = unicodedata.category(ch)
        if category in ("Cc", "Cf"):
            assert ch == "\n" or (ch == "\u200d" and 0 < i < len(got) - 1), repr(got)
    assert unicodedata.is_normalized("NFC", got)


# -- masking: every Indonesian phone and NIK form ---------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
separators = st.sampled_from(["", " ", "-", ".", " - ", "\u00a0"])


@st.composite
def grouped(draw: st.DrawFn, number: str) -> str:
    """``number`` split into groups of 2-5 digits by one separator style."""
    sep = draw(separators)
    groups, i = [], 0
    while i < len(number):
        size = draw(st.integers(3, 5)) if len(number) - i > 5 else len(number) - i
        groups.append(number[i : i + size])
        i += size
    return sep.join(groups)


@st.composite
def mobile_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, its subscriber digits): 08xx…, +62 8xx…, 62-8xx…, (+62) 8xx…"""
    operator = "8" + draw(st.text(alphabet="123456789", min_size=2, max_size=2))
    rest = draw(st.text(alphabet="0123456789", min_size=6, max_size=9))
    sep = draw(separators)
    prefix = draw(
        st.sampled_from(
            ["0", "(0", "+62", "+62 ", "+62-", "62", "62 ", "(+62) ", "(+62)", "0062 ", "+62 0"]
        )
    )
    head = f"{prefix}{operator})" if prefix == "(0" else f"{prefix}{operator}"
    body = draw(grouped(rest))
    return f"{head}{sep}{body}", rest


@st.composite
def landline_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """(as written, its subscriber digits): (0434) 21234, 021-5551234, +62 434 21234 …"""
    area = draw(st.sampled_from(["21", "22", "31", "61", "274", "361", "411", "431", "434", "751"]))
    subscriber = draw(st.text(alphabet="0123456789", min_size=5, max_size=8))
    style = draw(st.sampled_from(["({0}{1}) ", "({0}{1})", "{0}{1}-", "{0}{1} ", "{0}{1}"]))
    trunk = draw(st.sampled_from(["0", "+62 ", "+62-", "(+62) "]))
    if trunk != "0" and style.startswith("("):
        style = style.replace("(", "").replace(") ", " ").replace(")", " ")
    written = style.format(trunk, area) + draw(grouped(subscriber))
    return written, subscriber


@st.composite
def nik_numbers(draw: st.DrawFn) -> tuple[str, str]:
    """A 16-digit NIK: province, regency, district, birth date, serial; written whole or
    grouped."""
    nik = f"{draw(st.integers(11, 94))}" + draw(
        st.text(alphabet="0123456789", min_size=14, max_size=14)
    )
    written = draw(st.sampled_from([nik, " ".join(re.findall("....", nik)), draw(grouped(nik))]))
    return written, nik


words = st.lists(
    st.sampled_from(
        ["hubungi", "saya", "di", "nomor", "WA", "telp.", "HP:", "NIK", "Pak", "RT", "ya", "(", ")"]
    ),
    max_size=4,
).map(" ".join)


@given(
    contact=st.one_of(mobile_numbers(), landline_numbers(), nik_numbers()),
    before=words,
    after=words,
    glue=st.sampled_from([" ", ": ", " (", "\n", ", ", ""]),
)
@example(contact=("+62 812-3456-7890", "34567890"), before="", after="", glue=" ")
@example(contact=("+62-812-3456-7890", "34567890"), before="", after="", glue=" ")
@example(contact=("(0434) 21234", "21234"), before="", after="", glue=" ")
@example(contact=("7174012345670001", "7174012345670001"), before="", after="", glue=" ")
def test_every_phone_and_nik_form_is_masked(contact, before, after, glue):
    written, secret = contact
    text = f"{before}{glue}{written}{glue.strip(' (')} {after}"

    masked = mask_contacts(text)

    assert written not in masked, masked
    assert secret not in re.sub(r"\D", "", masked), masked
    assert PHONE_MASK in masked or NIK_MASK in masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Hubungi +62 812-3456-7890 ya", f"Hubungi {PHONE_MASK} ya"),
        ("WA: +62-812-3456-7890.", f"WA: {PHONE_MASK}."),
        ("Kantor (0434) 21234, Pak Budi", f"Kantor {PHONE_MASK}, Pak Budi"),
        ("NIK 7174012345670001 atas nama", f"NIK {NIK_MASK} atas nama"),
        ("hp 081234567890 / 0812.3456.7890", f"hp {PHONE_MASK} / {PHONE_MASK}"),
        ("telp. 0812 - 3456 - 7890 (Budi)", f"telp. {PHONE_MASK} (Budi)"),
        ("wa.me/6281234567890 atau a.b@c.id", f"wa.me/{PHONE_MASK} atau {EMAIL_MASK}"),
        ("HP081234567890, NIK7174012345670001", f"HP{PHONE_MASK}, NIK{NIK_MASK}"),
    ],
)
def test_examples_of_masking(text, masked):
    assert mask_contacts(text) == masked


# -- and ordinary text stays as written -------------------------------------------------------


@st.composite
def ordinary_numbers(draw: st.DrawFn) -> str:
    day, month = draw(st.integers(1, 31)), draw(st.integers(1, 12))
    year = draw(st.integers(1990, 2030))
    amount = draw(st.integers(1, 999_999_999))
    hour, minute = draw(st.integers(0, 23)), draw(st.integers(0, 59))
    code = draw(st.text(alphabet="0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=6, max_size=6))
    sep = draw(st.sampled_from(["/", "-", "."]))
    return draw(
        st.sampled_from(
            [
                f"{day:02d}{sep}{month:02d}{sep}{year}",
                f"{day}{sep}{month}{sep}{year}",
                f"{year}-{month:02d}-{day:02d}",
                f"{day} Desember {year}",
                f"Rp {amount:,}".replace(",", "."),
                f"Rp{amount:,}.00",
                f"Rp {amount:,},-".replace(",", "."),
                f"pukul {hour:02d}.{minute:02d} WITA",
                f"{hour:02d}:{minute:02d}-{(hour + 1) % 24:02d}:{minute:02d}",
                f"{hour:02d}.{minute:02d}-{(hour + 1) % 24:02d}.{minute:02d}",
                f"KTG-{code}",
                f"RT {day:02d}/RW {month:02d}",
                f"no. {amount % 500}",
                f"kode pos {95700 + day}",
                f"DB {amount % 9000 + 1000} AB",
                f"{amount % 100} meter, {day} lubang",
            ]
        )
    )


@given(st.lists(ordinary_numbers(), min_size=1, max_size=4))
def test_dates_amounts_times_and_codes_are_not_masked(items):
    text = "Laporan: " + ", ".join(items) + "."
    assert mask_contacts(text) == text
