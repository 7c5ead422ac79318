"""The README's list of error codes is the API's: every code with the status the API gives it."""

from __future__ import annotations

import re
from pathlib import Path

from sikemas import errors
from sikemas.api import errors as api_errors
from sikemas.api.models import MAX_BODY_BYTES

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()


def _all_errors() -> list[type[errors.SikemasError]]:
    """Every error the domain defines (all of them live in ``sikemas.errors``)."""
    return [
        value
        for value in vars(errors).values()
        if isinstance(value, type) and issubclass(value, errors.SikemasError)
    ]


def _documented() -> dict[str, int]:
    rows = re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", README, flags=re.MULTILINE)
    return {code: int(status) for code, status in rows}


def test_every_error_code_is_listed_with_the_status_the_api_gives_it():
    given = {}
    for cls in _all_errors():
        status, _ = api_errors.from_exception(cls())
        given[cls.code] = status
    given["internal_error"] = api_errors.internal_error("x")[0]

    assert _documented() == given


def test_the_readme_states_the_body_limit():
    assert f"({MAX_BODY_BYTES:,} bytes)" in README
