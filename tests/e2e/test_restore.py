"""Pseudonyms restored in replies, through the real Envoy, with the official Python SDK.

The request's values are pseudonymised on the way out (OpenAI never sees them); the mock
(tests/mock_echo.py) echoes every placeholder it received in every reply shape of chat
completions, Responses and completions, streamed with each placeholder cut across events at
every offset, or not; the SDK must get the original values back everywhere, escaped right
(tool-call arguments are JSON inside a JSON string), and the record counts the restorations
per category, never a value.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
from pathlib import Path

import openai
import pytest

from checks import only
from values import API_KEY, EMAIL

# A name with a quote, a backslash and non-ASCII letters: it must survive both escapings.
NAME = 'Zoë "Zed" Ünal\\Ops'
PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*_[0-9]+\]")
POLICY = {
    "detectors": {
        "restore_pseudonyms": True,
        "actions": {"email": "pseudonymize", "customer": "pseudonymize"},
        "keywords": [{"id": "customer", "category": "person", "terms": [NAME]}],
    },
}
PROMPT = f"Write to {EMAIL} about the order of {NAME}."
ECHO = {"x-mock-echo": "1"}
LONGEST = len("[CUSTOMER_123456]")


def client(envoy, **kw) -> openai.OpenAI:
    return openai.OpenAI(base_url=envoy.base_url + "/v1", api_key=API_KEY, max_retries=0,
                         timeout=60, **kw)


def expected(field: str) -> str:
    """What the mock's field reads once restored (mock_echo.texts with the real values)."""
    joined = f"{EMAIL} and {NAME}"
    return {
        "content": f"Dear {joined}, we have written to you.",
        "refusal": f"I cannot share {joined}.",
        "transcript": f"Calling {joined} now.",
        "summary": f"The user mentioned {joined}.",
    }[field]


def check_arguments(arguments: str) -> None:
    args = json.loads(arguments)
    assert args == {"to": [EMAIL, NAME], "note": f"for {EMAIL} and {NAME}"}, arguments


def upstream_placeholders(mock) -> list[str]:
    (req,) = mock.requests()
    text = req["body"].decode()
    assert EMAIL not in text and "Zed" not in text, text
    found = []
    for p in PLACEHOLDER.findall(text):
        if p not in found:
            found.append(p)
    assert len(found) == 2, text
    return found


@pytest.fixture
def renv(start_envoy, forbid):
    forbid(NAME, "Ünal")
    return start_envoy(POLICY)


def test_chat_reply_restores_content_refusal_tool_arguments_and_transcript(renv, mock) -> None:
    mark = renv.log_offset()
    raw = client(renv).chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}],
        extra_headers=ECHO)
    c = raw.parse()
    upstream_placeholders(mock)
    assert c.choices[0].message.content == expected("content")
    check_arguments(c.choices[0].message.tool_calls[0].function.arguments)
    assert c.choices[1].message.refusal == expected("refusal")
    assert c.choices[2].message.audio.transcript == expected("transcript")
    # The length changed: no stale Content-Length (the SDK's gzip reply went on decoded).
    assert raw.headers.get("content-encoding") is None
    assert raw.headers.get("content-length") in (None, str(len(raw.http_response.content)))
    rec = only(renv.wait_audit(mark))
    # Each value: content, refusal, transcript, and twice in the arguments.
    assert rec["restored"] == {"contact": 5, "person": 5}, rec
    assert rec["decision"] == "redact" and rec["usage"]["total_tokens"] == 20


@pytest.mark.parametrize("split", range(1, LONGEST))
def test_chat_stream_restores_placeholders_cut_across_events(renv, mock, split) -> None:
    mark = renv.log_offset()
    stream = client(renv).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}], stream=True,
        extra_headers={**ECHO, "x-mock-split": f"{split},{split + 3}"})
    fields: dict[str, str] = {}
    for chunk in stream:
        for ch in chunk.choices:
            d = ch.delta.to_dict()
            for key in ("content", "refusal"):
                fields[f"{ch.index}.{key}"] = fields.get(f"{ch.index}.{key}", "") + (
                    d.get(key) or "")
            for tc in d.get("tool_calls") or []:
                fields["args"] = fields.get("args", "") + tc["function"].get("arguments", "")
            fields["transcript"] = fields.get("transcript", "") + (
                (d.get("audio") or {}).get("transcript") or "")
    assert fields["0.content"] == expected("content")
    check_arguments(fields["args"])
    assert fields["1.refusal"] == expected("refusal")
    assert fields["transcript"] == expected("transcript")
    rec = only(renv.wait_audit(mark))
    assert rec["restored"] == {"contact": 5, "person": 5}, (split, rec)


@pytest.mark.parametrize("split", [1, 4, 8, 13])
def test_responses_restore_every_shape_streamed_or_not(renv, mock, split) -> None:
    c = client(renv)
    mark = renv.log_offset()
    r = c.responses.create(model="gpt-4o-mini", input=PROMPT, extra_headers=ECHO)
    assert r.output_text == expected("content")
    assert r.output[0].summary[0].text == expected("summary")
    assert r.output[1].content[1].refusal == expected("refusal")
    check_arguments(r.output[2].arguments)
    assert only(renv.wait_audit(mark))["restored"] == {"contact": 5, "person": 5}

    mock.reset()
    mark = renv.log_offset()
    deltas: dict[str, str] = {}
    done: dict[str, str] = {}
    final = None
    for ev in c.responses.create(model="gpt-4o-mini", input=PROMPT, stream=True,
                                 extra_headers={**ECHO, "x-mock-split": str(split)}):
        if ev.type.endswith(".delta"):
            deltas[ev.type] = deltas.get(ev.type, "") + ev.delta
        elif ev.type == "response.output_text.done":
            done["text"] = ev.text
        elif ev.type == "response.function_call_arguments.done":
            done["arguments"] = ev.arguments
        elif ev.type == "response.refusal.done":
            done["refusal"] = ev.refusal
        elif ev.type == "response.reasoning_summary_text.done":
            done["summary"] = ev.text
        elif ev.type == "response.completed":
            final = ev.response
    assert deltas["response.output_text.delta"] == done["text"] == expected("content")
    assert deltas["response.refusal.delta"] == done["refusal"] == expected("refusal")
    assert deltas["response.reasoning_summary_text.delta"] == done["summary"] == expected(
        "summary")
    check_arguments(deltas["response.function_call_arguments.delta"])
    check_arguments(done["arguments"])
    assert final is not None and final.output_text == expected("content")
    check_arguments(final.output[2].arguments)
    rec = only(renv.wait_audit(mark))
    # Deltas, .done events, output_item.done items and response.completed: each field 4 times.
    assert rec["restored"] == {"contact": 20, "person": 20}, rec


@pytest.mark.parametrize("stream", [False, True])
def test_completions_restore(renv, mock, stream) -> None:
    c = client(renv)
    if stream:
        text = "".join(ch.choices[0].text for ch in c.completions.create(
            model="gpt-3.5-turbo-instruct", prompt=PROMPT, stream=True,
            extra_headers={**ECHO, "x-mock-split": "5"}))
    else:
        text = c.completions.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT,
                                    extra_headers=ECHO).choices[0].text
    assert text == expected("content")


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 17])
def test_network_chunks_cut_anywhere(renv, mock, chunk) -> None:
    stream = client(renv).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}], stream=True,
        extra_headers={**ECHO, "x-mock-split": "6", "x-mock-chunk": str(chunk)})
    content = "".join(ch.choices[0].delta.content or "" for ch in stream
                      if ch.choices and ch.choices[0].index == 0)
    assert content == expected("content")


@pytest.mark.parametrize("tail", ["then [EMA", "then ["])
def test_a_stream_ending_on_a_held_event_gets_it_at_the_end(renv, mock, tail) -> None:
    # The last event ends with the start of a placeholder: held, and sent when the stream
    # ends (from the reply's last, empty, body callback), unchanged.
    stream = client(renv).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}], stream=True,
        extra_headers={**ECHO, "x-mock-tail": tail, "x-mock-chunk": "4096"})
    content = "".join(ch.choices[0].delta.content or "" for ch in stream
                      if ch.choices and ch.choices[0].index == 0)
    assert content == expected("content") + tail


def test_a_placeholder_this_request_did_not_mint_is_left_as_it_is(renv, mock) -> None:
    # One another request minted (the same form, another number) and one of no request.
    others = "[EMAIL_123123] [CUSTOMER_1]"
    c = client(renv).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}],
        extra_headers={**ECHO, "x-mock-extra": others})
    content = c.choices[0].message.content
    assert content == (f"Dear {EMAIL} and {NAME} and [EMAIL_123123] and [CUSTOMER_1], "
                       "we have written to you.")


@pytest.mark.parametrize("coding", ["gzip", "deflate"])
def test_a_compressed_reply_is_restored_and_sent_without_its_coding(renv, mock, coding) -> None:
    body = json.dumps({"model": "gpt-4o-mini",
                       "messages": [{"role": "user", "content": PROMPT}]}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", renv.port, timeout=60)
    conn.request("POST", "/v1/chat/completions", body=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}",
        "Accept-Encoding": coding, **ECHO})
    resp = conn.getresponse()
    wire = resp.read()
    conn.close()
    assert resp.status == 200
    assert resp.getheader("content-encoding") is None
    assert resp.getheader("content-length") in (None, str(len(wire)))
    reply = json.loads(wire)
    assert reply["choices"][0]["message"]["content"] == expected("content")
    # The mock did compress (the request went up with the client's coding).
    (req,) = mock.requests()
    assert dict((k.lower(), v) for k, v in req["headers"])["accept-encoding"] == coding


def test_the_same_value_gets_the_same_placeholder_across_turns_of_a_project(renv, mock) -> None:
    c = client(renv)
    sent = []
    for project, turn in [("proj_a", 1), ("proj_a", 2), ("proj_b", 1)]:
        mock.reset()
        messages = [{"role": "user", "content": PROMPT}]
        if turn == 2:
            messages = [{"role": "user", "content": f"Again: {NAME}"},
                        {"role": "assistant", "content": expected("content")}] + messages
        c.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                  extra_headers={"OpenAI-Project": project})
        (req,) = mock.requests()
        sent.append(sorted(set(PLACEHOLDER.findall(req["body"].decode()))))
    assert sent[0] == sent[1], sent
    assert set(sent[0]).isdisjoint(sent[2]), sent


def test_no_restoration_without_the_setting(start_envoy, mock) -> None:
    policy = json.loads(json.dumps(POLICY))
    policy["detectors"]["restore_pseudonyms"] = False
    envoy = start_envoy(policy)
    mark = envoy.log_offset()
    c = client(envoy).chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": PROMPT}], extra_headers=ECHO)
    placeholders = upstream_placeholders(mock)
    assert c.choices[0].message.content == (
        f"Dear {placeholders[0]} and {placeholders[1]}, we have written to you.")
    assert only(envoy.wait_audit(mark))["restored"] == {}


NODE_DIR = Path(__file__).resolve().parents[1] / "sdk-node"


@pytest.mark.parametrize("split", ["1,5", "7", "13"])
def test_the_node_sdk_gets_the_values_back_in_every_shape(renv, mock, split) -> None:
    """The official Node SDK (tests/sdk-node, installed by `make sdk-node` with `npm ci`)."""
    if not (NODE_DIR / "node_modules" / "openai").is_dir():
        pytest.fail("tests/sdk-node/node_modules is missing: run `make sdk-node`")
    mark = renv.log_offset()
    spec = {"baseURL": renv.base_url + "/v1", "apiKey": API_KEY, "prompt": PROMPT,
            "split": split}
    run = subprocess.run(["node", str(NODE_DIR / "restore.mjs"), json.dumps(spec)],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout)
    for shape in ("chat", "chatStream"):
        assert got[shape]["content"] == expected("content"), (shape, got[shape])
        assert got[shape]["refusal"] == expected("refusal"), (shape, got[shape])
        assert got[shape]["transcript"] == expected("transcript"), (shape, got[shape])
        check_arguments(got[shape]["arguments"])
    for shape in ("responses", "responsesStream"):
        assert got[shape]["content"] == expected("content"), (shape, got[shape])
        assert got[shape]["summary"] == expected("summary"), (shape, got[shape])
        assert got[shape]["refusal"] == expected("refusal"), (shape, got[shape])
        check_arguments(got[shape]["arguments"])
    stream = got["responsesStream"]
    assert stream["doneContent"] == stream["completed"] == expected("content")
    check_arguments(stream["doneArguments"])
    assert got["completionsStream"] == expected("content")
    recs = renv.wait_audit(mark, count=5)
    assert [r["restored"] for r in recs] == [
        {"contact": 5, "person": 5}, {"contact": 5, "person": 5},
        {"contact": 5, "person": 5}, {"contact": 20, "person": 20},
        {"contact": 1, "person": 1}], recs
