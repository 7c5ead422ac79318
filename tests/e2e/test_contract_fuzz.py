"""schemathesis against the running local stack, with the committed OpenAPI document: every
operation, generated valid and invalid requests (examples, coverage, fuzzing and stateful
phases), authenticated as a local citizen. No 5xx, and every answer is documented: its status,
content type, headers and body schema. Whatever it finds is fixed in the code or the document.

``SIKEMAS_FUZZ_EXAMPLES`` (default 25 per operation and phase) and ``SIKEMAS_FUZZ_SEED`` tune
a run; the seed is fixed so that CI is reproducible. The summary is kept in
``.artefacts/schemathesis.txt``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT, LocalStack

ARTEFACTS = ROOT / ".artefacts"
DOCUMENT = ROOT / "docs" / "openapi.json"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)


def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    examples = os.environ.get("SIKEMAS_FUZZ_EXAMPLES", "25")
    seed = os.environ.get("SIKEMAS_FUZZ_SEED", "20261206")
    token = local_stack.token("+6281298765432")
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        str(DOCUMENT),
        "--url",
        local_stack.url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        examples,
        "--seed",
        seed,
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
        "--report-dir",
        str(tmp_path),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    output = done.stdout + done.stderr
    summary = output[output.rfind("SUMMARY") :] if "SUMMARY" in output else output[-3000:]
    ARTEFACTS.mkdir(exist_ok=True)
    (ARTEFACTS / "schemathesis.txt").write_text(summary)  # the counts, kept after the run
    assert done.returncode == 0, output[-12000:]
    operations = sum(len(item) for item in json.loads(DOCUMENT.read_text())["paths"].values())
    assert re.search(rf"Tested: {operations}\b", output), summary  # every operation
    assert re.search(r"\d+ generated", output), summary
