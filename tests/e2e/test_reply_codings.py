"""Token usage from compressed replies, through the real Envoy.

OpenAI compresses its JSON replies whenever the request allows it (the mock does the same,
with gzip or deflate). The filter reads usage through gzip and deflate, narrows each forwarded
request's Accept-Encoding to those codings (so no reply comes back in br or zstd), and never
touches the reply bytes the client gets.
"""

from __future__ import annotations

import gzip
import http.client
import json
import zlib

import openai
import pytest
import requests

from checks import assert_audit, only
from values import API_KEY

HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
BODY = json.dumps({"model": "gpt-4o-mini",
                   "messages": [{"role": "user", "content": "hello there"}]}).encode()


def accept_encodings(req: dict) -> list[str]:
    """Every Accept-Encoding value the mock received with one request."""
    return [v for k, v in req["headers"] if k.lower() == "accept-encoding"]


def raw_post(envoy, accept: list[str]) -> tuple[http.client.HTTPResponse, bytes]:
    """POST the chat body with these Accept-Encoding headers (each its own header line) and
    return the reply with its body as sent on the wire (not decoded)."""
    conn = http.client.HTTPConnection("127.0.0.1", envoy.port, timeout=60)
    conn.putrequest("POST", "/v1/chat/completions", skip_accept_encoding=True)
    for k, v in HEADERS.items():
        conn.putheader(k, v)
    for a in accept:
        conn.putheader("Accept-Encoding", a)
    conn.putheader("Content-Length", str(len(BODY)))
    conn.endheaders(BODY)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def decoded(coding: str | None, wire: bytes) -> dict:
    if coding == "gzip":
        return json.loads(gzip.decompress(wire))
    if coding == "deflate":
        return json.loads(zlib.decompress(wire))
    assert coding is None, coding
    return json.loads(wire)


def test_the_sdk_gzip_reply_reaches_it_untouched_and_its_usage_is_recorded(envoy, mock) -> None:
    client = openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0,
                           timeout=60)
    mark = envoy.log_offset()
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "hello there"}])
    assert raw.headers.get("content-encoding") == "gzip"
    usage = raw.parse().usage
    (req,) = mock.requests()
    # The SDK's own "gzip, deflate" is readable: it goes upstream as sent.
    assert accept_encodings(req) == ["gzip, deflate"]
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=200)
    assert rec["usage"]["prompt_tokens"] == usage.prompt_tokens
    assert rec["usage"]["completion_tokens"] == usage.completion_tokens
    assert rec["usage"]["total_tokens"] == usage.total_tokens > 0


@pytest.mark.parametrize("sent, upstream, coding", [
    (["gzip, deflate, br, zstd"], ["gzip, deflate"], "gzip"),
    (["br;q=1.0, deflate;q=0.5, *;q=0.1"], ["deflate;q=0.5, gzip;q=0.1"], "gzip"),
    (["br, deflate;\tQ=0.7"], ["deflate;q=0.7"], "deflate"),
    (["br"], ["identity"], None),
    (["zstd", "deflate"], ["deflate"], "deflate"),
    # Nothing the filter reads is acceptable to this client: its header goes as sent (the
    # mock, which has no brotli, then answers uncompressed).
    (["br, identity;q=0"], ["br, identity;q=0"], None),
    ([], [], None),
], ids=["browser-list", "weights", "canonical", "br-only", "two-headers", "refuses-identity",
        "none"])
def test_accept_encoding_is_narrowed_and_usage_is_read_in_every_coding(
        envoy, mock, sent: list[str], upstream: list[str], coding: str | None) -> None:
    mark = envoy.log_offset()
    resp, wire = raw_post(envoy, sent)
    assert resp.status == 200, wire[:300]
    assert resp.getheader("content-encoding") == coding
    reply = decoded(coding, wire)
    (req,) = mock.requests()
    assert accept_encodings(req) == upstream
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=200)
    assert rec["usage"]["total_tokens"] == reply["usage"]["total_tokens"] > 0
    # The reply's bytes as they travelled, compressed or not.
    assert rec["response_bytes"] == len(wire)


def test_as_sent_leaves_accept_encoding_alone(start_envoy, mock) -> None:
    envoy = start_envoy({"audit": {"accept_encoding": "as_sent"}})
    r = requests.post(envoy.base_url + "/v1/chat/completions", data=BODY,
                      headers={**HEADERS, "Accept-Encoding": "br, zstd"}, timeout=60)
    assert r.status_code == 200, r.text[:300]
    (req,) = mock.requests()
    assert accept_encodings(req) == ["br, zstd"]


def test_a_refused_request_gets_a_plain_error_and_sends_nothing(start_envoy, mock) -> None:
    envoy = start_envoy({"detectors": {"actions": {"email": "block"}}})
    body = json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": "a@example.com"}]}).encode()
    r = requests.post(envoy.base_url + "/v1/chat/completions", data=body,
                      headers={**HEADERS, "Accept-Encoding": "gzip, br"}, timeout=60)
    assert r.status_code == 403
    assert "content-encoding" not in r.headers
    assert r.json()["error"]["code"] == "content_blocked"
    assert mock.requests() == []
