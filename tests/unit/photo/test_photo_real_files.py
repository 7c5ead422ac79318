"""read_photo and derive_public_images against real camera files and their exiftool oracle."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from sikemas.photo import derive_public_images, read_photo
from tests.unit.photo.photo_factory import APP1_TO_APP15, COM, jpeg_segments

DEGREES_TOLERANCE = 1e-6
METRES_TOLERANCE = 1e-6
# exiftool prints EXIF DateTimeOriginal as "YYYY:MM:DD HH:MM:SS[.sss]". A value with a zone
# ("...+00:00") was composed from IPTC/XMP, which read_photo deliberately ignores (s25).
EXIF_DATETIME = re.compile(r"^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?$")
GPS_DATETIME = re.compile(r"^(\d{4}):(\d\d):(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?Z$")


def _read(photos_dir: Path, entry: dict[str, Any], city_tz: ZoneInfo) -> Any:
    return read_photo((photos_dir / entry["file"]).read_bytes(), city_tz)


def _wall_clock(match: re.Match[str]) -> datetime:
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - compared naive


def test_type_size_and_orientation_match_the_file(
    real_photo_entry: dict[str, Any], photos_dir: Path, city_tz: ZoneInfo
) -> None:
    # Given a real camera file
    entry = real_photo_entry
    # When it is read
    facts = _read(photos_dir, entry, city_tz)
    # Then its real type, stored size and EXIF orientation are those the oracle saw
    expected_type = "heic" if entry["file"].endswith(".heic") else "jpeg"
    assert facts.type == expected_type
    assert facts.image_error is None
    if expected_type == "jpeg":
        decoded = re.match(r"ok (\d+)x(\d+)", entry["derived"]["pillow_decode"])
        assert decoded is not None
        assert (facts.width, facts.height) == (int(decoded[1]), int(decoded[2]))
        assert facts.orientation == entry["oracle"]["values"].get("Orientation", 1)
    else:  # pillow-heif applies HEIF's own rotation: sizes are upright, orientation 1
        assert facts.width is not None
        assert facts.height is not None
        assert facts.orientation == 1


def test_gps_matches_the_exiftool_oracle(
    real_photo_entry: dict[str, Any], photos_dir: Path, city_tz: ZoneInfo
) -> None:
    # Given a real file and what exiftool read from its EXIF GPS IFD
    entry = real_photo_entry
    values = entry["oracle"]["values"]
    numeric = entry["derived"]["exif_gps_ifd_has_numeric_lat_lon"]
    # When it is read
    facts = _read(photos_dir, entry, city_tz)
    # Then the fix agrees with the oracle, or the refusal is the right one
    if numeric and values["GPSLatitude"] == 0 and values["GPSLongitude"] == 0:
        assert (facts.gps, facts.gps_error) == (None, "gps_no_fix")
    elif numeric:
        assert facts.gps_error is None
        assert facts.gps is not None
        assert facts.gps.lat == pytest.approx(values["GPSLatitude"], abs=DEGREES_TOLERANCE)
        assert facts.gps.lon == pytest.approx(values["GPSLongitude"], abs=DEGREES_TOLERANCE)
        # and the altitude is exiftool's (signed: below sea level negative), None when absent
        if isinstance(entry["oracle"]["gps_tags_by_group"].get("GPS:GPSAltitude"), int | float):
            assert facts.gps.alt == pytest.approx(values["GPSAltitude"], abs=METRES_TOLERANCE)
        else:
            assert facts.gps.alt is None
    elif values.get("GPSLatitude") == "":  # the tag exists but holds no number (0/0)
        assert (facts.gps, facts.gps_error) == (None, "gps_malformed")
    else:
        assert (facts.gps, facts.gps_error) == (None, "no_gps")


def test_time_taken_matches_the_exiftool_oracle(
    real_photo_entry: dict[str, Any], photos_dir: Path, city_tz: ZoneInfo
) -> None:
    # Given a real file, exiftool's EXIF DateTimeOriginal and its GPS date/time (UTC)
    entry = real_photo_entry
    original = EXIF_DATETIME.match(str(entry["oracle"]["values"].get("DateTimeOriginal", "")))
    gps_time = GPS_DATETIME.match(
        str(entry["oracle"]["gps_tags_by_group"].get("Composite:GPSDateTime", ""))
    )
    # When it is read
    facts = _read(photos_dir, entry, city_tz)
    # Then the time comes from the best source present, with the oracle's value
    if facts.taken_at_source in ("exif_offset", "exif_local"):
        assert original is not None
        assert facts.taken_at.replace(tzinfo=None) == _wall_clock(original)
        if facts.taken_at_source == "exif_local":
            assert gps_time is None, "a GPS time in UTC beats a bare local time"
            assert facts.taken_at.tzinfo is city_tz
    elif facts.taken_at_source == "gps_utc":
        assert gps_time is not None
        assert facts.taken_at == _wall_clock(gps_time).replace(tzinfo=UTC)
    else:
        assert facts.taken_at is None
        assert original is None
        assert gps_time is None


def test_public_copy_is_upright_small_and_bare(
    real_photo_entry: dict[str, Any], photos_dir: Path, city_tz: ZoneInfo
) -> None:
    # Given a real file (GPS, EXIF, ICC and maker notes inside)
    data = (photos_dir / real_photo_entry["file"]).read_bytes()
    facts = read_photo(data, city_tz)
    assert facts.width is not None
    assert facts.height is not None
    # When the public copy is made
    derived = derive_public_images(data)
    # Then it is a JPEG with no metadata segment at all, upright and within 1600 px
    for output in (derived.public, derived.thumbnail):
        markers = jpeg_segments(output)
        assert not APP1_TO_APP15.intersection(markers)
        assert COM not in markers
    turned = facts.orientation in (5, 6, 7, 8)
    upright = (facts.height, facts.width) if turned else (facts.width, facts.height)
    scale = min(1.0, 1600 / max(upright))
    assert (derived.width, derived.height) == (
        max(1, round(upright[0] * scale)),
        max(1, round(upright[1] * scale)),
    )
    with Image.open(io.BytesIO(derived.public)) as public:
        assert public.size == (derived.width, derived.height)
        assert not public.getexif()
    with Image.open(io.BytesIO(derived.thumbnail)) as thumb:
        assert max(thumb.size) <= 320
