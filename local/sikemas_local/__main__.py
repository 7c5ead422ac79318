"""`python -m sikemas_local` (`make run`): the whole system on this machine, no AWS account.

Environment: PORT (default 3000; 0 picks a free port), AWS_DEFAULT_REGION is ignored on purpose
(the region is --region, default ap-southeast-3), SIKEMAS_BOUNDARY_FILE is passed through to the
functions, SIKEMAS_LOCAL_DATA names the data folder (default .local-data; `make reset` empties
it). The parsable lines `SIKEMAS_API_URL=...` and `SIKEMAS_MOTO_URL=...` say where it runs.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from sikemas_local.runner import DEFAULT_DATA_DIR, DEFAULT_REGION, DEFAULT_STACK_NAME, start

_SHOWN = (
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::SecretsManager::Secret",
    "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient",
)


def _parameters(values: list[str]) -> dict[str, str]:
    parameters = {}
    for item in values:
        name, separator, value = item.partition("=")
        if not separator:
            raise SystemExit(f"--parameter takes Name=Value, not {item!r}")
        parameters[name] = value
    return parameters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sikemas_local", description=__doc__)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--region", default=DEFAULT_REGION)
    parser.add_argument("--stack-name", default=DEFAULT_STACK_NAME)
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="Name=Value",
        help="a template parameter override, e.g. --parameter DailyReportLimit=3",
    )
    parser.add_argument("--quiet", action="store_true", help="no line per HTTP request")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("SIKEMAS_LOCAL_DATA", DEFAULT_DATA_DIR)),
        help="where the data is kept across restarts (default .local-data)",
    )
    parser.add_argument(
        "--ephemeral", action="store_true", help="keep nothing: start empty, save nothing"
    )
    args = parser.parse_args(argv)

    local = start(
        port=args.port,
        region=args.region,
        stack_name=args.stack_name,
        parameters=_parameters(args.parameter),
        quiet=args.quiet,
        data_dir=None if args.ephemeral else args.data_dir,
    )
    stopping = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    resources = local.stack.describe()
    types = local.stack.types
    print("SIKeMas local stack", flush=True)
    for logical_id, value in resources.items():
        if types.get(logical_id) in _SHOWN:
            print(f"  {logical_id:<24} {value}")
    print(f"  functions: {', '.join(local.functions)}")
    if args.ephemeral:
        print("  data: kept in memory only (--ephemeral)")
    else:
        loaded = "loaded from" if local.restored else "new, saved to"
        print(f"  data: {loaded} {args.data_dir} (make reset empties it)")
    if os.environ.get("SIKEMAS_BOUNDARY_FILE"):
        print(f"  boundary file: {os.environ['SIKEMAS_BOUNDARY_FILE']}")
    shown = {name: value for name, value in resources.items() if types.get(name) in _SHOWN}
    print(f"SIKEMAS_RESOURCES={json.dumps(shown, separators=(',', ':'))}")
    print(f"SIKEMAS_MOTO_URL={local.moto_url}")
    print(f"SIKEMAS_API_URL={local.api_url}")
    print(
        "Get a token:  curl -s -X POST "
        f'{local.api_url}/_local/token -d \'{{"phone":"+6281234567890"}}\'\n'
        f'Then:         curl -s -H "Authorization: Bearer $TOKEN" {local.api_url}/v1/me/reports\n'
        f"A live demo:  bin/sikemas seed-demo --api {local.api_url}  "
        f"(then {local.api_url}/statistik)\n"
        "Ctrl-C stops.",
        flush=True,
    )
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        print("Stopping...", flush=True)
        local.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
