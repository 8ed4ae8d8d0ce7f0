#!/usr/bin/env python3
"""`make run`: the mock OpenAI upstream and Envoy with envoy/demo.yaml, until Ctrl-C.

Both run in their own process groups and are stopped together; Envoy's log (with the
`ocf.audit` records) goes to this terminal.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

CURL = """\
Try it (an email address and a card number in a chat completion):

  curl -s http://127.0.0.1:10000/v1/chat/completions \\
    -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-proj-demo-not-a-key' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Email jane.doe@example.com, card 4111 1111 1111 1111"}]}'

The mock echoes what it received ("You said: ..."); see its raw view with
  curl -s http://127.0.0.1:%(mock)d/__mock/requests
Envoy admin: http://127.0.0.1:9901   Ctrl-C stops both.
"""


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:  # noqa: S310 - loopback only
            return r.status == 200
    except OSError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mock-port", type=int, default=18080)
    ap.add_argument("--envoy", default=str(REPO / ".venv" / "bin" / "envoy"))
    ap.add_argument("--config", default="envoy/demo.yaml")
    args = ap.parse_args()

    mock = subprocess.Popen(
        [sys.executable, str(REPO / "tests" / "mock_openai.py"), "--port", str(args.mock_port)],
        stdout=subprocess.DEVNULL, start_new_session=True, cwd=REPO,
    )
    envoy = subprocess.Popen(
        [args.envoy, "-c", args.config, "--concurrency", "2", "--disable-hot-restart",
         "-l", "info"],
        start_new_session=True, cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 90
        while not (ready("http://127.0.0.1:9901/ready") and
                   ready(f"http://127.0.0.1:{args.mock_port}/__mock/health")):
            if envoy.poll() is not None or mock.poll() is not None:
                print("demo: Envoy or the mock exited during start-up (see above)",
                      file=sys.stderr)
                return 1
            if time.monotonic() > deadline:
                print("demo: not ready after 90s", file=sys.stderr)
                return 1
            time.sleep(0.2)
        print("\n" + CURL % {"mock": args.mock_port}, flush=True)
        while envoy.poll() is None and mock.poll() is None:
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop(envoy)
        stop(mock)


if __name__ == "__main__":
    sys.exit(main())
