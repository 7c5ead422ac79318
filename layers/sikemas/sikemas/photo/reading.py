"""Read the facts the photo checks need: real type, size, orientation, EXIF GPS and time taken.

Pure: bytes in, values out. Only headers and EXIF are parsed; pixel data is never decoded.
Pillow (~20 ms) and pillow-heif (~60 ms) are imported on first use, not at module import, so
code that only needs the dataclasses stays light.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import TYPE_CHECKING, Final, Literal

from sikemas.domain.reasons import MAX_PHOTO_BYTES, MAX_PHOTO_PIXELS, MIN_PHOTO_BYTES, Reason

if TYPE_CHECKING:
    from collections.abc import Mapping
    from zoneinfo import ZoneInfo

    from PIL import Image

PhotoType = Literal["jpeg", "png", "heic"]
TakenAtSource = Literal["exif_offset", "gps_utc", "exif_local"]

DEFAULT_MAX_BYTES: Final = MAX_PHOTO_BYTES
DEFAULT_MAX_PIXELS: Final = MAX_PHOTO_PIXELS

# EXIF tags and IFD pointers.
_TAG_ORIENTATION: Final = 0x0112
_IFD_EXIF: Final = 0x8769
_IFD_GPS: Final = 0x8825
_TAG_DATETIME_ORIGINAL: Final = 0x9003
_TAG_OFFSET_TIME_ORIGINAL: Final = 0x9011
_GPS_LAT_REF: Final = 1
_GPS_LAT: Final = 2
_GPS_LON_REF: Final = 3
_GPS_LON: Final = 4
_GPS_ALT_REF: Final = 5
_GPS_ALT: Final = 6
_GPS_TIME: Final = 7
_GPS_DATE: Final = 29

_PILLOW_FORMATS: Final[dict[str, list[str]]] = {
    "jpeg": ["JPEG"],  # Pillow may hand back an MPO (a JPEG with extra frames): same header path
    "png": ["PNG"],
    "heic": ["HEIF"],
}

# ISO-BMFF brands (ftyp box). HEIF still images we accept, and image brands we recognise but refuse.
_HEIF_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"msf1"}
)
_OTHER_IMAGE_BRANDS: Final = frozenset({b"avif", b"avis", b"crx ", b"jxl ", b"avci", b"jpeg"})

# Magic bytes of image types we recognise but do not accept.
_UNSUPPORTED_MAGIC: Final[tuple[bytes, ...]] = (
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF (also most camera RAW formats)
    b"MM\x00*",
    b"II+\x00",  # BigTIFF
    b"MM\x00+",
    b"8BPS",  # Photoshop
    b"\x00\x00\x00\x0cjP  \r\n\x87\n",  # JPEG 2000
    b"\xff\x4f\xff\x51",  # JPEG 2000 codestream
    b"\xff\x0a",  # JPEG XL codestream
    b"\x00\x00\x00\x0cJXL \r\n\x87\n",  # JPEG XL container
    b"\x00\x00\x01\x00",  # ICO
    b"qoif",
    b"P4",  # netpbm family (binary)
    b"P5",
    b"P6",
)

_EXIF_DATETIME: Final = re.compile(
    r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,]\d*)?\s*$"
)
_EXIF_DATE: Final = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})\s*$")
_EXIF_OFFSET: Final = re.compile(r"^\s*([+-])(\d{2}):(\d{2})\s*$")


@dataclass(frozen=True)
class GpsFix:
    lat: float
    lon: float
    alt: float | None  # metres, negative below sea level (GPSAltitudeRef=1); None if bad/missing


@dataclass(frozen=True)
class PhotoFacts:
    type: PhotoType | None  # real type from content (magic bytes), never from name
    width: int | None  # as stored; apply `orientation` to get the upright size
    height: int | None
    orientation: int  # EXIF Orientation 1..8, 1 when absent/invalid
    image_error: Reason | None  # why the image itself is unacceptable, else None
    gps: GpsFix | None
    gps_error: Reason | None  # None when gps is a fix; else NO_GPS, GPS_MALFORMED or GPS_NO_FIX
    taken_at: datetime | None  # timezone-aware
    taken_at_source: TakenAtSource | None


class _Malformed(Exception):
    """A GPS field is present but cannot be trusted."""


# --------------------------------------------------------------------------------------------
# Type sniffing


def sniff_type(data: bytes) -> PhotoType | Literal["other_image"] | None:
    """The image type from magic bytes: an accepted type, another image type, or None."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _sniff_ftyp(data)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "other_image"
    if head.startswith(_UNSUPPORTED_MAGIC):
        return "other_image"
    return None


def _sniff_ftyp(data: bytes) -> PhotoType | Literal["other_image"] | None:
    box_size = int.from_bytes(data[0:4], "big")
    end = min(max(box_size, 16), len(data), 4096)
    major = data[8:12]
    brands = {major} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    if brands & {b"avif", b"avis"}:
        return "other_image"  # AVIF shares the mif1 brand with HEIF: check it first
    if brands & _HEIF_BRANDS:
        return "heic"
    if brands & _OTHER_IMAGE_BRANDS:
        return "other_image"
    return None  # MP4, QuickTime and friends: not an image


# --------------------------------------------------------------------------------------------
# Pillow access (lazy imports)

_heif_registered = False


def ensure_heif_opener() -> None:
    """Register pillow-heif's opener once, on the first HEIC/HEIF we meet."""
    global _heif_registered
    if _heif_registered:
        return
    import pillow_heif

    # Thumbnails, depth maps and auxiliary images are never needed: skip reading them.
    pillow_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)
    _heif_registered = True


def open_image(data: bytes, kind: PhotoType) -> Image.Image:
    """Open the header only (no pixel decoding), restricted to the sniffed format.

    Pillow's decompression-bomb warning is raised as an error here. Raises Pillow's
    exceptions, OSError, ValueError and friends on bad input; callers map them.
    """
    from PIL import Image

    if kind == "heic":
        ensure_heif_opener()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Corrupt EXIF data" and friends: not our signal
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[kind])


def is_bomb_error(exc: BaseException) -> bool:
    from PIL import Image

    return isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning)


# --------------------------------------------------------------------------------------------
# Entry point


def read_photo(
    data: bytes,
    city_tz: ZoneInfo,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> PhotoFacts:
    """Read type, size, orientation, GPS and time taken from a photo's bytes. Never raises."""
    if not data:
        return refused(Reason.EMPTY_FILE)
    kind = sniff_type(data)
    if kind is None:
        return refused(Reason.NOT_AN_IMAGE)
    if kind == "other_image":
        return refused(Reason.UNSUPPORTED_TYPE)
    if len(data) < MIN_PHOTO_BYTES:  # a photo's header, cut off: no real photo is this small
        return refused(Reason.TOO_SMALL, kind)
    if len(data) > max_bytes:
        return refused(Reason.TOO_LARGE, kind)

    try:
        img = open_image(data, kind)
    except Exception as exc:  # Pillow raises many types on hostile input
        reason = Reason.TOO_MANY_PIXELS if is_bomb_error(exc) else Reason.CORRUPT_IMAGE
        return refused(reason, kind)

    with img:
        width, height = img.size
        image_error: Reason | None = None
        if width <= 0 or height <= 0:
            image_error = Reason.CORRUPT_IMAGE
        elif width * height > max_pixels:
            image_error = Reason.TOO_MANY_PIXELS
        elif _looks_truncated(data, kind, img):
            image_error = Reason.CORRUPT_IMAGE
        raw_exif = _raw_exif(data, kind, img)

    exif = _parse_exif(raw_exif)
    orientation = _orientation(exif)
    gps, gps_error = _read_gps(exif)
    taken_at, source = _read_taken_at(exif, city_tz)
    return PhotoFacts(
        type=kind,
        width=width,
        height=height,
        orientation=orientation,
        image_error=image_error,
        gps=gps,
        gps_error=gps_error,
        taken_at=taken_at,
        taken_at_source=source,
    )


def refused(reason: Reason, kind: PhotoType | None = None) -> PhotoFacts:
    """The facts of a file refused as an image (``reason``): nothing else is read from it."""
    return PhotoFacts(
        type=kind,
        width=None,
        height=None,
        orientation=1,
        image_error=reason,
        gps=None,
        gps_error=Reason.NO_GPS,
        taken_at=None,
        taken_at_source=None,
    )


def _looks_truncated(data: bytes, kind: PhotoType, img: Image.Image) -> bool:
    """A JPEG without EOI, or a PNG without IEND, after the start of its image data.

    Cameras always write the end marker; an upload cut short does not. Catching it here keeps
    the verdict and the public copy consistent (the copy could not be decoded).
    """
    tiles = getattr(img, "tile", None)
    if kind == "heic" or not tiles:
        return False
    data_start = tiles[0][2]
    if not isinstance(data_start, int):
        return False
    marker = b"\xff\xd9" if kind == "jpeg" else b"IEND"
    return data.rfind(marker) < data_start


# --------------------------------------------------------------------------------------------
# EXIF


def _raw_exif(data: bytes, kind: PhotoType, img: Image.Image) -> bytes | None:
    if kind == "png":
        # Pillow's PngImageFile.getexif() decodes the pixels to reach an eXIf chunk that sits
        # after the image data; walking the chunk headers ourselves is free.
        return _png_exif_chunk(data)
    raw = img.info.get("exif")
    return raw if isinstance(raw, bytes) and raw else None


def _png_exif_chunk(data: bytes) -> bytes | None:
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        chunk_type = data[pos + 4 : pos + 8]
        if chunk_type == b"eXIf":
            chunk = data[pos + 8 : pos + 8 + length]
            return chunk or None
        if chunk_type == b"IEND":
            return None
        pos += 12 + length
    return None


_Ifd = dict[int, object]


@dataclass(frozen=True)
class _Exif:
    ifd0: _Ifd
    exif: _Ifd
    gps: _Ifd | None  # None: no GPS IFD at all


def _parse_exif(raw: bytes | None) -> _Exif:
    """Parse EXIF leniently: a broken part reads as absent, never as an exception."""
    empty = _Exif({}, {}, None)
    if raw is None:
        return empty
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Possibly corrupt EXIF data" and friends
            exif = Image.Exif()
            exif.load(raw)
            ifd0: _Ifd = dict(exif.items())
    except Exception:  # corrupt offsets and counts raise many types inside Pillow
        return empty
    return _Exif(ifd0, _sub_ifd(exif, _IFD_EXIF), _gps_ifd(exif))


def _sub_ifd(exif: Image.Exif, tag: int) -> _Ifd:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dict(exif.get_ifd(tag).items())
    except Exception:
        return {}


def _gps_ifd(exif: Image.Exif) -> _Ifd | None:
    if _IFD_GPS not in exif:
        return None
    return _sub_ifd(exif, _IFD_GPS)


def _orientation(exif: _Exif) -> int:
    value = exif.ifd0.get(_TAG_ORIENTATION)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 8:
        return value
    return 1


# --------------------------------------------------------------------------------------------
# GPS


def _read_gps(exif: _Exif) -> tuple[GpsFix | None, Reason | None]:
    ifd = exif.gps
    if not ifd or (_GPS_LAT not in ifd and _GPS_LON not in ifd):
        return None, Reason.NO_GPS
    try:
        lat = _coordinate(ifd.get(_GPS_LAT), ifd.get(_GPS_LAT_REF), "N", "S", 90)
        lon = _coordinate(ifd.get(_GPS_LON), ifd.get(_GPS_LON_REF), "E", "W", 180)
    except _Malformed:
        return None, Reason.GPS_MALFORMED
    if lat == 0 and lon == 0:
        return None, Reason.GPS_NO_FIX
    return GpsFix(lat=float(lat), lon=float(lon), alt=_altitude(ifd)), None


def _coordinate(value: object, ref: object, positive: str, negative: str, limit: int) -> Fraction:
    """Degrees, minutes, seconds and a hemisphere ref to signed degrees; refuse, never guess."""
    hemisphere = _ascii(ref)
    if hemisphere is None or hemisphere.upper() not in (positive, negative):
        raise _Malformed
    if not isinstance(value, tuple | list) or len(value) != 3:
        raise _Malformed
    degrees, minutes, seconds = (_rational(part) for part in value)
    if minutes >= 60 or seconds >= 60:
        raise _Malformed
    total = degrees + minutes / 60 + seconds / 3600
    if total > limit:
        raise _Malformed
    return -total if hemisphere.upper() == negative else total


def _rational(value: object) -> Fraction:
    """A non-negative EXIF rational in any shape Pillow or a writer hands us, exactly."""
    numerator: object
    denominator: object
    if isinstance(value, tuple | list) and len(value) == 2:
        numerator, denominator = value
    elif hasattr(value, "numerator") and hasattr(value, "denominator"):
        numerator, denominator = value.numerator, value.denominator  # IFDRational, Fraction, int
    elif isinstance(value, float):
        numerator, denominator = value, 1
    else:
        raise _Malformed
    num = _exact(numerator)
    den = _exact(denominator)
    if den == 0:
        raise _Malformed
    result = num / den
    if result < 0:
        raise _Malformed
    return result


def _exact(value: object) -> Fraction:
    if isinstance(value, bool):
        raise _Malformed
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, float) and math.isfinite(value):
        return Fraction(value)
    raise _Malformed


def _ascii(value: object) -> str | None:
    if isinstance(value, bytes):
        try:
            value = value.decode("ascii")
        except UnicodeDecodeError:
            return None
    if not isinstance(value, str):
        return None
    text = value.strip("\x00 ")
    return text or None


def _altitude(ifd: Mapping[int, object]) -> float | None:
    if _GPS_ALT not in ifd:
        return None
    try:
        metres = _rational(ifd[_GPS_ALT])
    except _Malformed:
        return None
    ref = _byte_value(ifd.get(_GPS_ALT_REF, 0))
    if ref == 0:
        return float(metres)
    if ref == 1:
        return -float(metres) if metres else 0.0
    return None


def _byte_value(value: object) -> int | None:
    if isinstance(value, bytes) and len(value) == 1:
        return value[0]
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, tuple) and len(value) == 1:
        return _byte_value(value[0])
    return None


# --------------------------------------------------------------------------------------------
# Time taken


def _read_taken_at(exif: _Exif, city_tz: ZoneInfo) -> tuple[datetime | None, TakenAtSource | None]:
    local = _exif_datetime(exif.exif.get(_TAG_DATETIME_ORIGINAL))
    if local is not None:
        offset = _exif_offset(exif.exif.get(_TAG_OFFSET_TIME_ORIGINAL))
        if offset is not None:
            return local.replace(tzinfo=offset), "exif_offset"
    gps_time = _gps_datetime(exif.gps or {})
    if gps_time is not None:
        return gps_time, "gps_utc"
    if local is not None:
        return local.replace(tzinfo=city_tz), "exif_local"
    return None, None


def _exif_datetime(value: object) -> datetime | None:
    text = _ascii(value)
    if text is None or (match := _EXIF_DATETIME.match(text)) is None:
        return None
    try:
        year, month, day, hour, minute, second = (int(part) for part in match.groups())
        return datetime(year, month, day, hour, minute, second)  # noqa: DTZ001 - zone added later
    except ValueError:  # "0000:00:00 00:00:00", month 13 and friends
        return None


def _exif_offset(value: object) -> timezone | None:
    text = _ascii(value)
    if text is None or (match := _EXIF_OFFSET.match(text)) is None:
        return None
    sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes >= 60:  # real offsets run from -12:00 to +14:00
        return None
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


def _gps_datetime(ifd: Mapping[int, object]) -> datetime | None:
    date_text = _ascii(ifd.get(_GPS_DATE))
    time_value = ifd.get(_GPS_TIME)
    if date_text is None or (match := _EXIF_DATE.match(date_text)) is None:
        return None
    if not isinstance(time_value, tuple | list) or len(time_value) != 3:
        return None
    try:
        hours, minutes, seconds = (_rational(part) for part in time_value)
        if hours != int(hours) or minutes != int(minutes):
            return None
        year, month, day = (int(part) for part in match.groups())
        return datetime(year, month, day, int(hours), int(minutes), math.floor(seconds), tzinfo=UTC)
    except (_Malformed, ValueError):  # zero denominators, hour 24, second 60, day 0 ...
        return None
