"""The HTTP API on loopback: the template's routes, its JWT authorizer, payload 2.0 events.

Requests are matched to the HttpApi routes the template declares, authorized as API Gateway's
JWT authorizer does, turned into the payload 2.0 event API Gateway sends, and handed to the
function in-process. The function's payload 2.0 response is written back.

Local-only helpers live under `/_local/` and never in the template; `/public/...` stands in for
the CDN in front of the bucket's `public/` prefix.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import string
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from botocore.exceptions import ClientError

from sikemas_local.auth import UNAUTHORIZED_BODY, JwtAuthorizer, Unauthorized
from sikemas_local.runtime import LocalFunction
from sikemas_local.template import HttpRoute

E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|.*\+json|xml|.*\+xml|javascript|x-www-form-urlencoded))\s*(;.*)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BoundRoute:
    route: HttpRoute
    function: LocalFunction

    @property
    def specificity(self) -> tuple[int, int, int]:
        """API Gateway prefers the most specific route: fewer parameters, greedy last."""
        path = self.route.path
        return (path.count("+}"), path.count("{"), -len(path.split("/")))


@dataclass
class FrontConfig:
    """What the front needs of the provisioned stack."""

    routes: list[BoundRoute]
    authorizer: JwtAuthorizer | None
    account_id: str
    api_id: str
    region: str
    cognito: Any = None  # boto3 cognito-idp client, for /_local/token
    user_pool_id: str | None = None
    user_pool_client_id: str | None = None
    s3: Any = None  # boto3 s3 client, for /public/
    public_bucket: str | None = None


def cookies_from(header: str | None) -> list[str]:
    if not header:
        return []
    return [part.strip() for part in header.split(";") if part.strip()]


def build_event(
    *,
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    source_ip: str,
    route: HttpRoute,
    path_parameters: dict[str, str],
    config: FrontConfig,
    authorizer: dict[str, Any] | None,
) -> dict[str, Any]:
    """The payload 2.0 event API Gateway HTTP API sends for this request."""
    split = urlsplit(target)
    lower: dict[str, str] = {}
    cookie_header = None
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookie_header = value if cookie_header is None else f"{cookie_header}; {value}"
            continue
        lower[key] = f"{lower[key]},{value}" if key in lower else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(split.query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": split.path,
        "rawQueryString": split.query,
    }
    cookies = cookies_from(cookie_header)
    if cookies:
        event["cookies"] = cookies
    event["headers"] = lower
    if query:
        event["queryStringParameters"] = query
    request_context: dict[str, Any] = {
        "accountId": config.account_id,
        "apiId": config.api_id,
        "domainName": lower.get("host", f"{config.api_id}.execute-api.localhost"),
        "domainPrefix": lower.get("host", config.api_id).split(".")[0],
        "http": {
            "method": method,
            "path": split.path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lower.get("user-agent", ""),
        },
        "requestId": base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("="),
        "routeKey": route.route_key,
        "stage": "$default",
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if authorizer is not None:
        request_context["authorizer"] = authorizer
    event["requestContext"] = request_context
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        if _TEXT_TYPES.match(lower.get("content-type", "")):
            event["body"] = body.decode("utf-8", errors="replace")
            event["isBase64Encoded"] = False
        else:
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    return event


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def response_from(result: Any) -> HttpResponse:
    """A payload 2.0 function response as API Gateway turns it into HTTP."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Payload 2.0 lets a function return any JSON: API Gateway answers 200 with it.
        return HttpResponse(
            200, [("content-type", "application/json")], json.dumps(result).encode()
        )
    headers = [(str(key), str(value)) for key, value in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(value)) for value in values]
    headers += [("set-cookie", str(cookie)) for cookie in result.get("cookies") or []]
    raw = result.get("body")
    if raw is None:
        body = b""
    elif result.get("isBase64Encoded"):
        body = base64.b64decode(raw)
    else:
        body = (raw if isinstance(raw, str) else json.dumps(raw)).encode()
    return HttpResponse(int(result["statusCode"]), headers, body)


def json_response(status: int, document: Any, extra: dict[str, str] | None = None) -> HttpResponse:
    headers = [("content-type", "application/json"), *(extra or {}).items()]
    return HttpResponse(status, headers, json.dumps(document, separators=(",", ":")).encode())


NOT_FOUND = HttpResponse(404, [("content-type", "application/json")], b'{"message":"Not Found"}')
INTERNAL_ERROR = HttpResponse(
    500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}'
)


class Front:
    """Routing, authorization and invocation, independent of the socket server (testable)."""

    def __init__(self, config: FrontConfig) -> None:
        self.config = config
        self.routes = sorted(config.routes, key=lambda bound: bound.specificity)

    def handle(
        self,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str = "127.0.0.1",
    ) -> HttpResponse:
        path = urlsplit(target).path
        if path.startswith("/_local/"):
            return self._local(method, path, body)
        if path.startswith("/public/") and method in ("GET", "HEAD"):
            return self._public(path)
        for bound in self.routes:
            parameters = bound.route.match(method, path)
            if parameters is None:
                continue
            authorizer = None
            if bound.route.auth_required:
                if self.config.authorizer is None:
                    raise RuntimeError(f"{bound.route.route_key} needs an authorizer")
                try:
                    authorizer = self.config.authorizer.authorize(_header(headers, "authorization"))
                except Unauthorized as refusal:
                    return HttpResponse(
                        401,
                        [("content-type", "application/json"), *refusal.headers.items()],
                        UNAUTHORIZED_BODY.encode(),
                    )
            event = build_event(
                method=method,
                target=target,
                headers=headers,
                body=body,
                source_ip=source_ip,
                route=bound.route,
                path_parameters=parameters,
                config=self.config,
                authorizer=authorizer,
            )
            try:
                result = bound.function.invoke(event)
            except Exception:
                print(f"[local] {bound.function.spec.logical_id} raised:", file=sys.stderr)
                traceback.print_exc()
                return INTERNAL_ERROR
            try:
                return response_from(result)
            except (TypeError, ValueError):
                print(f"[local] malformed function response: {result!r}", file=sys.stderr)
                return INTERNAL_ERROR
        return NOT_FOUND

    # -- local-only helpers ----------------------------------------------------------------
    def _local(self, method: str, path: str, body: bytes) -> HttpResponse:
        if path == "/_local/token" and method == "POST":
            return self._token(body)
        return NOT_FOUND

    def _token(self, body: bytes) -> HttpResponse:
        """A Cognito ID token for a phone number, minted through the emulated pool's admin flow
        (moto cannot send SMS codes)."""
        config = self.config
        if config.cognito is None or not config.user_pool_id or not config.user_pool_client_id:
            return json_response(404, {"message": "no user pool in the template"})
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            return json_response(400, {"message": 'the body must be JSON: {"phone": "+62..."}'})
        phone = document.get("phone") if isinstance(document, dict) else None
        if not isinstance(phone, str) or not E164.match(phone):
            return json_response(
                400, {"message": "phone must be an E.164 number, e.g. +6281234567890"}
            )
        password = _random_password()
        cognito = config.cognito
        try:
            cognito.admin_get_user(UserPoolId=config.user_pool_id, Username=phone)
        except ClientError as error:
            if error.response["Error"]["Code"] != "UserNotFoundException":
                raise
            cognito.admin_create_user(
                UserPoolId=config.user_pool_id,
                Username=phone,
                UserAttributes=[
                    {"Name": "phone_number", "Value": phone},
                    {"Name": "phone_number_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",
            )
        cognito.admin_set_user_password(
            UserPoolId=config.user_pool_id, Username=phone, Password=password, Permanent=True
        )
        result = cognito.admin_initiate_auth(
            UserPoolId=config.user_pool_id,
            ClientId=config.user_pool_client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": phone, "PASSWORD": password},
        )
        tokens = result["AuthenticationResult"]
        return json_response(200, {"token": tokens["IdToken"], "expiresIn": tokens["ExpiresIn"]})

    def _public(self, path: str) -> HttpResponse:
        """`/public/<key>` from the bucket's `public/` prefix, as the CDN serves it in AWS."""
        if self.config.s3 is None or not self.config.public_bucket:
            return NOT_FOUND
        key = path.lstrip("/")
        try:
            found = self.config.s3.get_object(Bucket=self.config.public_bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("NoSuchKey", "404", "AccessDenied"):
                return NOT_FOUND
            raise
        headers = [("content-type", found.get("ContentType", "application/octet-stream"))]
        if found.get("ETag"):
            headers.append(("etag", found["ETag"]))
        return HttpResponse(200, headers, found["Body"].read())


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def _random_password() -> str:
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(24))
    return f"Aa1-{core}"  # every class any password policy may require


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        started = time.monotonic()
        if self.server.front is None:
            raise RuntimeError("the front is not ready")
        try:
            response = self.server.front.handle(
                self.command,
                self.path,
                list(self.headers.items()),
                body,
                source_ip=self.client_address[0],
            )
        except Exception:
            print(f"[local] {self.command} {self.path} failed in the front:", file=sys.stderr)
            traceback.print_exc()
            response = INTERNAL_ERROR
        self.send_response(response.status)
        names = {name.lower() for name, _ in response.headers}
        for name, value in response.headers:
            self.send_header(name, value)
        if "content-type" not in names and response.body:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(response.body)))
        self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.body)
        if not self.server.quiet:
            took = (time.monotonic() - started) * 1000
            print(f"[http] {self.command} {self.path} -> {response.status} ({took:.0f} ms)")

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: `_serve` prints one line per request."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], front: Front | None, *, quiet: bool) -> None:
        super().__init__(address, _RequestHandler)
        self.front = front
        self.quiet = quiet


def serve(
    front: Front | None, host: str = "127.0.0.1", port: int = 3000, *, quiet: bool = False
) -> _Server:
    """A server bound now and started later (port 0 picks a free port: `server_address`);
    its `front` may be set after binding."""
    return _Server((host, port), front, quiet=quiet)
