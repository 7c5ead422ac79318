"""Short links in the stack's table: conditional put, expiry on read, TTL attribute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from sikemas.links import DynamoShortLinks
from sikemas_local.provision import Stack

from .conftest import REGION

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
EXP = NOW + timedelta(days=7)


def test_dynamo_short_links_with_ttl(stack: Stack) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    table = stack.function_environment("ApiFunction")["TABLE_NAME"]
    store = DynamoShortLinks(client, table)
    assert store.put_short_link("abcdefgh", "http://x/agency/r/t", EXP)
    assert not store.put_short_link("abcdefgh", "http://evil", EXP)
    assert store.get_short_link("abcdefgh", NOW) == "http://x/agency/r/t"
    assert store.get_short_link("abcdefgh", EXP) is None
    assert store.get_short_link("zzzzzzzz", NOW) is None
    key = {"PK": {"S": "SHORT#abcdefgh"}, "SK": {"S": "LINK"}}
    item = client.get_item(TableName=table, Key=key)
    assert item["Item"]["expires_at"]["N"] == str(int(EXP.timestamp()))
