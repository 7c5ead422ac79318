"""The one place where failures become HTTP responses, all in one body shape:
``{"error": {"code", "message": {"id", "en"}, "details": [...]}}``."""

from __future__ import annotations

import json
from typing import Any

from sikemas.errors import SikemasError

JSON = "application/json"

# Error code -> HTTP status, for domain errors that carry none (the target design: every code
# here); the others still fall back to their ``status`` attribute.
STATUS: dict[str, int] = {
    "location_outside_city": 422,
}


def error_body(
    code: str, message_id: str, message_en: str, details: list[dict[str, Any]] | None = None
) -> str:
    return json.dumps(
        {
            "error": {
                "code": code,
                "message": {"id": message_id, "en": message_en},
                "details": details or [],
            }
        },
        ensure_ascii=False,
    )


def from_exception(exc: SikemasError) -> tuple[int, str]:
    status = STATUS.get(exc.code, exc.status)
    return status, error_body(exc.code, exc.message_id, exc.message_en, exc.details)


def internal_error(correlation_id: str) -> tuple[int, str]:
    return 500, error_body(
        "internal_error",
        "Terjadi kesalahan pada sistem. Sebutkan kode ini bila menghubungi kami: " + correlation_id,
        "Something went wrong on our side. Quote this code if you contact us: " + correlation_id,
        [{"correlation_id": correlation_id}],
    )
