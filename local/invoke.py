"""`make invoke FN=report|warmer|migrate|api [EVENT=file.json]`: run one function locally.

Against a running `make dev` (found through its lock and `stack.json` in
the state dir), the event goes to the stack's local Lambda Invoke API, so
the function runs in the same workers, database and moto as the API.
Without one, a headless stack (no storefront, no seeding, free ports) is
started on the same state dir for the one call and stopped afterwards.
Default events: report -> `{}` (yesterday), migrate -> upgrade, warmer ->
`{}` (the app config's concurrency), api -> `GET /v1/health` as a proxy
event. Exit status 1 when the function failed.
"""

import argparse
import json
import socket
import sys
import urllib.request
from pathlib import Path

from local import checks
from local.httpd import urlopen

ROOT = Path(__file__).resolve().parents[1]
FUNCTIONS = ("report", "warmer", "migrate", "api")


def default_event(function: str, api_url: str, *, stage: str = "dev") -> dict:
    """Return the event `make invoke` sends when no EVENT file is given."""
    if function == "migrate":
        return {"action": "upgrade"}
    if function != "api":
        return {}
    from local import contract
    from local.aws import ACCOUNT_ID
    from local.events import HttpRequest, Stage, build_event, new_request_id

    route, _ = contract.load(ROOT / "api" / "openapi.yaml", {}).match("GET", "/v1/health")
    port = int(api_url.rsplit(":", 1)[1])
    request = HttpRequest("GET", "/v1/health", headers=[("Host", f"127.0.0.1:{port}")], port=port)
    api_stage = Stage(stage, ACCOUNT_ID, variables={"alias": stage})
    return build_event(request, route, {}, api_stage, request_id=new_request_id())


def invoke(
    api_url: str, function: str, event: object, *, project="shop", stage="dev"
) -> tuple[dict, bool]:
    """Invoke `<project>-<stage>-<function>:<stage>`; return (answer, failed)."""
    name = f"{project}-{stage}-{function}:{stage}"
    request = urllib.request.Request(
        f"{api_url}/_local/lambda/2015-03-31/functions/{name}/invocations",
        data=json.dumps(event).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urlopen(request, timeout=600) as response:
        failed = response.headers.get("X-Amz-Function-Error") is not None
        return json.loads(response.read() or b"null"), failed


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m local.invoke", description=__doc__.split("\n")[0]
    )
    parser.add_argument("function", choices=FUNCTIONS)
    parser.add_argument("--event", type=Path, help="JSON file with the event")
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".local")
    args = parser.parse_args(argv)
    try:
        event = json.loads(args.event.read_text()) if args.event else None
    except (OSError, ValueError) as exc:
        print(f"error: cannot read the event {args.event}: {exc}", file=sys.stderr)
        return 2

    lock = checks.StackLock(args.state_dir)
    if lock.acquire():
        return _standalone(args, event, lock)
    info = lock.running_info()
    if not info.get("api"):
        print("a stack is starting on this state dir; try again in a moment", file=sys.stderr)
        return 1
    print(f"invoking {args.function} through the running stack at {info['api']}", file=sys.stderr)
    if event is None:
        event = default_event(args.function, info["api"])
    return _report(args.function, *invoke(info["api"], args.function, event))


def _standalone(args, event, lock: checks.StackLock) -> int:
    missing = checks.missing_packages(None)
    if missing:
        print(
            f"missing Python packages: {', '.join(missing)}; {checks.INSTALL_HINT}", file=sys.stderr
        )
        return 1
    from local.system import Options, Stack, StackError

    options = Options(
        state_dir=args.state_dir,
        api_port=_free_port(),
        web_port=None,
        moto_port=_free_port(),
        seed=False,
    )
    stack = Stack(options)
    print("no stack running: starting a headless one for this call", file=sys.stderr)
    try:
        stack.start()
        if event is None:
            event = default_event(args.function, stack.api_url)
        return _report(args.function, *invoke(stack.api_url, args.function, event))
    except (StackError, OSError, ValueError) as exc:
        print(f"error: the local stack could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()
        lock.release()


def _report(function: str, answer, failed: bool) -> int:
    print(json.dumps(answer, indent=2))
    if function == "warmer" and isinstance(answer, dict) and "distinct_containers" in answer:
        print(
            f"warmer: {answer['invocations']} pings reached {answer['distinct_containers']} "
            f"distinct api workers ({answer['cold_starts']} cold)",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
