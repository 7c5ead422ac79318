"""The notifier: the table's stream (new timeline events) becomes messages on SNS.

Lambda's DynamoDB event source hands over batches in stream order. The records are handled in
order; at the first failure the handler stops and reports that record
(``ReportBatchItemFailures``): Lambda checkpoints before it and retries from it, splitting the
batch on error (``BisectBatchOnFunctionError``), and after ``MaximumRetryAttempts`` sends the
record's coordinates to the on-failure queue (alarmed). Records after a failure come back with
it; their messages already sent are skipped by their markers (``sikemas.notify.outbox``).

Every new timeline event passes here once: this is where a routing (``routed_to``: a first
routing or an admin's re-routing, not a reopen) is counted, as ``ReportRouted`` by agency.
A record counts once it is handled; the counts go out at the end of the invocation (one
metric line per agency), so a record that failed and comes back is counted once, when it
is handled.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aws_lambda_powertools.metrics import single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from sikemas.domain.report import routed_to
from sikemas.notify.outbox import Notifier
from sikemas.notify.service import event_from_record, notifier_dependencies
from sikemas.observability import NAMESPACE, MetricUnit, logger, metrics

notifier: Notifier = notifier_dependencies()


def handle(event: dict[str, Any], service: Notifier) -> dict[str, Any]:
    routed: Counter[str] = Counter()
    # Counted when the invocation answers: a batch that fails as a whole comes back entire.
    answer = _handle(event, service, routed)
    count_routed(routed)
    return answer


def count_routed(routed: Counter[str]) -> None:
    """``ReportRouted`` per agency (a code from city.json: bounded)."""
    for agency, n in sorted(routed.items()):
        with single_metric(
            name="ReportRouted", unit=MetricUnit.Count, value=n, namespace=NAMESPACE
        ) as metric:
            metric.add_dimension(name="agency", value=agency)


def _handle(event: dict[str, Any], service: Notifier, routed: Counter[str]) -> dict[str, Any]:
    for record in event.get("Records", []):
        sequence = record.get("dynamodb", {}).get("SequenceNumber")
        try:
            timeline_event = event_from_record(record)
            if timeline_event is None:
                continue
            logger.append_keys(report_id=timeline_event.report_id)
            sent = service.on_event(timeline_event)
            if sent:
                logger.info("notified", event_id=timeline_event.id, recipients=sent)
                metrics.add_metric(name="MessagesSent", unit=MetricUnit.Count, value=len(sent))
            agency = routed_to(timeline_event)
            if agency is not None:
                routed[agency] += 1
        except Exception:
            logger.exception("notification failed", sequence_number=sequence)
            metrics.add_metric(name="NotificationFailed", unit=MetricUnit.Count, value=1)
            # Stop here: Lambda retries from this record; what follows comes back with it.
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    return {"batchItemFailures": []}


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return handle(event, notifier)
