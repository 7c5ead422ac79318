"""Geohash cells (pure): the public map feed's index partitions by the cell of a report's
public location; a bbox is read as the cells it touches."""

from __future__ import annotations

CELL_PRECISION = 5  # about 4.9 km square near the equator

_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"


def geohash(lat: float, lon: float, precision: int = CELL_PRECISION) -> str:
    """The standard geohash of a point (base 32, ``precision`` characters)."""
    lat_lo, lat_hi, lon_lo, lon_hi = -90.0, 90.0, -180.0, 180.0
    chars: list[str] = []
    bits = 0
    value = 0
    even = True  # longitude first
    while len(chars) < precision:
        if even:
            mid = (lon_lo + lon_hi) / 2
            bit = lon >= mid
            lon_lo, lon_hi = (mid, lon_hi) if bit else (lon_lo, mid)
        else:
            mid = (lat_lo + lat_hi) / 2
            bit = lat >= mid
            lat_lo, lat_hi = (mid, lat_hi) if bit else (lat_lo, mid)
        value = (value << 1) | int(bit)
        bits += 1
        even = not even
        if bits == 5:
            chars.append(_BASE32[value])
            bits = 0
            value = 0
    return "".join(chars)


def cell_size(precision: int = CELL_PRECISION) -> tuple[float, float]:
    """A cell's (height in latitude, width in longitude) degrees."""
    lon_bits = (5 * precision + 1) // 2
    lat_bits = 5 * precision // 2
    return 180.0 / 2**lat_bits, 360.0 / 2**lon_bits


def cells_covering(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float, *, limit: int
) -> list[str] | None:
    """The geohash cells a bbox touches (sorted), or None when they are more than ``limit``."""
    height, width = cell_size()
    rows = int((max_lat - min_lat) / height) + 2
    cols = int((max_lon - min_lon) / width) + 2
    if rows * cols > 4 * limit:
        return None
    cells: set[str] = set()
    for i in range(rows + 1):
        lat = min(min_lat + i * height, max_lat)
        for j in range(cols + 1):
            cells.add(geohash(lat, min(min_lon + j * width, max_lon)))
            if len(cells) > limit:
                return None
    return sorted(cells)
