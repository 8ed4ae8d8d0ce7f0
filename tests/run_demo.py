#!/usr/bin/env python3
"""`make run`: the mock OpenAI upstream and Envoy with envoy/demo.yaml, until stopped.

Both run in their own process groups and are stopped together on Ctrl-C (SIGINT), SIGTERM and
SIGHUP, and they die with this process if it is killed outright (Linux: a parent-death signal).
Before anything else it checks that its three ports are free, so a second `make run` says so
instead of printing a banner that the first one's processes would answer. Envoy's log (with
the `ocf.audit` records) goes to this terminal.

    python3 tests/run_demo.py [--port 10000] [--admin-port 9901] [--mock-port 18080]
    python3 tests/run_demo.py --check-ports ...   # only the port check (exit 1 if taken)
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CURL = """\
Try it (an email address and a card number in a chat completion):

  curl -s http://127.0.0.1:%(port)d/v1/chat/completions \\
    -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-proj-demo-not-a-key' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Email jane.doe@example.com, card 4111 1111 1111 1111"}]}'

The mock answers every OpenAI operation with a reply of its shape and echoes what it received
("You said: ..."). Every request it received, exactly as it arrived (after the filter):
  curl -s http://127.0.0.1:%(mock)d/__mock/requests
Envoy admin: http://127.0.0.1:%(admin)d   Ctrl-C (or SIGTERM, SIGHUP) stops both.
"""


class Stop(Exception):
    """Raised by the SIGTERM/SIGHUP handler so that `finally` stops the children."""


def _on_signal(signum: int, _frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when this process dies, however it dies (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback only
            return r.status == 200
    except OSError:
        return False


def taken_ports(ports: dict[str, int]) -> list[str]:
    """The ports of `ports` ({what: port}) that something on 127.0.0.1 already holds."""
    out = []
    for what, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                out.append(f"port {port} ({what})")
    return out


def render_config(template: Path, port: int, admin_port: int, mock_port: int) -> Path:
    """The demo YAML with the given ports, written to a temporary file."""
    import yaml  # from .venv (requirements-test.txt); not needed by --check-ports

    cfg = yaml.safe_load(template.read_text())
    cfg["admin"]["address"]["socket_address"]["port_value"] = admin_port
    for listener in cfg["static_resources"]["listeners"]:
        listener["address"]["socket_address"]["port_value"] = port
    for cluster in cfg["static_resources"]["clusters"]:
        for group in cluster["load_assignment"]["endpoints"]:
            for ep in group["lb_endpoints"]:
                ep["endpoint"]["address"]["socket_address"]["port_value"] = mock_port
    fd, name = tempfile.mkstemp(prefix="ocf-demo-", suffix=".yaml")
    with os.fdopen(fd, "w") as f:
        yaml.safe_dump(cfg, f, sort_keys=False)
    return Path(name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port", type=int, default=10000, help="Envoy's listener")
    ap.add_argument("--admin-port", type=int, default=9901, help="Envoy's admin")
    ap.add_argument("--mock-port", type=int, default=18080)
    ap.add_argument("--envoy", default=str(REPO / ".venv" / "bin" / "envoy"))
    ap.add_argument("--config", default="envoy/demo.yaml")
    ap.add_argument("--check-ports", action="store_true",
                    help="only check that the ports are free (exit 1 if one is taken)")
    args = ap.parse_args()

    taken = taken_ports({"the Envoy listener": args.port, "Envoy admin": args.admin_port,
                         "the mock OpenAI": args.mock_port})
    if taken:
        print(f"demo: {', '.join(taken)} already in use on 127.0.0.1: is another `make run` "
              "still running? Stop it, or choose other ports (make run DEMO_PORT=... "
              "ADMIN_PORT=... MOCK_PORT=...).", file=sys.stderr, flush=True)
        return 1
    if args.check_ports:
        return 0

    # SIGTERM and SIGHUP stop the demo like Ctrl-C does (SIGINT raises KeyboardInterrupt).
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    config = render_config(REPO / args.config, args.port, args.admin_port, args.mock_port)
    procs: list[subprocess.Popen] = []
    try:
        mock = subprocess.Popen(
            [sys.executable, str(REPO / "tests" / "mock_openai.py"), "--port",
             str(args.mock_port)],
            stdout=subprocess.DEVNULL, start_new_session=True, cwd=REPO,
            preexec_fn=_die_with_parent,
        )
        procs.append(mock)
        envoy = subprocess.Popen(
            [args.envoy, "-c", str(config), "--concurrency", "2", "--disable-hot-restart",
             "-l", "info"],
            start_new_session=True, cwd=REPO, preexec_fn=_die_with_parent,
        )
        procs.append(envoy)
        deadline = time.monotonic() + 90
        while not (ready(f"http://127.0.0.1:{args.admin_port}/ready") and
                   ready(f"http://127.0.0.1:{args.mock_port}/__mock/health")):
            if envoy.poll() is not None or mock.poll() is not None:
                print("demo: Envoy or the mock exited during start-up (see above)",
                      file=sys.stderr)
                return 1
            if time.monotonic() > deadline:
                print("demo: not ready after 90s", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print("\n" + CURL % {"port": args.port, "mock": args.mock_port,
                             "admin": args.admin_port}, flush=True)
        while envoy.poll() is None and mock.poll() is None:
            time.sleep(0.5)
        return 1
    except (KeyboardInterrupt, Stop):
        return 0
    finally:
        # A second signal during the stop must not cut it short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        for proc in reversed(procs):
            stop(proc)
        config.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
