"""Photos made in code for the photo tests.

EXIF is written byte by byte (a tiny TIFF writer) rather than through Pillow's Exif.tobytes(),
so the tests control the exact rationals a camera writes: 1e8 and 2^24 denominators, 0/0,
two-component coordinates, NUL refs and so on. Pillow would normalise some of those away.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from typing import Any

from PIL import Image

BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED = 1, 2, 3, 4, 5, 7

Rational = tuple[int, int]
Dms = tuple[Rational, ...]


@dataclass(frozen=True)
class Entry:
    tag: int
    type: int
    count: int
    payload: bytes


def ascii_entry(tag: int, text: str | bytes) -> Entry:
    raw = (text.encode("latin-1") if isinstance(text, str) else text) + b"\x00"
    return Entry(tag, ASCII, len(raw), raw)


def rational_entry(tag: int, *values: Rational) -> Entry:
    payload = b"".join(struct.pack("<II", num, den) for num, den in values)
    return Entry(tag, RATIONAL, len(values), payload)


def short_entry(tag: int, value: int) -> Entry:
    return Entry(tag, SHORT, 1, struct.pack("<H", value))


def byte_entry(tag: int, value: int) -> Entry:
    return Entry(tag, BYTE, 1, bytes([value]))


def _ifd_size(entries: list[Entry]) -> int:
    data = sum(len(e.payload) + len(e.payload) % 2 for e in entries if len(e.payload) > 4)
    return 2 + 12 * len(entries) + 4 + data


def _serialize_ifd(entries: list[Entry], start: int) -> bytes:
    entries = sorted(entries, key=lambda e: e.tag)
    data_offset = start + 2 + 12 * len(entries) + 4
    head = struct.pack("<H", len(entries))
    data = b""
    for entry in entries:
        if len(entry.payload) <= 4:
            value = entry.payload.ljust(4, b"\x00")
        else:
            value = struct.pack("<I", data_offset + len(data))
            data += entry.payload + b"\x00" * (len(entry.payload) % 2)
        head += struct.pack("<HHI", entry.tag, entry.type, entry.count) + value
    return head + b"\x00\x00\x00\x00" + data


def build_exif(
    ifd0: list[Entry] | None = None,
    exif_ifd: list[Entry] | None = None,
    gps_ifd: list[Entry] | None = None,
) -> bytes:
    """An APP1-style EXIF block: b"Exif\\0\\0" + a little-endian TIFF structure."""
    main = list(ifd0 or [])
    placeholders = []
    if exif_ifd is not None:
        placeholders.append(0x8769)
    if gps_ifd is not None:
        placeholders.append(0x8825)
    sized = main + [Entry(tag, LONG, 1, b"\x00" * 4) for tag in placeholders]
    offset = 8 + _ifd_size(sized)
    pointers: dict[int, int] = {}
    blocks: list[bytes] = []
    for tag, sub in ((0x8769, exif_ifd), (0x8825, gps_ifd)):
        if sub is None:
            continue
        pointers[tag] = offset
        block = _serialize_ifd(sub, offset)
        blocks.append(block)
        offset += len(block)
    main += [Entry(tag, LONG, 1, struct.pack("<I", pointers[tag])) for tag in placeholders]
    tiff = b"II*\x00" + struct.pack("<I", 8) + _serialize_ifd(main, 8) + b"".join(blocks)
    return b"Exif\x00\x00" + tiff


def gps_entries(
    *,
    lat: Dms | None = None,
    lat_ref: str | bytes | None = None,
    lon: Dms | None = None,
    lon_ref: str | bytes | None = None,
    alt: Rational | None = None,
    alt_ref: int | None = None,
    date: str | None = None,
    time: Dms | None = None,
) -> list[Entry]:
    """GPS IFD entries; anything left as None is not written."""
    entries = [Entry(0, BYTE, 4, bytes([2, 3, 0, 0]))]  # GPSVersionID
    if lat_ref is not None:
        entries.append(ascii_entry(1, lat_ref))
    if lat is not None:
        entries.append(rational_entry(2, *lat))
    if lon_ref is not None:
        entries.append(ascii_entry(3, lon_ref))
    if lon is not None:
        entries.append(rational_entry(4, *lon))
    if alt_ref is not None:
        entries.append(byte_entry(5, alt_ref))
    if alt is not None:
        entries.append(rational_entry(6, alt))
    if time is not None:
        entries.append(rational_entry(7, *time))
    if date is not None:
        entries.append(ascii_entry(29, date))
    return entries


def time_entries(original: str | None = None, offset: str | None = None) -> list[Entry]:
    entries = []
    if original is not None:
        entries.append(ascii_entry(0x9003, original))
    if offset is not None:
        entries.append(ascii_entry(0x9011, offset))
    return entries


def exif_with(
    *,
    gps: list[Entry] | None = None,
    taken: list[Entry] | None = None,
    orientation: int | None = None,
) -> bytes:
    ifd0 = [short_entry(0x0112, orientation)] if orientation is not None else []
    ifd0.append(ascii_entry(0x010F, "SIKeMas test camera"))  # Make
    return build_exif(ifd0=ifd0, exif_ifd=taken, gps_ifd=gps)


def quadrants(size: tuple[int, int] = (64, 32), mode: str = "RGB") -> Image.Image:
    """Red top-left, green top-right, blue bottom-left, white bottom-right: shows any turn."""
    width, height = size
    img = Image.new("RGB", size, (255, 255, 255))
    img.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    img.paste((0, 255, 0), (width // 2, 0, width, height // 2))
    img.paste((0, 0, 255), (0, height // 2, width // 2, height))
    return img.convert(mode) if mode != "RGB" else img


def encode(img: Image.Image, fmt: str = "JPEG", **params: Any) -> bytes:
    out = io.BytesIO()
    if fmt == "HEIF":
        from sikemas.photo.reading import ensure_heif_opener

        ensure_heif_opener()
    if fmt == "JPEG" and "quality" not in params:
        params["quality"] = 95
    img.save(out, fmt, **params)
    return out.getvalue()


def photo(
    exif: bytes | None = None,
    *,
    fmt: str = "JPEG",
    size: tuple[int, int] = (64, 32),
    pad_to: int = 1024,
    **params: Any,
) -> bytes:
    """A small photo in `fmt`, carrying `exif` verbatim when given.

    No real photo is under 1 KB, and the reader refuses such a file as ``too_small``: a JPEG or
    PNG that would be smaller is padded up to ``pad_to`` with a comment (JPEG COM segment, PNG
    tEXt chunk) unless the caller sets its own comment or ``pad_to=0``."""
    if exif is not None:
        params["exif"] = exif
    data = encode(quadrants(size), fmt, **params)
    missing = pad_to - len(data)
    if missing <= 0 or fmt not in ("JPEG", "PNG") or "comment" in params or "pnginfo" in params:
        return data
    filler = b"padding " * (missing // 8 + 4)
    if fmt == "JPEG":
        return encode(quadrants(size), fmt, comment=filler, **params)
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", filler.decode())
    return encode(quadrants(size), fmt, pnginfo=info, **params)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    import zlib

    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int, pad_to: int = 1024) -> bytes:
    """A PNG declaring a size, with (almost) no pixel data behind it: a bomb's shape (padded to
    ``pad_to`` with a text chunk, as a bomb made to pass a size check would be)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    head = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
    tail = png_chunk(b"IDAT", b"\x78\x9c\x03\x00\x00\x00\x00\x01") + png_chunk(b"IEND", b"")
    missing = pad_to - len(head) - len(tail)
    if missing > 0:
        head += png_chunk(b"tEXt", b"Comment\x00" + b"p" * max(missing - 20, 0))
    return head + tail


def jpeg_segments(data: bytes) -> list[int]:
    """The marker bytes of a JPEG's header segments, up to and including SOS (0xDA)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    markers: list[int] = []
    pos = 2
    while pos + 4 <= len(data):
        assert data[pos] == 0xFF, f"bad marker at {pos}"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        pos += 2 + length
    return markers


APP1_TO_APP15 = frozenset(range(0xE1, 0xF0))
COM = 0xFE
