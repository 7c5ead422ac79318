"""Photos as a phone camera writes them: a GPS fix in degrees, minutes and seconds×100, and
DateTimeOriginal with its offset. Used by the integration and e2e tests."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.unit.photo.photo_factory import exif_with, gps_entries, photo, time_entries

WITA = ZoneInfo("Asia/Makassar")
# Inside Kota Kotamobagu (both the shipped outline and the official boundary): near the centre.
INSIDE = (0.7240, 124.3190)
MANADO = (1.4748, 124.8421)


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    centiseconds = round((minutes_full - minutes) * 60 * 100)
    return ((degrees, 1), (minutes, 1), (centiseconds, 100))


def camera_photo(
    point: tuple[float, float] | None, taken: datetime, *, size: tuple[int, int] = (800, 600)
) -> bytes:
    """A JPEG (over 1 KB) taken at ``point`` (None: no GPS block) at ``taken``."""
    lat, lon = point if point else (0.0, 0.0)
    gps = (
        gps_entries(
            lat=_dms(lat),
            lat_ref="N" if lat >= 0 else "S",
            lon=_dms(lon),
            lon_ref="E" if lon >= 0 else "W",
        )
        if point
        else None
    )
    local = taken.astimezone(WITA)
    taken_entries = time_entries(local.strftime("%Y:%m:%d %H:%M:%S"), "+08:00")
    return photo(exif_with(gps=gps, taken=taken_entries), size=size, quality=90)
