"""Decides one request against one identity policy document, as IAM does.

Enough of IAM's evaluation logic to hold the CI roles of terraform/bootstrap/
to the calls a deploy makes
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
an explicit Deny wins, then any Allow, else the implicit deny. Action and
NotAction match with * and ? and ignore case; Resource and NotResource
match with * and ? (case-sensitive). Conditions: StringEquals, StringLike
and their negations, and Null, on aws:RequestTag/<key> and
aws:ResourceTag/<key>. A statement with any other condition never grants
(an Allow) and always applies (a Deny), so the evaluator errs towards
"refused".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TAG_KEYS = re.compile(r"^aws:(RequestTag|ResourceTag)/(.+)$")


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    request_tags: dict = field(default_factory=dict)  # tags the call sets (a create)
    resource_tags: dict = field(default_factory=dict)  # tags the resource already has


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def _pattern(text: str, ignore_case: bool) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def _any(patterns, value: str, ignore_case: bool) -> bool:
    return any(_pattern(p, ignore_case).match(value) for p in _listed(patterns))


def _condition_holds(operator: str, key: str, wanted, request: Request) -> bool | None:
    """True or False for what this evaluator understands, None otherwise."""
    match = TAG_KEYS.match(key)
    if not match:
        return None
    tags = request.request_tags if match.group(1) == "RequestTag" else request.resource_tags
    value = tags.get(match.group(2))
    wanted = [str(w) for w in _listed(wanted)]
    if operator == "Null":
        return (value is None) == (wanted == ["true"])
    if operator in ("StringEquals", "StringLike"):
        like = operator == "StringLike"
        return value is not None and any(
            _pattern(w, False).match(value) if like else w == value for w in wanted
        )
    if operator in ("StringNotEquals", "StringNotLike"):
        like = operator == "StringNotLike"
        return value is None or not any(
            _pattern(w, False).match(value) if like else w == value for w in wanted
        )
    return None


def _conditions(statement: dict, request: Request) -> bool | None:
    results = [
        _condition_holds(operator, key, wanted, request)
        for operator, pairs in (statement.get("Condition") or {}).items()
        for key, wanted in pairs.items()
    ]
    if None in results:
        return None
    return all(results)


def _matches(statement: dict, request: Request) -> bool:
    if "Action" in statement:
        acts = _any(statement["Action"], request.action, True)
    else:
        acts = not _any(statement["NotAction"], request.action, True)
    if "Resource" in statement:
        on = _any(statement["Resource"], request.resource, False)
    else:
        on = not _any(statement["NotResource"], request.resource, False)
    return acts and on


def decide(document: dict, request: Request) -> tuple[str, list[str]]:
    """("allowed" | "denied" | "not allowed", the Sids that decided it)."""
    allowing, denying = [], []
    for statement in _listed(document["Statement"]):
        if not _matches(statement, request):
            continue
        holds = _conditions(statement, request)
        sid = statement.get("Sid", "(no Sid)")
        if statement["Effect"] == "Deny" and holds is not False:
            denying.append(sid)
        elif statement["Effect"] == "Allow" and holds is True:
            allowing.append(sid)
    if denying:
        return "denied", denying
    return ("allowed", allowing) if allowing else ("not allowed", [])
