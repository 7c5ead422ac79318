"""The photo function: S3 ObjectCreated events for ``originals/`` arrive through SQS.

At-least-once and batched: every SQS record, every S3 record inside it, URL-decoded keys,
idempotent per object version, partial-batch failures reported so only failed messages return
(and, after five tries, rest in the dead-letter queue). S3's test event is skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.metrics import single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from sikemas.adapters.photo_store import parse_original_key
from sikemas.composition import photo_dependencies
from sikemas.observability import MetricUnit, logger, metrics
from sikemas.usecases.photos import PhotoChecks, PhotoLanded

checks: PhotoChecks = photo_dependencies()


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
        parsed = parse_original_key(key)
        if parsed is None:
            logger.warning("ignoring an object outside originals/<report>/<slot>", key=key[:200])
            continue
        version_id = obj.get("versionId") or None
        photos.append(
            PhotoLanded(
                report_id=parsed[0],
                slot=parsed[1],
                version=str(version_id or obj.get("eTag") or obj.get("sequencer", "")),
                version_id=version_id,
                size=int(obj.get("size", 0)),
                event_time=datetime.fromisoformat(record["eventTime"].replace("Z", "+00:00")),
            )
        )
    return photos


def record_outcomes(outcomes: Counter[str]) -> None:
    """One metric, `PhotoChecked`, with a bounded `outcome` dimension (the Outcome values): one
    graph in the console splits by outcome, and a new outcome adds no metric name."""
    for outcome, count in sorted(outcomes.items()):
        with single_metric(
            name="PhotoChecked",
            unit=MetricUnit.Count,
            value=count,
            namespace=metrics.namespace,
            default_dimensions={"service": str(metrics.service)},
        ) as metric:
            metric.add_dimension(name="outcome", value=outcome)


def handle(event: dict[str, Any], photo_checks: PhotoChecks) -> dict[str, Any]:
    failures = []
    outcomes: Counter[str] = Counter()
    for message in event.get("Records", []):
        try:
            for photo in landed_photos(message["body"]):
                logger.append_keys(report_id=photo.report_id)
                outcome = photo_checks.on_photo_landed(photo)
                logger.info("photo checked", slot=photo.slot, outcome=outcome.value)
                outcomes[outcome.value] += 1
        except Exception:
            logger.exception("photo message failed", message_id=message.get("messageId"))
            metrics.add_metric(name="PhotoMessageFailed", unit=MetricUnit.Count, value=1)
            failures.append({"itemIdentifier": message["messageId"]})
    record_outcomes(outcomes)
    return {"batchItemFailures": failures}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, checks)
