"""SNS adapter for admin alerts: the stack's alerts topic (e-mail subscribers, chat hooks)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sikemas.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient


class SnsAlerts:
    def __init__(self, client: SNSClient | None, topic_arn: str | None) -> None:
        self._sns = client
        self._topic = topic_arn

    def alert(self, subject: str, message: str) -> None:
        """Publish to the topic; always logged too (a deployment without a topic still shows
        it, and the log is searchable)."""
        logger.error("admin alert", subject=subject, alert=message)
        if self._sns is not None and self._topic:
            self._sns.publish(TopicArn=self._topic, Subject=subject[:100], Message=message)
