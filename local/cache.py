"""The stage's response cache, keyed exactly as API Gateway keys it.

An entry is keyed on the method, the resource (the path template, not the
path) and the values of the route's `cacheKeyParameters` - and nothing
else. A parameter missing from that list is not looked at, so
`?p1=1&p2=2` and `?p1=29&p2=28` share one entry when p1 and p2 are not in
the key; `drop` removes parameters from every key so the pitfall can be
shown on purpose. Only successful (2xx) answers are stored.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from local.responses import Reply

# The headers of a read that refreshes its entry: `max-age=0` counts only from
# a SigV4-signed caller (see local.gateway); the local gateway checks the
# scheme, not the signature.
FRESH_READ = {
    "Cache-Control": "max-age=0",
    "Authorization": (
        "AWS4-HMAC-SHA256 Credential=local/20260101/eu-west-1/execute-api/aws4_request, "
        "SignedHeaders=host, Signature=unchecked"
    ),
}

_SOURCES = {
    "querystring": "query",
    "multivaluequerystring": "query",
    "path": "path",
    "header": "header",
    "multivalueheader": "header",
}


def parse_key_parameter(name: str) -> tuple[str, str]:
    """Return (source, name) of `method.request.<source>.<name>`; raise ValueError otherwise."""
    parts = name.split(".", 3)
    if len(parts) != 4 or parts[:2] != ["method", "request"] or parts[2] not in _SOURCES:
        raise ValueError(f"not a cache key parameter: {name!r}")
    return _SOURCES[parts[2]], parts[3]


class ResponseCache:
    """Entries live `ttl` seconds; a ttl of 0 turns the cache off."""

    def __init__(
        self,
        ttl: float,
        *,
        drop: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = 10_000,
    ):
        self.ttl, self.drop, self._clock = ttl, frozenset(drop), clock
        self._max = max_entries
        self._entries: OrderedDict[tuple, tuple[float, Reply]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def key(
        self,
        method: str,
        resource: str,
        key_parameters: Iterable[str],
        *,
        query: dict[str, list[str]],
        path: dict[str, str],
        headers: dict[str, str],
    ) -> tuple:
        """Return the cache key of a request: method, resource and the key parameters' values.

        `headers` has lower-cased names.
        """
        parts = [method, resource]
        for parameter in key_parameters:
            source, name = parse_key_parameter(parameter)
            if parameter in self.drop or name in self.drop:
                continue
            if source == "query":
                value = tuple(query.get(name, ()))
            elif source == "path":
                value = path.get(name)
            else:
                value = headers.get(name.lower())
            parts.append((parameter, value))
        return tuple(parts)

    def get(self, key: tuple) -> Reply | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            expires, reply = found
            if self._clock() >= expires:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return Reply(reply.status, list(reply.headers), reply.body)

    def put(self, key: tuple, reply: Reply) -> None:
        if not self.enabled or not 200 <= reply.status < 300:
            return
        with self._lock:
            self._entries[key] = (
                self._clock() + self.ttl,
                Reply(reply.status, list(reply.headers), reply.body),
            )
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def flush(self) -> int:
        """Drop every entry (API Gateway's "Flush stage cache"); return how many there were."""
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count

    def __len__(self) -> int:
        return len(self._entries)
