"""The apply rehearsal: a real `terraform apply` of a stage against a local AWS (moto).

`python -m deploy rehearse --env dev` (`make rehearse ENV=dev`) starts moto in
server mode on a free 127.0.0.1 port, then, on a scratch copy of the root
with the override files of terraform/rehearsal/ (provider endpoints, local
backend, workarounds for moto's gaps):

1. applies the stage with the packages of the real build;
2. plans again, which must show no change at all;
3. reads back with boto3 what the stage must look like (deploy/readback.py);
4. rebuilds the functions from a copy of functions/ and plans: no change;
5. changes the api handler in that copy, rebuilds, plans (exactly that
   function changes), applies, and reads back the new version, with the
   alias still on the old one until the deploy moves it (deploy/ship.py);
6. destroys, and checks that nothing is left.

The provider's endpoints can only point at 127.0.0.1 (a validation in
terraform/rehearsal/rehearsal.tf), and the rehearsal drops any AWS session
settings from its environment, so it cannot touch a real account. What it
proves and what it cannot: docs/infra-verification.md.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from python_terraform import IsFlagged

from deploy.steps import DeployError, Steps
from deploy.terraform import ROOT, TF_DIR, Stack

REHEARSAL_DIR = TF_DIR / "rehearsal"
# The function the re-run changes: the one with the most dependents (the API,
# its permissions, the warmer's target), so anything that moved with it shows.
CHANGED_FUNCTION = "api"


class MotoServer:
    """moto in server mode on a free 127.0.0.1 port, in its own process."""

    def __init__(self, log: Path):
        self.log = log
        self.port = _free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> MotoServer:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as out:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise DeployError(f"moto exited at start (see {self.log})")
            try:
                self.reset()
                return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise DeployError(f"moto did not answer on {self.endpoint} within 30 s (see {self.log})")

    def reset(self) -> None:
        """Forget every resource (POST /moto-api/reset)."""
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=5).close()

    def __exit__(self, *exc) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        self._process = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RehearsalStack(Stack):
    """The stage's root in build/tf-rehearsal/<stage>/, pointed at moto.

    Its packages come from `package_root`/build/manifest.json: one folder
    whose content changes between runs while its paths stay the same, since
    a zip's path is part of a function's configuration (`filename`).
    """

    def __init__(self, stage: str, *, endpoint: str, package_root: Path):
        super().__init__(
            stage, mode="rehearsal", overrides=tuple(sorted(REHEARSAL_DIR.glob("*.tf")))
        )
        self.package_root = package_root
        self.endpoint = endpoint

    def _run(self, *args, stream: bool = False, **flags) -> str:
        out = super()._run(*args, stream=stream, **flags)
        if args[0] in ("init", "plan", "apply"):
            with (self.workdir.parent / "terraform.log").open("a") as log:
                log.write(f"$ terraform {' '.join(args)}\n{out}\n")
        return out

    def prepare(self) -> None:
        super().prepare()
        for override in sorted((REHEARSAL_DIR / "modules").glob("*/*.tf")):
            shutil.copy2(override, self.workdir / "modules" / override.parent.name / override.name)

    def plan(self, *, destroy: bool = False, refresh: bool = True) -> dict:
        self.plan_file.parent.mkdir(parents=True, exist_ok=True)
        self._run(
            "plan",
            input=False,
            var_file=str(ROOT / "envs" / f"{self.stage}.tfvars"),
            var={
                "manifest_path": str(self.package_root / "build" / "manifest.json"),
                "rehearsal_endpoint": self.endpoint,
            },
            out=str(self.plan_file),
            destroy=IsFlagged if destroy else None,
            refresh=refresh,
        )
        return self.show()

    def variables(self) -> dict:
        """The stage's variables as Terraform sees them (tfvars plus optional defaults)."""
        names = ("project", "region", "network", "database", "functions", "schedules", "api")
        names += ("static_site",)
        pairs = ", ".join(f"{n} = var.{n}" for n in (*names, "app_config"))
        expression = f"jsonencode({{{pairs}}})"
        result = subprocess.run(
            ["terraform", "console", *self._var_args()],
            cwd=self.workdir,
            input=expression,
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise DeployError(f"terraform console failed:\n{result.stderr.strip()}")
        # The console prints an HCL string: JSON quoting, with template markers doubled.
        text = json.loads(result.stdout).replace("$${", "${").replace("%%{", "%{")
        return json.loads(text)

    def _var_args(self) -> list[str]:
        return [
            f"-var-file={ROOT / 'envs' / f'{self.stage}.tfvars'}",
            f"-var=manifest_path={self.package_root / 'build' / 'manifest.json'}",
            f"-var=rehearsal_endpoint={self.endpoint}",
        ]

    def apply(self) -> None:
        self._run("apply", str(self.plan_file), input=False, auto_approve=IsFlagged)

    def state(self) -> dict:
        """The state as `terraform show -json` gives it ({} when empty)."""
        return json.loads(self._run("show", "-json") or "{}")


def _plain(value):
    """JSON for the report: the checks compare sets and tuples."""
    return sorted(value, key=str) if isinstance(value, set | frozenset) else str(value)


def state_resources(state: dict) -> list[dict]:
    """Every managed resource in the state, child modules included."""
    found, stack = [], [state.get("values", {}).get("root_module", {})]
    while stack:
        module = stack.pop()
        found += [r for r in module.get("resources", []) if r["mode"] == "managed"]
        stack += module.get("child_modules", [])
    return found


def changes(plan: dict) -> dict[str, list[str]]:
    """Addresses the plan would change, with their actions (no-ops and reads left out)."""
    return {
        c["address"]: c["change"]["actions"]
        for c in plan.get("resource_changes", [])
        if c["change"]["actions"] not in (["no-op"], ["read"])
    }


def stage_package(package_root: Path) -> None:
    """Copy the real build (build/manifest.json and the zips it names) into the package folder."""
    manifest_path = ROOT / "build" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    target = package_root / "build"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for entry in [*manifest["functions"].values(), *manifest["layers"].values()]:
        shutil.copy2(ROOT / entry["path"], package_root / entry["path"])
    shutil.copy2(manifest_path, target / "manifest.json")


def rebuild(package_root: Path, *, change: str | None = None) -> dict:
    """Build the functions from a copy of functions/ into the package folder; return the manifest.

    `change` names a function whose handler module gets one more statement,
    so only its package changes. The repository's functions/ is never touched.
    """
    for name in ("functions", "api"):
        shutil.rmtree(package_root / name, ignore_errors=True)
        shutil.copytree(
            ROOT / name, package_root / name, ignore=shutil.ignore_patterns("__pycache__")
        )
    if change:
        spec = json.loads((package_root / "functions" / "functions.json").read_text())
        module = spec["functions"][change]["handler"].rsplit(".", 1)[0]
        source = package_root / "functions" / Path(*module.split(".")).with_suffix(".py")
        source.write_text(source.read_text() + f'\nREHEARSAL_CHANGE = "{change}"\n')
    shutil.rmtree(package_root / "build", ignore_errors=True)
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "--root", str(package_root)],
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise DeployError(f"build.py --root {package_root} failed:\n{result.stderr[-2000:]}")
    return json.loads((package_root / "build" / "manifest.json").read_text())


def planned_only(plan: dict, values: dict) -> list[dict]:
    """What moto does not keep, checked in the rehearsal's own plan instead of read back.

    The overrides only ignore later drift of these attributes, so the plan
    still shows what the stage asks AWS for.
    """
    from deploy.readback import Facts

    after = {c["address"]: c["change"]["after"] for c in plan["resource_changes"]}
    db = after["module.database.aws_db_instance.this"]
    api = after["module.api_function.aws_lambda_function.this"]
    facts = Facts()
    facts.equal(
        "planned Performance Insights",
        db["performance_insights_enabled"],
        values["database"].get("performance_insights", False),
    )
    facts.equal(
        "planned api SnapStart",
        bool(api.get("snap_start")),
        bool(values["functions"]["api"].get("snap_start", False)),
    )
    return facts.done()


# What a destroy of the stage is refused for, by design, with the error
# text AWS (and moto) answers; an operator lifts each before destroying again.
REFUSALS = {
    "deletion protection": "Cannot delete protected DB Instance",
    "site bucket not empty": "BucketNotEmpty",
}


def expected_refusals(values: dict) -> tuple[list[str], list[str]]:
    """(refusals the stage's settings ask for, refusals AWS adds that moto may not).

    AWS refuses to delete a versioned bucket that still holds old versions or
    delete markers (deleting config.json leaves one) unless force_destroy;
    moto 5.2.5 deletes it, so that refusal is allowed but not required here.
    """
    required = ["deletion protection"] if values["database"]["deletion_protection"] else []
    allowed = [] if values["static_site"]["force_destroy"] else ["site bucket not empty"]
    return required, allowed


def empty_bucket(s3, bucket: str) -> int:
    """Delete every object version and delete marker of a bucket; return how many."""
    doomed = []
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            doomed.append({"Key": item["Key"], "VersionId": item["VersionId"]})
    for start in range(0, len(doomed), 1000):
        s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed[start : start + 1000]})
    return len(doomed)


def destroy(stack: RehearsalStack, aws, want, outputs: dict, timed, tag: str = "") -> list[dict]:
    """Destroy the stage as an operator would; return the refusals met on the way.

    Where the stage's settings refuse a destroy (deletion protection; in
    AWS also a versioned site bucket that is not force-destroyed), the first
    attempt must fail with those refusals and no other; they are lifted the
    way docs/terraform.md tells an operator to (the protection switched off
    through the RDS API, every object version deleted), and the destroy runs
    again.
    """
    wanted, allowed = expected_refusals(want.variables)
    timed(f"destroy_plan{tag}", lambda: stack.plan(destroy=True, refresh=False))
    try:
        timed(f"destroy{tag}", stack.apply)
        met = []
    except DeployError as exc:
        met = [name for name, marker in REFUSALS.items() if marker in exc.message]
        if not met or set(met) - set(wanted) - set(allowed):
            raise
        print(f"    refused as designed: {', '.join(met)}; lifting and destroying again")
        if "deletion protection" in met:
            aws.rds.modify_db_instance(
                DBInstanceIdentifier=want.name, DeletionProtection=False, ApplyImmediately=True
            )
        if "site bucket not empty" in met:
            print(f"    {empty_bucket(aws.s3, outputs['site_bucket'])} object versions deleted")
        timed(f"destroy_again{tag}", lambda: (stack.plan(destroy=True), stack.apply()))
    expect(
        set(wanted) <= set(met),
        f"the destroy was refused for {met or 'nothing'}, the settings ask for {wanted}",
    )
    return [{"fact": f"destroy refused for {name}", "value": True} for name in met]


def expect(condition: bool, message: str, hint: str = "") -> None:
    if not condition:
        raise DeployError(message, hint=hint or "see docs/infra-verification.md (moto's gaps)")


def rehearse(args) -> None:
    """Run every step for args.env; write build/tf-rehearsal/<stage>/report.json.

    args.cycles (default 1) is how many times the stage is applied and
    destroyed in the same account: the second cycle meets whatever the first
    left behind (final snapshots, names AWS keeps). args.skip_rerun leaves
    out steps 4 and 5 (the re-runs prove the build, the same in every stage).
    """
    from deploy import readback

    stage, changed_fn = args.env, CHANGED_FUNCTION
    cycles = max(1, getattr(args, "cycles", 1) or 1)
    rerun = not getattr(args, "skip_rerun", False)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    base = ROOT / "build" / "tf-rehearsal" / stage
    package_root = base / "package"
    report: dict = {"stage": stage, "cycles": cycles, "seconds": {}, "checks": []}
    steps = Steps(3 + 4 * cycles + (2 if rerun else 0))
    started = time.monotonic()

    def timed(name: str, fn):
        t0 = time.monotonic()
        result = fn()
        report["seconds"][name] = round(time.monotonic() - t0, 1)
        print(f"    {name}: {report['seconds'][name]} s")
        return result

    with steps.step("build the Lambda packages (build.py)"):
        if getattr(args, "no_build", False):
            # Several rehearsals side by side share one build made before them.
            expect(
                (ROOT / "build" / "manifest.json").exists(),
                "--no-build, but build/manifest.json does not exist",
                "run build.py first",
            )
            print("    skipped (--no-build): using build/manifest.json as it is")
        else:
            result = subprocess.run([sys.executable, str(ROOT / "build.py")], text=True)
            expect(result.returncode == 0, "build.py failed (see above)", "fix the build and retry")
    with MotoServer(base / "moto.log") as moto:
        stack = RehearsalStack(stage, endpoint=moto.endpoint, package_root=package_root)
        with steps.step(
            f"terraform init (scratch copy + terraform/rehearsal, moto {moto.endpoint})"
        ):
            stage_package(package_root)
            (base / "terraform.log").unlink(missing_ok=True)
            stack.prepare()
            stack.init()
            values = stack.variables()
        aws = readback.Aws(moto.endpoint, values["region"])
        facts = readback.Expectations.from_values(values, stage, ROOT / "api" / "openapi.yaml")
        for cycle in range(1, cycles + 1):
            tag = "" if cycle == 1 else f"_{cycle}"
            again = "" if cycle == 1 else f" (cycle {cycle}: after a destroy)"
            with steps.step(f"terraform apply of {stage} against moto{again}"):
                if cycle > 1 and rerun:
                    rebuild(package_root)  # back to the unchanged build, as a new deploy would
                first = timed(f"plan{tag}", stack.plan)
                report["checks"] += planned_only(first, values)
                timed(f"apply{tag}", stack.apply)
                resources = state_resources(stack.state())
                report["resources"] = len(resources)
                print(f"    {len(resources)} resources")
            with steps.step(f"second plan: no changes{again}"):
                planned = timed(f"second_plan{tag}", stack.plan)
                left = changes(planned)
                expect(not left, f"the plan right after apply still changes {json.dumps(left)}")
            with steps.step(f"read back with boto3{again}"):
                outputs = stack.outputs()
                checks = readback.check_stage(aws, facts, outputs, resources)
                report["checks"] += checks
                report.setdefault("facts", len(checks))
                print(f"    {len(checks)} facts checked")
            if cycle == 1 and rerun:
                with steps.step("re-run: unchanged build (rebuilt from a copy of functions/)"):
                    rebuild(package_root)
                    unchanged = timed("unchanged_plan", lambda: stack.plan(refresh=False))
                    expect(
                        not changes(unchanged), f"an unchanged build changes {changes(unchanged)}"
                    )
                with steps.step(f"re-run: {changed_fn} changed"):
                    rebuild(package_root, change=changed_fn)
                    planned = timed("changed_plan", lambda: stack.plan(refresh=False))
                    # The apply publishes; the alias moves in the deploy (ship.py).
                    wanted = {f"module.{changed_fn}_function.aws_lambda_function.this": ["update"]}
                    expect(
                        changes(planned) == wanted,
                        f"expected only {wanted}, got {changes(planned)}",
                    )
                    before = readback.versions(aws, facts)
                    timed("changed_apply", stack.apply)
                    report["checks"] += readback.check_new_version(aws, facts, before, changed_fn)
            with steps.step(f"destroy {stage}{again}"):
                report["checks"] += destroy(stack, aws, facts, stack.outputs(), timed, tag)
                left = state_resources(stack.state())
                expect(not left, f"{len(left)} resources left in the state after destroy")
                report["checks"] += readback.check_destroyed(aws, facts, destroys=cycle)
    with steps.step("report"):
        report["seconds"]["total"] = round(time.monotonic() - started, 1)
        out = base / "report.json"
        out.write_text(json.dumps(report, indent=2, default=_plain) + "\n")
        print(f"    {out.relative_to(ROOT)}: {report['resources']} resources, {report['seconds']}")
