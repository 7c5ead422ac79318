"""The map feed's cells: standard geohashes, and a bbox read as every cell it touches."""

from __future__ import annotations

import random

from sikemas.geohash import cell_size, cells_covering, geohash


def test_geohash_matches_the_reference_values():
    assert geohash(57.64911, 10.40744, 11) == "u4pruydqqvj"
    assert geohash(42.6, -5.6) == "ezs42"
    assert cell_size() == (180 / 2**12, 360 / 2**13)  # about 4.9 km square at the equator


def test_every_point_in_the_bbox_lies_in_one_of_its_cells():
    rng = random.Random(7)
    for _ in range(50):
        min_lon, min_lat = rng.uniform(124.0, 124.5), rng.uniform(0.5, 1.0)
        max_lon, max_lat = min_lon + rng.uniform(0.001, 0.2), min_lat + rng.uniform(0.001, 0.2)
        cells = cells_covering(min_lon, min_lat, max_lon, max_lat, limit=64)
        assert cells is not None
        for _ in range(100):
            lat, lon = rng.uniform(min_lat, max_lat), rng.uniform(min_lon, max_lon)
            assert geohash(lat, lon) in cells


def test_a_bbox_of_too_many_cells_is_refused():
    assert cells_covering(100.0, -10.0, 140.0, 10.0, limit=64) is None
    assert cells_covering(124.25, 0.64, 124.38, 0.78, limit=64) is not None
