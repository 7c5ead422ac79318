"""What ``bin/sikemas seed-demo`` makes happen: reports and their lives, as a plan. Pure.

A plan is a list of ``Life``: one report (who files it, what, where, when, with which photo)
and the steps that follow it (an officer acknowledges, uploads an after photo, resolves; the
citizen reopens or confirms; a vertical agency records its outcome; an admin assigns), each at
its own instant. ``seed_demo`` carries a plan out on a running stack through its own API, in
time order, moving the stack's clock.

Two plans:

- ``demo_plan``: a few hundred reports over the last 60 days, spread over the city's categories
  (rubbish, public order and parking most), its kelurahan and desa, and realistic lives: most
  fixed and closed, some not fixable, some reopened, some still open and overdue, some
  forwarded to PDAM, PLN or the police and closed by them, a few pranks (a photo taken in
  Manado) refused by the photo checks, a few photos without GPS that an admin reviews.
- ``announcement_plan``: the city's own first weeks, as it announced them: 93 reports, 53
  followed up and closed, 40 about vertical agencies (PDAM, PLN, police); DLH, Satpol PP &
  Damkar and Dishub received the most. All filed within the last 30 days, so that
  ``GET /v1/stats`` with its default period says exactly that.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sikemas.city import Category

# Where a prankster's photo was taken: Manado, 110 km away.
MANADO = (1.4748, 124.8421)


class PhotoKind(StrEnum):
    INSIDE = "inside"  # taken at the pin, minutes before filing
    OUTSIDE = "outside"  # taken in Manado: refused (outside_city)
    NO_GPS = "no_gps"  # no GPS block: the category's no-GPS policy (needs_review)


class Do(StrEnum):
    FILE = "file"  # the citizen files (and uploads the photo, when the category needs one)
    ACKNOWLEDGE = "acknowledge"  # the officer, through the signed link
    AFTER_PHOTO = "after_photo"  # the officer uploads the after photo from the page
    FIX = "fix"  # the officer resolves: fixed
    NOT_FIXABLE = "not_fixable"  # the officer resolves: not fixable, with a reason
    REOPEN = "reopen"  # the citizen reopens a resolved report
    CONFIRM = "confirm"  # the citizen confirms: closed
    RECORD = "record"  # a vertical agency records its outcome (args: outcome)
    ADMIN_ASSIGN = "admin_assign"  # an admin sends a report in review to its agency


@dataclass(frozen=True)
class Step:
    at: datetime
    do: Do
    outcome: str | None = None  # RECORD: handled / not_theirs / not_fixable


@dataclass
class Life:
    number: int  # order of filing, for a stable order of steps at one instant
    phone: str
    category: str
    kind: str
    description: str
    point: tuple[float, float] | None  # (lat, lon) or None when the category needs no place
    address: str | None
    privacy: str
    photo: PhotoKind | None
    filed_at: datetime
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class Desa:
    code: str
    name: str
    polygon: object  # shapely geometry (prepared by the caller)


def vertical(category: Category) -> bool:
    """Whether the category's agency is one the city forwards to (PDAM, PLN, the police)."""
    return category.agency.jurisdiction != "city"


# What citizens write, per category (Indonesian, as they write it).
TEXTS: dict[str, tuple[str, ...]] = {
    "sampah": (
        "Sampah menumpuk di pinggir jalan {place}, sudah tiga hari tidak diangkut.",
        "Tempat sampah sementara dekat pasar {place} penuh dan berbau, mohon segera diangkut.",
        "Ada pembuangan sampah liar di lahan kosong {place}.",
        "Sampah rumah tangga dibuang ke selokan di {place}, air jadi tersumbat.",
    ),
    "pencemaran": (
        "Asap pembakaran sampah setiap sore di {place}, warga sesak napas.",
        "Limbah cair dari usaha di {place} dibuang ke sungai, airnya berubah warna.",
    ),
    "ketertiban": (
        "Pedagang kaki lima menutup trotoar di {place}, pejalan kaki turun ke jalan.",
        "Bangunan liar berdiri di bahu jalan {place}.",
        "Baliho roboh dan menghalangi jalan di {place}.",
    ),
    "kebakaran": (
        "Ada kebakaran lahan kecil di belakang rumah warga {place}, sudah dipadamkan warga.",
        "Kabel terbakar di tiang depan rumah di {place}, mohon dicek petugas damkar.",
    ),
    "parkir": (
        "Parkir liar di depan pertokoan {place} membuat macet setiap sore.",
        "Kendaraan parkir di trotoar {place}, pejalan kaki tidak bisa lewat.",
        "Juru parkir tanpa karcis resmi menarik bayaran di {place}.",
    ),
    "lalu_lintas": (
        "Rambu dilarang parkir di {place} hilang.",
        "Lampu lalu lintas di simpang {place} mati sejak kemarin.",
    ),
    "lampu_jalan": ("Lampu penerangan jalan di {place} padam, jalan gelap di malam hari.",),
    "jalan": (
        "Jalan berlubang besar di {place}, sudah ada pengendara motor yang jatuh.",
        "Jembatan kecil di {place} retak dan pagarnya patah.",
    ),
    "drainase": (
        "Saluran air di {place} tersumbat, setiap hujan jalan tergenang.",
        "Got di {place} meluap ke rumah warga saat hujan deras.",
    ),
    "sekolah": ("Atap ruang kelas SD di {place} bocor saat hujan.",),
    "kesehatan": (
        "Puskesmas di {place} tutup sebelum jam layanan berakhir.",
        "Antrean obat di puskesmas {place} sangat lama, petugas hanya satu.",
    ),
    "perumahan": ("Rumah tidak layak huni di {place} belum mendapat bantuan.",),
    "perizinan": (
        "Izin usaha saya belum diproses dua bulan, mohon kejelasan.",
        "Pengurusan izin bangunan lambat, berkas sudah lengkap sejak bulan lalu.",
    ),
    "perilaku_asn": ("Petugas di loket pelayanan bersikap tidak ramah dan meminta uang tambahan.",),
    "layanan_publik": (
        "Mohon jadwal pelayanan kantor kelurahan diumumkan di papan informasi.",
        "Terima kasih, pengurusan dokumen di mal pelayanan cepat dan ramah.",
        "Usul agar pengaduan bisa juga lewat WhatsApp untuk warga lansia.",
    ),
    "air_bersih": (
        "Air PDAM tidak mengalir tiga hari di {place}.",
        "Pipa PDAM bocor di pinggir jalan {place}, air terbuang.",
        "Air PDAM keruh dan berbau di {place}.",
    ),
    "listrik": (
        "Listrik padam berulang kali setiap malam di {place}.",
        "Tiang listrik miring di {place}, berbahaya bagi warga.",
    ),
    "keamanan": (
        "Sering terjadi pencurian motor di {place} pada malam hari.",
        "Balap liar setiap malam minggu di {place}.",
    ),
}
# A few citizens write their number into the report: the public never sees it ([telepon]).
CONTACTS = (
    " Bisa hubungi saya di 0812-3456-7890.",
    " HP/WA: +62 813 5566 7788.",
    " Telp (0434) 21234.",
)
OFFICERS = ("Budi", "Siti", "Rahmat", "Fitri", "Andi", "Yuni", "Hendra", "Maya", "Rizal", "Dewi")
ADMINS = ("Rina (Diskominfo)", "Arif (Diskominfo)")
NOT_FIXABLE_REASONS = (
    "Lokasi berada di lahan milik pribadi, pemilik sudah diberi teguran.",
    "Perbaikan butuh anggaran tahun depan; sudah diusulkan dalam rencana kerja.",
    "Bukan kewenangan dinas kami; sudah dikoordinasikan dengan instansi terkait.",
)
REOPEN_REASONS = (
    "Sampah kembali menumpuk dua hari setelah diangkut.",
    "Belum diperbaiki dengan benar, masih sama seperti sebelumnya.",
)
VERTICAL_REFERENCES = {"PDAM": "PDAM/ADU", "PLN": "PLN-ULP", "POLRES": "LP/B"}

WORK_START, WORK_END = time(8, 0), time(16, 0)


def working_time(at: datetime, tz: ZoneInfo) -> datetime:
    """``at``, or the next working instant (Monday to Friday, 08:00–16:00 city time)."""
    local = at.astimezone(tz)
    for _ in range(8):
        if local.weekday() < 5 and WORK_START <= local.time() < WORK_END:
            return local.astimezone(UTC)
        if local.weekday() < 5 and local.time() < WORK_START:
            local = local.replace(hour=8, minute=0, second=0, microsecond=0)
        else:
            local = (local + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    return local.astimezone(UTC)  # pragma: no cover - a week always has a working day


class Planner:
    """Draws lives from a seeded random generator: the same seed, the same plan."""

    def __init__(
        self,
        *,
        now: datetime,
        tz: ZoneInfo,
        categories: Sequence[Category],
        desa: Sequence[Desa],
        seed: int,
    ) -> None:
        self.now = now
        self.tz = tz
        self.categories = {c.code: c for c in categories}
        self.desa = list(desa)
        self.rng = random.Random(seed)  # noqa: S311  # nosec B311 - a plan, not a secret
        # Some kelurahan see more reports than others (the market, the town centre): a few
        # three times as many as the rest, which vary by a factor of four among themselves.
        self.desa_weights = [self.rng.uniform(0.5, 2.0) for _ in self.desa]
        for busy in self.rng.sample(range(len(self.desa)), k=min(3, len(self.desa))):
            self.desa_weights[busy] *= 3
        self.lives: list[Life] = []

    # -- drawing ---------------------------------------------------------------------------
    def _point(self) -> tuple[tuple[float, float], str]:
        from shapely.geometry import Point

        desa = self.rng.choices(self.desa, weights=self.desa_weights)[0]
        poly = desa.polygon
        min_x, min_y, max_x, max_y = poly.bounds  # type: ignore[attr-defined]
        for _ in range(500):
            lon = self.rng.uniform(min_x, max_x)
            lat = self.rng.uniform(min_y, max_y)
            # Well inside the desa (not on its edge): the pin and the photo agree on it.
            if poly.contains(Point(lon, lat).buffer(0.0004)):  # type: ignore[attr-defined]
                return (round(lat, 6), round(lon, 6)), desa.name
        centre = poly.representative_point()  # type: ignore[attr-defined]
        return (round(centre.y, 6), round(centre.x, 6)), desa.name

    def _filed_at(self, days_ago: int) -> datetime:
        """A time of day citizens report (06:00–22:00, most in the morning and evening)."""
        day = (self.now.astimezone(self.tz) - timedelta(days=days_ago)).date()
        hour = self.rng.choice((6, 7, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 19, 20, 21))
        local = datetime.combine(day, time(hour, self.rng.randrange(60)), self.tz)
        return local.astimezone(UTC)

    def _after(self, at: datetime, low_h: float, high_h: float, *, work: bool) -> datetime:
        later = at + timedelta(hours=self.rng.uniform(low_h, high_h))
        return working_time(later, self.tz) if work else later

    def life(
        self,
        category: str,
        days_ago: int,
        *,
        kind: str = "complaint",
        photo: PhotoKind | None = PhotoKind.INSIDE,
        privacy: str = "public",
    ) -> Life:
        c = self.categories[category]
        point, place = self._point() if c.requires_location else (None, "")
        text = self.rng.choice(TEXTS[category]).format(place=place or "kota")
        if self.rng.random() < 0.08:
            text += self.rng.choice(CONTACTS)
        number = len(self.lives)
        life = Life(
            number=number,
            phone=f"+62812{7000000 + number // 3:07d}",  # three reports per citizen at most
            category=category,
            kind=kind,
            description=text,
            point=point,
            address=f"Kel./Desa {place}" if place else None,
            privacy=privacy,
            photo=photo if c.requires_photo else None,
            filed_at=self._filed_at(days_ago),
        )
        life.steps.append(Step(life.filed_at, Do.FILE))
        self.lives.append(life)
        return life

    # -- what happens after filing ---------------------------------------------------------
    def last(self, life: Life) -> datetime:
        return life.steps[-1].at

    def add(self, life: Life, do: Do, at: datetime, outcome: str | None = None) -> datetime:
        life.steps.append(Step(at, do, outcome))
        return at

    def routed_by_admin(self, life: Life) -> None:
        self.add(life, Do.ADMIN_ASSIGN, self._after(self.last(life), 1, 20, work=True))

    def acknowledged(self, life: Life, *, late: bool = False) -> None:
        low, high = (50, 90) if late else (1, 30)
        self.add(life, Do.ACKNOWLEDGE, self._after(self.last(life), low, high, work=True))

    def fixed(self, life: Life, *, hours: tuple[float, float] = (4, 60)) -> None:
        at = self._after(self.last(life), *hours, work=True)
        if self.categories[life.category].requires_photo:
            self.add(life, Do.AFTER_PHOTO, at)
            at += timedelta(minutes=20)
        self.add(life, Do.FIX, at)

    def not_fixable(self, life: Life) -> None:
        self.add(life, Do.NOT_FIXABLE, self._after(self.last(life), 4, 72, work=True))

    def confirmed(self, life: Life) -> None:
        self.add(life, Do.CONFIRM, self._after(self.last(life), 2, 60, work=False))

    def reopened(self, life: Life) -> None:
        self.add(life, Do.REOPEN, self._after(self.last(life), 10, 70, work=False))

    def recorded(self, life: Life, outcome: str) -> None:
        self.add(life, Do.RECORD, self._after(self.last(life), 20, 150, work=True), outcome)

    def plan(self) -> list[Life]:
        """Every life whose steps all lie in the past; a step that would fall in the future is
        left out (the report is still open, as it would be)."""
        limit = self.now - timedelta(minutes=5)
        for life in self.lives:
            life.steps = [s for s in life.steps if s.at <= limit]
        return [life for life in self.lives if life.steps]


# --------------------------------------------------------------------------- the announcement
# The city's first weeks: 53 reports to its own agencies (all followed up and closed), 40 to
# vertical ones. DLH, Satpol PP & Damkar and Dishub received the most.
ANNOUNCEMENT_CITY: dict[str, int] = {
    "sampah": 14,
    "pencemaran": 3,  # DLH 17
    "ketertiban": 10,
    "kebakaran": 2,  # SATPOLPP 12
    "parkir": 7,
    "lalu_lintas": 2,
    "lampu_jalan": 1,  # DISHUB 10
    "jalan": 3,
    "drainase": 2,  # PUPR 5
    "kesehatan": 3,
    "sekolah": 2,
    "perumahan": 2,
    "perizinan": 1,
    "perilaku_asn": 1,
}
ANNOUNCEMENT_VERTICAL: dict[str, int] = {"air_bersih": 19, "listrik": 15, "keamanan": 6}
ANNOUNCEMENT_RECEIVED = sum(ANNOUNCEMENT_CITY.values()) + sum(ANNOUNCEMENT_VERTICAL.values())
ANNOUNCEMENT_DONE = sum(ANNOUNCEMENT_CITY.values())
ANNOUNCEMENT_VERTICAL_TOTAL = sum(ANNOUNCEMENT_VERTICAL.values())


def announcement_plan(planner: Planner) -> list[Life]:
    """93 reports filed 14 to 27 days ago; every city report is fixed (or found not fixable)
    and closed — by the citizen's confirmation or when its 7-day reopen window ends — two of
    them after a reopen; 28 of the 40 vertical ones are closed by the vertical agency's
    recorded outcome, 12 still wait for it."""
    rng = planner.rng
    city = [code for code, n in ANNOUNCEMENT_CITY.items() for _ in range(n)]
    vertical = [code for code, n in ANNOUNCEMENT_VERTICAL.items() for _ in range(n)]
    rng.shuffle(city)
    rng.shuffle(vertical)
    for i, category in enumerate(city):
        life = planner.life(category, rng.randint(14, 27))
        planner.acknowledged(life)
        if i % 18 == 5:
            planner.not_fixable(life)  # closes when the reopen window ends
            continue
        planner.fixed(life, hours=(4, 40))
        if i % 26 == 3:  # reopened once, fixed again, then confirmed
            planner.reopened(life)
            planner.fixed(life, hours=(4, 30))
            planner.confirmed(life)
        elif i % 5 < 3:
            planner.confirmed(life)
    for i, category in enumerate(vertical):
        life = planner.life(category, rng.randint(14, 27))
        if i % 10 < 7:
            planner.recorded(life, "not_theirs" if i % 10 == 6 else "handled")
    return planner.plan()


# --------------------------------------------------------------------------- the living demo
# Kotamobagu's mix: rubbish first, then public order and parking; water and electricity often.
DEMO_WEIGHTS: dict[str, float] = {
    "sampah": 18,
    "pencemaran": 3,
    "ketertiban": 10,
    "kebakaran": 2,
    "parkir": 9,
    "lalu_lintas": 3,
    "lampu_jalan": 4,
    "jalan": 7,
    "drainase": 5,
    "sekolah": 2,
    "kesehatan": 3,
    "perumahan": 2,
    "perizinan": 2,
    "perilaku_asn": 1,
    "layanan_publik": 3,
    "air_bersih": 9,
    "listrik": 7,
    "keamanan": 3,
}


def demo_plan(planner: Planner, reports: int, days: int = 60) -> list[Life]:
    """``reports`` reports over the last ``days`` days, with the lives a city sees."""
    rng = planner.rng
    codes = list(DEMO_WEIGHTS)
    weights = [DEMO_WEIGHTS[c] for c in codes]
    for _ in range(reports):
        category = rng.choices(codes, weights=weights)[0]
        days_ago = min(int(rng.triangular(0, days, days * 0.35)), days - 1)
        c = planner.categories[category]
        kind = "complaint"
        if category == "layanan_publik":
            kind = rng.choice(("suggestion", "feedback", "complaint"))
        privacy = rng.choices(("public", "anonymous", "confidential"), weights=(85, 10, 5))[0]
        roll = rng.random()
        photo = PhotoKind.INSIDE
        if c.requires_photo and roll < 0.04:
            photo = PhotoKind.OUTSIDE  # a prank: refused, nothing more happens
        elif c.requires_photo and c.no_gps_policy == "needs_review" and roll < 0.08:
            photo = PhotoKind.NO_GPS
        life = planner.life(category, days_ago, kind=kind, photo=photo, privacy=privacy)
        if life.photo is PhotoKind.OUTSIDE:
            continue
        if life.photo is PhotoKind.NO_GPS:
            planner.routed_by_admin(life)
        if vertical(c):
            if rng.random() < 0.7:
                outcome = rng.choices(("handled", "not_theirs", "not_fixable"), (8, 1, 1))[0]
                planner.recorded(life, outcome)
            continue
        fate = rng.random()
        if fate < 0.05:
            continue  # nobody acknowledges: overdue on the response clock
        planner.acknowledged(life, late=fate < 0.12)
        if fate < 0.2:
            continue  # in progress; overdue once the resolution clock runs out
        if fate < 0.3:
            planner.not_fixable(life)
            continue
        planner.fixed(life)
        if fate < 0.38:
            planner.reopened(life)
            if rng.random() < 0.6:
                planner.fixed(life, hours=(4, 48))
                planner.confirmed(life)
        elif fate < 0.7:
            planner.confirmed(life)
        # else: closed by the watcher when the reopen window ends
    return planner.plan()
