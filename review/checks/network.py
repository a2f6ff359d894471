"""Functions in a VPC: private subnets, a NAT where they need internet, room for ENIs.

Placement and routing come from review.topology (which says when the
subnets are the `Tier = app` ones because IDs are unknown). Whether the
functions need internet is read from the network module's input
`app_subnets_need_internet`, the one place the root declares it.

Subnet room follows the Hyperplane ENI rule of docs/terraform.md: one ENI
per (subnet, security-group set) carrying up to 65,000 connections, at 4
connections per environment, doubled for the replacement window, plus one
ENI per interface endpoint. Unknown security groups or endpoint subnets are
counted at their upper bound (each function its own set, every endpoint
in every subnet).
"""

from __future__ import annotations

import math

from review import topology
from review.context import Context
from review.model import Outcome, check
from review.plan import UNKNOWN

CONNECTIONS_PER_ENVIRONMENT = 4
CONNECTIONS_PER_ENI = 65000
UNRESERVED_CONCURRENCY = 1000  # the default account limit bounds an unreserved function


def _placements(ctx: Context, out: Outcome) -> dict[str, tuple]:
    """subnet address -> (subnet, [functions], how); records unknown placements."""
    found: dict[str, tuple] = {}
    functions = topology.vpc_functions(ctx.plan)
    if not functions:
        out.not_applicable("no function is in a VPC")
    for function in functions:
        placed = topology.placement(ctx.plan, function)
        if placed.problem:
            out.cannot_verify(function.address, placed.problem)
        for subnet in placed.subnets:
            entry = found.setdefault(subnet.address, (subnet, [], placed.how))
            entry[1].append(function)
    return found


def _names(ctx: Context, functions) -> str:
    return ", ".join(ctx.function_label(f) for f in functions)


@check("vpc-private-subnets")
def vpc_private_subnets(ctx: Context, out: Outcome) -> None:
    """VPC functions run in private subnets only

    Lambda ENIs never get a public IP: a function in a public subnet has no internet.
    """
    for subnet, functions, how in _placements(ctx, out).values():
        public_ip = subnet.value("map_public_ip_on_launch")
        table, why = topology.route_table(ctx.plan, subnet)
        routes, inline_unknown = topology.default_routes(ctx.plan, table) if table else ([], False)
        to_igw = [r for r in routes if r.kind == "igw"]
        if public_ip is True:
            out.fail(
                subnet.address,
                f"{_names(ctx, functions)} run in a subnet that maps public IPs "
                "(map_public_ip_on_launch = true): a public subnet",
            )
        elif to_igw:
            out.fail(
                subnet.address,
                f"{_names(ctx, functions)} run in a public subnet: {to_igw[0].address} sends "
                "0.0.0.0/0 to an internet gateway; Lambda ENIs get no public IP there",
            )
        elif table is None or public_ip is UNKNOWN or inline_unknown:
            out.cannot_verify(subnet.address, why or "its routes or public-IP mapping are unknown")
        else:
            out.saw(
                f"{subnet.address} ({_names(ctx, functions)}): no public IPs, no internet "
                f"gateway route; {how}"
            )


def _needs_internet(ctx: Context):
    for address, _call in ctx.plan.module_calls():
        value = ctx.plan.module_input(address, "app_subnets_need_internet")
        if value is not None:
            return address, value
    return None, None


@check("vpc-nat-egress")
def vpc_nat_egress(ctx: Context, out: Outcome) -> None:
    """VPC functions that need internet route through a NAT

    Private subnets reach SES and other public endpoints only through a NAT gateway.
    """
    placements = _placements(ctx, Outcome("ignored"))
    if not placements:
        out.not_applicable("no function is in a VPC")
        return
    module, needs = _needs_internet(ctx)
    if module is None or needs is UNKNOWN:
        out.cannot_verify(
            module or "(plan)",
            "the plan does not say whether the VPC functions need internet "
            "(the network module's app_subnets_need_internet)",
        )
        return
    if needs is not True:
        out.not_applicable(f"{module} declares app_subnets_need_internet = {needs}")
        return
    for subnet, functions, how in placements.values():
        table, why = topology.route_table(ctx.plan, subnet)
        if table is None:
            out.cannot_verify(subnet.address, why)
            continue
        routes, _ = topology.default_routes(ctx.plan, table)
        nat = [r for r in routes if r.kind == "nat"]
        if nat:
            out.saw(f"{subnet.address} -> {nat[0].address} (a NAT gateway); {how}")
        else:
            out.fail(
                subnet.address,
                f"{_names(ctx, functions)} need internet ({module}.app_subnets_need_internet) "
                f"but {table.address} has no default route through a NAT gateway: calls to "
                "SES and other public endpoints time out",
            )


def _concurrency(function) -> tuple[int | None, str]:
    reserved = function.value("reserved_concurrent_executions")
    if reserved is UNKNOWN:
        return None, "unknown"
    if reserved is None or reserved < 0:
        return UNRESERVED_CONCURRENCY, "unreserved, counted at the account default 1000"
    return reserved, str(reserved)


@check("vpc-subnet-capacity")
def vpc_subnet_capacity(ctx: Context, out: Outcome) -> None:
    """App subnets have addresses for the functions' ENIs

    A subnet out of free IPs stops new Lambda environments from starting.
    """
    endpoints = [
        e
        for e in ctx.plan.of_type("aws_vpc_endpoint")
        if e.value("vpc_endpoint_type") == "Interface"
    ]
    for subnet, functions, how in _placements(ctx, out).values():
        cidr = subnet.value("cidr_block")
        if not isinstance(cidr, str):
            out.cannot_verify(subnet.address, "its CIDR block is known after apply")
            continue
        usable = 2 ** (32 - int(cidr.split("/")[1])) - 5
        total, parts, sets = 0, [], set()
        for function in functions:
            count, shown = _concurrency(function)
            if count is None:
                out.cannot_verify(function.address, "its reserved concurrency is unknown")
                break
            total += count
            parts.append(f"{ctx.function_label(function)}={shown}")
            groups = function.value("vpc_config", 0, "security_group_ids")
            sets.add(tuple(sorted(groups)) if isinstance(groups, list) else function.address)
        else:
            subnet_id = subnet.value("id")
            in_subnet = [
                e
                for e in endpoints
                if not isinstance(e.value("subnet_ids"), list)
                or subnet_id in (e.value("subnet_ids") or [])
            ]
            per_set = max(1, math.ceil(total * CONNECTIONS_PER_ENVIRONMENT / CONNECTIONS_PER_ENI))
            needed = 2 * len(sets) * per_set + len(in_subnet)
            detail = (
                f"{cidr}: {usable} usable addresses, needs {needed} = 2 x {len(sets)} "
                f"security-group set(s) x {per_set} Hyperplane ENI(s) for concurrency "
                f"{total} ({', '.join(parts)}) + {len(in_subnet)} interface endpoint(s)"
            )
            if needed > usable:
                out.fail(subnet.address, f"{detail}: new environments would fail to start")
            else:
                out.saw(f"{subnet.address} {detail}; {how}")
