"""The floor: a bare standard-library handler. It answers a keep-alive ping
and the item route (from `repo`, which the warm benchmark sets), nothing
else; no framework, no database driver. Its import is `json` alone (which
Lambda's bootstrap has loaded already): the row formatting helpers are
imported on the first routed request, so a ping costs nothing but the
module itself — the floor for "cold start to keep-alive answered"."""

import json

repo = None


def handler(event, context):
    if isinstance(event.get("warmer"), dict):
        return {"warm": True}
    from . import common

    params = event.get("pathParameters") or {}
    if event.get("resource") == "/v1/products/{id}" and event.get("httpMethod") == "GET":
        try:
            row = repo.get(common.positive_int(params.get("id"), "id"))
        except common.BadInput as exc:
            return _answer(400, {"error": {"code": "bad_request", "message": str(exc)}})
        if row is None:
            return _answer(404, {"error": {"code": "not_found", "message": "no such product"}})
        return _answer(200, common.to_json(row), {"ETag": common.etag(row)})
    return _answer(404, {"error": {"code": "not_found", "message": "no route"}})


def _answer(status: int, body: dict, headers: dict | None = None) -> dict:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }
