"""Settings: a typed object read once from the environment at cold start, failing fast."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
# The city folders ship inside the layer (``sikemas/cities``); in a checkout they are at the
# repository root.
_CITY_ROOTS = (_PACKAGE_DIR / "cities", _PACKAGE_DIR.parents[2] / "cities")


class SettingsError(RuntimeError):
    """A required setting is missing or malformed."""


@dataclass(frozen=True)
class Settings:
    table_name: str
    photos_bucket: str
    city_code: str
    city_dir: Path
    boundary_file: Path | None
    daily_report_limit: int
    public_base_url: str | None
    alerts_topic_arn: str | None = None  # the admins' alerts (SNS)
    photo_dead_letter_queue_arn: str | None = None  # its records are photos whose check crashed

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        missing = [k for k in ("TABLE_NAME", "PHOTOS_BUCKET", "CITY") if not env.get(k)]
        if missing:
            raise SettingsError(f"missing environment variables: {', '.join(missing)}")
        city = env["CITY"]
        city_dir = next((root / city for root in _CITY_ROOTS if (root / city).is_dir()), None)
        if city_dir is None:
            raise SettingsError(
                f"no folder for city {city!r} under {[str(r) for r in _CITY_ROOTS]}"
            )
        try:
            limit = int(env.get("DAILY_REPORT_LIMIT", "10"))
        except ValueError as exc:
            raise SettingsError("DAILY_REPORT_LIMIT must be a whole number") from exc
        if limit < 1:
            raise SettingsError("DAILY_REPORT_LIMIT must be at least 1")
        boundary = env.get("SIKEMAS_BOUNDARY_FILE")
        return cls(
            table_name=env["TABLE_NAME"],
            photos_bucket=env["PHOTOS_BUCKET"],
            city_code=city,
            city_dir=city_dir,
            boundary_file=Path(boundary) if boundary else None,
            daily_report_limit=limit,
            public_base_url=env.get("PUBLIC_BASE_URL") or None,
            alerts_topic_arn=env.get("ALERTS_TOPIC_ARN") or None,
            photo_dead_letter_queue_arn=env.get("PHOTO_DEAD_LETTER_QUEUE_ARN") or None,
        )
