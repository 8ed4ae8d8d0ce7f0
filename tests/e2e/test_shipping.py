"""The module shipped the way meshes load it.

- `make oci`'s layout (scripts/oci_image.py) pushed with skopeo to a Docker registry on
  loopback (Debian `docker-registry`, its own temp config and port) and pulled back: the same
  manifest digest, and the `plugin.wasm` read back the way Istio reads the compat variant is
  the built module byte for byte.
- Envoy fetching the module over HTTP (`vm_config.code.remote` with `sha256`) from a local
  server, as envoy/remote-module.yaml does: the filter works; a module whose sha256 does not
  match is never loaded and the listener refuses traffic (fail closed).
"""

from __future__ import annotations

import copy
import hashlib
import http.server
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import yaml

from harness import REPO, Envoy, Mock, new_workdir, wait_for
from values import EMAIL

sys.path.insert(0, str(REPO / "scripts"))
import oci_image  # noqa: E402

REMOTE_YAML = REPO / "envoy" / "remote-module.yaml"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("docker-registry")
    assert binary, "docker-registry is not installed: `make test-e2e` installs it (ensure-tool.sh)"
    port = free_port()
    cfg = tmp_path / "registry.yml"
    cfg.write_text(yaml.safe_dump({
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {"filesystem": {"rootdirectory": str(tmp_path / "data")}},
        "http": {"addr": f"127.0.0.1:{port}"},
    }))
    log = open(tmp_path / "registry.log", "wb")
    proc = subprocess.Popen([binary, "serve", str(cfg)], stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)

    def up() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        wait_for(up, 30, "the loopback registry")
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


def skopeo(*args: str) -> str:
    binary = shutil.which("skopeo")
    assert binary, "skopeo is not installed: `make test-e2e` installs it (ensure-tool.sh)"
    out = subprocess.run([binary, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_the_oci_image_round_trips_through_a_registry(registry: str, wasm_path: Path,
                                                      tmp_path: Path) -> None:
    layout = tmp_path / "oci"
    digest = oci_image.write(layout, wasm_path.read_bytes(), "0.1.0", "test")
    # Deterministic: the same module, the same digest.
    assert oci_image.write(tmp_path / "again", wasm_path.read_bytes(), "0.1.0", "test") == digest
    ref = f"docker://{registry}/platform/openai-compliance-filter:0.1.0"
    skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:0.1.0", ref)
    raw = skopeo("inspect", "--raw", "--tls-verify=false", ref)
    assert "sha256:" + hashlib.sha256(raw.encode()).hexdigest() == digest
    manifest = json.loads(raw)
    assert manifest["annotations"]["module.wasm.image/variant"] == "compat"
    assert [layer["mediaType"] for layer in manifest["layers"]] == [oci_image.LAYER]
    pulled = tmp_path / "pulled"
    skopeo("copy", "--src-tls-verify=false", ref, f"oci:{pulled}:0.1.0")
    index = json.loads((pulled / "index.json").read_text())
    assert [m["digest"] for m in index["manifests"]] == [digest]
    assert oci_image.plugin_of_layout(pulled, "0.1.0") == wasm_path.read_bytes()


class _Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt: str, *args: Any) -> None:
        pass


@pytest.fixture
def module_server(wasm_path: Path, tmp_path: Path) -> Iterator[tuple[int, list[str]]]:
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(wasm_path, root / "openai_compliance_filter.wasm")
    seen: list[str] = []

    class Handler(_Files):
        def __init__(self, *a: Any, **kw: Any) -> None:
            super().__init__(*a, directory=str(root), **kw)

        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            seen.append(self.path)
            super().do_GET()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield server.server_address[1], seen
    server.shutdown()


def remote_config(mock_port: int, module_port: int, sha256: str) -> dict[str, Any]:
    cfg = copy.deepcopy(yaml.safe_load(REMOTE_YAML.read_text()))
    cfg["admin"]["address"]["socket_address"]["port_value"] = 0
    cfg["static_resources"]["listeners"][0]["address"]["socket_address"]["port_value"] = 0
    for cluster in cfg["static_resources"]["clusters"]:
        sa = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"][
            "address"]["socket_address"]
        sa["port_value"] = module_port if cluster["name"] == "wasm_modules" else mock_port
    hcm = cfg["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0][
        "typed_config"]
    (wasm,) = [f for f in hcm["http_filters"] if f["name"] == "envoy.filters.http.wasm"]
    remote = wasm["typed_config"]["config"]["vm_config"]["code"]["remote"]
    remote["sha256"] = sha256
    remote["http_uri"]["uri"] = f"http://127.0.0.1:{module_port}/openai_compliance_filter.wasm"
    return cfg


def test_envoy_fetches_the_module_over_http_with_its_sha256(
        envoy_bin: str, wasm_path: Path, workroot: Path, mock: Mock, module_server) -> None:
    port, seen = module_server
    sha = hashlib.sha256(wasm_path.read_bytes()).hexdigest()
    env = Envoy(envoy_bin, remote_config(mock.port, port, sha), new_workdir(workroot, "remote-"),
                name="remote")
    env.start()
    try:
        assert seen == ["/openai_compliance_filter.wasm"], seen
        body = json.dumps({"model": "gpt-4o-mini",
                           "messages": [{"role": "user", "content": f"mail {EMAIL}"}]})
        r = requests.post(env.base_url + "/v1/chat/completions", data=body, timeout=30,
                          headers={"Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        (got,) = mock.requests()
        assert b"[EMAIL]" in got["body"] and EMAIL.encode() not in got["body"]
        assert "openai-compliance-filter" in env.log_text()
    finally:
        env.stop()


def test_a_module_whose_sha256_differs_is_never_loaded(
        envoy_bin: str, wasm_path: Path, workroot: Path, mock: Mock, module_server) -> None:
    port, seen = module_server
    env = Envoy(envoy_bin, remote_config(mock.port, port, "0" * 64),
                new_workdir(workroot, "remote-bad-"), name="remote-bad")
    env.start(expect_ready=False)
    try:
        if env.running and env.port:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    r = requests.post(env.base_url + "/v1/chat/completions", data=b"{}",
                                      timeout=10, headers={"Content-Type": "application/json"})
                except requests.ConnectionError:
                    break
                assert r.status_code >= 500, r.status_code
                break
        assert mock.requests() == [], "traffic passed without the module"
        assert seen, "Envoy never fetched the module"
    finally:
        env.stop()
