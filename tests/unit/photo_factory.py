"""JPEGs with EXIF GPS at a chosen point, made in code (for the verdict and CLI tests).

The byte-level EXIF writer lives in ``tests/unit/photo/photo_factory.py`` (the photo reading
tests use it directly); this module builds on it: a signed decimal point becomes the GPS IFD a
real camera would write, in one of the rational forms cameras use:

``dms_int``          integer degrees, minutes, seconds (old phones; ~31 m steps)
``dms_centi``        integer degrees and minutes, seconds x100 / 100 (most phones; ~0.3 m)
``decimal_minutes``  integer degrees, minutes mmmm/100, seconds 0/1 (Nikon DSLRs; ~18 m)
``e8``               integer degrees and minutes, seconds with a 1e8 denominator (Coolpix)
``pow24``            each of degrees, minutes, seconds over 2^24 (Olympus)

Southern latitudes and western longitudes are written with the S and W refs.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Literal

from tests.unit.photo.photo_factory import (
    Dms,
    Entry,
    exif_with,
    gps_entries,
    photo,
    time_entries,
)

Form = Literal["dms_int", "dms_centi", "decimal_minutes", "e8", "pow24"]
FORMS: tuple[Form, ...] = ("dms_int", "dms_centi", "decimal_minutes", "e8", "pow24")
# The largest error (degrees) each form's rounding can add to one coordinate.
FORM_STEP_DEG: dict[Form, float] = {
    "dms_int": 0.5 / 3600,
    "dms_centi": 0.005 / 3600,
    "decimal_minutes": 0.005 / 60,
    "e8": 1e-8 / 3600,
    "pow24": 3 / 2**24,
}
_U32 = 2**32


def dms(value: float, form: Form) -> Dms:
    """An unsigned decimal degree value as three EXIF rationals in ``form``."""
    if value < 0:
        raise ValueError("dms() takes the absolute value; the sign goes in the ref")
    degrees = math.floor(value)
    minutes_f = (value - degrees) * 60
    minutes = math.floor(minutes_f)
    seconds = (minutes_f - minutes) * 60
    result: Dms
    if form == "dms_int":
        d, m, s = degrees, minutes, round(seconds)
        if s == 60:
            m, s = m + 1, 0
        if m == 60:
            d, m = d + 1, 0
        result = ((d, 1), (m, 1), (s, 1))
    elif form == "dms_centi":
        result = ((degrees, 1), (minutes, 1), (min(round(seconds * 100), 5999), 100))
    elif form == "decimal_minutes":
        result = ((degrees, 1), (min(round(minutes_f * 100), 5999), 100), (0, 1))
    elif form == "e8":
        result = ((degrees, 1), (minutes, 1), (round(seconds * 1e8), 10**8))
    else:
        scale = 2**24
        result = (
            (degrees * scale, scale),
            (minutes * scale, scale),
            (round(seconds * scale), scale),
        )
    if any(num >= _U32 for num, _ in result):
        raise ValueError(f"{value} does not fit the {form} form (a numerator >= 2^32)")
    return result


def gps_photo(
    lat: float,
    lon: float,
    *,
    form: Form = "dms_centi",
    taken_at: datetime | None = None,
    alt_m: float | None = None,
) -> bytes:
    """A small JPEG whose EXIF GPS says (lat, lon); ``taken_at`` (aware) becomes
    DateTimeOriginal with its OffsetTimeOriginal. No time is written when it is None."""
    gps = gps_entries(
        lat=dms(abs(lat), form),
        lat_ref="S" if lat < 0 else "N",
        lon=dms(abs(lon), form),
        lon_ref="W" if lon < 0 else "E",
        alt=None if alt_m is None else (round(abs(alt_m) * 100), 100),
        alt_ref=None if alt_m is None else int(alt_m < 0),
    )
    return photo(exif_with(gps=gps, taken=_taken(taken_at)))


def no_gps_photo(*, taken_at: datetime | None = None) -> bytes:
    """A small JPEG with EXIF but no GPS IFD."""
    return photo(exif_with(taken=_taken(taken_at)))


def _taken(taken_at: datetime | None) -> list[Entry] | None:
    if taken_at is None:
        return None
    offset = taken_at.utcoffset()
    if offset is None:
        raise ValueError("taken_at must be timezone-aware")
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    text = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return time_entries(taken_at.strftime("%Y:%m:%d %H:%M:%S"), text)
