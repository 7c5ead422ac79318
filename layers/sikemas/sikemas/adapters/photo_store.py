"""S3 adapter for photos: presigned POSTs for the app's uploads straight to S3, the originals,
and the derived copies.

Keys: ``originals/<report id>/<slot>`` (private; the photo function's trigger),
``after/<report id>/<n>`` (an agency's "after" photos; private, also a trigger), ``public/…``
(derived, metadata-free copies of photos that may be shown; served by the CDN, cached a year)
and ``private/…`` (the same copies for a confidential or hidden report: never public, shown to
its owner through short-lived presigned links). Only ``originals/`` and ``after/`` trigger the
function.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sikemas.domain.photos import Copies
from sikemas.domain.reasons import MAX_PHOTO_BYTES, MIN_PHOTO_BYTES
from sikemas.ports import Upload

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

ORIGINALS_PREFIX = "originals/"
AFTER_PREFIX = "after/"
PUBLIC_PREFIX = "public/"
PRIVATE_PREFIX = "private/"
UPLOAD_EXPIRY = timedelta(minutes=15)
VIEW_EXPIRY = timedelta(minutes=10)
_PUBLIC_CACHE = "public, max-age=31536000, immutable"


def original_key(report_id: str, slot: int) -> str:
    return f"{ORIGINALS_PREFIX}{report_id}/{slot}"


def after_key(report_id: str, slot: int) -> str:
    return f"{AFTER_PREFIX}{report_id}/{slot}"


def parse_original_key(key: str) -> tuple[str, int] | None:
    """``originals/<id>/<slot>`` → (id, slot); anything else → None."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] + "/" != ORIGINALS_PREFIX or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])


def parse_upload_key(key: str) -> tuple[str, int, bool] | None:
    """``originals/<id>/<slot>`` → (id, slot, False); ``after/<id>/<n>`` → (id, n, True) (an
    agency's after photo); anything else → None."""
    parts = key.split("/")
    if len(parts) != 3 or not parts[1] or not parts[2].isdigit() or not 0 < int(parts[2]) < 100:
        return None
    prefix = parts[0] + "/"
    if prefix not in (ORIGINALS_PREFIX, AFTER_PREFIX):
        return None
    return parts[1], int(parts[2]), prefix == AFTER_PREFIX


def copy_keys(
    report_id: str, slot: int, version: str, *, private: bool, after: bool = False
) -> tuple[str, str]:
    """Stable, cache-friendly keys of the derived copies of one version of one photo."""
    tag = hashlib.sha256(version.encode()).hexdigest()[:12]
    prefix = PRIVATE_PREFIX if private else PUBLIC_PREFIX
    name = f"after-{slot}" if after else str(slot)
    base = f"{prefix}{report_id}/{name}-{tag}"
    return f"{base}.jpg", f"{base}-thumb.jpg"


class S3PhotoStore:
    def __init__(self, client: S3Client, bucket: str) -> None:
        self._s3 = client
        self._bucket = bucket

    def presigned_upload(self, report_id: str, slot: int, now: datetime) -> Upload:
        """A POST policy the app fills in: this exact key, an image content type, 1 KB to
        15 MB, valid 15 minutes. (S3 enforces the policy; the photo function re-checks.)"""
        return self._presigned_post(original_key(report_id, slot), slot, now)

    def presigned_after_upload(self, report_id: str, slot: int, now: datetime) -> Upload:
        """The same policy for an agency's after photo, under ``after/<report id>/<slot>``."""
        return self._presigned_post(after_key(report_id, slot), slot, now)

    def _presigned_post(self, key: str, slot: int, now: datetime) -> Upload:
        conditions: list[Any] = [
            {"bucket": self._bucket},
            ["eq", "$key", key],
            ["starts-with", "$Content-Type", "image/"],
            ["content-length-range", MIN_PHOTO_BYTES, MAX_PHOTO_BYTES],
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

    def get_original(
        self, report_id: str, slot: int, version_id: str | None, *, after: bool = False
    ) -> bytes:
        """The exact object version the event announced (the slot may have been replaced)."""
        key = after_key(report_id, slot) if after else original_key(report_id, slot)
        if version_id:
            obj = self._s3.get_object(Bucket=self._bucket, Key=key, VersionId=version_id)
        else:
            obj = self._s3.get_object(Bucket=self._bucket, Key=key)
        return obj["Body"].read(MAX_PHOTO_BYTES + 1)

    def put_copies(
        self,
        report_id: str,
        slot: int,
        version: str,
        image: bytes,
        thumbnail: bytes,
        *,
        private: bool,
        after: bool = False,
    ) -> Copies:
        image_key, thumbnail_key = copy_keys(report_id, slot, version, private=private, after=after)
        for key, jpeg in ((image_key, image), (thumbnail_key, thumbnail)):
            self._s3.put_object(
                Bucket=self._bucket,
                Key=key,
                Body=jpeg,
                ContentType="image/jpeg",
                CacheControl="private, no-store" if private else _PUBLIC_CACHE,
            )
        return Copies(image_key, thumbnail_key, private)

    def make_private(self, copies: Copies) -> Copies:
        """Idempotent: a copy an earlier attempt already moved is left as it is."""
        if copies.private:
            return copies
        moved = []
        for key in (copies.image_key, copies.thumbnail_key):
            target = PRIVATE_PREFIX + key.removeprefix(PUBLIC_PREFIX)
            try:
                self._s3.copy_object(
                    Bucket=self._bucket,
                    Key=target,
                    CopySource={"Bucket": self._bucket, "Key": key},
                    MetadataDirective="REPLACE",
                    ContentType="image/jpeg",
                    CacheControl="private, no-store",
                )
            except ClientError as exc:
                if exc.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                    raise
                self._s3.head_object(Bucket=self._bucket, Key=target)  # moved before, else fail
            moved.append(target)
        self.delete_copies(copies)
        return Copies(moved[0], moved[1], private=True)

    def delete_copies(self, copies: Copies) -> None:
        """Delete both copies. The bucket is versioned: the delete leaves a marker, and the
        CDN, which may read only current objects, answers 404 from then on."""
        for key in (copies.image_key, copies.thumbnail_key):
            self._s3.delete_object(Bucket=self._bucket, Key=key)

    def presigned_view(self, key: str, now: datetime) -> str:
        return self._s3.generate_presigned_url(
            "get_object",
            Params={"Bucket": self._bucket, "Key": key},
            ExpiresIn=int(VIEW_EXPIRY.total_seconds()),
        )
