"""Clean requests pass through the filter untouched (byte-identical body, no waiting)."""

from __future__ import annotations

import http.client

import requests

from checks import assert_audit, only
from harness import Envoy
from values import API_KEY

# Odd numbers, odd key order, unknown fields, escapes and whitespace: all must arrive exactly.
CLEAN_BODY = (
    b'{ "messages" : [ {"content":"What is 2+2? Reply in \\u00e9t\\u00e9 style \\/ please",'
    b'"role":"user", "name":"alice"} ],\n'
    b'  "zz_unknown": {"big": 18446744073709551617, "huge": 1E400, "neg_zero": -0.0,'
    b' "tiny": 1e-400, "list": [1.50, 2.000, -0, 0.1e+2]},\n'
    b'  "temperature": 0.70, "model":"gpt-4o-mini", "max_tokens": 16,'
    b' "logit_bias": {"50256": -100}, "seed": 9007199254740993 }\n'
)

HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}


def test_clean_request_is_forwarded_byte_identical(envoy: Envoy, mock) -> None:
    mark = envoy.log_offset()
    r = requests.post(envoy.base_url + "/v1/chat/completions", data=CLEAN_BODY,
                      headers=HEADERS, timeout=60)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["object"] == "chat.completion"
    got = mock.requests()
    assert len(got) == 1
    assert got[0]["body"] == CLEAN_BODY
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=200, endpoint="/v1/chat/completions",
                 method="POST")
    assert rec["model"] == "gpt-4o-mini"
    assert int(rec["bytes_in"]) == len(CLEAN_BODY)
    assert int(rec["bytes_out"]) == len(CLEAN_BODY)


def test_clean_chunked_request_is_forwarded_byte_identical(envoy: Envoy, mock) -> None:
    mark = envoy.log_offset()
    conn = http.client.HTTPConnection("127.0.0.1", envoy.port, timeout=60)
    conn.putrequest("POST", "/v1/chat/completions")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Authorization", f"Bearer {API_KEY}")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for i in range(0, len(CLEAN_BODY), 37):
        piece = CLEAN_BODY[i:i + 37]
        conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
    conn.send(b"0\r\n\r\n")
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    assert resp.status == 200, data[:300]
    got = mock.requests()
    assert len(got) == 1 and got[0]["body"] == CLEAN_BODY
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=200, endpoint="/v1/chat/completions")
    assert int(rec["bytes_in"]) == len(CLEAN_BODY)


def test_get_models_passes(envoy: Envoy, mock) -> None:
    mark = envoy.log_offset()
    r = requests.get(envoy.base_url + "/v1/models", headers=HEADERS, timeout=60)
    assert r.status_code == 200, r.text[:300]
    assert r.json()["object"] == "list"
    got = mock.requests()
    assert [(g["method"], g["path"], g["body"]) for g in got] == [("GET", "/v1/models", b"")]
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=200, method="GET")
