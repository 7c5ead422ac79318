"""The admins' daily digest, run by EventBridge Scheduler at 07:00 city time (issue 10 §5).

Yesterday's figures (the counter rows), the overdue reports per agency (index ByStatus, open
statuses only: never a scan) and the week's trend, in Indonesian, to the alerts topic
(``sikemas.usecases.digest``).
"""

from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from sikemas.adapters.alerts import SnsAlerts
from sikemas.composition import followup_dependencies, utc_now
from sikemas.observability import MetricUnit, logger, metrics
from sikemas.usecases.digest import Digest


def _digest() -> Digest:
    deps = followup_dependencies()
    topic = deps.settings.alerts_topic_arn
    alerts = SnsAlerts(boto3.client("sns") if topic else None, topic)
    return Digest(deps.repo, deps.city, utc_now, alerts)


digest: Digest = _digest()


def handle(event: dict[str, Any], service: Digest) -> dict[str, Any]:
    result = service.run()
    metrics.add_metric(name="DigestSent", unit=MetricUnit.Count, value=1)
    logger.info("digest sent", extra=result)
    return result


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, digest)
