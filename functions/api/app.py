"""The citizen API (HTTP API, payload 2.0): wiring only — parse, call one use case, shape."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from sikemas.api import errors, views
from sikemas.api.models import (
    body_text,
    field_error,
    parse_create_report,
    parse_photo_slot,
    parse_reopen,
)
from sikemas.composition import ApiDependencies, api_dependencies
from sikemas.domain.report import Location
from sikemas.errors import (
    InvalidIdempotencyKey,
    InvalidRequest,
    RouteNotFound,
    SikemasError,
    Unauthorized,
)
from sikemas.observability import MetricUnit, logger, metrics
from sikemas.usecases.intake import Citizen, NewReport

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 50
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{1,128}$")


def create_app(deps: ApiDependencies) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    intake = deps.intake
    followup = deps.followup
    city = deps.city
    photo_base = deps.settings.public_base_url

    def ok(
        body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
    ) -> Response[str]:
        return Response(
            status_code=status,
            content_type=errors.JSON,
            body=json.dumps(body, ensure_ascii=False),
            headers=headers,
        )

    def citizen() -> Citizen:
        claims = app.current_event.request_context.authorizer.jwt_claim or {}
        sub = claims.get("sub")
        if not sub:  # behind the JWT authorizer this cannot happen; refuse rather than guess
            raise Unauthorized
        return Citizen(subject=str(sub), phone=claims.get("phone_number"))

    def read_body() -> str:
        event = app.current_event
        return body_text(event.body, base64_encoded=bool(event.is_base64_encoded))

    @app.get("/v1/health")
    def health() -> Response[str]:
        return ok({"status": "ok"})

    @app.get("/v1/openapi.json")
    def openapi() -> Response[str]:
        # Read on request, never at cold start: few callers want it. (A path beside the
        # package's modules: importlib.resources would add ~10 ms to every cold start.)
        document = Path(errors.__file__).with_name("openapi.json").read_text("utf-8")
        return Response(
            status_code=200,
            content_type=errors.JSON,
            body=document,
            headers={"Cache-Control": "public, max-age=300"},
        )

    @app.get("/v1/categories")
    def categories() -> Response[str]:
        return ok(views.categories_view(city), headers={"Cache-Control": "public, max-age=300"})

    @app.get("/v1/stats")
    def stats() -> Response[str]:
        # Public: the counters only (a Query per month of the period), cached a few minutes.
        if deps.stats is None:  # pragma: no cover - api_dependencies always builds it
            raise RouteNotFound
        params = app.current_event.query_string_parameters or {}
        return ok(deps.stats.figures(params), headers={"Cache-Control": "public, max-age=300"})

    @app.get("/statistik")
    def statistics_page() -> Response[str]:
        # Public HTML (not part of the citizen API's contract): the same figures as /v1/stats
        # for a picker's period; an unknown ``periode`` shows the default (30 days).
        if deps.stats is None:  # pragma: no cover - api_dependencies always builds it
            raise RouteNotFound
        from sikemas.api import stats_page  # ~5 ms: only for this page, not every cold start

        query = app.current_event.query_string_parameters or {}
        choice = stats_page.period_choice(query.get("periode"))
        figures = deps.stats.figures(stats_page.period_params(choice, deps.stats.today()))
        return Response(
            status_code=200,
            content_type="text/html; charset=utf-8",
            body=stats_page.page(figures, choice),
            headers={
                "Cache-Control": "public, max-age=300",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": (
                    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                    "form-action 'none'; frame-ancestors 'none'"
                ),
            },
        )

    @app.get("/v1/reports")
    def public_feed() -> Response[str]:
        # Public: the map feed as GeoJSON, newest first (a Query per geohash cell of the bbox).
        if deps.feed is None:  # pragma: no cover - api_dependencies always builds it
            raise RouteNotFound
        page = deps.feed.page(app.current_event.query_string_parameters or {})
        features = []
        for r in page.reports:
            props = views.public_view(city, r, photo_base_url=photo_base)
            where = props["location"]
            features.append(
                {
                    "type": "Feature",
                    "id": r.id,
                    "geometry": {"type": "Point", "coordinates": [where["lon"], where["lat"]]},
                    "properties": props,
                }
            )
        return ok(
            {"type": "FeatureCollection", "features": features, "next_cursor": page.cursor},
            headers={"Cache-Control": "public, max-age=60"},
        )

    @app.post("/v1/reports")
    def create_report() -> Response[str]:
        body = parse_create_report(read_body())
        key = app.current_event.headers.get("idempotency-key")
        if key is not None and not _IDEMPOTENCY_KEY.match(key):
            raise InvalidIdempotencyKey
        new = NewReport(
            kind=body.kind,
            category=body.category,
            description=body.description,
            location=(
                Location(body.location.lat, body.location.lon, body.location.accuracy_m)
                if body.location
                else None
            ),
            address=body.address or None,
            privacy=body.privacy,
            photo_count=body.photo_count,
            notify_sms=body.notify_sms,
        )
        request_hash = hashlib.sha256(body.canonical().encode()).hexdigest()
        done = intake.submit(citizen(), new, idempotency_key=key, request_hash=request_hash)
        logger.append_keys(report_id=done.report.id)
        if done.replayed:
            logger.info("report creation replayed")
        else:
            logger.info("report created", status=done.report.status.value, category=new.category)
            metrics.add_metric(name="ReportCreated", unit=MetricUnit.Count, value=1)
        return ok(
            {
                "report": views.owner_view(
                    city, done.report, photo_base_url=photo_base, sign=intake.private_link
                ),
                "uploads": [views.upload_view(u) for u in done.uploads],
                "notice": views.emergency_notice(city, done.report.category),
            },
            status=201,
            headers={"Idempotent-Replayed": "true"} if done.replayed else None,
        )

    @app.post("/v1/reports/<report_id>/photos")
    def request_upload(report_id: str) -> Response[str]:
        body = parse_photo_slot(read_body())
        upload = intake.request_upload(citizen(), report_id, body.slot)
        return ok(views.upload_view(upload), status=201)

    def owner_answer(report_id: str) -> Response[str]:
        """The owner's view after a change, with the timeline (as ``GET /v1/me/reports``)."""
        report = intake.my_report(citizen(), report_id)
        view = views.owner_view(
            city,
            report,
            intake.my_timeline(report),
            photo_base_url=photo_base,
            sign=intake.private_link,
        )
        return ok({"report": view})

    @app.post("/v1/reports/<report_id>/reopen")
    def reopen(report_id: str) -> Response[str]:
        body = parse_reopen(read_body())
        report = intake.my_report(citizen(), report_id)  # by id or tracking code; owner only
        followup.reopen(citizen(), report.id, body.reason)
        logger.append_keys(report_id=report.id)
        logger.info("report reopened")
        metrics.add_metric(name="ReportReopened", unit=MetricUnit.Count, value=1)
        return owner_answer(report.id)

    @app.post("/v1/reports/<report_id>/confirm")
    def confirm(report_id: str) -> Response[str]:
        report = intake.my_report(citizen(), report_id)
        followup.confirm(citizen(), report.id)
        logger.append_keys(report_id=report.id)
        logger.info("report confirmed")
        metrics.add_metric(name="ReportConfirmed", unit=MetricUnit.Count, value=1)
        return owner_answer(report.id)

    @app.get("/v1/reports/<report_id>")
    def public_report(report_id: str) -> Response[str]:
        report = intake.public_report(report_id)
        return ok({"report": views.public_view(city, report, photo_base_url=photo_base)})

    @app.get("/v1/me/reports/<report_id>")
    def my_report(report_id: str) -> Response[str]:
        report = intake.my_report(citizen(), report_id)
        timeline = intake.my_timeline(report)
        view = views.owner_view(
            city, report, timeline, photo_base_url=photo_base, sign=intake.private_link
        )
        return ok({"report": view})

    @app.get("/v1/me/reports")
    def my_reports() -> Response[str]:
        params = app.current_event.query_string_parameters or {}
        try:
            limit = int(params.get("limit", PAGE_SIZE_DEFAULT))
        except ValueError:
            limit = 0
        if not 1 <= limit <= PAGE_SIZE_MAX:
            raise InvalidRequest(
                details=[field_error("limit", "out_of_range", min=1, max=PAGE_SIZE_MAX)]
            )
        page = intake.my_reports(citizen(), limit, params.get("cursor") or None)
        return ok(
            {
                "reports": [
                    views.owner_view(city, r, photo_base_url=photo_base, sign=intake.private_link)
                    for r in page.reports
                ],
                "next_cursor": page.cursor,
            }
        )

    def refuse(exc: SikemasError) -> Response[str]:
        status, body = errors.from_exception(exc)
        logger.info("request refused", code=exc.code, status=status)
        return Response(status_code=status, content_type=errors.JSON, body=body)

    @app.not_found
    def not_found(_: Exception) -> Response[str]:
        return refuse(RouteNotFound())

    @app.exception_handler(SikemasError)
    def expected(exc: SikemasError) -> Response[str]:
        return refuse(exc)

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[str]:
        # API Gateway's request id: the access log's requestId and every log line's
        # correlation_id (inject_lambda_context below), so a quoted code finds both.
        correlation_id = app.current_event.request_context.request_id
        logger.exception("unexpected error", correlation_id=correlation_id)
        metrics.add_metric(name="ApiUnexpectedError", unit=MetricUnit.Count, value=1)
        status, body = errors.internal_error(correlation_id)
        return Response(status_code=status, content_type=errors.JSON, body=body)

    return app


app = create_app(api_dependencies())


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
