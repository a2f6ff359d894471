"""`python -m local.stack`: what `make dev` runs, in the foreground until Ctrl-C.

Checks first (Python version, packages, a stack already running on the
same state dir, ports), each failing with a message that says the fix;
then starts `local.system.Stack`, prints one machine-readable line
starting with `ready ` and a human summary, and stops everything on
SIGINT or SIGTERM. Exit status: 0 after a clean stop, 1 when it could not
start, 2 for bad arguments, 130 when interrupted while starting.
"""

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from local import checks

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local.stack", description="Run the whole system locally (make dev)."
    )
    add = parser.add_argument
    add("--api-port", type=int, default=3000, help="local API Gateway port (3000)")
    add("--web-port", type=int, default=8080, help="storefront port (8080)")
    add("--no-web", action="store_true", help="do not serve the storefront")
    add("--moto-port", type=int, default=3001, help="local AWS (moto) port (3001)")
    add("--state-dir", type=Path, default=ROOT / ".local", help="SQLite file, lock, API key")
    add("--tfvars", type=Path, help="stage tfvars (envs/dev.tfvars)")
    add("--concurrency", type=int, default=4, help="api worker processes at most (4)")
    add(
        "--cache-ttl",
        type=float,
        help="gateway cache TTL, seconds; 0 = off (default: the stage's, from its tfvars)",
    )
    add(
        "--cache-key-drop",
        action="append",
        default=[],
        metavar="PARAM",
        help="leave PARAM (e.g. min_price) out of every cache key, to show the pitfall",
    )
    add("--integration-timeout", type=float, default=29.0, help="seconds (29, as in AWS)")
    add("--api-key", help="the admin API key (default: generated once into the state dir)")
    add(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="mysql+pymysql://user:pw@host:port/db for MariaDB/MySQL (default: SQLite; "
        "also read from DATABASE_URL)",
    )
    add("--no-seed", action="store_true", help="do not create the sample catalogue")
    add("--no-throttle", action="store_true", help="ignore the tfvars' throttling limits")
    add(
        "--function-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="add KEY=VALUE to every function's environment (e.g. "
        "AWS_ENDPOINT_URL_SES=http://127.0.0.1:4566 to send e-mail elsewhere)",
    )
    args = parser.parse_args(argv)
    if any("=" not in pair for pair in args.function_env):
        parser.error("--function-env takes KEY=VALUE")
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    return args


def preflight_problems(args: argparse.Namespace) -> list[str]:
    """Return every reason the stack cannot start, each with its fix."""
    problems = []
    python = checks.python_problem(ROOT)
    if python:
        problems.append(python)
    missing = checks.missing_packages(args.database_url)
    if missing:
        problems.append(f"missing Python packages: {', '.join(missing)}; {checks.INSTALL_HINT}")
    ports = [("--api-port", args.api_port), ("--moto-port", args.moto_port)]
    if not args.no_web:
        ports.append(("--web-port", args.web_port))
    if len({p for _, p in ports}) != len(ports):
        problems.append(f"the ports must differ: {', '.join(f'{f} {p}' for f, p in ports)}")
    for flag, port in ports:
        problem = checks.port_problem(port, flag)
        if problem:
            problems.append(problem)
    return problems


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C must work even when started from a shell that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args = parse_args(argv)
    lock = checks.StackLock(args.state_dir)
    if not lock.acquire():
        print(checks.already_running_message(lock.running_info(), args.state_dir), file=sys.stderr)
        return 1
    lock.publish({"starting": True})
    try:
        problems = preflight_problems(args)
        if problems:
            for problem in problems:
                print(f"error: {problem}", file=sys.stderr)
            return 1
        return _run(args, lock)
    finally:
        lock.release()


def _run(args: argparse.Namespace, lock: checks.StackLock) -> int:
    from local.system import Options, Stack, StackError

    started = time.monotonic()
    options = Options(
        state_dir=args.state_dir,
        api_port=args.api_port,
        web_port=None if args.no_web else args.web_port,
        moto_port=args.moto_port,
        tfvars=args.tfvars,
        concurrency=args.concurrency,
        cache_ttl=args.cache_ttl,
        cache_key_drop=tuple(args.cache_key_drop),
        integration_timeout=args.integration_timeout,
        api_key=args.api_key,
        database_url=args.database_url,
        seed=not args.no_seed,
        throttle=not args.no_throttle,
        function_env=dict(pair.split("=", 1) for pair in args.function_env),
    )
    stack = Stack(options)
    print(f"starting the local stack (state in {args.state_dir}) ...", flush=True)
    try:
        stack.start()  # Ctrl-C here is a KeyboardInterrupt; start() cleans up
    except KeyboardInterrupt:
        print("interrupted while starting; stopped.", file=sys.stderr)
        return 130
    except (StackError, OSError, ValueError) as exc:
        print(f"error: the local stack could not start: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        info = {"api": stack.api_url, "web": stack.web_url, "aws": stack.aws.endpoint}
        lock.publish({**info, "api_key": stack.api_key})
        _say_ready(stack, time.monotonic() - started)
        while not stop.wait(0.5):
            pass
        print("stopping ...", flush=True)
    finally:
        stack.stop()
    print("stopped.", flush=True)
    return 0


def _say_ready(stack, seconds: float) -> None:
    api, web = stack.api_url, stack.web_url
    fields = [f"api={api}"]
    if web:
        fields.append(f"web={web}")
    fields += [f"outbox={api}/_local/outbox", f"aws={stack.aws.endpoint}"]
    for note in stack.notes:
        print(f"note: {note}", flush=True)
    migration = stack.migration
    print(f"migrations: {migration['before']} -> {migration['after']} (head {migration['head']})")
    if stack.seeded:
        print(f"seeded {stack.seeded} products through POST /v1/products")
    print(f"ready {' '.join(fields)} in {seconds:.1f}s")
    rows = [
        ("API", f"{api}  (api/openapi.yaml, stage {stack.stage_values.name})"),
        ("storefront", web or "off (--no-web)"),
        ("API docs", f"{web}/docs/index.html" if web else "off"),
        ("outbox", f"{api}/_local/outbox  (SES e-mails, SNS events)"),
        ("workers", f"{api}/_local/workers"),
        ("local AWS", f"{stack.aws.endpoint}  (moto: SSM, SNS, SES, S3, Secrets Manager)"),
        ("database", stack.database_url.split("@")[-1]),
        ("API key", f"{stack.api_key}  (x-api-key, admin routes)"),
        ("cache", f"TTL {stack.cache_ttl:g}s; flush: curl -X DELETE {api}/_local/cache"),
    ]
    for label, value in rows:
        print(f"  {label:<11}{value}")
    print("Ctrl-C stops everything.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
