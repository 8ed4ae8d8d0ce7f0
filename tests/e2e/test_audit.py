"""The audit trail through the real Envoy: one metadata-only record per request in the wasm log,
the same record in Envoy's access log (filter state), token usage from JSON and SSE responses,
Prometheus metrics with labels, and proof that no content, key or matched value is anywhere.

Two Envoys (enforce and audit mode) get the access log and `stats_config` of
envoy/sidecar-accesslog.yaml grafted onto the e2e demo config, so what is tested is what ships.
A labelled set of requests goes through them, one at a time; then every output Envoy has (its
stdout and stderr, the access-log file, /stats, /stats?format=json, /stats/prometheus) is
searched for every sensitive value sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import yaml

from harness import REPO, Envoy, Mock, _http_get, new_workdir, render_config, wait_for
from values import ALWAYS_FORBIDDEN, API_KEY, CARD, EMAIL

ACCESSLOG_YAML = REPO / "envoy" / "sidecar-accesslog.yaml"

# Sensitive values beyond values.py: content that is not PII (must never be logged either),
# a second key style, and values in places other than the body.
MARKER = "zebra-quartz-7781 confidential merger plan"
AZURE_KEY = "azE2eFakeAzureKey0000NotReal00001234567890ab"
QUERY_SECRET = "qsecretE2eValue99887766"
HEADER_SECRET = "hdr.secret.e2e.5544@example.org"
FINGERPRINT_KEY = "e2e-fingerprint-key-not-a-secret-0001"
SECRETS = [
    *ALWAYS_FORBIDDEN,
    MARKER,
    "zebra-quartz",
    AZURE_KEY,
    AZURE_KEY[4:20],
    QUERY_SECRET,
    HEADER_SECRET,
    "hdr.secret.e2e",
    FINGERPRINT_KEY,
    "Bearer",
]

DETECTORS = {
    "default_action": "redact",
    "actions": {"email": "redact", "payment_card": "redact", "credential": "block"},
}
ENFORCE = {
    "mode": "enforce",
    "detectors": DETECTORS,
    "audit": {"fingerprint_key": FINGERPRINT_KEY, "log_level": "info", "filter_state": "fields"},
}
# The stdout sink of sidecar-accesslog.yaml reads single fields: `filter_state: fields`.
AUDIT = {"mode": "audit", "detectors": DETECTORS, "audit": {"filter_state": "fields"}}

RECORD_FIELDS = {
    "ts": str, "request_id": (str, type(None)), "method": str, "endpoint": str, "api": str,
    "model": (str, type(None)), "stream": bool, "project": (str, type(None)),
    "organization": (str, type(None)), "mode": str, "decision": str, "reason": (str, type(None)),
    "findings": dict, "categories": dict, "actions": dict, "bytes_in": int, "bytes_out": int,
    "status": int, "openai_request_id": (str, type(None)), "upstream_host": (str, type(None)),
    "key_fingerprint": (str, type(None)), "usage": (dict, type(None)), "response_bytes": int,
    "ttfb_ms": (int, type(None)), "duration_ms": int, "policy": str, "version": str,
}
USAGE_KEYS = {"prompt_tokens", "completion_tokens", "total_tokens", "cached_tokens",
              "reasoning_tokens"}


def chat(content: str, **extra: Any) -> bytes:
    return json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": content}], **extra}).encode()


@dataclass
class Case:
    label: str
    path: str
    body: bytes
    headers: dict[str, str]
    status: int
    decision: str
    reason: str | None = None
    usage: bool = False  # the response reports usage (and the record must equal it)
    body_read: bool = True  # False: decided at the headers, the body never read (bytes_in 0)


def cases(mode: str) -> list[Case]:
    bearer = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}",
              "OpenAI-Project": "proj_audit_a"}
    azure = {"Content-Type": "application/json", "api-key": AZURE_KEY,
             "OpenAI-Project": HEADER_SECRET}
    enforce = mode == "enforce"
    redact = "redact" if enforce else "would_redact"
    deny = "deny" if enforce else "would_deny"
    return [
        Case("chat-json", "/v1/chat/completions", chat(f"{MARKER}. Email {EMAIL}, card {CARD}."),
             bearer, 200, redact, usage=True),
        Case("chat-sse", "/v1/chat/completions",
             chat(f"{MARKER} {EMAIL}", stream=True, stream_options={"include_usage": True}),
             bearer, 200, redact, usage=True),
        Case("responses-json", "/v1/responses",
             json.dumps({"model": "gpt-4o-mini", "input": MARKER}).encode(), bearer, 200,
             "allow", usage=True),
        Case("responses-sse", "/v1/responses",
             json.dumps({"model": "gpt-4o-mini", "input": f"{MARKER} {EMAIL}",
                         "stream": True}).encode(), bearer, 200, redact, usage=True),
        Case("embeddings", "/v1/embeddings",
             json.dumps({"model": "text-embedding-3-small", "input": [MARKER, EMAIL]}).encode(),
             azure, 200, redact, usage=True),
        Case("blocked-key-in-content", "/v1/chat/completions",
             chat(f"{MARKER} my key is {API_KEY}"), bearer, 403 if enforce else 200, deny,
             "content_blocked"),
        Case("malformed", "/v1/chat/completions",
             b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"' + EMAIL.encode()
             + b" " + MARKER.encode(), bearer, 400, deny, "invalid_json"),
        # A secret in the URL is refused (this policy blocks credentials wherever they are);
        # the record and the log never hold it. Enforce decides at the headers; audit mode
        # goes on to the body, as for any request a header rule would refuse.
        Case("query-string", f"/v1/chat/completions?secret={QUERY_SECRET}",
             chat("hello"), bearer, 403 if enforce else 200, deny, "content_blocked",
             usage=not enforce, body_read=not enforce),
    ]


def last_usage(case: Case, resp: requests.Response, body: bytes) -> dict[str, Any] | None:
    """The usage the client saw: JSON `usage`, the last SSE chunk's, or response.completed's."""
    if "text/event-stream" in resp.headers.get("content-type", ""):
        found = None
        for line in body.decode().splitlines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            ev = json.loads(line[6:])
            if isinstance(ev.get("usage"), dict):
                found = ev["usage"]
            if ev.get("type") == "response.completed":
                found = ev["response"]["usage"]
        return found
    doc = json.loads(body)
    return doc.get("usage") if isinstance(doc, dict) else None


def normalised(usage: dict[str, Any]) -> dict[str, int]:
    """OpenAI's usage (either naming) in the record's naming."""
    out = {
        "prompt_tokens": usage.get("prompt_tokens", usage.get("input_tokens")),
        "completion_tokens": usage.get("completion_tokens", usage.get("output_tokens")),
        "total_tokens": usage.get("total_tokens"),
        "cached_tokens": (usage.get("prompt_tokens_details")
                          or usage.get("input_tokens_details") or {}).get("cached_tokens"),
        "reasoning_tokens": (usage.get("completion_tokens_details")
                             or usage.get("output_tokens_details") or {}).get("reasoning_tokens"),
    }
    return {k: v for k, v in out.items() if v is not None}


@dataclass
class Run:
    mode: str
    envoy: Envoy
    access_log: Path
    results: list[tuple[Case, int, dict[str, Any] | None, dict[str, Any]]] = field(
        default_factory=list)  # (case, status, client-visible usage, record)

    def record(self, label: str) -> dict[str, Any]:
        return next(r for c, _, _, r in self.results if c.label == label)

    def outputs(self) -> dict[str, str]:
        """Everything this Envoy wrote or serves, by name."""
        out = {"stdout+stderr": self.envoy.log_text(),
               "access-log file": self.access_log.read_text()}
        for path in ("/stats", "/stats?format=json", "/stats/prometheus"):
            status, body = _http_get(self.envoy.admin + path)
            assert status == 200, path
            out[path] = body.decode("utf-8", "replace")
        return out


def accesslog_config(cfg: dict[str, Any], log_file: Path) -> dict[str, Any]:
    """`cfg` (the rendered demo) with the access log and stats tags of
    envoy/sidecar-accesslog.yaml, the file sink pointed at `log_file`."""
    src = yaml.safe_load(ACCESSLOG_YAML.read_text())
    src_hcm = src["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0][
        "typed_config"]
    hcm = cfg["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0][
        "typed_config"]
    logs = json.loads(json.dumps(src_hcm["access_log"]))
    files = [a for a in logs if a["name"] == "envoy.access_loggers.file"]
    assert len(files) == 1, "sidecar-accesslog.yaml must have exactly one file access log"
    files[0]["typed_config"]["path"] = str(log_file)
    hcm["access_log"] = logs
    cfg["stats_config"] = src["stats_config"]
    return cfg


def run_mode(mode: str, envoy_bin: str, wasm: Path, workroot: Path, mock: Mock) -> Run:
    workdir = new_workdir(workroot, f"audit-{mode}-")
    log_file = workdir / "ocf-audit.jsonl"
    policy = json.dumps(ENFORCE if mode == "enforce" else AUDIT)
    cfg = accesslog_config(render_config(upstream_port=mock.port, wasm=wasm, policy=policy),
                           log_file)
    env = Envoy(envoy_bin, cfg, workdir, name=f"audit-{mode}")
    env.start()
    run = Run(mode, env, log_file)
    for case in cases(mode):
        mark = env.log_offset()
        resp = requests.post(env.base_url + case.path, data=case.body, headers=case.headers,
                             timeout=60)
        body = resp.content
        usage = last_usage(case, resp, body) if resp.status_code == 200 else None
        records = env.wait_audit(mark)
        assert len(records) == 1, (case.label, records)
        run.results.append((case, resp.status_code, usage, records[0]))
    # Envoy flushes access logs on a timer (file_flush_interval, 1 s by default).
    n = len(run.results)
    wait_for(lambda: log_file.exists() and log_file.read_text().count("\n") >= n, 30,
             f"{n} lines in {log_file}")
    wait_for(lambda: len(stdout_access_lines(env)) >= n, 30, f"{n} stdout access-log lines")
    return run


def stdout_access_lines(env: Envoy) -> list[dict[str, Any]]:
    """The JSON access-log lines Envoy wrote to stdout (captured with its log)."""
    return [json.loads(ln) for ln in env.log_text().splitlines()
            if ln.startswith("{") and '"decision"' in ln]


@pytest.fixture(scope="module")
def runs(envoy_bin: str, wasm_path: Path, workroot: Path, mock: Mock) -> Iterator[dict[str, Run]]:
    mock.reset()
    out: dict[str, Run] = {}
    try:
        for mode in ("enforce", "audit"):
            out[mode] = run_mode(mode, envoy_bin, wasm_path, workroot, mock)
        yield out
    finally:
        for r in out.values():
            r.envoy.stop()


@pytest.fixture(autouse=True)
def _leak_check_these_envoys(request: pytest.FixtureRequest, runs: dict[str, Run]) -> None:
    # conftest's after-test leak check looks at the Envoys a test used.
    request.node._ocf_envoys = [r.envoy for r in runs.values()]
    request.node._ocf_forbidden = list(SECRETS)


@pytest.mark.parametrize("mode", ["enforce", "audit"])
def test_no_sensitive_value_anywhere_envoy_writes_or_serves(runs: dict[str, Run], mode: str):
    run = runs[mode]
    outputs = run.outputs()
    assert len(run.results) == len(cases(mode))
    hits = [(name, s[:4]) for name, text in outputs.items() for s in SECRETS if s in text]
    assert hits == [], f"sensitive values found (output, value prefix): {hits}"
    # The searches can find things: the outputs are not empty and hold the records.
    assert outputs["access-log file"].count("\n") == len(run.results)
    assert "ocf_requests_total" in outputs["/stats/prometheus"]
    assert outputs["stdout+stderr"].count("ocf.audit {") == len(run.results)


@pytest.mark.parametrize("mode", ["enforce", "audit"])
def test_every_request_has_one_complete_record(runs: dict[str, Run], mode: str):
    for case, status, usage, rec in runs[mode].results:
        assert status == case.status, (case.label, status, rec)
        for name, typ in RECORD_FIELDS.items():
            assert name in rec, (case.label, name)
            assert isinstance(rec[name], typ), (case.label, name, rec[name])
        assert rec["decision"] == case.decision, (case.label, rec)
        assert rec["reason"] == case.reason, (case.label, rec)
        assert rec["status"] == status, (case.label, rec)
        assert rec["mode"] == mode
        assert rec["method"] == "POST"
        assert "?" not in rec["endpoint"] and rec["endpoint"].startswith("/v1/")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", rec["ts"]), rec["ts"]
        assert re.fullmatch(r"[0-9a-f]{16}", rec["policy"]), rec["policy"]
        assert rec["bytes_in"] == (len(case.body) if case.body_read else 0), (case.label, rec)
        assert rec["duration_ms"] >= 0
        if status == 200:
            assert rec["openai_request_id"].startswith("req_"), rec
            assert rec["upstream_host"].startswith("127.0.0.1:"), rec
            assert rec["ttfb_ms"] is not None and rec["ttfb_ms"] <= rec["duration_ms"]
            assert rec["response_bytes"] > 0
        if rec["decision"] == "deny":  # a local reply: nothing came from OpenAI
            assert rec["openai_request_id"] is None and rec["usage"] is None, rec
            assert rec["bytes_out"] == 0 and rec["upstream_host"] is None, rec
        if case.usage:
            assert usage, (case.label, "the mock reported no usage")
            assert rec["usage"] == normalised(usage), (case.label, rec["usage"], usage)
            assert set(rec["usage"]) <= USAGE_KEYS
        dumped = json.dumps(rec)
        for s in SECRETS:
            assert s not in dumped, (case.label, s[:4])


def test_records_name_the_stream_model_project_and_key_fingerprint(runs: dict[str, Run]):
    run = runs["enforce"]
    sse, emb = run.record("chat-sse"), run.record("embeddings")
    assert sse["stream"] is True and run.record("chat-json")["stream"] is False
    assert sse["api"] == "chat.completions" and emb["api"] == "embeddings"
    assert run.record("responses-sse")["api"] == "responses"
    assert sse["model"] == "gpt-4o-mini" and sse["project"] == "proj_audit_a"
    # A project header holding an email is not recorded as sent.
    assert emb["project"] in ("<invalid>", "<redacted>")
    # Fingerprints: HMAC-SHA256 under the policy's key, 16 hex digits; never the key.
    want = "k1:" + hmac.new(FINGERPRINT_KEY.encode(), API_KEY.encode(),
                            hashlib.sha256).hexdigest()[:16]
    assert sse["key_fingerprint"] == want
    assert run.record("malformed")["key_fingerprint"] == want
    azure = "k1:" + hmac.new(FINGERPRINT_KEY.encode(), AZURE_KEY.encode(),
                             hashlib.sha256).hexdigest()[:16]
    assert emb["key_fingerprint"] == azure
    # Audit mode has no fingerprint_key: a key derived from the policy, still never the key.
    audit_fp = runs["audit"].record("chat-sse")["key_fingerprint"]
    assert re.fullmatch(r"k1:[0-9a-f]{16}", audit_fp) and audit_fp != want
    assert run.record("chat-json")["findings"] and run.record("chat-json")["actions"]["redact"] >= 2


@pytest.mark.parametrize("mode", ["enforce", "audit"])
def test_access_log_carries_the_same_record(runs: dict[str, Run], mode: str):
    run = runs[mode]
    # The file sink: the filter state, one JSON object per line, equal to the wasm log record.
    lines = run.access_log.read_text().splitlines()
    assert [json.loads(ln) for ln in lines] == [rec for _, _, _, rec in run.results]
    # The stdout sink: Envoy's json_format with single filter-state fields.
    stdout = stdout_access_lines(run.envoy)
    assert len(stdout) == len(run.results)
    for line, (case, status, _, rec) in zip(stdout, run.results):
        assert line["decision"] == rec["decision"], case.label
        assert line["status"] == status
        assert line["request_id"] == rec["request_id"]
        assert line["endpoint"] == rec["endpoint"]
        assert line["key_fingerprint"] == rec["key_fingerprint"]
        if rec["usage"]:
            assert line["prompt_tokens"] == str(rec["usage"]["prompt_tokens"])
            assert line["total_tokens"] == str(rec["usage"]["total_tokens"])
        else:
            assert line["prompt_tokens"] is None, line
        assert line["reason"] == rec["reason"]


PROM_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')


def prometheus(run: Run) -> dict[tuple[str, frozenset], float]:
    status, body = _http_get(run.envoy.admin + "/stats/prometheus")
    assert status == 200
    out = {}
    for line in body.decode().splitlines():
        m = PROM_LINE.match(line)
        if m and m.group(1).startswith("ocf_"):
            labels = frozenset(re.findall(r'(\w+)="([^"]*)"', m.group(2) or ""))
            out[(m.group(1), labels)] = float(m.group(3))
    return out


@pytest.mark.parametrize("mode", ["enforce", "audit"])
def test_metrics_with_labels_match_the_records(runs: dict[str, Run], mode: str):
    run = runs[mode]
    prom = prometheus(run)
    recs = [rec for _, _, _, rec in run.results]

    def label(v: str | None) -> str:
        return "none" if v is None else v.strip("<>")

    want_requests: dict[tuple, int] = {}
    want_tokens: dict[tuple, int] = {}
    for rec in recs:
        key = (label(rec["project"]), rec["decision"], label(rec["reason"]))
        want_requests[key] = want_requests.get(key, 0) + 1
        for kind, field_ in (("prompt", "prompt_tokens"), ("completion", "completion_tokens")):
            n = (rec["usage"] or {}).get(field_)
            if n:
                k = (label(rec["project"]), label(rec["model"]), kind)
                want_tokens[k] = want_tokens.get(k, 0) + n
    got_requests = {
        (d["project"], d["decision"], d["reason"]): v
        for (name, labels), v in prom.items() if name == "ocf_requests_total"
        for d in [dict(labels)]
    }
    assert got_requests == want_requests
    got_tokens = {
        (d["project"], d["model"], d["type"]): v
        for (name, labels), v in prom.items() if name == "ocf_tokens_total"
        for d in [dict(labels)]
    }
    assert got_tokens == want_tokens and want_tokens
    received = prom[("ocf_request_body_bytes_total", frozenset({("side", "received")}))]
    assert received == sum(r["bytes_in"] for r in recs)
    assert prom[("ocf_response_body_bytes_total", frozenset())] == sum(
        r["response_bytes"] for r in recs)
    categories = {dict(lb)["category"] for (n, lb) in prom if n == "ocf_findings_total"}
    assert "contact" in categories, categories
    # The raw stat names Envoy keeps (wasm metrics live under `wasmcustom.`).
    stats = run.envoy.stats("wasmcustom.ocf_")
    assert any(n.startswith("wasmcustom.ocf_requests_total.project=.=") for n in stats), stats


def test_metrics_pass_promtool(runs: dict[str, Run]):
    promtool = shutil.which("promtool")
    assert promtool, "promtool not found: apt-get install -y prometheus"
    status, body = _http_get(runs["enforce"].envoy.admin + "/stats/prometheus")
    assert status == 200
    # Only our families (Envoy's own counters lack `_total` and are not ours to lint).
    ours, keep = [], False
    for line in body.decode().splitlines():
        if line.startswith("# TYPE "):
            keep = line.split()[2].startswith("ocf_")
        if keep:
            ours.append(line)
    text = "\n".join(ours) + "\n"
    assert text.count("# TYPE ocf_") == 6, text
    res = subprocess.run([promtool, "check", "metrics"], input=text.encode(),
                         capture_output=True, timeout=60)
    problems = (res.stdout + res.stderr).decode().splitlines()
    # Envoy never prints HELP lines, so "no help text" is the one finding we accept. Anything
    # else (a parse error, a counter without `_total`, a non-base unit) fails.
    other = [p for p in problems if p.strip() and not p.endswith(" no help text")]
    assert res.returncode in (0, 3) and other == [], problems


def test_metrics_without_log_line_or_filter_state(start_envoy, mock: Mock) -> None:
    """`log_level: off` and `filter_state: off`: no record is written anywhere (the filter
    skips building it), and the metrics still count every request."""
    envoy = start_envoy({"audit": {"log_level": "off", "filter_state": "off"}})
    mark = envoy.log_offset()
    before = envoy.stats("wasmcustom.ocf_requests_total").values()
    payload = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"hi {EMAIL}"}]}
    for _ in range(3):
        r = requests.post(envoy.base_url + "/v1/chat/completions", json=payload, timeout=60,
                          headers={"Authorization": f"Bearer {API_KEY}"})
        assert r.status_code == 200, r.content[:300]
    wait_for(lambda: sum(envoy.stats("wasmcustom.ocf_requests_total").values())
             >= sum(before) + 3, 20, "three more counted requests")
    assert "ocf.audit" not in envoy.log_bytes()[mark:].decode("utf-8", "replace")
    assert len(mock.requests()) == 3
