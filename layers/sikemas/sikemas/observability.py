"""One place for logging and metrics. The Tracer is left out on purpose: it loads the X-Ray SDK
even when disabled (~430 ms of cold start). Correlation key: the report id.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

# Most requests (reads) add no business metric; Powertools would warn on each of them.
warnings.filterwarnings("ignore", message="No application metrics to publish")

NAMESPACE = "SIKeMas"

logger = Logger(service="sikemas")
metrics = Metrics(namespace=NAMESPACE, service="sikemas")

# Every business metric the code emits in NAMESPACE, with its dimensions (each of bounded
# values: an outcome enum, an agency code from the city's city.json, an action name). The
# dashboard and the alarms in template.yaml may name only these (tests/unit/test_dashboard.py).
EMITTED: dict[str, tuple[str, ...]] = {
    "ColdStart": ("function_name",),  # Powertools, capture_cold_start_metric=True
    "ReportCreated": (),
    "ReportReopened": (),
    "ReportConfirmed": (),
    "ApiUnexpectedError": (),
    "PhotoChecked": ("outcome",),  # usecases.photos.Result
    "PhotoMessageFailed": (),
    "AgencyAction": ("agency", "action"),  # agency code; acknowledge/resolve/hand_back/record
    "AgencyUnexpectedError": (),
    "MessagesSent": (),
    "ReportRouted": ("agency",),  # the notifier: each routing (first or an admin's re-routing)
    "NotificationFailed": (),
    "Reminded": (),
    "Escalated": (),  # overdue reports escalated by the watcher
    "ClosedBySystem": (),
    "Abandoned": (),
    "DigestSent": (),  # the daily digest went to the alerts topic
}

__all__ = ["EMITTED", "NAMESPACE", "MetricUnit", "logger", "metrics"]
