"""``bin/sikemas import-boundary``: run in-process against a copy of the city folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from sikemas.city import load_city
from sikemas.geo import CityArea
from sikemas_tools.cli import main
from tests.shared_data import MANADO, offset_from_edge, shared_path

REPO = Path(__file__).resolve().parents[2]
CITY_SRC = REPO / "cities" / "kotamobagu"


@pytest.fixture
def cities(tmp_path: Path) -> Path:
    """A cities folder holding a copy of kotamobagu's city.json and boundary, without its
    desa/kelurahan and kecamatan (so that importing them can be seen)."""
    city = tmp_path / "cities" / "kotamobagu"
    city.mkdir(parents=True)
    text = (CITY_SRC / "city.json").read_text(encoding="utf-8")
    text = text.replace('"subdistricts": "subdistricts.geojson"', '"subdistricts": null')
    text = text.replace('  "districts": "districts.geojson",\n', "")
    assert json.loads(text)["subdistricts"] is None
    assert "districts" not in json.loads(text)
    (city / "city.json").write_text(text, encoding="utf-8")
    shutil.copy(CITY_SRC / "boundary.geojson", city / "boundary.geojson")
    return tmp_path / "cities"


def run(cities: Path, *argv: str) -> int:
    return main(["import-boundary", *argv, "--cities-dir", str(cities)])


def summary(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out = capsys.readouterr().out
    result: dict[str, Any] = json.loads(out)
    return result


def write_json(path: Path, obj: object) -> Path:
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


def polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


# ----------------------------------------------------------------------------- the happy path


def test_importing_the_reference_boundary_keeps_the_test_points(
    cities: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = shared_path("boundaries", "kotamobagu.geojson")
    reference = shape(json.loads(source.read_text(encoding="utf-8"))["features"][0]["geometry"])

    assert run(cities, str(source)) == 0

    s = summary(capsys)
    assert s["kind"] == "boundary"
    assert s["repaired"] is False
    assert s["vertices_before"] == 199
    assert 50 < s["vertices_after"] <= s["vertices_before"]
    assert s["area_km2"] == pytest.approx(108.9, rel=0.005)
    written = cities / "kotamobagu" / "boundary.geojson"
    data = json.loads(written.read_text(encoding="utf-8"))
    (feature,) = data["features"]
    assert feature["properties"]["approximate"] is False
    geom = shape(feature["geometry"])
    assert geom.is_valid
    assert geom.exterior.is_ccw  # RFC 7946
    imported = CityArea.from_geojson(written)
    original = CityArea.from_geojson(source)
    rep = reference.representative_point()
    assert imported.contains(rep.y, rep.x, tolerance_m=0)
    assert imported.contains(*offset_from_edge(original, reference, 200, outward=False), 0)
    assert not imported.contains(*offset_from_edge(original, reference, 300, outward=True), 50)
    assert not imported.contains(*MANADO, tolerance_m=50)
    # The simplification moved the outline by at most the tolerance (10 m).
    hausdorff_m = imported.projection.to_metres(geom).hausdorff_distance(
        imported.projection.to_metres(reference)
    )
    assert hausdorff_m <= 10.5


def test_tolerance_zero_keeps_every_vertex(
    cities: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = shared_path("boundaries", "kotamobagu.geojson")
    assert run(cities, str(source), "--tolerance-m", "0") == 0
    s = summary(capsys)
    assert s["vertices_after"] == s["vertices_before"]


def test_a_bowtie_is_repaired(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bowtie = [[124.30, 0.70], [124.33, 0.73], [124.33, 0.70], [124.30, 0.73], [124.30, 0.70]]
    assert not shape(polygon(bowtie)).is_valid
    source = write_json(tmp_path / "bowtie.geojson", polygon(bowtie))

    assert run(cities, str(source)) == 0

    s = summary(capsys)
    assert s["repaired"] is True
    written = cities / "kotamobagu" / "boundary.geojson"
    geom = shape(json.loads(written.read_text(encoding="utf-8"))["features"][0]["geometry"])
    assert geom.is_valid
    assert geom.geom_type == "MultiPolygon"
    assert len(geom.geoms) == 2
    # two triangles, each a quarter of the 0.03° square
    assert geom.area == pytest.approx(0.03 * 0.03 / 2, rel=1e-3)


def test_features_are_unioned_and_slivers_dropped(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    left = [[124.30, 0.70], [124.31, 0.70], [124.31, 0.71], [124.30, 0.71], [124.30, 0.70]]
    right = [[124.31, 0.70], [124.32, 0.70], [124.32, 0.71], [124.31, 0.71], [124.31, 0.70]]
    speck = [[124.33, 0.70], [124.3301, 0.70], [124.3301, 0.7001], [124.33, 0.70]]  # ~60 m2
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": polygon(r)}
            for r in (left, right, speck)
        ],
    }
    assert run(cities, str(write_json(tmp_path / "fc.geojson", fc))) == 0
    s = summary(capsys)
    assert s["slivers_dropped"] == 1
    written = cities / "kotamobagu" / "boundary.geojson"
    geom = shape(json.loads(written.read_text(encoding="utf-8"))["features"][0]["geometry"])
    assert geom.geom_type == "Polygon"
    assert s["vertices_after"] == 4


# ----------------------------------------------------------------------------- refusals


def test_swapped_lat_lon_is_refused(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(shared_path("boundaries", "kotamobagu.geojson").read_text(encoding="utf-8"))
    geom = shapely.transform(shape(data["features"][0]["geometry"]), lambda c: c[:, ::-1])
    source = write_json(tmp_path / "swapped.geojson", shapely.geometry.mapping(geom))
    before = (cities / "kotamobagu" / "boundary.geojson").read_bytes()

    assert run(cities, str(source)) == 2

    err = capsys.readouterr().err
    assert "tertukar" in err
    assert "[lat, lon]" in err
    assert len(err.strip().splitlines()) == 1
    assert (cities / "kotamobagu" / "boundary.geojson").read_bytes() == before


def test_swap_within_valid_ranges_is_caught_against_the_current_boundary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A city at 10° N, 20° E: swapped positions are still valid lon/lat, but far away."""
    cities = tmp_path / "cities"
    city = cities / "elsewhere"
    city.mkdir(parents=True)
    shutil.copy(CITY_SRC / "city.json", city / "city.json")
    ring = [[20.0, 10.0], [20.1, 10.0], [20.1, 10.1], [20.0, 10.1], [20.0, 10.0]]
    write_json(city / "boundary.geojson", polygon(ring))
    swapped = write_json(tmp_path / "s.geojson", polygon([[y, x] for x, y in ring[::-1]]))

    assert run(cities, str(swapped), "--city", "elsewhere") == 2
    assert "tertukar" in capsys.readouterr().err


def test_a_boundary_far_away_needs_force(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manado = [[124.80, 1.45], [124.88, 1.45], [124.88, 1.52], [124.80, 1.52], [124.80, 1.45]]
    source = write_json(tmp_path / "manado.geojson", polygon(manado))
    assert run(cities, str(source)) == 2
    assert "--force" in capsys.readouterr().err
    assert run(cities, str(source), "--force") == 0


def test_not_json_is_refused_with_exit_code_2(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "boundary.geojson"
    source.write_text("<html>not json</html>", encoding="utf-8")

    assert run(cities, str(source)) == 2

    err = capsys.readouterr().err
    assert "bukan JSON yang sah" in err
    assert "not valid JSON" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("obj", "english"),
    [
        ({"type": "LineString", "coordinates": [[124.3, 0.7], [124.4, 0.8]]}, "LineString"),
        ({"type": "FeatureCollection", "features": []}, "no Polygon"),
        ({"type": "Polygon", "coordinates": [[[124.3, 0.7], [124.4, "x"]]]}, "bad position"),
        ([1, 2, 3], "expected a GeoJSON"),
        (polygon([[124.3, 0.7], [124.4, 0.7], [200.0, 95.0], [124.3, 0.7]]), "outside WGS84"),
    ],
)
def test_bad_geojson_is_refused(
    cities: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    obj: object,
    english: str,
) -> None:
    assert run(cities, str(write_json(tmp_path / "bad.geojson", obj))) == 2
    err = capsys.readouterr().err
    assert "bukan batas wilayah GeoJSON yang sah" in err
    assert english in err


def test_missing_file_and_unknown_city_are_refused(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(cities, str(tmp_path / "missing.geojson")) == 2
    assert "tidak dapat dibaca" in capsys.readouterr().err
    assert run(cities, str(tmp_path / "missing.geojson"), "--city", "atlantis") == 2
    assert "atlantis" in capsys.readouterr().err


# ----------------------------------------------------------------------------- sub-districts


def test_subdistricts_import_sets_the_key_in_city_json(
    cities: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desa = shared_path("boundaries", "kotamobagu_desa.geojson")
    kecamatan = shared_path("boundaries", "kotamobagu_kecamatan.geojson")
    city_json = cities / "kotamobagu" / "city.json"
    before = city_json.read_text(encoding="utf-8")
    boundary_before = (cities / "kotamobagu" / "boundary.geojson").read_bytes()

    assert run(cities, str(desa), "--subdistricts", "--districts", str(kecamatan)) == 0

    s = summary(capsys)
    assert s["kind"] == "subdistricts"
    assert (s["villages"], s["districts"]) == (33, 4)
    after = city_json.read_text(encoding="utf-8")
    assert json.loads(after)["subdistricts"] == "subdistricts.geojson"
    assert json.loads(after)["districts"] == "districts.geojson"
    # Only those keys changed: the rest of the file, layout included, is as it was.
    assert after == before.replace(
        '  "subdistricts": null',
        '  "districts": "districts.geojson",\n  "subdistricts": "subdistricts.geojson"',
    )
    assert (cities / "kotamobagu" / "boundary.geojson").read_bytes() == boundary_before
    city = load_city(cities / "kotamobagu")
    assert city.subdistricts_path == cities / "kotamobagu" / "subdistricts.geojson"
    area = CityArea.from_geojson(city.boundary_path, city.subdistricts_path)
    for feature in json.loads(desa.read_text(encoding="utf-8"))["features"]:
        p = shape(feature["geometry"]).representative_point()
        found = area.subdistrict(p.y, p.x)
        assert found is not None
        assert found.village_code == feature["properties"]["kode_kemendagri"]
        assert found.district_code == feature["properties"]["kecamatan_kode"]
        assert found.district_name is not None
        assert found.district_name.startswith("Kotamobagu ")
    districts = json.loads((cities / "kotamobagu" / "districts.geojson").read_text())
    assert sorted(f["properties"]["district_code"] for f in districts["features"]) == [
        "71.74.01",
        "71.74.02",
        "71.74.03",
        "71.74.04",
    ]


def test_subdistricts_without_village_codes_are_refused(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ring = [[124.30, 0.70], [124.31, 0.70], [124.31, 0.71], [124.30, 0.71], [124.30, 0.70]]
    feature = {"type": "Feature", "properties": {"nama": "X"}, "geometry": polygon(ring)}
    source = write_json(tmp_path / "v.geojson", feature)
    city_json = cities / "kotamobagu" / "city.json"
    before = city_json.read_bytes()

    assert run(cities, str(source), "--subdistricts") == 2

    assert "village code" in capsys.readouterr().err
    assert city_json.read_bytes() == before
    assert not (cities / "kotamobagu" / "subdistricts.geojson").exists()


# ----------------------------------------------------------------------------- the wrapper


def test_the_wrapper_prints_help() -> None:
    done = subprocess.run(
        [str(REPO / "bin" / "sikemas"), "import-boundary", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--subdistricts" in done.stdout


def test_a_zero_area_polygon_is_refused(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flat = polygon([[124.30, 0.70], [124.31, 0.70], [124.30, 0.70]])
    assert run(cities, str(write_json(tmp_path / "flat.geojson", flat))) == 2
    assert "non-zero area" in capsys.readouterr().err


@pytest.mark.parametrize("option", [["--tolerance-m", "-1"], ["--min-area-m2", "nan"]])
def test_bad_numbers_are_refused(
    cities: Path, capsys: pytest.CaptureFixture[str], option: list[str]
) -> None:
    source = CITY_SRC / "boundary.geojson"
    assert run(cities, str(source), *option) == 2
    assert "must be >= 0" in capsys.readouterr().err


def test_districts_needs_subdistricts(cities: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = CITY_SRC / "boundary.geojson"
    assert run(cities, str(source), "--districts", str(source)) == 2
    assert "--subdistricts" in capsys.readouterr().err


def test_subdistricts_without_districts_leave_the_districts_key_alone(
    cities: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    desa = shared_path("boundaries", "kotamobagu_desa.geojson")
    assert run(cities, str(desa), "--subdistricts") == 0
    assert "districts_written" not in summary(capsys)
    assert "districts" not in json.loads((cities / "kotamobagu" / "city.json").read_text())
    assert not (cities / "kotamobagu" / "districts.geojson").exists()


# ----------------------------------------------------------------------------- provenance


def test_every_written_feature_keeps_its_provenance_and_is_readable_by_all(
    cities: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = shared_path("boundaries")
    assert run(cities, str(src / "kotamobagu.geojson")) == 0
    assert (
        run(
            cities,
            str(src / "kotamobagu_desa.geojson"),
            "--subdistricts",
            "--districts",
            str(src / "kotamobagu_kecamatan.geojson"),
        )
        == 0
    )
    city = cities / "kotamobagu"
    for name, count in (
        ("boundary.geojson", 1),
        ("subdistricts.geojson", 33),
        ("districts.geojson", 4),
    ):
        path = city / name
        assert path.stat().st_mode & 0o777 == 0o644, name  # not mkstemp's 0600
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
        assert len(features) == count
        for f in features:
            props = f["properties"]
            assert props["source"]["repo"] == "cahyadsn/wilayah_boundaries"
            assert "Kepmendagri No 300.2.2-2430" in props["source"]["license"]
            assert props["imported_at"]
            assert props["area_km2"] > 0
    (outline,) = json.loads((city / "boundary.geojson").read_text())["features"]
    assert outline["properties"]["kode_kemendagri"] == "71.74"
    assert outline["properties"]["source_file"] == "kotamobagu.geojson"


def test_features_that_disagree_keep_only_what_they_share(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    left = [[124.30, 0.70], [124.31, 0.70], [124.31, 0.71], [124.30, 0.71], [124.30, 0.70]]
    right = [[124.31, 0.70], [124.32, 0.70], [124.32, 0.71], [124.31, 0.71], [124.31, 0.70]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"source": "X", "part": i}, "geometry": polygon(r)}
            for i, r in enumerate((left, right))
        ],
    }
    assert run(cities, str(write_json(tmp_path / "fc.geojson", fc))) == 0
    (feature,) = json.loads((cities / "kotamobagu" / "boundary.geojson").read_text())["features"]
    assert feature["properties"]["source"] == "X"
    assert "part" not in feature["properties"]


def test_the_shipped_city_is_what_the_import_makes_of_the_official_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reproducible: the commands in cities/kotamobagu/README.md give the shipped files."""
    cities = tmp_path / "cities"
    shutil.copytree(CITY_SRC, cities / "kotamobagu")
    src = shared_path("boundaries")
    assert run(cities, str(src / "kotamobagu.geojson"), "--tolerance-m", "0") == 0
    args = ["--subdistricts", "--districts", str(src / "kotamobagu_kecamatan.geojson")]
    assert run(cities, str(src / "kotamobagu_desa.geojson"), *args, "--tolerance-m", "0") == 0
    for name in ("boundary.geojson", "subdistricts.geojson", "districts.geojson", "city.json"):
        made = json.loads((cities / "kotamobagu" / name).read_text(encoding="utf-8"))
        shipped = json.loads((CITY_SRC / name).read_text(encoding="utf-8"))
        for data in (made, shipped):
            for f in data.get("features", []):
                f["properties"].pop("imported_at")
        assert made == shipped, name


def test_the_import_use_case_lives_outside_the_cli_and_the_layer() -> None:
    import ast

    def imports(path: Path) -> set[str]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
        return names

    assert "shapely" not in imports(REPO / "tools" / "sikemas_tools" / "cli.py")
    assert "shapely" in imports(REPO / "tools" / "sikemas_tools" / "boundary_import.py")
    for path in (REPO / "layers" / "sikemas" / "sikemas").rglob("*.py"):
        assert "sikemas_tools" not in imports(path), path
        assert "import_boundary" not in path.read_text(encoding="utf-8"), path
