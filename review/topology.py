"""Which subnets the VPC functions run in, and where those subnets route.

Later plans know subnet IDs, so a function's `vpc_config.subnet_ids` lead
to the subnet resources by ID. On a first plan those IDs are unknown and
nothing in the plan links a function to its subnets (they arrive through
module outputs and locals, which the plan JSON does not evaluate); then the
subnets considered are those tagged `Tier = app`, the tag the network
module puts on the subnets it hands to the functions, and the caller is
told so. Without such subnets the placement is unknown.

Route tables are found through `aws_route_table_association`, routes
through `aws_route` (and inline `route` blocks), their targets by known ID
prefix (`nat-`, `igw-`) or, when unknown, by the resource type they
reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from review.plan import UNKNOWN, Plan, Resource

DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")
TARGET_ATTRIBUTES = (
    "nat_gateway_id",
    "gateway_id",
    "egress_only_gateway_id",
    "transit_gateway_id",
    "vpc_peering_connection_id",
    "network_interface_id",
    "vpc_endpoint_id",
)
KINDS = {"aws_nat_gateway": "nat", "aws_internet_gateway": "igw"}
PREFIXES = {"nat-": "nat", "igw-": "igw"}


@dataclass
class Placement:
    subnets: list[Resource]
    how: str
    problem: str | None = None


@dataclass
class Route:
    address: str
    kind: str  # nat, igw, other


def vpc_functions(plan: Plan) -> list[Resource]:
    """Functions with a vpc_config (subnets known or not)."""
    found = []
    for function in plan.of_type("aws_lambda_function"):
        config = function.value("vpc_config")
        if config is UNKNOWN or (isinstance(config, list) and config):
            subnets = function.value("vpc_config", 0, "subnet_ids")
            if subnets is UNKNOWN or subnets:
                found.append(function)
    return found


def placement(plan: Plan, function: Resource) -> Placement:
    subnet_ids = function.value("vpc_config", 0, "subnet_ids")
    if isinstance(subnet_ids, list):
        subnets = [plan.by_id(i) for i in subnet_ids]
        if any(s is None or s.type != "aws_subnet" for s in subnets):
            unmanaged = [i for i, s in zip(subnet_ids, subnets, strict=True) if s is None]
            return Placement([], "", f"subnets {unmanaged} are not managed by this plan")
        return Placement(subnets, "its subnet IDs in the plan")
    app = [
        s
        for s in plan.of_type("aws_subnet")
        if str((s.value("tags") or {}).get("Tier", "")).lower() == "app"
    ]
    if not app:
        return Placement(
            [], "", "its subnet IDs are known after apply and no subnet is tagged Tier = app"
        )
    return Placement(
        app, "subnets tagged Tier = app (the function's subnet IDs are known after apply)"
    )


def route_table(plan: Plan, subnet: Resource) -> tuple[Resource | None, str]:
    """The subnet's route table, or None with the reason."""
    for association in plan.of_type("aws_route_table_association"):
        link = plan.link(association, "subnet_id")
        if link and link.exact and link.targets[0] is subnet:
            table = plan.link(association, "route_table_id")
            if table and table.exact:
                return table.targets[0], ""
            return None, f"{association.address} names a route table that is not visible"
    return None, "no route table association: it uses the VPC's main route table"


def default_routes(plan: Plan, table: Resource) -> tuple[list[Route], bool]:
    """Default routes of a table, and whether inline routes are unknown."""
    routes = []
    for route in plan.of_type("aws_route"):
        link = plan.link(route, "route_table_id")
        if not (link and link.exact and link.targets[0] is table):
            continue
        destination = route.value("destination_cidr_block") or route.value(
            "destination_ipv6_cidr_block"
        )
        if destination in DEFAULT_ROUTES:
            routes.append(Route(route.address, _target_kind(plan, route)))
    inline = table.value("route")
    inline_unknown = inline is UNKNOWN and table.has_expression("route")
    for entry in inline if isinstance(inline, list) else []:
        destinations = (entry.get("cidr_block"), entry.get("ipv6_cidr_block"))
        if any(d in DEFAULT_ROUTES for d in destinations):
            target = entry.get("nat_gateway_id") or entry.get("gateway_id") or ""
            kind = next((k for p, k in PREFIXES.items() if target.startswith(p)), "other")
            routes.append(Route(f"{table.address} (inline route)", kind))
    return routes, inline_unknown


def _target_kind(plan: Plan, route: Resource) -> str:
    for attribute in TARGET_ATTRIBUTES:
        value = route.value(attribute)
        if isinstance(value, str) and value:
            return next((k for p, k in PREFIXES.items() if value.startswith(p)), "other")
        if value is UNKNOWN:
            link = plan.link(route, attribute)
            if link:
                return KINDS.get(link.type, "other")
    return "other"
