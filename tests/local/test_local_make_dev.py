"""`make dev` itself, as a developer runs it: start it on free ports, wait
for its ready line, use it over real HTTP (API, storefront, outbox, `make
invoke`), refuse a second one, then Ctrl-C (SIGINT to its process group)
and check that every port is free and every worker gone."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests
from localkit import ROOT, port_is_free

from support.mariadb import free_port

START_TIMEOUT_S = 120


def wait_for_line(path, pattern: str, process, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = path.read_text() if path.exists() else ""
        found = re.search(pattern, text, re.MULTILINE)
        if found:
            return found.group(0)
        if process.poll() is not None:
            pytest.fail(f"make dev exited with {process.returncode}:\n{text[-3000:]}")
        time.sleep(0.1)
    pytest.fail(f"no line matching {pattern!r} within {timeout}s:\n{path.read_text()[-3000:]}")


def start_make_dev(ports: dict, state, log, *, mode: str = "w") -> subprocess.Popen:
    """Start `make dev` on `ports` with `state`, its output written (or appended) to `log`."""
    command = ["make", "-s", "dev", *(f"{k}={v}" for k, v in ports.items()), f"STATE_DIR={state}"]
    with log.open(mode) as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's job
        )


@pytest.fixture
def make_dev(tmp_path):
    """Start `make dev` on free ports; stop it with SIGINT if a test left it running."""
    ports = {"API_PORT": free_port(), "WEB_PORT": free_port(), "MOTO_PORT": free_port()}
    state = tmp_path / "state"
    log = tmp_path / "make-dev.log"
    process = start_make_dev(ports, state, log)
    run = {"process": process, "ports": ports, "state": state, "log": log}
    yield run
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=30)


def test_make_dev_runs_the_system_and_ctrl_c_stops_all_of_it(make_dev):
    process, ports, state, log = (make_dev[k] for k in ("process", "ports", "state", "log"))
    api = f"http://127.0.0.1:{ports['API_PORT']}"
    web = f"http://127.0.0.1:{ports['WEB_PORT']}"

    ready = wait_for_line(log, r"^ready .*$", process, START_TIMEOUT_S)
    assert f"api={api}" in ready and f"web={web}" in ready
    assert f"aws=http://127.0.0.1:{ports['MOTO_PORT']}" in ready

    # The API, through the local gateway and the real handler
    assert requests.get(f"{api}/v1/health", timeout=30).json()["status"] == "ok"
    catalogue = requests.get(f"{api}/v1/products", params={"page_size": 100}, timeout=30).json()
    assert catalogue["total"] >= 30
    assert len({p["category"] for p in catalogue["items"]}) >= 5
    # The storefront, with its generated files
    config = requests.get(f"{web}/config.json", timeout=10).json()
    assert config == {"apiBaseUrl": api, "stage": "dev"}
    assert "paths" in requests.get(f"{web}/openapi.json", timeout=10).json()
    assert set(requests.get(f"{api}/_local/outbox", timeout=10).json()) == {"emails", "events"}

    # `make invoke` reaches the running stack: the warmer counts distinct workers
    # (a 1 s hold keeps each ping busy, so three pings need three workers)
    event = state.parent / "warm.json"
    event.write_text(json.dumps({"concurrency": 3, "hold_ms": 1000}))
    invoked = subprocess.run(
        ["make", "-s", "invoke", "FN=warmer", f"STATE_DIR={state}", f"EVENT={event}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert invoked.returncode == 0, invoked.stderr
    warmed = json.loads(invoked.stdout)
    assert warmed["distinct_containers"] == warmed["invocations"] == 3
    assert "3 pings reached 3 distinct api workers" in invoked.stderr

    # A second `make dev` on the same state says so instead of failing obscurely
    second = subprocess.run(
        [sys.executable, "-m", "local.stack", "--state-dir", str(state)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "already running" in second.stderr and api in second.stderr

    workers = requests.get(f"{api}/_local/workers", timeout=10).json()
    pids = [w["pid"] for pool in workers.values() for w in pool["workers"]]
    assert pids

    # Ctrl-C: SIGINT to the process group, as a terminal sends it
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=30)
    assert "stopped." in log.read_text()
    assert all(port_is_free(port) for port in ports.values()), ports
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_port_in_use_is_reported_with_the_fix(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "local.stack",
                "--state-dir",
                str(tmp_path),
                "--api-port",
                str(port),
                "--web-port",
                str(free_port()),
                "--moto-port",
                str(free_port()),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr
    assert "--api-port" in result.stderr


def test_a_first_start_stopped_while_seeding_is_finished_and_health_waits_for_it(make_dev):
    """GIVEN `make dev` stopped with Ctrl-C while it seeds the catalogue, WHEN it is started
    again on the same state, THEN the first answer /v1/health gives already comes from a
    complete catalogue: the port answers nothing while seeding, which resumes."""
    process, ports, state, log = (make_dev[k] for k in ("process", "ports", "state", "log"))
    api = f"http://127.0.0.1:{ports['API_PORT']}"
    full = len(json.loads((ROOT / "local" / "catalogue.json").read_text()))
    marker = state / "seeded"
    deadline = time.monotonic() + START_TIMEOUT_S
    while not (marker.exists() and marker.read_text() == "started\n"):
        assert time.monotonic() < deadline and process.poll() is None, log.read_text()[-3000:]
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGINT)
    process.wait(timeout=60)
    assert marker.read_text() == "started\n"  # stopped halfway

    again = start_make_dev(ports, state, log, mode="a")
    make_dev["process"] = again
    try:
        while True:  # poll until the first answer of any kind
            assert time.monotonic() < deadline + START_TIMEOUT_S and again.poll() is None
            try:
                health = requests.get(f"{api}/v1/health", timeout=30)
                break
            except requests.ConnectionError:
                time.sleep(0.05)
        total = requests.get(f"{api}/v1/products", params={"page_size": 1}, timeout=30)
        assert health.status_code == 200
        assert total.json()["total"] == full and marker.read_text() == "done\n"
    finally:
        os.killpg(again.pid, signal.SIGINT)
        again.wait(timeout=60)
