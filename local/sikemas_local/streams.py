"""DynamoDB streams, read as Lambda's DynamoDB event source mapping reads them.

A `StreamReader` follows one table's stream shard from its oldest undelivered record, hands
each batch to its consumer, and then lets the shard forget the records it delivered. moto keeps
every stream record for ever (AWS keeps them 24 hours): with nothing reading, memory and the
cost of every write grow with the table's history. The local stack keeps them until delivered.

The shard is read in this process, from moto's model (`MotoShard`), not through the DynamoDB
Streams API: moto's GetRecords serialises every record's images anew (measured: ~4 ms a record,
~15 records a report, more than the create itself), and every GetRecords leaves a shard
iterator behind that moto never forgets. moto's records are already in the stream's JSON shape.

A function with a `DynamoDB` event in the template gets the reader's batches through a
`StreamDelivery` (its consumer), as Lambda's DynamoDB event source mapping delivers them: the
mapping's filter criteria, batch size, partial-batch responses (`ReportBatchItemFailures`:
checkpoint before the first failed record, retry from it), bisection of a failing batch,
`MaximumRetryAttempts`, and the on-failure destination (an SQS message describing the batch, in
Lambda's shape). A table no function reads has its records dropped once read (`discard`).
"""

from __future__ import annotations

import copy
import json
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sikemas_local.state import GATE, Gate

if TYPE_CHECKING:
    from sikemas_local.runtime import LocalFunction
    from sikemas_local.template import DynamoDbSource

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
        self._reading = threading.Lock()  # this thread's polls and `POST /_local/drain`'s

    def poll_once(self) -> int:
        """Read one batch and deliver it; how many records were delivered. A consumer that
        raises gets the same batch again on the next poll, as Lambda retries a batch."""
        with self._reading:
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


def matches(pattern: Any, value: Any) -> bool:
    """An event filter pattern (exact values only: a list of allowed values, or nested keys)
    against a record, as Lambda's FilterCriteria reads it."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and matches(sub, value[key]) for key, sub in pattern.items()
        )
    if isinstance(pattern, list):
        if any(isinstance(p, dict) for p in pattern):
            raise ValueError(f"filter operators are not emulated locally: {pattern}")
        return value in pattern
    return bool(pattern == value)


class KeepBatch(Exception):
    """The batch failed and retries are unbounded: the reader offers it again later."""


class StreamDelivery:
    """Lambda's DynamoDB event source mapping for one function: the `StreamReader`'s consumer.

    A call returns once every record of the batch is done: filtered out, processed, or (retries
    exhausted) described on the on-failure queue. It checkpoints as it goes (`shard.forget`), so
    a record done is never delivered again, as Lambda's checkpoint."""

    def __init__(
        self,
        *,
        function: LocalFunction,
        source: DynamoDbSource,
        stream_arn: str,
        region: str,
        shard: MotoShard | None = None,
        sqs: Any = None,
        on_failure_queue_url: str | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        self.function = function
        self.source = source
        self.stream_arn = stream_arn
        self.region = region
        self.shard = shard
        self.sqs = sqs
        self.on_failure_queue_url = on_failure_queue_url
        self.log = log
        self.invocations = 0

    def __call__(self, records: list[dict[str, Any]]) -> None:
        event = dynamodb_event(records, stream_arn=self.stream_arn, region=self.region)["Records"]
        kept = [
            record
            for record in event
            if not self.source.filters or any(matches(f, record) for f in self.source.filters)
        ]
        if kept:
            self._deliver(kept)

    def _invoke(self, records: list[dict[str, Any]]) -> int | None:
        """Index of the first record to retry from, or None when all succeeded."""
        from sikemas_local import logs

        self.invocations += 1
        try:
            with logs.invoking(self.function):
                result = self.function.invoke({"Records": records})
        except Exception:
            print(f"[stream] {self.function.spec.logical_id} raised", file=sys.stderr)
            traceback.print_exc()
            return -1  # the whole batch failed (function error)
        if not self.source.report_batch_item_failures:
            return None
        failures = (result or {}).get("batchItemFailures") if isinstance(result, dict) else None
        if not failures:
            return None
        sequences = [r["dynamodb"]["SequenceNumber"] for r in records]
        identifiers = [f.get("itemIdentifier") if isinstance(f, dict) else None for f in failures]
        if any(i not in sequences for i in identifiers):
            return 0  # Lambda treats a malformed or unknown identifier as the whole batch failing
        return min(sequences.index(i) for i in identifiers)

    def _deliver(self, records: list[dict[str, Any]]) -> None:
        pending = records
        retries = 0
        while pending:
            failed_at = self._invoke(pending)
            if failed_at is None:
                self._checkpoint(pending[-1])
                return
            if failed_at == -1 and self.source.bisect_on_error and len(pending) > 1:
                half = len(pending) // 2
                self._deliver(pending[:half])
                self._deliver(pending[half:])
                return
            if failed_at > 0:
                self._checkpoint(pending[failed_at - 1])
                pending = pending[failed_at:]
            retries += 1
            limit = self.source.maximum_retry_attempts
            if limit < 0:
                raise KeepBatch
            if retries > limit:
                self._give_up(pending, retries)
                self._checkpoint(pending[-1])
                return

    def _checkpoint(self, record: dict[str, Any]) -> None:
        if self.shard is not None:
            self.shard.forget(int(record["dynamodb"]["SequenceNumber"]))

    def _give_up(self, records: list[dict[str, Any]], invokes: int) -> None:
        """Lambda's on-failure record for a stream batch: where it is, not what it holds."""
        first, last = records[0]["dynamodb"], records[-1]["dynamodb"]
        message = {
            "requestContext": {
                "requestId": str(first["SequenceNumber"]),
                "functionArn": self.function.arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invokes,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).isoformat(),
            "DDBStreamBatchInfo": {
                "shardId": "local-shard",
                "startSequenceNumber": str(first["SequenceNumber"]),
                "endSequenceNumber": str(last["SequenceNumber"]),
                "approximateArrivalOfFirstRecord": first.get("ApproximateCreationDateTime"),
                "approximateArrivalOfLastRecord": last.get("ApproximateCreationDateTime"),
                "batchSize": len(records),
                "streamArn": self.stream_arn,
            },
        }
        self.log(
            f"[stream] {self.function.spec.logical_id}: {len(records)} record(s) failed after "
            f"{invokes} attempts: on-failure destination"
        )
        if self.sqs is not None and self.on_failure_queue_url:
            self.sqs.send_message(
                QueueUrl=self.on_failure_queue_url, MessageBody=json.dumps(message)
            )
