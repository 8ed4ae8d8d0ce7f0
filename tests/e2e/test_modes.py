"""Audit mode and streaming variants through the real Envoy."""

from __future__ import annotations

import json

import openai
import requests

from checks import assert_audit, assert_redacted_upstream, finding_count, only
from harness import Envoy
from values import API_KEY, CARD, EMAIL, SENSITIVE_TEXT

HEADERS = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}


def test_audit_mode_forwards_unchanged_and_records_would_redact(start_envoy, mock) -> None:
    envoy = start_envoy({"mode": "audit"})
    body = json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": SENSITIVE_TEXT}]}).encode()
    mark = envoy.log_offset()
    r = requests.post(envoy.base_url + "/v1/chat/completions", data=body, headers=HEADERS,
                      timeout=60)
    assert r.status_code == 200, r.text[:300]
    got = mock.requests()
    assert len(got) == 1 and got[0]["body"] == body  # audit mode changes nothing
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="would_redact", status=200)
    assert rec["findings"], rec


def test_audit_mode_block_is_would_deny_and_forwarded(start_envoy, mock) -> None:
    envoy = start_envoy({"mode": "audit", "detectors": {"actions": {"email": "block"}}})
    body = json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": f"mail {EMAIL}"}]}).encode()
    mark = envoy.log_offset()
    r = requests.post(envoy.base_url + "/v1/chat/completions", data=body, headers=HEADERS,
                      timeout=60)
    assert r.status_code == 200, r.text[:300]
    assert [g["body"] for g in mock.requests()] == [body]
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="would_deny", status=200, reason="content_blocked")


def test_audit_mode_still_inspects_the_body_of_a_request_its_head_rules_would_refuse(
        start_envoy, mock) -> None:
    envoy = start_envoy({"mode": "audit", "projects": {"proj_a": {"endpoints": ["embeddings"]}}})
    body = json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": SENSITIVE_TEXT}]}).encode()
    for project, reason in (("proj_a", "endpoint_not_allowed"), ("proj_x", "project_not_allowed")):
        mock.reset()
        mark = envoy.log_offset()
        r = requests.post(envoy.base_url + "/v1/chat/completions", data=body,
                          headers={**HEADERS, "OpenAI-Project": project}, timeout=60)
        assert r.status_code == 200, r.text[:300]
        assert [g["body"] for g in mock.requests()] == [body]  # forwarded unchanged
        rec = only(envoy.wait_audit(mark))
        # The refusal enforce mode would send, and what the body check would have found.
        assert_audit(rec, decision="would_deny", status=200, reason=reason)
        assert finding_count(rec, "email") == 1 and finding_count(rec, "card") == 1, rec
        assert rec["model"] == "gpt-4o-mini"


def test_responses_stream_is_redacted(envoy: Envoy, mock) -> None:
    client = openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0,
                           timeout=60)
    mark = envoy.log_offset()
    events = list(client.responses.create(model="gpt-4o-mini", input=SENSITIVE_TEXT,
                                          stream=True))
    assert events[0].type == "response.created" and events[-1].type == "response.completed"
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    assert "[EMAIL]" in text and "[CARD]" in text and EMAIL not in text and CARD not in text
    assert events[-1].response.usage.total_tokens > 0
    (req,) = mock.requests()
    sent = json.loads(assert_redacted_upstream(req["body"]))
    assert sent["stream"] is True
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200, endpoint="/v1/responses")
