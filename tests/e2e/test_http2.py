"""The same contract over HTTP/2 (h2c prior knowledge; the listener's codec is AUTO), with curl
as the client (it ships nghttp2 on Debian). The upstream leg stays HTTP/1.1."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from checks import assert_audit, assert_openai_error, assert_redacted_upstream, only
from harness import Envoy
from values import API_KEY, SENSITIVE_TEXT


@pytest.fixture(scope="module")
def curl() -> str:
    path = shutil.which("curl")
    if not path:
        pytest.fail("curl is required for the HTTP/2 tests (apt-get install curl)")
    features = subprocess.run([path, "-V"], capture_output=True, text=True).stdout
    if "HTTP2" not in features:
        pytest.fail("this curl has no HTTP/2 support (needs nghttp2)")
    return path


def h2_post(curl: str, envoy: Envoy, path: str, body: bytes,
            unknown_length: bool = False,
            early_reply: bool = False) -> tuple[int, dict[str, str], bytes] | None:
    """POST over h2c; `unknown_length` streams stdin with no content-length (DATA frames only).

    `early_reply`: the filter answers before the upload ends. Envoy then sends the complete
    response followed by RST_STREAM(NO_ERROR) for the rest of the upload (RFC 9113, 8.1), and
    curl 7.88 sometimes drops the already-received response and exits 92 ("stream error in
    the framing layer"). Returns None in that one case, so the caller asserts the rest (audit
    record, nothing upstream) from the server side."""
    send = ["-T", "-"] if unknown_length else ["--data-binary", "@-"]
    proc = subprocess.run(
        [curl, "-sS", "--http2-prior-knowledge", "-D", "-", "-X", "POST",
         "-H", "Content-Type: application/json", "-H", f"Authorization: Bearer {API_KEY}",
         *send, envoy.base_url + path],
        input=body, capture_output=True, timeout=60,
    )
    if early_reply and proc.returncode in (52, 92) and not proc.stdout.endswith(b"}"):
        return None
    assert proc.returncode == 0 or (early_reply and proc.returncode == 92), \
        proc.stderr.decode(errors="replace")
    head, _, payload = proc.stdout.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("HTTP/2 "), lines[0]
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:])}
    return status, headers, payload


def test_h2_chat_is_redacted(curl: str, envoy: Envoy, mock) -> None:
    body = json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": SENSITIVE_TEXT}]}).encode()
    mark = envoy.log_offset()
    reply = h2_post(curl, envoy, "/v1/chat/completions", body)
    assert reply is not None
    status, _, payload = reply
    assert status == 200, payload[:300]
    reply = json.loads(payload)["choices"][0]["message"]["content"]
    assert "[EMAIL]" in reply and "[CARD]" in reply
    (req,) = mock.requests()
    assert_redacted_upstream(req["body"])
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200)


def test_h2_streamed_body_without_length_is_redacted(curl: str, envoy: Envoy, mock) -> None:
    body = json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": SENSITIVE_TEXT}]}).encode()
    mark = envoy.log_offset()
    reply = h2_post(curl, envoy, "/v1/chat/completions", body, unknown_length=True)
    assert reply is not None
    status, _, payload = reply
    assert status == 200, payload[:300]
    (req,) = mock.requests()
    assert_redacted_upstream(req["body"])
    assert_audit(only(envoy.wait_audit(mark)), decision="redact", status=200)


@pytest.mark.parametrize("unknown_length", [False, True], ids=["declared", "streamed"])
def test_h2_body_over_cap_is_413(curl: str, start_envoy, mock, unknown_length: bool) -> None:
    envoy = start_envoy({"max_body_bytes": 1024})
    body = json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": "pad " * 1000}]}).encode()
    mark = envoy.log_offset()
    reply = h2_post(curl, envoy, "/v1/chat/completions", body, unknown_length, early_reply=True)
    if reply is not None:
        assert_openai_error(*reply, 413, "body_too_large", body)
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="deny", status=413, reason="body_too_large")
    assert mock.requests() == []
