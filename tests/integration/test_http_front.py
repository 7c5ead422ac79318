"""The local HTTP front turns requests into the payload 2.0 events API Gateway sends, and
function responses into HTTP, as API Gateway does. Functions here are throwaway handlers."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any
from unittest import mock

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from sikemas_local.auth import JwtAuthorizer
from sikemas_local.http_front import BoundRoute, Front, FrontConfig, HttpResponse
from sikemas_local.runtime import LocalFunction
from sikemas_local.template import FunctionSpec, HttpRoute, function_specs, load_template

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
    (tmp_path / "app.py").write_text(ECHO)
    spec = FunctionSpec(
        logical_id="EchoFunction",
        code_dir=tmp_path,
        handler="app.lambda_handler",
        environment={},
        timeout_s=3,
        memory_mb=128,
    )
    function = LocalFunction(
        spec, {}, region="ap-southeast-3", account_id="123456789012", stack_name="t"
    )
    with mock.patch.dict(os.environ):  # load() sets the function's environment, as Lambda
        function.load()
    return function


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
