"""Request bodies of the citizen API: parsed and validated strictly (no silent coercion: "2" is
not a number, true is not 1, unknown fields are refused), into typed values.

Hand-written rather than pydantic: for two small bodies pydantic costs about 100 ms of every cold
start (import plus model building), a third of the API's budget (see docs/decisions.md). Errors
keep pydantic's vocabulary (``missing``, ``string_too_long``, ``extra_forbidden`` …) so clients
read one kind of detail.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar, cast

from sikemas.domain.report import Kind, Privacy
from sikemas.errors import InvalidJson, InvalidRequest

MAX_PHOTOS = 3
E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True)
class LocationIn:
    lat: float
    lon: float
    accuracy_m: float | None = None


@dataclass(frozen=True)
class CreateReportIn:
    kind: Kind
    category: str
    description: str
    location: LocationIn | None
    address: str | None
    privacy: Privacy
    photo_count: int
    notify_sms: bool

    def canonical(self) -> str:
        """The request as one canonical string: what an idempotency key is bound to."""
        loc = self.location
        return json.dumps(
            {
                "kind": self.kind.value,
                "category": self.category,
                "description": self.description,
                "location": [loc.lat, loc.lon, loc.accuracy_m] if loc else None,
                "address": self.address,
                "privacy": self.privacy.value,
                "photo_count": self.photo_count,
                "notify_sms": self.notify_sms,
            },
            sort_keys=True,
            ensure_ascii=False,
        )


@dataclass(frozen=True)
class PhotoSlotIn:
    slot: int


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def load_object(raw: str) -> dict[str, Any]:
    """The body as a JSON object, or ``InvalidJson`` / ``InvalidRequest``."""
    try:
        value = json.loads(raw, parse_constant=_no_constants)
    except ValueError:
        raise InvalidJson from None
    if not isinstance(value, dict):
        raise InvalidRequest(
            details=[{"field": None, "type": "dict_type", "message": "Input should be an object"}]
        )
    return value


class _Reader:
    """Collects every problem of a body, then raises once with all of them."""

    def __init__(self, body: dict[str, Any], prefix: str = "") -> None:
        self.body = body
        self.prefix = prefix
        self.errors: list[dict[str, Any]] = []
        self.seen: set[str] = set()

    def _fail(self, name: str, kind: str, message: str) -> None:
        self.errors.append({"field": self.prefix + name, "type": kind, "message": message})

    def _get(self, name: str, required: bool) -> Any:
        self.seen.add(name)
        if name not in self.body or (self.body[name] is None and not required):
            if required:
                self._fail(name, "missing", "Field required")
            return None
        return self.body[name]

    def string(self, name: str, *, required: bool, min_len: int = 0, max_len: int) -> str | None:
        value = self._get(name, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self._fail(name, "string_type", "Input should be a string")
            return None
        value = value.strip()
        if len(value) < min_len:
            self._fail(name, "string_too_short", f"At least {min_len} characters")
        elif len(value) > max_len:
            self._fail(name, "string_too_long", f"At most {max_len} characters")
        return value

    def number(self, name: str, *, required: bool, low: float, high: float) -> float | None:
        value = self._get(name, required)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            self._fail(name, "float_type", "Input should be a number")
            return None
        if not low <= value <= high:
            self._fail(name, "out_of_range", f"Input should be between {low} and {high}")
        return float(value)

    def integer(self, name: str, *, low: int, high: int, default: int | None = None) -> int:
        """A whole number in [low, high]; required when there is no default."""
        value = self._get(name, required=default is None)
        if value is None:
            return default or 0
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(name, "int_type", "Input should be a whole number")
            return default or 0
        if not low <= value <= high:
            self._fail(name, "out_of_range", f"Input should be between {low} and {high}")
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self._get(name, required=False)
        if value is None:
            return default
        if not isinstance(value, bool):
            self._fail(name, "bool_type", "Input should be true or false")
            return default
        return value

    def choice(self, name: str, enum: type[E], *, default: E | None = None) -> E | None:
        value = self._get(name, required=default is None)
        if value is None:
            return default
        try:
            return enum(value)
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            self._fail(name, "enum", f"Input should be one of: {allowed}")
            return None

    def obj(self, name: str) -> _Reader | None:
        value = self._get(name, required=False)
        if value is None:
            return None
        if not isinstance(value, dict):
            self._fail(name, "dict_type", "Input should be an object")
            return None
        return _Reader(value, prefix=f"{self.prefix}{name}.")

    def finish(self, *children: _Reader | None) -> None:
        for extra in sorted(set(self.body) - self.seen):
            self._fail(extra, "extra_forbidden", "Extra inputs are not permitted")
        for child in children:
            if child is not None:
                child.finish()
                self.errors += child.errors
        if self.errors and not self.prefix:
            raise InvalidRequest(details=self.errors)


def parse_create_report(raw: str) -> CreateReportIn:
    r = _Reader(load_object(raw))
    kind = r.choice("kind", Kind)
    category = r.string("category", required=True, min_len=1, max_len=64)
    description = r.string("description", required=True, min_len=10, max_len=2000)
    loc_reader = r.obj("location")
    location = None
    if loc_reader is not None:
        lat = loc_reader.number("lat", required=True, low=-90, high=90)
        lon = loc_reader.number("lon", required=True, low=-180, high=180)
        accuracy = loc_reader.number("accuracy_m", required=False, low=0, high=10_000)
        if lat is not None and lon is not None:
            location = LocationIn(lat, lon, accuracy)
    address = r.string("address", required=False, max_len=300)
    privacy = r.choice("privacy", Privacy, default=Privacy.PUBLIC)
    photo_count = r.integer("photo_count", default=0, low=0, high=MAX_PHOTOS)
    notify_sms = r.boolean("notify_sms", default=False)
    r.finish(loc_reader)  # raises on any problem: the required values below are present
    return CreateReportIn(
        kind=cast(Kind, kind),
        category=cast(str, category),
        description=cast(str, description),
        location=location,
        address=address or None,
        privacy=cast(Privacy, privacy),
        photo_count=photo_count,
        notify_sms=notify_sms,
    )


def parse_photo_slot(raw: str) -> PhotoSlotIn:
    r = _Reader(load_object(raw))
    slot = r.integer("slot", low=1, high=MAX_PHOTOS)
    r.finish()
    return PhotoSlotIn(slot=slot)
