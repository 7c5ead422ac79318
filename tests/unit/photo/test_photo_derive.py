"""derive_public_images: upright, resized, re-encoded, and nothing personal left inside."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms, ImageOps

from sikemas.photo import PhotoDeriveError, derive_public_images
from tests.unit.photo.photo_factory import (
    APP1_TO_APP15,
    COM,
    encode,
    exif_with,
    gps_entries,
    jpeg_segments,
    png_header_only,
    quadrants,
    time_entries,
)

GPS_EXIF = exif_with(
    gps=gps_entries(
        lat=((0, 1), (44, 1), (120, 100)),
        lat_ref="N",
        lon=((124, 1), (18, 1), (5400, 100)),
        lon_ref="E",
    ),
    taken=time_entries("2024:05:01 09:02:00", "+08:00"),
    orientation=6,
)
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def _open(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def _corner_colours(img: Image.Image) -> list[tuple[int, ...]]:
    """The colour at the centre of each quadrant: top-left, top-right, bottom-left, bottom-right."""
    width, height = img.size
    points = [(width // 4, height // 4), (3 * width // 4, height // 4)]
    points += [(width // 4, 3 * height // 4), (3 * width // 4, 3 * height // 4)]
    rgb = img.convert("RGB")
    return [_nearest(rgb.getpixel(point)) for point in points]  # type: ignore[arg-type]


def _nearest(pixel: tuple[int, ...]) -> tuple[int, ...]:
    return min(
        (RED, GREEN, BLUE, WHITE),
        key=lambda c: sum((a - b) ** 2 for a, b in zip(c, pixel[:3], strict=True)),
    )


def _assert_bare_jpeg(data: bytes) -> None:
    markers = jpeg_segments(data)
    assert not APP1_TO_APP15.intersection(markers), [hex(m) for m in markers]
    assert COM not in markers
    img = _open(data)
    assert img.format == "JPEG"
    assert img.mode == "RGB"
    assert not img.getexif()
    assert "icc_profile" not in img.info
    assert "xmp" not in img.info


@pytest.mark.parametrize("orientation", range(1, 9))
def test_public_copy_is_upright_for_every_orientation(orientation: int) -> None:
    # Given a four-colour image stored with an EXIF orientation
    stored = quadrants((96, 48))
    data = encode(stored, "JPEG", exif=exif_with(orientation=orientation))
    # When the public copy is made
    derived = derive_public_images(data)
    # Then its colours sit where Pillow's reference exif_transpose puts them
    expected = ImageOps.exif_transpose(_open(data))
    public = _open(derived.public)
    assert public.size == expected.size == (derived.width, derived.height)
    assert _corner_colours(public) == _corner_colours(expected)


def test_orientation_6_turns_clockwise() -> None:
    # Given a landscape image, red top-left, stored with orientation 6 (rotate 90° CW to view)
    data = encode(quadrants((96, 48)), "JPEG", exif=GPS_EXIF)
    # When the public copy is made
    public = _open(derive_public_images(data).public)
    # Then it is portrait and the stored top-left (red) is now top-right
    assert public.size == (48, 96)
    assert _corner_colours(public) == [BLUE, RED, WHITE, GREEN]


def test_no_metadata_survives() -> None:
    # Given a JPEG with EXIF GPS, a comment, XMP and a non-sRGB ICC profile
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    data = encode(
        quadrants((400, 300)),
        "JPEG",
        exif=GPS_EXIF,
        comment=b"taken at home",
        xmp=xmp,
        icc_profile=icc,
    )
    assert {0xE1, 0xE2, COM} <= set(jpeg_segments(data))
    # When the public copy and thumbnail are made
    derived = derive_public_images(data)
    # Then neither carries any metadata segment, and no GPS bytes remain
    for output in (derived.public, derived.thumbnail):
        _assert_bare_jpeg(output)
        assert b"Exif" not in output
        assert b"taken at home" not in output


def test_resized_to_max_side_and_thumbnail() -> None:
    # Given a 4000 x 1000 JPEG
    data = encode(quadrants((4000, 1000)), "JPEG")
    # When derived with the defaults
    derived = derive_public_images(data)
    # Then the long side is 1600 and the thumbnail's 320, keeping the aspect
    assert (derived.width, derived.height) == (1600, 400)
    assert _open(derived.public).size == (1600, 400)
    assert _open(derived.thumbnail).size == (320, 80)
    assert _corner_colours(_open(derived.public)) == [RED, GREEN, BLUE, WHITE]


def test_custom_sizes_and_no_upscaling() -> None:
    data = encode(quadrants((300, 200)), "JPEG")
    derived = derive_public_images(data, max_side=150, thumb_side=30)
    assert (derived.width, derived.height) == (150, 100)
    assert _open(derived.thumbnail).size == (30, 20)
    small = derive_public_images(encode(quadrants((40, 20)), "JPEG"))
    assert (small.width, small.height) == (40, 20)
    assert _open(small.thumbnail).size == (40, 20)


@pytest.mark.parametrize(
    ("mode", "fmt"),
    [
        ("RGBA", "PNG"),
        ("LA", "PNG"),
        ("P", "PNG"),
        ("L", "JPEG"),
        ("CMYK", "JPEG"),
        ("I;16", "PNG"),
        ("1", "PNG"),
    ],
)
def test_every_mode_becomes_rgb(mode: str, fmt: str) -> None:
    # Given an image in an unusual mode
    data = encode(quadrants((64, 32), mode=mode), fmt)
    # When derived
    derived = derive_public_images(data)
    # Then the outputs are plain RGB JPEGs of the same size
    _assert_bare_jpeg(derived.public)
    _assert_bare_jpeg(derived.thumbnail)
    assert (derived.width, derived.height) == (64, 32)


def test_16_bit_keeps_its_brightness() -> None:
    # Given a 16-bit greyscale PNG at mid grey (32768 of 65535)
    data = encode(Image.new("I;16", (32, 32), 32768), "PNG")
    # Then the output is mid grey too, not white or black
    pixel = _open(derive_public_images(data).public).getpixel((16, 16))
    assert isinstance(pixel, tuple)
    assert all(118 <= channel <= 138 for channel in pixel)


def test_transparency_is_flattened_on_white() -> None:
    img = Image.new("RGBA", (32, 32), (255, 0, 0, 0))
    pixel = _open(derive_public_images(encode(img, "PNG")).public).getpixel((16, 16))
    assert _nearest(pixel) == WHITE  # type: ignore[arg-type]


def test_heic_is_derived_upright() -> None:
    # Given a HEIC stored with orientation 6 (pillow-heif writes it as a HEIF rotation)
    data = encode(quadrants((96, 48)), "HEIF", exif=GPS_EXIF, quality=90)
    # When derived
    derived = derive_public_images(data)
    # Then it is turned exactly once
    public = _open(derived.public)
    assert public.size == (48, 96)
    assert _corner_colours(public) == [BLUE, RED, WHITE, GREEN]
    _assert_bare_jpeg(derived.public)


def test_real_heic_if_present(photos_dir: Path) -> None:
    derived = derive_public_images((photos_dir / "s11_iphone11promax_W.heic").read_bytes())
    assert max(derived.width, derived.height) == 1600
    _assert_bare_jpeg(derived.public)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"not an image at all", "not_an_image", id="text"),
        pytest.param(encode(quadrants(), "GIF"), "unsupported_type", id="gif"),
        pytest.param(png_header_only(100_000, 100_000), "too_many_pixels", id="bomb"),
        pytest.param(png_header_only(8000, 7000), "too_many_pixels", id="over-50mp"),
        pytest.param(encode(quadrants((256, 256)), "JPEG")[:600], "corrupt_image", id="truncated"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 50, "corrupt_image", id="jpeg-garbage"),
    ],
)
def test_unusable_input_is_refused_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(PhotoDeriveError) as caught:
        derive_public_images(data)
    assert caught.value.reason == reason


def test_pillows_own_bomb_guard_is_enforced(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given Pillow's MAX_IMAGE_PIXELS set below an image's size (the warning threshold)
    data = encode(quadrants((200, 200)), "JPEG")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 30_000)
    # Then the warning is treated as a refusal, not a log line
    with pytest.raises(PhotoDeriveError) as caught:
        derive_public_images(data)
    assert caught.value.reason == "too_many_pixels"
