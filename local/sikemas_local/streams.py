"""DynamoDB streams, read as Lambda's DynamoDB event source mapping reads them.

A `StreamReader` follows one table's stream shard from its oldest undelivered record, hands
each batch to its consumer, and then lets the shard forget the records it delivered. moto keeps
every stream record for ever (AWS keeps them 24 hours): with nothing reading, memory and the
cost of every write grow with the table's history. The local stack keeps them until delivered.

The shard is read in this process, from moto's model (`MotoShard`), not through the DynamoDB
Streams API: moto's GetRecords serialises every record's images anew (measured: ~4 ms a record,
~15 records a report, more than the create itself), and every GetRecords leaves a shard
iterator behind that moto never forgets. moto's records are already in the stream's JSON shape.

Today no function of the template consumes the stream, and the reader's consumer drops the
records. A function with a `DynamoDB` event in the template is to get the reader's batches as
Lambda's event (`dynamodb_event`), with its batch size, as the SQS poller does for queues.
"""

from __future__ import annotations

import copy
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sikemas_local.state import GATE, Gate

Consumer = Callable[[list[dict[str, Any]]], None]


def dynamodb_event(
    records: list[dict[str, Any]], *, stream_arn: str, region: str
) -> dict[str, Any]:
    """Lambda's DynamoDB stream event, from stream records (DynamoDB JSON)."""
    converted = []
    for record in records:
        stream = copy.deepcopy(record["dynamodb"])
        created = stream.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            stream["ApproximateCreationDateTime"] = int(created.timestamp())
        converted.append(
            {
                "eventID": record["eventID"],
                "eventName": record["eventName"],
                "eventVersion": record.get("eventVersion", "1.1"),
                "eventSource": "aws:dynamodb",
                "awsRegion": region,
                "dynamodb": stream,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": converted}


class MotoShard:
    """A table's stream shard in this process's moto: read from the oldest record kept, and
    forget records once delivered."""

    def __init__(self, account_id: str, region: str, table_name: str, gate: Gate = GATE):
        self.account_id = account_id
        self.region = region
        self.table_name = table_name
        self.gate = gate

    def _shard(self) -> Any:
        from moto.dynamodb.models import dynamodb_backends

        table = dynamodb_backends[self.account_id][self.region].get_table(self.table_name)
        return table.stream_shard

    def read(self, limit: int) -> list[dict[str, Any]]:
        # With no request in flight: a transaction being cancelled takes back the records it
        # added, and their sequence numbers are given again.
        with self.gate.exclusive():
            shard = self._shard()
            if shard is None:
                return []
            return [record.to_json() for record in shard.items[:limit]]

    def kept(self) -> int:
        shard = self._shard()
        return 0 if shard is None else len(shard.items)

    def forget(self, last_sequence_number: int) -> None:
        """Drop the records up to `last_sequence_number` (inclusive). moto numbers a new record
        from the shard's start and length, so both move together, with no write in flight."""
        with self.gate.exclusive():
            shard = self._shard()
            if shard is None:
                return
            count = last_sequence_number - shard.starting_sequence_number + 1
            count = max(0, min(count, len(shard.items)))
            del shard.items[:count]
            shard.starting_sequence_number += count


class StreamReader(threading.Thread):
    """One table's stream, read from its oldest undelivered record, batch by batch."""

    def __init__(
        self,
        *,
        shard: MotoShard,
        consumer: Consumer,
        stop: threading.Event,
        batch_size: int = 100,
        interval_s: float = 0.5,
        name: str = "stream",
    ) -> None:
        super().__init__(name=f"stream-{name}", daemon=True)
        self.shard = shard
        self.consumer = consumer
        self.stop = stop
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.delivered = 0

    def poll_once(self) -> int:
        """Read one batch and deliver it; how many records were delivered. A consumer that
        raises gets the same batch again on the next poll, as Lambda retries a batch."""
        records = self.shard.read(self.batch_size)
        if not records:
            return 0
        self.consumer(records)
        self.shard.forget(max(int(record["dynamodb"]["SequenceNumber"]) for record in records))
        self.delivered += len(records)
        return len(records)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                while self.poll_once() == self.batch_size and not self.stop.is_set():
                    pass
            except Exception:
                print(f"[stream] {self.name}: delivery failed", file=sys.stderr)
                traceback.print_exc()
            self.stop.wait(self.interval_s)


def discard(_records: list[dict[str, Any]]) -> None:
    """The consumer while no function reads the stream."""
