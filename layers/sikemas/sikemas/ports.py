"""Ports: what the use cases need from the outside world, named for the need. The adapters
(``sikemas.adapters``) implement them; tests may hand in fakes. Pure: no AWS here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sikemas.domain.report import Report, TimelineEvent, Transition


class TrackingCodeTaken(Exception):
    """The random tracking code already exists (one in a billion): pick another."""


class IdempotencyKeyUsed(Exception):
    """An idempotency record for this reporter and key already exists."""


@dataclass(frozen=True)
class IdempotencyRecord:
    key: str
    request_hash: str
    report_id: str


@dataclass(frozen=True)
class Page:
    reports: list[Report]
    cursor: str | None


@dataclass(frozen=True)
class Upload:
    """A presigned POST for one photo slot."""

    slot: int
    url: str
    fields: dict[str, str]
    expires_at: datetime


class ReportRepository(Protocol):
    def reporter_id_for(self, subject: str, phone: str | None, now: datetime) -> str: ...
    def get(self, report_id: str) -> Report | None: ...
    def get_by_tracking_code(self, code: str) -> Report | None: ...
    def timeline(self, report_id: str) -> list[TimelineEvent]: ...
    def list_by_reporter(self, reporter_id: str, limit: int, cursor: str | None) -> Page: ...
    def get_idempotency(self, reporter_id: str, key: str) -> IdempotencyRecord | None: ...
    def create(
        self,
        transitions: Sequence[Transition],
        *,
        daily_limit: int,
        idempotency: IdempotencyRecord | None,
    ) -> None: ...
    def apply(self, t: Transition) -> None: ...
    def save_photos(self, before: Report, after: Report) -> None: ...


class PhotoStore(Protocol):
    def presigned_upload(self, report_id: str, slot: int, now: datetime) -> Upload: ...
    def get_original(self, report_id: str, slot: int, version_id: str | None) -> bytes: ...
    def put_public_copies(
        self, report_id: str, slot: int, version: str, public: bytes, thumbnail: bytes
    ) -> dict[str, str]: ...


@dataclass(frozen=True)
class PlaceFix:
    """Where a point lies: metres outside the city boundary (0 inside), whether that is within
    the GPS tolerance, and its kelurahan/desa and kecamatan (``desa``, ``desa_code``,
    ``kecamatan``, ``kecamatan_code``) when known."""

    distance_outside_m: float
    within_city: bool
    subdistrict: Mapping[str, str] | None


class Places(Protocol):
    """The city's geometry (``sikemas.places.CityPlaces``)."""

    def locate(self, lat: float, lon: float) -> PlaceFix: ...
