"""Properties: read_photo never raises on any bytes; derive never leaks metadata."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from sikemas.photo import PhotoDeriveError, PhotoFacts, derive_public_images, read_photo
from tests.unit.photo.photo_factory import (
    APP1_TO_APP15,
    COM,
    encode,
    exif_with,
    gps_entries,
    jpeg_segments,
    quadrants,
    time_entries,
)

CITY = ZoneInfo("Asia/Makassar")
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GENERATED_SEEDS = [
    encode(
        quadrants((48, 32)),
        fmt,
        exif=exif_with(
            gps=gps_entries(
                lat=((0, 1), (44, 1), (120, 100)),
                lat_ref="N",
                lon=((124, 1), (18, 1), (5400, 100)),
                lon_ref="E",
                alt=(300, 1),
                alt_ref=0,
                date="2024:05:01",
                time=((1, 1), (2, 1), (3, 1)),
            ),
            taken=time_entries("2024:05:01 09:02:00", "+08:00"),
            orientation=6,
        ),
    )
    for fmt in ("JPEG", "PNG")
]


def _check_invariants(facts: PhotoFacts) -> None:
    assert isinstance(facts, PhotoFacts)
    assert 1 <= facts.orientation <= 8
    assert (facts.gps is None) == (facts.gps_error is not None)
    assert facts.gps_error in (None, "no_gps", "gps_malformed", "gps_no_fix")
    assert facts.image_error in (
        None,
        "not_an_image",
        "unsupported_type",
        "empty_file",
        "too_small",
        "too_large",
        "too_many_pixels",
        "corrupt_image",
    )
    if facts.gps is not None:
        assert -90 <= facts.gps.lat <= 90
        assert -180 <= facts.gps.lon <= 180
        assert (facts.gps.lat, facts.gps.lon) != (0, 0)
    assert (facts.taken_at is None) == (facts.taken_at_source is None)
    if facts.taken_at is not None:
        assert isinstance(facts.taken_at, datetime)
        assert facts.taken_at.utcoffset() is not None


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "overwrite"]))
        # Most interesting structure (markers, EXIF, IHDR) sits in the first kilobytes.
        limit = min(len(data), draw(st.sampled_from([64, 512, 4096, len(data)])))
        if limit == 0:
            break
        at = draw(st.integers(0, max(0, limit - 1)))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif op == "truncate":
            del data[at:]
        else:
            chunk = draw(st.sampled_from([b"\xff\xff\xff\xff", b"\x00\x00\x00\x00", b"\x7f\xff"]))
            data[at : at + len(chunk)] = chunk
    return bytes(data)


@SETTINGS
@given(data=mutated(GENERATED_SEEDS))
def test_read_never_raises_on_mutated_generated_photos(data: bytes) -> None:
    _check_invariants(read_photo(data, CITY))


@SETTINGS
@given(data=st.data())
def test_read_never_raises_on_mutated_real_photos(
    data: st.DataObject, real_photo_bytes: list[bytes]
) -> None:
    # Small real files keep each example fast; the big ones add nothing to header fuzzing.
    seeds = [b[:65536] if len(b) > 65536 else b for b in real_photo_bytes]
    _check_invariants(read_photo(data.draw(mutated(seeds)), CITY))


@SETTINGS
@given(data=st.binary(max_size=2048))
def test_read_never_raises_on_random_bytes(data: bytes) -> None:
    _check_invariants(read_photo(data, CITY))


@SETTINGS
@given(
    prefix=st.sampled_from([b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"\x00\x00\x00\x18ftypheic"]),
    rest=st.binary(max_size=512),
)
def test_read_never_raises_on_random_bytes_behind_real_magic(prefix: bytes, rest: bytes) -> None:
    _check_invariants(read_photo(prefix + rest, CITY))


@settings(max_examples=40, deadline=None)
@given(
    width=st.integers(1, 900),
    height=st.integers(1, 900),
    orientation=st.integers(1, 8),
    fmt=st.sampled_from(["JPEG", "PNG"]),
    mode=st.sampled_from(["RGB", "RGBA", "L", "P", "CMYK"]),
    max_side=st.integers(16, 700),
    thumb_side=st.integers(8, 200),
)
def test_derive_is_bare_upright_and_bounded(
    width: int,
    height: int,
    orientation: int,
    fmt: str,
    mode: str,
    max_side: int,
    thumb_side: int,
) -> None:
    if fmt == "JPEG" and mode in ("RGBA", "P"):
        mode = "RGB"
    if fmt == "PNG" and mode == "CMYK":
        mode = "RGB"
    exif = exif_with(
        gps=gps_entries(
            lat=((1, 1), (2, 1), (3, 1)), lat_ref="N", lon=((4, 1), (5, 1), (6, 1)), lon_ref="E"
        ),
        orientation=orientation,
    )
    data = encode(quadrants((width, height), mode=mode), fmt, exif=exif)
    # When derived
    try:
        derived = derive_public_images(data, max_side=max_side, thumb_side=thumb_side)
    except PhotoDeriveError as exc:  # pragma: no cover - would be a bug
        pytest.fail(f"valid image refused: {exc.reason}")
    # Then no metadata, the upright shape, and the size limits
    turned = orientation >= 5
    upright = (height, width) if turned else (width, height)
    for output, side in ((derived.public, max_side), (derived.thumbnail, thumb_side)):
        markers = jpeg_segments(output)
        assert not APP1_TO_APP15.intersection(markers)
        assert COM not in markers
        with Image.open(io.BytesIO(output)) as img:
            assert not img.getexif()
            assert max(img.size) <= side
    # and the public copy has the upright shape, scaled to fit (to the pixel)
    with Image.open(io.BytesIO(derived.public)) as public:
        assert public.size == (derived.width, derived.height)
    scale = min(1.0, max_side / max(upright))
    assert abs(derived.width - upright[0] * scale) <= 1
    assert abs(derived.height - upright[1] * scale) <= 1
