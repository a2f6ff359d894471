"""What a rehearsed stage must look like, read back from the local AWS with boto3.

Every expectation comes from the stage's tfvars (as `terraform console`
evaluates them, optional defaults filled in) or from api/openapi.yaml, never
from the state, so
a check fails when Terraform built something other than what the tfvars and
the contract ask for. Only facts moto keeps are checked; what it drops is
listed in docs/infra-verification.md. Used by deploy/rehearsal.py only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from deploy import readback_api
from deploy.steps import DeployError

FUNCTIONS = ("api", "report", "migrate", "warmer")
DATABASE_CLIENTS = ("api", "report", "migrate")
CREDENTIALS = {"aws_access_key_id": "rehearsal", "aws_secret_access_key": "rehearsal-not-a-secret"}


class Aws:
    """boto3 clients for the moto server."""

    def __init__(self, endpoint: str, region: str):
        import boto3

        self._session = boto3.session.Session(region_name=region, **CREDENTIALS)
        self.endpoint, self.region = endpoint, region
        self._clients: dict = {}

    def __getattr__(self, service: str):
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._clients:
            name = "lambda" if service == "awslambda" else service  # `lambda` is a keyword
            self._clients[service] = self._session.client(name, endpoint_url=self.endpoint)
        return self._clients[service]


@dataclass
class Expectations:
    """The stage as its tfvars and the contract describe it."""

    stage: str
    name: str  # <project>-<stage>
    project: str
    variables: dict
    routes: list[tuple[str, str]]  # (METHOD, /path) of every aws_proxy operation
    # Method paths of the operations marked x-shop-cache, as GetStage keys
    # them: each "/" of the resource path written "~1" (~1v1~1products/GET).
    cached: list[str]

    @classmethod
    def from_values(cls, variables: dict, stage: str, contract_path: Path) -> Expectations:
        """`variables`: the root's variables with defaults filled in (RehearsalStack.variables)."""
        import yaml

        contract = yaml.safe_load(contract_path.read_text())
        operations = [
            (method.upper(), path, op)
            for path, item in contract["paths"].items()
            for method, op in item.items()
            if isinstance(op, dict)
        ]
        routes = [
            (method, path)
            for method, path, op in operations
            if op.get("x-amazon-apigateway-integration", {}).get("type") == "aws_proxy"
        ]
        cached = [
            f"{path.replace('/', '~1')}/{m}" for m, path, op in operations if op.get("x-shop-cache")
        ]
        project = variables["project"]
        return cls(stage, f"{project}-{stage}", project, variables, routes, sorted(cached))

    def function(self, fn: str) -> str:
        return f"{self.name}-{fn}"


class Facts:
    """Collects checks; `done()` raises with every mismatch at once."""

    def __init__(self):
        self.passed: list[dict] = []
        self.failed: list[str] = []

    def equal(self, fact: str, actual, expected) -> None:
        if actual == expected:
            self.passed.append({"fact": fact, "value": expected})
        else:
            self.failed.append(f"{fact}: expected {expected!r}, got {actual!r}")

    def done(self) -> list[dict]:
        if self.failed:
            raise DeployError(
                f"{len(self.failed)} fact(s) differ from the tfvars/contract:\n  "
                + "\n  ".join(self.failed),
                hint="fix the Terraform, or record a moto gap in terraform/rehearsal/ and "
                "docs/infra-verification.md",
            )
        return self.passed


def check_stage(aws: Aws, want: Expectations, outputs: dict, resources: list[dict]) -> list[dict]:
    """Read back the applied stage; return the facts that hold, raise if any does not."""
    facts = Facts()
    account = aws.sts.get_caller_identity()["Account"]
    _check_arns(facts, resources, account)
    network = _check_network(facts, aws, want)
    _check_functions(facts, aws, want, outputs, network)
    readback_api.check_api(facts, aws, want, outputs, account)
    check_config_and_logs(facts, aws, want)
    _check_database(facts, aws, want, network)
    _check_site_and_notifications(facts, aws, want, outputs)
    return facts.done()


def _check_arns(facts: Facts, resources: list[dict], account: str) -> None:
    arns = [
        value
        for r in resources
        for key, value in r["values"].items()
        if key == "arn" and isinstance(value, str)
    ]
    # S3 and API Gateway ARNs carry no account in AWS either.
    unscoped = ("arn:aws:s3:::", "arn:aws:apigateway:")
    without = [a for a in arns if not a.startswith(unscoped) and f":{account}:" not in a]
    facts.equal(f"every ARN in the state names account {account} ({len(arns)} ARNs)", without, [])


def _check_network(facts: Facts, aws: Aws, want: Expectations) -> dict:
    net = want.variables["network"]
    (vpc,) = aws.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [want.name]}])["Vpcs"]
    facts.equal("VPC CIDR", vpc["CidrBlock"], net["cidr_block"])
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    subnets = aws.ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    tiers: dict[str, dict[str, str]] = {}
    for subnet in subnets:
        tier = {t["Key"]: t["Value"] for t in subnet.get("Tags", [])}.get("Tier")
        tiers.setdefault(tier, {})[subnet["SubnetId"]] = subnet["AvailabilityZone"]
    for tier in ("public", "app", "database"):
        zones = sorted(tiers.get(tier, {}).values())
        facts.equal(f"{tier} subnets' zones", zones, sorted(net["availability_zones"]))
    nats = aws.ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"]
    wanted_nats = {"single": 1, "per_az": len(net["availability_zones"]), "none": 0}
    facts.equal("NAT gateways", len(nats), wanted_nats[net["nat_mode"]])
    defaults = {}
    for table in aws.ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]:
        for assoc in table.get("Associations", []):
            defaults[assoc.get("SubnetId")] = next(
                (r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"), {}
            )
    nat_ids = {n["NatGatewayId"] for n in nats}
    for subnet_id in tiers.get("app", {}):
        facts.equal(
            f"app subnet {subnet_id} default route via a NAT",
            defaults.get(subnet_id, {}).get("NatGatewayId") in nat_ids,
            True,
        )
    for subnet_id in tiers.get("database", {}):
        facts.equal(
            f"database subnet {subnet_id} has no default route", defaults.get(subnet_id), {}
        )
    (flow,) = aws.ec2.describe_flow_logs(
        Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}]
    )["FlowLogs"]
    facts.equal("flow log traffic", flow["TrafficType"], "REJECT")
    facts.equal(
        "flow log destination",
        flow["LogDestination"].rsplit(":log-group:", 1)[-1],
        f"/aws/vpc/{want.name}/flow-rejects",
    )
    groups = {
        g["GroupName"]: g
        for g in aws.ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]
    }
    return {"vpc": vpc["VpcId"], "tiers": tiers, "groups": groups}


def _rules(permissions: list[dict]) -> set[tuple]:
    found = set()
    for p in permissions:
        targets = [r["CidrIp"] for r in p.get("IpRanges", [])]
        targets += [g["GroupId"] for g in p.get("UserIdGroupPairs", [])]
        found |= {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), t) for t in targets}
    return found


def _check_functions(facts: Facts, aws: Aws, want: Expectations, outputs: dict, net: dict) -> None:
    app_sg = net["groups"][f"{want.name}-functions"]["GroupId"]
    for fn in FUNCTIONS:
        name, settings = want.function(fn), want.variables["functions"][fn]
        alias = aws.awslambda.get_alias(FunctionName=name, Name=want.stage)
        published = _published(aws, name)
        facts.equal(
            f"{name}:{want.stage} -> newest version", alias["FunctionVersion"], published[-1]
        )
        facts.equal(
            f"{name} version in outputs", outputs["functions"][fn]["version"], published[-1]
        )
        config = aws.awslambda.get_function_configuration(FunctionName=name)
        facts.equal(f"{name} memory", config["MemorySize"], settings["memory_mb"])
        facts.equal(f"{name} timeout", config["Timeout"], settings["timeout_s"])
        facts.equal(
            f"{name} SHOP_STAGE", config["Environment"]["Variables"]["SHOP_STAGE"], want.stage
        )
        concurrency = aws.awslambda.get_function_concurrency(FunctionName=name)
        facts.equal(
            f"{name} reserved concurrency",
            concurrency.get("ReservedConcurrentExecutions"),
            settings["reserved_concurrency"],
        )
        vpc = config.get("VpcConfig") or {}
        in_vpc = fn in DATABASE_CLIENTS
        facts.equal(
            f"{name} subnets",
            sorted(vpc.get("SubnetIds") or []),
            sorted(net["tiers"]["app"]) if in_vpc else [],
        )
        facts.equal(
            f"{name} security groups", vpc.get("SecurityGroupIds") or [], [app_sg] if in_vpc else []
        )
    functions_sg = net["groups"][f"{want.name}-functions"]
    database_sg = net["groups"][f"{want.name}-database"]["GroupId"]
    facts.equal(
        "functions' security group egress",
        _rules(functions_sg["IpPermissionsEgress"]),
        {("tcp", 443, 443, "0.0.0.0/0"), ("tcp", 3306, 3306, database_sg)},
    )
    facts.equal("functions' security group ingress", functions_sg["IpPermissions"], [])


def _published(aws: Aws, name: str) -> list[str]:
    pages = aws.awslambda.get_paginator("list_versions_by_function").paginate(FunctionName=name)
    versions = [v["Version"] for page in pages for v in page["Versions"]]
    return sorted((v for v in versions if v != "$LATEST"), key=int)


def check_config_and_logs(facts: Facts, aws: Aws, want: Expectations) -> None:
    """The SSM config document and the retention of every log group the stage owns."""
    parameter = aws.ssm.get_parameter(Name=f"/{want.project}/{want.stage}/config")["Parameter"]
    facts.equal("SSM config type", parameter["Type"], "String")
    facts.equal(
        "SSM config equals app_config", json.loads(parameter["Value"]), want.variables["app_config"]
    )
    retention = {
        g["logGroupName"]: g.get("retentionInDays")
        for page in aws.logs.get_paginator("describe_log_groups").paginate()
        for g in page["logGroups"]
    }
    expected = {
        f"/aws/lambda/{want.function(fn)}": want.variables["functions"][fn]["log_retention_days"]
        for fn in FUNCTIONS
    }
    expected[f"/aws/apigateway/{want.name}-api/access"] = want.variables["api"][
        "access_log_retention_days"
    ]
    expected[f"/aws/vpc/{want.name}/flow-rejects"] = want.variables["network"][
        "flow_log_retention_days"
    ]
    for group, days in expected.items():
        facts.equal(f"{group} retention", retention.get(group), days)


def _check_database(facts: Facts, aws: Aws, want: Expectations, net: dict) -> None:
    settings = want.variables["database"]
    (db,) = aws.rds.describe_db_instances(DBInstanceIdentifier=want.name)["DBInstances"]
    facts.equal("database engine", db["Engine"], "mysql")
    facts.equal(
        "database private and encrypted",
        (db["PubliclyAccessible"], db["StorageEncrypted"]),
        (False, True),
    )
    facts.equal("database multi-AZ", db["MultiAZ"], settings["multi_az"])
    facts.equal(
        "database backups (days)", db["BackupRetentionPeriod"], settings["backup_retention_days"]
    )
    facts.equal(
        "database deletion protection", db["DeletionProtection"], settings["deletion_protection"]
    )
    subnets = sorted(s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"])
    facts.equal("database subnets", subnets, sorted(net["tiers"]["database"]))
    database_sg = net["groups"][f"{want.name}-database"]
    facts.equal(
        "database security groups",
        [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]],
        [database_sg["GroupId"]],
    )
    app_sg = net["groups"][f"{want.name}-functions"]["GroupId"]
    facts.equal(
        "database admits 3306 only from the functions",
        _rules(database_sg["IpPermissions"]),
        {("tcp", 3306, 3306, app_sg)},
    )
    default = net["groups"]["default"]
    facts.equal(
        "default security group has no rules",
        (default["IpPermissions"], default["IpPermissionsEgress"]),
        ([], []),
    )
    _check_logins(facts, aws, want, db)


def _check_logins(facts: Facts, aws: Aws, want: Expectations, db: dict) -> None:
    """api and report log in with the application's secret and may read only it;
    migrate logs in as the master (the RDS-managed secret) and keeps the application's."""
    master = (db.get("MasterUserSecret") or {}).get("SecretArn")
    pages = aws.secretsmanager.get_paginator("list_secrets").paginate()
    app = [
        s["ARN"]
        for page in pages
        for s in page["SecretList"]
        if s["Name"].startswith(f"{want.name}-db-app-")
    ]
    facts.equal("one application login secret", len(app), 1)
    facts.equal("the master secret is RDS-managed", bool(master), True)
    wanted = {"api": [app[:1], []], "report": [app[:1], []], "migrate": [[master], app[:1]]}
    for fn, (logs_in_with, keeps) in wanted.items():
        config = aws.awslambda.get_function_configuration(FunctionName=want.function(fn))
        facts.equal(
            f"{fn} logs in with {'the master' if fn == 'migrate' else 'the application'} secret",
            [config["Environment"]["Variables"].get("SHOP_DB_SECRET_ARN")],
            logs_in_with,
        )
        reads, writes = _secret_rights(aws, config["Role"].rsplit("/", 1)[-1])
        facts.equal(f"{fn} may read the secrets", reads, sorted({*logs_in_with, *keeps} - {None}))
        facts.equal(f"{fn} may write the secrets", writes, keeps)
    _check_login_rotation(facts, aws, want)


def _check_login_rotation(facts: Facts, aws: Aws, want: Expectations) -> None:
    """The application login is rotated on the stage's schedule, by the migrate alias."""
    days = int(want.variables["schedules"]["app_login_rotation"]["rate_days"])
    rule = aws.events.describe_rule(Name=f"{want.function('migrate')}-rotate-app-login")
    facts.equal(
        "login rotation schedule",
        (rule["ScheduleExpression"], rule["State"]),
        (f"rate({days} {'day' if days == 1 else 'days'})", "ENABLED"),
    )
    targets = aws.events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    alias = aws.awslambda.get_alias(FunctionName=want.function("migrate"), Name=want.stage)
    facts.equal(
        "login rotation sends rotate to the migrate alias",
        [(t["Arn"], json.loads(t.get("Input") or "null")) for t in targets],
        [(alias["AliasArn"], {"action": "rotate"})],
    )


def _secret_rights(aws: Aws, role: str) -> tuple[list[str], list[str]]:
    """The secrets a role's inline policies let it read (GetSecretValue) and write (Put)."""
    reads, writes = set(), set()
    for name in aws.iam.list_role_policies(RoleName=role)["PolicyNames"]:
        document = aws.iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        for statement in document["Statement"]:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            resources = statement.get("Resource", [])
            resources = resources if isinstance(resources, list) else [resources]
            if "secretsmanager:GetSecretValue" in actions:
                reads.update(resources)
            if "secretsmanager:PutSecretValue" in actions:
                writes.update(resources)
    return sorted(reads), sorted(writes)


def _check_site_and_notifications(
    facts: Facts, aws: Aws, want: Expectations, outputs: dict
) -> None:
    bucket = outputs["site_bucket"]
    facts.equal(
        "site bucket versioning",
        aws.s3.get_bucket_versioning(Bucket=bucket).get("Status"),
        "Enabled",
    )
    rules = aws.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    facts.equal(
        "site bucket encryption",
        rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
        "AES256",
    )
    block = aws.s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    facts.equal("site bucket public access blocked", sorted(block.values()), [True] * 4)
    distribution = aws.cloudfront.get_distribution(Id=outputs["site_distribution_id"])[
        "Distribution"
    ]
    statements = json.loads(aws.s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    oac = next(s for s in statements if s.get("Sid") == "CloudFrontReadsThroughOAC")
    facts.equal(
        "site bucket readable only by its distribution",
        oac["Condition"]["StringEquals"]["AWS:SourceArn"],
        distribution["ARN"],
    )
    keys = [o["Key"] for o in aws.s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    facts.equal("config.json in the site bucket", "config.json" in keys, True)
    topics = {
        t["TopicArn"].rsplit(":", 1)[1]: t["TopicArn"] for t in aws.sns.list_topics()["Topics"]
    }
    events = aws.sns.get_topic_attributes(TopicArn=topics[f"{want.name}-order-events"])[
        "Attributes"
    ]
    facts.equal("order events topic key", events.get("KmsMasterKeyId"), "alias/aws/sns")
    alarms = aws.cloudwatch.describe_alarms(AlarmNamePrefix=f"{want.name}-")["MetricAlarms"]
    names = {
        f"{want.name}-api-5xx",
        f"{want.name}-db-cpu",
        f"{want.name}-db-connections",
        f"{want.name}-db-free-storage",
        # The application's own alarms (modules/monitoring/application.tf).
        f"{want.name}-outbox-backlog-age",
        f"{want.name}-notifications-parked",
        f"{want.name}-api-503-rate",
    }
    names |= {
        f"{want.function(fn)}-{kind}"
        for fn in FUNCTIONS
        for kind in ("errors", "throttles", "duration-near-timeout")
    }
    facts.equal("alarms", sorted(a["AlarmName"] for a in alarms), sorted(names))
    facts.equal(
        "alarms notify the alarm topic",
        {tuple(a["AlarmActions"]) for a in alarms},
        {(topics[f"{want.name}-alarms"],)},
    )


def versions(aws: Aws, want: Expectations) -> dict[str, list[str]]:
    """Published versions of every function, oldest first."""
    return {fn: _published(aws, want.function(fn)) for fn in FUNCTIONS}


def check_new_version(aws: Aws, want: Expectations, before: dict, changed: str) -> list[dict]:
    """After a change to one function is applied: it alone has one new version; no alias moved.

    Aliases move in the deploy, after the migrations (deploy/ship.py).
    """
    facts, after = Facts(), versions(aws, want)
    for fn in FUNCTIONS:
        name = want.function(fn)
        added = [v for v in after[fn] if v not in before[fn]]
        alias = aws.awslambda.get_alias(FunctionName=name, Name=want.stage)["FunctionVersion"]
        if fn == changed:
            facts.equal(f"{name} new versions", len(added), 1)
            facts.equal(
                f"{name}:{want.stage} stays until the deploy moves it", alias, before[fn][-1]
            )
        else:
            facts.equal(f"{name} new versions", added, [])
            facts.equal(f"{name}:{want.stage} stays", alias, before[fn][-1])
    return facts.done()


def check_destroyed(aws: Aws, want: Expectations, *, destroys: int = 1) -> list[dict]:
    """After destroy: none of the stage's functions, VPC, database or API is left in moto.

    A stage that keeps a final snapshot has one per destroy so far, each under
    its own name (a second destroy must not meet the first one's name).
    """
    facts = Facts()
    if not want.variables["database"]["skip_final_snapshot"]:
        snapshots = aws.rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
        names = sorted(
            s["DBSnapshotIdentifier"]
            for s in snapshots
            if s["DBSnapshotIdentifier"].startswith(f"{want.name}-final")
        )
        facts.equal("final snapshots, one per destroy", len(set(names)), destroys)
    functions = [f["FunctionName"] for f in aws.awslambda.list_functions()["Functions"]]
    facts.equal("functions left", [f for f in functions if f.startswith(want.name)], [])
    vpcs = aws.ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [want.name]}])["Vpcs"]
    facts.equal("VPCs left", vpcs, [])
    facts.equal("databases left", aws.rds.describe_db_instances()["DBInstances"], [])
    apis = [a["name"] for a in aws.apigateway.get_rest_apis()["items"]]
    facts.equal("REST APIs left", [a for a in apis if a.startswith(want.name)], [])
    return facts.done()
