"""What is deployed is what was tested: each layer builds from a lock with hashes, and the test
environment runs the lock's versions."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["sikemas", "imaging"]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found = _PIN.match(line)
        if found:
            pins[_canonical(found.group(1))] = found.group(2)
    return pins


def _hashes(path: Path) -> dict[str, int]:
    """Package -> how many --hash lines follow its pin."""
    counts: dict[str, int] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        found = _PIN.match(line)
        if found:
            current = _canonical(found.group(1))
            counts[current] = 0
        elif current and line.strip().startswith("--hash=sha256:"):
            counts[current] += 1
    return counts


@pytest.mark.parametrize("layer", LAYERS)
def test_every_locked_package_is_pinned_with_hashes(layer: str) -> None:
    lock = ROOT / "layers" / layer / "requirements.txt"
    requirements = [
        line
        for line in lock.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith((" ", "#"))
    ]
    assert requirements
    assert all(_PIN.match(line) for line in requirements), requirements
    assert all(count >= 1 for count in _hashes(lock).values()), _hashes(lock)


@pytest.mark.parametrize("layer", LAYERS)
def test_the_lock_holds_the_top_level_pins(layer: str) -> None:
    wanted = _pins(ROOT / "layers" / layer / "requirements.in")
    locked = _pins(ROOT / "layers" / layer / "requirements.txt")
    assert wanted
    assert {name: locked.get(name) for name in wanted} == wanted


@pytest.mark.parametrize("layer", LAYERS)
def test_tests_run_on_the_locked_versions(layer: str) -> None:
    locked = _pins(ROOT / "layers" / layer / "requirements.txt")
    installed: dict[str, str | None] = {}
    for name in locked:
        try:
            installed[name] = version(name)
        except PackageNotFoundError:
            installed[name] = None
    assert installed == locked


def test_the_dev_requirements_do_not_pin_a_layer_package_again() -> None:
    dev = _pins(ROOT / "requirements-dev.txt")
    locked = {
        name for layer in LAYERS for name in _pins(ROOT / "layers" / layer / "requirements.txt")
    }
    assert not set(dev) & locked
