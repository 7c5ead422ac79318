"""S3 adapter for photos: presigned POSTs for the app's uploads straight to S3.

Keys: ``originals/<report id>/<slot>`` (private; the photo function's trigger), ``public/…``
(derived, metadata-free copies; never seen by the trigger).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sikemas.ports import Upload

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ORIGINALS_PREFIX = "originals/"
PUBLIC_PREFIX = "public/"
UPLOAD_EXPIRY = timedelta(minutes=15)
MIN_UPLOAD_BYTES = 1024
MAX_UPLOAD_BYTES = 15 * 1024 * 1024


def original_key(report_id: str, slot: int) -> str:
    return f"{ORIGINALS_PREFIX}{report_id}/{slot}"


def parse_original_key(key: str) -> tuple[str, int] | None:
    """``originals/<id>/<slot>`` → (id, slot); anything else → None."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] + "/" != ORIGINALS_PREFIX or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def _public_keys(report_id: str, slot: int, version: str) -> tuple[str, str]:
    """Stable, cache-friendly keys of the derived copies of one version of one photo."""
    tag = hashlib.sha256(version.encode()).hexdigest()[:12]
    base = f"{PUBLIC_PREFIX}{report_id}/{slot}-{tag}"
    return f"{base}.jpg", f"{base}-thumb.jpg"


class S3PhotoStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def presigned_upload(self, report_id: str, slot: int, now: datetime) -> Upload:
        """A POST policy the app fills in: this exact key, an image content type, 1 KB to
        15 MB, valid 15 minutes. (S3 enforces the policy; the photo function re-checks.)"""
        key = original_key(report_id, slot)
        conditions: list[Any] = [
            {"bucket": self._bucket},
            ["eq", "$key", key],
            ["starts-with", "$Content-Type", "image/"],
            ["content-length-range", MIN_UPLOAD_BYTES, MAX_UPLOAD_BYTES],
        ]
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=key,
            Conditions=conditions,
            ExpiresIn=int(UPLOAD_EXPIRY.total_seconds()),
        )
        return Upload(
            slot=slot, url=post["url"], fields=dict(post["fields"]), expires_at=now + UPLOAD_EXPIRY
        )

    def get_original(self, report_id: str, slot: int, version_id: str | None) -> bytes:
        """The exact object version the event announced (the slot may have been replaced)."""
        key = original_key(report_id, slot)
        if version_id:
            obj = self._s3.get_object(Bucket=self._bucket, Key=key, VersionId=version_id)
        else:
            obj = self._s3.get_object(Bucket=self._bucket, Key=key)
        return obj["Body"].read(MAX_UPLOAD_BYTES + 1)

    def put_public_copies(
        self, report_id: str, slot: int, version: str, public: bytes, thumbnail: bytes
    ) -> dict[str, str]:
        """Store the derived copies of one version of one photo; their keys."""
        public_key, thumbnail_key = _public_keys(report_id, slot, version)
        for key, jpeg in ((public_key, public), (thumbnail_key, thumbnail)):
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=jpeg,
                ContentType="image/jpeg",
                CacheControl="public, max-age=31536000, immutable",
            )
        return {"public_key": public_key, "thumbnail_key": thumbnail_key}
