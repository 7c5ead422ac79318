"""Paths to the read-only reference data in ``../shared`` (next to the repository).

Tests that need it skip when it is absent (a fresh clone elsewhere), except on CI
(``CI=true``), where a missing ``../shared`` is a broken setup and fails the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DIR = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """``../shared/data/<parts>``; skip (or fail on CI) when it does not exist."""
    path = SHARED_DIR.joinpath("data", *parts)
    if not path.exists():
        reason = f"../shared is absent: {path} not found"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path
