"""Harness self-test: Envoy from envoy/demo.yaml WITHOUT the wasm filter, in front of the mock.

Proves start/stop, kernel-chosen ports, readiness, the mock's recording (including chunked
bodies and SSE), log capture and audit-line parsing work, independently of the filter.
"""

from __future__ import annotations

import http.client
import json
import socket

import openai
import pytest
import requests

from harness import Envoy, render_config
from values import API_KEY

pytestmark = pytest.mark.selftest


@pytest.fixture
def plain(start_envoy) -> Envoy:
    return start_envoy(wasm=False)


def test_plain_proxy_chat_reaches_mock_byte_identical(plain: Envoy, mock) -> None:
    body = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hello there"}]}'
    r = requests.post(
        plain.base_url + "/v1/chat/completions",
        data=body,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert r.json()["choices"][0]["message"]["content"] == "You said: hello there"
    got = mock.requests()
    assert len(got) == 1
    assert got[0]["method"] == "POST"
    assert got[0]["path"] == "/v1/chat/completions"
    assert got[0]["body"] == body


def test_plain_proxy_chunked_body_and_sse(plain: Envoy, mock) -> None:
    parts = [b'{"model":"m","stream":true,', b'"stream_options":{"include_usage":true},',
             b'"messages":[{"role":"user","content":"chunked hi"}]}']
    conn = http.client.HTTPConnection("127.0.0.1", plain.port, timeout=30)
    conn.putrequest("POST", "/v1/chat/completions")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for p in parts:
        conn.send(b"%x\r\n%s\r\n" % (len(p), p))
    conn.send(b"0\r\n\r\n")
    resp = conn.getresponse()
    text = resp.read().decode()
    conn.close()
    assert resp.status == 200
    assert resp.getheader("content-type", "").startswith("text/event-stream")
    datas = [ln[len("data: "):] for ln in text.splitlines() if ln.startswith("data: ")]
    assert datas[-1] == "[DONE]"
    usage = json.loads(datas[-2])["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    got = mock.requests()
    assert len(got) == 1 and got[0]["body"] == b"".join(parts)


def test_plain_proxy_openai_sdk_all_endpoints(plain: Envoy, mock) -> None:
    client = openai.OpenAI(base_url=plain.base_url + "/v1", api_key=API_KEY, max_retries=0)
    chat = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "one"}]
    )
    assert chat.choices[0].message.content == "You said: one"
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "two"}], stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == \
        "You said: two"
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    resp = client.responses.create(model="gpt-4o-mini", input="three")
    assert resp.output_text == "You said: three"
    assert resp.usage.input_tokens_details.cached_tokens == 0
    events = [e.type for e in client.responses.create(model="gpt-4o-mini", input="four",
                                                      stream=True)]
    assert events[0] == "response.created" and events[-1] == "response.completed"
    assert "response.output_text.delta" in events
    emb = client.embeddings.create(model="text-embedding-3-small", input="five")
    assert len(emb.data[0].embedding) == 8
    assert [m.id for m in client.models.list()]
    paths = [r["path"] for r in mock.requests()]
    assert paths == ["/v1/chat/completions"] * 2 + ["/v1/responses"] * 2 + [
        "/v1/embeddings", "/v1/models"]


def test_ports_are_distinct_and_admin_ready(plain: Envoy, mock) -> None:
    assert plain.port not in (0, mock.port)
    assert plain.running
    assert plain.stats("cluster.openai_mock.")  # admin answers with the cluster's stats
    with socket.create_connection(("127.0.0.1", plain.port), timeout=10):
        pass


def test_log_capture_and_audit_parsing(plain: Envoy, tmp_path) -> None:
    text = plain.log_text()
    assert "starting main dispatch loop" in text  # Envoy's own info lines are captured
    fake = Envoy("/bin/true", {}, tmp_path, name="fake")
    fake.log_path.write_text(
        "[info][wasm] wasm log x: ocf.audit {\"decision\":\"redact\",\"status\":200}\n"
        "unrelated line\n"
        "[info][wasm] wasm log x: ocf.audit {\"decision\":\"deny\",\"reason\":\"invalid_json\"}\n"
    )
    recs = fake.audit_records()
    assert [r["decision"] for r in recs] == ["redact", "deny"]
    mark = len(fake.log_bytes().splitlines(keepends=True)[0])
    assert [r["decision"] for r in fake.audit_records(since=mark)] == ["deny"]


def test_envoy_that_cannot_start_is_reported(start_envoy, envoy_bin, tmp_path, mock) -> None:
    cfg = render_config(upstream_port=mock.port, wasm=None, policy=None)
    cfg["static_resources"]["clusters"][0]["type"] = "NOT_A_TYPE"
    env = Envoy(envoy_bin, cfg, tmp_path / "bad", name="bad")
    env.start(expect_ready=False)
    try:
        assert not env.running
        assert env.exit_code not in (None, 0)
        assert "NOT_A_TYPE" in env.log_text()
    finally:
        env.stop()


def test_mock_sees_headers_of_an_aborted_request(plain: Envoy, mock) -> None:
    """Without a filter holding the headers, a client abort mid-body still reaches the upstream
    as an incomplete request: this is what `mock.requests() == []` in the denial tests rules
    out."""
    from harness import wait_for

    body = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"abort me"}]}'
    with socket.create_connection(("127.0.0.1", plain.port), timeout=30) as s:
        s.sendall(
            b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:20]
        )
        got = wait_for(lambda: mock.requests(), 30, "the mock to see the request headers")
    assert got[0]["path"] == "/v1/chat/completions"
    wait_for(lambda: mock.requests()[0].get("error"), 30, "the mock to see the abort")
    assert mock.requests()[0]["complete"] is False


def test_leak_check_catches_a_logged_value(tmp_path) -> None:
    from checks import assert_no_leaks
    from values import CARD_DIGITS, EMAIL

    fake = Envoy("/bin/true", {}, tmp_path, name="leaky")
    fake.log_path.write_text("[info][wasm] all good\n")
    assert_no_leaks([fake])
    for leaked in (EMAIL, CARD_DIGITS, API_KEY[:30], "custom-secret"):
        fake.log_path.write_text(f"[info][wasm] oops {leaked} here\n")
        with pytest.raises(AssertionError):
            assert_no_leaks([fake], extra=["custom-secret"])
