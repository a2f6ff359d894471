"""The database: private, encrypted, password out of state, protected in prod, within budget.

The connection budget counts the functions that use the database: those
whose environment names a database host or URL (`*DB_HOST`,
`DATABASE_URL`). On a first plan a function's environment is unknown as a
whole; review.context then reads the variable names from a root output that
shows them (the root's `functions` output). Each such environment holds at
most one connection (NullPool), so their reserved concurrency plus the
stage's `database.connection_headroom` must fit the parameter group's
`max_connections`. With RDS Proxy in front, the proxy's pool must leave the
headroom free instead.
"""

from __future__ import annotations

import re

from review.context import Context
from review.model import Outcome, check
from review.plan import UNKNOWN

DATABASES = ("aws_db_instance", "aws_rds_cluster")
DB_CLIENT = re.compile(r"(^|_)DB_HOST$|^DATABASE_URL$")
SECRET_NAME = re.compile(r"password|passwd", re.IGNORECASE)


def _databases(ctx: Context, out: Outcome, *types: str):
    found = ctx.plan.of_type(*(types or DATABASES))
    if not found:
        out.cannot_verify("(plan)", "no database in the plan (is it being destroyed?)")
    return found


# What it adds to checkov's CKV_AWS_17: `make plan`/`make deploy` gate on it, never on scanners.
@check("db-not-public")
def db_not_public(ctx: Context, out: Outcome) -> None:
    """The database is not publicly accessible

    RDS belongs in private subnets, reachable only from the functions.
    """
    for db in _databases(ctx, out, "aws_db_instance", "aws_rds_cluster_instance"):
        public = db.value("publicly_accessible")
        if public is UNKNOWN:
            out.cannot_verify(db.address, "publicly_accessible is known after apply")
        elif public:
            out.fail(db.address, "publicly_accessible = true: the database gets a public address")
        else:
            out.saw(f"{db.address}: publicly_accessible = false")


# What it adds to checkov's CKV_AWS_16: `make plan`/`make deploy` gate on it, never on scanners.
@check("db-encrypted")
def db_encrypted(ctx: Context, out: Outcome) -> None:
    """Database storage is encrypted

    Unencrypted storage leaks orders and customers through snapshots and disks.
    """
    for db in _databases(ctx, out):
        encrypted = db.value("storage_encrypted")
        if encrypted is UNKNOWN:
            out.cannot_verify(db.address, "storage_encrypted is known after apply")
        elif encrypted is not True:
            out.fail(db.address, "storage_encrypted is not true: data at rest is in the clear")
        else:
            out.saw(f"{db.address}: storage_encrypted = true")


def _secret_variables(value, path: str):
    """(path, value) of non-empty strings under password-like names."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if SECRET_NAME.search(key) and isinstance(inner, str) and inner:
                yield f"{path}.{key}", inner
            else:
                yield from _secret_variables(inner, f"{path}.{key}")


@check("db-password-managed")
def db_password_managed(ctx: Context, out: Outcome) -> None:
    """The database password is never in plain text

    A password in tfvars, the plan or the state is a password in every copy of them.
    """
    for db in _databases(ctx, out):
        attribute = "master_password" if db.type == "aws_rds_cluster" else "password"
        password = db.value(attribute)
        managed = db.value("manage_master_user_password")
        if password is UNKNOWN or (isinstance(password, str) and password):
            out.fail(
                db.address,
                f"{attribute} is set: it is stored in plain text in the plan and the state; use "
                "manage_master_user_password = true (Secrets Manager)",
            )
        elif managed is True:
            out.saw(f"{db.address}: password managed by RDS in Secrets Manager")
        elif db.value(f"{attribute}_wo") is UNKNOWN or db.value(f"{attribute}_wo_version"):
            out.saw(f"{db.address}: write-only password (kept out of the state)")
        else:
            out.cannot_verify(db.address, "no managed, write-only or plain password is visible")
    for name, value in (ctx.plan.data.get("variables") or {}).items():
        for path, _secret in _secret_variables({name: value.get("value")}, "var"):
            out.fail(path, f"{path} holds a secret in plain text in the tfvars and the plan")


@check("db-deletion-protection")
def db_deletion_protection(ctx: Context, out: Outcome) -> None:
    """prod's database is protected from deletion

    One wrong destroy or replace must not take prod's data with it.
    """
    if not ctx.prod:
        out.not_applicable(f"prod only; {ctx.stage}'s database may be thrown away")
        return
    for db in _databases(ctx, out):
        protected = db.value("deletion_protection")
        final = db.value("skip_final_snapshot")
        if protected is UNKNOWN or final is UNKNOWN:
            out.cannot_verify(db.address, "deletion_protection or the final snapshot is unknown")
        elif protected is not True:
            out.fail(db.address, "deletion_protection is not true in prod")
        elif final is True:
            out.fail(db.address, "skip_final_snapshot = true in prod: a destroy keeps no snapshot")
        else:
            out.saw(f"{db.address}: deletion protection on, final snapshot kept")


def _max_connections(ctx: Context, db, out: Outcome) -> int | None:
    name = db.value("parameter_group_name")
    for group in ctx.plan.of_type("aws_db_parameter_group"):
        if group.value("name") == name:
            for parameter in group.value("parameter") or []:
                if parameter.get("name") == "max_connections":
                    return int(parameter["value"])
            out.cannot_verify(group.address, "max_connections is not set (it follows memory)")
            return None
    # The module names its group from a prefix, so a first plan knows no name.
    shown = "(named at apply)" if name is UNKNOWN else name
    out.cannot_verify(db.address, f"its parameter group {shown} is not in the plan")
    return None


def _clients(ctx: Context, out: Outcome) -> list[tuple[str, int | None, object]]:
    clients = []
    for function in ctx.functions:
        env = ctx.environment(function)
        if env is None:
            out.cannot_verify(function.address, "its environment is unknown: uses the database?")
        elif any(DB_CLIENT.search(key) for key in env):
            reserved = function.value("reserved_concurrent_executions")
            clients.append((ctx.function_label(function), reserved, function))
    return clients


@check("db-connection-budget")
def db_connection_budget(ctx: Context, out: Outcome) -> None:
    """DB functions' reserved concurrency plus headroom fits max_connections

    Each Lambda environment holds a connection: unbounded concurrency exhausts the database.
    """
    headroom = (ctx.plan.variable("database") or {}).get("connection_headroom")
    for db in _databases(ctx, out, "aws_db_instance"):
        maximum = _max_connections(ctx, db, out)
        clients = _clients(ctx, out)
        if maximum is None:
            continue
        if not isinstance(headroom, int):
            out.cannot_verify("var.database", "database.connection_headroom is not in the plan")
            continue
        unbounded = [c for c in clients if not isinstance(c[1], int) or c[1] < 0]
        for name, reserved, function in unbounded:
            out.fail(
                function.address,
                f"{name} uses the database with no reserved concurrency ({reserved}): its "
                "connections are unbounded",
            )
        if unbounded:
            continue
        proxies = ctx.plan.of_type("aws_db_proxy_default_target_group")
        if proxies:
            for proxy in proxies:
                percent = proxy.value("connection_pool_config", 0, "max_connections_percent")
                allowed = 100 * (maximum - headroom) / maximum
                if isinstance(percent, int) and percent <= allowed:
                    out.saw(f"{proxy.address}: pool {percent}% keeps headroom {headroom}")
                else:
                    out.fail(proxy.address, f"proxy pool {percent}% leaves no headroom")
            continue
        needed = sum(c[1] for c in clients) + headroom
        listing = " + ".join(f"{n}={r}" for n, r, _ in clients) or "no database functions"
        detail = f"{listing} + headroom {headroom} = {needed} <= max_connections {maximum}"
        if needed > maximum:
            out.fail(
                db.address,
                f"connection budget exceeded: {detail.replace('<=', '>')}; lower reserved "
                "concurrency or raise max_connections",
            )
        else:
            out.saw(f"{db.address}: {detail}")


@check("db-final-snapshot-name")
def db_final_snapshot_name(ctx: Context, out: Outcome) -> None:
    """Each database instance leaves its final snapshot under a name of its own

    Snapshot names are unique per account and region: a fixed name lets only the first destroy
    of a stage succeed (DBSnapshotAlreadyExists on every later one).
    """
    for db in _databases(ctx, out, "aws_db_instance"):
        name = db.value("final_snapshot_identifier")
        created = "create" in db.actions
        if created and name is UNKNOWN:
            out.saw(f"{db.address}: final snapshot named when the instance is created")
        elif created and isinstance(name, str):
            out.fail(
                db.address,
                f"final_snapshot_identifier {name!r} is fixed before the instance exists: once "
                "a destroy has left that snapshot, every later destroy of a recreated instance "
                "fails (DBSnapshotAlreadyExists); name it when the instance is created "
                "(timestamp()) and keep it with lifecycle ignore_changes",
            )
        elif created:
            out.cannot_verify(db.address, f"final_snapshot_identifier is {name!r}")
        else:
            before = (db.before or {}).get("final_snapshot_identifier")
            if name == before:
                out.saw(f"{db.address}: keeps its final snapshot name {before!r}")
            else:
                out.fail(
                    db.address,
                    f"renames the final snapshot of an existing instance ({before!r} -> "
                    f"{name if name is not UNKNOWN else '(known after apply)'}): keep the name "
                    "it was created with (lifecycle ignore_changes)",
                )
