"""Network and database as planned for each stage."""

import ipaddress

from .conftest import Scenario


def _proxy_and_more_concurrency(values):
    values["functions"]["api"]["reserved_concurrency"] = 500
    return {
        "database": {**values["database"], "enable_proxy": True},
        "functions": values["functions"],
    }


PROXY = Scenario("prod", overrides=_proxy_and_more_concurrency)


def test_vpc_spans_the_tfvars_zones_with_three_subnet_tiers(plan, tfvars):
    vpcs = plan.of_type("aws_vpc")
    assert len(vpcs) == 1
    vpc = next(iter(vpcs.values()))
    assert vpc["cidr_block"] == tfvars["network"]["cidr_block"]
    assert vpc["enable_dns_hostnames"] and vpc["enable_dns_support"]

    zones = tfvars["network"]["availability_zones"]
    assert len(zones) >= 2
    network = ipaddress.ip_network(vpc["cidr_block"])
    cidrs = []
    for tier in ("public", "app", "database"):
        subnets = {
            a: s for a, s in plan.of_type("aws_subnet").items() if f"aws_subnet.{tier}[" in a
        }
        assert sorted(s["availability_zone"] for s in subnets.values()) == sorted(zones), tier
        assert all(not s["map_public_ip_on_launch"] for s in subnets.values())
        cidrs += [ipaddress.ip_network(s["cidr_block"]) for s in subnets.values()]
    assert all(c.subnet_of(network) for c in cidrs)
    assert not any(a.overlaps(b) for i, a in enumerate(cidrs) for b in cidrs[i + 1 :])


def test_nat_per_stage_mode_and_private_routes(plan, tfvars, stage):
    zones = tfvars["network"]["availability_zones"]
    nats = plan.of_type("aws_nat_gateway")
    expected = {"dev": 1, "qa": 1, "prod": len(zones)}[stage]
    assert len(nats) == expected
    assert len(plan.of_type("aws_eip")) == expected
    assert len(plan.of_type("aws_internet_gateway")) == 1

    routes = plan.of_type("aws_route")
    app_routes = {a: r for a, r in routes.items() if "app_internet" in a}
    # Every app subnet's zone has a default route, and it goes to a NAT.
    assert sorted(a.split('"')[1] for a in app_routes) == sorted(zones)
    for address, route in app_routes.items():
        assert route["destination_cidr_block"] == "0.0.0.0/0"
        assert plan.unknown(address)["nat_gateway_id"] is True
        assert route.get("gateway_id") is None
    config = plan.module_resource_config("network", "aws_route.app_internet")
    assert "aws_nat_gateway.this" in config["expressions"]["nat_gateway_id"]["references"]
    # per_az keeps each zone's egress in its zone; single sends all through the first.
    for address, table in plan.of_type("aws_route_table").items():
        if ".app[" in address:
            zone = address.split('"')[1]
            egress_zone = zone if stage == "prod" else zones[0]
            assert table["tags"]["Egress"] == f"nat-{egress_zone}"

    # Only the public table and the app tables have a default route; the
    # database subnets never reach the internet.
    assert set(routes) == set(app_routes) | {"module.network.aws_route.public_internet"}
    db_assoc = [a for a in plan.of_type("aws_route_table_association") if ".database[" in a]
    assert len(db_assoc) == len(zones)


def test_s3_gateway_endpoint_serves_private_route_tables(plan, tfvars):
    endpoints = plan.of_type("aws_vpc_endpoint")
    s3 = endpoints["module.network.aws_vpc_endpoint.s3"]
    assert s3["vpc_endpoint_type"] == "Gateway"
    assert s3["service_name"] == f"com.amazonaws.{tfvars['region']}.s3"
    config = plan.module_resource_config("network", "aws_vpc_endpoint.s3")
    refs = config["expressions"]["route_table_ids"]["references"]
    assert "aws_route_table.app" in refs and "aws_route_table.database" in refs


def test_only_database_functions_sit_in_the_vpc(plan):
    functions = plan.of_type("aws_lambda_function")
    in_vpc = {
        f["function_name"].rsplit("-", 1)[1]
        for address, f in functions.items()
        if (plan.unknown(address).get("vpc_config") or [{}])[0].get("subnet_ids") is True
    }
    assert in_vpc == {"api", "report", "migrate"}
    warmer = next(f for f in functions.values() if f["function_name"].endswith("-warmer"))
    assert warmer["vpc_config"] == []


def test_database_is_private_encrypted_and_password_free(plan, tfvars, stage):
    (db,) = plan.of_type("aws_db_instance").values()
    wanted = tfvars["database"]
    assert db["engine"] == "mysql" and db["engine_version"].startswith("8.0")
    assert db["publicly_accessible"] is False
    assert db["storage_encrypted"] is True
    assert db["manage_master_user_password"] is True
    assert db.get("password") is None
    assert db["backup_retention_period"] == wanted["backup_retention_days"] >= 1
    assert db["multi_az"] is (stage == "prod")
    assert db["deletion_protection"] is (stage == "prod")
    config = plan.module_resource_config("database", "aws_db_subnet_group.this")
    assert "var.subnet_ids" in config["expressions"]["subnet_ids"]["references"]
    root_db = plan.data["configuration"]["root_module"]["module_calls"]["database"]
    assert (
        "module.network.database_subnet_ids" in root_db["expressions"]["subnet_ids"]["references"]
    )


def test_parameter_group_sets_connection_limit_and_tls(plan, tfvars):
    (group,) = plan.of_type("aws_db_parameter_group").values()
    params = {p["name"]: p["value"] for p in group["parameter"]}
    assert params["max_connections"] == str(tfvars["database"]["max_connections"])
    assert params["require_secure_transport"] == "1"
    assert group["family"] == "mysql8.0"


def test_database_admits_3306_only_from_the_functions(plan):
    rules = plan.of_type("aws_vpc_security_group_ingress_rule")
    db_rules = {a: r for a, r in rules.items() if a.startswith("module.database.")}
    assert list(db_rules) == ["module.database.aws_vpc_security_group_ingress_rule.from_clients"]
    (rule,) = db_rules.values()
    assert (rule["from_port"], rule["to_port"], rule["ip_protocol"]) == (3306, 3306, "tcp")
    assert rule.get("cidr_ipv4") is None and rule.get("cidr_ipv6") is None
    root_db = plan.data["configuration"]["root_module"]["module_calls"]["database"]
    refs = root_db["expressions"]["client_security_group_id"]["references"]
    assert "module.network.app_security_group_id" in refs


def test_connection_budget_fits(plan, tfvars):
    budget = plan.output("database_connection_budget")
    functions = tfvars["functions"]
    clients = sum(functions[n]["reserved_concurrency"] for n in ("api", "report", "migrate"))
    assert budget["needed"] == clients + tfvars["database"]["connection_headroom"]
    assert budget["needed"] <= budget["max_connections"] == tfvars["database"]["max_connections"]


def test_rds_proxy_is_off_unless_switched_on(plan, tfvars):
    assert tfvars["database"].get("enable_proxy", False) is False
    assert plan.of_type("aws_db_proxy") == {}


def test_rds_proxy_switch_fronts_the_database_and_owns_the_budget(plans):
    """GIVEN prod's tfvars with the proxy on and more api concurrency than
    max_connections allows directly, WHEN planned, THEN the plan is accepted,
    the functions connect to the proxy and the database admits only it."""
    plan = plans[PROXY]

    (proxy,) = plan.of_type("aws_db_proxy").values()
    assert proxy["require_tls"] is True and proxy["engine_family"] == "MYSQL"
    (target_group,) = plan.of_type("aws_db_proxy_default_target_group").values()
    pool = target_group["connection_pool_config"][0]["max_connections_percent"]
    assert pool == 100 * (200 - 20) // 200
    ingress = plan.module_resource_config(
        "database", "aws_vpc_security_group_ingress_rule.from_clients"
    )
    assert (
        "aws_security_group.proxy"
        in ingress["expressions"]["referenced_security_group_id"]["references"]
    )
    assert (
        plan.after("module.api_function.aws_lambda_function.this")["reserved_concurrent_executions"]
        == 500
    )
