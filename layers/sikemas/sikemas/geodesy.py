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
