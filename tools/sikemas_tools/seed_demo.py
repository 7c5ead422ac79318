"""``bin/sikemas seed-demo``: carry a plan (``seed_plan``) out on a running local stack, through
the system's own doors. No item is written by hand:

- citizens file reports through ``POST /v1/reports`` with tokens from ``/_local/token``, and
  their photos (JPEGs drawn here, with the GPS fix and time a phone writes) go to S3 through the
  presigned POSTs the API answers; the photo function checks them as it checks any photo;
- officers act through the signed links the notifier e-mailed (read from ``/_local/outbox``),
  uploading their after photos from the page's own form;
- admins act through the admin function (``/_local/invoke/AdminFunction``), as from the console;
- time passes on the stack's clock (``/_local/clock``), and the watcher runs as it moves (at
  most every ``WATCHER_EVERY`` of the stack's time), so reports fall overdue and resolved ones
  close when their reopen window ends. The clock goes back to the real time at the end, even
  when seeding fails.

Steps run in time order, one clock move per instant; after each, the seeder waits for what the
system does on its own (the photo check, the notifier's e-mail) before time moves on.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from sikemas.city import Category
from sikemas_tools.seed_plan import (
    ADMINS,
    MANADO,
    NOT_FIXABLE_REASONS,
    OFFICERS,
    REOPEN_REASONS,
    VERTICAL_REFERENCES,
    Desa,
    Do,
    Life,
    PhotoKind,
)

WAIT_S = 60.0  # for one asynchronous consequence (a photo check, an e-mail)
# How often the watcher runs as the seeder moves the clock (in AWS: every 15 minutes; here a
# flag or a close comes at most this much later than it would, and seeding is faster).
WATCHER_EVERY = timedelta(hours=3)
CITY_BBOX = "124.25,0.64,124.38,0.78"  # the whole of Kotamobagu, for the map feed


class SeedError(Exception):
    """The stack refused or never did what a step needs: the message says which and why."""


# --------------------------------------------------------------------------- the city's data
def city_data(city_dir: Path) -> tuple[ZoneInfo, list[Category], list[Desa]]:
    """The city's timezone, categories (``sikemas.city.load_city``) and desa polygons."""
    from shapely.geometry import shape
    from shapely.prepared import prep

    from sikemas.city import load_city

    city = load_city(city_dir)
    if city.subdistricts_path is None:
        raise SeedError(f"{city_dir} has no kelurahan/desa file: the demo places reports in them")
    features = json.loads(city.subdistricts_path.read_text(encoding="utf-8"))
    desa = []
    for feature in features["features"]:
        geometry = shape(feature["geometry"])
        prepared = prep(geometry)
        desa.append(
            Desa(
                code=feature["properties"]["village_code"],
                name=feature["properties"]["village_name"],
                polygon=_Prepared(geometry, prepared),
            )
        )
    return city.timezone, list(city.categories.values()), desa


class _Prepared:
    """A polygon with shapely's prepared geometry for fast ``contains``."""

    def __init__(self, geometry: Any, prepared: Any) -> None:
        self.bounds = geometry.bounds
        self._geometry = geometry
        self._prepared = prepared

    def contains(self, other: Any) -> bool:
        return bool(self._prepared.contains(other))

    def representative_point(self) -> Any:
        return self._geometry.representative_point()


# --------------------------------------------------------------------------- photos
def camera_photo(point: tuple[float, float] | None, taken: datetime, seed: int) -> bytes:
    """A small JPEG as a phone writes it: GPS in degrees/minutes/seconds, DateTimeOriginal with
    its offset (none of it when ``point`` is None: no GPS block)."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)  # noqa: S311  # nosec B311 - a picture, not a secret
    image = Image.new("RGB", (640, 480), (150, 190, 225))
    draw = ImageDraw.Draw(image)
    ground = (rng.randrange(90, 140), rng.randrange(100, 140), rng.randrange(60, 100))
    draw.rectangle((0, 250, 640, 480), fill=ground)
    for _ in range(25):  # a heap of something, different each time
        x, y = rng.randrange(0, 600), rng.randrange(230, 450)
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        draw.ellipse((x, y, x + rng.randrange(15, 60), y + rng.randrange(10, 40)), fill=colour)
    draw.text((12, 12), "SIKeMas demo", fill=(20, 20, 20))
    exif = Image.Exif()
    local = taken.astimezone(ZoneInfo("Asia/Makassar"))
    exif[0x8769] = {0x9003: local.strftime("%Y:%m:%d %H:%M:%S"), 0x9011: "+08:00"}
    if point is not None:
        lat, lon = point
        exif[0x8825] = {
            1: "N" if lat >= 0 else "S",
            2: _dms(lat),
            3: "E" if lon >= 0 else "W",
            4: _dms(lon),
        }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif.tobytes())
    return buffer.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
    return (float(degrees), float(minutes), seconds)


# --------------------------------------------------------------------------- the stack's doors
class _Forms(HTMLParser):
    """The forms of a page: id -> (action, hidden fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, tuple[str, dict[str, str]]] = {}
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = a.get("id", "")
            self.forms[self._current] = (a.get("action", ""), {})
        elif tag == "input" and self._current is not None and a.get("type") == "hidden":
            self.forms[self._current][1][a.get("name", "")] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


@dataclass
class StackClient:
    """The local stack over HTTP, as the app, an officer's browser and the console use it."""

    url: str
    http: requests.Session = field(default_factory=requests.Session)
    timeout_s: float = 30
    _tokens: dict[str, str] = field(default_factory=dict)
    _outbox_from: int = 0
    _links: dict[tuple[str, str], str] = field(default_factory=dict)

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        target = path if path.startswith("http") else self.url + path
        try:
            return self.http.request(method, target, timeout=self.timeout_s, **kwargs)
        except requests.RequestException as exc:
            raise SeedError(f"{method} {path}: {exc}") from exc

    def _json(self, method: str, path: str, expect: Iterable[int], **kwargs: Any) -> Any:
        response = self._call(method, path, **kwargs)
        if response.status_code not in set(expect):
            raise SeedError(f"{method} {path}: {response.status_code} {response.text[:300]}")
        return response.json()

    # -- the local stack's own helpers ------------------------------------------------------
    def clock(self) -> datetime:
        try:
            response = self.http.get(self.url + "/_local/clock", timeout=self.timeout_s)
        except requests.ConnectionError:
            raise SeedError(
                f"nothing answers at {self.url}: start the local stack first (make run)"
            ) from None
        if response.status_code != 200:
            raise SeedError(
                f"{self.url} has no /_local/clock ({response.status_code}): seed-demo fills the "
                "local stack (make run)"
            )
        return datetime.fromisoformat(response.json()["now"])

    def move_clock(self, at: datetime, *, run: bool = True) -> bool:
        """Move the stack's clock (with ``run``, its schedules run once); whether they changed
        anything."""
        moved = self._json(
            "POST", "/_local/clock", (200,), json={"now": at.isoformat(), "run": run}
        )
        return any(
            isinstance(value, list) and value
            for ran in moved.get("ran", [])
            for value in (ran.get("result") or {}).values()
        )

    def drain(self) -> None:
        """Wait until the stack has done what the last request set off (photo checks, the
        notifier's messages): ``POST /_local/drain``."""
        self._json("POST", "/_local/drain", (200,))

    def reset_clock(self) -> None:
        self._json("POST", "/_local/clock", (200,), json={"reset": True})

    def token(self, phone: str) -> str:
        if phone not in self._tokens:
            body = self._json("POST", "/_local/token", (200,), json={"phone": phone})
            self._tokens[phone] = body["token"]
        return self._tokens[phone]

    def _auth(self, phone: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(phone)}"}

    def admin(self, event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._json(
            "POST", "/_local/invoke/AdminFunction", (200,), json=event
        )
        if not result.get("ok"):
            raise SeedError(f"admin {event['action']}: {json.dumps(result)[:300]}")
        return result

    def stats(self) -> dict[str, Any]:
        """``GET /v1/stats`` with its default period (the last 30 city days)."""
        figures: dict[str, Any] = self._json("GET", "/v1/stats", (200,))
        return figures

    # -- the citizen's app ------------------------------------------------------------------
    def file(self, life: Life) -> dict[str, Any]:
        body: dict[str, Any] = {
            "kind": life.kind,
            "category": life.category,
            "description": life.description,
            "privacy": life.privacy,
            "photo_count": 1 if life.photo is not None else 0,
        }
        if life.point is not None:
            body["location"] = {"lat": life.point[0], "lon": life.point[1], "accuracy_m": 10}
        if life.address:
            body["address"] = life.address
        answer: dict[str, Any] = self._json(
            "POST", "/v1/reports", (201,), json=body, headers=self._auth(life.phone)
        )
        return answer

    def upload(self, upload: dict[str, Any], photo: bytes) -> None:
        response = self._call(
            "POST",
            upload["url"],
            data=upload["fields"],
            files={"file": ("foto.jpg", photo, "image/jpeg")},
            allow_redirects=False,
        )
        if response.status_code not in (200, 201, 204, 303):
            raise SeedError(f"photo upload: {response.status_code} {response.text[:300]}")

    def mine(self, phone: str, report_id: str) -> dict[str, Any]:
        answer = self._json("GET", f"/v1/me/reports/{report_id}", (200,), headers=self._auth(phone))
        view: dict[str, Any] = answer["report"]
        return view

    def wait(
        self, phone: str, report_id: str, done: Callable[[dict[str, Any]], bool], what: str
    ) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_S
        while True:
            view = self.mine(phone, report_id)
            if done(view):
                return view
            if time.monotonic() > deadline:
                code, status = view["tracking_code"], view["status"]
                raise SeedError(f"{code}: {what} never happened (still {status})")
            time.sleep(0.05)

    def reopen(self, phone: str, report_id: str, reason: str) -> None:
        self._json(
            "POST",
            f"/v1/reports/{report_id}/reopen",
            (200,),
            json={"reason": reason},
            headers=self._auth(phone),
        )

    def confirm(self, phone: str, report_id: str) -> None:
        self._json("POST", f"/v1/reports/{report_id}/confirm", (200,), headers=self._auth(phone))

    # -- the officer's browser --------------------------------------------------------------
    def link(self, code: str, agency: str) -> str:
        """The signed link the notifier e-mailed to ``agency`` for report ``code``."""
        deadline = time.monotonic() + WAIT_S
        while (code, agency) not in self._links:
            outbox = self._json("GET", f"/_local/outbox?from={self._outbox_from}", (200,))
            self._outbox_from = outbox["next"]
            for message in outbox["messages"]:
                self._remember(message)
            if (code, agency) in self._links:
                break
            if time.monotonic() > deadline:
                raise SeedError(f"{code}: no e-mail to {agency} with a signed link")
            time.sleep(0.05)
        return self._links[(code, agency)]

    def _remember(self, message: dict[str, Any]) -> None:
        agency = (message.get("attributes") or {}).get("agency")
        if message.get("channel") != "email" or not agency:
            return
        link = re.search(r"\S+/agency/r/[^\s\"'<>]+", message.get("body") or "")
        if link is None:
            return
        for code in re.findall(r"\b[A-Z]{2,5}-[0-9A-Z]{6}\b", message.get("subject") or ""):
            self._links.setdefault((code, agency), link.group(0))

    def act(self, link: str, **form: str) -> None:
        response = self._call("POST", link, data=form, allow_redirects=False)
        if response.status_code != 303:
            title = re.search(r"<h1[^>]*>(.*?)</h1>", response.text, re.S)
            said = title.group(1).strip() if title else response.text[:200]
            raise SeedError(f"{form.get('action')}: {response.status_code} {said}")

    def after_photo(self, link: str, photo: bytes) -> None:
        page = self._call("GET", link)
        forms = _Forms()
        forms.feed(page.text)
        if "after-photo" not in forms.forms:
            raise SeedError(f"the agency page offers no after-photo form ({page.status_code})")
        action, hidden = forms.forms["after-photo"]
        self.upload({"url": action, "fields": hidden}, photo)


# --------------------------------------------------------------------------- carrying it out
@dataclass
class Seeded:
    """What happened: reports filed and the final status of each (by tracking code)."""

    filed: int = 0
    steps: int = 0
    statuses: dict[str, str] = field(default_factory=dict)


@dataclass
class _Report:
    id: str
    code: str
    agency: str


class Seeder:
    def __init__(self, stack: StackClient, tz: ZoneInfo, *, say: Callable[[str], None]) -> None:
        self.stack = stack
        self.tz = tz
        self.say = say
        self.reports: dict[int, _Report] = {}
        self.refused: dict[int, _Report] = {}  # refused by the photo checks: kept, no more
        self._photo = 0

    def run(self, lives: list[Life]) -> Seeded:
        steps = sorted(
            ((step, life) for life in lives for step in life.steps),
            key=lambda pair: (pair[0].at, pair[1].number),
        )
        seeded = Seeded()
        moved_to: datetime | None = None
        watched: datetime | None = None
        try:
            for i, (step, life) in enumerate(steps, 1):
                if step.at != moved_to:
                    # The watcher (overdue, closing) runs when the clock has moved on by its
                    # period since it last ran: each run reads its indexes, which costs more
                    # the more reports the emulated table holds.
                    run = watched is None or step.at - watched >= WATCHER_EVERY
                    if self.stack.move_clock(step.at, run=run):
                        self.stack.drain()  # the notifier's messages about it
                    moved_to = step.at
                    watched = step.at if run else watched
                if step.do is not Do.FILE and life.number not in self.reports:
                    continue  # the report was never made (refused): nothing follows
                self._do(step.do, life, step.outcome, step.at)
                self.stack.drain()
                seeded.steps += 1
                if step.do is Do.FILE:
                    seeded.filed += 1
                if i % 100 == 0:
                    self.say(f"{i}/{len(steps)} steps, {seeded.filed} reports")
        finally:
            self.stack.reset_clock()  # the real time again; the watcher runs once more
        for life in lives:
            report = self.reports.get(life.number) or self.refused.get(life.number)
            if report is not None:
                view = self.stack.mine(life.phone, report.id)
                seeded.statuses[report.code] = view["status"]
        return seeded

    def _photo_bytes(self, point: tuple[float, float] | None, at: datetime) -> bytes:
        self._photo += 1
        return camera_photo(point, at, seed=self._photo)

    def _do(self, do: Do, life: Life, outcome: str | None, at: datetime) -> None:
        stack = self.stack
        if do is Do.FILE:
            self._file(life, at)
            return
        report = self.reports[life.number]
        officer = OFFICERS[life.number % len(OFFICERS)]
        if do is Do.ADMIN_ASSIGN:
            stack.admin(
                {"action": "assign", "admin": ADMINS[life.number % 2], "report": report.code}
            )
        elif do is Do.ACKNOWLEDGE:
            stack.act(stack.link(report.code, report.agency), action="acknowledge", officer=officer)
        elif do is Do.AFTER_PHOTO:
            link = stack.link(report.code, report.agency)
            before = len(stack.mine(life.phone, report.id)["after_photos"])
            stack.after_photo(link, self._photo_bytes(life.point, at - timedelta(minutes=5)))
            stack.drain()
            stack.wait(
                life.phone,
                report.id,
                lambda v: len(v["after_photos"]) > before and v["after_photos"][-1]["outcome"],
                "the after photo's check",
            )
        elif do is Do.FIX:
            link = stack.link(report.code, report.agency)
            stack.act(link, action="resolve", outcome="fixed", officer=officer)
        elif do is Do.NOT_FIXABLE:
            reason = NOT_FIXABLE_REASONS[life.number % len(NOT_FIXABLE_REASONS)]
            link = stack.link(report.code, report.agency)
            stack.act(link, action="resolve", outcome="not_fixable", reason=reason, officer=officer)
        elif do is Do.REOPEN:
            stack.reopen(life.phone, report.id, REOPEN_REASONS[life.number % len(REOPEN_REASONS)])
        elif do is Do.CONFIRM:
            stack.confirm(life.phone, report.id)
        elif do is Do.RECORD:
            prefix = VERTICAL_REFERENCES.get(report.agency, report.agency)
            form = {
                "action": "record",
                "outcome": outcome or "handled",
                "reference": f"{prefix}/{at.astimezone(self.tz):%Y%m}/{100 + life.number}",
                "officer": officer,
            }
            if outcome in ("not_fixable", "not_theirs"):
                form["reason"] = "Sudah dicek petugas di lapangan; lihat nomor referensi."
            stack.act(stack.link(report.code, report.agency), **form)

    def _file(self, life: Life, at: datetime) -> None:
        answer = self.stack.file(life)
        view = answer["report"]
        if life.photo is not None:
            point = {
                PhotoKind.INSIDE: life.point,
                PhotoKind.OUTSIDE: MANADO,
                PhotoKind.NO_GPS: None,
            }[life.photo]
            self.stack.upload(
                answer["uploads"][0], self._photo_bytes(point, at - timedelta(minutes=3))
            )
            self.stack.drain()
            view = self.stack.wait(
                life.phone,
                view["id"],
                lambda v: v["status"] not in ("received", "verifying"),
                "the photo check",
            )
        report = _Report(view["id"], view["tracking_code"], view["agency"]["code"])
        if view["status"] == "rejected":
            self.refused[life.number] = report  # a prank: kept, with its reason; no more
        else:
            self.reports[life.number] = report


# --------------------------------------------------------------------------- the command
def seed(
    *,
    api: str,
    city_dir: Path,
    announcement: bool,
    reports: int,
    seed: int,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Plan, check the stack, carry the plan out; the summary the command prints."""
    from sikemas_tools.seed_plan import Planner, announcement_plan, demo_plan

    stack = StackClient(api.rstrip("/"))
    stack.clock()  # a local stack, or a clear error
    tz, categories, desa = city_data(city_dir)
    if announcement:
        before = stack.stats()
        if before["totals"]["received"]:
            raise SeedError(
                f"the stack already holds {before['totals']['received']} reports of the last 30 "
                "days: the announcement needs an empty stack (make reset, then make run)"
            )
    planner = Planner(now=datetime.now(UTC), tz=tz, categories=categories, desa=desa, seed=seed)
    lives = announcement_plan(planner) if announcement else demo_plan(planner, reports)
    say(f"seeding {len(lives)} reports, {sum(len(x.steps) for x in lives)} steps on {api}")
    started = time.monotonic()
    seeded = Seeder(stack, tz, say=say).run(lives)
    stats = stack.stats()
    counts: dict[str, int] = {}
    for status in seeded.statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return {
        "filed": seeded.filed,
        "steps": seeded.steps,
        "seconds": round(time.monotonic() - started, 1),
        "statuses": dict(sorted(counts.items())),
        "stats_last_30_days": {
            "summary": stats["summary"],
            "top_agencies": [a["code"] for a in stats["top_agencies"]],
        },
        "see": [f"{api}/statistik", f"{api}/v1/stats", f"{api}/v1/reports?bbox={CITY_BBOX}"],
    }
