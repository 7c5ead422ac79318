"""Read `template.yaml` (with cfn-lint's decoder), and what the runner needs of its functions.

The template is the single source of truth for the local stack: routes, authorizers, event
sources and environment all come from it, so a change there changes what runs locally.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class TemplateError(ValueError):
    """The template does not say what the local stack needs, or says it in a way not handled."""


def load_template(path: Path | str = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as CloudFormation's long-form JSON structure (`!Ref X` as `{"Ref": "X"}`),
    read by cfn-lint's decoder, which reads templates as CloudFormation does."""
    from cfnlint.decode import decode  # type: ignore[import-untyped]

    decoded, problems = decode(str(path))
    if problems:
        raise TemplateError(f"{path}: " + "; ".join(problem.message for problem in problems))
    # cfn-lint's nodes (str and dict subclasses with positions) as plain JSON values.
    loaded = json.loads(json.dumps(decoded))
    if not isinstance(loaded, dict) or not isinstance(loaded.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources)")
    return loaded


@dataclass(frozen=True)
class HttpRoute:
    method: str  # upper case, or ANY
    path: str  # as in the template: /v1/reports/{id}
    auth_required: bool
    event_name: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """Path parameters when this route serves the request, else None."""
        if self.method not in ("ANY", method.upper()):
            return None
        return match_path(self.path, path)


@dataclass(frozen=True)
class SqsSource:
    queue: str  # logical id of the AWS::SQS::Queue
    batch_size: int
    batching_window_s: int
    report_batch_item_failures: bool
    event_name: str


@dataclass(frozen=True)
class DynamoDbSource:
    """A function's DynamoDB stream event source mapping, as the local stack emulates it."""

    table: str  # logical id of the AWS::DynamoDB::Table whose StreamArn it names
    batch_size: int
    batching_window_s: int
    report_batch_item_failures: bool
    bisect_on_error: bool
    maximum_retry_attempts: int  # -1: until the record expires (Lambda's default)
    filters: tuple[dict[str, Any], ...]  # FilterCriteria patterns (any one matches)
    on_failure_queue: str | None  # logical id of the AWS::SQS::Queue destination
    event_name: str


@dataclass(frozen=True)
class ScheduleSource:
    """A function's EventBridge Scheduler schedule (SAM ``ScheduleV2``), as the local stack
    emulates it: run on the stack's clock (``sikemas_local.clock``)."""

    expression: Any  # ScheduleExpression, still unresolved (e.g. !Sub "rate(${X} minutes)")
    event_name: str


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str  # module.function, e.g. app.lambda_handler
    environment: dict[str, Any]  # Globals merged with the function's, still unresolved
    timeout_s: int
    memory_mb: int
    layers: list[Any] = field(default_factory=list)
    http_routes: list[HttpRoute] = field(default_factory=list)
    sqs_sources: list[SqsSource] = field(default_factory=list)
    stream_sources: list[DynamoDbSource] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)


_PATH_PARAMETER = re.compile(r"\{([A-Za-z0-9_.-]+)(\+?)\}")


def match_path(template_path: str, request_path: str) -> dict[str, str] | None:
    """Match `/v1/reports/{id}` against `/v1/reports/abc`: `{"id": "abc"}`; `{proxy+}` is greedy."""
    pattern = ""
    position = 0
    for found in _PATH_PARAMETER.finditer(template_path):
        pattern += re.escape(template_path[position : found.start()])
        greedy = found.group(2) == "+"
        pattern += f"(?P<{_group_name(found.group(1))}>{'.+' if greedy else '[^/]+'})"
        position = found.end()
    pattern += re.escape(template_path[position:])
    matched = re.fullmatch(pattern, request_path)
    if matched is None:
        return None
    names = [found.group(1) for found in _PATH_PARAMETER.finditer(template_path)]
    return {name: matched.group(_group_name(name)) for name in names}


def _group_name(name: str) -> str:
    return "p_" + re.sub(r"[^A-Za-z0-9_]", "_", name)


def function_specs(
    template: dict[str, Any], repo_root: Path = REPO_ROOT
) -> dict[str, FunctionSpec]:
    """Every AWS::Serverless::Function with Globals applied, keyed by logical id."""
    global_fn: dict[str, Any] = template.get("Globals", {}).get("Function", {}) or {}
    global_api: dict[str, Any] = template.get("Globals", {}).get("HttpApi", {}) or {}
    resources: dict[str, Any] = template["Resources"]
    specs: dict[str, FunctionSpec] = {}
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props: dict[str, Any] = resource.get("Properties", {}) or {}
        code_uri = props.get("CodeUri", global_fn.get("CodeUri"))
        if not isinstance(code_uri, str):
            raise TemplateError(f"{logical_id}: CodeUri must be a local folder")
        handler = props.get("Handler", global_fn.get("Handler"))
        if not isinstance(handler, str) or "." not in handler:
            raise TemplateError(f"{logical_id}: Handler must look like module.function")
        environment = {
            **(global_fn.get("Environment", {}) or {}).get("Variables", {}),
            **(props.get("Environment", {}) or {}).get("Variables", {}),
        }
        routes: list[HttpRoute] = []
        sources: list[SqsSource] = []
        streams: list[DynamoDbSource] = []
        schedules: list[ScheduleSource] = []
        for event_name, event in (props.get("Events", {}) or {}).items():
            event_props: dict[str, Any] = event.get("Properties", {}) or {}
            if event["Type"] == "HttpApi":
                routes.append(_http_route(event_name, event_props, resources, global_api))
            elif event["Type"] == "SQS":
                sources.append(_sqs_source(logical_id, event_name, event_props))
            elif event["Type"] == "DynamoDB":
                streams.append(_dynamodb_source(logical_id, event_name, event_props))
            elif event["Type"] == "ScheduleV2":
                schedules.append(_schedule(logical_id, event_name, event_props))
            else:
                raise TemplateError(f"{logical_id}.{event_name}: event type {event['Type']}")
        specs[logical_id] = FunctionSpec(
            logical_id=logical_id,
            code_dir=repo_root / code_uri,
            handler=handler,
            environment=environment,
            timeout_s=int(props.get("Timeout", global_fn.get("Timeout", 3))),
            memory_mb=int(props.get("MemorySize", global_fn.get("MemorySize", 128))),
            # SAM appends a function's Layers to the global ones.
            layers=[*(global_fn.get("Layers") or []), *(props.get("Layers") or [])],
            http_routes=routes,
            sqs_sources=sources,
            stream_sources=streams,
            schedules=schedules,
        )
    return specs


def _http_route(
    event_name: str,
    props: dict[str, Any],
    resources: dict[str, Any],
    global_api: dict[str, Any],
) -> HttpRoute:
    method = str(props.get("Method", "ANY")).upper()
    path = str(props.get("Path", "$default"))
    api_auth: dict[str, Any] = global_api.get("Auth", {}) or {}
    api_id = props.get("ApiId")
    if isinstance(api_id, dict) and "Ref" in api_id:
        api = resources.get(api_id["Ref"], {})
        api_auth = (api.get("Properties", {}) or {}).get("Auth", api_auth) or {}
    default_authorizer = api_auth.get("DefaultAuthorizer")
    authorizer = (props.get("Auth", {}) or {}).get("Authorizer", default_authorizer)
    if authorizer not in (None, "NONE"):
        configured = api_auth.get("Authorizers", {}) or {}
        if authorizer not in configured or "JwtConfiguration" not in configured[authorizer]:
            raise TemplateError(f"{event_name}: only JWT authorizers are emulated ({authorizer})")
    return HttpRoute(
        method=method,
        path=path,
        auth_required=authorizer not in (None, "NONE"),
        event_name=event_name,
    )


_SCHEDULE_PROPERTIES = frozenset(
    {"ScheduleExpression", "ScheduleExpressionTimezone", "Description", "RetryPolicy", "State"}
)


def _schedule(logical_id: str, event_name: str, props: dict[str, Any]) -> ScheduleSource:
    unknown = sorted(set(props) - _SCHEDULE_PROPERTIES)
    if unknown:
        raise TemplateError(f"{logical_id}.{event_name}: ScheduleV2 properties {unknown}")
    if "ScheduleExpression" not in props:
        raise TemplateError(f"{logical_id}.{event_name}: ScheduleExpression is required")
    return ScheduleSource(expression=props["ScheduleExpression"], event_name=event_name)


def _sqs_source(logical_id: str, event_name: str, props: dict[str, Any]) -> SqsSource:
    queue = props.get("Queue")
    if not (isinstance(queue, dict) and "Fn::GetAtt" in queue):
        raise TemplateError(f"{logical_id}.{event_name}: Queue must be !GetAtt <Queue>.Arn")
    return SqsSource(
        queue=str(queue["Fn::GetAtt"][0]),
        batch_size=int(props.get("BatchSize", 10)),
        batching_window_s=int(props.get("MaximumBatchingWindowInSeconds", 0)),
        report_batch_item_failures="ReportBatchItemFailures"
        in (props.get("FunctionResponseTypes") or []),
        event_name=event_name,
    )


_DYNAMODB_PROPERTIES = frozenset(
    {
        "Stream",
        "StartingPosition",
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "FunctionResponseTypes",
        "BisectBatchOnFunctionError",
        "MaximumRetryAttempts",
        "MaximumRecordAgeInSeconds",
        "FilterCriteria",
        "DestinationConfig",
        "Enabled",
        "ParallelizationFactor",
    }
)


def _dynamodb_source(logical_id: str, event_name: str, props: dict[str, Any]) -> DynamoDbSource:
    where = f"{logical_id}.{event_name}"
    unknown = sorted(set(props) - _DYNAMODB_PROPERTIES)
    if unknown:
        raise TemplateError(f"{where}: DynamoDB event properties {unknown} are not emulated")
    stream = props.get("Stream")
    if not (
        isinstance(stream, dict)
        and "Fn::GetAtt" in stream
        and list(stream["Fn::GetAtt"])[1:] == ["StreamArn"]
    ):
        raise TemplateError(f"{where}: Stream must be !GetAtt <Table>.StreamArn")
    if props.get("StartingPosition") not in ("TRIM_HORIZON", "LATEST"):
        raise TemplateError(f"{where}: StartingPosition must be TRIM_HORIZON or LATEST")
    filters = []
    for f in (props.get("FilterCriteria") or {}).get("Filters") or []:
        try:
            pattern = json.loads(f["Pattern"])
        except (KeyError, TypeError, ValueError) as exc:
            raise TemplateError(f"{where}: a filter's Pattern must be JSON") from exc
        filters.append(pattern)
    destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    queue = None
    if destination is not None:
        if not (isinstance(destination, dict) and "Fn::GetAtt" in destination):
            raise TemplateError(f"{where}: OnFailure Destination must be !GetAtt <Queue>.Arn")
        queue = str(destination["Fn::GetAtt"][0])
    return DynamoDbSource(
        table=str(stream["Fn::GetAtt"][0]),
        batch_size=int(props.get("BatchSize", 100)),
        batching_window_s=int(props.get("MaximumBatchingWindowInSeconds", 0)),
        report_batch_item_failures="ReportBatchItemFailures"
        in (props.get("FunctionResponseTypes") or []),
        bisect_on_error=bool(props.get("BisectBatchOnFunctionError", False)),
        maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
        filters=tuple(filters),
        on_failure_queue=queue,
        event_name=event_name,
    )
