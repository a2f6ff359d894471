"""One stage's Terraform root, driven through python-terraform.

`aws` mode runs in `terraform/` itself against the S3 backend
(`terraform/backend.hcl`), selecting or creating the stage's workspace.
`offline` mode plans a scratch copy with the CI-only override files, so a
real plan runs with no AWS account; other modes (the apply rehearsal) add
their own override files the same way. The mirror's CLI config is used
whenever the provider mirror exists on the machine.
"""

import json
import os
import shutil
from pathlib import Path

from python_terraform import IsFlagged, Terraform

from deploy.steps import DeployError

ROOT = Path(__file__).resolve().parents[1]
TF_DIR = ROOT / "terraform"
PLANS = ROOT / "build" / "plans"


def find_mirror() -> Path | None:
    """Return the provider filesystem mirror (a top-level `tf-plugins` folder), if any."""
    if os.environ.get("TF_PLUGIN_MIRROR"):
        return Path(os.environ["TF_PLUGIN_MIRROR"])
    return next((c for c in sorted(Path("/").glob("*/tf-plugins")) if c.is_dir()), None)


def write_cli_config(directory: Path) -> Path | None:
    """Write the shipped mirror CLI config, pointed at the mirror found here; None without one."""
    mirror = find_mirror()
    if mirror is None:
        return None
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "terraform.tfrc"
    shipped = (TF_DIR / "mirror.tfrc").read_text()
    text = shipped.replace('"/opt/tf-plugins"', json.dumps(str(mirror)))
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
    return target


def backend_config() -> Path:
    """Return the S3 backend settings file (SHOP_TF_BACKEND_CONFIG overrides the default)."""
    return Path(os.environ.get("SHOP_TF_BACKEND_CONFIG", TF_DIR / "backend.hcl"))


def use_cli_environment() -> None:
    """Set this process's environment for terraform (python-terraform passes it on).

    Uses the mirror's CLI config when the provider mirror exists. Call once,
    at the start of the command.
    """
    os.environ.update(TF_IN_AUTOMATION="1", CHECKPOINT_DISABLE="1")
    config = write_cli_config(ROOT / "build")
    if config:
        os.environ["TF_CLI_CONFIG_FILE"] = str(config)
    elif not Path(os.environ.get("TF_CLI_CONFIG_FILE") or "/").is_file():
        os.environ.pop("TF_CLI_CONFIG_FILE", None)  # a dangling setting only produces warnings


class Stack:
    """The Terraform root of one stage, in place or as a scratch copy with overrides."""

    def __init__(self, stage: str, *, mode: str = "aws", overrides: tuple[Path, ...] = ()):
        self.stage = stage
        self.mode = mode
        if mode == "aws":
            self.workdir = TF_DIR
        else:
            self.workdir = ROOT / "build" / f"tf-{mode}" / stage / "terraform"
        if mode == "offline" and not overrides:
            overrides = tuple(sorted((TF_DIR / "ci").glob("*_override.tf")))
        self.overrides = overrides
        self.plan_file = PLANS / (f"{stage}.tfplan" if mode == "aws" else f"{stage}.{mode}.tfplan")
        self.tf = Terraform(working_dir=str(self.workdir))
        if mode != "aws":
            # Scratch copies keep local state per workspace; no selection step needed.
            os.environ["TF_WORKSPACE"] = stage

    def _run(self, *args, stream: bool = False, **flags) -> str:
        code, out, err = self.tf.cmd(*args, capture_output=not stream, **flags)
        if code != 0:
            detail = (err or out or "").strip()
            raise DeployError(
                f"terraform {args[0]} failed (exit {code})"
                + (f":\n{detail}" if detail else " (see above)"),
                hint=self._hint(args[0], detail or ""),
            )
        return out or ""

    def _hint(self, command: str, detail: str) -> str:
        if "workspace" in detail.lower():
            return f"run: terraform -chdir=terraform workspace select {self.stage}"
        if "NoCredentialProviders" in detail or "no valid credential" in detail:
            return "configure AWS credentials (AWS_PROFILE, or aws sso login) and retry"
        if command == "init":
            return "check terraform/backend.hcl (docs/terraform.md, 'Bootstrap an account')"
        return "fix the error above and run the same command again; nothing after this step ran"

    def prepare(self) -> None:
        """Lay out the scratch copy (offline and rehearsal modes)."""
        if self.mode == "aws":
            return
        base = self.workdir.parent
        if self.workdir.exists():
            for item in self.workdir.iterdir():
                if item.name != ".terraform":
                    shutil.rmtree(item) if item.is_dir() else item.unlink()
        self.workdir.mkdir(parents=True, exist_ok=True)
        for item in TF_DIR.iterdir():
            if (
                item.suffix == ".tf"
                and not item.name.endswith("override.tf")
                or item.name == ".terraform.lock.hcl"
            ):
                shutil.copy2(item, self.workdir / item.name)
        shutil.copytree(TF_DIR / "modules", self.workdir / "modules")
        for override in self.overrides:
            shutil.copy2(override, self.workdir / override.name)
        shutil.rmtree(base / "api", ignore_errors=True)
        shutil.copytree(ROOT / "api", base / "api")

    def init(self) -> None:
        if self.mode == "aws":
            self._run(
                "init", input=False, backend_config=str(backend_config()), reconfigure=IsFlagged
            )
            self._run("workspace", "select", "-or-create", self.stage)
        else:
            self._run("init", input=False)

    def plan(self, *, destroy: bool = False, refresh_only: bool = False) -> dict:
        """Plan with envs/<stage>.tfvars into build/plans/; return the plan as JSON."""
        PLANS.mkdir(parents=True, exist_ok=True)
        flags = {
            "input": False,
            "var_file": str(ROOT / "envs" / f"{self.stage}.tfvars"),
            "out": str(self.plan_file),
            "destroy": IsFlagged if destroy else None,
            "refresh_only": IsFlagged if refresh_only else None,
        }
        if self.mode != "aws":
            # A scratch copy sits elsewhere; in terraform/ itself the default,
            # relative path keeps the state independent of the checkout's place.
            flags["var"] = {"manifest_path": str(ROOT / "build" / "manifest.json")}
        if self.mode == "offline":
            flags |= {"refresh": False, "lock": False}
        self._run("plan", stream=True, **flags)
        return self.show()

    def show(self) -> dict:
        text = self._run("show", "-json", str(self.plan_file))
        plan_json = self.plan_file.with_suffix(".json")
        plan_json.write_text(text)
        return json.loads(text)

    def apply(self) -> None:
        self._run("apply", str(self.plan_file), stream=True, input=False, auto_approve=IsFlagged)

    def outputs(self) -> dict:
        raw = json.loads(self._run("output", "-json"))
        return {name: item["value"] for name, item in raw.items()}


def change_counts(plan: dict) -> dict[str, int]:
    """Return how many resources the plan creates, updates, replaces and destroys."""
    counts = {"create": 0, "update": 0, "replace": 0, "destroy": 0}
    for change in plan.get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions == ["create"]:
            counts["create"] += 1
        elif actions == ["update"]:
            counts["update"] += 1
        elif actions == ["delete"]:
            counts["destroy"] += 1
        elif set(actions) == {"create", "delete"}:
            counts["replace"] += 1
    return counts
