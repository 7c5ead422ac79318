"""The table's stream is read and trimmed, and transactions cost what their own items cost:
the local stack's memory and latency stay flat as reports pile up (figures: `make bench`)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sikemas_local.provision import Stack
from sikemas_local.streams import MotoShard, StreamReader, dynamodb_event

ACCOUNT = "123456789012"


def _put(table: str, pk: str, sk: str = "META", **extra: Any) -> dict[str, Any]:
    item = {"PK": {"S": pk}, "SK": {"S": sk}, **extra}
    return {"Put": {"TableName": table, "Item": item}}


def _shard(stack: Stack) -> MotoShard:
    return MotoShard(ACCOUNT, stack.region, stack.ref("Table"))


def test_a_cancelled_transaction_leaves_no_item_no_change_and_no_stream_record(
    stack: Stack, dynamodb: Any
) -> None:
    table = stack.ref("Table")
    counter = {"PK": {"S": "STATS"}, "SK": {"S": "all"}}
    dynamodb.put_item(TableName=table, Item={**counter, "n": {"N": "1"}})
    dynamodb.put_item(TableName=table, Item={"PK": {"S": "TAKEN"}, "SK": {"S": "META"}})
    shard = _shard(stack)
    records_before = shard.kept()

    with pytest.raises(ClientError, match="TransactionCanceled"):
        dynamodb.transact_write_items(
            TransactItems=[
                _put(table, "NEW"),
                {
                    "Update": {
                        "TableName": table,
                        "Key": counter,
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {
                    "Put": {
                        **_put(table, "TAKEN")["Put"],
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )

    assert "Item" not in dynamodb.get_item(TableName=table, Key={**counter, "PK": {"S": "NEW"}})
    assert dynamodb.get_item(TableName=table, Key=counter)["Item"]["n"] == {"N": "1"}
    assert shard.kept() == records_before


def test_a_transaction_does_not_copy_the_table(
    stack: Stack, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.dynamodb.models.table import Table

    def refuse(_table: Any, _memo: Any) -> Any:
        raise AssertionError("the whole table was copied")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)
    table = stack.ref("Table")

    dynamodb.transact_write_items(TransactItems=[_put(table, "A"), _put(table, "B")])

    assert dynamodb.get_item(TableName=table, Key={"PK": {"S": "B"}, "SK": {"S": "META"}})["Item"]


def test_the_reader_delivers_every_record_once_then_the_stream_forgets_them(
    stack: Stack, dynamodb: Any
) -> None:
    table = stack.ref("Table")
    batches: list[list[dict[str, Any]]] = []
    reader = StreamReader(
        shard=_shard(stack), consumer=batches.append, stop=threading.Event(), batch_size=2
    )
    for name in ("A", "B", "C"):
        dynamodb.transact_write_items(TransactItems=[_put(table, name)])

    while reader.poll_once():
        pass
    dynamodb.put_item(TableName=table, Item={"PK": {"S": "D"}, "SK": {"S": "META"}})
    reader.poll_once()

    keys = [record["dynamodb"]["Keys"]["PK"]["S"] for batch in batches for record in batch]
    assert keys == ["A", "B", "C", "D"]
    assert [len(batch) for batch in batches] == [2, 1, 1]
    numbers = [int(r["dynamodb"]["SequenceNumber"]) for batch in batches for r in batch]
    assert numbers == sorted(set(numbers))  # still increasing after the trims
    assert _shard(stack).kept() == 0


def test_a_batch_the_consumer_fails_is_delivered_again(stack: Stack, dynamodb: Any) -> None:
    table = stack.ref("Table")
    seen: list[str] = []

    def flaky(records: list[dict[str, Any]]) -> None:
        seen.extend(record["dynamodb"]["Keys"]["PK"]["S"] for record in records)
        if len(seen) == 1:
            raise RuntimeError("notifier down")

    reader = StreamReader(shard=_shard(stack), consumer=flaky, stop=threading.Event())
    dynamodb.put_item(TableName=table, Item={"PK": {"S": "A"}, "SK": {"S": "META"}})

    with pytest.raises(RuntimeError):
        reader.poll_once()
    reader.poll_once()

    assert seen == ["A", "A"]
    assert _shard(stack).kept() == 0


def test_records_become_lambdas_dynamodb_event(stack: Stack, dynamodb: Any) -> None:
    table = stack.ref("Table")
    dynamodb.put_item(TableName=table, Item={"PK": {"S": "A"}, "SK": {"S": "META"}})
    records = _shard(stack).read(10)
    arn = stack.get_att("Table", "StreamArn")

    (record,) = dynamodb_event(records, stream_arn=arn, region=stack.region)["Records"]

    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == arn
    assert record["awsRegion"] == stack.region
    assert record["eventName"] == "INSERT"
    assert record["dynamodb"]["NewImage"]["PK"] == {"S": "A"}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
