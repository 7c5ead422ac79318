"""``GET /v1/openapi.json``: the API serves its own contract, the committed document."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.conftest import Api

ROOT = Path(__file__).resolve().parents[2]


def test_the_api_serves_the_committed_contract_to_anyone(api: Api):
    status, body, headers = api.call("GET", "/v1/openapi.json", phone=None)

    assert status == 200
    assert body == json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert body["openapi"].startswith("3.1")
    cache = {k.lower(): v for k, v in headers.items()}["cache-control"]
    assert cache == "public, max-age=300"
