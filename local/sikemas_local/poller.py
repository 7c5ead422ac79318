"""Lambda's SQS event source mapping, and a window on every SNS message, for the local stack.

The poller long-polls each queue a function has an SQS event on (from the template), hands
batches to the function as Lambda does (the same event shape), deletes what succeeded, and
leaves failed records to reappear after a short visibility timeout; SQS's redrive policy (moto
implements it) moves a message to the dead-letter queue after `maxReceiveCount` receives.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from sikemas_local import logs
from sikemas_local.runtime import LocalFunction
from sikemas_local.template import SqsSource

# Set while `POST /_local/drain` waits for the stack to be quiet: batching windows end at once,
# as Lambda's ends early when a batch is full.
FLUSH = threading.Event()
LOCAL_VISIBILITY_S = 5  # in AWS the queue's own (≥ 6× the function timeout); short here


def sqs_record(message: dict[str, Any], *, queue_arn: str, region: str) -> dict[str, Any]:
    """One record of Lambda's SQS event, from a ReceiveMessage result."""
    attributes = message.get("Attributes", {})
    record_attributes = {
        key: attributes[key]
        for key in (
            "ApproximateReceiveCount",
            "SentTimestamp",
            "SenderId",
            "ApproximateFirstReceiveTimestamp",
            "SequenceNumber",
            "MessageGroupId",
            "MessageDeduplicationId",
            "AWSTraceHeader",
        )
        if key in attributes
    }
    message_attributes = {
        name: {
            "stringValue": value.get("StringValue"),
            "binaryValue": value.get("BinaryValue"),
            "stringListValues": value.get("StringListValues", []),
            "binaryListValues": value.get("BinaryListValues", []),
            "dataType": value["DataType"],
        }
        for name, value in (message.get("MessageAttributes") or {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": record_attributes,
        "messageAttributes": message_attributes,
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def failed_message_ids(
    result: Any, batch_ids: list[str], report_batch_item_failures: bool
) -> set[str]:
    """Which messages of a batch failed, as Lambda reads a function's answer."""
    if not report_batch_item_failures:
        return set()
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return set()
    failures = result["batchItemFailures"]
    identifiers = [
        item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures
    ]
    if any(not identifier or identifier not in batch_ids for identifier in identifiers):
        # Lambda treats a malformed or unknown identifier as a failure of the whole batch.
        return set(batch_ids)
    return {str(identifier) for identifier in identifiers}


class QueuePoller(threading.Thread):
    """One event source mapping: a queue, a function, a batch size."""

    def __init__(
        self,
        *,
        sqs: Any,
        queue_url: str,
        queue_arn: str,
        source: SqsSource,
        function: LocalFunction,
        region: str,
        stop: threading.Event,
        visibility_s: int = LOCAL_VISIBILITY_S,
        log: Callable[[str], None] = print,
    ) -> None:
        super().__init__(name=f"sqs-{source.queue}->{function.spec.logical_id}", daemon=True)
        self.sqs = sqs
        self.queue_url = queue_url
        self.queue_arn = queue_arn
        self.source = source
        self.function = function
        self.region = region
        self.stop = stop
        self.visibility_s = visibility_s
        self.log = log

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.poll_once()
            except Exception:
                # The mapping keeps polling, as Lambda's does: report and go on.
                print(f"[sqs] {self.name}: poll failed", file=sys.stderr)
                traceback.print_exc()
                self.stop.wait(1)

    def _receive(self, count: int, wait_s: int) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=max(1, min(10, count)),
            WaitTimeSeconds=wait_s,
            VisibilityTimeout=self.visibility_s,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        return messages

    def poll_once(self, wait_s: int = 1) -> int:
        """Receive one batch (up to the batch size, within the batching window) and deliver it.
        Returns how many messages were delivered."""
        batch = self._receive(self.source.batch_size, wait_s)
        if not batch:
            return 0
        deadline = time.monotonic() + self.source.batching_window_s
        while len(batch) < self.source.batch_size and time.monotonic() < deadline:
            if self.stop.is_set() or FLUSH.is_set():
                break
            more = self._receive(self.source.batch_size - len(batch), 0)
            if not more:
                self.stop.wait(0.2)
            batch += more
        self.deliver(batch)
        return len(batch)

    def waiting(self) -> int:
        """Messages in the queue, visible or in flight (being delivered, or failed and waiting
        for their visibility timeout)."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    def deliver(self, batch: list[dict[str, Any]]) -> None:
        records = [sqs_record(m, queue_arn=self.queue_arn, region=self.region) for m in batch]
        ids = [record["messageId"] for record in records]
        try:
            with logs.invoking(self.function):  # log lines name the function
                result = self.function.invoke({"Records": records})
        except Exception:
            print(f"[sqs] {self.function.spec.logical_id} raised: the batch stays", file=sys.stderr)
            traceback.print_exc()
            return
        failed = failed_message_ids(result, ids, self.source.report_batch_item_failures)
        done = [message for message in batch if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(chunk)
                ],
            )
        self.log(
            f"[sqs] {self.source.queue} -> {self.function.spec.logical_id}: "
            f"{len(batch)} delivered, {len(failed)} failed"
        )


class SnsWatcher(threading.Thread):
    """Print every SNS notification and SMS moto has recorded, one line each, once a second.

    moto keeps them in its backend, which ThreadedMotoServer shares with this process."""

    def __init__(
        self,
        *,
        account_id: str,
        region: str,
        stop: threading.Event,
        interval_s: float = 1.0,
        log: Callable[[str], None] = print,
    ) -> None:
        super().__init__(name="sns-watcher", daemon=True)
        self.account_id = account_id
        self.region = region
        self.stop = stop
        self.interval_s = interval_s
        self.log = log
        self._seen: set[str] = set()

    def run(self) -> None:
        while not self.stop.wait(self.interval_s):
            try:
                self.check()
            except Exception:
                traceback.print_exc()

    def check(self) -> list[str]:
        from moto.sns.models import sns_backends

        backend = sns_backends[self.account_id][self.region]
        lines: list[str] = []
        for arn, topic in list(backend.topics.items()):
            for message_id, message, subject, attributes, _group in list(topic.sent_notifications):
                if message_id in self._seen:
                    continue
                self._seen.add(message_id)
                shown = {
                    name: value.get("Value", value.get("StringValue"))
                    for name, value in (attributes or {}).items()
                }
                lines.append(
                    f"[sns] {arn.rsplit(':', 1)[-1]} subject={subject!r} "
                    f"attributes={shown} message={_one_line(message)}"
                )
        for message_id, (phone, message) in list(backend.sms_messages.items()):
            if message_id in self._seen:
                continue
            self._seen.add(message_id)
            lines.append(f"[sms] to {phone}: {_one_line(message)}")
        for line in lines:
            self.log(line)
        return lines


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
