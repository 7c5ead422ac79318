"""Request bodies of the citizen API: parsed and validated strictly (no silent coercion: "2" is
not a number, true is not 1, unknown fields are refused), into typed values.

Text fields are normalised (``sikemas.api.text``) before they are measured: what is counted is
what is stored. Every field problem comes with its message in Indonesian and English.

Hand-written rather than pydantic: for two small bodies pydantic costs about 100 ms of every cold
start (import plus model building), a third of the API's budget (see docs/decisions.md). Errors
keep pydantic's vocabulary (``missing``, ``string_too_long``, ``extra_forbidden`` …) so clients
read one kind of detail.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar, cast

from sikemas.api.text import has_lone_surrogate, normalise
from sikemas.domain.report import Kind, Privacy
from sikemas.errors import InvalidJson, InvalidRequest, PayloadTooLarge

MAX_PHOTOS = 3
REASON_MAX = 500
CATEGORY_MAX = 64
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 2000
ADDRESS_MAX = 300
E = TypeVar("E", bound=StrEnum)

# -- the body limit, from the field limits ---------------------------------------------------------
# The longest JSON encoding of one character is 12 bytes: a code point outside the BMP written as
# an escaped surrogate pair (``"\ud83d\ude00"``, what Python's json.dumps sends by default).
# A body whose every field is at its limit, every character escaped that way, must fit.
_ESCAPED_CHAR = 12
_NUMBER = 32  # "-1.2345678901234567e-308" and room to spare
_STRUCTURE = 1024  # braces, commas, and whitespace for a pretty-printed body


def _text(chars: int) -> int:
    return 2 + _ESCAPED_CHAR * chars


def _longest_body() -> int:
    def enum(e: type[StrEnum]) -> int:
        return _text(max(len(m.value) for m in e))

    location = sum(len(f'"{k}":,') + _NUMBER for k in ("lat", "lon", "accuracy_m")) + 2
    fields = {
        "kind": enum(Kind),
        "category": _text(CATEGORY_MAX),
        "description": _text(DESCRIPTION_MAX),
        "location": location,
        "address": _text(ADDRESS_MAX),
        "privacy": enum(Privacy),
        "photo_count": _NUMBER,
        "notify_sms": len("false"),
    }
    return sum(len(f'"{k}":,') + size for k, size in fields.items()) + _STRUCTURE


MAX_BODY_BYTES = _longest_body()

# -- field messages, in Indonesian and English ----------------------------------------------------
_MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("Wajib diisi.", "Field required."),
    "string_type": ("Harus berupa teks.", "Input should be a string."),
    "string_unicode": (
        "Teks berisi karakter yang tidak sah (surrogate tunggal).",
        "The text contains an invalid character (a lone surrogate).",
    ),
    "string_too_short": ("Minimal {min} karakter.", "At least {min} characters."),
    "string_too_long": ("Maksimal {max} karakter.", "At most {max} characters."),
    "float_type": ("Harus berupa angka.", "Input should be a number."),
    "int_type": ("Harus berupa bilangan bulat.", "Input should be a whole number."),
    "bool_type": ("Harus true atau false.", "Input should be true or false."),
    "out_of_range": ("Harus antara {min} dan {max}.", "Input should be between {min} and {max}."),
    "enum": ("Harus salah satu dari: {allowed}.", "Input should be one of: {allowed}."),
    "dict_type": ("Harus berupa objek JSON.", "Input should be an object."),
    "extra_forbidden": ("Kolom ini tidak dikenal.", "Extra inputs are not permitted."),
}


def field_error(field: str | None, kind: str, **values: Any) -> dict[str, Any]:
    """One field's problem: its name, a pydantic-style type, a message in both languages and
    the limits that apply (``min``, ``max``, ``allowed``)."""
    message_id, message_en = _MESSAGES[kind]
    return {
        "field": field,
        "type": kind,
        "message": {"id": message_id.format(**values), "en": message_en.format(**values)},
        **values,
    }


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


def body_text(body: str | None, *, base64_encoded: bool) -> str:
    """An API Gateway body as text: decoded from base64 when API Gateway encoded it, at most
    ``MAX_BODY_BYTES`` of UTF-8, or ``PayloadTooLarge`` / ``InvalidJson``."""
    if not body:
        return ""
    if base64_encoded:
        try:
            data = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):  # API Gateway's own encoding: cannot happen there
            raise InvalidJson(details=[{"type": "base64"}]) from None
    else:
        data = body.encode("utf-8", "surrogatepass")
    if len(data) > MAX_BODY_BYTES:
        raise PayloadTooLarge(details=[{"max_bytes": MAX_BODY_BYTES}])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidJson(details=[_not_utf8(exc.start)]) from None
    return text.removeprefix("\ufeff")  # a byte order mark, as RFC 8259 lets parsers ignore


def _not_utf8(position: int) -> dict[str, Any]:
    return {
        "type": "utf8",
        "position": position,
        "message": {
            "id": f"Isi permintaan bukan UTF-8 yang sah (byte ke-{position}).",
            "en": f"The body is not valid UTF-8 (at byte {position}).",
        },
    }


def load_object(raw: str) -> dict[str, Any]:
    """The body as a JSON object, or ``InvalidJson`` / ``InvalidRequest``."""
    try:
        value = json.loads(raw, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise InvalidJson(
            details=[
                {
                    "type": "json_invalid",
                    "line": exc.lineno,
                    "column": exc.colno,
                    "message": {
                        "id": f"JSON tidak sah pada baris {exc.lineno}, kolom {exc.colno}.",
                        "en": f"Invalid JSON at line {exc.lineno}, column {exc.colno}.",
                    },
                }
            ]
        ) from None
    except (ValueError, RecursionError):  # NaN/Infinity, a huge integer, absurd nesting
        raise InvalidJson from None
    if not isinstance(value, dict):
        raise InvalidRequest(details=[field_error(None, "dict_type")])
    bad = _surrogate_paths(value)
    if bad:
        raise InvalidRequest(details=[field_error(path, "string_unicode") for path in bad])
    return value


def _printable(name: str) -> str:
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _surrogate_paths(root: dict[str, Any]) -> list[str]:
    """Where the document holds a lone surrogate (in a key or a string), as dotted paths: text
    that cannot be stored or echoed as UTF-8."""
    found: list[str] = []
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if has_lone_surrogate(value):
                found.append(path)
        elif isinstance(value, dict):
            for key, child in value.items():
                child_path = f"{path}.{_printable(key)}" if path else _printable(key)
                if has_lone_surrogate(key):
                    found.append(child_path)
                else:
                    stack.append((child_path, child))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(value))
    return sorted(set(found))


class _Reader:
    """Collects every problem of a body, then raises once with all of them."""

    def __init__(self, body: dict[str, Any], prefix: str = "") -> None:
        self.body = body
        self.prefix = prefix
        self.errors: list[dict[str, Any]] = []
        self.seen: set[str] = set()

    def _fail(self, name: str, kind: str, **values: Any) -> None:
        self.errors.append(field_error(self.prefix + name, kind, **values))

    def _get(self, name: str, required: bool, null_error: str, **values: Any) -> Any:
        """The field's value; ``None`` when it is absent or null (an error when required)."""
        self.seen.add(name)
        if name not in self.body:
            if required:
                self._fail(name, "missing")
            return None
        if self.body[name] is None and required:
            self._fail(name, null_error, **values)
        return self.body[name]

    def string(self, name: str, *, required: bool, min_len: int = 0, max_len: int) -> str | None:
        value = self._get(name, required, "string_type")
        if value is None:
            return None
        if not isinstance(value, str):
            self._fail(name, "string_type")
            return None
        value = normalise(value)
        if len(value) < min_len:
            self._fail(name, "string_too_short", min=min_len)
        elif len(value) > max_len:
            self._fail(name, "string_too_long", max=max_len)
        return value

    def number(self, name: str, *, required: bool, low: float, high: float) -> float | None:
        value = self._get(name, required, "float_type")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self._fail(name, "float_type")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self._fail(name, "float_type")
            return None
        if not low <= value <= high:  # exact for any int, however large
            self._fail(name, "out_of_range", min=low, max=high)
            return None
        return float(value)

    def integer(self, name: str, *, low: int, high: int, default: int | None = None) -> int:
        """A whole number in [low, high]; required when there is no default."""
        value = self._get(name, default is None, "int_type")
        if value is None:
            return default or 0
        if isinstance(value, bool) or not isinstance(value, int):
            self._fail(name, "int_type")
            return default or 0
        if not low <= value <= high:
            self._fail(name, "out_of_range", min=low, max=high)
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self._get(name, False, "bool_type")
        if value is None:
            return default
        if not isinstance(value, bool):
            self._fail(name, "bool_type")
            return default
        return value

    def choice(self, name: str, enum: type[E], *, default: E | None = None) -> E | None:
        allowed = ", ".join(e.value for e in enum)
        value = self._get(name, default is None, "enum", allowed=allowed)
        if value is None:
            return default
        try:
            return enum(value)
        except (ValueError, TypeError):
            self._fail(name, "enum", allowed=allowed)
            return None

    def obj(self, name: str) -> _Reader | None:
        value = self._get(name, False, "dict_type")
        if value is None:
            return None
        if not isinstance(value, dict):
            self._fail(name, "dict_type")
            return None
        return _Reader(value, prefix=f"{self.prefix}{name}.")

    def finish(self, *children: _Reader | None) -> None:
        for extra in sorted(set(self.body) - self.seen):
            self._fail(extra, "extra_forbidden")
        for child in children:
            if child is not None:
                child.finish()
                self.errors += child.errors
        if self.errors and not self.prefix:
            raise InvalidRequest(details=self.errors)


def parse_create_report(raw: str) -> CreateReportIn:
    r = _Reader(load_object(raw))
    kind = r.choice("kind", Kind)
    category = r.string("category", required=True, min_len=1, max_len=CATEGORY_MAX)
    description = r.string(
        "description", required=True, min_len=DESCRIPTION_MIN, max_len=DESCRIPTION_MAX
    )
    loc_reader = r.obj("location")
    location = None
    if loc_reader is not None:
        lat = loc_reader.number("lat", required=True, low=-90, high=90)
        lon = loc_reader.number("lon", required=True, low=-180, high=180)
        accuracy = loc_reader.number("accuracy_m", required=False, low=0, high=10_000)
        if lat is not None and lon is not None:
            # Kept to what a phone can know (7 decimals of a degree ≈ 1 cm; a tenth of a metre):
            # a subnormal float such as 1e-309 is a valid JSON number that DynamoDB's number
            # type (magnitudes from 1e-130) cannot store.
            location = LocationIn(
                round(lat, 7), round(lon, 7), None if accuracy is None else round(accuracy, 1)
            )
    address = r.string("address", required=False, max_len=ADDRESS_MAX)
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


@dataclass(frozen=True)
class ReopenIn:
    reason: str


def parse_reopen(raw: str) -> ReopenIn:
    """``{"reason"}``: why the fix did not hold (1-500 characters once normalised)."""
    r = _Reader(load_object(raw))
    reason = r.string("reason", required=True, min_len=1, max_len=REASON_MAX)
    r.finish()
    return ReopenIn(reason=cast(str, reason))
