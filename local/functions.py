"""The stage's functions as Terraform deploys them: name, handler, environment.

Handlers come from `functions/functions.json` (the build's source of
truth); names are `<project>-<stage>-<function>`; the environment is the
one `terraform/main.tf` gives each function, pointed at the local stack:
`AWS_ENDPOINT_URL` at moto (for SNS and SES), the Parameters and Secrets
extension's port at local/extension.py's emulator, `AWS_ENDPOINT_URL_LAMBDA` at the gateway's
local Lambda Invoke API (so the warmer's boto3 client reaches the api
workers), and the database at SQLite or MariaDB.
"""

import json
from pathlib import Path

from local.aws import ACCOUNT_ID, FAKE_CREDENTIALS, Resources
from local.stage import StageValues
from local.workers import FunctionSpec

DATABASE_FUNCTIONS = ("api", "report", "migrate")


def function_arn(region: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"


def build_specs(
    *,
    root: Path,
    project: str,
    stage: StageValues,
    resources: Resources,
    moto_endpoint: str,
    lambda_endpoint: str,
    database_env: dict[str, str],
    extension_env: dict[str, str] | None = None,
) -> dict[str, FunctionSpec]:
    """Return one FunctionSpec per function in functions.json, keyed by function name."""
    declared = json.loads((root / "functions" / "functions.json").read_text())["functions"]
    common = {
        **FAKE_CREDENTIALS,
        "AWS_DEFAULT_REGION": stage.region,
        "AWS_REGION": stage.region,
        "AWS_ENDPOINT_URL": moto_endpoint,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        "SHOP_PROJECT": project,
        "SHOP_STAGE": stage.name,
        "SHOP_CONTRACT_PATH": str(root / "api" / "openapi.yaml"),
    }
    api_name = f"{project}-{stage.name}-api"
    specs = {}
    for short, declared_fn in declared.items():
        name = f"{project}-{stage.name}-{short}"
        limits = stage.functions.get(short, {})
        env = {
            **common,
            "AWS_LAMBDA_FUNCTION_NAME": name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(limits.get("memory_mb", 512)),
        }
        if short in DATABASE_FUNCTIONS:
            env |= {
                # The Parameters and Secrets extension's port and the token it checks.
                **(extension_env or {}),
                "SHOP_ALIASES": stage.name,
                "SHOP_CONFIG_PARAMETER": f"/{project}/{{alias}}/config",
                "SHOP_CONFIG_TTL_SECONDS": str(stage.config_ttl_seconds),
                **database_env,
            }
            # As terraform/main.tf sets them from database.client (else the code's defaults).
            client = stage.db_client
            if "connect_timeout_s" in client:
                env["SHOP_DB_CONNECT_TIMEOUT"] = str(client["connect_timeout_s"])
            if "read_timeout_s" in client:
                env["SHOP_DB_READ_TIMEOUT"] = str(client["read_timeout_s"])
            if short != "migrate":
                env["SHOP_TOPIC_ARN"] = resources.topic_arn
        if short == "warmer":
            warmer = stage.app_config.get("warmer", {})
            env |= {
                "SHOP_TARGET_FUNCTION": f"{function_arn(stage.region, api_name)}:{stage.name}",
                "SHOP_WARMER_CONCURRENCY": str(warmer.get("concurrency", 3)),
                "SHOP_WARMER_HOLD_MS": str(warmer.get("hold_ms", 100)),
                "AWS_ENDPOINT_URL_LAMBDA": lambda_endpoint,
            }
        specs[name] = FunctionSpec(
            name=name,
            handler=declared_fn["handler"],
            arn=function_arn(stage.region, name),
            env=env,
            timeout=float(limits.get("timeout_s", 30)),
            memory_mb=int(limits.get("memory_mb", 512)),
            python_path=(str(root / "functions"), str(root)),
            snap_start=bool(limits.get("snap_start", False)),
        )
    return specs


def database_env(url: str, *, secret_arn: str | None = None) -> dict[str, str]:
    """Return the functions' database variables for `url`.

    SQLite goes through DATABASE_URL. MySQL/MariaDB goes through the DB
    secret in Secrets Manager and SHOP_DB_HOST/PORT/NAME, as in AWS, when a
    secret was created for it; TLS is off locally (no CA bundle).
    """
    if secret_arn is None:
        return {"DATABASE_URL": url}
    parts = split_mysql_url(url)
    return {
        "SHOP_DB_SECRET_ARN": secret_arn,
        "SHOP_DB_HOST": parts["host"],
        "SHOP_DB_PORT": str(parts["port"]),
        "SHOP_DB_NAME": parts["database"],
        "SHOP_DB_CA_BUNDLE": "",
    }


def split_mysql_url(url: str) -> dict:
    """Return host, port, database, username and password of a mysql+pymysql:// URL."""
    from urllib.parse import unquote, urlsplit

    parts = urlsplit(url)
    if not parts.scheme.startswith("mysql") or not parts.hostname or not parts.path.strip("/"):
        raise ValueError(
            "DATABASE_URL must look like mysql+pymysql://user:password@127.0.0.1:3306/shop"
        )
    return {
        "host": parts.hostname,
        "port": parts.port or 3306,
        "database": parts.path.strip("/"),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
    }
