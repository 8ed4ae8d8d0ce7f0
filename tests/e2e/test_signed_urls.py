"""Signed URLs through the real Envoy: a presigned S3 link handed to the model as an image goes
upstream unchanged under `credential: block` (its own category, `signed_url`, defaults to
`allow`) and is counted in the record; a policy that names `signed_url` redacts its query.
The signature never appears in any Envoy output."""

from __future__ import annotations

import json

import requests

from checks import assert_audit, finding_count, only
from values import API_KEY

HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}

SIGNATURE = "8d2f6a1c9e4b7d0f3a5c8e1b4d7f0a2c5e8b1d4f7a0c3e6b9d2f5a8c1e4b7d0f"
QUERY = ("X-Amz-Algorithm=AWS4-HMAC-SHA256"
         "&X-Amz-Credential=ASIAQ3EGUMZ7XKW2LPRB%2F20240502%2Feu-west-1%2Fs3%2Faws4_request"
         "&X-Amz-Date=20240502T101500Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
         f"&X-Amz-Signature={SIGNATURE}")
URL = f"https://acme-uploads.s3.eu-west-1.amazonaws.com/shots/checkout.png?{QUERY}"


def _body() -> bytes:
    return json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is wrong on this screenshot?"},
        {"type": "image_url", "image_url": {"url": URL}},
    ]}]}).encode()


def _send(envoy) -> requests.Response:
    return requests.post(envoy.base_url + "/v1/chat/completions", data=_body(), headers=HEADERS,
                         timeout=60)


def test_a_presigned_url_passes_credential_block_and_is_counted(start_envoy, mock, forbid) -> None:
    forbid(SIGNATURE)
    envoy = start_envoy({"detectors": {"actions": {"credential": "block"}}})
    mark = envoy.log_offset()
    r = _send(envoy)
    assert r.status_code == 200, r.text[:300]
    got = mock.requests()
    assert [g["body"] for g in got] == [_body()]  # byte-identical upstream
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="allow", status=200)
    assert finding_count(rec, "signed_url") == 1, rec
    assert rec.get("categories", {}).get("signed_url") == 1, rec
    assert rec.get("actions", {}).get("allow") == 1, rec


def test_a_policy_that_names_signed_urls_redacts_the_query(start_envoy, mock, forbid) -> None:
    forbid(SIGNATURE)
    envoy = start_envoy({"detectors": {"actions": {"signed_url": "redact"}}})
    mark = envoy.log_offset()
    r = _send(envoy)
    assert r.status_code == 200, r.text[:300]
    [got] = mock.requests()
    sent = json.loads(got["body"])
    url = sent["messages"][0]["content"][1]["image_url"]["url"]
    assert url == "https://acme-uploads.s3.eu-west-1.amazonaws.com/shots/checkout.png?[SIGNED_URL]"
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200)
    assert finding_count(rec, "signed_url") == 1, rec
