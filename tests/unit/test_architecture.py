"""House rules that a reviewer would otherwise have to remember."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "sikemas" / "sikemas"
PURE = [
    *(PACKAGE / "domain").glob("*.py"),
    PACKAGE / "city.py",
    PACKAGE / "geo.py",
    PACKAGE / "geodesy.py",
    PACKAGE / "places.py",
    *(PACKAGE / "photo").glob("*.py"),
]
FORBIDDEN_IN_PURE = (
    "boto3",
    "botocore",
    "aws_lambda_powertools",
    "os",
    "sikemas.adapters",
    "sikemas.composition",
    "sikemas.settings",
    "sikemas.observability",
)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_code_imports_no_aws_no_powertools_no_environment(path):
    bad = {
        n
        for n in _imports(path)
        if n.split(".")[0] in FORBIDDEN_IN_PURE
        or n in FORBIDDEN_IN_PURE
        or any(n.startswith(f + ".") for f in FORBIDDEN_IN_PURE)
    }
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_no_key_string_outside_the_key_design_module():
    for path in PACKAGE.rglob("*.py"):
        if path.name == "keys.py":
            continue
        text = path.read_text()
        for prefix in (
            '"REPORT#',
            '"STATS#',
            '"REPORTER#',
            '"IDENTITY#',
            '"TRACKING#',
            'f"REPORT#',
        ):
            assert prefix not in text, f"{path.relative_to(ROOT)} builds a key ({prefix})"


def test_the_api_function_loads_no_imaging_geometry_or_tracing_library():
    """Cold start: Pillow, shapely (numpy) and the X-Ray SDK belong to no API request."""
    code = (
        "import sys, importlib.util\n"
        "import sikemas.composition, sikemas.api.views, sikemas.api.models, sikemas.api.errors\n"
        "import aws_lambda_powertools.event_handler\n"
        "heavy = [m for m in ('PIL', 'shapely', 'numpy', 'pillow_heif', 'aws_xray_sdk')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "sikemas")}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == ""
