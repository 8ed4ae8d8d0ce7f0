"""The mock's echo-placeholder reply mode (tests/mock_openai.py hands a request over when it
carries `x-mock-echo`): every reply shape of chat completions, Responses and completions
carries back every placeholder the request body held (`[LABEL_123456]`, in order of first
appearance), streamed or not, so the tests can check that each comes back restored.

Request headers:
- `x-mock-echo: 1` turns the mode on.
- `x-mock-split: K[,K2...]`: in streams, each placeholder is cut inside at these offsets, so
  its pieces travel in two or more events (deltas).
- `x-mock-chunk: N`: a stream's bytes are written in network chunks of N bytes (cutting
  events and placeholders anywhere).
- `x-mock-extra: [A_1] [B_2]`: placeholders echoed as well though the request did not hold
  them (they must come back untouched).
- `x-mock-tail: TEXT`: a chat stream ends with one more content delta, TEXT, and no `[DONE]`
  (a stream whose last event is held by the filter until the end).

Shapes follow OpenAI's API reference (openai/openai-openapi, the `CreateChatCompletionResponse`,
`CreateChatCompletionStreamResponse`, `Response` and `ResponseStreamEvent` schemas) and what
the official SDKs parse: chat `message.content`, `refusal`, `tool_calls[].function.arguments`
and `audio.transcript`, their `delta` counterparts; Responses `output_text`, `refusal`,
`function_call.arguments`, `reasoning.summary[].text` with their `.delta`/`.done` events and
`response.completed`; completions `choices[].text`.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from typing import Any, Iterator

PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_]*_[0-9]+\]")


def wants(headers: Any) -> bool:
    return bool(headers.get("x-mock-echo"))


def placeholders(body: bytes, headers: Any) -> list[str]:
    seen: list[str] = []
    for p in PLACEHOLDER.findall(body.decode("utf-8", "replace")):
        if p not in seen:
            seen.append(p)
    seen += (headers.get("x-mock-extra") or "").split()
    return seen


def texts(ph: list[str]) -> dict[str, str]:
    """The text of each reply field, every placeholder in each."""
    joined = " and ".join(ph) or "nobody"
    return {
        "content": f"Dear {joined}, we have written to you.",
        "refusal": f"I cannot share {joined}.",
        "transcript": f"Calling {joined} now.",
        "summary": f"The user mentioned {joined}.",
        # JSON in a string: the values are escaped twice once restored.
        "arguments": json.dumps({"to": ph, "note": f"for {joined}"}, separators=(",", ":")),
    }


def cuts(text: str, ph: list[str], splits: list[int]) -> list[str]:
    """`text` in pieces: each placeholder occurrence cut at each offset, words apart."""
    points = {m.end() for m in re.finditer(r" ", text)}
    for p in ph:
        for m in re.finditer(re.escape(p), text):
            points.update(m.start() + k for k in splits if 0 < k < len(p))
    points = sorted(x for x in points if 0 < x < len(text))
    pieces, last = [], 0
    for x in points:
        pieces.append(text[last:x])
        last = x
    pieces.append(text[last:])
    return pieces


def _id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(8)}"


def reply(handler: Any, path: str, req: dict[str, Any], body: bytes) -> None:
    ph = placeholders(body, handler.headers)
    splits = [int(k) for k in (handler.headers.get("x-mock-split") or "1").split(",") if k]
    t = texts(ph)
    stream = req.get("stream") is True
    model = req.get("model") or "gpt-4o-mini"
    if path.endswith("/chat/completions"):
        frames = _chat_stream(t, ph, splits, model) if stream else None
        obj = None if stream else _chat(t, model)
    elif path.endswith("/responses"):
        frames = _responses_stream(t, ph, splits, model) if stream else None
        obj = None if stream else _response(t, model, "completed")
    else:
        frames = _completions_stream(t, ph, splits, model) if stream else None
        obj = None if stream else {
            "id": _id("cmpl-"), "object": "text_completion", "created": int(time.time()),
            "model": model, "choices": [{"text": t["content"], "index": 0, "logprobs": None,
                                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}}
    if obj is not None:
        handler._send_json(200, obj)
        return
    chunk = int(handler.headers.get("x-mock-chunk") or 0)
    tail = handler.headers.get("x-mock-tail")
    if tail is not None:
        frames = [f for f in frames if f[1] != "[DONE]"] + [(None, json.dumps(
            {"object": "chat.completion.chunk", "choices": [
                {"index": 0, "delta": {"content": tail}, "finish_reason": None}]}))]
    raw = b"".join(((f"event: {e}\n" if e else "") + f"data: {d}\n\n").encode()
                   for e, d in frames)
    handler.send_response(200)
    handler.send_header("Content-Type", "text/event-stream; charset=utf-8")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    step = chunk if chunk > 0 else len(raw)
    for i in range(0, len(raw), step):
        part = raw[i:i + step]
        handler.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        handler.wfile.flush()
    handler.wfile.write(b"0\r\n\r\n")
    handler.wfile.flush()


def _chat(t: dict[str, str], model: str) -> dict[str, Any]:
    return {
        "id": _id("chatcmpl-"), "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "finish_reason": "tool_calls", "logprobs": None, "message": {
                "role": "assistant", "content": t["content"], "refusal": None, "annotations": [],
                "tool_calls": [{"id": "call_1", "type": "function", "function": {
                    "name": "send_email", "arguments": t["arguments"]}}]}},
            {"index": 1, "finish_reason": "stop", "logprobs": None, "message": {
                "role": "assistant", "content": None, "refusal": t["refusal"]}},
            {"index": 2, "finish_reason": "stop", "logprobs": None, "message": {
                "role": "assistant", "content": None, "refusal": None, "audio": {
                    "id": "audio_1", "data": "", "expires_at": 1900000000,
                    "transcript": t["transcript"]}}},
        ],
        "usage": {"prompt_tokens": 9, "completion_tokens": 11, "total_tokens": 20},
    }


def _chat_stream(t, ph, splits, model) -> Iterator[tuple[str | None, str]]:
    base = {"id": _id("chatcmpl-"), "object": "chat.completion.chunk",
            "created": int(time.time()), "model": model}

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None):
        return None, json.dumps({**base, "choices": [{"index": index, "delta": delta,
                                                      "logprobs": None,
                                                      "finish_reason": finish}]})

    yield chunk(0, {"role": "assistant", "content": ""})
    for piece in cuts(t["content"], ph, splits):
        yield chunk(0, {"content": piece})
    yield chunk(0, {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                                    "function": {"name": "send_email", "arguments": ""}}]})
    for piece in cuts(t["arguments"], ph, splits):
        yield chunk(0, {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    yield chunk(0, {}, "tool_calls")
    for piece in cuts(t["refusal"], ph, splits):
        yield chunk(1, {"refusal": piece})
    yield chunk(1, {}, "stop")
    yield chunk(2, {"audio": {"id": "audio_1"}})
    for piece in cuts(t["transcript"], ph, splits):
        yield chunk(2, {"audio": {"transcript": piece}})
    yield chunk(2, {}, "stop")
    yield None, json.dumps({**base, "choices": [], "usage": {
        "prompt_tokens": 9, "completion_tokens": 11, "total_tokens": 20}})
    yield None, "[DONE]"


def _completions_stream(t, ph, splits, model) -> Iterator[tuple[str | None, str]]:
    base = {"id": _id("cmpl-"), "object": "text_completion", "created": int(time.time()),
            "model": model}
    for piece in cuts(t["content"], ph, splits):
        yield None, json.dumps({**base, "choices": [{"text": piece, "index": 0,
                                                      "logprobs": None, "finish_reason": None}]})
    yield None, json.dumps({**base, "choices": [{"text": "", "index": 0, "logprobs": None,
                                                  "finish_reason": "stop"}]})
    yield None, "[DONE]"


def _output(t: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"id": "rs_1", "type": "reasoning", "status": "completed",
         "summary": [{"type": "summary_text", "text": t["summary"]}]},
        {"id": "msg_1", "type": "message", "status": "completed", "role": "assistant",
         "content": [{"type": "output_text", "text": t["content"], "annotations": []},
                     {"type": "refusal", "refusal": t["refusal"]}]},
        {"id": "fc_1", "type": "function_call", "status": "completed", "call_id": "call_1",
         "name": "send_email", "arguments": t["arguments"]},
    ]


def _response(t: dict[str, str], model: str, status: str, output: Any = None) -> dict[str, Any]:
    return {
        "id": "resp_echo", "object": "response", "created_at": int(time.time()),
        "status": status, "error": None, "incomplete_details": None, "instructions": None,
        "max_output_tokens": None, "model": model,
        "output": _output(t) if output is None else output,
        "parallel_tool_calls": True, "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None}, "store": False, "temperature": 1.0,
        "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [], "top_p": 1.0,
        "truncation": "disabled", "metadata": {},
        "usage": {"input_tokens": 9, "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens": 11, "output_tokens_details": {"reasoning_tokens": 0},
                  "total_tokens": 20} if status == "completed" else None,
    }


def _responses_stream(t, ph, splits, model) -> Iterator[tuple[str | None, str]]:
    seq = 0

    def ev(typ: str, **fields: Any):
        nonlocal seq
        seq += 1
        return typ, json.dumps({"type": typ, "sequence_number": seq, **fields})

    out = _output(t)
    yield ev("response.created", response=_response(t, model, "in_progress", []))
    yield ev("response.output_item.added", output_index=0,
             item={**out[0], "status": "in_progress", "summary": []})
    yield ev("response.reasoning_summary_part.added", item_id="rs_1", output_index=0,
             summary_index=0, part={"type": "summary_text", "text": ""})
    for piece in cuts(t["summary"], ph, splits):
        yield ev("response.reasoning_summary_text.delta", item_id="rs_1", output_index=0,
                 summary_index=0, delta=piece)
    yield ev("response.reasoning_summary_text.done", item_id="rs_1", output_index=0,
             summary_index=0, text=t["summary"])
    yield ev("response.output_item.done", output_index=0, item=out[0])
    yield ev("response.output_item.added", output_index=1,
             item={**out[1], "status": "in_progress", "content": []})
    yield ev("response.content_part.added", item_id="msg_1", output_index=1, content_index=0,
             part={"type": "output_text", "text": "", "annotations": []})
    for piece in cuts(t["content"], ph, splits):
        yield ev("response.output_text.delta", item_id="msg_1", output_index=1,
                 content_index=0, delta=piece, logprobs=[])
    yield ev("response.output_text.done", item_id="msg_1", output_index=1, content_index=0,
             text=t["content"], logprobs=[])
    yield ev("response.content_part.added", item_id="msg_1", output_index=1, content_index=1,
             part={"type": "refusal", "refusal": ""})
    for piece in cuts(t["refusal"], ph, splits):
        yield ev("response.refusal.delta", item_id="msg_1", output_index=1, content_index=1,
                 delta=piece)
    yield ev("response.refusal.done", item_id="msg_1", output_index=1, content_index=1,
             refusal=t["refusal"])
    yield ev("response.output_item.done", output_index=1, item=out[1])
    yield ev("response.output_item.added", output_index=2,
             item={**out[2], "status": "in_progress", "arguments": ""})
    for piece in cuts(t["arguments"], ph, splits):
        yield ev("response.function_call_arguments.delta", item_id="fc_1", output_index=2,
                 delta=piece)
    yield ev("response.function_call_arguments.done", item_id="fc_1", output_index=2,
             arguments=t["arguments"])
    yield ev("response.output_item.done", output_index=2, item=out[2])
    yield ev("response.completed", response=_response(t, model, "completed"))
