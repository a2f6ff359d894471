"""`python -m deploy <command> --env <stage>`: plan, deploy, destroy, rollback, releases,
drift, logs, rehearse; `python -m deploy pr-comment`: the plan review comment of a pull
request; `python -m deploy bootstrap`: the account's one-time settings (deploy/bootstrap.py)."""

import argparse
import re
import sys
import time
from pathlib import Path

from deploy import canary, history, preflight, rehearsal, release, ship
from deploy import drift as drift_check
from deploy.steps import DeployError, Steps
from deploy.terraform import ROOT, Stack, change_counts, use_cli_environment


def session_for(tfvars_text: str):
    """Return a boto3 session in the stage's region, through its assume_role when it has one."""
    import boto3

    region = re.search(r'^\s*region\s*=\s*"([^"]+)"', tfvars_text, re.MULTILINE)
    session = boto3.session.Session(region_name=region.group(1) if region else None)
    role = re.search(r'role_arn\s*=\s*"([^"]+)"', tfvars_text)
    if not role:
        return session
    creds = session.client("sts").assume_role(RoleArn=role.group(1), RoleSessionName="shop-deploy")[
        "Credentials"
    ]
    return boto3.session.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name=session.region_name,
    )


def project_of(tfvars_text: str) -> str:
    found = re.search(r'^\s*project\s*=\s*"([^"]+)"', tfvars_text, re.MULTILINE)
    return found.group(1) if found else "shop"


def build(steps: Steps) -> None:
    import subprocess

    with steps.step("build the Lambda packages (build.py)"):
        result = subprocess.run([sys.executable, str(ROOT / "build.py")], text=True)
        if result.returncode:
            raise DeployError("build.py failed (see above)", hint="fix the build error and retry")


def plan(args) -> dict:
    text = release.tfvars(args.env)
    offline = args.offline
    steps = Steps(5 if offline else 6)
    if not offline:
        with steps.step("preflight: state bucket and AWS credentials"):
            release.check_backend()
            release.check_credentials(session_for(text))
    build(steps)
    stack = Stack(args.env, mode="offline" if offline else "aws")
    with steps.step(
        f"terraform init ({'offline' if offline else 'S3 backend'}, workspace {args.env})"
    ):
        stack.prepare()
        stack.init()
    with steps.step(f"terraform plan with envs/{args.env}.tfvars"):
        planned = stack.plan()
    with steps.step("summarise"):
        counts = change_counts(planned)
        print("    " + ", ".join(f"{n} to {k}" for k, n in counts.items()))
        print(f"    plan: {stack.plan_file.relative_to(ROOT)} and its .json")
    review_plan(steps, stack, planned)
    return planned


def review_plan(steps: Steps, stack: Stack, planned: dict) -> None:
    """Run the plan review (docs/review.md); a failed check stops here."""
    import review

    with steps.step("review the plan against the serverless lessons (docs/review.md)"):
        source = stack.plan_file.with_suffix(".json").relative_to(ROOT)
        try:
            report = review.run(planned, stack.stage, source=str(source))
        except review.ReviewError as exc:
            raise DeployError(f"cannot review the plan: {exc}") from exc
        out = stack.plan_file.with_suffix(".review.md")
        out.write_text(report.markdown + "\n")
        print(report.markdown)
        if not report.ok:
            raise DeployError(
                f"{report.summary} (see {out.relative_to(ROOT)})",
                hint="fix the findings, or add a reviewed entry with its reason "
                "to envs/review-allow.yaml",
            )


# make deploy's numbered steps; release_applied runs the ones after the apply.
DEPLOY_STEPS, APPLY_STEP = 13, 6


def deploy(args) -> None:
    text = release.tfvars(args.env)
    steps = Steps(DEPLOY_STEPS)
    with steps.step(
        "preflight: stage, state bucket, credentials, account logging role, CA bundle, checkout"
    ):
        release.check_backend()
        session = session_for(text)
        identity = release.check_credentials(session)
        print(f"    account {identity['Account']} as {identity['Arn']}")
        release.check_ca_bundle(text)
        release.check_clean_tree(args.env, args.allow_dirty)
        print(f"    API Gateway logs through {preflight.check_api_gateway_logging(session)}")
    build(steps)
    stack = Stack(args.env)
    with steps.step(f"terraform init (workspace {args.env})"):
        stack.init()
    with steps.step(f"terraform plan with envs/{args.env}.tfvars"):
        planned = stack.plan()
        counts = change_counts(planned)
        print("    " + ", ".join(f"{n} to {k}" for k, n in counts.items()))
    review_plan(steps, stack, planned)
    with steps.step("terraform apply: publish new versions (no alias moves yet)"):
        stack.apply()
        outputs = stack.outputs()
    names = ship.Names(project_of(text), args.env)
    migrate_timeout = outputs["functions"]["migrate"].get("timeout_s", 900)
    aws = ship.Aws.from_session(session, migrate_timeout)
    release_applied(
        steps,
        session,
        aws,
        names,
        outputs,
        commit=release.git_commit(),
        by=release.who(identity),
    )


def release_applied(
    steps: Steps,
    session,
    aws: ship.Aws,
    names: ship.Names,
    outputs: dict,
    *,
    commit: str,
    by: str,
    out=None,
    pace: canary.Pace = canary.REAL_TIME,
    now=None,
    web: Path = ROOT / "web",
) -> dict:
    """What `make deploy` does after the apply (steps 7-13): migrate, the canary, the
    other aliases, the site, the smoke test, the record; return the recorded release."""
    out = out or sys.stdout
    targets = {fn: o["version"] for fn, o in outputs["functions"].items()}
    ship.roll_out(
        steps, aws, names, targets, reason=f"make deploy of {commit[:12]}", out=out, pace=pace
    )
    post_apply(steps, session, outputs, out=out, web=web)
    with steps.step("record the release and prune unreferenced versions"):
        entry = ship.record(
            aws,
            names,
            commit=commit,
            by=by,
            keep=outputs["release"]["keep_releases"],
            out=out,
            now=now,
        )
    print(f"\nAPI:        {outputs['api_base_url']}/v1/", file=out)
    print(f"Storefront: {outputs['site_url']}", file=out)
    return entry


def post_apply(steps: Steps, session, outputs: dict, *, out=None, web: Path = ROOT / "web") -> None:
    """Site upload, cache invalidation and the smoke test."""
    out = out or sys.stdout
    with steps.step("upload web/ to the site bucket"):
        contract = _contract()
        count = release.upload_site(session.client("s3"), outputs["site_bucket"], web, contract)
        print(f"    {count} files to s3://{outputs['site_bucket']}", file=out)
    with steps.step("invalidate the CloudFront cache"):
        release.invalidate(session.client("cloudfront"), outputs["site_distribution_id"])
    with steps.step("smoke test GET /v1/health"):
        body = release.smoke_test(outputs["api_base_url"])
        print(f"    {body}", file=out)


def _contract() -> dict:
    import yaml

    document = yaml.safe_load((ROOT / "api" / "openapi.yaml").read_text())
    document.pop("x-shop-integrations", None)
    return document


def _checked_and_initialised(env: str, steps: Steps) -> Stack:
    """Check the state bucket and the credentials, build, then `terraform init` the stage's
    workspace. The root reads build/manifest.json to plan at all (a refresh-only or a
    destroy plan too), and a fresh checkout, as CI's nightly drift job has, holds none."""
    text = release.tfvars(env)
    with steps.step("preflight: state bucket and credentials"):
        release.check_backend()
        release.check_credentials(session_for(text))
    build(steps)
    stack = Stack(env)
    with steps.step(f"terraform init (workspace {env})"):
        stack.init()
    return stack


def _stage_session(env: str):
    """Return a session with checked credentials for the stage, and the stage's names."""
    text = release.tfvars(env)
    session = session_for(text)
    release.check_credentials(session)
    return session, ship.Names(project_of(text), env)


def destroy(args) -> None:
    steps = Steps(5)
    stack = _checked_and_initialised(args.env, steps)
    with steps.step("terraform plan -destroy"):
        counts = change_counts(stack.plan(destroy=True))
        print(f"    {counts['destroy']} resources to destroy")
    if not args.yes:
        answer = input(f"Type the stage name ({args.env}) to destroy it: ")
        if answer.strip() != args.env:
            raise DeployError("not confirmed; nothing was destroyed")
    with steps.step("terraform apply (destroy)"):
        stack.apply()


def rollback(args) -> None:
    session, names = _stage_session(args.env)
    roll_back_stage(ship.Aws.from_session(session, 0), names)


def roll_back_stage(
    aws: ship.Aws, names: ship.Names, *, out=None, pace: canary.Pace = canary.REAL_TIME
) -> dict:
    """`make rollback`: every alias back to the last release that served before this one, and
    what that was; return that release."""
    out = out or sys.stdout
    target = ship.roll_back(Steps(3, out=out, clock=pace.clock), aws, names, out=out, pace=pace)
    print(
        f"\n{names.stage} serves the release of {target['at']} (commit {target['commit'][:12]}) "
        "again. The schema stays (migrations are expand/contract); the next make deploy "
        "rolls forward.",
        file=out,
    )
    return target


def releases(args) -> None:
    session, names = _stage_session(args.env)
    recorded = history.load(session.client("ssm"), names.history)
    if not recorded:
        print(f"no release recorded for {args.env} yet ({names.history})")
        return
    now = ship.serving(session.client("lambda"), names)
    print(f"releases of {args.env}, newest first ({names.history}):")
    for entry in recorded:
        mark = "*" if entry["versions"] == {k: now.get(k) for k in entry["versions"]} else " "
        print(f"  {mark} {history.describe(entry)}")
    print("  (* = serving now)")


def drift(args) -> int:
    steps = Steps(4)
    stack = _checked_and_initialised(args.env, steps)
    return drift_check.check(stack, steps)


def pr_comment(args) -> None:
    from deploy import comment

    commit = args.commit or release.git_commit()
    body = comment.write(args.out, commit=commit, run_url=args.run_url)
    print(f"==> {args.out} ({len(body)} characters)")


def logs(args) -> None:
    session, names = _stage_session(args.env)
    group = f"/aws/lambda/{names.function(args.fn)}"
    since = int((time.time() - args.since_minutes * 60) * 1000)
    print(f"==> {group} (last {args.since_minutes} min{', following' if args.follow else ''})")
    release.tail_logs(
        session.client("logs"), group, since_ms=since, follow=args.follow, out=sys.stdout
    )


def _rehearse(args) -> None:
    if args.env == "bootstrap":
        from deploy.rehearsal_bootstrap import rehearse_bootstrap

        rehearse_bootstrap(args)
    else:
        rehearsal.rehearse(args)


def _bootstrap(args) -> None:
    from deploy.bootstrap import bootstrap

    bootstrap(args)


def explain(exc: DeployError, *, err=None) -> None:
    """Print what failed and what to do next, as every command ends on a DeployError."""
    err = err or sys.stderr
    print(f"\nerror: {exc.message}", file=err)
    if exc.hint:
        print(f"next:  {exc.hint}", file=err)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("plan", "deploy", "destroy", "rollback", "releases", "drift", "logs"):
        command = sub.add_parser(name)
        command.add_argument("--env", required=True, help="stage: dev, qa or prod")
    sub.choices["plan"].add_argument("--offline", action="store_true", help="as CI: no AWS account")
    rehearse = sub.add_parser("rehearse", help="apply to a local moto, re-plan, read back, destroy")
    rehearse.add_argument("--env", required=True, help="stage (dev, qa, prod) or bootstrap")
    rehearse.add_argument(
        "--cycles", type=int, default=1, help="apply and destroy this many times (default 1)"
    )
    rehearse.add_argument(
        "--no-build", action="store_true", help="use build/manifest.json as it is (no build.py)"
    )
    rehearse.add_argument(
        "--skip-rerun", action="store_true", help="leave out the unchanged/changed re-runs"
    )
    sub.add_parser(
        "bootstrap", help="state bucket, API Gateway logging role, CI roles (once per account)"
    ).add_argument("--var-file", default="", help="default: terraform/bootstrap/account.tfvars")
    sub.choices["deploy"].add_argument("--allow-dirty", action="store_true")
    comment = sub.add_parser("pr-comment", help="the plan review comment of every stage's plan")
    comment.add_argument("--out", type=Path, default=ROOT / "build" / "plans" / "pr-comment.md")
    comment.add_argument("--commit", default="", help="commit the plans are of (default HEAD)")
    comment.add_argument("--run-url", default="", help="link to the CI run")
    sub.choices["destroy"].add_argument("--yes", action="store_true")
    sub.choices["logs"].add_argument(
        "--fn", default="api", choices=["api", "report", "migrate", "warmer"]
    )
    sub.choices["logs"].add_argument("--since-minutes", type=int, default=10)
    sub.choices["logs"].add_argument("--follow", action="store_true")
    args = parser.parse_args(argv)
    use_cli_environment()
    try:
        code = {
            "plan": plan,
            "deploy": deploy,
            "destroy": destroy,
            "rollback": rollback,
            "releases": releases,
            "drift": drift,
            "pr-comment": pr_comment,
            "logs": logs,
            "rehearse": _rehearse,
            "bootstrap": _bootstrap,
        }[args.command](args)
    except DeployError as exc:
        explain(exc)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
