"""Integration fixtures: the template's resources provisioned into in-process moto, and the
real handlers loaded with the environment the template gives them."""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from sikemas_local.provision import Stack, provision
from sikemas_local.template import load_template

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
    with mock_aws():
        yield


@pytest.fixture
def stack(aws: None) -> Stack:
    return provision(load_template(), endpoint_url=None, region=REGION, stack_name="sikemas-test")


def load_function(
    directory: str, stack: Stack, logical_id: str, monkeypatch: pytest.MonkeyPatch, **env: str
) -> ModuleType:
    """Import ``functions/<directory>/app.py`` afresh with the function's own environment."""
    for key, value in {**stack.function_environment(logical_id), **env}.items():
        monkeypatch.setenv(key, value)
    name = f"fn_{directory}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, ROOT / "functions" / directory / "app.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass
class LambdaContext:
    function_name: str = "ApiFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:ApiFunction"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class Api:
    """Calls the API handler with payload-2.0 events built from ``events/``."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw_body: str | None = None,
        phone: str | None = "+6281234567890",
        sub: str | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        event = copy.deepcopy(load_event("http_api_post_report.json"))
        route = _route_of(path)
        event["routeKey"] = f"{method} {route}"
        event["rawPath"] = path
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = path
        event["requestContext"]["routeKey"] = event["routeKey"]
        event["headers"] = {"content-type": "application/json", **(headers or {})}
        event["queryStringParameters"] = query
        event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in (query or {}).items())
        event["pathParameters"] = {"id": path.rsplit("/", 1)[-1]} if "{id}" in route else None
        if raw_body is not None:
            event["body"] = raw_body
        else:
            event["body"] = None if body is None else json.dumps(body)
        event["isBase64Encoded"] = False
        if phone is None and sub is None:
            event["requestContext"].pop("authorizer", None)
        else:
            claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
            claims["sub"] = sub or f"sub-{phone}"
            claims["phone_number"] = phone or ""
        response = self.module.lambda_handler(event, LambdaContext())
        return response["statusCode"], json.loads(response["body"]), response.get("headers", {})


def _route_of(path: str) -> str:
    parts = path.split("/")
    if len(parts) >= 4 and parts[2] == "reports" and len(parts) >= 4:
        # /v1/reports/{id}[/photos]
        return "/".join([*parts[:3], "{id}", *parts[4:]])
    if len(parts) >= 5 and parts[2] == "me" and parts[3] == "reports":
        return "/".join([*parts[:4], "{id}"])
    return path


@pytest.fixture
def api(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> Api:
    return Api(load_function("api", stack, "ApiFunction", monkeypatch))


@pytest.fixture
def dynamodb(aws: None) -> Any:
    return boto3.client("dynamodb", region_name=REGION)


@pytest.fixture
def s3(aws: None) -> Any:
    return boto3.client("s3", region_name=REGION)


@pytest.fixture
def sqs(aws: None) -> Any:
    return boto3.client("sqs", region_name=REGION)


def env_value(stack: Stack, logical_id: str, name: str) -> str:
    return stack.function_environment(logical_id)[name]


__all__ = ["Api", "LambdaContext", "env_value", "load_event", "load_function", "os"]
