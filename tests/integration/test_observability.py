"""What the functions tell an operator: API Gateway's request id is the 500 body's correlation
id and every log line's correlation_id (and the access log's requestId); cold starts and photo
outcomes are metrics."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.metrics.provider import cold_start

from sikemas.observability import logger
from sikemas.usecases.intake import Intake
from tests.integration.conftest import Api


def _log_lines(out: str) -> list[dict[str, object]]:
    lines = []
    for line in out.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def test_the_500_body_and_the_logs_carry_api_gateways_request_id(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(self: Intake, ref: str) -> None:
        raise RuntimeError("the table is on fire")

    monkeypatch.setattr(Intake, "public_report", broken)

    status, body, _ = api.call("GET", "/v1/reports/R-ANY", phone=None)

    request_id = "CrNfPh1oyQ0EJwA="  # requestContext.requestId in events/http_api_post_report.json
    assert status == 500
    assert body["error"]["code"] == "internal_error"
    assert body["error"]["details"] == [{"correlation_id": request_id}]
    assert request_id in body["error"]["message"]["id"]
    assert request_id in body["error"]["message"]["en"]
    # Each record as Powertools writes it to CloudWatch.
    formatted = [json.loads(logger.registered_formatter.format(r)) for r in caplog.records]
    failures = [line for line in formatted if line.get("message") == "unexpected error"]
    assert failures, formatted
    assert all(line.get("correlation_id") == request_id for line in failures)


def test_cold_starts_are_a_metric(
    api: Api, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # One process runs many "cold" functions here: start this one cold, as Lambda would.
    monkeypatch.setattr(cold_start, "is_cold_start", True)
    capsys.readouterr()
    api.call("GET", "/v1/health", phone=None)
    api.call("GET", "/v1/health", phone=None)
    blobs = [line for line in _log_lines(capsys.readouterr().out) if "_aws" in line]
    cold = [blob for blob in blobs if "ColdStart" in blob]
    assert len(cold) == 1, blobs  # the first invocation only
    assert cold[0]["ColdStart"] in ([1.0], 1.0)
    assert cold[0]["function_name"] == api.function.name
