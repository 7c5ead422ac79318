"""The photo checks as the composition root builds them, over the local stack's table and bucket,
with overrides: the kelurahan/desa polygons configured, and a derive step that fails."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import boto3
from shapely.geometry import shape

from sikemas.adapters.dynamo import DynamoReportRepository
from sikemas.adapters.photo_store import S3PhotoStore
from sikemas.city import load_city
from sikemas.composition import photo_dependencies
from sikemas.domain.reasons import Reason
from sikemas.domain.report import Location, Status
from sikemas.photo.reading import read_photo
from sikemas.settings import Settings
from sikemas.usecases.photos import ImagingTools, PhotoLanded, Result
from tests.camera import INSIDE, camera_photo
from tests.integration.conftest import REGION, ROOT
from tests.shared_data import shared_path
from tests.unit.domain.test_report_states import a_report, received


def test_an_accepted_report_gets_its_kelurahan_and_kecamatan(stack):
    boundary = shared_path("boundaries", "kotamobagu.geojson")
    villages = shared_path("boundaries", "kotamobagu_desa.geojson")
    village = json.loads(villages.read_text())["features"][5]
    point = shape(village["geometry"]).representative_point()
    lat, lon = point.y, point.x
    env = stack.function_environment("PhotoCheckFunction")
    city = replace(load_city(ROOT / "cities" / "kotamobagu", boundary), subdistricts_path=villages)
    s3 = boto3.client("s3", region_name=REGION)
    repo = DynamoReportRepository(
        boto3.client("dynamodb", region_name=REGION), env["TABLE_NAME"], city.timezone
    )
    checks = photo_dependencies(Settings.from_env(env), city=city, repo=repo)
    now = datetime.now(UTC)
    report = a_report(Status.RECEIVED, version=1, location=Location(lat, lon, 10), created_at=now)
    repo.create([received(report)], daily_limit=10, idempotency=None)
    s3.put_object(
        Bucket=env["PHOTOS_BUCKET"],
        Key=f"originals/{report.id}/1",
        Body=camera_photo((lat, lon), now),
    )

    outcome = checks.on_photo_landed(
        PhotoLanded(report.id, 1, "v1", None, order="01", size=5000, event_time=now)
    )

    assert outcome is Result.ASSIGNED
    place = repo.get(report.id).subdistrict
    assert place is not None
    assert place["desa_code"] == village["properties"]["kode_kemendagri"]
    assert place["desa"] == village["properties"]["nama"]
    assert place["kecamatan_code"] == village["properties"]["kecamatan_kode"]


def test_a_photo_whose_pixels_fail_to_decode_is_refused_not_retried(stack):
    from sikemas.photo.derive import PhotoDeriveError

    env = stack.function_environment("PhotoCheckFunction")
    city = load_city(ROOT / "cities" / "kotamobagu")
    s3 = boto3.client("s3", region_name=REGION)
    repo = DynamoReportRepository(
        boto3.client("dynamodb", region_name=REGION), env["TABLE_NAME"], city.timezone
    )

    def broken(_: bytes) -> Any:
        raise PhotoDeriveError(Reason.CORRUPT_IMAGE)

    tools = ImagingTools(read=lambda data: read_photo(data, city.timezone), derive=broken)
    checks = photo_dependencies(Settings.from_env(env), city=city, repo=repo, tools=tools)
    now = datetime.now(UTC)
    report = a_report(Status.RECEIVED, version=1, location=Location(*INSIDE, 10), created_at=now)
    repo.create([received(report)], daily_limit=10, idempotency=None)
    s3.put_object(
        Bucket=env["PHOTOS_BUCKET"], Key=f"originals/{report.id}/1", Body=camera_photo(INSIDE, now)
    )

    outcome = checks.on_photo_landed(
        PhotoLanded(report.id, 1, "v1", None, order="01", size=5000, event_time=now)
    )

    assert outcome is Result.REJECTED
    (photo,) = repo.get(report.id).photos
    assert photo.findings is not None
    assert photo.findings.to_dict()["checks"][0] == {
        "name": "image",
        "passed": False,
        "reason": "corrupt_image",
    }
    assert photo.copies is None


def test_the_s3_store_keeps_private_copies_private_and_moves_public_ones(stack):
    env = stack.function_environment("PhotoCheckFunction")
    s3 = boto3.client("s3", region_name=REGION)
    store = S3PhotoStore(s3, env["PHOTOS_BUCKET"])
    now = datetime.now(UTC)

    private = store.put_copies("R1", 1, "v1", b"jpeg", b"thumb", private=True)
    public = store.put_copies("R2", 1, "v1", b"jpeg", b"thumb", private=False)

    assert private.image_key.startswith("private/R1/")
    head = s3.head_object(Bucket=env["PHOTOS_BUCKET"], Key=private.image_key)
    assert head["CacheControl"] == "private, no-store"
    link = store.presigned_view(private.image_key, now)
    assert private.image_key in link
    assert "X-Amz-Expires=600" in link or "Expires=" in link

    moved = store.make_private(public)
    assert store.make_private(public) == moved  # idempotent: a retry finds it moved

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=env["PHOTOS_BUCKET"])["Contents"]}
    assert public.image_key not in keys
    assert public.thumbnail_key not in keys
    assert {moved.image_key, moved.thumbnail_key} <= keys
    store.delete_copies(moved)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=env["PHOTOS_BUCKET"])["Contents"]}
    assert not any(k.startswith("public/R2") or k.startswith("private/R2") for k in keys)
