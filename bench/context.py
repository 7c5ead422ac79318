"""A Lambda context for handlers run by the bench in its own process."""

from __future__ import annotations


class LambdaContextStub:
    memory_limit_in_mb = 512
    aws_request_id = "bench"

    def __init__(self, function_name: str) -> None:
        self.function_name = function_name
        self.invoked_function_arn = (
            f"arn:aws:lambda:ap-southeast-3:123456789012:function:{function_name}"
        )

    def get_remaining_time_in_millis(self) -> int:
        return 10000
