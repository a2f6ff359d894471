"""Throttling as API Gateway does it: token buckets (rate per second, burst).

One bucket for the stage (the tfvars' `api.throttle`) and one for the
admin usage plan's API key (`api.admin_usage_plan`); a request that finds
its bucket empty gets 429 before it reaches the function.
"""

import threading
import time
from collections.abc import Callable

MAX_PAYLOAD_BYTES = 10 * 1024 * 1024  # API Gateway REST: 10 MB per request
# Lambda's synchronous invocation payload (the whole event): "6 MB each for request
# and response", https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html;
# the Invoke API's RequestEntityTooLargeException names 6291456 bytes for a request.
LAMBDA_INVOKE_LIMIT_BYTES = 6 * 1024 * 1024
INTEGRATION_TIMEOUT_SECONDS = 29.0  # API Gateway REST's default integration timeout


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up."""

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic):
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens, self._last = float(burst), clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Return True and spend a token if one is available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return True
            return False
