"""Edits of a plan JSON, the way a broken configuration would have planned.

Each helper changes one planned value and keeps `after_unknown` consistent,
so the reviewer sees exactly what Terraform would have shown.
"""

from __future__ import annotations

import copy
import json


def change(plan: dict, address: str) -> dict:
    """The resource_changes entry of an address (KeyError when absent)."""
    for entry in plan["resource_changes"]:
        if entry["address"] == address:
            return entry
    raise KeyError(address)


def set_after(plan: dict, address: str, path: list, value) -> None:
    """Set a planned value (keys and list indexes) and mark it known."""
    body = change(plan, address)["change"]
    node, flags = body["after"], body.setdefault("after_unknown", {})
    for step in path[:-1]:
        node = node[step]
        if isinstance(flags, dict | list):
            try:
                flags = flags[step]
            except (KeyError, IndexError):
                flags = None
    node[path[-1]] = value
    if isinstance(flags, dict):
        flags.pop(path[-1], None)


def drop(plan: dict, address: str) -> None:
    """Remove a resource from the plan, as if the configuration no longer declared it."""
    plan["resource_changes"] = [e for e in plan["resource_changes"] if e["address"] != address]


def copy_resource(plan: dict, address: str, new_address: str) -> dict:
    entry = copy.deepcopy(change(plan, address))
    entry["address"] = new_address
    plan["resource_changes"].append(entry)
    return entry


REST_API = "module.api.aws_api_gateway_rest_api.this"


def body(plan: dict) -> dict:
    return json.loads(change(plan, REST_API)["change"]["after"]["body"])


def edit_body(plan: dict, edit) -> None:
    """Apply edit(document) to the REST API's rendered body (a pinned plan's)."""
    document = body(plan)
    edit(document)
    set_after(plan, REST_API, ["body"], json.dumps(document))


def integration(document: dict, path: str, method: str) -> dict:
    return document["paths"][path][method]["x-amazon-apigateway-integration"]
