"""Start and stop the whole local stack: moto server, resources, functions, pollers, HTTP front."""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from sikemas_local import clock, moto_fixes, outbox, state
from sikemas_local.auth import JwtAuthorizer
from sikemas_local.drain import Drain
from sikemas_local.http_front import BoundRoute, Front, FrontConfig, serve
from sikemas_local.poller import QueuePoller, SnsWatcher
from sikemas_local.provision import Stack, adopt, provision
from sikemas_local.runtime import LocalFunction, make_importable
from sikemas_local.streams import MotoShard, StreamDelivery, StreamReader, discard
from sikemas_local.template import (
    REPO_ROOT,
    TEMPLATE_PATH,
    DynamoDbSource,
    FunctionSpec,
    TemplateError,
    function_specs,
    load_template,
)

DEFAULT_REGION = "ap-southeast-3"
DEFAULT_STACK_NAME = "sikemas-local"
DEFAULT_DATA_DIR = REPO_ROOT / ".local-data"
_COGNITO_ISSUER = re.compile(r"^https://cognito-idp\.[a-z0-9-]+\.amazonaws\.com/(?P<pool>[\w-]+)$")


@dataclass
class LocalStack:
    """A running local stack. `close()` stops every thread it started."""

    api_url: str
    moto_url: str
    stack: Stack
    functions: dict[str, LocalFunction]
    front: Front
    _server: Any
    _moto: state.GatedMotoServer
    _stop: threading.Event
    _threads: list[threading.Thread] = field(default_factory=list)
    snapshots: state.Snapshotter | None = None
    restored: bool = False
    streams: list[StreamReader] = field(default_factory=list)

    def close(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)
        try:
            if self.snapshots is not None:
                self.snapshots.save_if_changed()
        finally:
            self._moto.stop()


# moto accepts any credentials; these only keep boto3 from looking for real ones.
_MOTO_CREDENTIAL = "testing"


def fake_aws_environment(endpoint_url: str, region: str) -> None:
    """Every boto3 client in this process (the functions' too) talks to moto, never to AWS."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONFIG_FILE"):
        os.environ.pop(name, None)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint_url,
            "AWS_ACCESS_KEY_ID": _MOTO_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": _MOTO_CREDENTIAL,
            "AWS_SECURITY_TOKEN": _MOTO_CREDENTIAL,
            "AWS_SESSION_TOKEN": _MOTO_CREDENTIAL,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )


def layer_folders(template: dict[str, Any], spec: FunctionSpec, repo_root: Path) -> list[Path]:
    """The repo folders that stand for a function's layers (their ContentUri)."""
    folders = []
    for layer in spec.layers:
        if not (isinstance(layer, dict) and "Ref" in layer):
            raise TemplateError(f"{spec.logical_id}: only !Ref layers of this template run locally")
        resource = template["Resources"][layer["Ref"]]
        folders.append(repo_root / resource["Properties"]["ContentUri"])
    return folders


_LOCAL_CDN = "127.0.0.1:{port}"


def point_cdns_at_front(stack: Stack, port: int) -> None:
    """CloudFront distributions serve the bucket's public/ copies in AWS; locally the front
    does (`/public/...`), so their DomainName is the front's address."""
    for logical_id, kind in stack.types.items():
        if kind == "AWS::CloudFront::Distribution" and logical_id in stack.refs:
            domain = _LOCAL_CDN.format(port=port)
            stack.attributes[logical_id] = {"DomainName": domain, "Id": stack.refs[logical_id]}


def cdn_origin_buckets(template: dict[str, Any], stack: Stack) -> list[str]:
    """Logical ids of the buckets a CloudFront distribution serves (not, say, a log bucket)."""
    found: list[str] = []
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::CloudFront::Distribution":
            continue
        config = (resource.get("Properties") or {}).get("DistributionConfig") or {}
        for origin in config.get("Origins") or []:
            domain = origin.get("DomainName")
            if isinstance(domain, dict) and "Fn::GetAtt" in domain:
                logical_id = str(domain["Fn::GetAtt"][0])
                if stack.types.get(logical_id) == "AWS::S3::Bucket" and logical_id not in found:
                    found.append(logical_id)
    return found


_EXECUTE_API = re.compile(r"https://[^/\s]+\.execute-api\.[a-z0-9-]+\.amazonaws\.com")


def local_urls(environment: dict[str, str], port: int) -> dict[str, str]:
    """`https://` URLs of the local CDN become `http://`: the front speaks plain HTTP. The HTTP
    API's own URL (``https://<api>.execute-api.<region>.amazonaws.com``, the base of agency
    links) is the front too."""
    secure = "https://" + _LOCAL_CDN.format(port=port)
    plain = "http://" + _LOCAL_CDN.format(port=port)
    return {
        name: _EXECUTE_API.sub(plain, value.replace(secure, plain))
        for name, value in environment.items()
    }


def http_authorizer(
    template: dict[str, Any], stack: Stack, endpoint_url: str
) -> tuple[JwtAuthorizer | None, str | None, str | None]:
    """The template's JWT authorizer, and the user pool and client it trusts (for tokens)."""
    found: list[dict[str, Any]] = []
    for resource in template["Resources"].values():
        if resource.get("Type") != "AWS::Serverless::HttpApi":
            continue
        authorizers = ((resource.get("Properties") or {}).get("Auth") or {}).get("Authorizers")
        for authorizer in (authorizers or {}).values():
            if "JwtConfiguration" in authorizer:
                found.append(stack.resolve(authorizer["JwtConfiguration"]))
    if not found:
        return None, None, None
    if len(found) > 1:
        raise TemplateError("the local front emulates one JWT authorizer")
    issuer = str(found[0]["issuer"])
    audiences = [str(audience) for audience in found[0]["audience"]]
    cognito = _COGNITO_ISSUER.match(issuer)
    pool_id = cognito.group("pool") if cognito else None
    # moto serves each pool's keys at /<pool id>/.well-known/jwks.json.
    jwks_url = f"{endpoint_url}/{pool_id}/.well-known/jwks.json" if pool_id else ""
    if not jwks_url:
        raise TemplateError(f"issuer {issuer}: only Cognito user pools are emulated")
    authorizer = JwtAuthorizer(issuer=issuer, audiences=audiences, jwks_url=jwks_url)
    return authorizer, pool_id, audiences[0]


_LOCAL_ENDPOINT = re.compile(r"^http://127\.0\.0\.1:\d+(?=/|$)")


def rebase_endpoints(stack: Stack, endpoint_url: str) -> None:
    """Saved names that embed moto's address (queue URLs) point at this run's moto: it
    listens on a new port each time."""
    stack.refs = {
        name: _LOCAL_ENDPOINT.sub(endpoint_url, value) for name, value in stack.refs.items()
    }
    stack.attributes = {
        name: {key: _LOCAL_ENDPOINT.sub(endpoint_url, value) for key, value in values.items()}
        for name, values in stack.attributes.items()
    }


def assignments_topic(stack: Stack) -> str | None:
    """The topic agencies subscribe to (``AssignmentsTopic``), when the template has one."""
    if stack.types.get("AssignmentsTopic") != "AWS::SNS::Topic":
        return None
    return stack.refs.get("AssignmentsTopic")


def alerts_topic(stack: Stack) -> str | None:
    """The admins' topic (``AlertsTopic``), when the template has one."""
    if stack.types.get("AlertsTopic") != "AWS::SNS::Topic":
        return None
    return stack.refs.get("AlertsTopic")


def stream_readers(
    stack: Stack,
    stop: threading.Event,
    *,
    specs: dict[str, FunctionSpec] | None = None,
    functions: dict[str, LocalFunction] | None = None,
    sqs: Any = None,
) -> list[StreamReader]:
    """A reader for each table with a stream. A function with a `DynamoDB` event on the table
    gets its records as Lambda's event source mapping delivers them (`StreamDelivery`); a
    table no function reads has its records dropped once read, so moto does not keep them."""
    consumers: dict[str, tuple[FunctionSpec, DynamoDbSource]] = {}
    for spec in (specs or {}).values():
        for source in spec.stream_sources:
            if source.table in consumers:
                raise TemplateError(f"{source.table}: one stream consumer is emulated locally")
            consumers[source.table] = (spec, source)
    readers = []
    for logical_id, kind in stack.types.items():
        if kind != "AWS::DynamoDB::Table" or "StreamArn" not in stack.attributes.get(
            logical_id, {}
        ):
            continue
        shard = MotoShard(stack.account_id, stack.region, stack.refs[logical_id])
        consumer: Any = discard
        batch_size = 100
        if logical_id in consumers and functions is not None:
            spec, source = consumers[logical_id]
            consumer = StreamDelivery(
                function=functions[spec.logical_id],
                source=source,
                stream_arn=stack.get_att(logical_id, "StreamArn"),
                region=stack.region,
                shard=shard,
                sqs=sqs,
                on_failure_queue_url=(
                    stack.refs[source.on_failure_queue] if source.on_failure_queue else None
                ),
            )
            batch_size = source.batch_size
        readers.append(
            StreamReader(
                shard=shard, consumer=consumer, stop=stop, batch_size=batch_size, name=logical_id
            )
        )
    return readers


def start(
    *,
    port: int = 3000,
    region: str = DEFAULT_REGION,
    stack_name: str = DEFAULT_STACK_NAME,
    parameters: dict[str, str] | None = None,
    template_path: Path = TEMPLATE_PATH,
    repo_root: Path = REPO_ROOT,
    quiet: bool = False,
    data_dir: Path | None = DEFAULT_DATA_DIR,
    snapshot_interval_s: float = 30.0,
) -> LocalStack:
    """Start everything; the HTTP front is listening when this returns.

    With a `data_dir`, the data saved there is loaded (when it fits the template) and saved
    again on `close()` and every `snapshot_interval_s` seconds; None keeps nothing."""
    # moto's werkzeug server logs every request: the functions' own lines matter more.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto_fixes.install()
    moto = state.GatedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, moto_port = moto.get_host_and_port()
    moto_url = f"http://{host}:{moto_port}"
    stop = threading.Event()
    server = None
    try:
        fake_aws_environment(moto_url, region)
        template = load_template(template_path)
        fingerprint = state.fingerprint(template, parameters or {}, region, stack_name)
        restored = state.load(data_dir, fingerprint) if data_dir is not None else None
        if restored is not None:
            stack = adopt(restored, template)
            rebase_endpoints(stack, moto_url)
        else:
            stack = provision(
                template,
                endpoint_url=moto_url,
                region=region,
                stack_name=stack_name,
                parameters=parameters or {},
            )
        specs = function_specs(template, repo_root)
        # Bound now, so the functions' environment can name the front's URL.
        server = serve(None, "127.0.0.1", port, quiet=quiet)
        api_url = f"http://127.0.0.1:{server.server_address[1]}"
        point_cdns_at_front(stack, server.server_address[1])
        functions: dict[str, LocalFunction] = {}
        for logical_id, spec in specs.items():
            make_importable(*layer_folders(template, spec, repo_root))
            function = LocalFunction(
                spec,
                local_urls(stack.function_environment(logical_id), server.server_address[1]),
                region=region,
                account_id=stack.account_id,
                stack_name=stack_name,
            )
            function.load()
            functions[logical_id] = function
        session = boto3.session.Session(region_name=region)
        outbox.install()
        assignments = assignments_topic(stack)
        if assignments is not None:
            city = stack.function_environment(next(iter(specs)))["CITY"] if specs else None
            if city:
                outbox.subscribe_agencies(
                    session.client("sns", endpoint_url=moto_url),
                    assignments,
                    repo_root / "cities" / city,
                )
        alerts = alerts_topic(stack)
        if alerts is not None and specs:
            # The admins' alerts (hand-backs, escalations) reach the outbox too.
            city = stack.function_environment(next(iter(specs)))["CITY"]
            session.client("sns", endpoint_url=moto_url).subscribe(
                TopicArn=alerts, Protocol="email", Endpoint=f"admin@{city}.local"
            )
        authorizer, pool_id, client_id = http_authorizer(template, stack, moto_url)
        buckets = cdn_origin_buckets(template, stack)
        config = FrontConfig(
            routes=[
                BoundRoute(route, functions[logical_id])
                for logical_id, spec in specs.items()
                for route in spec.http_routes
            ],
            authorizer=authorizer,
            account_id=stack.account_id,
            api_id="local",
            region=region,
            cognito=session.client("cognito-idp", endpoint_url=moto_url),
            user_pool_id=pool_id,
            user_pool_client_id=client_id,
            s3=session.client("s3", endpoint_url=moto_url),
            public_bucket=stack.refs[buckets[0]] if len(buckets) == 1 else None,
            functions=functions,
        )
        scheduled: list[clock.Scheduled] = []
        for logical_id, spec in specs.items():
            for schedule in spec.schedules:
                expression = str(stack.resolve(schedule.expression))
                if expression.startswith("cron("):
                    # Calendar schedules (the daily digest) are not emulated: invoke by hand.
                    print(f"note: {logical_id} {expression} is not scheduled locally (cron)")
                    continue
                scheduled.append(
                    clock.Scheduled(
                        function=functions[logical_id],
                        every=clock.rate_of(expression),
                        event_name=schedule.event_name,
                    )
                )
        scheduler = clock.Scheduler(schedules=scheduled, stop=stop)
        config.scheduler = scheduler
        front = Front(config)
        threads: list[threading.Thread] = [scheduler]
        sqs = session.client("sqs", endpoint_url=moto_url)
        pollers: list[QueuePoller] = []
        for logical_id, spec in specs.items():
            for source in spec.sqs_sources:
                pollers.append(
                    QueuePoller(
                        sqs=sqs,
                        queue_url=stack.refs[source.queue],
                        queue_arn=stack.get_att(source.queue, "Arn"),
                        source=source,
                        function=functions[logical_id],
                        region=region,
                        stop=stop,
                    )
                )
        watcher = SnsWatcher(account_id=stack.account_id, region=region, stop=stop)
        if restored is not None:
            watcher.log = lambda _line: None  # messages of earlier runs: not shown again
            watcher.check()
            watcher.log = print
        threads += pollers
        threads.append(watcher)
        streams = stream_readers(stack, stop, specs=specs, functions=functions, sqs=sqs)
        threads += streams
        config.drain = Drain(pollers=pollers, streams=streams)
        snapshots = None
        if data_dir is not None:
            snapshots = state.Snapshotter(
                folder=data_dir,
                fingerprint=fingerprint,
                stack=stack,
                stop=stop,
                interval_s=snapshot_interval_s,
            )
            threads.append(snapshots)
        server.front = front
        threads.append(threading.Thread(target=server.serve_forever, name="http", daemon=True))
        for thread in threads:
            thread.start()
    except BaseException:
        stop.set()
        if server is not None:
            server.server_close()
        moto.stop()
        raise
    return LocalStack(
        api_url=api_url,
        moto_url=moto_url,
        stack=stack,
        functions=functions,
        front=front,
        _server=server,
        _moto=moto,
        _stop=stop,
        _threads=threads,
        snapshots=snapshots,
        restored=restored is not None,
        streams=streams,
    )
