"""The composition root: builds settings, the city and the adapters once per execution
environment (at cold start). Handlers receive what it builds; tests build their own."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

import boto3
from botocore.config import Config

from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.adapters.photo_store import S3PhotoStore
from sikemas.city import City, load_city
from sikemas.places import CityPlaces
from sikemas.settings import Settings
from sikemas.usecases.intake import Intake

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client

    from sikemas.usecases.photos import PhotoChecks

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


def utc_now() -> datetime:
    return datetime.now(UTC)


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


@dataclass(frozen=True)
class _Core:
    """What every function builds: its settings, its city, and the table and bucket."""

    settings: Settings
    city: City
    repo: DynamoReportRepository
    photos: S3PhotoStore


def _core(settings: Settings | None) -> _Core:
    settings = settings or Settings.from_env()
    city = load_city(settings.city_dir, settings.boundary_file)
    return _Core(
        settings=settings,
        city=city,
        repo=DynamoReportRepository(dynamodb_client(), settings.table_name, city.timezone),
        photos=S3PhotoStore(s3_client(), settings.photos_bucket),
    )


def api_dependencies(settings: Settings | None = None) -> ApiDependencies:
    core = _core(settings)
    limit = core.settings.daily_report_limit
    # Pure Python (no shapely): every claimed pin is checked against the city's boundary.
    places = CityPlaces.for_city(core.city)
    intake = Intake(
        core.repo, core.photos, core.city, daily_limit=limit, clock=utc_now, places=places
    )
    return ApiDependencies(settings=core.settings, city=core.city, intake=intake)


def photo_dependencies(settings: Settings | None = None) -> PhotoChecks:
    """The photo function's object graph, built at its cold start. The imaging and geometry
    modules are imported here so that the API function, which shares this module, never loads
    them."""
    from sikemas.geo import CityArea
    from sikemas.photo.derive import derive_public_images
    from sikemas.photo.reading import read_photo
    from sikemas.usecases.photos import ImagingTools, PhotoChecks

    core = _core(settings)
    city, tz = core.city, core.city.timezone
    area = CityArea.from_geojson(city.boundary_path, city.subdistricts_path)
    tools = ImagingTools(read=lambda data: read_photo(data, tz), derive=derive_public_images)
    return PhotoChecks(core.repo, core.photos, city, area, tools)
