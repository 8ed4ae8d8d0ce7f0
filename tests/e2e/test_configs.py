"""Every file in envoy/ is checked: bootstraps validate with the real Envoy and the real wasm
(validate mode runs the filter's on_configure, so the policies are parsed by the Rust code),
the contract fields are present, inline policies equal envoy/policies/demo.json, and the Istio
and compose files parse and point at files that exist."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import REPO, WASM_FILTER

sys.path.insert(0, str(REPO / "tests"))
import validate_envoy  # noqa: E402

ENVOY_DIR = REPO / "envoy"
POLICY_DIR = ENVOY_DIR / "policies"
DEMO_POLICY = json.loads((POLICY_DIR / "demo.json").read_text())
BOOTSTRAPS = sorted(
    p for p in ENVOY_DIR.glob("*.yaml")
    if any(validate_envoy.is_bootstrap(d) for d in yaml.safe_load_all(p.read_text()))
)
POLICIES = sorted(POLICY_DIR.glob("*.json"))
MIN_BUFFER = 10 * 1024 * 1024  # the default policy cap; Envoy's buffers must be above it


def test_the_expected_files_exist() -> None:
    names = {p.name for p in ENVOY_DIR.glob("*.yaml")}
    assert {"demo.yaml", "sidecar-egress.yaml", "compose-envoy.yaml", "istio-wasmplugin.yaml",
            "docker-compose.yaml"} <= names
    # Every other bootstrap in envoy/ is checked by the parametrised tests below as well.
    assert {"demo.yaml", "sidecar-egress.yaml", "compose-envoy.yaml",
            "regional-routing.yaml"} <= {p.name for p in BOOTSTRAPS}
    assert POLICIES, "no example policy in envoy/policies"


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policy_is_a_json_object(path: Path) -> None:
    doc = json.loads(path.read_text())
    assert isinstance(doc, dict) and doc


def _wasm_plugin(doc: dict[str, Any]) -> dict[str, Any]:
    found = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("name") == WASM_FILTER:
                found.append(node["typed_config"]["config"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert len(found) == 1, f"expected one wasm filter, found {len(found)}"
    return found[0]


def assert_plugin_contract(plugin: dict[str, Any]) -> dict[str, Any]:
    """The filter config every example must use; returns the parsed policy."""
    assert plugin["vm_config"]["runtime"] == "envoy.wasm.runtime.v8"
    code = plugin["vm_config"]["code"]
    if "remote" in code:  # envoy/remote-module.yaml: fetched over HTTP, pinned by its sha256
        assert code["remote"]["http_uri"]["uri"].endswith("openai_compliance_filter.wasm")
        assert len(code["remote"]["sha256"]) == 64
    else:
        assert code["local"]["filename"].endswith("openai_compliance_filter.wasm")
    assert plugin["failure_policy"] == "FAIL_CLOSED"
    assert plugin["allow_on_headers_stop_iteration"] is True
    conf = plugin["configuration"]
    assert conf["@type"] == "type.googleapis.com/google.protobuf.StringValue"
    return json.loads(conf["value"])


@pytest.mark.parametrize("path", BOOTSTRAPS, ids=lambda p: p.name)
def test_bootstrap_follows_the_contract(path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    policy = assert_plugin_contract(_wasm_plugin(doc))
    cap = int(policy.get("max_body_bytes", MIN_BUFFER))
    for listener in doc["static_resources"]["listeners"]:
        assert int(listener["per_connection_buffer_limit_bytes"]) > max(cap, MIN_BUFFER) - 1
    for cluster in doc["static_resources"]["clusters"]:
        assert int(cluster["per_connection_buffer_limit_bytes"]) > max(cap, MIN_BUFFER) - 1
    hcm = doc["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]
    names = [f["name"] for f in hcm["typed_config"]["http_filters"]]
    assert names[-1] == "envoy.filters.http.router" and WASM_FILTER in names


@pytest.mark.parametrize("name", ["demo.yaml", "compose-envoy.yaml"])
def test_inline_policy_equals_demo_json(name: str) -> None:
    doc = yaml.safe_load((ENVOY_DIR / name).read_text())
    assert assert_plugin_contract(_wasm_plugin(doc)) == DEMO_POLICY


def test_sidecar_originates_tls_to_openai() -> None:
    doc = yaml.safe_load((ENVOY_DIR / "sidecar-egress.yaml").read_text())
    (cluster,) = doc["static_resources"]["clusters"]
    sa = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"][
        "socket_address"]
    assert (sa["address"], sa["port_value"]) == ("api.openai.com", 443)
    tls = cluster["transport_socket"]
    assert tls["name"] == "envoy.transport_sockets.tls"
    assert tls["typed_config"]["sni"] == "api.openai.com"
    vc = tls["typed_config"]["common_tls_context"]["validation_context"]
    assert vc["trusted_ca"]["filename"]
    assert vc["match_typed_subject_alt_names"][0]["matcher"] == {"exact": "api.openai.com"}


@pytest.mark.parametrize("path", BOOTSTRAPS, ids=lambda p: p.name)
def test_bootstrap_validates_with_envoy(path: Path, envoy_bin: str, wasm_path: Path) -> None:
    doc = yaml.safe_load(path.read_text())
    ok, report = validate_envoy.validate(envoy_bin, doc, wasm_path, str(path))
    assert ok, report


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_policy_loads_in_the_filter(path: Path, envoy_bin: str, wasm_path: Path) -> None:
    doc = validate_envoy.with_policy(yaml.safe_load((ENVOY_DIR / "demo.yaml").read_text()),
                                     path.read_text())
    ok, report = validate_envoy.validate(envoy_bin, doc, wasm_path, str(path))
    assert ok, report


def test_validate_rejects_a_bad_policy(envoy_bin: str, wasm_path: Path) -> None:
    """Validate mode really runs the filter's on_configure (so the two tests above mean it)."""
    doc = validate_envoy.with_policy(yaml.safe_load((ENVOY_DIR / "demo.yaml").read_text()),
                                     '{"mode": "not-a-mode"}')
    ok, report = validate_envoy.validate(envoy_bin, doc, wasm_path, "bad policy")
    assert not ok
    assert "invalid policy at `mode`" in report
    assert "not-a-mode" not in report


def test_istio_documents() -> None:
    docs = [d for d in yaml.safe_load_all((ENVOY_DIR / "istio-wasmplugin.yaml").read_text()) if d]
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"WasmPlugin", "EnvoyFilter"}
    wp = kinds["WasmPlugin"]
    assert wp["apiVersion"] == "extensions.istio.io/v1alpha1"
    assert wp["spec"]["failStrategy"] == "FAIL_CLOSE"
    assert wp["spec"]["pluginConfig"] == DEMO_POLICY
    assert {m["mode"] for m in wp["spec"]["match"]} == {"CLIENT"}
    ef = kinds["EnvoyFilter"]
    (patch,) = ef["spec"]["configPatches"]
    assert patch["match"]["context"] == "SIDECAR_OUTBOUND"
    assert patch["patch"]["operation"] == "INSERT_BEFORE"
    plugin = patch["patch"]["value"]["typed_config"]["config"]
    assert assert_plugin_contract(plugin) == DEMO_POLICY


def test_docker_compose_parses_and_mounts_existing_files(wasm_path: Path) -> None:
    path = ENVOY_DIR / "docker-compose.yaml"
    doc = yaml.safe_load(path.read_text())
    services = doc["services"]
    assert set(services) == {"mock", "envoy"}
    assert services["envoy"]["image"].startswith("envoyproxy/envoy:v1.40")
    mounts = {}
    for svc in services.values():
        for vol in svc.get("volumes", []):
            host, container = vol.split(":")[:2]
            mounts[container] = (path.parent / host).resolve()
    for container, host in mounts.items():
        assert host.is_file(), f"{container} mounts {host}, which does not exist"
    assert mounts["/etc/envoy/openai_compliance_filter.wasm"] == wasm_path.resolve()
    bootstrap = yaml.safe_load(mounts["/etc/envoy/envoy.yaml"].read_text())
    plugin = _wasm_plugin(bootstrap)
    assert plugin["vm_config"]["code"]["local"]["filename"] == \
        "/etc/envoy/openai_compliance_filter.wasm"
    sa = bootstrap["static_resources"]["clusters"][0]["load_assignment"]["endpoints"][0][
        "lb_endpoints"][0]["endpoint"]["address"]["socket_address"]
    assert sa["address"] == "mock" and str(sa["port_value"]) in str(
        services["mock"]["command"])
