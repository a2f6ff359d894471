"""Business and health metrics as CloudWatch Embedded Metric Format (EMF).

Metrics ride on log lines the functions write anyway (the api's one line per
request, the relay's one line per run): CloudWatch Logs extracts them, so
the request path makes no CloudWatch API call and imports no SDK for them.
Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

A `Recorder` collects one invocation's values (`put`); `emf()` turns them
into the members to merge at the root of that invocation's log line: the
`_aws` metadata (Timestamp, one MetricDirective per dimension set) and one
target member per metric and dimension. Every metric carries the `Stage`
dimension; 503s also carry `Cause`, so an alarm can watch the total and a
dashboard can split it.
"""

import contextvars
import time

NAMESPACE = "Shop"

# name -> CloudWatch unit. The names are a contract with terraform/modules/monitoring.
METRICS = {
    "OrdersPlaced": "Count",
    "OrderValue": "None",  # in the order's currency's major unit
    "OutOfStockRefusals": "Count",
    "NotificationsSent": "Count",
    "NotificationsFailed": "Count",
    "NotificationsParked": "Count",
    "NotificationsDeferred": "Count",
    "OutboxBacklog": "Count",
    "OutboxBacklogAge": "Seconds",
    "DatabaseConnectTime": "Milliseconds",
    "ServiceUnavailable": "Count",
}
# Metrics split by a second dimension besides Stage.
BY = {"ServiceUnavailable": "Cause"}

_current: contextvars.ContextVar["Recorder | None"] = contextvars.ContextVar(
    "shop_metrics", default=None
)


class Recorder:
    """The metric values of one invocation."""

    # Annotated here, not in __init__: an annotation on `self.values` there is
    # evaluated (the generic types built) on every call, once per request.
    values: dict[tuple[str, str | None], list[float]]

    def __init__(self, stage: str, *, namespace: str = NAMESPACE, clock=time.time):
        self.stage, self.namespace, self._clock = stage, namespace, clock
        self.values = {}

    def put(self, name: str, value: float, *, by: str | None = None) -> None:
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}")
        if (BY.get(name) is None) != (by is None):
            raise ValueError(f"metric {name!r} needs exactly its dimension {BY.get(name)!r}")
        self.values.setdefault((name, by), []).append(float(value))

    def emf(self) -> dict:
        """Return the EMF members to merge at the root of a log line ({} when nothing was put)."""
        if not self.values:
            return {}
        root: dict = {"Stage": self.stage}
        plain, split = [], {}
        for (name, by), values in sorted(self.values.items(), key=lambda kv: kv[0][0]):
            if by is None:
                plain.append({"Name": name, "Unit": METRICS[name]})
                root[name] = values[0] if len(values) == 1 else values
            else:
                split.setdefault(name, []).append((by, values))
        directives = []
        if plain:
            directives.append(
                {"Namespace": self.namespace, "Dimensions": [["Stage"]], "Metrics": plain}
            )
        for name, entries in split.items():
            # One cause per line keeps dimension values and target members unambiguous:
            # a request ends in at most one 503.
            by, values = entries[0]
            dimension = BY[name]
            root[dimension] = by
            root[name] = sum(values)
            directives.append(
                {
                    "Namespace": self.namespace,
                    "Dimensions": [["Stage"], ["Stage", dimension]],
                    "Metrics": [{"Name": name, "Unit": METRICS[name]}],
                }
            )
        root["_aws"] = {"Timestamp": int(self._clock() * 1000), "CloudWatchMetrics": directives}
        return root


class recording:  # lower case: used as `with metrics.recording(stage) as recorder`
    """Make a fresh Recorder current for the duration of one invocation.

    A class rather than a generator-based context manager: it is entered on
    every request, and this costs a third as much.
    """

    __slots__ = ("recorder", "_token")

    def __init__(self, stage: str, *, namespace: str = NAMESPACE):
        self.recorder = Recorder(stage, namespace=namespace)

    def __enter__(self) -> Recorder:
        self._token = _current.set(self.recorder)
        return self.recorder

    def __exit__(self, *exc) -> None:
        _current.reset(self._token)


def put(name: str, value: float, *, by: str | None = None) -> None:
    """Record a value in the current invocation's Recorder (nothing outside an invocation)."""
    recorder = _current.get()
    if recorder is not None:
        recorder.put(name, value, by=by)
