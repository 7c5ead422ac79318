"""Great-circle distance and coordinate checks: plain math, no shapely (the API imports this
through the photo verdict's messages, and must stay light at cold start)."""

from __future__ import annotations

import math

EARTH_MEAN_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres on a sphere of the WGS84 mean radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def check_lat_lon(lat: float, lon: float) -> None:
    """Raise ``ValueError`` unless ``lat``/``lon`` are finite WGS84 degrees."""
    if not (math.isfinite(lat) and math.isfinite(lon)):
        raise ValueError(f"coordinates must be finite, got lat={lat!r} lon={lon!r}")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"coordinates out of range: lat={lat!r} lon={lon!r}")


_WGS84_A = 6_378_137.0
_WGS84_F = 1 / 298.257223563
_WGS84_E2 = _WGS84_F * (2 - _WGS84_F)


class TangentPlane:
    """Local tangent-plane (equirectangular) metres around ``(lat0, lon0)`` on the WGS84
    ellipsoid: ``x = (lon - lon0)·N(lat0)·cos(lat0)``, ``y = (lat - lat0)·M(lat0)``, with ``M`` and
    ``N`` the meridional and prime-vertical radii of curvature. Over a city (tens of km) near the
    equator the scale error is about 1e-5 (see ``sikemas.geo``). One definition, shared by the
    shapely geometry (``sikemas.geo``) and the pure-Python one (``sikemas.places``), so both
    measure the same distances."""

    def __init__(self, lat0: float, lon0: float) -> None:
        check_lat_lon(lat0, lon0)
        self.lat0, self.lon0 = lat0, lon0
        phi = math.radians(lat0)
        w = math.sqrt(1 - _WGS84_E2 * math.sin(phi) ** 2)
        meridional = _WGS84_A * (1 - _WGS84_E2) / w**3
        prime_vertical = _WGS84_A / w
        self.m_per_deg_lat = math.radians(meridional)
        self.m_per_deg_lon = math.radians(prime_vertical * math.cos(phi))

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.m_per_deg_lon, (lat - self.lat0) * self.m_per_deg_lat

    def lat_lon(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.m_per_deg_lat, self.lon0 + x / self.m_per_deg_lon
