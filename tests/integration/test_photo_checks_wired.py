"""The photo checks wired by hand: with the kelurahan/desa polygons configured, and with a
derive step that fails."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
from shapely.geometry import shape

from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.adapters.photo_store import S3PhotoStore
from sikemas.city import load_city
from sikemas.domain.report import Location, Status, receive
from sikemas.geo import CityArea
from sikemas.photo.derive import derive_public_images
from sikemas.photo.reading import read_photo
from sikemas.usecases.photos import ImagingTools, Outcome, PhotoChecks, PhotoLanded
from tests.camera import INSIDE, camera_photo
from tests.integration.conftest import REGION, ROOT
from tests.shared_data import shared_path
from tests.unit.domain.test_report_states import a_report


def test_an_accepted_report_gets_its_kelurahan_and_kecamatan(stack):
    boundary = shared_path("boundaries", "kotamobagu.geojson")
    villages = shared_path("boundaries", "kotamobagu_desa.geojson")
    village = json.loads(villages.read_text())["features"][5]
    point = shape(village["geometry"]).representative_point()
    lat, lon = point.y, point.x
    env = stack.function_environment("PhotoCheckFunction")
    city = load_city(ROOT / "cities" / "kotamobagu", boundary)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    repo = DynamoReportRepository(dynamodb, env["TABLE_NAME"], city.timezone)
    checks = PhotoChecks(
        repo,
        S3PhotoStore(s3, env["PHOTOS_BUCKET"]),
        city,
        CityArea.from_geojson(boundary, villages),
        ImagingTools(
            read=lambda data: read_photo(data, city.timezone),
            derive=derive_public_images,
        ),
    )
    now = datetime.now(UTC)
    report = a_report(Status.RECEIVED, version=1, location=Location(lat, lon, 10), created_at=now)
    repo.create([receive(report)], daily_limit=10, idempotency=None)
    s3.put_object(
        Bucket=env["PHOTOS_BUCKET"],
        Key=f"originals/{report.id}/1",
        Body=camera_photo((lat, lon), now),
    )

    outcome = checks.on_photo_landed(
        PhotoLanded(report.id, 1, version="v1", version_id=None, size=5000, event_time=now)
    )

    assert outcome is Outcome.ASSIGNED
    place = repo.get(report.id).subdistrict
    assert place is not None
    assert place["desa_code"] == village["properties"]["kode_kemendagri"]
    assert place["desa"] == village["properties"]["nama"]
    assert place["kecamatan_code"] == village["properties"]["kecamatan_kode"]


def test_a_photo_whose_pixels_fail_to_decode_is_refused_not_retried(stack):
    from sikemas.photo.derive import PhotoDeriveError

    env = stack.function_environment("PhotoCheckFunction")
    city = load_city(ROOT / "cities" / "kotamobagu")
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    s3 = boto3.client("s3", region_name=REGION)
    repo = DynamoReportRepository(dynamodb, env["TABLE_NAME"], city.timezone)

    def broken(_: bytes) -> Any:
        raise PhotoDeriveError("corrupt_image")

    checks = PhotoChecks(
        repo,
        S3PhotoStore(s3, env["PHOTOS_BUCKET"]),
        city,
        CityArea.from_geojson(city.boundary_path),
        ImagingTools(read=lambda data: read_photo(data, city.timezone), derive=broken),
    )
    now = datetime.now(UTC)
    report = a_report(Status.RECEIVED, version=1, location=Location(*INSIDE, 10), created_at=now)
    repo.create([receive(report)], daily_limit=10, idempotency=None)
    s3.put_object(
        Bucket=env["PHOTOS_BUCKET"], Key=f"originals/{report.id}/1", Body=camera_photo(INSIDE, now)
    )

    outcome = checks.on_photo_landed(
        PhotoLanded(report.id, 1, version="v1", version_id=None, size=5000, event_time=now)
    )

    assert outcome is Outcome.REJECTED
    photo = repo.get(report.id).photos[1]
    assert photo["checks"][0] == {"name": "image", "passed": False, "reason": "corrupt_image"}
    assert "public_key" not in photo
