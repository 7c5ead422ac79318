"""One place for logging and metrics. The Tracer is left out on purpose: it loads the X-Ray SDK
even when disabled (~430 ms of cold start). Correlation key: the report id.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="sikemas")
metrics = Metrics(namespace="SIKeMas", service="sikemas")

__all__ = ["MetricUnit", "logger", "metrics"]
