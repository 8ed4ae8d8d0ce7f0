"""`make run` (tests/run_demo.py): it stops Envoy and the mock on Ctrl-C, SIGTERM and SIGHUP,
leaving no process behind, and a second demo whose ports are taken says so before anything else.

Ports are chosen by the kernel and handed to the demo (`--port`, `--admin-port`, `--mock-port`).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from harness import REPO, wait_for

DEMO = REPO / "tests" / "run_demo.py"


def free_ports(n: int) -> list[int]:
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren
        fields = stat.rsplit(")", 1)[-1].split()
        if int(fields[1]) == pid:
            out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def demo_args(envoy_bin: str, wasm_path: Path, ports: list[int]) -> list[str]:
    return [sys.executable, str(DEMO), "--port", str(ports[0]), "--admin-port", str(ports[1]),
            "--mock-port", str(ports[2]), "--envoy", envoy_bin]


@pytest.fixture
def demo_env(wasm_path: Path) -> dict[str, str]:
    # envoy/demo.yaml names the module by its path relative to the repo, where `make` builds it.
    built = REPO / "target" / "wasm32-wasip1" / "release" / "openai_compliance_filter.wasm"
    assert wasm_path.resolve() == built.resolve(), "the demo loads the module `make build` wrote"
    return dict(os.environ)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=lambda s: s.name)
def test_demo_stops_envoy_and_the_mock_on(sig: signal.Signals, envoy_bin: str, wasm_path: Path,
                                         demo_env: dict, tmp_path: Path) -> None:
    ports = free_ports(3)
    out = open(tmp_path / "demo.out", "wb")
    demo = subprocess.Popen(demo_args(envoy_bin, wasm_path, ports), stdout=out,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO,
                            env=demo_env)
    try:
        wait_for(lambda: b"Try it" in (tmp_path / "demo.out").read_bytes()
                 or demo.poll() is not None, 90, "the demo's banner")
        assert demo.poll() is None, (tmp_path / "demo.out").read_text()
        kids = children_of(demo.pid)
        assert len(kids) == 2, kids  # the mock and Envoy
        # The demo works: a request through Envoy reaches the mock, redacted.
        req = urllib.request.Request(
            f"http://127.0.0.1:{ports[0]}/v1/embeddings", method="POST",
            data=b'{"model":"text-embedding-3-small","input":"hello"}',
            headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback only
            assert r.status == 200
        with urllib.request.urlopen(  # noqa: S310 - loopback only
                f"http://127.0.0.1:{ports[2]}/__mock/requests", timeout=10) as r:
            assert [it["path"] for it in json.load(r)] == ["/v1/embeddings"]

        demo.send_signal(sig)
        assert demo.wait(timeout=30) == 0
        wait_for(lambda: not any(alive(k) for k in kids), 10, "the demo's children to exit")
        # Every port is free again: a new demo could start.
        for port in ports:
            with socket.socket() as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        for k in children_of(demo.pid) if demo.poll() is None else []:
            os.kill(k, signal.SIGKILL)
        out.close()


def test_demo_children_die_with_a_killed_demo(envoy_bin: str, wasm_path: Path, demo_env: dict,
                                              tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the children still go (their parent-death signal)."""
    ports = free_ports(3)
    out = open(tmp_path / "demo.out", "wb")
    demo = subprocess.Popen(demo_args(envoy_bin, wasm_path, ports), stdout=out,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO,
                            env=demo_env)
    kids: list[int] = []
    try:
        wait_for(lambda: b"Try it" in (tmp_path / "demo.out").read_bytes()
                 or demo.poll() is not None, 90, "the demo's banner")
        kids = children_of(demo.pid)
        assert len(kids) == 2, kids
        demo.kill()
        demo.wait(timeout=10)
        wait_for(lambda: not any(alive(k) for k in kids), 20, "the demo's children to exit")
    finally:
        for k in kids:
            if alive(k):
                os.kill(k, signal.SIGKILL)
        out.close()


def test_demo_with_a_taken_port_says_so_first(envoy_bin: str, wasm_path: Path, demo_env: dict,
                                              tmp_path: Path) -> None:
    ports = free_ports(3)
    for taken in range(3):
        holder = socket.socket()
        holder.bind(("127.0.0.1", ports[taken]))
        holder.listen()
        try:
            t0 = time.monotonic()
            r = subprocess.run(demo_args(envoy_bin, wasm_path, ports), capture_output=True,
                               stdin=subprocess.DEVNULL, cwd=REPO, env=demo_env, timeout=30)
            assert r.returncode == 1
            assert r.stdout == b"", r.stdout  # no banner
            first = r.stderr.decode().splitlines()[0]
            assert first.startswith(f"demo: port {ports[taken]} (") and "already in use" in first
            assert time.monotonic() - t0 < 10  # nothing was started
        finally:
            holder.close()


def test_make_run_with_a_taken_port_says_so_before_building(tmp_path: Path) -> None:
    """`make run` checks its ports before `build` and `venv` print anything."""
    ports = free_ports(3)
    holder = socket.socket()
    holder.bind(("127.0.0.1", ports[0]))
    holder.listen()
    try:
        r = subprocess.run(
            ["make", "--no-print-directory", "run", f"DEMO_PORT={ports[0]}",
             f"ADMIN_PORT={ports[1]}", f"MOCK_PORT={ports[2]}"],
            capture_output=True, stdin=subprocess.DEVNULL, cwd=REPO, timeout=60)
    finally:
        holder.close()
    assert r.returncode != 0
    assert r.stdout == b"", r.stdout
    assert r.stderr.decode().startswith(f"demo: port {ports[0]} (the Envoy listener) already"), \
        r.stderr
