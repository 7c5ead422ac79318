"""Fixtures for the photo tests: the shared real-photo set and its exiftool oracle."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

# tests/unit/photo/conftest.py -> repo root -> ../shared/data/photos
PHOTOS_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "photos"
MANIFEST = PHOTOS_DIR / "manifest.json"


def _manifest_files() -> list[dict[str, Any]]:
    if not MANIFEST.is_file():
        return []
    files: list[dict[str, Any]] = json.loads(MANIFEST.read_text(encoding="utf-8"))["files"]
    return files


def _require_photos() -> None:
    if MANIFEST.is_file():
        return
    reason = f"the shared real-photo set is absent ({PHOTOS_DIR})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason}; CI must run against it")
    pytest.skip(reason)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize `real_photo` over the manifest (one placeholder when the set is absent)."""
    if "real_photo" in metafunc.fixturenames:
        files = _manifest_files()
        if files:
            metafunc.parametrize("real_photo", files, ids=[f["file"][:3] for f in files])
        else:
            metafunc.parametrize("real_photo", [None], ids=["photos-missing"])


@pytest.fixture
def real_photo_entry(real_photo: dict[str, Any] | None) -> dict[str, Any]:
    """One manifest entry; skips (or fails under CI=true) when the photo set is absent."""
    _require_photos()
    assert real_photo is not None
    return real_photo


@pytest.fixture(scope="session")
def photos_dir() -> Path:
    _require_photos()
    return PHOTOS_DIR


@pytest.fixture(scope="session")
def real_photo_bytes() -> list[bytes]:
    """All real photos' bytes (for mutation tests); skips (or fails under CI=true) if absent."""
    _require_photos()
    return [(PHOTOS_DIR / f["file"]).read_bytes() for f in _manifest_files()]


@pytest.fixture(scope="session")
def city_tz() -> ZoneInfo:
    return ZoneInfo("Asia/Makassar")  # Kotamobagu (WITA, UTC+8)
