"""Text a citizen typed: normalised before it is measured or stored, and contact details masked
before anyone else reads it.

Normalising: NFC; CR LF, CR, U+2028 and U+2029 become a newline and a tab a space; terminal escape
sequences (CSI, OSC) go whole; every other control (Cc) and format (Cf) character goes, except a
zero-width joiner inside an emoji sequence (👩‍💻), which is part of the picture; the Hangul and
braille blanks (letters that draw nothing) go too. Lone surrogates are refused by the parser
before text gets here (they cannot be stored as UTF-8).

Masking: every way Indonesians write a phone number (mobile 08…, +62 8…, 62 8…, landlines with
an area code in brackets or not, +62 landlines) and the 16-digit NIK, with spaces, dots or
hyphens (alone or spaced: ``0812 - 3456``) between digit groups, and e-mail addresses. Dates,
amounts, times, postcodes, tracking codes and house numbers are left as written (see
tests/unit/api/test_text.py).
"""

from __future__ import annotations

import re
import unicodedata

_NEWLINES = re.compile(r"\r\n?|[\u2028\u2029\x85]")
# ECMA-48 control sequences (ESC [ … final, or the 8-bit CSI) and operating-system commands.
_TERMINAL_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]"
)
_ZWJ = "\u200d"
# Letters and symbols that draw nothing, used to pad text past a length check: removed too.
_BLANK_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_EMOJI_BEFORE_ZWJ = {"So", "Sk", "Mn", "Me"}  # a pictograph, its skin tone or variation selector


def normalise(text: str) -> str:
    """The text as it is measured, stored and shown; trimmed of surrounding whitespace."""
    text = unicodedata.normalize("NFC", text)
    text = _NEWLINES.sub("\n", text).replace("\t", " ")
    text = _TERMINAL_ESCAPES.sub("", text)
    kept: list[str] = []
    for i, ch in enumerate(text):
        if ch in _BLANK_FILLERS:
            continue
        if (
            ch == "\n"
            or unicodedata.category(ch) not in ("Cc", "Cf")
            or _joins_emoji(kept, text, i)
        ):
            kept.append(ch)
    return "".join(kept).strip()


def _joins_emoji(kept: list[str], text: str, i: int) -> bool:
    """Whether ``text[i]`` is a zero-width joiner between two parts of one emoji."""
    return (
        text[i] == _ZWJ
        and bool(kept)
        and unicodedata.category(kept[-1]) in _EMOJI_BEFORE_ZWJ
        and i + 1 < len(text)
        and unicodedata.category(text[i + 1]) == "So"
    )


def has_lone_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# -- masking ------------------------------------------------------------------------------------

# Between two digits: nothing, a space, or "-"/"." with optional spaces around ("0812 - 3456").
# One way only to match each separator: an ambiguous one backtracks exponentially (a 2,000-
# character description of "1 1 1 … x" took 1.2 s to mask; now well under a millisecond).
_SEP = r"(?:[ \u00a0]?[.\-][ \u00a0]?|[ \u00a0])?"
_START = r"(?<![\d+])"  # not inside a longer number ("HP081234567890" is still a phone)
# +62, 0062, (+62), 62 — then optionally a stray trunk 0 ("+62 0812…", "+62 (0)812…")
_INTL = rf"(?:\(\+?62\)|(?:\+|00)62){_SEP}(?:\(0\){_SEP}|0)?"
_MOBILE = re.compile(rf"{_START}(?:{_INTL}|62{_SEP}|\(0|0)\(?8\d\d\)?(?:{_SEP}\d){{6,9}}(?!\d)")
# Landline: area code 2-4 digits (not starting with 0, 1 or 8), then 5-8 digits.
_LANDLINE = re.compile(
    rf"{_START}(?:{_INTL}\(?|\(0|0)[2-79]\d{{1,3}}\)?{_SEP}\d(?:{_SEP}\d){{4,7}}(?!\d)"
)
_NIK = re.compile(rf"{_START}\d(?:{_SEP}\d){{15}}(?!\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+\.[\w.-]+")  # starts where a run starts: linear

PHONE_MASK = "[telepon]"
NIK_MASK = "[NIK]"
EMAIL_MASK = "[email]"


def mask_contacts(text: str) -> str:
    """``text`` with phone numbers, NIK numbers and e-mail addresses replaced by a marker."""
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _NIK.sub(NIK_MASK, text)
    text = _MOBILE.sub(PHONE_MASK, text)
    return _LANDLINE.sub(PHONE_MASK, text)
