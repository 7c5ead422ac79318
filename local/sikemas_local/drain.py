"""``POST /_local/drain``: wait until the stack is quiet — every queue a function reads is empty
and every table stream delivered — so that a client (the demo seeder, a test) knows that what
it set off has happened: the photo checked, the notifier's messages sent.

While it waits, batching windows end at once (``poller.FLUSH``) and the streams are read at
once. A message that fails stays in its queue until its visibility timeout and is retried as
Lambda would; the drain gives up after ``timeout_s`` and says so (``quiet: false``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sikemas_local.poller import FLUSH, QueuePoller
from sikemas_local.streams import StreamReader


@dataclass
class Drain:
    pollers: Sequence[QueuePoller]
    streams: Sequence[StreamReader]

    def __call__(self, timeout_s: float = 30.0) -> dict[str, Any]:
        started = time.monotonic()
        FLUSH.set()
        try:
            quiet_rounds = 0
            while quiet_rounds < 2:  # quiet twice in a row: nothing was between two readers
                delivered = sum(stream.poll_once() for stream in self.streams)
                waiting = sum(poller.waiting() for poller in self.pollers)
                quiet_rounds = quiet_rounds + 1 if delivered == 0 and waiting == 0 else 0
                if time.monotonic() - started > timeout_s:
                    return {"quiet": False, "waiting": waiting, "seconds": timeout_s}
                if waiting:
                    time.sleep(0.02)
        finally:
            FLUSH.clear()
        return {"quiet": True, "seconds": round(time.monotonic() - started, 3)}
