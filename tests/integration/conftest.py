"""Integration fixtures: the template's resources provisioned into in-process moto, and the
real handlers loaded with the environment the template gives them."""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import boto3
import pytest
from moto import mock_aws

from sikemas_local import moto_fixes
from sikemas_local.provision import Stack, provision
from sikemas_local.runtime import LocalFunction
from sikemas_local.template import FunctionSpec, function_specs, load_template

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
REGION = "ap-southeast-3"


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for var in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    moto_fixes.install()  # S3 events as S3 sends them; transactions that do not copy the table
    with mock_aws():
        yield


@pytest.fixture
def stack(aws: None) -> Stack:
    return provision(load_template(), endpoint_url=None, region=REGION, stack_name="sikemas-test")


def load_function(
    stack: Stack, logical_id: str, monkeypatch: pytest.MonkeyPatch, **env: str
) -> LocalFunction:
    """The function as the local stack runs it: its template environment (plus ``env``) set
    before its module is imported afresh, and a Lambda context on every invoke."""
    spec = function_specs(stack.template)[logical_id]
    function = LocalFunction(
        spec,
        {**stack.function_environment(logical_id), **env},
        region=REGION,
        account_id=stack.account_id,
        stack_name=stack.stack_name,
    )
    for key, value in function.environment.items():
        monkeypatch.setenv(key, value)  # restored after the test
    function.load()
    return function


class Api:
    """Calls the API function with payload-2.0 events built from ``events/``, routed by the
    template's HttpApi routes."""

    def __init__(self, function: LocalFunction) -> None:
        self.function = function

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw_body: str | None = None,
        raw_bytes: bytes | None = None,
        phone: str | None = "+6281234567890",
        sub: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        event = copy.deepcopy(load_event("http_api_post_report.json"))
        route_key, parameters = f"{method} {path}", None
        for route in self.function.spec.http_routes:
            matched = route.match(method, path)
            if matched is not None:
                route_key, parameters = route.route_key, matched or None
                break
        event["routeKey"] = event["requestContext"]["routeKey"] = route_key
        event["rawPath"] = path
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = path
        event["headers"] = {"content-type": "application/json", **(headers or {})}
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
        event["pathParameters"] = parameters
        event["isBase64Encoded"] = False
        if raw_bytes is not None:  # as API Gateway hands over a body that is not text
            event["body"] = base64.b64encode(raw_bytes).decode()
            event["isBase64Encoded"] = True
        elif raw_body is not None:
            event["body"] = raw_body
        else:
            event["body"] = None if body is None else json.dumps(body)
        if phone is None and sub is None:
            event["requestContext"].pop("authorizer", None)
        else:
            claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
            claims["sub"] = sub or f"sub-{phone}"
            claims["phone_number"] = phone or ""
        response = self.function.invoke(event)
        return response["statusCode"], json.loads(response["body"]), response.get("headers", {})


@pytest.fixture
def api(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Api:
    return Api(load_function(stack, "ApiFunction", monkeypatch))


@pytest.fixture
def dynamodb(aws: None) -> Any:
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def s3(aws: None) -> Any:
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs", region_name=REGION)


def source_function(
    folder: Path, logical_id: str, source: str, *, timeout_s: int = 3, memory_mb: int = 128
) -> LocalFunction:
    """A function of the local runtime made from ``source`` (its ``app.py`` in ``folder``),
    loaded with its own environment as Lambda does, the process's left as it was."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(source)
    spec = FunctionSpec(
        logical_id=logical_id,
        code_dir=folder,
        handler="app.lambda_handler",
        environment={},
        timeout_s=timeout_s,
        memory_mb=memory_mb,
    )
    function = LocalFunction(spec, {}, region=REGION, account_id="123456789012", stack_name="t")
    with mock.patch.dict(os.environ):
        function.load()
    return function
