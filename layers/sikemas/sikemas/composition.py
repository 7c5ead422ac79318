"""The composition root: builds settings, the city and the adapters once per execution
environment (at cold start). Handlers receive what it builds; tests call the same builders
with overrides (a repository, a photo store, a clock …) instead of wiring by hand."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Literal

import boto3
from botocore.config import Config

from sikemas.city import City, load_city
from sikemas.city_calendar import LazyCalendar
from sikemas.domain.calendar import Clocks
from sikemas.places import CityPlaces
from sikemas.settings import Settings
from sikemas.usecases.feed import Feed
from sikemas.usecases.followup import FollowUp
from sikemas.usecases.intake import Intake
from sikemas.usecases.stats import Stats

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

    from sikemas.ports import Alerts, PhotoStore, Places, ReportRepository
    from sikemas.usecases.photos import ImagingTools, PhotoChecks
    from sikemas.usecases.watcher import Watcher

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)

Clock = Callable[[], datetime]


# The one clock of every function. In AWS it is the real time. The local stack moves it for
# every function at once (``POST /_local/clock``, ``sikemas_local.clock``) by setting this offset
# through ``set_clock_offset``; nothing else does. Token checks keep the real time (``links``).
_clock_offset = timedelta(0)


def utc_now() -> datetime:
    return datetime.now(UTC) + _clock_offset


def real_now() -> datetime:
    """The real time, never moved: signed links are minted and checked on it, so a link
    minted now stays valid on a moved local clock (as tokens do)."""
    return datetime.now(UTC)


def set_clock_offset(offset: timedelta) -> None:
    """Local stack only: every function's ``utc_now`` runs ``offset`` ahead of real time."""
    global _clock_offset
    _clock_offset = offset


def clock_offset() -> timedelta:
    return _clock_offset


def dynamodb_client() -> DynamoDBClient:
    return boto3.client("dynamodb", config=_CONFIG)


def s3_client() -> S3Client:
    # Virtual-hosted URLs in AWS; a local emulator (AWS_ENDPOINT_URL) needs path-style ones.
    style: Literal["path", "virtual"] = "path" if os.environ.get("AWS_ENDPOINT_URL") else "virtual"
    return boto3.client(
        "s3",
        config=_CONFIG.merge(Config(signature_version="s3v4", s3={"addressing_style": style})),
    )


@dataclass(frozen=True)
class ApiDependencies:
    settings: Settings
    city: City
    intake: Intake
    followup: FollowUp  # the owner's reopen and confirm
    stats: Stats | None = None  # GET /v1/stats (the counters)
    feed: Feed | None = None  # GET /v1/reports (the public map feed)


@dataclass(frozen=True)
class _Core:
    """What every function builds: its settings, its city, and the table and bucket."""

    settings: Settings
    city: City
    repo: ReportRepository
    photos: PhotoStore
    clocks: Clocks


def _core(
    settings: Settings | None,
    city: City | None,
    repo: ReportRepository | None,
    photos: PhotoStore | None,
) -> _Core:
    settings = settings or Settings.from_env()
    city = city or load_city(settings.city_dir, settings.boundary_file)
    if repo is None:
        from sikemas.adapters.dynamo import DynamoReportRepository

        repo = DynamoReportRepository(dynamodb_client(), settings.table_name, city.timezone)
    if photos is None:
        from sikemas.adapters.photo_store import S3PhotoStore

        photos = S3PhotoStore(s3_client(), settings.photos_bucket)
    # The calendar's JSON is read when the first deadline is counted, not at cold start.
    calendar = LazyCalendar(city, settings.city_dir)
    clocks = Clocks(city.categories, calendar, warn=_warn)
    return _Core(settings=settings, city=city, repo=repo, photos=photos, clocks=clocks)


def _warn(message: str) -> None:
    from sikemas.observability import logger

    logger.warning(message)


def api_dependencies(
    settings: Settings | None = None,
    *,
    city: City | None = None,
    repo: ReportRepository | None = None,
    photos: PhotoStore | None = None,
    places: Places | None = None,
    clock: Clock = utc_now,
) -> ApiDependencies:
    core = _core(settings, city, repo, photos)
    limit = core.settings.daily_report_limit
    # Pure Python (no shapely): every claimed pin is checked against the city's boundary.
    places = places or CityPlaces.for_city(core.city)
    intake = Intake(
        core.repo,
        core.photos,
        core.city,
        daily_limit=limit,
        clock=clock,
        places=places,
        clocks=core.clocks,
    )
    followup = FollowUp(core.repo, core.city, clock, core.photos, clocks=core.clocks)
    # The desa names the statistics give their counted codes: from the geometry already read.
    names = places.subdistrict_names() if isinstance(places, CityPlaces) else None
    stats = Stats(core.repo, core.city, clock, names)
    return ApiDependencies(
        settings=core.settings,
        city=core.city,
        intake=intake,
        followup=followup,
        stats=stats,
        feed=Feed(core.repo, core.city),
    )


def photo_dependencies(
    settings: Settings | None = None,
    *,
    city: City | None = None,
    repo: ReportRepository | None = None,
    photos: PhotoStore | None = None,
    alerts: Alerts | None = None,
    tools: ImagingTools | None = None,
) -> PhotoChecks:
    """The photo function's object graph, built at its cold start. The imaging and geometry
    modules are imported here so that the API function, which shares this module, never loads
    them."""
    from sikemas.geo import CityArea
    from sikemas.usecases.photos import ImagingTools, PhotoChecks

    core = _core(settings, city, repo, photos)
    tz = core.city.timezone
    area = CityArea.from_geojson(core.city.boundary_path, core.city.subdistricts_path)
    if tools is None:
        from sikemas.photo.derive import derive_public_images
        from sikemas.photo.reading import read_photo

        tools = ImagingTools(read=lambda data: read_photo(data, tz), derive=derive_public_images)
    if alerts is None:
        from sikemas.adapters.alerts import SnsAlerts

        topic = core.settings.alerts_topic_arn
        alerts = SnsAlerts(boto3.client("sns", config=_CONFIG) if topic else None, topic)
    return PhotoChecks(core.repo, core.photos, core.city, area, tools, alerts, clocks=core.clocks)


@dataclass(frozen=True)
class FollowUpDependencies:
    settings: Settings
    city: City
    repo: ReportRepository
    photos: PhotoStore
    followup: FollowUp


def followup_dependencies(
    settings: Settings | None = None,
    *,
    city: City | None = None,
    repo: ReportRepository | None = None,
    photos: PhotoStore | None = None,
    clock: Clock = utc_now,
) -> FollowUpDependencies:
    """What the agency and admin functions act through (``FollowUp``), with the repository
    (their lists: ``list_by_status``, ``list_open_by_agency``) and the photo store."""
    core = _core(settings, city, repo, photos)
    followup = FollowUp(core.repo, core.city, clock, core.photos, clocks=core.clocks)
    return FollowUpDependencies(
        settings=core.settings,
        city=core.city,
        repo=core.repo,
        photos=core.photos,
        followup=followup,
    )


def watcher_dependencies(
    settings: Settings | None = None,
    *,
    city: City | None = None,
    repo: ReportRepository | None = None,
    clock: Clock = utc_now,
) -> Watcher:
    """The watcher with the city's clocks (a close or an abandonment moves the deadlines)."""
    from sikemas.usecases.watcher import Watcher

    core = _core(settings, city, repo, None)
    return Watcher(core.repo, core.city, clock, clocks=core.clocks)
