"""Request models of the citizen API (pydantic, strict: no silent coercion)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sikemas.domain.report import Kind, Privacy

MAX_PHOTOS = 3


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LocationIn(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, le=10_000)


class CreateReportIn(_Strict):
    kind: Kind
    category: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    description: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)
    ]
    location: LocationIn | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    privacy: Privacy = Privacy.PUBLIC
    photo_count: int = Field(default=0, ge=0, le=MAX_PHOTOS)
    notify_sms: bool = False


class PhotoSlotIn(_Strict):
    slot: int = Field(ge=1, le=MAX_PHOTOS)
