"""The local stack keeps its data across restarts, in its data folder; a template whose
resources changed starts empty, with the old data set aside."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sikemas_local import state
from sikemas_local.runner import LocalStack, start
from sikemas_local.template import load_template

REPORT = {
    "kind": "complaint",
    "category": "sampah",
    "description": "Sampah menumpuk di depan pasar sejak tiga hari.",
    "location": {"lat": 0.7339, "lon": 124.3158, "accuracy_m": 15},
    "photo_count": 1,
}


def _forget_everything() -> None:
    """What a new process starts with: no moto state at all."""
    from moto.core.base_backend import BackendDict

    BackendDict.reset()


@pytest.fixture
def fresh_moto() -> Iterator[None]:
    _forget_everything()
    yield
    _forget_everything()


def _token(local: LocalStack, phone: str = "+6281234500077") -> dict[str, str]:
    answer = requests.post(f"{local.api_url}/_local/token", json={"phone": phone}, timeout=30)
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _file_report(local: LocalStack) -> dict[str, Any]:
    answer = requests.post(
        f"{local.api_url}/v1/reports", json=REPORT, headers=_token(local), timeout=30
    )
    assert answer.status_code == 201, answer.text
    report: dict[str, Any] = answer.json()["report"]
    return report


def _read_report(local: LocalStack, report_id: str) -> requests.Response:
    return requests.get(
        f"{local.api_url}/v1/me/reports/{report_id}", headers=_token(local), timeout=30
    )


@pytest.mark.usefixtures("fresh_moto")
def test_reports_survive_a_restart(tmp_path: Path) -> None:
    local = start(port=0, quiet=True, data_dir=tmp_path)
    try:
        report = _file_report(local)
    finally:
        local.close()  # saves
    _forget_everything()

    again = start(port=0, quiet=True, data_dir=tmp_path)
    try:
        answer = _read_report(again, report["id"])
    finally:
        again.close()

    assert again.restored
    assert again.stack.ref("PhotoQueue").startswith(again.moto_url + "/")  # moto's new port
    assert answer.status_code == 200, answer.text
    assert answer.json()["report"]["tracking_code"] == report["tracking_code"]


@pytest.mark.usefixtures("fresh_moto")
def test_without_a_data_folder_nothing_is_kept(tmp_path: Path) -> None:
    local = start(port=0, quiet=True, data_dir=None)
    try:
        report = _file_report(local)
    finally:
        local.close()
    _forget_everything()

    again = start(port=0, quiet=True, data_dir=tmp_path)
    try:
        answer = _read_report(again, report["id"])
    finally:
        again.close()

    assert not again.restored
    assert answer.status_code == 404


@pytest.mark.usefixtures("fresh_moto")
def test_data_that_no_longer_fits_the_template_is_set_aside(tmp_path: Path) -> None:
    local = start(port=0, quiet=True, data_dir=tmp_path)
    local.close()
    _forget_everything()
    template = load_template()
    changed = copy.deepcopy(template)
    changed["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"][0]["IndexName"] = "X"
    lines: list[str] = []

    fingerprint = state.fingerprint(changed, {}, local.stack.region, local.stack.stack_name)
    loaded = state.load(tmp_path, fingerprint, log=lines.append)

    assert loaded is None
    assert not (tmp_path / state.SNAPSHOT).exists()
    (stale,) = tmp_path.glob("stale-*")
    assert (stale / state.SNAPSHOT).is_file()
    assert "changed" in lines[0]


def test_a_new_alarm_or_log_group_keeps_the_data() -> None:
    template = load_template()
    changed = copy.deepcopy(template)
    changed["Resources"]["ExtraLogGroup"] = {
        "Type": "AWS::Logs::LogGroup",
        "Properties": {"RetentionInDays": 7},
    }

    before = state.fingerprint(template, {}, "ap-southeast-3", "s")
    after = state.fingerprint(changed, {}, "ap-southeast-3", "s")

    assert before == after
    assert json.dumps(changed)  # still a plain JSON document
