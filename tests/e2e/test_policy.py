"""The compliance register (envoy/policies/register.json) through the real Envoy: every policy
deny code end to end (OpenAI-shaped error, audit record with the code, nothing at the upstream),
allowed traffic per project, `store:false` injection, Azure paths, per-project audit mode, and
regional routing by the filter's `x-ocf-region` header to two different upstreams
(envoy/regional-routing.yaml)."""

from __future__ import annotations

import copy
import http.client
import json
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import yaml

from checks import assert_audit, assert_openai_error, only
from harness import REPO, Envoy, Mock, new_workdir
from values import API_KEY, EMAIL

REGISTER_PATH = REPO / "envoy" / "policies" / "register.json"
REGISTER = json.loads(REGISTER_PATH.read_text())
REGIONAL_YAML = REPO / "envoy" / "regional-routing.yaml"

EU = {
    "Host": "eu.api.openai.com",
    "Content-Type": "application/json",
    "Authorization": f"Bearer {API_KEY}",
    "OpenAI-Project": "proj_support_eu",
    "OpenAI-Organization": "org-acme",
    "x-ocf-caller": "spiffe://cluster.local/ns/support/sa/bot",
}
US = {
    "Host": "api.openai.com",
    "Content-Type": "application/json",
    "Authorization": f"Bearer {API_KEY}",
    "OpenAI-Project": "proj_internal_us",
    "OpenAI-Organization": "org-acme",
    "x-ocf-caller": "spiffe://cluster.local/ns/tools/sa/runner",
}
CLINICAL = {
    "Host": "us.api.openai.com",
    "Content-Type": "application/json",
    "Authorization": f"Bearer {API_KEY}",
    "OpenAI-Project": "proj_clinical",
    "OpenAI-Organization": "org-acme-health",
    "x-ocf-caller": "spiffe://cluster.local/ns/clinical/sa/scribe",
}


def body(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj).encode()


EU_CHAT = body({"model": "gpt-4.1", "store": False,
                "messages": [{"role": "user", "content": "hello"}]})
US_CHAT = body({"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": "hello"}]})


def with_headers(base: dict[str, str], **changes: str | None) -> dict[str, str]:
    """`base` with headers replaced (underscores in keyword names become dashes) or removed
    (value None)."""
    out = dict(base)
    for k, v in changes.items():
        name = k.replace("_", "-")
        match = [h for h in out if h.lower() == name.lower()]
        for h in match:
            del out[h]
        if v is not None:
            out[name] = v
    return out


def raw_request(envoy: Envoy, method: str, path: str, pairs: list[tuple[str, bytes | str]],
                payload: bytes) -> tuple[int, dict[str, str], bytes]:
    """Sends header lines exactly as given (repeats, underscores, raw bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", envoy.port, timeout=60)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in pairs:
        conn.putheader(k, v)
    conn.putheader("Content-Length", str(len(payload)))
    conn.endheaders(payload)
    resp = conn.getresponse()
    data = resp.read()
    headers = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return resp.status, headers, data


@pytest.fixture
def register(start_envoy) -> Envoy:
    return start_envoy(REGISTER)


def expect_denied(envoy: Envoy, mock: Mock, mark: int, status: int, headers: Any, data: bytes,
                  want_status: int, code: str, sent: bytes) -> dict[str, Any]:
    assert_openai_error(status, headers, data, want_status, code, sent)
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="deny", status=want_status, reason=code)
    assert mock.requests() == [], "a denied request reached the upstream"
    return rec


DENIALS = [
    pytest.param("/v1/chat/completions", with_headers(EU, OpenAI_Project="proj_unlisted"),
                 EU_CHAT, 403, "project_not_allowed", id="project-unlisted"),
    pytest.param("/v1/chat/completions", with_headers(EU, OpenAI_Project=None),
                 EU_CHAT, 403, "project_not_allowed", id="project-missing"),
    pytest.param("/v1/chat/completions", with_headers(EU, OpenAI_Organization="org-other"),
                 EU_CHAT, 403, "organization_not_allowed", id="organization"),
    pytest.param("/v1/chat/completions",
                 with_headers(EU, x_ocf_caller="spiffe://cluster.local/ns/tools/sa/runner"),
                 EU_CHAT, 403, "caller_not_allowed", id="caller-other"),
    pytest.param("/v1/chat/completions", with_headers(EU, x_ocf_caller=None),
                 EU_CHAT, 403, "caller_not_allowed", id="caller-missing"),
    pytest.param("/v1/chat/completions", with_headers(EU, Host="us.api.openai.com"),
                 EU_CHAT, 403, "region_not_allowed", id="region"),
    pytest.param("/v1/chat/completions", with_headers(US, Host="eu.api.openai.com"),
                 US_CHAT, 403, "region_not_allowed", id="region-us-project-to-eu"),
    pytest.param("/v1/completions", EU, body({"model": "gpt-4.1", "prompt": "x"}),
                 403, "endpoint_not_allowed", id="endpoint"),
    pytest.param("/v1/chat/completions", EU,
                 body({"model": "gpt-4o", "store": False, "messages": []}),
                 403, "model_not_allowed", id="model"),
    pytest.param("/v1/chat/completions", EU, body({"store": False, "messages": []}),
                 403, "model_not_allowed", id="model-missing"),
    pytest.param("/v1/responses", EU, body({"model": "gpt-4.1", "input": "x", "store": True}),
                 403, "retention_violation", id="retention-store-true"),
    pytest.param("/v1/responses", EU, body({"model": "gpt-4.1", "input": "x", "store": "false"}),
                 403, "retention_violation", id="retention-store-string"),
    pytest.param("/v1/responses", EU,
                 body({"model": "gpt-4.1", "input": "x", "store": False,
                       "previous_response_id": "resp_123"}),
                 403, "retention_violation", id="retention-previous-response"),
    pytest.param("/v1/responses", EU,
                 body({"model": "gpt-4.1", "input": "x", "background": True}),
                 403, "retention_violation", id="retention-background"),
    pytest.param("/v1/chat/completions", CLINICAL,
                 body({"model": "gpt-4.1", "messages": []}),
                 403, "retention_violation", id="hipaa-chat-store-missing"),
    pytest.param("/v1/chat/completions", CLINICAL,
                 body({"model": "gpt-4.1", "store": False, "messages": [
                     {"role": "user", "content": [{"type": "image_url", "image_url": {
                         "url": "data:image/png;base64," + "iVBORw0KGgo" * 20}}]}]}),
                 403, "unscannable_content", id="hipaa-data-url"),
    pytest.param("/v1/chat/completions", with_headers(EU, OpenAI_Project="proj a"),
                 EU_CHAT, 400, "invalid_header", id="invalid-value"),
    pytest.param("/v1/chat/completions",
                 with_headers(EU, OpenAI_Project="proj_support_eu, proj_internal_us"),
                 EU_CHAT, 400, "duplicate_header", id="comma-list"),
]


@pytest.mark.parametrize("path,headers,payload,want_status,code", DENIALS)
def test_register_denials(register: Envoy, mock: Mock, path: str, headers: dict[str, str],
                          payload: bytes, want_status: int, code: str) -> None:
    mark = register.log_offset()
    r = requests.post(register.base_url + path, data=payload, headers=headers, timeout=60)
    expect_denied(register, mock, mark, r.status_code, r.headers, r.content, want_status, code,
                  payload)


def test_retention_denies_stored_state_reads(register: Envoy, mock: Mock) -> None:
    mark = register.log_offset()
    h = with_headers(EU, Content_Type=None)
    r = requests.get(register.base_url + "/v1/responses/resp_abc123", headers=h, timeout=60)
    expect_denied(register, mock, mark, r.status_code, r.headers, r.content, 403,
                  "retention_violation", b"")


RAW_HEADER_CASES = [
    pytest.param([("OpenAI-Project", "proj_support_eu"), ("OpenAI-Project", "proj_support_eu")],
                 "duplicate_header", id="project-twice"),
    pytest.param([("x-ocf-caller", "spiffe://cluster.local/ns/support/sa/bot")],
                 "duplicate_header", id="caller-twice"),
    pytest.param([("OpenAI_Project", "proj_internal_us")], "invalid_header",
                 id="underscore-lookalike"),
    pytest.param([("OpenAI-Organization", b"org-\xc3\xa9")], "invalid_header", id="non-ascii"),
    pytest.param([("OpenAI-Organization", b"org-\xff")], "invalid_header", id="non-utf8"),
]


@pytest.mark.parametrize("extra,code", RAW_HEADER_CASES)
def test_header_hygiene(register: Envoy, mock: Mock, extra: list[tuple[str, Any]],
                        code: str) -> None:
    names = {k.lower().replace("_", "-") for k, _ in extra}
    pairs: list[tuple[str, Any]] = list(EU.items())
    if "openai-organization" in names:
        pairs = [(k, v) for k, v in pairs if k.lower() != "openai-organization"]
    pairs += extra
    mark = register.log_offset()
    status, headers, data = raw_request(register, "POST", "/v1/chat/completions", pairs, EU_CHAT)
    expect_denied(register, mock, mark, status, headers, data, 400, code, EU_CHAT)


def test_allowed_traffic_per_project(register: Envoy, mock: Mock) -> None:
    mark = register.log_offset()
    for host in ("eu.api.openai.com", "EU.API.OPENAI.COM.", "eu.api.openai.com:443"):
        r = requests.post(register.base_url + "/v1/chat/completions", data=EU_CHAT,
                          headers=with_headers(EU, Host=host), timeout=60)
        assert r.status_code == 200, (host, r.content[:300])
    r = requests.post(register.base_url + "/v1/chat/completions", data=US_CHAT, headers=US,
                      timeout=60)
    assert r.status_code == 200, r.content[:300]
    recs = register.wait_audit(mark, count=4)
    assert [x["decision"] for x in recs] == ["allow"] * 4
    assert [x["region"] for x in recs] == ["eu", "eu", "eu", "us"]
    assert recs[0]["caller"] == "spiffe://cluster.local/ns/support/sa/bot"
    assert recs[3]["project"] == "proj_internal_us"
    seen = mock.requests()
    assert len(seen) == 4
    assert [x["body"] for x in seen] == [EU_CHAT] * 3 + [US_CHAT]
    regions = [[v for k, v in x["headers"] if k.lower() == "x-ocf-region"] for x in seen]
    assert regions == [["eu"], ["eu"], ["eu"], ["us"]]


def test_zero_retention_injects_store_false(register: Envoy, mock: Mock, forbid) -> None:
    forbid(EMAIL)
    sent = b'{"model":"gpt-4.1",  "input":"write to ' + EMAIL.encode() + b'", "n": 1E400}'
    r = requests.post(register.base_url + "/v1/responses", data=sent, headers=EU, timeout=60)
    assert r.status_code == 200, r.content[:300]
    (got,) = mock.requests()
    # contact: allow in this project: only `store` changes, every other byte is kept.
    assert got["body"] == b'{"store":false,' + sent[1:]


def test_project_data_overrides(register: Envoy, mock: Mock) -> None:
    card = body({"model": "gpt-4.1", "store": False,
                 "messages": [{"role": "user", "content": "card 4111 1111 1111 1111"}]})
    mark = register.log_offset()
    r = requests.post(register.base_url + "/v1/chat/completions", data=card, headers=EU,
                      timeout=60)
    expect_denied(register, mock, mark, r.status_code, r.headers, r.content, 403,
                  "content_blocked", card)
    r = requests.post(register.base_url + "/v1/chat/completions", data=card, headers=US,
                      timeout=60)
    assert r.status_code == 200
    (got,) = mock.requests()
    assert b"[CARD]" in got["body"]


def test_azure_deployment_path(register: Envoy, mock: Mock) -> None:
    h = with_headers(EU, Authorization=None, api_key="0123456789abcdef0123456789abcdef")
    path = "/openai/deployments/gpt41-eu/chat/completions?api-version=2024-10-21"
    sent = body({"store": False, "messages": [{"role": "user", "content": "hi"}]})
    mark = register.log_offset()
    requests.post(register.base_url + path, data=sent, headers=h, timeout=60)
    rec = only(register.wait_audit(mark))
    assert rec["decision"] == "allow", rec
    assert rec["endpoint"] == "/openai/deployments/{deployment}/chat/completions"
    assert rec["model"] == "gpt-4.1"
    assert len(mock.requests()) == 1
    assert "0123456789abcdef" not in register.log_text()
    assert "gpt41-eu" not in json.dumps(rec)
    mark = register.log_offset()
    bad = path.replace("gpt41-eu", "unmapped")
    r = requests.post(register.base_url + bad, data=sent, headers=h, timeout=60)
    mock.reset()
    assert_openai_error(r.status_code, r.headers, r.content, 403, "model_not_allowed", sent)


def test_per_project_audit_mode(start_envoy, mock: Mock) -> None:
    policy = copy.deepcopy(REGISTER)
    policy["projects"]["proj_support_eu"]["mode"] = "audit"
    envoy = start_envoy(policy)
    mark = envoy.log_offset()
    sent = body({"model": "gpt-4o", "store": False, "messages": []})
    r = requests.post(envoy.base_url + "/v1/chat/completions", data=sent, headers=EU, timeout=60)
    assert r.status_code == 200
    rec = only(envoy.wait_audit(mark))
    assert (rec["decision"], rec["reason"], rec["mode"]) == ("would_deny", "model_not_allowed",
                                                             "audit")
    assert [x["body"] for x in mock.requests()] == [sent]
    # The other projects keep the global mode (enforce).
    mock.reset()
    old = body({"model": "gpt-3.5-turbo", "messages": []})
    r = requests.post(envoy.base_url + "/v1/chat/completions", data=old, headers=US, timeout=60)
    assert_openai_error(r.status_code, r.headers, r.content, 403, "model_not_allowed", old)
    assert mock.requests() == []


# ---- regional routing: two upstreams chosen by the filter's header -----------------------------


def regional(envoy_bin: str, wasm_path: Path, workroot: Path,
             mode: str | None = None) -> Iterator[tuple[Envoy, Mock, Mock]]:
    """envoy/regional-routing.yaml in front of two mocks (EU, US); `mode` set in its policy."""
    eu = Mock(new_workdir(workroot, "mock-eu-"))
    us = Mock(new_workdir(workroot, "mock-us-"))
    cfg = yaml.safe_load(REGIONAL_YAML.read_text())
    cfg["admin"]["address"]["socket_address"]["port_value"] = 0
    (listener,) = cfg["static_resources"]["listeners"]
    listener["address"]["socket_address"]["port_value"] = 0
    hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
    for f in hcm["http_filters"]:
        if f["name"] == "envoy.filters.http.wasm":
            config = f["typed_config"]["config"]
            config["vm_config"]["code"]["local"]["filename"] = str(wasm_path)
            if mode:
                policy = json.loads(config["configuration"]["value"])
                policy["mode"] = mode
                config["configuration"]["value"] = json.dumps(policy)
    ports = {"openai_eu": eu.port, "openai_us": us.port}
    for cluster in cfg["static_resources"]["clusters"]:
        cluster["type"] = "STATIC"
        cluster.pop("dns_lookup_family", None)
        cluster.pop("transport_socket", None)  # loopback mocks speak plain HTTP
        sa = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
        sa["socket_address"] = {"address": "127.0.0.1", "port_value": ports[cluster["name"]]}
    env = Envoy(envoy_bin, cfg, new_workdir(workroot, "regional-"), name="regional")
    env.start()
    try:
        yield env, eu, us
    finally:
        env.stop()
        eu.stop()
        us.stop()


@pytest.fixture
def two_regions(envoy_bin: str, wasm_path: Path, workroot: Path) -> Iterator[tuple[Envoy, Mock, Mock]]:
    yield from regional(envoy_bin, wasm_path, workroot)


@pytest.fixture
def two_regions_audit(envoy_bin: str, wasm_path: Path,
                      workroot: Path) -> Iterator[tuple[Envoy, Mock, Mock]]:
    yield from regional(envoy_bin, wasm_path, workroot, mode="audit")


def test_audit_mode_routes_requests_its_head_rules_would_refuse(two_regions_audit) -> None:
    env, eu, us = two_regions_audit
    base = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}",
            "Host": "eu.api.openai.com"}
    chat = body({"model": "gpt-4.1", "messages": [{"role": "user", "content": f"hi {EMAIL}"}]})
    # A lookalike project header (hygiene), an unknown project, an EU project on the US host:
    # each is forwarded unchanged to the region its host (or project) names, and recorded.
    cases = [({"OpenAI_Project": "proj_eu"}, "invalid_header", eu),
             ({"OpenAI-Project": "proj_x"}, "project_not_allowed", eu),
             ({"OpenAI-Project": "proj_eu", "Host": "us.api.openai.com"}, "region_not_allowed",
              us)]
    for extra, reason, upstream in cases:
        eu.reset()
        us.reset()
        mark = env.log_offset()
        r = requests.post(env.base_url + "/v1/chat/completions", data=chat,
                          headers={**base, **extra}, timeout=60)
        assert r.status_code == 200, (reason, r.content[:300])
        (got,) = upstream.requests()
        assert got["body"] == chat
        rec = only(env.wait_audit(mark))
        assert (rec["decision"], rec["reason"]) == ("would_deny", reason)
        assert rec["findings"].get("email") == 1, rec


def test_regional_routing_by_filter_header(two_regions) -> None:
    env, eu, us = two_regions
    base = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
    chat = body({"model": "gpt-4.1", "store": False, "messages": [{"role": "user", "content": "hi"}]})
    eu_h = {**base, "Host": "eu.api.openai.com", "OpenAI-Project": "proj_eu"}
    us_h = {**base, "Host": "us.api.openai.com", "OpenAI-Project": "proj_us"}
    for h in (eu_h, {**eu_h, "x-ocf-region": "us"}):  # a client-sent region header is replaced
        r = requests.post(env.base_url + "/v1/chat/completions", data=chat, headers=h, timeout=60)
        assert r.status_code == 200, r.content[:300]
    r = requests.post(env.base_url + "/v1/chat/completions", data=chat, headers=us_h, timeout=60)
    assert r.status_code == 200, r.content[:300]
    got_eu, got_us = eu.requests(), us.requests()
    assert len(got_eu) == 2 and len(got_us) == 1, (len(got_eu), len(got_us))
    for item, region in [(got_eu[0], "eu"), (got_eu[1], "eu"), (got_us[0], "us")]:
        assert [v for k, v in item["headers"] if k.lower() == "x-ocf-region"] == [region]
    # An EU project sent to the US host is denied before routing; nothing reaches either side.
    mark = env.log_offset()
    bad = {**eu_h, "Host": "us.api.openai.com"}
    r = requests.post(env.base_url + "/v1/chat/completions", data=chat, headers=bad, timeout=60)
    assert_openai_error(r.status_code, r.headers, r.content, 403, "region_not_allowed", chat)
    assert only(env.wait_audit(mark))["reason"] == "region_not_allowed"
    assert len(eu.requests()) == 2 and len(us.requests()) == 1
    # A request with no known region is not routed anywhere (the YAML's fallback 421).
    r = requests.post(env.base_url + "/v1/chat/completions", data=chat,
                      headers={**base, "Host": "elsewhere.example", "OpenAI-Project": "proj_x"},
                      timeout=60)
    assert r.status_code == 403  # proj_x is not in the register: denied by the filter first
    assert len(eu.requests()) == 2 and len(us.requests()) == 1
