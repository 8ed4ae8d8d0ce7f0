"""The same contract over HTTP/2 (h2c prior knowledge; the listener's codec is AUTO), with the
frame-level client in h2client.py. The upstream leg stays HTTP/1.1.

An early reply (413 while the upload is still going) arrives complete and is then followed by
RST_STREAM(NO_ERROR) for the rest of the upload (RFC 9113, 8.1): the client keeps the reply, so
these tests assert the full error body every time, with no tolerance for a dropped reply."""

from __future__ import annotations

import json

import h2.errors
import pytest

from checks import assert_audit, assert_openai_error, assert_redacted_upstream, only
from h2client import H2Response, h2_request
from harness import Envoy
from values import API_KEY, SENSITIVE_TEXT

H2_HEADERS = [("content-type", "application/json"), ("authorization", f"Bearer {API_KEY}")]


def chat(content: str) -> bytes:
    return json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": content}]}).encode()


def h2_post(envoy: Envoy, path: str, body: bytes, declare_length: bool = True,
            **kw) -> H2Response:
    headers = list(H2_HEADERS)
    if declare_length:
        headers.append(("content-length", str(len(body))))
    return h2_request(envoy.port, "POST", path, headers, body, **kw)


def test_h2_chat_is_redacted(envoy: Envoy, mock) -> None:
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = h2_post(envoy, "/v1/chat/completions", body)
    assert r.complete and r.status == 200, (r.status, r.body[:300])
    reply = json.loads(r.body)["choices"][0]["message"]["content"]
    assert "[EMAIL]" in reply and "[CARD]" in reply
    (req,) = mock.requests()
    assert_redacted_upstream(req["body"])
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200)


def test_h2_streamed_body_without_length_is_redacted(envoy: Envoy, mock) -> None:
    body = chat(SENSITIVE_TEXT)
    mark = envoy.log_offset()
    r = h2_post(envoy, "/v1/chat/completions", body, declare_length=False, chunk=7)
    assert r.complete and r.status == 200, (r.status, r.body[:300])
    (req,) = mock.requests()
    assert_redacted_upstream(req["body"])
    assert_audit(only(envoy.wait_audit(mark)), decision="redact", status=200)


@pytest.mark.parametrize("declare_length", [True, False], ids=["declared", "streamed"])
def test_h2_body_over_cap_is_413(start_envoy, mock, declare_length: bool) -> None:
    envoy = start_envoy({"max_body_bytes": 1024})
    body = chat("pad " * 1000)
    mark = envoy.log_offset()
    r = h2_post(envoy, "/v1/chat/completions", body, declare_length, chunk=512)
    assert r.complete, r
    assert_openai_error(r.status, r.headers, r.body, 413, "body_too_large", body)
    # The early reply ends the stream; the rest of the upload is refused with NO_ERROR (or the
    # upload had already finished, in which case there is nothing to reset).
    assert r.reset_code in (None, h2.errors.ErrorCodes.NO_ERROR), r.reset_code
    if declare_length:
        # Decided from the headers: at most what was in flight before the reply came back.
        assert r.sent_body_bytes < len(body) or r.reset_code is None
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="deny", status=413, reason="body_too_large")
    assert mock.requests() == []


def test_h2_sse_reply_streams_back(envoy: Envoy, mock) -> None:
    body = json.dumps({"model": "gpt-4o-mini", "stream": True,
                       "stream_options": {"include_usage": True},
                       "messages": [{"role": "user", "content": SENSITIVE_TEXT}]}).encode()
    mark = envoy.log_offset()
    r = h2_post(envoy, "/v1/chat/completions", body)
    assert r.complete and r.status == 200, (r.status, r.body[:300])
    assert r.headers["content-type"].startswith("text/event-stream")
    text = r.body.decode()
    assert text.rstrip().endswith("data: [DONE]")
    assert "[EMAIL]" in text and "jane" not in text
    (req,) = mock.requests()
    assert_redacted_upstream(req["body"])
    assert_audit(only(envoy.wait_audit(mark)), decision="redact", status=200)
