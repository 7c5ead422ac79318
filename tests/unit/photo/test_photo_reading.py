"""read_photo on photos made in code: every rational form, every refusal, every image type."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageFile

from sikemas.photo import GpsFix, PhotoFacts, read_photo
from tests.unit.photo.photo_factory import (
    Dms,
    build_exif,
    encode,
    exif_with,
    gps_entries,
    photo,
    png_chunk,
    png_header_only,
    quadrants,
    time_entries,
)

REPO = Path(__file__).resolve().parents[3]
# Kotamobagu, written the way a phone writes it: 0°44'1.2" N, 124°18'54" E.
KOTAMOBAGU_LAT: Dms = ((0, 1), (44, 1), (120, 100))
KOTAMOBAGU_LON: Dms = ((124, 1), (18, 1), (5400, 100))


def _gps_photo(**gps: object) -> bytes:
    return photo(exif_with(gps=gps_entries(**gps)))  # type: ignore[arg-type]


def _fix(city_tz: ZoneInfo, **gps: object) -> PhotoFacts:
    return read_photo(_gps_photo(**gps), city_tz)


# --------------------------------------------------------------------------------------------
# Coordinates in the rational forms cameras write


@pytest.mark.parametrize(
    ("lat", "lat_ref", "lon", "lon_ref", "expected"),
    [
        pytest.param(
            ((12, 1), (30, 1), (3600, 100)),
            "N",
            ((124, 1), (18, 1), (5400, 100)),
            "E",
            (12.51, 124.315),
            id="dms-seconds-x100",
        ),
        pytest.param(
            ((12, 1), (3060, 100), (0, 1)),
            "S",
            ((124, 1), (1890, 100), (0, 1)),
            "W",
            (-12.51, -124.315),
            id="decimal-minutes-S-W",
        ),
        pytest.param(
            ((12, 1), (30, 1), (3600000000, 100000000)),
            "N",
            ((124, 1), (18, 1), (2814000000, 100000000)),
            "W",
            (12.51, -(124 + 18 / 60 + 28.14 / 3600)),
            id="1e8-denominators",
        ),
        pytest.param(
            ((12 << 24, 1 << 24), (30 << 24, 1 << 24), (36 << 24, 1 << 24)),
            "S",
            ((124 << 24, 1 << 24), (18 << 27, 1 << 27), (54 << 24, 1 << 24)),
            "E",
            (-12.51, 124.315),
            id="2pow24-and-2pow27-denominators",
        ),
        pytest.param(
            ((38, 1), (53, 1), (30869, 1242)),
            "N",
            ((77, 1), (2, 1), (39595, 689)),
            "W",
            (38 + 53 / 60 + 30869 / 1242 / 3600, -(77 + 2 / 60 + 39595 / 689 / 3600)),
            id="odd-denominators",
        ),
        pytest.param(
            ((1251, 100), (0, 1), (0, 1)),
            "N",
            ((124315, 1000), (0, 1), (0, 1)),
            "E",
            (12.51, 124.315),
            id="decimal-degrees-in-first-component",
        ),
        pytest.param(
            ((0, 1), (30, 1), (0, 1)),
            "S",
            ((0, 1), (30, 1), (2701, 100)),
            "W",
            (-0.5, -(0.5 + 27.01 / 3600)),
            id="zero-degrees-sign-from-ref-only",
        ),
        pytest.param(
            ((90, 1), (0, 1), (0, 1)),
            "N",
            ((180, 1), (0, 1), (0, 1)),
            "W",
            (90.0, -180.0),
            id="pole-and-antimeridian-are-valid",
        ),
    ],
)
def test_coordinates_in_camera_rational_forms(
    city_tz: ZoneInfo,
    lat: Dms,
    lat_ref: str,
    lon: Dms,
    lon_ref: str,
    expected: tuple[float, float],
) -> None:
    # Given a photo whose GPS IFD holds the coordinates in one camera's encoding
    # When it is read
    facts = _fix(city_tz, lat=lat, lat_ref=lat_ref, lon=lon, lon_ref=lon_ref)
    # Then the signed decimal degrees are exact to 1e-9
    assert facts.gps_error is None
    assert facts.gps is not None
    assert facts.gps.lat == pytest.approx(expected[0], abs=1e-9)
    assert facts.gps.lon == pytest.approx(expected[1], abs=1e-9)


def test_lowercase_and_nul_padded_refs_are_read(city_tz: ZoneInfo) -> None:
    # Given refs a sloppy writer pads with NULs / lowercases (unambiguous, so accepted)
    facts = _fix(city_tz, lat=KOTAMOBAGU_LAT, lat_ref="s\x00", lon=KOTAMOBAGU_LON, lon_ref=b"W\x00")
    # Then the hemisphere still decides the sign
    assert facts.gps is not None
    assert facts.gps.lat < 0
    assert facts.gps.lon < 0


# --------------------------------------------------------------------------------------------
# Refuse, never guess

GOOD = {"lat": KOTAMOBAGU_LAT, "lat_ref": "N", "lon": KOTAMOBAGU_LON, "lon_ref": "E"}


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param({"lat": ((0, 0), (44, 1), (120, 100))}, id="zero-denominator-degrees"),
        pytest.param({"lon": ((124, 1), (18, 0), (5400, 100))}, id="zero-denominator-minutes"),
        pytest.param({"lat": ((0, 1), (44, 1), (120, 0))}, id="zero-denominator-seconds"),
        pytest.param(
            {"lat": ((0, 0), (0, 0), (0, 0)), "lon": ((0, 0), (0, 0), (0, 0))},
            id="all-0/0-like-s26",
        ),
        pytest.param({"lat_ref": "X"}, id="lat-ref-X"),
        pytest.param({"lon_ref": "N"}, id="lon-ref-from-the-wrong-axis"),
        pytest.param({"lat_ref": None}, id="missing-lat-ref"),
        pytest.param({"lon_ref": None}, id="missing-lon-ref"),
        pytest.param({"lat_ref": "\x00", "lon_ref": "\x00"}, id="nul-refs"),
        pytest.param({"lat": ((0, 1), (60, 1), (0, 1))}, id="minutes-60"),
        pytest.param({"lon": ((124, 1), (18, 1), (6000, 100))}, id="seconds-60"),
        pytest.param({"lat": ((91, 1), (0, 1), (0, 1))}, id="lat-91"),
        pytest.param({"lat": ((90, 1), (0, 1), (1, 100))}, id="lat-just-over-90"),
        pytest.param({"lon": ((181, 1), (0, 1), (0, 1))}, id="lon-181"),
        pytest.param({"lat": ((0, 1), (44, 1))}, id="two-components"),
        pytest.param({"lon": ((124315, 1000),)}, id="one-component"),
        pytest.param({"lat": ((0, 1), (44, 1), (1, 1), (0, 1))}, id="four-components"),
        pytest.param({"lon": None}, id="latitude-without-longitude"),
    ],
)
def test_malformed_gps_is_refused(city_tz: ZoneInfo, broken: dict[str, object]) -> None:
    # Given a GPS IFD with one defect
    facts = _fix(city_tz, **{**GOOD, **broken})
    # Then it is refused as malformed, with no coordinates guessed
    assert (facts.gps, facts.gps_error) == (None, "gps_malformed")
    assert facts.image_error is None


def test_null_island_is_no_fix(city_tz: ZoneInfo) -> None:
    # Given a GPS IFD holding exactly 0,0 (a phone without a fix)
    zero = ((0, 1), (0, 1), (0, 1))
    facts = _fix(city_tz, lat=zero, lat_ref="N", lon=zero, lon_ref="E")
    # Then there is no fix
    assert (facts.gps, facts.gps_error) == (None, "gps_no_fix")


def test_zero_latitude_alone_is_a_real_fix(city_tz: ZoneInfo) -> None:
    # Given a point on the equator (only latitude 0)
    zero = ((0, 1), (0, 1), (0, 1))
    facts = _fix(city_tz, lat=zero, lat_ref="N", lon=KOTAMOBAGU_LON, lon_ref="E")
    # Then it is a fix
    assert facts.gps == GpsFix(lat=0.0, lon=124.315, alt=None)


@pytest.mark.parametrize(
    "exif",
    [
        pytest.param(None, id="no-exif"),
        pytest.param(exif_with(orientation=1), id="exif-without-gps-ifd"),
        pytest.param(build_exif(ifd0=[], gps_ifd=[]), id="empty-gps-ifd"),
        pytest.param(
            exif_with(gps=gps_entries(alt=(12, 1), date="2024:01:01")), id="gps-ifd-no-lat-lon"
        ),
    ],
)
def test_missing_gps_is_no_gps(city_tz: ZoneInfo, exif: bytes | None) -> None:
    # Given a photo without usable GPS tags
    facts = read_photo(photo(exif), city_tz)
    # Then GPS is missing (the category's policy decides), not malformed
    assert (facts.gps, facts.gps_error) == (None, "no_gps")
    assert facts.image_error is None


# --------------------------------------------------------------------------------------------
# Altitude: only lat/lon decide


@pytest.mark.parametrize(
    ("alt", "alt_ref", "expected"),
    [
        pytest.param((3983, 1000), 1, -3.983, id="below-sea-level"),
        pytest.param((105532, 165), 0, 105532 / 165, id="odd-denominator-above"),
        pytest.param((19600000, 10000), None, 1960.0, id="no-ref-means-above"),
        pytest.param((0, 1), 1, 0.0, id="zero-below-is-zero"),
        pytest.param((12, 0), 0, None, id="zero-denominator"),
        pytest.param((0, 0), 0, None, id="0/0"),
        pytest.param((12, 1), 7, None, id="invalid-ref"),
        pytest.param(None, 1, None, id="ref-without-altitude"),
    ],
)
def test_altitude(
    city_tz: ZoneInfo,
    alt: tuple[int, int] | None,
    alt_ref: int | None,
    expected: float | None,
) -> None:
    # Given a good fix with this altitude
    facts = _fix(city_tz, **GOOD, alt=alt, alt_ref=alt_ref)
    # Then the fix is kept and a bad altitude becomes None
    assert facts.gps is not None
    assert facts.gps_error is None
    if expected is None:
        assert facts.gps.alt is None
    else:
        assert facts.gps.alt == pytest.approx(expected, abs=1e-9)


# --------------------------------------------------------------------------------------------
# Time taken: offset > GPS (UTC) > local in the city's zone

GPS_TIME = {"date": "2024:05:01", "time": ((1, 1), (2, 1), (3, 1))}  # 01:02:03Z


def _timed(
    city_tz: ZoneInfo, original: str | None, offset: str | None, **gps: object
) -> PhotoFacts:
    gps_ifd = gps_entries(**GOOD, **gps)  # type: ignore[arg-type]
    exif = exif_with(gps=gps_ifd, taken=time_entries(original, offset))
    return read_photo(photo(exif), city_tz)


def test_offset_time_beats_gps_time(city_tz: ZoneInfo) -> None:
    facts = _timed(city_tz, "2024:05:01 09:02:00", "+07:00", **GPS_TIME)
    assert facts.taken_at_source == "exif_offset"
    assert facts.taken_at == datetime(2024, 5, 1, 9, 2, tzinfo=timezone(timedelta(hours=7)))


def test_negative_offset(city_tz: ZoneInfo) -> None:
    facts = _timed(city_tz, "2021:04:11 15:47:53", "-05:00")
    assert facts.taken_at == datetime(2021, 4, 11, 20, 47, 53, tzinfo=UTC)


def test_gps_time_beats_local_time(city_tz: ZoneInfo) -> None:
    facts = _timed(city_tz, "2024:05:01 09:02:00", None, **GPS_TIME)
    assert facts.taken_at_source == "gps_utc"
    assert facts.taken_at == datetime(2024, 5, 1, 1, 2, 3, tzinfo=UTC)


def test_gps_time_subseconds_are_dropped(city_tz: ZoneInfo) -> None:
    facts = _timed(city_tz, None, None, date="2015:04:10", time=((18, 1), (12, 1), (2206, 100)))
    assert facts.taken_at == datetime(2015, 4, 10, 18, 12, 22, tzinfo=UTC)


def test_local_time_is_read_in_the_city_zone(city_tz: ZoneInfo) -> None:
    facts = _timed(city_tz, "2024:05:01 09:02:00.123", None)
    assert facts.taken_at_source == "exif_local"
    assert facts.taken_at == datetime(2024, 5, 1, 9, 2, tzinfo=city_tz)
    assert facts.taken_at.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    ("original", "offset", "gps", "expected_source"),
    [
        pytest.param("0000:00:00 00:00:00", "+08:00", {}, None, id="zero-date-is-absent"),
        pytest.param("    :  :     :  :  ", None, {}, None, id="blank-date-is-absent"),
        pytest.param("2024:13:01 09:00:00", None, GPS_TIME, "gps_utc", id="month-13-falls-to-gps"),
        pytest.param("2024:05:01 09:02:00", "+25:00", GPS_TIME, "gps_utc", id="bad-offset"),
        pytest.param("2024:05:01 09:02:00", "garbage", {}, "exif_local", id="garbage-offset"),
        pytest.param(
            "2024:05:01 09:02:00",
            None,
            {"date": "2024:05:01", "time": ((0, 0), (0, 0), (0, 0))},
            "exif_local",
            id="gps-time-0/0",
        ),
        pytest.param(
            None,
            None,
            {"date": "\x00" * 10, "time": ((1, 1), (2, 1), (3, 1))},
            None,
            id="gps-date-nuls",
        ),
        pytest.param(
            None,
            None,
            {"date": "2024:05:01", "time": ((24, 1), (0, 1), (0, 1))},
            None,
            id="gps-hour-24",
        ),
    ],
)
def test_invalid_times_are_absent(
    city_tz: ZoneInfo,
    original: str | None,
    offset: str | None,
    gps: dict[str, object],
    expected_source: str | None,
) -> None:
    facts = _timed(city_tz, original, offset, **gps)
    assert facts.taken_at_source == expected_source
    assert (facts.taken_at is None) == (expected_source is None)
    if facts.taken_at is not None:
        assert facts.taken_at.tzinfo is not None


# --------------------------------------------------------------------------------------------
# Image types and limits

FULL_EXIF = exif_with(
    gps=gps_entries(**GOOD, alt=(300, 1), alt_ref=0),  # type: ignore[arg-type]
    taken=time_entries("2024:05:01 09:02:00", "+08:00"),
    orientation=6,
)


@pytest.mark.parametrize(("fmt", "kind"), [("JPEG", "jpeg"), ("PNG", "png")])
def test_jpeg_and_png_with_exif(city_tz: ZoneInfo, fmt: str, kind: str) -> None:
    # Given a JPEG or PNG carrying EXIF (PNG: an eXIf chunk)
    facts = read_photo(photo(FULL_EXIF, fmt=fmt, size=(64, 32)), city_tz)
    # Then type, stored size, orientation, fix and time are read
    assert (facts.type, facts.width, facts.height, facts.orientation) == (kind, 64, 32, 6)
    assert facts.image_error is None
    assert facts.gps == GpsFix(lat=pytest.approx(0.73366667), lon=124.315, alt=300.0)  # type: ignore[arg-type]
    assert facts.taken_at_source == "exif_offset"


def test_png_without_exif(city_tz: ZoneInfo) -> None:
    facts = read_photo(photo(fmt="PNG"), city_tz)
    assert (facts.type, facts.image_error, facts.gps_error) == ("png", None, "no_gps")
    assert facts.orientation == 1


def _png_with_exif_after_idat() -> bytes:
    plain = photo(fmt="PNG")
    iend = plain.rindex(b"IEND") - 4
    return plain[:iend] + png_chunk(b"eXIf", FULL_EXIF[6:]) + plain[iend:]


def test_png_exif_after_the_image_data_is_read(city_tz: ZoneInfo) -> None:
    # Given a PNG whose eXIf chunk comes after IDAT (allowed by the PNG spec)
    data = _png_with_exif_after_idat()
    assert data.index(b"eXIf") > data.index(b"IDAT")
    # Then it is still found
    assert read_photo(data, city_tz).gps is not None


def test_heic_generated_with_pillow_heif(city_tz: ZoneInfo) -> None:
    # Given a HEIC (pillow-heif encodes here) with EXIF GPS and orientation 6
    data = encode(quadrants((64, 32)), "HEIF", exif=FULL_EXIF, quality=60)
    # When it is read
    facts = read_photo(data, city_tz)
    # Then the type and GPS are read; libheif has already turned it upright
    assert facts.type == "heic"
    assert facts.image_error is None
    assert facts.gps is not None
    assert facts.gps.lon == pytest.approx(124.315)
    assert (facts.width, facts.height, facts.orientation) == (32, 64, 1)
    assert facts.taken_at == datetime(2024, 5, 1, 1, 2, tzinfo=UTC)


def test_orientation_out_of_range_reads_as_1(city_tz: ZoneInfo) -> None:
    assert read_photo(photo(exif_with(orientation=9)), city_tz).orientation == 1
    assert read_photo(photo(exif_with(orientation=0)), city_tz).orientation == 1


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "BMP", "TIFF"])
def test_other_image_types_are_unsupported(city_tz: ZoneInfo, fmt: str) -> None:
    facts = read_photo(encode(quadrants(), fmt), city_tz)
    assert (facts.type, facts.image_error) == (None, "unsupported_type")


def test_avif_is_unsupported_even_though_it_shares_heif_brands(city_tz: ZoneInfo) -> None:
    header = b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miafMA1B" + b"\x00" * 64
    assert read_photo(header, city_tz).image_error == "unsupported_type"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(os.urandom(4096), id="random"),
        pytest.param(b"%PDF-1.7\n" + b"x" * 100, id="pdf"),
        pytest.param(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64, id="mp4"),
        pytest.param(b"rubbish.jpg", id="name-says-jpeg"),
    ],
)
def test_unrecognised_content_is_not_an_image(city_tz: ZoneInfo, data: bytes) -> None:
    facts = read_photo(data, city_tz)
    assert (facts.type, facts.image_error, facts.gps_error) == (None, "not_an_image", "no_gps")


def test_an_empty_file_is_refused_as_empty_not_as_too_large(city_tz: ZoneInfo) -> None:
    assert read_photo(b"", city_tz).image_error == "empty_file"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_photo_under_1_kb_is_refused_as_too_small(city_tz: ZoneInfo, fmt: str) -> None:
    small = photo(fmt=fmt, pad_to=0)
    assert len(small) < 1024
    assert read_photo(small, city_tz).image_error == "too_small"
    assert read_photo(photo(fmt=fmt), city_tz).image_error is None  # padded to 1 KB


def test_too_large(city_tz: ZoneInfo) -> None:
    data = photo(FULL_EXIF)
    facts = read_photo(data, city_tz, max_bytes=len(data) - 1)
    assert (facts.type, facts.image_error) == ("jpeg", "too_large")
    assert read_photo(data, city_tz, max_bytes=len(data)).image_error is None


def test_declared_bomb_is_refused_without_allocating(city_tz: ZoneInfo) -> None:
    # Given a PNG header claiming 100000 x 100000 (30 GB of RGB)
    data = png_header_only(100_000, 100_000)
    # When it is read
    started = time.perf_counter()
    facts = read_photo(data, city_tz)
    # Then it is refused at once
    assert (facts.type, facts.image_error) == ("png", "too_many_pixels")
    assert time.perf_counter() - started < 0.5


def test_own_pixel_limit_under_pillows(city_tz: ZoneInfo) -> None:
    # Given 8000 x 7000 = 56 MP (under Pillow's own 89 MP guard, over ours)
    facts = read_photo(png_header_only(8000, 7000), city_tz)
    assert facts.image_error == "too_many_pixels"
    assert (facts.width, facts.height) == (8000, 7000)
    raised = read_photo(png_header_only(8000, 7000), city_tz, max_pixels=60_000_000)
    assert raised.image_error is None


def test_truncated_jpeg_is_corrupt(city_tz: ZoneInfo) -> None:
    data = photo(FULL_EXIF, size=(256, 256))
    facts = read_photo(data[: len(data) * 2 // 3], city_tz)
    assert (facts.type, facts.image_error) == ("jpeg", "corrupt_image")
    assert facts.gps is not None, "the EXIF at the head is still read"


def test_jpeg_cut_inside_the_header_is_too_small(city_tz: ZoneInfo) -> None:
    facts = read_photo(photo(FULL_EXIF)[:40], city_tz)
    assert (facts.type, facts.image_error) == ("jpeg", "too_small")


def test_truncated_png_is_corrupt(city_tz: ZoneInfo) -> None:
    data = photo(fmt="PNG", size=(256, 256))
    assert read_photo(data[:-20], city_tz).image_error == "corrupt_image"


def test_corrupt_exif_offsets_read_as_no_exif(city_tz: ZoneInfo) -> None:
    # Given a GPS pointer that points far past the end of the EXIF block
    exif = bytearray(exif_with(gps=gps_entries(**GOOD)))  # type: ignore[arg-type]
    pointer_at = exif.index(b"\x25\x88\x04\x00\x01\x00\x00\x00") + 8
    exif[pointer_at : pointer_at + 4] = (0x7FFFFFF0).to_bytes(4, "little")
    facts = read_photo(photo(bytes(exif)), city_tz)
    # Then the image is fine and GPS is simply missing
    assert (facts.image_error, facts.gps_error) == (None, "no_gps")


def test_pixels_are_never_decoded(city_tz: ZoneInfo, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given that decoding pixels would fail loudly
    def refuse(self: ImageFile.ImageFile) -> None:
        raise AssertionError("read_photo decoded pixels")

    photos = (
        photo(FULL_EXIF),
        _png_with_exif_after_idat(),
        encode(quadrants((64, 32)), "HEIF", exif=FULL_EXIF, quality=90),
    )
    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)
    # When JPEG, PNG (EXIF after IDAT tempts Pillow to decode) and HEIC are read
    for data in photos:
        facts = read_photo(data, city_tz)
        # Then all facts are there
        assert facts.image_error is None
        assert facts.gps is not None


def test_importing_the_package_is_light_and_heif_is_loaded_only_for_heic(tmp_path: Path) -> None:
    # Given a fresh interpreter
    script = (
        "import sys\n"
        "import sikemas.photo\n"
        "assert 'PIL.Image' not in sys.modules, 'Pillow imported eagerly'\n"
        "from zoneinfo import ZoneInfo\n"
        "from sikemas.photo import read_photo\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "facts = read_photo(data, ZoneInfo('UTC'))\n"
        "assert facts.type == 'jpeg', facts\n"
        "assert 'pillow_heif' not in sys.modules, 'pillow-heif imported for a JPEG'\n"
    )
    path = tmp_path / "photo.jpg"
    path.write_bytes(photo(FULL_EXIF))
    env = {**os.environ, "PYTHONPATH": str(REPO / "layers" / "sikemas")}
    # When the package is imported and a JPEG read
    result = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    # Then neither heavy import happened early
    assert result.returncode == 0, result.stderr
