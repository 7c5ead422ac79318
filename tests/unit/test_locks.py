"""What is deployed is what was tested: every layer installs from a lock file (exact versions,
hashes), and the test environment's lock holds the same versions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LAYERS = {"SikemasLayer": ROOT / "layers/sikemas", "ImagingLayer": ROOT / "layers/imaging"}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def _pins(path: Path) -> dict[str, str]:
    return {m[1].lower().replace("_", "-"): m[2] for m in _PIN.finditer(path.read_text())}


def _requirements(path: Path) -> list[str]:
    """The lock's requirement entries, continuation lines joined."""
    text = path.read_text().replace("\\\n", " ")
    return [line for line in text.splitlines() if _PIN.match(line)]


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_layer_lock_pins_every_transitive_package_with_hashes(layer: str) -> None:
    folder = LAYERS[layer]
    entries = _requirements(folder / "requirements.txt")
    assert entries
    assert all("--hash=sha256:" in entry for entry in entries)
    top_level = _pins(folder / "requirements.in")
    locked = _pins(folder / "requirements.txt")
    assert {k: locked.get(k) for k in top_level} == top_level


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_tests_run_with_the_layers_versions(layer: str) -> None:
    dev = _pins(ROOT / "requirements-dev.txt")
    locked = _pins(LAYERS[layer] / "requirements.txt")
    assert {k: dev.get(k) for k in locked} == locked


def test_dev_lock_has_hashes_for_every_package() -> None:
    entries = _requirements(ROOT / "requirements-dev.txt")
    assert len(entries) > 20
    assert all("--hash=sha256:" in entry for entry in entries)


class _Loader(yaml.SafeLoader):
    pass


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_each_layer_builds_from_its_lock_with_hashes_checked(layer: str) -> None:
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=_Loader)  # noqa: S506
    assert template["Resources"][layer]["Metadata"]["BuildMethod"] == "makefile"
    makefile = (LAYERS[layer] / "Makefile").read_text()
    assert f"build-{layer}:" in makefile
    assert '--require-hashes --requirement "$(HERE)/requirements.txt"' in makefile
    assert "manylinux_2_28_aarch64" in makefile
