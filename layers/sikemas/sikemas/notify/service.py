"""The notifier's object graph (built once per cold start) and the stream record reader."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from sikemas.adapters import keys
from sikemas.domain.report import TimelineEvent
from sikemas.notify.outbox import Notifier, public_photo_urls, resend_publisher


def event_from_record(record: Mapping[str, Any]) -> TimelineEvent | None:
    """The timeline event a DynamoDB stream record inserts, else None (reports, counters,
    markers, modifications and removals say nothing to anyone)."""
    if record.get("eventName") != "INSERT":
        return None
    image = record.get("dynamodb", {}).get("NewImage") or {}
    if image.get("type", {}).get("S") != "event":
        return None
    report_id = keys.report_id_of_partition(image.get("PK", {}).get("S", ""))
    if report_id is None:
        return None
    from sikemas.adapters.dynamo import item_to_event

    return item_to_event(report_id, image)


def notifier_dependencies(env: Mapping[str, str] | None = None) -> Notifier:
    """Everything from the environment the template gives the function; the link secret is
    read here, once per execution environment."""
    import boto3

    from sikemas.adapters.dynamo import DynamoReportRepository
    from sikemas.city import load_city
    from sikemas.composition import dynamodb_client, utc_now
    from sikemas.links import LinkService, load_secret
    from sikemas.notify.sns import DynamoMarkers, DynamoPhoneBook, SnsPublisher
    from sikemas.settings import Settings

    env = os.environ if env is None else env
    settings = Settings.from_env(env)
    city = load_city(settings.city_dir, settings.boundary_file)
    db = dynamodb_client()
    repo = DynamoReportRepository(db, settings.table_name, city.timezone)
    secret = load_secret(boto3.client("secretsmanager"), env["AGENCY_LINK_SECRET_ARN"])
    links = LinkService(secret, env["LINK_BASE_URL"], repo)
    publisher = SnsPublisher(
        boto3.client("sns"),
        assignments_topic_arn=env["ASSIGNMENTS_TOPIC_ARN"],
        alerts_topic_arn=settings.alerts_topic_arn,
    )
    notifier = Notifier(
        city=city,
        reports=repo,
        links=links,
        publisher=publisher,
        markers=DynamoMarkers(db, settings.table_name),
        phone_of=DynamoPhoneBook(db, settings.table_name),
        photo_urls=public_photo_urls(settings.public_base_url),
        clock=utc_now,
    )
    links.publish_with(resend_publisher(notifier))  # resend: the agency's own subscriptions
    return notifier


def agency_link_service(env: Mapping[str, str] | None = None) -> Any:
    """A ``LinkService`` whose ``resend`` publishes a fresh link to the agency's subscriptions
    (the agency pages and the admin function build it once per cold start). Needs the same
    environment as the notifier: ``AGENCY_LINK_SECRET_ARN``, ``LINK_BASE_URL``,
    ``ASSIGNMENTS_TOPIC_ARN``."""
    return notifier_dependencies(env).links
