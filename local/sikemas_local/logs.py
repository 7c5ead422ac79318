"""Which function wrote a log line, when every function of the stack runs in this one process.

In AWS each function has its own processes and log group, so a line's origin is never in
doubt. Here the functions share a process, and a module of the shared layer (one Powertools
`Logger` for all of them) is imported once: the Lambda-context keys that
`inject_lambda_context` puts on that logger are the last invocation's, whichever function it
was. While a function runs, `invocation()` names it in a context variable (per thread), and
every log record created meanwhile carries the function's keys as record attributes, which
the Powertools formatter writes over its shared state.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sikemas_local.runtime import LocalFunction

_current: ContextVar[dict[str, Any] | None] = ContextVar("sikemas_local_invocation", default=None)
_install_lock = threading.Lock()
_installed = False


@contextmanager
def invocation(function_name: str, **keys: Any) -> Iterator[None]:
    """Log records created in this thread meanwhile carry `function_name` and `keys`
    (Powertools' names: `function_arn`, `function_memory_size`, `function_request_id`)."""
    if not _installed:
        install()
    token = _current.set({"function_name": function_name, **keys})
    try:
        yield
    finally:
        _current.reset(token)


def invoking(function: LocalFunction) -> AbstractContextManager[None]:
    """`invocation()` with the keys of a local function, as the Lambda context gives them."""
    return invocation(
        function.name, function_arn=function.arn, function_memory_size=function.spec.memory_mb
    )


def current_function() -> str | None:
    """The name of the function running in this thread, if any."""
    keys = _current.get()
    return None if keys is None else str(keys["function_name"])


def install() -> None:
    """Stamp the running function's keys on every log record (idempotent).

    A record factory rather than a filter: it sees the records of every logger, Powertools'
    included, without knowing their names. A caller passing `extra={"function_name": ...}`
    would collide with it (logging refuses to overwrite a record attribute); nothing does.
    """
    global _installed
    with _install_lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            keys = _current.get()
            if keys is not None:
                record.__dict__.update(keys)
            return record

        logging.setLogRecordFactory(factory)
        _installed = True


def prefixed(function_name: str, text: str) -> str:
    """Every line of `text` led by the function's name: a block that names its writer even
    when another thread's lines land between its own."""
    return "".join(f"[{function_name}] {line}" for line in text.splitlines(keepends=True))
