"""Framing and transport inputs (docs: /work/shared/bad-inputs.md, "Framing and transport",
"Headers and policy", and the JSON classes that depend on framing) through the real Envoy, over
HTTP/1.1 with a content-length (`h1`), HTTP/1.1 chunked (`h1-chunked`), and HTTP/2 h2c with
(`h2`) and without (`h2-stream`) a content-length, wherever the class applies.

Every refusal asserts: the status, the OpenAI-shaped error with its stable code, that the reply
echoes nothing of the request, that the mock received nothing (it records a request as soon as
its headers arrive, so even a request whose body never came is seen), an audit record with the
reason, and (conftest, after each test) that no sensitive value appears in Envoy's output.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import yaml

import h2.errors
import pytest

from checks import assert_audit, assert_openai_error, assert_redacted_upstream, only
from h2client import H2Conn, h2_request
from harness import REPO, WASM_FILTER, Envoy, new_workdir, render_config
from transport import (ALL, H1, H1_CHUNKED, H2, H2_STREAM, Reply, raw_h1, send, trapping_wasm,
                       vm_memory)
from values import API_KEY, EMAIL, SENSITIVE_TEXT

CHAT = "/v1/chat/completions"
SMALL_CAP = {"max_body_bytes": 1024}
BLOCK_EMAIL = {"detectors": {"actions": {"email": "block"}}}
AUTH = ("Authorization", f"Bearer {API_KEY}")
JSON_HEADERS = [("Content-Type", "application/json"), AUTH]


def chat(content: str = "hello", **extra: Any) -> bytes:
    return json.dumps({"model": "gpt-4o-mini", **extra,
                       "messages": [{"role": "user", "content": content}]}).encode()


def assert_denied(envoy: Envoy, mock, mark: int, r: Reply, status: int, code: str,
                  sent: bytes = b"") -> dict[str, Any]:
    assert_openai_error(r.status, r.headers, r.body, status, code, sent)
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="deny", status=status, reason=code)
    # The record is logged once the exchange is over: anything that reached the mock is there.
    assert mock.requests() == [], "a refused request reached the upstream"
    return rec


def assert_forwarded_redacted(envoy: Envoy, mock, mark: int, r: Reply, path: str = CHAT) -> None:
    (req,) = mock.requests()
    assert req["complete"] and req["path"] == path, req["path"]
    assert_redacted_upstream(req["body"])
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=r.status)
    assert int(rec["bytes_out"]) == len(req["body"])


def assert_vm_serves(envoy: Envoy, mock) -> None:
    """The wasm VM is alive and inspecting: a sensitive request is redacted (not refused with
    a 503 by a dead VM, and not passed through unfiltered)."""
    mock.reset()
    mark = envoy.log_offset()
    r = send(envoy.port, H1, "POST", CHAT, JSON_HEADERS, chat(SENSITIVE_TEXT))
    assert r.status == 200, (r.status, r.body[:300])
    assert_forwarded_redacted(envoy, mock, mark, r)
    mock.reset()


def wasm_stats(envoy: Envoy) -> dict[str, int]:
    return envoy.stats("wasm.")


# ---------------------------------------------------------------------------------------------
# Size: declared length over the cap (headers only), and a body that grows past it


@pytest.mark.parametrize("transport", [H1, H2])
def test_declared_length_over_cap_is_413_before_any_body(start_envoy, mock, transport) -> None:
    """The client sends only the headers (no body byte at all, stream left open): the 413 comes
    from the declared content-length alone."""
    envoy = start_envoy(SMALL_CAP)
    mark = envoy.log_offset()
    if transport == H1:
        status, hdrs, data = raw_h1(
            envoy.port,
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
            b"Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n")
        r = Reply(status, hdrs, data)
    else:
        h = h2_request(envoy.port, "POST", CHAT, [("content-type", "application/json"),
                                                  ("content-length", "5000000")],
                       b"", end_stream=False)
        assert h.complete and h.sent_body_bytes == 0, h
        # Envoy ends the still-open request stream after the reply: NO_ERROR (RFC 9113, 8.1).
        assert h.reset_code in (None, h2.errors.ErrorCodes.NO_ERROR), h.reset_code
        r = Reply(h.status, h.headers, h.body, h)
    assert_denied(envoy, mock, mark, r, 413, "body_too_large")


@pytest.mark.parametrize("transport", [H1_CHUNKED, H2_STREAM])
def test_body_growing_past_cap_is_413(start_envoy, mock, transport) -> None:
    """No declared length (chunked / HTTP/2 DATA until END_STREAM): the filter's own running
    byte count refuses the body as soon as it passes the cap, whatever Envoy's buffer limits."""
    envoy = start_envoy(SMALL_CAP)
    body = chat("padding " * 600)
    assert len(body) > 1024
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", CHAT, JSON_HEADERS, body, chunk=256)
    rec = assert_denied(envoy, mock, mark, r, 413, "body_too_large", body)
    # Counted while streaming: refused once more than the cap had arrived.
    assert 1024 < int(rec["bytes_in"]) <= len(body), rec
    if r.h2 is not None:
        assert r.h2.reset_code in (None, h2.errors.ErrorCodes.NO_ERROR), r.h2.reset_code


# ---------------------------------------------------------------------------------------------
# HTTP/2 trailers: the body ends with the trailers, never with END_STREAM on DATA


@pytest.mark.parametrize("declare_length", [False, True], ids=["no-length", "content-length"])
@pytest.mark.parametrize("chunk", [16, 100000], ids=["tiny-frames", "one-frame"])
def test_h2_trailers_body_is_redacted_before_upstream(envoy: Envoy, mock, declare_length,
                                                      chunk) -> None:
    body = chat(SENSITIVE_TEXT)
    headers = [("content-type", "application/json"), ("authorization", f"Bearer {API_KEY}")]
    if declare_length:
        headers.append(("content-length", str(len(body))))
    mark = envoy.log_offset()
    h = h2_request(envoy.port, "POST", CHAT, headers, body, chunk=chunk,
                   trailers=[("x-client-trailer", "done")])
    assert h.complete and h.status == 200, (h.status, h.body[:300])
    assert h.sent_body_bytes == len(body)
    assert_forwarded_redacted(envoy, mock, mark, Reply(h.status, h.headers, h.body, h))


@pytest.mark.parametrize("chunk", [16, 100000], ids=["tiny-frames", "one-frame"])
def test_h2_trailers_body_blocked_reaches_nothing(start_envoy, mock, chunk) -> None:
    envoy = start_envoy(BLOCK_EMAIL)
    body = chat(f"write to {EMAIL} please")
    mark = envoy.log_offset()
    h = h2_request(envoy.port, "POST", CHAT,
                   [("content-type", "application/json"), ("authorization", f"Bearer {API_KEY}")],
                   body, chunk=chunk, trailers=[("x-client-trailer", "done")])
    assert h.complete
    assert_denied(envoy, mock, mark, Reply(h.status, h.headers, h.body, h), 403,
                  "content_blocked", body)


def test_h1_chunked_trailers_body_is_redacted(envoy: Envoy, mock) -> None:
    """HTTP/1.1 chunked with a trailer section (Envoy drops HTTP/1 trailers unless enabled, so
    the body ends with the last chunk): inspected all the same."""
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = send(envoy.port, H1_CHUNKED, "POST", CHAT, JSON_HEADERS, body, chunk=10,
             trailers=[("X-Client-Trailer", "done")])
    assert r.status == 200, (r.status, r.body[:300])
    assert_forwarded_redacted(envoy, mock, mark, r)


# ---------------------------------------------------------------------------------------------
# Content-Encoding and Content-Type


def _encoded(encoding: str, raw: bytes) -> bytes:
    if encoding == "gzip":
        return gzip.compress(raw)
    if encoding == "deflate":
        return zlib.compress(raw)
    return raw  # br / zstd / stacked: the filter refuses on the header; the bytes do not matter


ENCODINGS = [
    pytest.param([("Content-Encoding", "gzip")], id="gzip"),
    pytest.param([("Content-Encoding", "br")], id="br"),
    pytest.param([("Content-Encoding", "deflate")], id="deflate"),
    pytest.param([("Content-Encoding", "zstd")], id="zstd"),
    pytest.param([("Content-Encoding", "gzip, br")], id="stacked-list"),
    pytest.param([("Content-Encoding", "identity"), ("Content-Encoding", "gzip")],
                 id="stacked-lines"),
    pytest.param([("Content-Encoding", "GZIP")], id="upper-case"),
]


@pytest.mark.parametrize("transport", ALL)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_content_encoding_is_415(envoy: Envoy, mock, transport, encoding) -> None:
    name = encoding[-1][1].split(",")[0].strip().lower()
    body = _encoded(name, chat(SENSITIVE_TEXT))
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", CHAT, JSON_HEADERS + encoding, body)
    assert_denied(envoy, mock, mark, r, 415, "unsupported_content_encoding")


CONTENT_TYPES = [
    pytest.param([], id="missing"),
    pytest.param([("Content-Type", "text/plain")], id="text-plain"),
    pytest.param([("Content-Type", "multipart/form-data; boundary=x")], id="multipart-on-chat"),
    pytest.param([("Content-Type", "application/jsonx")], id="json-lookalike"),
    pytest.param([("Content-Type", "application/json; charset=latin-1")], id="latin-1"),
    pytest.param([("Content-Type", "application/json; charset=utf-16")], id="utf-16"),
    pytest.param([("Content-Type", "application/json; charset=utf-8; charset=utf-8")],
                 id="charset-twice"),
    pytest.param([("Content-Type", "application/json; charset=utf-8; charset=latin-1")],
                 id="charset-twice-differing"),
    pytest.param([("Content-Type", "application/json"), ("Content-Type", "application/json")],
                 id="two-lines"),
]


@pytest.mark.parametrize("transport", ALL)
@pytest.mark.parametrize("ctype", CONTENT_TYPES)
def test_content_type_is_415(envoy: Envoy, mock, transport, ctype) -> None:
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", CHAT, ctype + [AUTH], body)
    assert_denied(envoy, mock, mark, r, 415, "unsupported_content_type", body)


@pytest.mark.parametrize("transport", ALL)
@pytest.mark.parametrize("ctype", ["application/json; charset=utf-8", "Application/JSON",
                                   'application/json; charset="UTF-8"'])
def test_json_content_type_variants_are_inspected(envoy: Envoy, mock, transport, ctype) -> None:
    """The counterpart: accepted spellings are inspected (redacted), not just waved through."""
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", CHAT, [("Content-Type", ctype), AUTH], body)
    assert r.status == 200, (r.status, r.body[:300])
    assert_forwarded_redacted(envoy, mock, mark, r)


# ---------------------------------------------------------------------------------------------
# Aborts, short bodies, empty bodies, GET


@pytest.mark.parametrize("how", ["h1-close", "h1-chunked-close", "h2-rst", "h2-close"])
def test_client_abort_mid_body_sends_nothing_upstream(envoy: Envoy, mock, how) -> None:
    body = chat(SENSITIVE_TEXT)
    half = len(body) // 2
    mark = envoy.log_offset()
    if how == "h1-close":
        raw_h1(envoy.port,
               b"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
               b"Content-Type: application/json\r\n"
               + f"Content-Length: {len(body)}\r\n\r\n".encode(), body[:half], read=False)
    elif how == "h1-chunked-close":
        raw_h1(envoy.port,
               b"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
               b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
               b"%x\r\n%s\r\n" % (half, body[:half]), read=False)
    else:
        with H2Conn("127.0.0.1", envoy.port) as c:
            c.request("POST", CHAT, [("content-type", "application/json"),
                                     ("content-length", str(len(body)))], body,
                      abort=how.split("-")[1], abort_after=half, chunk=16)
            if how == "h2-rst":
                assert c.ping_ok(), "the connection died with the stream"
    # One record per request, aborted ones included; once it is logged the exchange is over.
    rec = only(envoy.wait_audit(mark))
    assert mock.requests() == [], "a partial body reached the upstream"
    assert int(rec["bytes_out"]) == 0, rec
    assert rec["status"] in (None, 0, 499), rec
    assert_vm_serves(envoy, mock)


@pytest.mark.parametrize("delta", [10, -10], ids=["shorter-than-declared", "longer"])
def test_h2_body_length_differs_from_declared(envoy: Envoy, mock, delta: int) -> None:
    """HTTP/2 content-length that the DATA frames contradict. Envoy's codec (not the filter)
    answers: it resets the stream with PROTOCOL_ERROR (RFC 9113, 8.1.1), the filter never gets
    a complete body, and nothing is forwarded. (Over HTTP/1.1 a short body cannot be expressed:
    the framing is the length, so it is the client abort above.)"""
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    h = h2_request(envoy.port, "POST", CHAT,
                   [("content-type", "application/json"),
                    ("content-length", str(len(body) + delta))], body)
    assert h.status is None and h.reset_code == h2.errors.ErrorCodes.PROTOCOL_ERROR, h
    rec = only(envoy.wait_audit(mark))
    assert mock.requests() == []
    assert int(rec["bytes_out"]) == 0 and rec["status"] in (None, 0), rec
    assert_vm_serves(envoy, mock)


def test_h1_body_shorter_than_declared_then_half_close(envoy: Envoy, mock) -> None:
    """HTTP/1.1 with fewer bytes than declared and a half-close: Envoy sees a client that went
    away mid-body; nothing is forwarded and no truncated body reaches the upstream."""
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    status, _, _ = raw_h1(
        envoy.port,
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
        b"Content-Type: application/json\r\n"
        + f"Content-Length: {len(body) + 10}\r\n\r\n".encode(), body, shut_write=True)
    # Envoy either closes without a reply or answers with its own 400 (not the filter's JSON).
    assert status in (None, 400), status
    rec = only(envoy.wait_audit(mark))
    assert mock.requests() == []
    assert int(rec["bytes_out"]) == 0, rec


@pytest.mark.parametrize("transport", ALL)
def test_headers_only_post_is_400_invalid_json(envoy: Envoy, mock, transport) -> None:
    """An empty body is not JSON. The reply comes without the filter waiting for a body: over
    h2-stream the request is HEADERS with END_STREAM; over h1/h2 it says content-length: 0."""
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", CHAT, JSON_HEADERS, b"")
    if transport == H2_STREAM:
        assert r.h2 is not None and r.h2.sent_body_bytes == 0
    assert_denied(envoy, mock, mark, r, 400, "invalid_json")


@pytest.mark.parametrize("transport", [H1, H2_STREAM])
def test_get_passes_without_a_body(envoy: Envoy, mock, transport) -> None:
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "GET", "/v1/models", [AUTH])
    assert r.status == 200, (r.status, r.body[:300])
    assert json.loads(r.body)["object"] == "list"
    got = mock.requests()
    assert [(g["method"], g["path"], g["body"]) for g in got] == [("GET", "/v1/models", b"")]
    assert_audit(only(envoy.wait_audit(mark)), decision="allow", status=200, method="GET")


@pytest.mark.parametrize("transport", ALL)
@pytest.mark.parametrize("ctype", ["text/plain", "application/json"])
def test_get_with_a_body_is_refused(envoy: Envoy, mock, transport, ctype) -> None:
    """A body on a GET is something no OpenAI endpoint takes and the filter will not inspect:
    refused (endpoint_not_allowed under unknown_endpoints: deny), never forwarded unread."""
    body = f"smuggled {EMAIL}".encode()
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "GET", "/v1/models", [("Content-Type", ctype), AUTH], body)
    assert_denied(envoy, mock, mark, r, 403, "endpoint_not_allowed", body)


# ---------------------------------------------------------------------------------------------
# JSON classes that must hold on every framing


JSON_CASES = [
    pytest.param(b'{"model":"gpt-4o-mini","model":"gpt-4o","messages":[]}',
                 "duplicate_json_key", id="duplicate-model"),
    pytest.param(b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a",'
                 b'"content":"' + EMAIL.encode() + b'"}]}', "duplicate_json_key",
                 id="duplicate-content"),
    pytest.param(b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"\\ud800"}]}',
                 "invalid_json", id="lone-high-surrogate"),
    pytest.param(b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x\\udc00y"}]}',
                 "invalid_json", id="lone-low-surrogate"),
    pytest.param(b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"\xff"}]}',
                 "invalid_json", id="invalid-utf8"),
    pytest.param(b'\xef\xbb\xbf{"model":"gpt-4o-mini","messages":[]}', "invalid_json",
                 id="bom"),
]


@pytest.mark.parametrize("transport", ALL)
@pytest.mark.parametrize("body,code", JSON_CASES)
def test_json_classes_on_every_framing(envoy: Envoy, mock, transport, body, code) -> None:
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", CHAT, JSON_HEADERS, body, chunk=7)
    assert_denied(envoy, mock, mark, r, 400, code, body)


# ---------------------------------------------------------------------------------------------
# Headers: repeated policy headers, non-UTF-8 values, case, underscores. The VM must survive.


HEADER_CASES = [
    pytest.param([("OpenAI-Project", "proj_a"), ("OpenAI-Project", "proj_b")],
                 "duplicate_header", id="project-twice"),
    pytest.param([("OpenAI-Project", "proj_a, proj_b")], "duplicate_header",
                 id="project-comma-list"),
    pytest.param([("OPENAI-PROJECT", "proj_a"), ("openai-project", "proj_a")],
                 "duplicate_header", id="project-twice-differing-case"),
    pytest.param([("OpenAI-Project", b"proj_\xff\xfe")], "invalid_header",
                 id="project-not-utf8"),
    pytest.param([("OpenAI-Organization", b"org-\xc3\xa9")], "invalid_header",
                 id="org-non-ascii"),
    pytest.param([("OpenAI_Project", "proj_a")], "invalid_header", id="underscore-lookalike"),
]


@pytest.mark.parametrize("transport", [H1, H2])
@pytest.mark.parametrize("extra,code", HEADER_CASES)
def test_policy_header_hygiene_and_vm_survives(envoy: Envoy, mock, transport, extra,
                                               code) -> None:
    # Over HTTP/2 the names go lower-case (the protocol requires it), so the differing-case
    # pair is two lines of the same name there; an underscore name is legal in both.
    before = wasm_stats(envoy)
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", CHAT, JSON_HEADERS + extra, body)
    assert_denied(envoy, mock, mark, r, 400, code, body)
    assert_vm_serves(envoy, mock)
    assert wasm_stats(envoy) == before, "a wasm VM was re-created or failed"


@pytest.mark.parametrize("transport", [H1, H2])
def test_non_utf8_value_in_other_headers_does_not_crash(envoy: Envoy, mock, transport) -> None:
    """Raw bytes in headers the policy does not read: no panic in the VM (the SDK's string
    getters would), the request is inspected and redacted as usual, the next one too."""
    before = wasm_stats(envoy)
    body = chat(SENSITIVE_TEXT)
    extra = [("X-Custom", b"\xff\xfe\x80"), ("User-Agent", b"caf\xe9"),
             ("X-Request-Id", b"id-\xff")]
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", CHAT, JSON_HEADERS + extra, body)
    assert r.status == 200, (r.status, r.body[:300])
    assert_forwarded_redacted(envoy, mock, mark, r)
    assert_vm_serves(envoy, mock)
    assert wasm_stats(envoy) == before


def test_header_names_differing_in_case_are_one_header(envoy: Envoy, mock) -> None:
    """HTTP/1.1 header names arrive in any case; Content-Type spelled oddly is still the
    content type (inspected), and a second one in another case is a repeat (415)."""
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = send(envoy.port, H1, "POST", CHAT, [("cOnTeNt-TyPe", "application/json"), AUTH], body)
    assert r.status == 200, (r.status, r.body[:300])
    assert_forwarded_redacted(envoy, mock, mark, r)
    mock.reset()
    mark = envoy.log_offset()
    r = send(envoy.port, H1, "POST", CHAT, [("content-type", "application/json"),
                                            ("CONTENT-TYPE", "text/plain"), AUTH], body)
    assert_denied(envoy, mock, mark, r, 415, "unsupported_content_type", body)


# ---------------------------------------------------------------------------------------------
# Path variants: what reaches the filter is the path as sent (demo.yaml has no normalize_path /
# merge_slashes); the filter matches on its own normalised path, so a variant is either
# inspected like the canonical path or refused.


INSPECTED_PATHS = [
    "/v1//chat/completions",
    "//v1/chat/completions",
    "/v1/./chat/completions",
    "/v1/chat/completions/",
    "/v1/chat/completions?x=1",
    "/v1/chat/completions?x=1&api-version=2",
    "/v1/%63hat/completions",  # an unreserved character percent-encoded
]
REFUSED_PATHS = [
    "/v1/chat%2Fcompletions",
    "/v1/chat%2fcompletions",
    "/v1/chat/../chat/completions",
    "/v1/chat/%2e%2e/chat/completions",
    "/v1/chat%5Ccompletions",
]


@pytest.mark.parametrize("transport", [H1, H2])
@pytest.mark.parametrize("path", INSPECTED_PATHS)
def test_path_variant_is_inspected(envoy: Envoy, mock, transport, path) -> None:
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", path, JSON_HEADERS, body)
    (req,) = mock.requests()
    # Envoy forwards the path as sent (the mock's http.server folds a leading `//` itself).
    assert req["path"].lstrip("/") == path.lstrip("/"), req["path"]
    assert_redacted_upstream(req["body"])
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", endpoint=CHAT, status=r.status)


@pytest.mark.parametrize("transport", [H1, H2])
@pytest.mark.parametrize("path", REFUSED_PATHS)
def test_path_variant_is_refused(envoy: Envoy, mock, transport, path) -> None:
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = send(envoy.port, transport, "POST", path, JSON_HEADERS, body)
    if r.status != 400 or b"invalid_path" not in r.body:
        # Envoy itself may refuse some forms (its own 400, no filter reply, no record).
        assert r.status == 400 and mock.requests() == [], (r.status, r.body[:200])
        pytest.fail(f"Envoy answered {path!r} itself; keep this case out of REFUSED_PATHS")
    assert_denied(envoy, mock, mark, r, 400, "invalid_path", body)


@pytest.mark.parametrize("path", INSPECTED_PATHS[:4])
def test_blocked_content_on_a_path_variant_is_403(start_envoy, mock, path) -> None:
    envoy = start_envoy(BLOCK_EMAIL)
    body = chat(f"write to {EMAIL}")
    mark = envoy.log_offset()
    r = send(envoy.port, H2, "POST", path, JSON_HEADERS, body)
    assert_denied(envoy, mock, mark, r, 403, "content_blocked", body)


# ---------------------------------------------------------------------------------------------
# Fail closed: a filter that cannot run never lets traffic through


def _wasm_plugins(node: Any, out: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("name") == WASM_FILTER and isinstance(node.get("typed_config"), dict):
            out.append(node["typed_config"].get("config", {}))
        for v in node.values():
            _wasm_plugins(v, out)
    elif isinstance(node, list):
        for v in node:
            _wasm_plugins(v, out)
    return out


ENVOY_YAMLS = sorted((REPO / "envoy").glob("*.yaml"))


def test_every_envoy_yaml_with_the_wasm_filter_fails_closed() -> None:
    """Every Envoy wasm filter in envoy/*.yaml (bootstraps, Istio EnvoyFilter patches, any file
    added later) fails closed and holds the headers; the Istio WasmPlugin fails closed too."""
    without = []
    for path in ENVOY_YAMLS:
        seen = 0
        for doc in yaml.safe_load_all(path.read_text()):
            for plugin in _wasm_plugins(doc, []):
                seen += 1
                assert plugin.get("failure_policy") == "FAIL_CLOSED", path.name
                assert plugin.get("allow_on_headers_stop_iteration") is True, path.name
                assert plugin["vm_config"]["runtime"] == "envoy.wasm.runtime.v8", path.name
            if isinstance(doc, dict) and doc.get("kind") == "WasmPlugin":
                seen += 1
                assert doc["spec"].get("failStrategy") == "FAIL_CLOSE", path.name
        if not seen:
            without.append(path.name)
    # Only the compose file (services and mounts, no Envoy config of its own) has no filter.
    assert without == ["docker-compose.yaml"], without


def _start_with_wasm(envoy_bin: str, workroot: Path, mock, wasm: Path, name: str) -> Envoy:
    cfg = render_config(upstream_port=mock.port, wasm=wasm, policy="{}")
    return Envoy(envoy_bin, cfg, new_workdir(workroot, name + "-"), name=name)


def test_vm_that_traps_on_traffic_refuses_every_request(envoy_bin, workroot, mock) -> None:
    """Envoy starts (the module loads and configures), then the VM traps in the request-headers
    callback. With FAIL_CLOSED that request and every later one get Envoy's 503 and nothing
    reaches the upstream: a dead VM never turns into a pass-through."""
    wasm = workroot / "trap-on-headers.wasm"
    wasm.write_bytes(trapping_wasm("proxy_on_request_headers"))
    env = _start_with_wasm(envoy_bin, workroot, mock, wasm, "trap")
    try:
        env.start()
        for transport in (H1, H2, H1_CHUNKED, H2_STREAM, H1):
            r = send(env.port, transport, "POST", CHAT, JSON_HEADERS, chat(SENSITIVE_TEXT))
            assert r.status == 503, (transport, r.status, r.body[:200])
            assert EMAIL.encode() not in r.body
        r = send(env.port, H1, "GET", "/v1/models", [AUTH])
        assert r.status == 503, r.status
        assert mock.requests() == [], "traffic passed a wasm VM that had trapped"
        assert "proxy_on_request_headers failed" in env.log_text()
        assert env.running
    finally:
        env.stop()


@pytest.mark.parametrize("module", ["trap-in-configure", "not-wasm", "empty-file"])
def test_module_that_cannot_start_keeps_envoy_from_serving(envoy_bin, workroot, mock,
                                                           module) -> None:
    """A module whose on_configure traps, or a file that is not wasm: with a static listener
    Envoy exits before it ever listens (checked: it never got ready and exited non-zero)."""
    wasm = workroot / f"{module}.wasm"
    wasm.write_bytes({"trap-in-configure": trapping_wasm("proxy_on_configure"),
                      "not-wasm": b"\x00asm but not really a module",
                      "empty-file": b""}[module])
    env = _start_with_wasm(envoy_bin, workroot, mock, wasm, module)
    try:
        env.start(expect_ready=False)
        assert not env.running and env.exit_code not in (None, 0), env.log_tail()
        assert env.port == 0  # never listened
        assert "fail closed failed to load" in env.log_text() or \
            "Unable to create Wasm" in env.log_text(), env.log_tail()
        assert mock.requests() == []
    finally:
        env.stop()


# ---------------------------------------------------------------------------------------------
# Memory: large bodies must not leave the VM growing


def _big_chat(size: int, tag: int) -> bytes:
    # Text with findings sprinkled through it, so the redaction path (a second buffer of the
    # body's size) is exercised, not only the scan.
    # One email per ~64 KiB: ~130 findings per body, well under the redactor's limit.
    filler = f"note {tag} about the order, padding text here. " * 1300
    block = filler + f" write to {EMAIL} "
    return chat(block * (size // len(block)))


def test_vm_memory_plateaus_after_large_bodies(start_envoy, mock, forbid) -> None:
    """Linear memory cannot shrink in wasm; it must stop growing. Five 8 MiB bodies warm the VM
    up; five more (and then many small ones) must not grow it by more than 1 MiB."""
    envoy = start_envoy({"max_body_bytes": 10 * 1024 * 1024})
    big = [_big_chat(8 * 1024 * 1024, i) for i in range(10)]
    assert all(8_000_000 < len(b) < 10 * 1024 * 1024 for b in big)

    def post_big(body: bytes) -> None:
        r = send(envoy.port, H1, "POST", CHAT, JSON_HEADERS, body, chunk=1 << 20)
        assert r.status == 200, (r.status, r.body[:200])
        mock.reset()  # the mock keeps bodies; do not let it hold 80 MiB

    start = vm_memory(envoy)
    for b in big[:5]:
        post_big(b)
    warm = vm_memory(envoy)
    for b in big[5:]:
        post_big(b)
    after_big = vm_memory(envoy)
    for i in range(200):
        r = send(envoy.port, H1 if i % 2 else H2, "POST", CHAT, JSON_HEADERS,
                 chat(f"small {i} {SENSITIVE_TEXT}"))
        assert r.status == 200
    mock.reset()
    after_small = vm_memory(envoy)
    print(f"VM linear memory: start {start >> 20} MiB, after 5 large {warm >> 20} MiB, "
          f"after 10 large {after_big >> 20} MiB, after 200 small {after_small >> 20} MiB")
    assert warm > start, "the large bodies did not reach the VM (nothing to measure)"
    assert after_big - warm <= 1 << 20, (start, warm, after_big)
    assert after_small - warm <= 1 << 20, (start, warm, after_small)
