"""The claimed pin: ``CityPlaces`` (pure Python, the API) against ``CityArea`` (shapely, the
photo function), on the shipped Kotamobagu boundary and its 33 desa.

- load: import the module and read the city's files, in a fresh interpreter (cold start);
- locate: one pin, by kind of point (inside a desa, in a sliver between desa, just outside the
  city, Manado), median of many calls in this process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
CITY = ROOT / "cities" / "kotamobagu"

POINTS: dict[str, tuple[float, float]] = {
    "inside a desa (Sinindian)": (0.7292, 124.3136),
    "Bolaang Mongondow, 1.1 km outside": (0.68679, 124.27952),
    "Manado, 96 km outside": (1.4748, 124.8421),
}

_LOAD = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from sikemas.city import load_city
city = load_city(Path({city!r}))
t1 = time.perf_counter()
{body}
t2 = time.perf_counter()
heavy = [m for m in ("shapely", "numpy") if m in sys.modules]
print(json.dumps({{"load": (t2 - t1) * 1000, "heavy": heavy}}))
"""
_PLACES = """from sikemas.places import CityPlaces
CityPlaces.for_city(city).locate(0.7292, 124.3136)"""
_SHAPELY = """from sikemas.geo import CityArea
a = CityArea.from_geojson(city.boundary_path, city.subdistricts_path)
a.contains(0.7292, 124.3136, 50); a.subdistrict(0.7292, 124.3136, 50)"""


def _fresh(body: str) -> tuple[float, list[str]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "sikemas")}
    samples = []
    heavy: list[str] = []
    for _ in range(RUNS):
        done = subprocess.run(
            [sys.executable, "-c", _LOAD.format(city=str(CITY), body=body)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        out: dict[str, Any] = json.loads(done.stdout)
        samples.append(out["load"])
        heavy = out["heavy"]
    return statistics.median(samples), heavy


def _per_call_us(fn: Callable[[], object], n: int = 300) -> float:
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n * 1e6)
    return statistics.median(samples)


def main() -> None:
    from sikemas.city import load_city
    from sikemas.geo import CityArea
    from sikemas.places import CityPlaces

    city = load_city(CITY)
    places = CityPlaces.for_city(city)
    area = CityArea.from_geojson(city.boundary_path, city.subdistricts_path)
    tol = city.photo_checks.gps_tolerance_m
    ring = json.loads(city.boundary_path.read_text())["features"][0]["geometry"]["coordinates"][0]
    (lon1, lat1), (lon2, lat2) = ring[40], ring[41]
    (x1, y1), (x2, y2) = places.plane.xy(lat1, lon1), places.plane.xy(lat2, lon2)
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    for sign in (1.0, -1.0):  # 30 m off the edge's midpoint, on the side outside the city
        lat, lon = places.plane.lat_lon(
            (x1 + x2) / 2 + sign * 30 * (y2 - y1) / length,
            (y1 + y2) / 2 - sign * 30 * (x2 - x1) / length,
        )
        if places.distance_outside_m(lat, lon) > 0:
            break
    points = {**POINTS, "city edge, 30 m outside (nearest desa)": (lat, lon)}
    edge = "city edge, 30 m outside (nearest desa)"
    points = {k: points[k] for k in (*list(POINTS)[:1], edge, *list(POINTS)[1:])}

    print("Claimed pin: pure Python (API) vs shapely (photo function); this host, not Lambda")
    pure_ms, pure_heavy = _fresh(_PLACES)
    shp_ms, shp_heavy = _fresh(_SHAPELY)
    print(f"  {'cold: import + load the city + first locate (ms)':<52}{'pure':>8}{'shapely':>10}")
    print(f"  {'':<52}{pure_ms:8.1f}{shp_ms:10.1f}")
    print(f"  {'  modules loaded':<52}{','.join(pure_heavy) or '-':>8}{','.join(shp_heavy):>10}")
    print(f"  {'locate one pin (µs, median)':<52}{'pure':>8}{'shapely':>10}")
    for name, (plat, plon) in points.items():

        def pure(a: float = plat, b: float = plon) -> object:
            return places.locate(a, b)

        def with_shapely(a: float = plat, b: float = plon) -> object:
            inside = area.contains(a, b, tol)
            return area.subdistrict(a, b, tol) if inside else area.distance_outside_m(a, b)

        us_pure, us_shapely = _per_call_us(pure), _per_call_us(with_shapely)
        print(f"  {'  ' + name:<52}{us_pure:8.0f}{us_shapely:10.0f}")


if __name__ == "__main__":
    main()
