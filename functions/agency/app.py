"""The agency's pages (HTTP API, payload 2.0, no authorizer: the signed link is the credential).

Wiring only: verify the link, read the report, call one ``FollowUp`` use case, render a page
(``sikemas.api.agency_pages``). A forged or altered link answers 403, an expired one 410 (with
a form to send a fresh link to the agency's subscriptions), an action that no longer applies
409; each changes nothing. A successful post answers 303 back to the page (post/redirect/get),
so reloading never posts twice.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from sikemas import links
from sikemas.api import agency_pages as pages
from sikemas.api.text import normalise
from sikemas.city import City
from sikemas.composition import dynamodb_client, followup_dependencies, real_now, utc_now
from sikemas.domain.report import Report, Status
from sikemas.errors import (
    ActionNotApplicable,
    AfterPhotoRequired,
    ConcurrentUpdate,
    InvalidTransition,
    ReasonRequired,
    SikemasError,
    UploadNotAllowed,
    WrongAgency,
)
from sikemas.observability import NAMESPACE, MetricUnit, logger, metrics
from sikemas.settings import Settings

if TYPE_CHECKING:
    from sikemas.ports import ReportRepository, Upload
    from sikemas.usecases.followup import FollowUp

HTML = "text/html; charset=utf-8"
MAX_FORM_BYTES = 8 * 1024  # the largest form is a few fields of at most 500 characters
INBOX_SIZE = 50
RESEND_COOLDOWN_S = 600  # one fresh link per (report, agency) per 10 minutes
CITY_ACTIONS = ("acknowledge", "resolve", "hand_back")
_HEADERS = {
    "Cache-Control": "no-store",  # a page behind a credential in the URL
    "Referrer-Policy": "no-referrer",  # the token never leaves in a Referer header
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # No script at all; images from the CDN; forms post here or straight to S3.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: http:; "
        "form-action 'self' https: http:; base-uri 'none'; frame-ancestors 'none'"
    ),
}


class BadForm(Exception):
    """A field of the posted form is missing, too long or not one of its choices."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class AgencyDependencies:
    city: City
    repo: ReportRepository
    followup: FollowUp
    link_service: links.LinkService
    send_inbox: Callable[[str, str], None]  # (agency, url): a fresh inbox link, to the agency
    secret: bytes
    photo_base_url: str | None  # where public/ photo copies are served (the CDN)
    public_base_url: str  # where these pages are served (the API)
    clock: Callable[[], datetime]


def agency_dependencies(settings: Settings | None = None) -> AgencyDependencies:
    """Built once at cold start: the settings, the city, the table, the bucket and the key."""
    import boto3

    from sikemas.notify.outbox import Notifier, public_photo_urls, resend_publisher
    from sikemas.notify.sns import DynamoMarkers, DynamoPhoneBook, SnsPublisher

    built = followup_dependencies(settings)
    secret = links.load_secret(boto3.client("secretsmanager"), os.environ["AGENCY_LINK_SECRET_ARN"])
    base = os.environ["LINK_BASE_URL"].rstrip("/")
    link_service = links.LinkService(secret, base, built.repo, clock=real_now)
    # A fresh link goes out as the notifier's own agency message (e-mail + SMS on the
    # assignments topic, attribute agency): to the agency's subscriptions, never the asker.
    sns = SnsPublisher(
        boto3.client("sns"),
        assignments_topic_arn=os.environ["ASSIGNMENTS_TOPIC_ARN"],
        alerts_topic_arn=None,
    )
    table = built.settings.table_name
    notifier = Notifier(
        city=built.city,
        reports=built.repo,
        links=link_service,
        publisher=sns,
        markers=DynamoMarkers(dynamodb_client(), table),
        phone_of=DynamoPhoneBook(dynamodb_client(), table),
        photo_urls=public_photo_urls(built.settings.public_base_url),
        clock=utc_now,
    )
    link_service = links.LinkService(
        secret, base, built.repo, publisher=resend_publisher(notifier), clock=real_now
    )
    return AgencyDependencies(
        city=built.city,
        repo=built.repo,
        followup=built.followup,
        link_service=link_service,
        send_inbox=lambda agency, url: sns.to_agency(agency, "inbox", inbox_email(url), url),
        secret=secret,
        photo_base_url=built.settings.public_base_url,
        public_base_url=base,
        clock=utc_now,
    )


def inbox_email(url: str) -> Any:
    from sikemas.notify.messages import Email

    return Email(
        subject="SIKeMas: tautan baru daftar laporan terbuka",
        body=(
            "Tautan baru untuk daftar laporan terbuka instansi Anda (tautan lama sudah "
            f"kedaluwarsa):\n\n{url}\n\nBerlaku 7 hari. Jangan teruskan kepada orang lain."
        ),
    )


def create_app(deps: AgencyDependencies) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()
    city = deps.city

    def page(status: int, body: str, headers: dict[str, str] | None = None) -> Response[str]:
        return Response(
            status_code=status,
            content_type=HTML,
            body=body,
            headers={**_HEADERS, **(headers or {})},
        )

    def see_other(location: str) -> Response[str]:
        return Response(status_code=303, body="", headers={**_HEADERS, "Location": location})

    def report_path(token: str) -> str:
        return f"/agency/r/{pages.path_token(token)}"

    def verify(token: str) -> links.LinkClaims:
        return links.verify(deps.secret, token, real_now())  # links keep real time

    def upload_for(report: Report, agency: str, token: str) -> Upload | None:
        if report.status not in (Status.ASSIGNED, Status.IN_PROGRESS):
            return None
        redirect = f"{deps.public_base_url}{report_path(token)}?uploaded=1"
        try:
            return deps.followup.after_upload(report.id, agency, redirect=redirect)
        except UploadNotAllowed:  # every after-photo slot is taken: the form is not offered
            return None

    def show(
        report: Report,
        agency: str,
        token: str,
        *,
        status: int = 200,
        state: pages.PageState | None = None,
    ) -> Response[str]:
        body = pages.report_page(
            city,
            report,
            deps.repo.timeline(report.id),
            now=deps.clock(),
            action_url=report_path(token),
            photo_base_url=deps.photo_base_url,
            upload=upload_for(report, agency, token),
            state=state,
        )
        return page(status, body)

    def the_report(claims: links.LinkClaims) -> Report:
        report = deps.repo.get(claims.report_id) if claims.report_id != "*" else None
        if report is None:
            raise _NotFound
        if report.agency != claims.agency:
            raise WrongAgency
        return report

    @app.get("/agency/r/<token>")
    def get_report(token: str) -> Response[str]:
        claims = verify(token)
        report = the_report(claims)
        query = app.current_event.query_string_parameters or {}
        notice = _NOTICES.get(query.get("done", "")) or (
            "Foto sesudah diterima dan sedang diperiksa; muat ulang halaman sebentar lagi."
            if query.get("uploaded")
            else None
        )
        return show(report, claims.agency, token, state=pages.PageState(notice=notice))

    @app.post("/agency/r/<token>")
    def post_report(token: str) -> Response[str]:
        claims = verify(token)
        report = the_report(claims)
        values: dict[str, str] = {}
        try:
            form = read_form()
            values = {
                k: form.get(k, "") for k in ("action", "outcome", "reason", "officer", "reference")
            }
            done = act(report, claims.agency, form)
        except (BadForm, ReasonRequired) as exc:
            message = exc.message if isinstance(exc, BadForm) else exc.message_id
            state = pages.PageState(error=message, values=values)
            return show(report, claims.agency, token, status=400, state=state)
        except AfterPhotoRequired as exc:
            state = pages.PageState(error=exc.message_id, values=values)
            return show(report, claims.agency, token, status=409, state=state)
        logger.info("agency acted", report_id=report.id, agency=claims.agency, action=done)
        # Its own metric: the agency (a code from city.json) and the action are bounded.
        with single_metric(
            name="AgencyAction", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
        ) as metric:
            metric.add_dimension(name="agency", value=claims.agency)
            metric.add_dimension(name="action", value=done)
        return see_other(f"{report_path(token)}?done={done}")

    def act(report: Report, agency: str, form: dict[str, str]) -> str:
        """Runs the form's action; returns its name (for the notice after the redirect)."""
        officer = _field(form, "officer", pages.OFFICER_MAX, "Nama petugas", required=True)
        reason = _field(form, "reason", pages.REASON_MAX, "Alasan") or None
        action = form.get("action", "")
        followup = deps.followup
        if action == "acknowledge":
            followup.acknowledge(report.id, agency, officer)
        elif action == "resolve":
            outcome = _choice(form, "outcome", pages.CITY_OUTCOMES)
            followup.resolve(report.id, agency, officer, outcome, reason)
        elif action == "hand_back":
            if not reason:
                raise BadForm("Alasan wajib diisi untuk mengembalikan laporan.")
            followup.hand_back(report.id, agency, officer, reason)
        elif action in ("", "record"):  # a vertical agency's form has only the outcome
            outcome = _choice(form, "outcome", pages.VERTICAL_OUTCOMES)
            reference = _field(form, "reference", pages.REFERENCE_MAX, "Nomor rujukan")
            followup.record_vertical_outcome(
                report.id, agency, officer, outcome, reference or None, reason=reason
            )
            action = "record"
        else:
            raise BadForm("Tindakan tidak dikenal.")
        return action

    def read_form() -> dict[str, str]:
        event = app.current_event
        raw = event.body or ""
        data = base64.b64decode(raw) if event.is_base64_encoded else raw.encode("utf-8")
        if len(data) > MAX_FORM_BYTES:
            raise BadForm("Isian formulir terlalu panjang.")
        try:
            parsed = parse_qs(
                data.decode("utf-8"),
                keep_blank_values=True,
                max_num_fields=20,
                strict_parsing=False,
            )
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadForm("Isian formulir tidak dapat dibaca.") from exc
        return {key: values[0] for key, values in parsed.items()}

    @app.get("/agency/inbox/<token>")
    def inbox(token: str) -> Response[str]:
        claims = verify(token)
        if claims.report_id != "*":
            raise _NotFound
        now = deps.clock()
        found = deps.repo.list_open_by_agency(claims.agency, INBOX_SIZE, None)
        items = pages.inbox_items(
            found.reports,
            lambda r: report_path(links.sign(deps.secret, r.id, claims.agency, claims.expires_at)),
            now,
        )
        return page(200, pages.inbox_page(city, claims.agency, items, more=bool(found.cursor)))

    @app.post("/agency/resend/<token>")
    def resend(token: str) -> Response[str]:
        try:
            claims = verify(token)
        except links.LinkExpired as exc:
            claims = exc.claims  # genuine but late: exactly what a fresh link is for
        if not first_resend(claims):
            logger.info("agency link resend refused", reason="cooldown", agency=claims.agency)
            return page(429, pages.resend_cooldown_page(RESEND_COOLDOWN_S // 60))
        if claims.is_inbox:
            deps.send_inbox(
                claims.agency, deps.link_service.inbox_link(claims.agency, deps.clock())
            )
        else:
            the_report(claims)  # still the agency's report
            deps.link_service.resend(claims.report_id, claims.agency)
        logger.info("agency link resent", report_id=claims.report_id, agency=claims.agency)
        return page(200, pages.resent_page())

    def first_resend(claims: links.LinkClaims) -> bool:
        """At most one fresh link per (report, agency) per cooldown window: whoever holds an old
        link cannot make the agency's phones receive SMS after SMS (SMS pumping). The marker is
        a conditional put in the short-link store (its code never resolves: not 8 characters),
        expiring with the window."""
        window = int(deps.clock().timestamp()) // RESEND_COOLDOWN_S
        name = f"{claims.agency}\n{claims.report_id}\n{window}".encode()
        marker = "resend-" + hashlib.sha256(name).hexdigest()[:24]
        ends = datetime.fromtimestamp((window + 1) * RESEND_COOLDOWN_S, UTC)
        return deps.link_service.shorts.put_short_link(marker, "-", ends)

    @app.get("/s/<code>")
    def short_link(code: str) -> Response[str]:
        target = deps.link_service.resolve_short(code, deps.clock())
        if target is None:
            raise _NotFound
        return Response(status_code=302, body="", headers={**_HEADERS, "Location": target})

    # -- refusals ---------------------------------------------------------------------------------

    @app.exception_handler(links.LinkForged)
    def forged(_: Exception) -> Response[str]:
        logger.info("agency link refused", reason="forged")
        return page(403, pages.forged_page())

    @app.exception_handler(links.LinkExpired)
    def expired(_: Exception) -> Response[str]:
        token = (app.current_event.path_parameters or {}).get("token", "")
        logger.info("agency link refused", reason="expired")
        return page(410, pages.expired_page(f"/agency/resend/{pages.path_token(token)}"))

    @app.exception_handler(WrongAgency)
    def wrong_agency(exc: WrongAgency) -> Response[str]:
        return page(
            403,
            pages.message_page(
                "Bukan laporan instansi Anda",
                "Laporan ini sudah dialihkan ke instansi lain. Tidak ada yang diubah.",
            ),
        )

    @app.exception_handler([ActionNotApplicable, InvalidTransition, ConcurrentUpdate])
    def conflict(exc: SikemasError) -> Response[str]:
        token = (app.current_event.path_parameters or {}).get("token")
        logger.info("agency action refused", code=exc.code)
        back = report_path(token) if token else None
        return page(409, pages.conflict_page(None, back))

    @app.exception_handler(_NotFound)
    def missing(_: Exception) -> Response[str]:
        return page(404, pages.not_found_page())

    @app.not_found
    def no_route(_: Exception) -> Response[str]:
        return page(404, pages.not_found_page())

    @app.exception_handler(SikemasError)
    def refused(exc: SikemasError) -> Response[str]:
        logger.info("agency request refused", code=exc.code)
        return page(400, pages.message_page("Permintaan tidak valid", exc.message_id))

    @app.exception_handler(Exception)
    def unexpected(exc: Exception) -> Response[str]:
        correlation_id = app.current_event.request_context.request_id
        logger.exception("unexpected error", correlation_id=correlation_id)
        metrics.add_metric(name="AgencyUnexpectedError", unit=MetricUnit.Count, value=1)
        return page(500, pages.error_page(correlation_id))

    return app


class _NotFound(Exception):
    """No such report or page."""


_NOTICES = {
    "acknowledge": "Laporan diterima dan ditandai sedang dikerjakan.",
    "resolve": "Penyelesaian tersimpan. Terima kasih.",
    "hand_back": "Laporan dikembalikan ke admin untuk ditinjau.",
    "record": "Hasil penanganan tersimpan. Terima kasih.",
}


def _field(
    form: dict[str, str], name: str, limit: int, label: str, *, required: bool = False
) -> str:
    value = normalise(form.get(name, ""))
    if required and not value:
        raise BadForm(f"{label} wajib diisi.")
    if len(value) > limit:
        raise BadForm(f"{label} paling banyak {limit} karakter.")
    return value


def _choice(form: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = form.get(name, "")
    if value not in choices:
        raise BadForm("Pilih salah satu hasil.")
    return value


app = create_app(agency_dependencies())


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True
)
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
