"""DynamoDB streams, read as Lambda's DynamoDB event source mapping reads them.

A `StreamReader` follows one table's stream through the DynamoDB Streams API (describe the
stream, a shard iterator, GetRecords), hands each batch to its consumer, and then lets the
stream forget the records it delivered (`trim`). moto keeps every stream record for ever and
AWS keeps them 24 hours; the local stack keeps them until they are delivered, so the stream
costs memory only for what is not yet read.

Today no function of the template consumes the stream, and the reader's consumer drops the
records. A function with a `DynamoDB` event in the template gets the reader's batches as
Lambda's event (`dynamodb_event`), with its batch size, as the SQS poller does for queues.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sikemas_local.state import GATE, Gate

Consumer = Callable[[list[dict[str, Any]]], None]
Trim = Callable[[str, int | None, str | None], None]


def dynamodb_event(
    records: list[dict[str, Any]], *, stream_arn: str, region: str
) -> dict[str, Any]:
    """Lambda's DynamoDB stream event, from GetRecords records (boto3's parsed shape)."""
    converted = []
    for record in records:
        stream = dict(record["dynamodb"])
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


def trim_moto_stream(account_id: str, region: str, gate: Gate = GATE) -> Trim:
    """Forget a moto stream's records up to a sequence number (inclusive, if given), and every
    shard iterator moto made for the stream but `keep` (moto keeps each one for ever): what was
    delivered no longer takes memory."""

    def trim(stream_arn: str, last_sequence_number: int | None, keep: str | None) -> None:
        from moto.dynamodb.models import dynamodb_backends
        from moto.dynamodbstreams.models import dynamodbstreams_backends

        table_name = stream_arn.split(":", 6)[5].split("/")[1]
        with gate.exclusive():
            table = dynamodb_backends[account_id][region].get_table(table_name)
            shard = table.stream_shard
            if shard is None:
                return
            if last_sequence_number is not None:
                count = last_sequence_number - shard.starting_sequence_number + 1
                count = max(0, min(count, len(shard.items)))
                del shard.items[:count]
                shard.starting_sequence_number += count
            iterators = dynamodbstreams_backends[account_id][region].shard_iterators
            for arn, iterator in list(iterators.items()):
                if iterator.stream_shard is shard and arn != keep:
                    del iterators[arn]

    return trim


class StreamReader(threading.Thread):
    """One table's stream, read from its oldest undelivered record, batch by batch."""

    def __init__(
        self,
        *,
        streams: Any,  # a boto3 dynamodbstreams client
        stream_arn: str,
        consumer: Consumer,
        trim: Trim | None,
        stop: threading.Event,
        batch_size: int = 100,
        interval_s: float = 0.5,
        name: str = "stream",
    ) -> None:
        super().__init__(name=f"stream-{name}", daemon=True)
        self.streams = streams
        self.stream_arn = stream_arn
        self.consumer = consumer
        self.trim = trim
        self.stop = stop
        self.batch_size = batch_size
        self.interval_s = interval_s
        self.delivered = 0
        self._iterator: str | None = None
        self._last: int | None = None

    def _fresh_iterator(self) -> str:
        stream = self.streams.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        (shard,) = stream["Shards"]
        request: dict[str, Any] = {"StreamArn": self.stream_arn, "ShardId": shard["ShardId"]}
        if self._last is None:
            request["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            request["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
            request["SequenceNumber"] = str(self._last)
        iterator: str = self.streams.get_shard_iterator(**request)["ShardIterator"]
        return iterator

    def poll_once(self) -> int:
        """Read one batch and deliver it; how many records were delivered."""
        if self._iterator is None:
            self._iterator = self._fresh_iterator()
        answer = self.streams.get_records(ShardIterator=self._iterator, Limit=self.batch_size)
        records: list[dict[str, Any]] = answer.get("Records", [])
        delivered_up_to = None
        if records:
            try:
                self.consumer(records)
            except Exception:
                # As Lambda does, the batch is read again (from after the last delivered one).
                self._iterator = None
                raise
            self._last = max(int(record["dynamodb"]["SequenceNumber"]) for record in records)
            self.delivered += len(records)
            delivered_up_to = self._last
        self._iterator = answer.get("NextShardIterator")
        if self.trim is not None:
            self.trim(self.stream_arn, delivered_up_to, self._iterator)
        return len(records)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                while self.poll_once() == self.batch_size and not self.stop.is_set():
                    pass
            except Exception:
                print(f"[stream] {self.name}: read failed", file=sys.stderr)
                traceback.print_exc()
            self.stop.wait(self.interval_s)


def discard(_records: list[dict[str, Any]]) -> None:
    """The consumer while no function reads the stream."""
