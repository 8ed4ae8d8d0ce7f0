"""Redaction through the real Envoy with the official OpenAI SDK as the client.

Each request carries an email address and a card number. The upstream must get `[EMAIL]` and
`[CARD]` instead, the client a normal response (the mock echoes what it got), one audit record
with decision `redact`, and no sensitive value anywhere in Envoy's output (checked after every
test by conftest).
"""

from __future__ import annotations

import json

import openai
import pytest

from checks import assert_audit, assert_redacted_upstream, finding_count, only
from harness import Envoy
from values import API_KEY, CARD, EMAIL, SENSITIVE_TEXT


@pytest.fixture
def client(envoy: Envoy) -> openai.OpenAI:
    return openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0,
                         timeout=60)


def _one_upstream(mock, path: str) -> dict:
    got = mock.requests()
    assert [r["path"] for r in got] == [path]
    req = got[0]
    # The key itself must still reach OpenAI (the filter inspects bodies, not credentials).
    auth = [v for k, v in req["headers"] if k.lower() == "authorization"]
    assert auth == [f"Bearer {API_KEY}"]
    return req


def _assert_redact_record(envoy: Envoy, mark: int, endpoint: str) -> dict:
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="redact", status=200, endpoint=endpoint, method="POST")
    assert finding_count(rec, "email") >= 1, rec
    assert finding_count(rec, "card") >= 1, rec
    assert int((rec.get("actions") or {}).get("redact", 0)) >= 2, rec
    return rec


def test_chat_completion_is_redacted(envoy: Envoy, client: openai.OpenAI, mock) -> None:
    mark = envoy.log_offset()
    out = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": SENSITIVE_TEXT},
        ],
    )
    reply = out.choices[0].message.content or ""
    assert reply.startswith("You said: ")
    assert "[EMAIL]" in reply and "[CARD]" in reply
    assert EMAIL not in reply and CARD not in reply
    assert out.usage is not None and out.usage.total_tokens > 0
    req = _one_upstream(mock, "/v1/chat/completions")
    text = assert_redacted_upstream(req["body"])
    sent = json.loads(text)
    assert sent["model"] == "gpt-4o-mini"
    assert sent["messages"][0] == {"role": "system", "content": "You are terse."}
    rec = _assert_redact_record(envoy, mark, "/v1/chat/completions")
    assert rec["model"] == "gpt-4o-mini"


def test_chat_completion_stream_is_redacted(envoy: Envoy, client: openai.OpenAI, mock) -> None:
    mark = envoy.log_offset()
    stream = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": SENSITIVE_TEXT}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.startswith("You said: ") and "[EMAIL]" in text and "[CARD]" in text
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0
    req = _one_upstream(mock, "/v1/chat/completions")
    sent = json.loads(assert_redacted_upstream(req["body"]))
    assert sent["stream"] is True and sent["stream_options"] == {"include_usage": True}
    _assert_redact_record(envoy, mark, "/v1/chat/completions")


def test_responses_is_redacted(envoy: Envoy, client: openai.OpenAI, mock) -> None:
    mark = envoy.log_offset()
    out = client.responses.create(
        model="gpt-4o-mini",
        instructions="Answer briefly.",
        input=[{"role": "user", "content": [{"type": "input_text", "text": SENSITIVE_TEXT}]}],
    )
    assert out.output_text.startswith("You said: ")
    assert "[EMAIL]" in out.output_text and "[CARD]" in out.output_text
    req = _one_upstream(mock, "/v1/responses")
    sent = json.loads(assert_redacted_upstream(req["body"]))
    assert sent["instructions"] == "Answer briefly."
    _assert_redact_record(envoy, mark, "/v1/responses")


def test_embeddings_are_redacted(envoy: Envoy, client: openai.OpenAI, mock) -> None:
    mark = envoy.log_offset()
    out = client.embeddings.create(
        model="text-embedding-3-small", input=[SENSITIVE_TEXT, "a clean second input"]
    )
    assert [d.index for d in out.data] == [0, 1]
    assert all(len(d.embedding) == 8 for d in out.data)
    req = _one_upstream(mock, "/v1/embeddings")
    sent = json.loads(assert_redacted_upstream(req["body"]))
    assert sent["input"][1] == "a clean second input"
    _assert_redact_record(envoy, mark, "/v1/embeddings")


def test_sensitive_values_under_unknown_keys_are_redacted(envoy: Envoy, mock) -> None:
    """Strings under keys the walker does not know (metadata, user) are scanned too."""
    import requests

    mark = envoy.log_offset()
    body = json.dumps({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hello"}],
        "metadata": {"customer": f"{EMAIL} / {CARD}"},
        "x_future_field": [{"note": SENSITIVE_TEXT}],
    }).encode()
    r = requests.post(envoy.base_url + "/v1/chat/completions", data=body, timeout=60,
                      headers={"Content-Type": "application/json",
                               "Authorization": f"Bearer {API_KEY}"})
    assert r.status_code == 200, r.text[:300]
    req = _one_upstream(mock, "/v1/chat/completions")
    sent = json.loads(assert_redacted_upstream(req["body"]))
    assert sent["messages"] == [{"role": "user", "content": "hello"}]
    _assert_redact_record(envoy, mark, "/v1/chat/completions")


def test_member_names_the_caller_chose_are_redacted(envoy: Envoy, client: openai.OpenAI,
                                                    mock) -> None:
    """A metadata key and a tool schema's property name are the caller's data: the SDK sends
    them, the upstream gets placeholders, the API's own names arrive as sent."""
    mark = envoy.log_offset()
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hello"}],
        metadata={EMAIL: "owner"},
        tools=[{"type": "function", "function": {
            "name": "lookup",
            "parameters": {"type": "object",
                           "properties": {f"card {CARD}": {"type": "string"}},
                           "required": [], "additionalProperties": False}}}],
    )
    req = _one_upstream(mock, "/v1/chat/completions")
    sent = json.loads(assert_redacted_upstream(req["body"]))
    assert sent["metadata"] == {"[EMAIL]": "owner"}
    params = sent["tools"][0]["function"]["parameters"]
    assert list(params["properties"]) == ["card [CARD]"]
    assert params["additionalProperties"] is False and params["required"] == []
    _assert_redact_record(envoy, mark, "/v1/chat/completions")


def test_sensitive_query_strings_are_refused(envoy: Envoy, client: openai.OpenAI,
                                            mock) -> None:
    """A list call filtering on metadata sends the value in the URL, which the filter never
    rewrites: refused with an OpenAI-shaped 403, nothing upstream, the finding recorded."""
    mark = envoy.log_offset()
    with pytest.raises(openai.PermissionDeniedError) as err:
        client.chat.completions.list(metadata={"owner": EMAIL}, limit=5)
    assert err.value.status_code == 403
    assert err.value.code == "sensitive_query"
    assert EMAIL not in err.value.response.text
    assert mock.requests() == []
    rec = only(envoy.wait_audit(mark))
    assert_audit(rec, decision="deny", status=403, reason="sensitive_query",
                 endpoint="/v1/chat/completions", method="GET")
    assert finding_count(rec, "email") == 1, rec

    # A clean filter goes through, its query as sent.
    client.chat.completions.list(metadata={"owner": "team-a"}, limit=5)
    got = mock.requests()
    assert [r["path"] for r in got] == ["/v1/chat/completions?limit=5&metadata%5Bowner%5D=team-a"]

    # Any method: a card in a create's extra query is refused too.
    mock.reset()
    with pytest.raises(openai.PermissionDeniedError):
        client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
            extra_query={"note": f"card {CARD}"},
        )
    assert mock.requests() == []
