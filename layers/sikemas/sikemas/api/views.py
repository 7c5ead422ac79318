"""Response shapes: the domain mapped explicitly to what each audience may see. Persistence
shapes never leak here, and no view carries the reporter's identity."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sikemas.api.text import mask_contacts
from sikemas.city import City
from sikemas.domain.photos import Copies, Photo, PhotoState
from sikemas.domain.reasons import reason_message
from sikemas.domain.report import Actor, Privacy, Report, Status, TimelineEvent
from sikemas.ports import Upload


def category_view(city: City, code: str) -> dict[str, Any]:
    c = city.categories[code]
    return {
        "code": c.code,
        "name": {"id": c.name.id, "en": c.name.en},
        "agency": {"code": c.agency.code, "name": c.agency.name},
        "jurisdiction": c.agency.jurisdiction,
        "requires_photo": c.requires_photo,
        "requires_location": c.requires_location,
        "emergency": c.emergency,
        "emergency_number": c.emergency_number,
    }


def categories_view(city: City) -> dict[str, Any]:
    return {"categories": [category_view(city, code) for code in city.categories]}


def upload_view(u: Upload) -> dict[str, Any]:
    return {
        "slot": u.slot,
        "url": u.url,
        "fields": u.fields,
        "expires_at": u.expires_at.isoformat(),
    }


def _category_ref(city: City, r: Report) -> dict[str, Any]:
    c = city.categories.get(r.category)
    return {"code": r.category, "name": {"id": c.name.id, "en": c.name.en} if c else None}


def _agency_ref(city: City, r: Report) -> dict[str, Any]:
    a = city.agencies.get(r.agency)
    return {
        "code": r.agency,
        "name": a.name if a else None,
        "jurisdiction": a.jurisdiction if a else None,
    }


def _identity(city: City, r: Report) -> dict[str, Any]:
    """What every view of a report starts with."""
    return {
        "id": r.id,
        "tracking_code": r.tracking_code,
        "status": r.status.value,
        "kind": r.kind.value,
        "category": _category_ref(city, r),
        "agency": _agency_ref(city, r),
    }


def _deadlines(city: City, r: Report, now: datetime | None) -> dict[str, Any] | None:
    """The two clocks (ISO 8601 with the city's offset); None until routed to a city agency
    (forwarded reports have no city deadline)."""
    if r.deadlines is None:
        return None
    return r.deadlines.view(now or datetime.now(UTC), city.timezone)


def _urls(
    copies: Copies | None, base: str | None, sign: Callable[[str], str] | None
) -> dict[str, str | None]:
    """Links to a photo's copies: through the CDN for public copies; for private ones (a
    confidential or hidden report) short-lived presigned links, given only to the owner."""
    if copies is None:
        return {"url": None, "thumbnail_url": None}
    if copies.private:
        if sign is None:
            return {"url": None, "thumbnail_url": None}
        return {"url": sign(copies.image_key), "thumbnail_url": sign(copies.thumbnail_key)}
    return {
        "url": f"{base}/{copies.image_key}" if base else None,
        "thumbnail_url": f"{base}/{copies.thumbnail_key}" if base else None,
    }


def _owner_photo(p: Photo, base: str | None, sign: Callable[[str], str] | None) -> dict[str, Any]:
    """The owner sees every check of every photo, with the reasons in both languages."""
    f = p.findings
    return {
        "slot": p.slot,
        "state": p.state.value,  # current, or late (kept beside the current ones)
        "received_at": p.received_at.isoformat(),
        "outcome": None if f is None else f.outcome.value,  # None while the checks run
        "taken_at": None if f is None or f.taken_at is None else f.taken_at.isoformat(),
        "checks": [
            {
                "name": c.name.value,
                "passed": c.passed,
                "reason": None if c.reason is None else c.reason.value,
                "message": reason_message(c.reason) if c.reason else None,
            }
            for c in (f.checks if f else ())
        ],
        **_urls(p.copies, base, sign),
    }


def _shown(photos: tuple[Photo, ...]) -> list[Photo]:
    """The photos a view lists: current and late ones, by slot then arrival (replaced and
    superseded uploads stay on the record only)."""
    shown = [p for p in photos if p.state in (PhotoState.CURRENT, PhotoState.LATE)]
    return sorted(shown, key=lambda p: (p.slot, p.received_at))


def owner_view(
    city: City,
    r: Report,
    timeline: list[TimelineEvent] | None = None,
    *,
    photo_base_url: str | None = None,
    sign: Callable[[str], str] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Everything the owner filed and everything that happened to it. ``sign`` makes the
    short-lived links to private photo copies."""
    view: dict[str, Any] = {
        **_identity(city, r),
        "description": r.description,
        "location": (
            {"lat": r.location.lat, "lon": r.location.lon, "accuracy_m": r.location.accuracy_m}
            if r.location
            else None
        ),
        "address": r.address,
        "privacy": r.privacy.value,
        "photo_count": r.photo_count,
        "photos": [_owner_photo(p, photo_base_url, sign) for p in _shown(r.photos)],
        "suspicious": r.suspicious,  # a photo was taken outside the city
        "subdistrict": r.subdistrict,
        "notify_sms": r.notify_sms,
        "duplicate_of": r.duplicate_of,
        "deadlines": _deadlines(city, r, now),
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
        **_follow_up(city, r, photo_base_url, sign, reopen_window=city.reopen_window),
    }
    if timeline is not None:
        view["timeline"] = [
            {
                "at": e.at.isoformat(),
                "from": e.from_status.value if e.from_status else None,
                "to": e.to_status.value,
                "type": e.type.value,
                "by": e.actor.value,
                "reason": e.reason,
                "note": e.note,
                "actor_name": e.actor_name,  # the officer or admin who acted
                "agency": _event_agency(e),
            }
            for e in timeline
        ]
    return view


def _event_agency(e: TimelineEvent) -> str | None:
    """The agency an agency's action was taken for (its code), else None."""
    if e.actor is not Actor.AGENCY:
        return None
    agency = e.data.get("agency") if e.data else None
    return str(agency) if agency else None


def _follow_up(
    city: City,
    r: Report,
    base: str | None,
    sign: Callable[[str], str] | None,
    *,
    reopen_window: timedelta,
) -> dict[str, Any]:
    """What the agency did and what its owner may do: the outcome, who recorded it (agency and
    officer) and when, the after photos, and until when the owner may reopen."""
    outcome = None
    if r.outcome is not None:
        outcome = {
            "outcome": r.outcome.value,
            "reason": r.outcome_reason,
            "reference": r.outcome_reference,
            "agency": _agency_ref(city, r),
            "officer": r.outcome_by,
            "at": r.resolved_at.isoformat() if r.resolved_at else None,
        }
    reopen_until = None
    if r.status is Status.RESOLVED and r.resolved_at is not None:
        reopen_until = (r.resolved_at + reopen_window).isoformat()
    return {
        "outcome": outcome,
        "after_photos": [_owner_photo(p, base, sign) for p in r.after_photos],
        "reopened": r.reopened,
        "confirmed_by_citizen": r.confirmed_by_citizen,
        "reopen_until": reopen_until,
    }


def public_view(
    city: City, r: Report, *, photo_base_url: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """What anyone may read: no reporter, masked contact details, and for anonymous reports a
    location coarsened to about 100 m and no street address."""
    anonymous = r.privacy is Privacy.ANONYMOUS
    location = None
    if r.location:
        digits = 3 if anonymous else 5
        location = {"lat": round(r.location.lat, digits), "lon": round(r.location.lon, digits)}
    return {
        **_identity(city, r),
        "description": mask_contacts(r.description),
        "location": location,
        "address": None if anonymous or r.address is None else mask_contacts(r.address),
        "subdistrict": r.subdistrict,
        # Only the derived, metadata-free public copies; rejected photos never get one, and a
        # confidential or hidden report has private copies only.
        "photos": [
            {"slot": p.slot, **_urls(p.copies, photo_base_url, None)}
            for p in _shown(r.photos)
            if p.copies is not None and not p.copies.private
        ],
        # The agency's accepted after photos (public copies only), and how it ended.
        "after_photos": [
            {"slot": p.slot, **_urls(p.copies, photo_base_url, None)}
            for p in r.accepted_after_photos
            if p.copies is not None and not p.copies.private
        ],
        "outcome": r.outcome.value if r.outcome else None,
        "deadlines": _deadlines(city, r, now),
        "created_at": r.created_at.isoformat(),
        "updated_at": r.updated_at.isoformat(),
    }
