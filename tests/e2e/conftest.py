"""The local stack (`python -m sikemas_local`) in a subprocess, for tests that drive it over HTTP.

The session fixture `local_stack` starts it on a free port, waits until `GET /v1/health` answers
200, and stops it at the end of the session. Every test under tests/e2e is marked `e2e`.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60
REGION = "ap-southeast-3"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.e2e)


@dataclass
class LocalStack:
    """A running `python -m sikemas_local`: its API URL, moto endpoint and resource names."""

    url: str
    moto_url: str
    resources: dict[str, str]
    process: subprocess.Popen[str]
    _lines: list[str] = field(default_factory=list)
    _new_line: threading.Condition = field(default_factory=threading.Condition)

    def token(self, phone: str = "+6281234567890") -> str:
        """A Cognito ID token for this phone number, from the local-only helper."""
        response = requests.post(f"{self.url}/_local/token", json={"phone": phone}, timeout=10)
        response.raise_for_status()
        token: str = response.json()["token"]
        return token

    def auth(self, phone: str = "+6281234567890") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(phone)}"}

    def client(self, service: str) -> Any:
        """A boto3 client on the stack's moto server (inspect tables, buckets, queues)."""
        return boto3.client(  # type: ignore[call-overload]
            service,
            endpoint_url=self.moto_url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def output(self) -> list[str]:
        with self._new_line:
            return list(self._lines)

    def wait_for_output(self, text: str, timeout_s: float = 15, since: int = 0) -> str:
        """The first line from index `since` on that contains `text` (e.g. "[sns]", "[sqs]")."""
        deadline = time.monotonic() + timeout_s
        with self._new_line:
            while True:
                for line in self._lines[since:]:
                    if text in line:
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    tail = "\n".join(self._lines[-30:])
                    raise AssertionError(f"no line with {text!r} in {timeout_s} s; last:\n{tail}")
                self._new_line.wait(remaining)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._new_line:
                self._lines.append(line.rstrip("\n"))
                self._new_line.notify_all()


def _environment() -> dict[str, str]:
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "POWERTOOLS_", "SIKEMAS_"))
        or name == "SIKEMAS_BOUNDARY_FILE"
    }
    python_path = [str(ROOT / "local"), str(ROOT / "layers" / "sikemas"), str(ROOT)]
    if inherited.get("PYTHONPATH"):
        python_path.append(inherited["PYTHONPATH"])
    return {
        **inherited,
        "PORT": "0",
        "PYTHONPATH": os.pathsep.join(python_path),
        "PYTHONUNBUFFERED": "1",
        "NO_COLOR": "1",
    }


def _value(lines: list[str], prefix: str) -> str | None:
    for line in lines:
        if line.startswith(prefix):
            return line[len(prefix) :]
    return None


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    # Its own data folder: the developer's .local-data is neither read nor written.
    with running_stack(tmp_path_factory.mktemp("local-data")) as stack:
        yield stack


@contextmanager
def running_stack(data_dir: Path) -> Iterator[LocalStack]:
    """A local stack of its own (data in ``data_dir``), for tests that need it empty."""
    process = subprocess.Popen(
        [sys.executable, "-m", "sikemas_local", "--quiet", "--data-dir", str(data_dir)],
        cwd=ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    stack = LocalStack(url="", moto_url="", resources={}, process=process)
    reader = threading.Thread(target=stack._read, name="local-stack-output", daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        stack.wait_for_output("SIKEMAS_API_URL=", timeout_s=START_TIMEOUT_S)
        lines = stack.output()
        stack.url = _value(lines, "SIKEMAS_API_URL=") or ""
        stack.moto_url = _value(lines, "SIKEMAS_MOTO_URL=") or ""
        stack.resources = json.loads(_value(lines, "SIKEMAS_RESOURCES=") or "{}")
        while True:
            if process.poll() is not None:
                raise AssertionError("the local stack exited:\n" + "\n".join(stack.output()))
            try:
                if requests.get(f"{stack.url}/v1/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("GET /v1/health never answered 200:\n" + "\n".join(lines))
            time.sleep(0.2)
        yield stack
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        reader.join(timeout=5)


# -- headless Chromium as a phone, for the page tests -------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
WIDTH, HEIGHT = 390, 844  # a phone's CSS pixels (iPhone 12-15)


def _browser_or_skip() -> tuple[str, str]:
    if CHROMIUM and CHROMEDRIVER:
        return CHROMIUM, CHROMEDRIVER
    reason = (
        "headless Chromium is not installed: apt-get install -y chromium chromium-driver "
        f"(found chromium={CHROMIUM}, chromedriver={CHROMEDRIVER})"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason + " — required under CI=true")
    pytest.skip(reason)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Headless Chromium as a phone (390x844), for the page tests."""
    chromium, chromedriver = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--window-size={WIDTH},{HEIGHT}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "mobileEmulation", {"deviceMetrics": {"width": WIDTH, "height": HEIGHT, "pixelRatio": 2}}
    )
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
