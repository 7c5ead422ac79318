"""The local stack's data across restarts: moto's state, saved to a folder and loaded again.

moto 5.2 offers no persistence of its own (its "recorder" replays every request made, which
grows without bound and re-sends S3 notifications). Its backends are plain Python objects, so
the local stack pickles the backends of the services the template uses, with the provisioned
`Stack`, into `<data dir>/state.pickle`: on shutdown, and every `interval_s` seconds when
something changed. A write is atomic (a temporary file, then a rename); a crash loses at most
the last interval.

Consistency: every request to moto passes a `Gate` (shared); saving a snapshot, and trimming a
stream, take it exclusively, so no request is half-applied in what is saved.

The snapshot carries a fingerprint of what provisioning made (the stateful resources of the
template, the parameters, the region, the stack name). When it differs, the data is moved aside
(`<data dir>/stale-<time>/`) and the stack starts fresh, and says so.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import io
import json
import pickle  # nosec B403 - the local stack reads back only the state file it wrote itself
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moto.server import ThreadedMotoServer

SNAPSHOT = "state.pickle"
FORMAT = 1
# Services whose state is the stack's data. dynamodbstreams holds only shard iterators.
SERVICES = ("dynamodb", "s3", "sqs", "sns", "cognito-idp", "secretsmanager")


class Gate:
    """A readers-writer lock: moto requests share it; a snapshot or a stream trim holds it
    alone, with no request in flight."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer = False
        self.changes = 0  # requests seen: a snapshot is due when this moved

    @contextlib.contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            while self._writer:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                self.changes += 1
                self._condition.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            while self._writer:
                self._condition.wait()
            self._writer = True
            while self._readers:
                self._condition.wait()
        try:
            yield
        finally:
            with self._condition:
                self._writer = False
                self._condition.notify_all()


GATE = Gate()


def _waits(environ: dict[str, Any]) -> bool:
    """An SQS ReceiveMessage may wait up to 20 s for a message: holding the gate that long
    would stall every snapshot and stream trim (and, waiting behind them, every request).
    What it changes (a message's visibility) is safe to save half-way."""
    return str(environ.get("HTTP_X_AMZ_TARGET", "")).endswith(".ReceiveMessage")


class GatedMotoServer(ThreadedMotoServer):
    """moto's threaded server, each request inside `GATE.shared()` (its response read whole
    inside the gate: S3 streams bodies from the objects it would otherwise be saving), except
    SQS's long polls."""

    def __init__(self, *, gate: Gate = GATE, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._gate = gate

    def _server_entry(self) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        inner = DomainDispatcherApplication(create_backend_app)
        gate = self._gate

        def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            if _waits(environ):
                return list(inner(environ, start_response))
            with gate.shared():
                body = inner(environ, start_response)
                try:
                    return list(body)
                finally:
                    close = getattr(body, "close", None)
                    if close is not None:
                        close()

        self._server = make_server(
            self._ip_address, self._port, app, True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()


# ---------------------------------------------------------------------------------------------
# Pickling moto's backends
# ---------------------------------------------------------------------------------------------
def _dispatch_table() -> dict[Any, Callable[[Any], Any]]:
    """How to pickle the few moto attributes pickle refuses: locks and conditions (made anew,
    unheld), and Cognito's signing key (re-imported from its JWK)."""
    from joserfc import jwk

    table: dict[Any, Callable[[Any], Any]] = dict(copyreg.dispatch_table)
    table[type(threading.Lock())] = lambda _lock: (threading.Lock, ())
    table[type(threading.RLock())] = lambda _lock: (threading.RLock, ())
    table[threading.Condition] = lambda _condition: (threading.Condition, ())
    table[jwk.RSAKey] = lambda key: (jwk.RSAKey.import_key, (key.as_dict(private=True),))
    return table


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch_table()
    pickler.dump(value)
    return buffer.getvalue()


def _backend_dicts() -> dict[str, Any]:
    from moto.backends import get_backend

    return {service: get_backend(service) for service in SERVICES}  # type: ignore[call-overload]


def capture_backends() -> dict[str, dict[str, dict[str, Any]]]:
    """Every account's and region's backend of the persisted services."""
    captured: dict[str, dict[str, dict[str, Any]]] = {}
    for service, backends in _backend_dicts().items():
        captured[service] = {
            account: dict(regions.items()) for account, regions in list(backends.items())
        }
    return captured


def restore_backends(captured: dict[str, dict[str, dict[str, Any]]]) -> None:
    for service, backends in _backend_dicts().items():
        for account, regions in captured.get(service, {}).items():
            for region, backend in regions.items():
                backends[account][region] = backend


# ---------------------------------------------------------------------------------------------
# Snapshots
# ---------------------------------------------------------------------------------------------
def fingerprint(
    template: dict[str, Any], parameters: dict[str, str], region: str, stack_name: str
) -> str:
    """What provisioning depends on: a change means the saved data no longer fits."""
    from sikemas_local.resources import CREATORS

    stateful = {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") in CREATORS
    }
    document = json.dumps(
        {
            "resources": stateful,
            "parameters": parameters,
            "region": region,
            "stack": stack_name,
            "format": FORMAT,
        },
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(document.encode()).hexdigest()


@dataclass
class Saved:
    fingerprint: str
    stack: Any  # sikemas_local.intrinsics.Stack
    backends: dict[str, dict[str, dict[str, Any]]]


def save(folder: Path, fingerprint_: str, stack: Any, gate: Gate = GATE) -> tuple[int, float]:
    """Pickle the stack's state into `folder` atomically. Returns (bytes, seconds in the gate)."""
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with gate.exclusive():
        data = dumps(Saved(fingerprint_, stack, capture_backends()))
    held = time.monotonic() - started
    temporary = folder / (SNAPSHOT + ".tmp")
    temporary.write_bytes(data)
    temporary.replace(folder / SNAPSHOT)
    return len(data), held


def load(folder: Path, fingerprint_: str, log: Callable[[str], None] = print) -> Any | None:
    """The saved Stack, its moto state restored; None (and the old data moved aside) when there
    is none or it no longer fits the template."""
    path = folder / SNAPSHOT
    if not path.is_file():
        return None
    try:
        saved = pickle.loads(path.read_bytes())  # noqa: S301  # nosec B301 - our own file, in our own folder
        fits = isinstance(saved, Saved) and saved.fingerprint == fingerprint_
        reason = "the template's resources or parameters changed"
    except Exception as error:  # a snapshot from another moto or Python: not fatal
        saved, fits, reason = None, False, f"it cannot be read ({error.__class__.__name__})"
    if not fits:
        stale = folder / time.strftime("stale-%Y%m%dT%H%M%S")
        stale.mkdir(parents=True, exist_ok=True)
        shutil.move(str(path), stale / SNAPSHOT)
        log(f"[state] saved data set aside in {stale}: {reason}; starting empty")
        return None
    restore_backends(saved.backends)
    return saved.stack


class Snapshotter(threading.Thread):
    """Saves every `interval_s` seconds when moto saw requests since the last save.

    A save holds every request back while it pickles (measured: 0.6 s at 1,000 reports, ~5 s
    at 10,000 on a loaded 2-core machine), so the wait between saves grows to 20 times the
    last save's: requests are held back at most ~5% of the time."""

    def __init__(
        self,
        *,
        folder: Path,
        fingerprint: str,
        stack: Any,
        stop: threading.Event,
        interval_s: float = 30.0,
        gate: Gate = GATE,
    ) -> None:
        super().__init__(name="state-snapshots", daemon=True)
        self.folder = folder
        self.fingerprint = fingerprint
        self.stack = stack
        self.stop = stop
        self.interval_s = interval_s
        self.gate = gate
        self.wait_s = interval_s
        self._saved_at = -1
        self._lock = threading.Lock()

    def save_if_changed(self) -> bool:
        with self._lock:
            changes = self.gate.changes
            if changes == self._saved_at:
                return False
            _size, held = save(self.folder, self.fingerprint, self.stack, self.gate)
            self._saved_at = changes
            self.wait_s = max(self.interval_s, 20 * held)
            return True

    def run(self) -> None:
        while not self.stop.wait(self.wait_s):
            try:
                self.save_if_changed()
            except Exception as error:
                print(f"[state] snapshot failed: {error!r}", flush=True)
