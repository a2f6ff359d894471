"""Dispatches requests to operations by the contract's operationIds.

Built once per container from the contract. API Gateway names the matched
route in the event's `resource`, so dispatch is a dictionary lookup; a path
is matched against the templates only for events without one. Construction
fails when the code and the contract disagree in either direction: an
operation without a handler, or a handler without an operation.
"""

from collections.abc import Callable

from shop import contract
from shop.errors import MethodNotAllowed, NotFound, ValidationFailed
from shop.http import Request, decode_json_body
from shop.validation import parameter_check, validate

# Where each parameter location lives on a Request.
_SOURCES = {"query": "query", "path": "path_params", "header": "headers"}


class Router:
    def __init__(self, document: dict, handlers: dict[str, Callable]):
        self.document = document
        ops = contract.operations(document)
        declared = {op.operation_id for op in ops}
        missing, extra = declared - set(handlers), set(handlers) - declared
        if missing or extra:
            raise contract.ContractError(
                "code and contract disagree: "
                f"operations without a handler: {sorted(missing) or 'none'}; "
                f"handlers without an operation: {sorted(extra) or 'none'}"
            )
        self.handlers = handlers
        self.operations: dict[str, dict[str, contract.Operation]] = {}
        # Per operation, what `bind` reads for each parameter: the Request
        # attribute, the key in it (header names lower-cased) and the check
        # of its schema, built once here rather than walked on every request.
        self._bindings: dict[str, tuple] = {}
        for op in ops:
            self.operations.setdefault(op.resource, {})[op.method] = op
            self._bindings[op.operation_id] = _bindings(document, op)

    def match(self, request: Request) -> contract.Operation:
        """Return the operation for `request` and fill its path parameters.

        Raises NotFound for an unknown path and MethodNotAllowed (with an
        Allow header) for a known path with another method.
        """
        resource = request.resource if request.resource in self.operations else None
        if resource is None:
            for template, methods in self.operations.items():
                found = next(iter(methods.values())).pattern.match(request.path)
                if found:
                    resource = template
                    request.path_params = {**found.groupdict(), **request.path_params}
                    break
        if resource is None:
            raise NotFound(f"no route for {request.method} {request.path}")
        methods = self.operations[resource]
        op = methods.get(request.method)
        if op is None:
            allow = ", ".join(sorted([*methods, "OPTIONS"]))
            raise MethodNotAllowed(
                f"{request.method} is not allowed on {resource}; allowed: {allow}",
                headers={"Allow": allow},
            )
        if not request.path_params and "{" in resource:
            found = op.pattern.match(request.path)
            if found is None:  # an event whose resource does not describe its path
                raise NotFound(f"no route for {request.method} {request.path}")
            request.path_params = found.groupdict()
        return op

    def bind(self, op: contract.Operation, request: Request, *, max_body_bytes: int) -> None:
        """Validate the request against `op` and store typed values in request.params/body."""
        bindings = self._bindings.get(op.operation_id)
        if bindings is None:  # an Operation this router was not built from
            bindings = _bindings(self.document, op)
        params = request.params
        for param, source, key, check in bindings:
            raw = getattr(request, source).get(key)
            if raw is None:
                if param.required:
                    raise ValidationFailed(f"{param.name} is required", field=param.name)
                continue
            params[param.name] = check(raw)
        if op.body_schema is not None:
            request.body = decode_json_body(request, max_bytes=max_body_bytes)
            if not isinstance(request.body, dict):
                raise ValidationFailed("the body must be a JSON object", field="body")
            validate(self.document, op.body_schema, request.body, "")


def _bindings(document: dict, op: contract.Operation) -> tuple:
    return tuple(
        (
            param,
            _SOURCES.get(param.location, param.location),
            param.name.lower() if param.location == "header" else param.name,
            parameter_check(document, param.schema, param.name),
        )
        for param in op.parameters
    )
