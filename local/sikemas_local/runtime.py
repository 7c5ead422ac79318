"""A Lambda execution environment, in this process: import a function, invoke it with a context.

Like Lambda, the function's folder and its layers are importable, its environment is set before
its module is imported (settings are read once, at cold start), and one environment handles one
event at a time.

Each function sees only its own template environment. Lambda gives every function its own
process; here all share one, and `os.environ` is the process's. So a function's variables are
applied for its import and for each invocation, under one process-wide lock, and taken away
after: another function never sees them (nor, between invocations, any other code). The price
is that invocations run one at a time across all functions, where Lambda runs them side by side;
moto serialises most of the work anyway. (The alternative, a settings object per function,
would not cover what libraries read from the environment at call time: Powertools, botocore.)
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from sikemas_local.template import FunctionSpec

Handler = Callable[[dict[str, Any], Any], Any]

# One function's environment in os.environ at a time (see the module's docstring).
_ENVIRONMENT = threading.RLock()


@contextlib.contextmanager
def applied_environment(variables: dict[str, str]) -> Iterator[None]:
    """`variables` in os.environ while the block runs, alone among functions' variables; the
    environment as it was afterwards."""
    with _ENVIRONMENT:
        before = {name: os.environ.get(name) for name in variables}
        os.environ.update(variables)
        try:
            yield
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


@dataclass
class LambdaContext:
    """The attributes and method of the Python runtime's context object."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    timeout_s: int
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    identity: Any = None
    client_context: Any = None
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def make_importable(*folders: Path) -> None:
    """Put folders on the import path as Lambda does with /var/task and /opt/python.

    The local runner plays the Lambda runtime here; tests and tools import the package through
    pytest's pythonpath instead.
    """
    for folder in folders:
        if str(folder) not in sys.path:  # noqa: TID251 - emulating the Lambda runtime
            sys.path.append(str(folder))  # noqa: TID251 - emulating the Lambda runtime


class LocalFunction:
    """One function of the template, imported and invocable."""

    def __init__(
        self,
        spec: FunctionSpec,
        environment: dict[str, str],
        *,
        region: str,
        account_id: str,
        stack_name: str,
    ) -> None:
        self.spec = spec
        self.name = f"{stack_name}-{spec.logical_id}"
        self.arn = f"arn:aws:lambda:{region}:{account_id}:function:{self.name}"
        self.environment = {
            **environment,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_LAMBDA_FUNCTION_NAME": self.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        }
        self._handler: Handler | None = None
        self.module: ModuleType | None = None

    def load(self) -> None:
        """Set the function's environment, then import its module (its cold start)."""
        module_name, _, function_name = self.spec.handler.rpartition(".")
        path = self.spec.code_dir / (module_name.replace(".", "/") + ".py")
        if not path.is_file():
            raise FileNotFoundError(f"{self.spec.logical_id}: handler module {path} not found")
        unique = "sikemas_fn_" + re.sub(r"\W", "_", self.spec.logical_id)
        module_spec = importlib.util.spec_from_file_location(unique, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(f"cannot import {path}")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[unique] = module
        with applied_environment(self.environment):
            module_spec.loader.exec_module(module)
        handler = getattr(module, function_name, None)
        if not callable(handler):
            raise AttributeError(f"{path}: no callable {function_name}")
        self._handler = handler
        self.module = module

    def invoke(self, event: dict[str, Any]) -> Any:
        """Call the handler with a fresh context; one event at a time, as one environment."""
        if self._handler is None:
            self.load()
        if self._handler is None:
            raise RuntimeError(f"{self.spec.logical_id}: handler not loaded")
        context = LambdaContext(
            function_name=self.name,
            memory_limit_in_mb=self.spec.memory_mb,
            invoked_function_arn=self.arn,
            aws_request_id=str(uuid.uuid4()),
            timeout_s=self.spec.timeout_s,
            log_group_name=f"/aws/lambda/{self.name}",
            log_stream_name=time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex,
        )
        with applied_environment(self.environment):
            started = time.monotonic()
            result = self._handler(event, context)
            elapsed = time.monotonic() - started
        if elapsed > self.spec.timeout_s:
            print(
                f"[local] {self.spec.logical_id} took {elapsed:.1f} s, over its "
                f"{self.spec.timeout_s} s timeout: Lambda would have stopped it",
                flush=True,
            )
        return result
