"""The HTTP API on loopback: the template's routes, its JWT authorizer, payload 2.0 events.

Requests are matched to the HttpApi routes the template declares, authorized as API Gateway's
JWT authorizer does, turned into the payload 2.0 event API Gateway sends, and handed to the
function in-process. The function's payload 2.0 response is written back.

Local-only helpers live under `/_local/` and never in the template; `/public/...` stands in for
the CDN in front of the bucket's `public/` prefix.

The socket layer is werkzeug's threaded WSGI server (it comes with moto's server mode): it
reads chunked bodies, closes each connection after its answer (no leftover bytes of one
request are ever read as the next), and its listen backlog takes bursts of connections. What
API Gateway does with a request (`build_event`, `response_from`, `Front`) stays ours.
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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit

from botocore.exceptions import ClientError
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import get_input_stream

from sikemas_local import logs
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
    # Every function of the template by logical id, for /_local/invoke/<LogicalId>.
    functions: dict[str, LocalFunction] = field(default_factory=dict)
    # The schedules (ScheduleV2), run on the stack's clock (sikemas_local.clock).
    scheduler: Any = None
    # Waits until the queues and streams are quiet, for POST /_local/drain (sikemas_local.drain).
    drain: Any = None


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


# API Gateway HTTP API quota "Payload size: 10 MB" (not adjustable); beyond it API Gateway
# answers 413 without calling the integration.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
# Lambda refuses a synchronous invocation whose event is larger (RequestEntityTooLarge); API
# Gateway then answers its own 500. A body under 10 MB can make such an event (base64 adds 1/3).
MAX_EVENT_BYTES = 6 * 1024 * 1024


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    function: str | None = None  # the function that answered, for the access line


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


_INVOKE = "/_local/invoke/"
NOT_FOUND = HttpResponse(404, [("content-type", "application/json")], b'{"message":"Not Found"}')
INTERNAL_ERROR = HttpResponse(
    500, [("content-type", "application/json")], b'{"message":"Internal Server Error"}'
)
TOO_LARGE = HttpResponse(
    413, [("content-type", "application/json")], b'{"message":"Request Entity Too Large"}'
)
NOT_READY = HttpResponse(
    503, [("content-type", "application/json")], b'{"message":"Service Unavailable"}'
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
            return self._local(method, path, body, urlsplit(target).query)
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
            return self._invoke(bound.function, event)
        return NOT_FOUND

    def _invoke(self, function: LocalFunction, event: dict[str, Any]) -> HttpResponse:
        """Call the function as API Gateway's Lambda integration does; its failures are
        API Gateway's 500, and the lines saying why name the function."""
        name = function.name
        size = len(json.dumps(event, separators=(",", ":")).encode())
        if size > MAX_EVENT_BYTES:
            _report(name, f"the event is {size} bytes: Lambda refuses over {MAX_EVENT_BYTES}\n")
            return _answered_by(INTERNAL_ERROR, name)
        with logs.invoking(function):
            try:
                result = function.invoke(event)
            except Exception:
                _report(name, f"raised:\n{traceback.format_exc()}")
                return _answered_by(INTERNAL_ERROR, name)
        try:
            return _answered_by(response_from(result), name)
        except (TypeError, ValueError):
            _report(name, f"malformed function response: {result!r}\n")
            return _answered_by(INTERNAL_ERROR, name)

    # -- local-only helpers ----------------------------------------------------------------
    def _local(self, method: str, path: str, body: bytes, query: str = "") -> HttpResponse:
        if path == "/_local/token" and method == "POST":
            return self._token(body)
        if path == "/_local/outbox" and method == "GET":
            from sikemas_local import outbox

            # `?from=N`: the messages from the N-th on (`next` is where the next read starts),
            # so a client that follows the outbox reads each message once.
            start = parse_qs(query).get("from", ["0"])[0]
            if not start.isdigit():
                return json_response(400, {"message": "from: a message index (0, 1, ...)"})
            found = outbox.messages(self.config.account_id, self.config.region)
            return json_response(200, {"messages": found[int(start) :], "next": len(found)})
        if path == "/_local/clock":
            return self._clock(method, body)
        if path == "/_local/drain" and method == "POST" and self.config.drain is not None:
            result = self.config.drain()
            return json_response(200 if result["quiet"] else 504, result)
        if path.startswith(_INVOKE) and method == "POST":
            return self._invoke_directly(path.removeprefix(_INVOKE), body)
        return NOT_FOUND

    def _clock(self, method: str, body: bytes) -> HttpResponse:
        """`GET /_local/clock`: the time every function sees. `POST` `{"now": "<ISO 8601>"}` or
        `{"advance_hours": N}` moves it, then runs every scheduled function once (the
        watcher) unless `"run": false`: `{"now", "offset_s", "ran": [{"function", "result"}]}`."""
        from sikemas_local import clock

        if method == "POST":
            try:
                document = json.loads(body or b"{}")
                if not isinstance(document, dict):
                    raise ValueError("a JSON object")
                run = document.get("run", True)
                if not isinstance(run, bool):
                    raise ValueError('"run" is true (the default) or false')
                clock.move(document)
            except (ValueError, TypeError) as exc:
                return json_response(400, {"message": str(exc)})
            scheduler = self.config.scheduler
            ran = scheduler.tick(force=True) if scheduler and run else []
        elif method == "GET":
            ran = []
        else:
            return NOT_FOUND
        now = clock.now()
        offset = (now - datetime.now(UTC)).total_seconds()
        return json_response(200, {"now": now.isoformat(), "offset_s": round(offset), "ran": ran})

    def _invoke_directly(self, logical_id: str, body: bytes) -> HttpResponse:
        """`POST /_local/invoke/<LogicalId>` with an event: the function's JSON result, as the
        console's Test button (Lambda's Invoke) gives it; a raised exception is Lambda's
        `{"errorType", "errorMessage", "stackTrace"}` with `X-Amz-Function-Error: Unhandled`."""
        function = self.config.functions.get(logical_id)
        if function is None:
            known = ", ".join(sorted(self.config.functions))
            return json_response(
                404,
                {
                    "Type": "User",
                    "message": f"Function not found: {logical_id} (the template has: {known})",
                },
                {"x-amzn-errortype": "ResourceNotFoundException"},
            )
        try:
            event = json.loads(body or b"{}")
        except ValueError:
            return json_response(
                400,
                {"Type": "User", "message": "Could not parse request body into json"},
                {"x-amzn-errortype": "InvalidRequestContentException"},
            )
        with logs.invoking(function):
            try:
                result = function.invoke(event)
            except Exception as error:
                _report(function.name, f"raised:\n{traceback.format_exc()}")
                failure = {
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_tb(error.__traceback__),
                }
                return _answered_by(
                    json_response(200, failure, {"x-amz-function-error": "Unhandled"}),
                    function.name,
                )
        try:
            return _answered_by(json_response(200, result), function.name)
        except (TypeError, ValueError):
            _report(function.name, f"result is not JSON: {result!r}\n")
            failure = {
                "errorType": "Runtime.MarshalError",
                "errorMessage": "Unable to marshal response: the result is not JSON serializable",
            }
            return _answered_by(
                json_response(200, failure, {"x-amz-function-error": "Unhandled"}),
                function.name,
            )

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


def _answered_by(response: HttpResponse, function: str) -> HttpResponse:
    return HttpResponse(response.status, response.headers, response.body, function)


def _report(function: str, text: str) -> None:
    """One write, so that another thread's lines cannot split the block."""
    sys.stderr.write(logs.prefixed(function, f"[local] {text}"))
    sys.stderr.flush()


class BodyTooLarge(Exception):
    pass


def read_body(environ: dict[str, Any], limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """The whole request body, `Content-Length` or chunked; over `limit` bytes is refused
    without reading the rest (the server discards it and closes the connection)."""
    declared = environ.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    stream = get_input_stream(environ)  # no length and not chunked: no body
    chunks = []
    size = 0
    while chunk := stream.read(min(1024 * 1024, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
    return b"".join(chunks)


# Hop-by-hop headers are the server's to set (PEP 3333), and it sets the length itself.
_SERVER_HEADERS = {"connection", "content-length", "keep-alive", "transfer-encoding"}


class FrontApp:
    """The WSGI application: a request in, `Front.handle`, its answer out."""

    def __init__(self, front: Front | None, *, quiet: bool) -> None:
        self.front = front
        self.quiet = quiet

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        started = time.monotonic()
        method = environ["REQUEST_METHOD"]
        target = environ.get("sikemas.target") or environ.get("RAW_URI") or "/"
        response = self._respond(environ, method, target)
        headers = [(k, v) for k, v in response.headers if k.lower() not in _SERVER_HEADERS]
        if response.body and not any(k.lower() == "content-type" for k, _ in headers):
            headers.append(("content-type", "application/json"))
        headers.append(("content-length", str(len(response.body))))
        headers.append(("apigw-requestid", uuid.uuid4().hex[:16]))
        start_response(_status_line(response.status), headers)
        if not self.quiet:
            took = (time.monotonic() - started) * 1000
            by = f" {response.function}" if response.function else ""
            print(f"[http] {method} {target} -> {response.status}{by} ({took:.0f} ms)", flush=True)
        return [] if method == "HEAD" else [response.body]

    def _respond(self, environ: dict[str, Any], method: str, target: str) -> HttpResponse:
        if self.front is None:
            return NOT_READY
        try:
            body = read_body(environ)
        except BodyTooLarge:
            return TOO_LARGE
        headers = environ.get("sikemas.headers") or []
        try:
            return self.front.handle(
                method, target, headers, body, source_ip=environ.get("REMOTE_ADDR", "")
            )
        except Exception:
            print(f"[local] {method} {target} failed in the front:", file=sys.stderr)
            traceback.print_exc()
            return INTERNAL_ERROR


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, handing on what API Gateway sees and WSGI loses: the headers as
    sent (names, order, repeats) and the request target as sent."""

    def make_environ(self) -> dict[str, Any]:
        environ: dict[str, Any] = super().make_environ()
        environ["sikemas.headers"] = list(self.headers.items())
        environ["sikemas.target"] = self.path
        return environ

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Quiet: the app prints one line per request, naming the function."""


class LocalServer(ThreadedWSGIServer):
    """A thread per connection; bursts of connections wait in the listen queue."""

    request_queue_size = 1024  # the kernel caps it at net.core.somaxconn

    def __init__(self, host: str, port: int, front: Front | None, *, quiet: bool) -> None:
        self.front_app = FrontApp(front, quiet=quiet)
        super().__init__(host, port, self.front_app, handler=_RequestHandler)

    @property
    def front(self) -> Front | None:
        return self.front_app.front

    @front.setter
    def front(self, front: Front | None) -> None:
        self.front_app.front = front


def serve(
    front: Front | None, host: str = "127.0.0.1", port: int = 3000, *, quiet: bool = False
) -> LocalServer:
    """A server bound now and started later (`serve_forever`; port 0 picks a free port:
    `server_address`); its `front` may be set after binding."""
    return LocalServer(host, port, front, quiet=quiet)
