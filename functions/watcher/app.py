"""The watcher, run by EventBridge Scheduler every ``WatcherRateMinutes`` (issue 9 §2).

Each run reads what is due through the indexes (never a scan) and writes, per report, one
conditional transaction: the 75 % reminder, an overdue flag with its escalation event, the close
of a resolved report after the reopen window, the abandonment of a report whose photo never
came. The notifier turns the events into messages. Idempotent: a second run in the same minute
(or a run beside another) finds the flags set and writes nothing (``sikemas.usecases.watcher``).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from sikemas.composition import watcher_dependencies
from sikemas.observability import MetricUnit, logger, metrics
from sikemas.usecases.watcher import Watcher

watcher: Watcher = watcher_dependencies()


def handle(event: dict[str, Any], service: Watcher) -> dict[str, Any]:
    summary = service.run()
    for name, done in (
        ("Reminded", summary.reminded),
        ("Escalated", summary.escalated),
        ("ClosedBySystem", summary.closed),
        ("Abandoned", summary.abandoned),
    ):
        if done:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=len(done))
    result = summary.as_dict()
    logger.info("watched", extra=result)
    return result


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, watcher)
