"""Read model of a `terraform show -json` plan, with what is unknown kept unknown.

A first plan (empty state) knows little: IDs, ARNs and everything derived
from them are "(known after apply)". This module never guesses such a
value. It offers three ways to look at a resource:

- `value(...)`: the planned value, or `UNKNOWN` when `after_unknown` marks it;
- `refs(...)`: the references of the attribute's expression in the plan's
  `configuration` (e.g. a permission's `source_arn` references the REST API's
  `execution_arn`), which are known even when the value is not;
- `link(...)`: the resource(s) an attribute points at, by known ID/ARN when
  there is one, otherwise through those references, resolving `each.key`,
  `each.value` (of a `for_each` over another resource) and `count.index`.

It must not know anything about this project's modules: the checks do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property


class _Unknown:
    """Marker for a value Terraform only knows after apply."""

    def __repr__(self) -> str:
        return "(known after apply)"

    def __bool__(self) -> bool:
        return False


UNKNOWN = _Unknown()

_PSEUDO_ROOTS = ("var.", "local.", "each.", "count.", "path.", "self.", "terraform.", "module.")
_REF = re.compile(r"^(?P<type>(?:data\.)?[a-z0-9_]+)\.(?P<name>[A-Za-z0-9_-]+)(?P<rest>.*)$")
_INDEX = re.compile(r'^\[(?:"(?P<key>(?:[^"\\]|\\.)*)"|(?P<num>\d+))\]')


def split_module_address(module_address: str | None) -> list[str]:
    """Module call names of `module.a["x"].module.b` -> ["a", "b"] (instance keys dropped)."""
    if not module_address:
        return []
    names, rest = [], module_address
    while rest.startswith("module."):
        rest = rest[len("module.") :]
        name = re.match(r"[A-Za-z0-9_-]+", rest).group(0)
        names.append(name)
        rest = rest[len(name) :]
        index = _INDEX.match(rest)
        if index:
            rest = rest[index.end() :]
        rest = rest.lstrip(".")
    return names


def walk(value, unknown, path):
    """Follow `path` (keys and list indexes) through a value and its after_unknown twin."""
    for step in path:
        if unknown is True:
            return UNKNOWN
        try:
            value = value[step] if value is not None else None
        except (KeyError, IndexError, TypeError):
            value = None
        try:
            unknown = unknown[step] if isinstance(unknown, dict | list) else False
        except (KeyError, IndexError, TypeError):
            unknown = False
    return UNKNOWN if unknown is True else value


@dataclass
class Resource:
    """One resource instance of the plan, as it will be after apply."""

    address: str
    module: str
    type: str
    name: str
    index: str | int | None
    actions: list[str]
    after: dict | None
    unknown: dict
    before: dict | None
    config: dict = field(default_factory=dict)
    replace_paths: list = field(default_factory=list)

    @property
    def gone(self) -> bool:
        """True when the plan deletes this resource and creates nothing in its place."""
        return self.after is None

    def value(self, *path):
        """The planned value at `path` (keys / list indexes), UNKNOWN, or None when unset."""
        if self.after is None:
            return None
        return walk(self.after, self.unknown, path)

    def known(self, *path) -> bool:
        return self.value(*path) is not UNKNOWN

    def refs(self, attribute: str) -> list[str]:
        """References of the attribute's expression in the configuration ([] for constants)."""
        expression = self.config.get("expressions", {}).get(attribute)
        if isinstance(expression, list):
            expression = expression[0] if expression else {}
        return list((expression or {}).get("references", []))

    def constant(self, attribute: str):
        expression = self.config.get("expressions", {}).get(attribute) or {}
        return expression.get("constant_value") if isinstance(expression, dict) else None

    def has_expression(self, attribute: str) -> bool:
        return attribute in self.config.get("expressions", {})


@dataclass(frozen=True)
class Link:
    """Where an attribute points: a resource type and the candidate instances.

    `exact` is True when exactly one instance is meant (known ID, or an index
    resolved from each.key / each.value / count.index / a literal key).
    """

    type: str
    attribute: str | None
    targets: tuple[Resource, ...]
    exact: bool
    via: str  # "value" or "reference"


class Plan:
    """A plan JSON with lookups by address, type, ID and configuration."""

    def __init__(self, data: dict):
        if not isinstance(data, dict) or "resource_changes" not in data:
            raise ValueError("not a `terraform show -json` plan: it has no resource_changes")
        self.data = data
        self.resources: list[Resource] = []
        for change in data.get("resource_changes", []):
            if change.get("mode") != "managed":
                continue
            body = change["change"]
            module = change.get("module_address", "")
            self.resources.append(
                Resource(
                    address=change["address"],
                    module=module,
                    type=change["type"],
                    name=change["name"],
                    index=change.get("index"),
                    actions=list(body.get("actions", [])),
                    after=body.get("after"),
                    unknown=body.get("after_unknown") or {},
                    before=body.get("before"),
                    config=self._config_of(module, f"{change['type']}.{change['name']}"),
                    replace_paths=body.get("replace_paths") or [],
                )
            )
        self.by_address = {r.address: r for r in self.resources}

    # ---- configuration -------------------------------------------------

    def module_config(self, module_address: str) -> dict:
        """The `configuration` block of a module (root when empty); {} if absent."""
        node = self.data.get("configuration", {}).get("root_module", {})
        for name in split_module_address(module_address):
            node = node.get("module_calls", {}).get(name, {}).get("module", {})
        return node

    def module_call(self, module_address: str) -> dict:
        """The call of a module (its input expressions); {} for the root or when absent."""
        names = split_module_address(module_address)
        if not names:
            return {}
        node = self.data.get("configuration", {}).get("root_module", {})
        for name in names[:-1]:
            node = node.get("module_calls", {}).get(name, {}).get("module", {})
        return node.get("module_calls", {}).get(names[-1], {})

    def module_calls(self) -> list[tuple[str, dict]]:
        """Every module call, as (module address without keys, call), depth first."""
        found = []

        def visit(node, prefix):
            for name, call in node.get("module_calls", {}).items():
                address = f"{prefix}module.{name}"
                found.append((address, call))
                visit(call.get("module", {}), address + ".")

        visit(self.data.get("configuration", {}).get("root_module", {}), "")
        return found

    def _config_of(self, module_address: str, local_address: str) -> dict:
        for resource in self.module_config(module_address).get("resources", []):
            if resource.get("address") == local_address:
                return resource
        return {}

    def module_input(self, module_address: str, name: str):
        """A module input's value when the plan shows it: a constant, or a root variable path.

        Returns UNKNOWN when the input is an expression the plan does not
        evaluate for us, None when the module has no such input.
        """
        expression = self.module_call(module_address).get("expressions", {}).get(name)
        if expression is None:
            return None
        if "constant_value" in expression:
            return expression["constant_value"]
        for ref in expression.get("references", []):
            if ref.startswith("var.") and len(split_module_address(module_address)) == 1:
                path = ref.split(".")[1:]
                value = self.variable(path[0])
                for step in path[1:]:
                    value = value.get(step) if isinstance(value, dict) else None
                if value is not None:
                    return value
        return UNKNOWN

    # ---- values ----------------------------------------------------------

    def variable(self, name: str):
        return self.data.get("variables", {}).get(name, {}).get("value")

    def outputs(self) -> dict[str, tuple[object, object]]:
        """Root outputs as (after, after_unknown)."""
        return {
            name: (change.get("after"), change.get("after_unknown"))
            for name, change in self.data.get("output_changes", {}).items()
        }

    def of_type(self, *types: str, present: bool = True) -> list[Resource]:
        """Resources of the given types; only those that exist after apply unless present=False."""
        return [r for r in self.resources if r.type in types and (not present or not r.gone)]

    @cached_property
    def first_plan(self) -> bool:
        """True when the prior state holds no managed resource (everything is created)."""

        def managed(module):
            if any(r.get("mode") == "managed" for r in module.get("resources", [])):
                return True
            return any(managed(child) for child in module.get("child_modules", []))

        state = (self.data.get("prior_state") or {}).get("values", {}).get("root_module", {})
        return not managed(state)

    @cached_property
    def _by_identity(self) -> dict[str, Resource]:
        found = {}
        for resource in self.resources:
            for attribute in ("id", "arn"):
                value = resource.value(attribute)
                if isinstance(value, str) and value:
                    found.setdefault(value, resource)
        return found

    def by_id(self, value: str) -> Resource | None:
        return self._by_identity.get(value)

    # ---- links -----------------------------------------------------------

    def link(self, resource: Resource, attribute: str, *path) -> Link | None:
        """What `resource.attribute` points at, or None when neither value nor references tell."""
        value = resource.value(attribute, *path)
        if isinstance(value, str) and value:
            target = self.by_id(value)
            if target is not None:
                return Link(target.type, None, (target,), True, "value")
        refs = resource.refs(attribute)
        if not refs:
            return None
        return self._link_by_reference(resource, refs)

    def _link_by_reference(self, resource: Resource, refs: list[str]) -> Link | None:
        parsed = [_parse_ref(ref) for ref in refs]
        candidates = [p for p in parsed if p is not None]
        if not candidates and any(ref.startswith("each.value") for ref in refs):
            # for_each over another resource: each.value is that resource's instance.
            for_each = resource.config.get("for_each_expression", {}).get("references", [])
            over = [p for p in (_parse_ref(ref) for ref in for_each) if p is not None]
            attribute = next(
                (ref.split(".")[2] for ref in refs if ref.startswith("each.value.")), None
            )
            if over:
                type_, name, _index, _attr = over[0]
                return self._resolve(resource, type_, name, resource.index, attribute, True)
            return None
        if not candidates:
            return None
        # The most specific reference of the first resource named carries the attribute.
        type_, name = candidates[0][0], candidates[0][1]
        same = [c for c in candidates if c[0] == type_ and c[1] == name]
        index = next((c[2] for c in same if c[2] is not None), None)
        attribute = next((c[3] for c in same if c[3]), None)
        resolved = index is not None
        if index is None and ("each.key" in refs or "count.index" in refs):
            index, resolved = resource.index, True
        return self._resolve(resource, type_, name, index, attribute, resolved)

    def _resolve(self, resource, type_, name, index, attribute, resolved) -> Link:
        targets = tuple(
            r
            for r in self.resources
            if r.module == resource.module
            and r.type == type_
            and r.name == name
            and (not resolved or r.index == index)
        )
        exact = len(targets) == 1 and (resolved or targets[0].index is None)
        return Link(type_, attribute, targets, exact, "reference")


def _parse_ref(ref: str):
    """`aws_x.name["k"].attr` -> (type, name, index, attr); None for var./local./each. ..."""
    if ref.startswith(_PSEUDO_ROOTS):
        return None
    match = _REF.match(ref)
    if not match:
        return None
    rest, index = match.group("rest"), None
    found = _INDEX.match(rest)
    if found:
        index = found.group("key") if found.group("key") is not None else int(found.group("num"))
        rest = rest[found.end() :]
    attribute = rest.lstrip(".").split(".")[0] or None
    return match.group("type"), match.group("name"), index, attribute
