"""`POST /_local/invoke/<LogicalId>`: any function of the template runs with the posted event
and answers as Lambda's Invoke (the console's Test button) does: its JSON result, or
`{"errorType", "errorMessage"}` when it raises."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sikemas_local.http_front import Front, FrontConfig
from sikemas_local.runtime import LocalFunction
from tests.integration.conftest import source_function

CONSOLE = """
def lambda_handler(event, context):
    if event.get("action") == "boom":
        raise ValueError("the admin asked for it")
    if event.get("action") == "opaque":
        return object()
    return {"ok": True, "seen": event, "function": context.function_name}
"""


@pytest.fixture
def console(tmp_path: Path) -> LocalFunction:
    return source_function(tmp_path, "ConsoleFunction", CONSOLE)


@pytest.fixture
def front(console: LocalFunction) -> Front:
    # No route leads to the function: only /_local/invoke reaches it, as only the console does.
    return Front(
        FrontConfig(
            routes=[],
            authorizer=None,
            account_id="123456789012",
            api_id="local",
            region="ap-southeast-3",
            functions={"ConsoleFunction": console},
        )
    )


def test_the_event_runs_the_function_and_its_result_comes_back(front: Front) -> None:
    event = {"action": "queue", "admin": "Rina"}

    response = front.handle(
        "POST", "/_local/invoke/ConsoleFunction", [], json.dumps(event).encode()
    )

    assert response.status == 200
    assert json.loads(response.body) == {"ok": True, "seen": event, "function": "t-ConsoleFunction"}
    assert response.function == "t-ConsoleFunction"


def test_a_raised_exception_is_lambdas_error_document(front: Front) -> None:
    response = front.handle("POST", "/_local/invoke/ConsoleFunction", [], b'{"action": "boom"}')

    assert response.status == 200  # as Lambda's Invoke: the call worked, the function did not
    failure = json.loads(response.body)
    assert failure["errorType"] == "ValueError"
    assert failure["errorMessage"] == "the admin asked for it"
    assert ("x-amz-function-error", "Unhandled") in response.headers


def test_a_result_that_is_not_json_is_lambdas_marshal_error(front: Front) -> None:
    response = front.handle("POST", "/_local/invoke/ConsoleFunction", [], b'{"action": "opaque"}')

    assert json.loads(response.body)["errorType"] == "Runtime.MarshalError"
    assert ("x-amz-function-error", "Unhandled") in response.headers


def test_an_unknown_function_is_404_naming_the_known_ones(front: Front) -> None:
    response = front.handle("POST", "/_local/invoke/NoSuchFunction", [], b"{}")

    assert response.status == 404
    assert "ConsoleFunction" in json.loads(response.body)["message"]


def test_an_event_that_is_not_json_is_refused_without_running_the_function(front: Front) -> None:
    response = front.handle("POST", "/_local/invoke/ConsoleFunction", [], b"action=queue")

    assert response.status == 400
    assert "json" in json.loads(response.body)["message"]


def test_an_empty_body_is_the_empty_event(front: Front) -> None:
    response = front.handle("POST", "/_local/invoke/ConsoleFunction", [], b"")

    assert json.loads(response.body)["seen"] == {}


def test_only_post_invokes(front: Front) -> None:
    response = front.handle("GET", "/_local/invoke/ConsoleFunction", [], b"")

    assert response.status == 404
