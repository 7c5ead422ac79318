"""One place for logging and metrics. The Tracer is left out on purpose: it loads the X-Ray SDK
even when disabled (~430 ms of cold start). Correlation key: the report id.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

# Most requests (reads) add no business metric; Powertools would warn on each of them.
warnings.filterwarnings("ignore", message="No application metrics to publish")

logger = Logger(service="sikemas")
metrics = Metrics(namespace="SIKeMas", service="sikemas")

__all__ = ["MetricUnit", "logger", "metrics"]
