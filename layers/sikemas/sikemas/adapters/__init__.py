"""Adapters: the technology behind the ports (DynamoDB, S3)."""
