"""Process harness for the end-to-end suite: the mock OpenAI upstream and a real Envoy.

Nothing is built here (the Makefile builds the wasm first). Every port is chosen by the kernel
(port 0) and read back, so parallel helpers on the same machine never collide:
- the mock prints its port on its first stdout line;
- Envoy writes its admin address to `--admin-address-path`, and the listener's bound port is
  read from the admin `/listeners?format=json`.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import yaml

REPO = Path(__file__).resolve().parents[2]
DEMO_YAML = REPO / "envoy" / "demo.yaml"
MOCK_SCRIPT = REPO / "tests" / "mock_openai.py"
WASM_FILTER = "envoy.filters.http.wasm"
AUDIT_PREFIX = "ocf.audit "

START_TIMEOUT = float(os.environ.get("OCF_E2E_START_TIMEOUT", "90"))


def _http_get(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback only
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _http_post(url: str, timeout: float = 5.0) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=b"", method="POST")
    with urllib.request.urlopen(req, timeout=timeout) as r:  # noqa: S310 - loopback only
        return r.status, r.read()


def wait_for(pred: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Polls `pred` until it returns something truthy; raises with `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        val = pred()
        if val:
            return val
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def _kill_group(proc: subprocess.Popen, grace: float = 10.0) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=grace)


# ---------------------------------------------------------------------------------------------
# The mock


class Mock:
    """tests/mock_openai.py in its own process group on a kernel-chosen loopback port."""

    def __init__(self, workdir: Path, python: str = sys.executable) -> None:
        self.workdir = workdir
        self.log_path = workdir / "mock.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [python, str(MOCK_SCRIPT), "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=self._log,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().decode().strip()
        if not line.isdigit():
            self.stop()
            raise RuntimeError(f"mock did not print its port (got {line!r}); see {self.log_path}")
        self.port = int(line)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_for(lambda: self._healthy(), 30, "the mock to answer /__mock/health")

    def _healthy(self) -> bool:
        try:
            return _http_get(self.base + "/__mock/health", timeout=2)[0] == 200
        except OSError:
            return False

    def requests(self) -> list[dict[str, Any]]:
        """Every request the mock received since the last reset (bodies decoded to bytes)."""
        status, body = _http_get(self.base + "/__mock/requests")
        assert status == 200, status
        items = json.loads(body)
        for it in items:
            it["body"] = base64.b64decode(it["body_b64"])
        return items

    def reset(self) -> None:
        _http_post(self.base + "/__mock/reset")

    def stop(self) -> None:
        _kill_group(self.proc)
        if self.proc.stdout:
            self.proc.stdout.close()
        self._log.close()


# ---------------------------------------------------------------------------------------------
# Envoy configuration


def render_config(
    *,
    upstream_port: int,
    wasm: Path | None,
    policy: str | None,
    template: Path = DEMO_YAML,
) -> dict[str, Any]:
    """envoy/demo.yaml with kernel-chosen ports, the given upstream port, wasm and policy.

    `wasm=None` removes the wasm filter (a plain proxy, for the harness self-test).
    `policy=None` keeps the policy inlined in the template.
    """
    cfg = yaml.safe_load(template.read_text())
    cfg = copy.deepcopy(cfg)
    cfg["admin"]["address"]["socket_address"]["port_value"] = 0
    listeners = cfg["static_resources"]["listeners"]
    assert len(listeners) == 1, "the template must have exactly one listener"
    listeners[0]["address"]["socket_address"]["port_value"] = 0
    for cluster in cfg["static_resources"]["clusters"]:
        for group in cluster["load_assignment"]["endpoints"]:
            for ep in group["lb_endpoints"]:
                sa = ep["endpoint"]["address"]["socket_address"]
                assert sa["address"] == "127.0.0.1", "the template must route to loopback"
                sa["port_value"] = upstream_port
    hcm = listeners[0]["filter_chains"][0]["filters"][0]["typed_config"]
    filters = hcm["http_filters"]
    wasm_filters = [f for f in filters if f["name"] == WASM_FILTER]
    assert len(wasm_filters) == 1, "the template must have exactly one wasm filter"
    if wasm is None:
        hcm["http_filters"] = [f for f in filters if f["name"] != WASM_FILTER]
    else:
        plugin = wasm_filters[0]["typed_config"]["config"]
        plugin["vm_config"]["code"]["local"]["filename"] = str(wasm)
        if policy is not None:
            plugin["configuration"]["value"] = policy
    return cfg


# ---------------------------------------------------------------------------------------------
# Envoy


@dataclass
class Envoy:
    """A running Envoy (own process group), its log file and its ports."""

    binary: str
    config: dict[str, Any]
    workdir: Path
    name: str = "envoy"
    concurrency: int = 1  # worker threads (each its own wasm VM)
    proc: subprocess.Popen | None = None
    admin: str = ""
    port: int = 0
    exit_code: int | None = None
    log_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.workdir / f"{self.name}.log"
        self.config_path = self.workdir / f"{self.name}.yaml"
        self.admin_path = self.workdir / f"{self.name}.admin"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, expect_ready: bool = True) -> "Envoy":
        """Starts Envoy; waits for `/ready` (or, with expect_ready=False, for it to exit or be
        ready, whichever comes first)."""
        self.config_path.write_text(yaml.safe_dump(self.config, sort_keys=False))
        if self.admin_path.exists():
            self.admin_path.unlink()
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [
                self.binary,
                "-c", str(self.config_path),
                "--disable-hot-restart",
                "--concurrency", str(self.concurrency),
                "--admin-address-path", str(self.admin_path),
                "-l", "info",
                "--component-log-level", "wasm:debug",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(REPO),
        )
        log.close()

        def ready_or_exited() -> str | None:
            if self.proc is not None and self.proc.poll() is not None:
                return "exited"
            if not self.admin:
                if not self.admin_path.exists():
                    return None
                addr = self.admin_path.read_text().strip()
                if not addr:
                    return None
                self.admin = "http://" + addr
            try:
                status, body = _http_get(self.admin + "/ready", timeout=2)
            except OSError:
                return None
            return "ready" if status == 200 and body.strip() == b"LIVE" else None

        try:
            state = wait_for(ready_or_exited, START_TIMEOUT, f"Envoy to be ready ({self.log_path})")
        except TimeoutError:
            self.stop()
            raise
        if state == "exited":
            self.exit_code = self.proc.returncode if self.proc else None
            if expect_ready:
                raise RuntimeError(
                    f"Envoy exited with {self.exit_code} before ready; log tail:\n"
                    + self.log_tail()
                )
            return self
        self.port = self._listener_port()
        return self

    def _listener_port(self) -> int:
        status, body = _http_get(self.admin + "/listeners?format=json")
        assert status == 200, body
        statuses = json.loads(body)["listener_statuses"]
        return int(statuses[0]["local_address"]["socket_address"]["port_value"])

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            _kill_group(self.proc)
            self.exit_code = self.proc.returncode

    # ---- logs -----------------------------------------------------------------------------

    def log_bytes(self) -> bytes:
        try:
            return self.log_path.read_bytes()
        except FileNotFoundError:
            return b""

    def log_text(self) -> str:
        return self.log_bytes().decode("utf-8", errors="replace")

    def log_offset(self) -> int:
        """A mark: pass it to `audit_records(since=...)` to see only later records."""
        return len(self.log_bytes())

    def log_tail(self, lines: int = 60) -> str:
        """The last lines of the log, without Envoy's start-up inventory (extension lists)."""
        noise = ("server.cc:467]", "server.cc:547]", "server.cc:544]")
        kept = [ln for ln in self.log_text().splitlines() if not any(n in ln for n in noise)]
        return "\n".join(kept[-lines:])

    def audit_records(self, since: int = 0) -> list[dict[str, Any]]:
        """Every `ocf.audit {...}` record logged after byte offset `since`."""
        out = []
        text = self.log_bytes()[since:].decode("utf-8", errors="replace")
        for line in text.splitlines():
            idx = line.find(AUDIT_PREFIX)
            if idx < 0:
                continue
            payload = line[idx + len(AUDIT_PREFIX):].strip()
            try:
                out.append(json.loads(payload))
            except json.JSONDecodeError as e:
                raise AssertionError(f"audit record is not one JSON object: {e}") from None
        return out

    def wait_audit(self, since: int, count: int = 1, timeout: float = 20) -> list[dict[str, Any]]:
        """Waits until at least `count` audit records appear after `since` (on_log runs after the
        client has its response, so the record may lag the response)."""
        return wait_for(
            lambda: (recs := self.audit_records(since)) and len(recs) >= count and recs,
            timeout,
            f"{count} audit record(s) in {self.log_path}",
        )

    def stats(self, prefix: str = "") -> dict[str, int]:
        status, body = _http_get(self.admin + "/stats?format=json")
        assert status == 200
        out = {}
        for s in json.loads(body).get("stats", []):
            if "value" in s and s["name"].startswith(prefix):
                out[s["name"]] = s["value"]
        return out


def new_workdir(root: Path | None, prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=prefix, dir=str(root) if root else None))
