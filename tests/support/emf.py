"""A validator of CloudWatch Embedded Metric Format documents, after AWS's specification:
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html

It checks what the specification requires of a log event for CloudWatch to
extract its metrics: a JSON object whose `_aws` member holds `Timestamp`
(milliseconds since the epoch, a number) and `CloudWatchMetrics`, an array of
MetricDirectives; each directive has a `Namespace` string, `Dimensions` (an
array of DimensionSets: arrays of at most 30 dimension names, each a string
member of the root) and `Metrics` (at most 100 MetricDefinitions with a
`Name`, an optional `Unit` among CloudWatch's units and an optional
`StorageResolution` of 1 or 60); every metric named has a root member that is
a number or an array of at most 100 numbers.
"""

import json

UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes",
    "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
    "Percent", "Count", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
    "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
    "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}  # fmt: skip

# The unit each of the functions' metrics must carry, from what its values are
# (counts, a price, seconds of age, milliseconds of connect time). Written
# here rather than read from shop.metrics, so a wrong unit there fails a test.
EXPECTED_UNITS = {
    "OrdersPlaced": "Count",
    "OrderValue": "None",  # an amount of money: CloudWatch has no currency unit
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


def problems(document: dict) -> list[str]:
    """Return what makes `document` an invalid EMF document (empty when it is valid)."""
    found = []
    meta = document.get("_aws")
    if not isinstance(meta, dict):
        return ["no _aws object"]
    if not isinstance(meta.get("Timestamp"), int | float) or isinstance(meta["Timestamp"], bool):
        found.append("_aws.Timestamp must be a number (ms since the epoch)")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        return [*found, "_aws.CloudWatchMetrics must be an array"]
    for i, directive in enumerate(directives):
        where = f"CloudWatchMetrics[{i}]"
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not 1 <= len(namespace) <= 1024:
            found.append(f"{where}.Namespace must be a string of 1-1024 characters")
        for dimension_set in directive.get("Dimensions", []):
            if not isinstance(dimension_set, list) or len(dimension_set) > 30:
                found.append(f"{where}: a DimensionSet is an array of at most 30 names")
                continue
            for name in dimension_set:
                if not isinstance(document.get(name), str):
                    found.append(f"{where}: dimension {name!r} needs a string member at the root")
        definitions = directive.get("Metrics")
        if not isinstance(definitions, list) or len(definitions) > 100:
            found.append(f"{where}.Metrics must be an array of at most 100 definitions")
            continue
        for definition in definitions:
            name = definition.get("Name")
            if not isinstance(name, str) or not 1 <= len(name) <= 1024:
                found.append(f"{where}: a metric Name must be a string of 1-1024 characters")
                continue
            if "Unit" in definition and definition["Unit"] not in UNITS:
                found.append(
                    f"{where}: {name} has unit {definition['Unit']!r}, not a CloudWatch unit"
                )
            if definition.get("StorageResolution", 60) not in (1, 60):
                found.append(f"{where}: {name} StorageResolution must be 1 or 60")
            value = document.get(name)
            values = value if isinstance(value, list) else [value]
            if (
                not values
                or len(values) > 100
                or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            ):
                found.append(f"{where}: {name} needs a number (or up to 100) at the root")
    return found


def metrics_in(lines) -> dict[str, set[str]]:
    """Return {metric name: units seen} over every valid EMF line; raise on an invalid one."""
    seen: dict[str, set[str]] = {}
    for line in lines:
        text = line[line.find("{") :] if "{" in line else ""
        if '"_aws"' not in text:
            continue
        try:
            document = json.loads(text)
        except ValueError:
            continue
        errors = problems(document)
        if errors:
            raise AssertionError(f"invalid EMF line {text[:300]}: {errors}")
        for directive in document["_aws"]["CloudWatchMetrics"]:
            for definition in directive["Metrics"]:
                seen.setdefault(definition["Name"], set()).add(definition.get("Unit", "None"))
    return seen
