"""Requests the filter refuses: OpenAI-shaped error, an audit record with the reason code, and
NOTHING at the upstream (the headers are held, so a denied request never opens a request, API
key included, to OpenAI)."""

from __future__ import annotations

import gzip
import http.client
import json
import socket
from typing import Any

import openai
import pytest
import requests

from checks import assert_audit, assert_openai_error, only
from harness import Envoy
from values import API_KEY, EMAIL, SENSITIVE_TEXT

SMALL_CAP = {"max_body_bytes": 1024}
BLOCK_EMAIL = {"detectors": {"actions": {"email": "block"}}}
JSON_HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}


def chat_body(content: str = "hello") -> bytes:
    return json.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    ).encode()


def post(envoy: Envoy, path: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    return requests.post(envoy.base_url + path, data=body, headers=headers, timeout=60)


def assert_denied(envoy: Envoy, mock, mark: int, status: int, headers: Any, body: bytes,
                  want_status: int, code: str, sent: bytes = b"") -> dict[str, Any]:
    assert_openai_error(status, headers, body, want_status, code, sent)
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="deny", status=want_status, reason=code)
    # The record is logged after the exchange ended: anything that reached the mock is there now.
    assert mock.requests() == [], "a denied request reached the upstream"
    return rec


BAD_JSON_CASES = [
    pytest.param(b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]',
                 "invalid_json", id="truncated"),
    pytest.param(b'{"model":"gpt-4o-mini",}', "invalid_json", id="trailing-comma"),
    pytest.param(b'{"model":"gpt-4o-mini"} {"x":1}', "invalid_json", id="trailing-data"),
    pytest.param(b'{"model":NaN}', "invalid_json", id="nan"),
    pytest.param(b'{"model":"gpt-4o-mini","model":"gpt-4o"}', "duplicate_json_key",
                 id="duplicate-model"),
    pytest.param(b'{"messages":' + b"[" * 200 + b"]" * 200 + b"}", "json_too_deep",
                 id="too-deep"),
]


@pytest.mark.parametrize("body,code", BAD_JSON_CASES)
def test_malformed_json_is_400(envoy: Envoy, mock, body: bytes, code: str) -> None:
    mark = envoy.log_offset()
    r = post(envoy, "/v1/chat/completions", body, JSON_HEADERS)
    assert_denied(envoy, mock, mark, r.status_code, r.headers, r.content, 400, code, body)


def test_declared_length_over_cap_is_413(start_envoy, mock) -> None:
    envoy = start_envoy(SMALL_CAP)
    body = chat_body("padding " * 400)
    assert len(body) > 1024
    mark = envoy.log_offset()
    r = post(envoy, "/v1/chat/completions", body, JSON_HEADERS)
    assert_denied(envoy, mock, mark, r.status_code, r.headers, r.content, 413,
                  "body_too_large", body)


def test_declared_length_over_cap_is_413_before_any_body(start_envoy, mock) -> None:
    """The 413 comes from the headers alone: the client never sends a byte of body."""
    envoy = start_envoy(SMALL_CAP)
    mark = envoy.log_offset()
    with socket.create_connection(("127.0.0.1", envoy.port), timeout=60) as s:
        s.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: api.openai.com\r\n"
            b"Content-Type: application/json\r\n"
            + f"Authorization: Bearer {API_KEY}\r\n".encode()
            + b"Content-Length: 5000000\r\n\r\n"
        )
        resp = http.client.HTTPResponse(s)
        resp.begin()
        data = resp.read()
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
    assert_denied(envoy, mock, mark, resp.status, hdrs, data, 413, "body_too_large")


def _send_chunked(envoy: Envoy, path: str, pieces: list[bytes],
                  headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """Sends a chunked body; the filter may answer (and close) before all of it is sent."""
    conn = http.client.HTTPConnection("127.0.0.1", envoy.port, timeout=60)
    conn.putrequest("POST", path)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    try:
        for p in pieces:
            conn.send(b"%x\r\n%s\r\n" % (len(p), p))
        conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # the reply is already waiting in the socket
    resp = conn.getresponse()
    data = resp.read()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return resp.status, hdrs, data


def test_chunked_body_over_cap_is_413(start_envoy, mock) -> None:
    envoy = start_envoy(SMALL_CAP)
    body = chat_body("padding " * 600)
    pieces = [body[i:i + 256] for i in range(0, len(body), 256)]
    mark = envoy.log_offset()
    status, hdrs, data = _send_chunked(envoy, "/v1/chat/completions", pieces, JSON_HEADERS)
    assert_denied(envoy, mock, mark, status, hdrs, data, 413, "body_too_large", body)


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "application/json; charset=latin-1"])
def test_non_json_content_type_is_415(envoy: Envoy, mock, ctype: str) -> None:
    body = chat_body(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = post(envoy, "/v1/chat/completions", body,
             {"Content-Type": ctype, "Authorization": f"Bearer {API_KEY}"})
    assert_denied(envoy, mock, mark, r.status_code, r.headers, r.content, 415,
                  "unsupported_content_type", body)


@pytest.mark.parametrize("encoding", ["gzip", "br", "deflate, gzip"])
def test_content_encoding_is_415(envoy: Envoy, mock, encoding: str) -> None:
    body = gzip.compress(chat_body(SENSITIVE_TEXT))
    mark = envoy.log_offset()
    r = post(envoy, "/v1/chat/completions", body, {**JSON_HEADERS, "Content-Encoding": encoding})
    assert_denied(envoy, mock, mark, r.status_code, r.headers, r.content, 415,
                  "unsupported_content_encoding")


def test_block_action_is_403(start_envoy, mock) -> None:
    envoy = start_envoy(BLOCK_EMAIL)
    body = chat_body(f"write to {EMAIL} please")
    mark = envoy.log_offset()
    r = post(envoy, "/v1/chat/completions", body, JSON_HEADERS)
    rec = assert_denied(envoy, mock, mark, r.status_code, r.headers, r.content, 403,
                        "content_blocked", body)
    assert sum(int(v) for k, v in rec["findings"].items() if "email" in k) >= 1, rec


def test_redaction_that_never_settles_is_403(start_envoy, mock) -> None:
    # `\bK\d` matches only the first `K1` of a glued run; each placeholder's `]` makes a word
    # boundary before the next, so every round uncovers one more: six never settle in four.
    envoy = start_envoy({"detectors": {"patterns": [{"id": "tag", "regex": r"\bK\d"}]}})
    body = chat_body("ticket K1K1K1K1K1K1 please")
    mark = envoy.log_offset()
    r = post(envoy, "/v1/chat/completions", body, JSON_HEADERS)
    rec = assert_denied(envoy, mock, mark, r.status_code, r.headers, r.content, 403,
                        "redaction_unsettled", body)
    assert sum(int(v) for k, v in rec["findings"].items() if "tag" in k) == 4, rec


def test_block_action_surfaces_in_the_sdk(start_envoy, mock) -> None:
    envoy = start_envoy(BLOCK_EMAIL)
    client = openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0)
    mark = envoy.log_offset()
    with pytest.raises(openai.PermissionDeniedError) as exc:
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": SENSITIVE_TEXT}]
        )
    assert exc.value.status_code == 403
    assert exc.value.code == "content_blocked"
    assert EMAIL not in str(exc.value)
    only(envoy.wait_audit(mark))
    assert mock.requests() == []


@pytest.mark.parametrize("path", ["/v1/unknown", "/v2/chat/completions", "/admin/x"])
def test_unknown_endpoint_is_403(envoy: Envoy, mock, path: str) -> None:
    body = chat_body("hello")
    mark = envoy.log_offset()
    r = post(envoy, path, body, JSON_HEADERS)
    assert_denied(envoy, mock, mark, r.status_code, r.headers, r.content, 403,
                  "endpoint_not_allowed", body)


def test_client_abort_mid_body_sends_nothing_upstream(envoy: Envoy, mock) -> None:
    body = chat_body(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    with socket.create_connection(("127.0.0.1", envoy.port), timeout=30) as s:
        head = (
            "POST /v1/chat/completions HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{envoy.port}\r\n"
            "Content-Type: application/json\r\n"
            f"Authorization: Bearer {API_KEY}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        s.sendall(head + body[: len(body) // 2])
    # One record per request, aborted ones included; once it is logged the exchange is over.
    rec = only(envoy.wait_audit(mark))
    assert mock.requests() == [], "a partial body reached the upstream"
    # Nothing was forwarded and no response was sent; the record says why.
    assert rec["decision"] == "aborted" and rec["reason"] == "client_abort", rec
    assert int(rec["bytes_out"]) == 0, rec
    assert rec["status"] in (None, 0, 499), rec
