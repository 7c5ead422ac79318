"""Where moto differs from AWS in ways the local stack cannot live with, fixed in moto's own
models (in this process: the in-process `mock_aws` of the tests and the threaded server alike).

- **S3 event notifications** (moto 5.2.5 `moto.s3.notifications._get_s3_event`): moto sends no
  `versionId` and no `sequencer`, encodes `/` in keys as `%2F`, and leaves out the fields S3
  sends (`userIdentity`, `requestParameters`, `responseElements`). The event is built here from
  the object that was just written, as S3 builds it: its own version id (versioned buckets
  only), a sequencer that grows with every event (so per key, too), the key encoded as S3
  encodes it (`+` for spaces, `/` kept).
- **TransactWriteItems** (moto's `DynamoDBBackend.transact_write_items`): moto deep-copies every
  table a transaction touches, before every transaction, to roll back on failure: its cost grows
  with the table and its stream records (measured: create latency 56 ms -> 1.5 s at 700
  reports; 1.6 GB RSS). Here the transaction keeps an undo log of the items it touches and of
  the stream records it added: the cost is that of the transaction's own items.

`install()` is idempotent; `moto_version_checked()` refuses a moto whose internals these fixes
were not written against.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any
from urllib.parse import quote_plus

import moto

FIXED_FOR = "5.2."  # the moto release line whose internals these fixes replace
_installed = False
_install_lock = threading.Lock()


def moto_version_checked() -> None:
    if not moto.__version__.startswith(FIXED_FOR):
        raise RuntimeError(
            f"sikemas_local.moto_fixes was written against moto {FIXED_FOR}x, not "
            f"{moto.__version__}: re-check moto's S3 notifications and TransactWriteItems"
        )


def install() -> None:
    """Patch moto's S3 event builder and DynamoDB transactions (once per process)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        moto_version_checked()
        from moto.dynamodb.models import DynamoDBBackend
        from moto.s3 import notifications

        notifications._get_s3_event = s3_event
        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]
        _installed = True


# ---------------------------------------------------------------------------------------------
# S3 events
# ---------------------------------------------------------------------------------------------
class _Sequencer:
    """Hex strings that grow with every call, also across restarts (they start from the
    clock): S3's sequencer orders the events of one key; this one orders all events."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = 0

    def next(self) -> str:
        with self._lock:
            self._last = max(self._last + 1, time.time_ns())
            return f"{self._last:018X}"


sequencer = _Sequencer()


def s3_key_in_event(key: str) -> str:
    """A key as S3 writes it into event notifications: URL-encoded, spaces as `+`, `/` kept."""
    return quote_plus(key, safe="/")


def s3_event(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
    """One S3 event notification, as S3 sends it (moto's own builder lacks versionId and
    sequencer and encodes "/")."""
    from sikemas_local import clock

    obj: dict[str, Any] = {
        "key": s3_key_in_event(key.name),
        "size": key.size,
        "eTag": key.etag.replace('"', ""),
    }
    if getattr(key, "_version_id", None):  # only versioned buckets give versions
        obj["versionId"] = key.version_id
    obj["sequencer"] = sequencer.next()
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": bucket.region_name,
                # On the stack's clock, as every function's time is (POST /_local/clock): the
                # photo checks compare the photo's time with this upload time.
                "eventTime": clock.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                "eventName": event_name.removeprefix("s3:"),
                "userIdentity": {"principalId": "AWS:LOCAL"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": "LOCAL",
                    "x-amz-id-2": "LOCAL",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": notification_id,
                    "bucket": {
                        "name": bucket.name,
                        "ownerIdentity": {"principalId": "LOCAL"},
                        "arn": bucket.arn,
                    },
                    "object": obj,
                },
            }
        ]
    }


# ---------------------------------------------------------------------------------------------
# DynamoDB transactions
# ---------------------------------------------------------------------------------------------
class _Undo:
    """What a transaction changed, to put back if it is cancelled: each touched item as it was,
    and how many stream records each touched table had."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, Any, Any, Any]] = []  # table, hash, range, item or None
        self.streams: dict[int, tuple[Any, int]] = {}  # id(shard) -> shard, records before

    def remember(self, table: Any, key: dict[str, Any]) -> None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = (
            DynamoType(key[table.range_key_attr]) if table.range_key_attr is not None else None
        )
        current = table.get_item(hash_value, range_value)
        # Update changes the item in place: keep a copy of this one item, not of the table.
        self.items.append((table, hash_value, range_value, copy.deepcopy(current)))
        shard = table.stream_shard
        if shard is not None and id(shard) not in self.streams:
            self.streams[id(shard)] = (shard, len(shard.items))

    def roll_back(self) -> None:
        for table, hash_value, range_value, before in reversed(self.items):
            if range_value is None:
                if before is None:
                    table.items.pop(hash_value, None)
                else:
                    table.items[hash_value] = before
                continue
            rows = table.items.get(hash_value)
            if before is None:
                if rows is not None:
                    rows.pop(range_value, None)
                    if not rows:
                        del table.items[hash_value]
            else:
                table.items.setdefault(hash_value, {})[range_value] = before
        for shard, count in self.streams.values():
            del shard.items[count:]


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's `DynamoDBBackend.transact_write_items`, with an undo log of the touched
    items in place of a deep copy of every touched table."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = _Undo()
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            check_unicity(table_name, key)
            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                undo.remember(self.get_table(table_name), key)
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            undo.roll_back()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))
        except Exception as e:
            errors.append((type(e).__name__, str(e), original_item))
    if any(code is not None for code, _, _ in errors):
        undo.roll_back()
        raise TransactionCanceledException(errors)
