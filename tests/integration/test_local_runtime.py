"""Each local function sees its own template environment, and no other function's."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from sikemas_local.runtime import LocalFunction
from sikemas_local.template import function_specs, load_template

# Reports, at import (cold start) and at each invocation, the variables it can see.
HANDLER = """
import os
AT_IMPORT = {name: os.environ.get(name) for name in ("ONLY_A", "ONLY_B", "SHARED")}
def lambda_handler(event, context):
    return {name: os.environ.get(name) for name in ("ONLY_A", "ONLY_B", "SHARED")}
"""


def _function(tmp_path: Path, name: str, environment: dict[str, str]) -> LocalFunction:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "app.py").write_text(HANDLER)
    template_spec = function_specs(load_template())["ApiFunction"]
    spec = dataclasses.replace(template_spec, logical_id=name, code_dir=folder)
    return LocalFunction(
        spec, environment, region="ap-southeast-3", account_id="123456789012", stack_name="t"
    )


def test_functions_see_only_their_own_variables(tmp_path: Path) -> None:
    first = _function(tmp_path, "A", {"ONLY_A": "a", "SHARED": "from a"})
    second = _function(tmp_path, "B", {"ONLY_B": "b", "SHARED": "from b"})
    first.load()
    second.load()

    assert first.invoke({}) == {"ONLY_A": "a", "ONLY_B": None, "SHARED": "from a"}
    assert second.invoke({}) == {"ONLY_A": None, "ONLY_B": "b", "SHARED": "from b"}
    assert first.module is not None
    assert second.module is not None
    assert first.module.AT_IMPORT == {"ONLY_A": "a", "ONLY_B": None, "SHARED": "from a"}
    assert second.module.AT_IMPORT["ONLY_A"] is None


def test_the_process_environment_is_left_as_it_was(tmp_path: Path) -> None:
    function = _function(tmp_path, "A", {"ONLY_A": "a", "HOME": "/elsewhere"})
    home = os.environ.get("HOME")

    function.load()
    function.invoke({})

    assert "ONLY_A" not in os.environ
    assert os.environ.get("HOME") == home
