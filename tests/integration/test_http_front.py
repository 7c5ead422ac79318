"""The local HTTP front turns requests into the payload 2.0 events API Gateway sends, and
function responses into HTTP, as API Gateway does. Functions here are throwaway handlers."""

from __future__ import annotations

import base64
import http.client
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sikemas_local.auth import JwtAuthorizer
from sikemas_local.http_front import (
    MAX_PAYLOAD_BYTES,
    BoundRoute,
    Front,
    FrontConfig,
    HttpResponse,
    serve,
)
from sikemas_local.poller import QueuePoller
from sikemas_local.runtime import LocalFunction
from sikemas_local.template import (
    HttpRoute,
    SqsSource,
    function_specs,
    load_template,
)
from tests.integration.conftest import source_function

ROOT = Path(__file__).resolve().parents[2]
ISSUER = "https://cognito-idp.ap-southeast-3.amazonaws.com/ap-southeast-3_test"
CLIENT_ID = "app-client"

ECHO = """
import json
def lambda_handler(event, context):
    if event.get("rawPath", "").endswith("/boom"):
        raise RuntimeError("boom")
    return {
        "statusCode": 201,
        "headers": {"content-type": "application/json", "x-function": context.function_name},
        "cookies": ["session=1; Secure"],
        "body": json.dumps(event),
    }
"""


@pytest.fixture
def echo(tmp_path: Path) -> LocalFunction:
    return source_function(tmp_path, "EchoFunction", ECHO)


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def authorizer(signing_key: rsa.RSAPrivateKey) -> JwtAuthorizer:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(signing_key.public_key()))
    jwks = {"keys": [{**public, "kid": "k1", "alg": "RS256", "use": "sig"}]}
    return JwtAuthorizer(
        issuer=ISSUER, audiences=[CLIENT_ID], jwks_url="http://jwks", fetch=lambda _url: jwks
    )


def _token(signing_key: rsa.RSAPrivateKey, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "sub": "3c1e9a52",
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "phone_number": "+6281234567890",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(payload, signing_key, algorithm="RS256", headers={"kid": "k1"})


def _front(echo: LocalFunction, authorizer: JwtAuthorizer, *routes: HttpRoute) -> Front:
    if not routes:
        routes = (
            HttpRoute("GET", "/v1/reports/{id}", auth_required=False, event_name="Get"),
            HttpRoute("GET", "/v1/reports/mine", auth_required=False, event_name="Mine"),
            HttpRoute("POST", "/v1/reports", auth_required=True, event_name="Create"),
            HttpRoute("POST", "/v1/boom", auth_required=False, event_name="Boom"),
        )
    return Front(
        FrontConfig(
            routes=[BoundRoute(route, echo) for route in routes],
            authorizer=authorizer,
            account_id="123456789012",
            api_id="local",
            region="ap-southeast-3",
        )
    )


def _event(response: HttpResponse) -> dict[str, Any]:
    assert response.status == 201, response.body
    event: dict[str, Any] = json.loads(response.body)
    return event


def test_get_with_query_cookies_and_path_parameter(
    echo: LocalFunction, authorizer: JwtAuthorizer
) -> None:
    front = _front(echo, authorizer)

    event = _event(
        front.handle(
            "GET",
            "/v1/reports/KTG-1?lang=id&tag=a&tag=b",
            [("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8"), ("Cookie", "a=1; b=2")],
            b"",
        )
    )

    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /v1/reports/{id}"
    assert event["rawPath"] == "/v1/reports/KTG-1"
    assert event["rawQueryString"] == "lang=id&tag=a&tag=b"
    assert event["queryStringParameters"] == {"lang": "id", "tag": "a,b"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"] == {"host": "127.0.0.1:3000", "user-agent": "curl/8"}
    assert event["pathParameters"] == {"id": "KTG-1"}
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/v1/reports/KTG-1",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "curl/8",
    }
    assert (context["stage"], context["routeKey"]) == ("$default", "GET /v1/reports/{id}")
    assert "authorizer" not in context


def test_a_static_route_wins_over_a_parameter(
    echo: LocalFunction, authorizer: JwtAuthorizer
) -> None:
    event = _event(_front(echo, authorizer).handle("GET", "/v1/reports/mine", [], b""))

    assert event["routeKey"] == "GET /v1/reports/mine"


def test_protected_route_without_token_is_api_gateways_401(
    echo: LocalFunction, authorizer: JwtAuthorizer
) -> None:
    response = _front(echo, authorizer).handle("POST", "/v1/reports", [], b"{}")

    assert (response.status, response.body) == (401, b'{"message":"Unauthorized"}')


def test_protected_route_with_a_bad_token_says_why(
    echo: LocalFunction, authorizer: JwtAuthorizer, signing_key: rsa.RSAPrivateKey
) -> None:
    token = _token(signing_key, aud="someone-else")

    response = _front(echo, authorizer).handle(
        "POST", "/v1/reports", [("Authorization", f"Bearer {token}")], b"{}"
    )

    assert response.status == 401
    assert dict(response.headers)["www-authenticate"] == (
        'Bearer scope="" error="invalid_token" '
        'error_description="the token does not have a valid audience"'
    )


def test_protected_route_hands_claims_and_json_body_to_the_function(
    echo: LocalFunction, authorizer: JwtAuthorizer, signing_key: rsa.RSAPrivateKey
) -> None:
    headers = [
        ("Authorization", f"Bearer {_token(signing_key)}"),
        ("Content-Type", "application/json"),
    ]

    event = _event(
        _front(echo, authorizer).handle("POST", "/v1/reports", headers, b'{"kind":"complaint"}')
    )

    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    assert claims["sub"] == "3c1e9a52"
    assert claims["phone_number"] == "+6281234567890"
    assert isinstance(claims["exp"], str)
    assert event["requestContext"]["authorizer"]["jwt"]["scopes"] is None
    assert (event["body"], event["isBase64Encoded"]) == ('{"kind":"complaint"}', False)


def test_a_binary_body_arrives_base64_encoded(
    echo: LocalFunction, authorizer: JwtAuthorizer, signing_key: rsa.RSAPrivateKey
) -> None:
    headers = [
        ("Authorization", _token(signing_key)),
        ("Content-Type", "application/octet-stream"),
    ]

    event = _event(_front(echo, authorizer).handle("POST", "/v1/reports", headers, b"\xff\xd8"))

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xd8"


def test_function_response_becomes_http(echo: LocalFunction, authorizer: JwtAuthorizer) -> None:
    response = _front(echo, authorizer).handle("GET", "/v1/reports/1", [], b"")

    assert ("set-cookie", "session=1; Secure") in response.headers
    assert ("x-function", "t-EchoFunction") in response.headers


def test_unknown_route_or_method_is_api_gateways_404(
    echo: LocalFunction, authorizer: JwtAuthorizer
) -> None:
    front = _front(echo, authorizer)

    for method, path in (("GET", "/v2/anything"), ("DELETE", "/v1/reports/1")):
        response = front.handle(method, path, [], b"")
        assert (response.status, response.body) == (404, b'{"message":"Not Found"}')


def test_a_function_error_is_api_gateways_500(
    echo: LocalFunction, authorizer: JwtAuthorizer
) -> None:
    response = _front(echo, authorizer).handle("POST", "/v1/boom", [], b"")

    assert (response.status, response.body) == (500, b'{"message":"Internal Server Error"}')


def test_events_have_the_shape_of_the_sample_events(
    echo: LocalFunction, authorizer: JwtAuthorizer, signing_key: rsa.RSAPrivateKey
) -> None:
    api_routes = function_specs(load_template())["ApiFunction"].http_routes
    front = _front(echo, authorizer, *api_routes)
    sample = json.loads((ROOT / "events" / "http_api_post_report.json").read_text())
    headers = [("Authorization", _token(signing_key)), ("Content-Type", "application/json")]

    event = _event(front.handle("POST", "/v1/reports", headers, b"{}"))

    assert set(event) == set(sample)
    assert set(event["requestContext"]) == set(sample["requestContext"])
    assert set(event["requestContext"]["http"]) == set(sample["requestContext"]["http"])
    assert event["routeKey"] == sample["routeKey"]
    assert set(sample["requestContext"]["authorizer"]["jwt"]["claims"]) <= set(
        event["requestContext"]["authorizer"]["jwt"]["claims"]
    ) | {"cognito:username", "origin_jti", "event_id", "auth_time", "jti", "phone_number_verified"}


def test_token_helper_refuses_a_malformed_phone(
    echo: LocalFunction, authorizer: JwtAuthorizer
) -> None:
    front = _front(echo, authorizer)
    front.config.cognito = object()
    front.config.user_pool_id = "pool"
    front.config.user_pool_client_id = CLIENT_ID

    for body in (b'{"phone":"0812345"}', b'{"phone":6281234567890}', b"not json"):
        assert front.handle("POST", "/_local/token", [], body).status == 400


# -- over a socket: werkzeug's server underneath the emulation -------------------------------


@pytest.fixture
def served(echo: LocalFunction, authorizer: JwtAuthorizer) -> Iterator[int]:
    """The front on a free loopback port, with a public POST route that echoes its event."""
    front = _front(
        echo,
        authorizer,
        HttpRoute("GET", "/v1/reports/{id}", auth_required=False, event_name="Get"),
        HttpRoute("POST", "/v1/echo", auth_required=False, event_name="Echo"),
    )
    server = serve(front, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _body_seen(response: http.client.HTTPResponse) -> bytes:
    """The request body as the function received it (the echo returns its event)."""
    event = json.loads(response.read())
    if "body" not in event:
        return b""
    body: str = event["body"]
    return base64.b64decode(body) if event["isBase64Encoded"] else body.encode()


def test_a_chunked_body_reaches_the_function_whole_and_the_connection_stays_usable(
    served: int,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=20)
    parts = [b'{"description":', b'"Jalan rusak di ', b'Kotamobagu"}']

    connection.request(
        "POST",
        "/v1/echo",
        body=iter(parts),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        encode_chunked=True,
    )
    first = connection.getresponse()
    seen = _body_seen(first)
    connection.request("GET", "/v1/reports/KTG-2")  # the same client connection, next request
    second = connection.getresponse()

    assert (first.status, seen) == (201, b"".join(parts))
    assert second.status == 201
    assert json.loads(second.read())["pathParameters"] == {"id": "KTG-2"}


def test_two_hundred_parallel_connections_all_get_answers(served: int) -> None:
    count = 200
    barrier = threading.Barrier(count)

    def one(number: int) -> tuple[int, Any]:
        barrier.wait()  # every client connects at once
        try:
            connection = http.client.HTTPConnection("127.0.0.1", served, timeout=20)
            connection.request("GET", f"/v1/reports/KTG-{number}")
            response = connection.getresponse()
            return response.status, json.loads(response.read())["pathParameters"]["id"]
        except OSError as error:  # reset, refused or timed out
            return 0, repr(error)

    with ThreadPoolExecutor(max_workers=count) as pool:
        answers = list(pool.map(one, range(count)))

    assert answers == [(201, f"KTG-{number}") for number in range(count)]


def test_a_large_binary_body_arrives_whole(served: int) -> None:
    body = os.urandom(4 * 1024 * 1024)  # base64 in the event: 5.3 MB, under Lambda's 6 MB
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=60)

    connection.request(
        "POST", "/v1/echo", body=body, headers={"Content-Type": "application/octet-stream"}
    )
    response = connection.getresponse()

    assert response.status == 201
    assert _body_seen(response) == body


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_api_gateways_10_mb_is_refused_413_without_calling_the_function(
    served: int, echo: LocalFunction, chunked: bool
) -> None:
    body = b"x" * (MAX_PAYLOAD_BYTES + 1)
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=60)

    with mock.patch.object(echo, "invoke", wraps=echo.invoke) as invoke:
        if chunked:
            pieces = (body[i : i + 1024 * 1024] for i in range(0, len(body), 1024 * 1024))
            connection.request("POST", "/v1/echo", body=pieces, encode_chunked=True)
        else:
            connection.request("POST", "/v1/echo", body=body)
        response = connection.getresponse()

    assert (response.status, response.read()) == (413, b'{"message":"Request Entity Too Large"}')
    invoke.assert_not_called()


def test_a_body_at_the_10_mb_limit_is_taken(served: int) -> None:
    body = b"x" * MAX_PAYLOAD_BYTES
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=60)

    connection.request("POST", "/v1/echo", body=body, headers={"Content-Type": "text/plain"})
    response = connection.getresponse()

    # API Gateway takes it; Lambda refuses the 10 MB event (over its 6 MB), so API Gateway's 500.
    assert (response.status, response.read()) == (500, b'{"message":"Internal Server Error"}')


def test_an_event_over_lambdas_6_mb_is_api_gateways_500(
    echo: LocalFunction, authorizer: JwtAuthorizer, capsys: pytest.CaptureFixture[str]
) -> None:
    front = _front(echo, authorizer, HttpRoute("POST", "/v1/echo", False, "Echo"))
    body = os.urandom(5 * 1024 * 1024)  # 6.7 MB once base64-encoded

    response = front.handle(
        "POST", "/v1/echo", [("Content-Type", "application/octet-stream")], body
    )

    assert (response.status, response.body) == (500, b'{"message":"Internal Server Error"}')
    assert "[t-EchoFunction] [local] the event is" in capsys.readouterr().err


def test_head_and_unknown_routes_over_http_are_api_gateways_404(served: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=20)
    answers = []
    for method, path in (("HEAD", "/v1/reports/1"), ("GET", "/nothing"), ("PUT", "/v1/echo")):
        connection.request(method, path)
        response = connection.getresponse()
        answers.append(
            (method, response.status, response.getheader("content-length"), response.read())
        )

    assert answers == [
        ("HEAD", 404, "23", b""),
        ("GET", 404, "23", b'{"message":"Not Found"}'),
        ("PUT", 404, "23", b'{"message":"Not Found"}'),
    ]


def test_the_functions_headers_and_status_reach_the_client(served: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served, timeout=20)

    connection.request("GET", "/v1/reports/1?lang=id", headers={"Cookie": "a=1; b=2"})
    response = connection.getresponse()
    event = json.loads(response.read())

    assert (response.status, response.reason) == (201, "Created")
    assert response.getheader("x-function") == "t-EchoFunction"
    assert response.getheader("set-cookie") == "session=1; Secure"
    assert response.getheader("apigw-requestid")
    assert (event["rawPath"], event["rawQueryString"]) == ("/v1/reports/1", "lang=id")
    assert event["cookies"] == ["a=1", "b=2"]


# -- log lines name the function that wrote them ---------------------------------------------

SHARED_LOGGER = """
import io
import threading
from aws_lambda_powertools import Logger

STREAM = io.StringIO()
logger = Logger(service="{service}", stream=STREAM)
first_started = threading.Event()
second_started = threading.Event()
"""

LOGGING_FUNCTION = """
from {shared} import first_started, logger, second_started

@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event, context):
    if event["rawPath"] == "/first":
        first_started.set()
        second_started.wait(10)  # the second function has put its keys on the shared logger
        logger.info("from the first")
    else:
        first_started.wait(10)
        logger.info("from the second")
        second_started.set()
    return {{"statusCode": 200, "body": "{{}}"}}
"""


def _logging_function(folder: Path, logical_id: str, shared: str) -> LocalFunction:
    memory = 256 if logical_id == "FirstFunction" else 512
    source = LOGGING_FUNCTION.format(shared=shared)
    return source_function(folder, logical_id, source, timeout_s=10, memory_mb=memory)


def test_concurrent_functions_sharing_a_layers_logger_each_name_themselves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, authorizer: JwtAuthorizer
) -> None:
    # One layer module, one Powertools Logger, two functions in one process: as the local
    # stack runs ApiFunction and PhotoCheckFunction.
    shared = f"shared_logger_{uuid.uuid4().hex}"
    (tmp_path / f"{shared}.py").write_text(SHARED_LOGGER.format(service=shared))
    monkeypatch.syspath_prepend(str(tmp_path))
    first = _logging_function(tmp_path / "first", "FirstFunction", shared)
    second = _logging_function(tmp_path / "second", "SecondFunction", shared)
    front = Front(
        FrontConfig(
            routes=[
                BoundRoute(HttpRoute("GET", "/first", False, "First"), first),
                BoundRoute(HttpRoute("GET", "/second", False, "Second"), second),
            ],
            authorizer=authorizer,
            account_id="123456789012",
            api_id="local",
            region="ap-southeast-3",
        )
    )

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = list(
            pool.map(lambda path: front.handle("GET", path, [], b"").status, ["/first", "/second"])
        )

    lines = [json.loads(line) for line in sys.modules[shared].STREAM.getvalue().splitlines()]
    named = {
        line["message"]: (line["function_name"], line["function_arn"], line["function_memory_size"])
        for line in lines
    }
    assert statuses == [200, 200]
    assert named == {
        "from the first": (
            "t-FirstFunction",
            "arn:aws:lambda:ap-southeast-3:123456789012:function:t-FirstFunction",
            256,
        ),
        "from the second": (
            "t-SecondFunction",
            "arn:aws:lambda:ap-southeast-3:123456789012:function:t-SecondFunction",
            512,
        ),
    }


def test_a_functions_error_report_names_it_on_every_line(
    echo: LocalFunction, authorizer: JwtAuthorizer, capsys: pytest.CaptureFixture[str]
) -> None:
    _front(echo, authorizer).handle("POST", "/v1/boom", [], b"")

    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "[t-EchoFunction] [local] raised:"
    assert lines[-1] == "[t-EchoFunction] RuntimeError: boom"
    assert all(line.startswith("[t-EchoFunction] ") for line in lines)


QUEUE_CONSUMER = """
import io
from aws_lambda_powertools import Logger

STREAM = io.StringIO()
logger = Logger(service="{service}", stream=STREAM)

def lambda_handler(event, context):  # no inject_lambda_context: Powertools knows no name
    logger.info("batch of %d", len(event["Records"]))
    return {{"batchItemFailures": []}}
"""


def test_a_queue_pollers_invocations_name_the_function_too(tmp_path: Path) -> None:
    source = QUEUE_CONSUMER.format(service=uuid.uuid4().hex)
    function = source_function(tmp_path, "PhotoCheckFunction", source, timeout_s=10, memory_mb=1024)
    poller = QueuePoller(
        sqs=mock.Mock(),
        queue_url="http://queue",
        queue_arn="arn:aws:sqs:ap-southeast-3:123456789012:photos",
        source=SqsSource("PhotoQueue", 10, 0, True, "Photos"),
        function=function,
        region="ap-southeast-3",
        stop=threading.Event(),
        log=lambda _line: None,
    )

    poller.deliver([{"MessageId": "m1", "ReceiptHandle": "r1", "Body": "{}", "MD5OfBody": "-"}])

    line = json.loads(function.module.STREAM.getvalue())
    assert (line["message"], line["function_name"]) == ("batch of 1", "t-PhotoCheckFunction")
