"""The one place where failures become HTTP responses, all in one body shape:
``{"error": {"code", "message": {"id", "en"}, "details": [...]}}``."""

from __future__ import annotations

import json
from typing import Any

from sikemas.errors import SikemasError

JSON = "application/json"

# Error code -> HTTP status: the one place the domain's failures meet HTTP. A code missing
# here answers 400.
STATUS: dict[str, int] = {
    "bad_request": 400,
    "invalid_request": 400,
    "invalid_json": 400,
    "invalid_cursor": 400,
    "invalid_idempotency_key": 400,
    "invalid_slot": 400,
    "unknown_category": 400,
    "location_required": 400,
    "photo_required": 400,
    "reason_required": 400,
    "invalid_period": 400,
    "period_too_long": 400,
    "unknown_parameter": 400,
    "unauthorized": 401,
    "wrong_agency": 403,
    "link_forged": 403,
    "report_not_found": 404,
    "not_found": 404,
    "invalid_transition": 409,
    "concurrent_update": 409,
    "upload_not_allowed": 409,
    "action_not_applicable": 409,
    "reopen_window_closed": 409,
    "after_photo_required": 409,
    "link_expired": 410,
    "payload_too_large": 413,
    "idempotency_key_reused": 422,
    "location_outside_city": 422,
    "daily_limit_exceeded": 429,
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
    return STATUS.get(exc.code, 400), error_body(
        exc.code, exc.message_id, exc.message_en, exc.details
    )


def internal_error(correlation_id: str) -> tuple[int, str]:
    return 500, error_body(
        "internal_error",
        "Terjadi kesalahan pada sistem. Sebutkan kode ini bila menghubungi kami: " + correlation_id,
        "Something went wrong on our side. Quote this code if you contact us: " + correlation_id,
        [{"correlation_id": correlation_id}],
    )
