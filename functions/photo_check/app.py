"""The photo function: S3 ObjectCreated events for ``originals/`` (citizens' photos) and
``after/`` (agencies' "after" photos, checked near the report's place) arrive through SQS.

At-least-once and batched: every SQS record, every S3 record inside it, URL-decoded keys,
idempotent per object version, ordered per key by S3's ``sequencer``, partial-batch failures
reported so only failed messages return (and, after five tries, go to the dead-letter queue).
S3's test event is skipped.

The same function consumes the dead-letter queue (records whose ``eventSourceARN`` is
``PHOTO_DEAD_LETTER_QUEUE_ARN``): a photo whose check crashed every time gets the
``check_failed`` finding, its report goes to ``needs_review`` and the admins are alerted.

Close to its time limit the function takes no new message: the rest of the batch is reported
as failed and comes back (a slow batch never fails whole by timing out).
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from sikemas.adapters.photo_store import parse_upload_key
from sikemas.composition import photo_dependencies
from sikemas.observability import MetricUnit, logger, metrics
from sikemas.usecases.photos import PhotoChecks, PhotoLanded, Result

checks: PhotoChecks = photo_dependencies()
DEAD_LETTER_QUEUE_ARN = os.environ.get("PHOTO_DEAD_LETTER_QUEUE_ARN", "")
# Take no new message with less time left than this: one photo's check (download, decode,
# derive, writes) takes a few seconds; its worst case stays well under it.
RESERVE_MS = 20_000
NAMESPACE = "SIKeMas"


class _Remaining(Protocol):
    def get_remaining_time_in_millis(self) -> int: ...


def _order(obj: dict[str, Any], event_time: datetime) -> str:
    """S3's ``sequencer`` (per key, ordered); without one, the event time in microseconds as
    hex, which orders the same way."""
    sequencer = obj.get("sequencer")
    if sequencer:
        return str(sequencer)
    return format(int(event_time.timestamp() * 1_000_000), "x")


def landed_photos(sqs_body: str) -> list[PhotoLanded]:
    """The photos one SQS message announces (none for S3's test event or foreign keys)."""
    message = json.loads(sqs_body)
    if message.get("Event") == "s3:TestEvent":
        return []
    photos = []
    for record in message.get("Records", []):
        if not str(record.get("eventName", "")).startswith("ObjectCreated:"):
            continue
        obj = record["s3"]["object"]
        key = unquote_plus(obj["key"])
        parsed = parse_upload_key(key)
        if parsed is None:
            logger.warning(
                "ignoring an object outside originals/<report>/<slot> and after/<report>/<n>",
                key=key[:200],
            )
            continue
        version_id = obj.get("versionId") or None
        event_time = datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00"))
        photos.append(
            PhotoLanded(
                report_id=parsed[0],
                slot=parsed[1],
                version=str(version_id or obj.get("eTag") or obj.get("sequencer", "")),
                version_id=version_id,
                order=_order(obj, event_time),
                size=int(obj.get("size", 0)),
                event_time=event_time,
                after=parsed[2],
            )
        )
    return photos


def record_outcome(result: Result) -> None:
    """One metric for every photo, its outcome a dimension with a bounded set of values."""
    with single_metric(
        name="PhotoChecked", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="outcome", value=result.value)


def handle(
    event: dict[str, Any],
    photo_checks: PhotoChecks,
    context: _Remaining | None = None,
    *,
    dead_letter_queue_arn: str = DEAD_LETTER_QUEUE_ARN,
) -> dict[str, Any]:
    failures = []
    for message in event.get("Records", []):
        if context is not None and context.get_remaining_time_in_millis() < RESERVE_MS:
            # Too close to the time limit: this message and the rest come back later.
            failures.append({"itemIdentifier": message["messageId"]})
            continue
        dead = (
            bool(dead_letter_queue_arn) and message.get("eventSourceARN") == dead_letter_queue_arn
        )
        try:
            for photo in landed_photos(message["body"]):
                logger.append_keys(report_id=photo.report_id)
                if dead:
                    result = photo_checks.on_check_failed(photo)
                else:
                    result = photo_checks.on_photo_landed(photo)
                logger.info("photo checked", slot=photo.slot, outcome=result.value)
                record_outcome(result)
        except Exception:
            logger.exception("photo message failed", message_id=message.get("messageId"))
            metrics.add_metric(name="PhotoMessageFailed", unit=MetricUnit.Count, value=1)
            failures.append({"itemIdentifier": message["messageId"]})
    return {"batchItemFailures": failures}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, checks, context)
