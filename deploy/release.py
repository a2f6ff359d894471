"""What a deploy does around `terraform apply`, and the day-two commands.

Preflight checks run before anything changes. After the apply (and the
release itself, deploy/ship.py): the migrate invocation, upload web/ and
invalidate CloudFront, then smoke-test `GET /v1/health`; logs tails a
function's log group.
"""

import json
import mimetypes
import re
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from deploy.steps import DeployError
from deploy.terraform import backend_config

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("dev", "qa", "prod")
GENERATED_SITE_FILES = ("config.json",)  # written by Terraform, never by the upload


def tfvars(stage: str, *, envs: Path = ROOT / "envs") -> str:
    """Return envs/<stage>.tfvars; raise DeployError for an unknown stage."""
    path = envs / f"{stage}.tfvars"
    if stage not in STAGES or not path.exists():
        raise DeployError(
            f"unknown ENV {stage!r}",
            hint=f"use one of: {', '.join(STAGES)} (e.g. make deploy ENV=qa)",
        )
    text = path.read_text()
    declared = re.search(r'^\s*stage\s*=\s*"([^"]*)"', text, re.MULTILINE)
    if not declared or declared.group(1) != stage:
        found = declared.group(1) if declared else "nothing"
        raise DeployError(
            f"envs/{stage}.tfvars declares stage = {found!r}",
            hint=f'set stage = "{stage}" in envs/{stage}.tfvars',
        )
    return text


def check_credentials(session) -> dict:
    """Return the caller identity; raise DeployError when there are no usable credentials."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return session.client("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(
            f"no usable AWS credentials ({type(exc).__name__}: {exc}); nothing was changed",
            hint="export AWS_PROFILE=<profile> (or run aws sso login) and run the command again",
        ) from exc


def check_backend() -> None:
    if not backend_config().exists():
        raise DeployError(
            f"{backend_config()} is missing: the state bucket is not configured",
            hint="run `make bootstrap` (it writes it), or copy terraform/backend.hcl.example "
            "to terraform/backend.hcl and fill it in (docs/terraform.md, 'Bootstrap an account')",
        )


# Terraform's default for database.client.proxy_ca_bundle (terraform/variables.tf).
DEFAULT_PROXY_CA_BUNDLE = "/var/task/shop/certs/amazon-root-cas.pem"


def check_ca_bundle(tfvars_text: str, *, root: Path = ROOT) -> None:
    """The database CA bundle the functions are told to use must be in the package.

    Directly that is `database.client.ca_bundle` (the RDS CA); with
    `enable_proxy = true` it is `proxy_ca_bundle` (Amazon's root CAs, which
    RDS Proxy's certificate chains to).
    """
    if re.search(r"\benable_proxy\s*=\s*true\b", tfvars_text):
        found = re.search(r'\bproxy_ca_bundle\s*=\s*"(/var/task/[^"]+)"', tfvars_text)
        path = found.group(1) if found else DEFAULT_PROXY_CA_BUNDLE
    else:
        found = re.search(r'(?<![\w])ca_bundle\s*=\s*"(/var/task/[^"]+)"', tfvars_text)
        path = found.group(1) if found else None
    if path:
        packaged = root / "functions" / path.removeprefix("/var/task/")
        if not packaged.exists():
            raise DeployError(
                f"the database CA bundle {path} is not in the package "
                f"({packaged.relative_to(root)} is missing)",
                hint="write the RDS and Amazon root CA bundles: make rds-ca",
            )


def check_clean_tree(stage: str, allow_dirty: bool) -> None:
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    if status.strip() and stage == "prod" and not allow_dirty:
        raise DeployError(
            "the checkout has uncommitted changes; prod deploys what is committed",
            hint="commit or stash them, or pass ALLOW_DIRTY=1 to deploy anyway",
        )


def git_commit() -> str:
    """Return HEAD's commit, with `-dirty` when the checkout has uncommitted changes."""
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return (head or "unknown") + ("-dirty" if dirty else "")


def who(identity: dict) -> str:
    """Return who deploys: the caller's ARN, and the CI actor when CI runs it."""
    import os

    actor = os.environ.get("GITHUB_ACTOR")
    return identity["Arn"] + (f" (github: {actor})" if actor else "")


def migrate_client(session, function_timeout_s: int):
    """Return a Lambda client for the migrate invocation: it waits longer than the
    function may run and never retries.

    boto3's default (60 s read timeout, retried) would give up on a slow
    migration, then run it a second time while the first is still going.
    """
    from botocore.config import Config

    config = Config(
        read_timeout=function_timeout_s + 60,
        connect_timeout=10,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )
    return session.client("lambda", config=config)


def run_migrations(lambda_client, alias_arn: str) -> dict:
    """Invoke the migrate alias and return its answer; raise DeployError if it failed.

    The error names what the function itself raised (its errorType and
    errorMessage), not a client-side timeout or retry. An invocation that
    fails on the way (throttled: migrate runs one at a time; the connection
    lost) is a DeployError too, never a traceback.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = lambda_client.invoke(
            FunctionName=alias_arn, Payload=json.dumps({"action": "upgrade"}).encode()
        )
    except (BotoCoreError, ClientError) as exc:
        raise DeployError(
            f"the migrate invocation failed ({type(exc).__name__}: {exc}); nothing says "
            "whether the migrations ran",
            hint="read the migrate function's logs (make logs ENV=<stage> FN=migrate); once "
            "it is idle, deploy again (migrate upgrades from the revision the database records)",
        ) from exc
    body = response["Payload"].read().decode()
    if response.get("FunctionError"):
        try:
            error = json.loads(body)
            detail = f"{error.get('errorType', 'Error')}: {error.get('errorMessage', body)}"
        except ValueError:
            detail = body
        raise DeployError(
            f"migrations failed: {detail[:500]}",
            hint="the schema is not upgraded and traffic did not move; read the migrate "
            "function's logs (make logs ENV=<stage> FN=migrate), fix the migration and "
            "deploy again",
        )
    return json.loads(body)


def upload_site(s3, bucket: str, web: Path, contract: dict) -> int:
    """Put every file of web/ (and the contract as openapi.json); delete what is gone."""
    keep = set(GENERATED_SITE_FILES)
    count = 0
    for path in sorted(p for p in web.rglob("*") if p.is_file()):
        key = path.relative_to(web).as_posix()
        if key in GENERATED_SITE_FILES:
            continue
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), **_headers(key))
        keep.add(key)
        count += 1
    s3.put_object(
        Bucket=bucket,
        Key="openapi.json",
        Body=json.dumps(contract).encode(),
        **_headers("openapi.json"),
    )
    keep.add("openapi.json")
    stale = [
        {"Key": item["Key"]}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
        if item["Key"] not in keep
    ]
    if stale:
        s3.delete_objects(Bucket=bucket, Delete={"Objects": stale})
    return count + 1


def _headers(key: str) -> dict:
    content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in (
        "application/javascript",
        "application/json",
    ):
        content_type += "; charset=utf-8"
    # Pages, scripts, styles and JSON change together with every deploy and
    # their names carry no content hash, so browsers revalidate them (cheap
    # with ETags); only images and fonts may be reused for an hour.
    revalidate = key.endswith((".html", ".json", ".js", ".css"))
    cache = "no-cache" if revalidate else "public, max-age=3600"
    return {"ContentType": content_type, "CacheControl": cache}


def invalidate(cloudfront, distribution_id: str) -> str:
    result = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={
            "Paths": {"Quantity": 1, "Items": ["/*"]},
            "CallerReference": f"deploy-{time.time_ns()}",
        },
    )
    return result["Invalidation"]["Id"]


def smoke_test(api_base_url: str, *, timeout: float = 60, opener=urllib.request.urlopen) -> dict:
    """GET /v1/health until it answers 200 (new aliases take a moment); return its body."""
    url = api_base_url.rstrip("/") + "/v1/health"
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            with opener(url, timeout=10) as response:
                body = json.loads(response.read())
                if response.status == 200 and body.get("status") == "ok":
                    return body
                last = f"{response.status} {body}"
        except urllib.error.HTTPError as exc:
            last = f"{exc.code} {exc.read()[:200]!r}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(2)
    raise DeployError(
        f"smoke test failed: GET {url} -> {last}",
        hint="the stack is applied; check make logs FN=api, or roll back with make rollback",
    )


def tail_logs(logs, group: str, *, since_ms: int, follow: bool, out, sleep=time.sleep) -> None:
    """Print the log group's events from `since_ms`; keep polling when `follow`."""
    seen: set[str] = set()
    start = since_ms
    while True:
        kwargs = {"logGroupName": group, "startTime": start}
        for page in logs.get_paginator("filter_log_events").paginate(**kwargs):
            for event in page.get("events", []):
                if event["eventId"] in seen:
                    continue
                seen.add(event["eventId"])
                start = max(start, event["timestamp"])
                stamp = time.strftime("%H:%M:%S", time.gmtime(event["timestamp"] / 1000))
                print(f"{stamp} {event['message'].rstrip()}", file=out, flush=True)
        if not follow:
            return
        sleep(2)
