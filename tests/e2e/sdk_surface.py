"""The official SDKs as the test: every operation they expose, the arguments each is driven
with, what each call must produce, and the check that the upstream got what the SDK sent.

- The operations are enumerated from the Python SDK itself (`python_ops`): every public method of
  every resource reachable from `openai.OpenAI`, with the HTTP method and path template its
  source sends. Methods that send nothing of their own (helpers composed of other calls: `parse`,
  `stream`, `*_and_poll`, ...) and WebSocket `connect`s are excluded, each with its reason
  (`EXCLUDED`). The Node SDK's operations are matched to these by name (test_sdk_node.py).
- Arguments are generated from each method's signature and type hints (`call_kwargs`): required
  parameters only, ids `{name}_e2e1`, the first option of a literal; `OVERRIDES` gives realistic
  arguments where an application would send more (messages, files, streams).
- Each operation is driven clean, with a sensitive value (`SENSITIVE_TEXT`: an email and a card
  number, in a free-text field: `metadata`, `instructions`, a message...) and with an API key in
  that field (the demo policy blocks credentials: a documented refusal).
- `EXPECT` says what the demo policy must do with each operation: `forward` (the default: the
  call succeeds; clean bodies arrive byte-identical, sensitive values replaced) or a documented
  refusal `(status, code)`. It is the one place to change when a decision changes.
"""

from __future__ import annotations

import inspect
import json
import re
import typing
from dataclasses import dataclass, field
from typing import Any, Callable

from checks import assert_audit, finding_count, only
from values import API_KEY, CARD, CARD_DIGITS, EMAIL

# The admin key the `admin.*` operations authenticate with (format only; never valid anywhere).
ADMIN_KEY = "sk-admin-E2eFakeAdminKey0000NotReal0000abcdefghijklmnopqrstuvwxyz0123"
SENSITIVE_TEXT = f"Please email {EMAIL} and charge card {CARD} for the order."
# What must never reach the upstream in a sensitive call (the key call never reaches it).
SENSITIVE_VALUES = (EMAIL, CARD, CARD_DIGITS, API_KEY)
# A placeholder the filter leaves where a value was: `[EMAIL]`, `[CARD]`, `[EMAIL_1]`,
# `[EMAIL:3f2a9c1b7d40]` (docs/policy.md, detector actions).
PLACEHOLDER = rb"\[[A-Z][A-Z0-9_]*(?::[0-9a-f]+)?\]"

# ---------------------------------------------------------------------------------------------
# What the demo policy (envoy/demo.yaml) must do with each operation, by "METHOD /v1/template".
# Absent = "forward": the call succeeds, the upstream gets the SDK's request (sensitive values
# replaced) and the record says allow/redact. A documented refusal is (status, error code).
# Every call carrying an API key is refused 403 content_blocked (the demo policy's
# `"credential": "block"`), whatever the operation.
EXPECT: dict[str, str | tuple[int, str]] = {}

KEY_REFUSAL = (403, "content_blocked")
# A sensitive value the SDK puts in the query string (list filters such as `metadata`) is
# refused: URLs are never rewritten (docs/policy.md, `sensitive_query`).
QUERY_REFUSAL = (403, "sensitive_query")


def expected(op: "Op", variant: str) -> str | tuple[int, str]:
    """What the demo policy must do with one call."""
    if variant == "key":
        return KEY_REFUSAL
    want = EXPECT.get(op.key, "forward")
    if want == "forward" and variant == "sensitive" and op.verb in ("GET", "DELETE"):
        return QUERY_REFUSAL
    return want


# ---------------------------------------------------------------------------------------------
# Enumeration

# Methods that send no request of their own, by name: they compose the operations driven here.
HELPERS = {
    "parse": "structured-output helper over create (the same POST)",
    "stream": "streaming helper over create(stream=True) (driven as create's stream variant)",
    "create_and_poll": "create, then retrieve until done (both driven)",
    "upload_and_poll": "files.create + create, then polls (all driven)",
    "poll": "retrieve in a loop (driven)",
    "upload": "files.create + vector_stores.files.create (both driven)",
    "create_and_stream": "runs.create(stream=True) (driven as create's stream variant)",
    "submit_tool_outputs_and_poll": "submit_tool_outputs, then polls (driven)",
    "submit_tool_outputs_stream": "submit_tool_outputs(stream=True) (driven)",
    "create_and_run_poll": "create_and_run, then polls (driven)",
    "create_and_run_stream": "create_and_run(stream=True) (driven)",
    "wait_for_processing": "files.retrieve in a loop (driven)",
    "upload_file_chunked": "uploads.create + parts.create + complete (all driven)",
    "unwrap": "local: parses a received webhook, sends nothing",
    "verify_signature": "local: checks a received webhook's signature, sends nothing",
    "connect": "WebSocket session (an upgrade, no request body): the mock speaks no WebSocket",
}

_CALL = re.compile(
    r'self\._(get|post|delete|patch|put|get_api_list)\(\s*(?:path_template\()?\s*f?"([^"?]*)')


@dataclass
class Op:
    """One SDK method that sends one request."""

    name: str  # dotted, from the client: "vector_stores.files.create"
    fn: Callable[..., Any]
    verb: str
    template: str  # "/v1/vector_stores/{vector_store_id}/files"

    @property
    def key(self) -> str:
        return f"{self.verb} {self.template}"

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{([a-z_]+)\}", self.template)


def python_ops(client: Any) -> tuple[list[Op], dict[str, str]]:
    """Every operation of the sync client's resources, and what is excluded with its reason."""
    from openai._resource import SyncAPIResource

    ops: list[Op] = []
    excluded: dict[str, str] = {}

    def walk(res: Any, prefix: str) -> None:
        for name, attr in inspect.getmembers(type(res)):
            if name.startswith("_") or name in ("with_raw_response", "with_streaming_response"):
                continue
            if type(attr).__name__ == "cached_property":
                sub = getattr(res, name)
                if isinstance(sub, SyncAPIResource):
                    walk(sub, f"{prefix}{name}.")
            elif inspect.isfunction(attr):
                dotted = prefix + name
                src = inspect.getsource(attr)
                m = _CALL.search(src)
                if m is None:
                    excluded[dotted] = HELPERS.get(name, "sends no request of its own")
                    continue
                verb = "GET" if m.group(1) == "get_api_list" else m.group(1).upper()
                if m.group(1) == "get_api_list" and re.search(r'method=["\']post["\']', src):
                    verb = "POST"
                ops.append(Op(dotted, getattr(res, name), verb, "/v1" + m.group(2)))

    walk(client, "")
    return sorted(ops, key=lambda o: o.name), excluded


# ---------------------------------------------------------------------------------------------
# Arguments

# Tiny valid files (public formats: RIFF/WAVE header with no samples; a 1x1 PNG).
WAV = (b"RIFF$\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00"
       b"\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f00f0004850180848a0c21"
    "0000000049454e44ae426082")


def batch_line(text: str) -> bytes:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]}
    return json.dumps({"custom_id": "1", "method": "POST", "url": "/v1/chat/completions",
                       "body": body}).encode() + b"\n"


def chat(text: str, **more: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}], **more}


def responses(text: str, **more: Any) -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "input": text, **more}


# Realistic arguments per operation and variant ("clean", "sensitive", "key"; extra variants
# such as "stream" are driven too). `{TEXT}` in a string is replaced by the variant's text.
T = "{TEXT}"
OVERRIDES: dict[str, dict[str, dict[str, Any]]] = {
    "chat.completions.create": {"*": chat(T), "stream": chat(T, stream=True)},
    "beta.chat.completions.create": {"*": chat(T)},
    "chat.completions.update": {"*": {"metadata": {"note": T}}},
    "completions.create": {"*": {"model": "gpt-3.5-turbo-instruct", "prompt": T},
                           "stream": {"model": "gpt-3.5-turbo-instruct", "prompt": T,
                                      "stream": True}},
    "responses.create": {"*": responses(T), "stream": responses(T, stream=True)},
    "beta.responses.create": {"*": responses(T)},
    "responses.input_tokens.count": {"*": responses(T)},
    "beta.responses.input_tokens.count": {"*": responses(T)},
    "responses.compact": {"*": responses(T)},
    "beta.responses.compact": {"*": responses(T)},
    "embeddings.create": {"*": {"model": "text-embedding-3-small", "input": T}},
    "moderations.create": {"*": {"model": "omni-moderation-latest", "input": T}},
    "images.generate": {"*": {"model": "gpt-image-1", "prompt": T},
                        "stream": {"model": "gpt-image-1", "prompt": T, "stream": True}},
    "images.edit": {"*": {"model": "gpt-image-1", "prompt": T,
                          "image": ("in.png", PNG, "image/png")}},
    "images.create_variation": {"clean": {"model": "dall-e-2",
                                          "image": ("in.png", PNG, "image/png")}},
    "audio.speech.create": {"*": {"model": "gpt-4o-mini-tts", "voice": "alloy", "input": T},
                            "stream": {"model": "gpt-4o-mini-tts", "voice": "alloy",
                                       "input": T, "stream_format": "sse"}},
    "audio.transcriptions.create": {
        "*": {"model": "gpt-4o-transcribe", "file": ("in.wav", WAV, "audio/wav"), "prompt": T},
        "stream": {"model": "gpt-4o-transcribe", "file": ("in.wav", WAV, "audio/wav"),
                   "prompt": T, "stream": True}},
    "audio.translations.create": {
        "*": {"model": "whisper-1", "file": ("in.wav", WAV, "audio/wav"), "prompt": T}},
    "files.create": {"*": {"purpose": "batch", "file": ("in.jsonl", "{LINE}",
                                                        "application/jsonl")}},
    "uploads.create": {"clean": {"purpose": "batch", "filename": "in.jsonl", "bytes": 10,
                                 "mime_type": "application/jsonl"}},
    "uploads.parts.create": {"clean": {"data": b"{}\n"}},
    "batches.create": {"*": {"input_file_id": "file_e2e1", "endpoint": "/v1/chat/completions",
                             "completion_window": "24h", "metadata": {"note": T}}},
    "fine_tuning.jobs.create": {"*": {"model": "gpt-4o-mini-2024-07-18",
                                      "training_file": "file_e2e1", "suffix": "e2e",
                                      "metadata": {"note": T}}},
    "vector_stores.search": {"*": {"query": T}},
    "beta.assistants.create": {"*": {"model": "gpt-4o-mini", "instructions": T}},
    "beta.threads.create": {"*": {"messages": [{"role": "user", "content": T}]}},
    "beta.threads.messages.create": {"*": {"role": "user", "content": T}},
    "beta.threads.runs.create": {"*": {"assistant_id": "asst_e2e1", "additional_instructions": T},
                                 "stream": {"assistant_id": "asst_e2e1", "stream": True,
                                            "additional_instructions": T}},
    "beta.threads.create_and_run": {
        "*": {"assistant_id": "asst_e2e1",
              "thread": {"messages": [{"role": "user", "content": T}]}},
        "stream": {"assistant_id": "asst_e2e1", "stream": True,
                   "thread": {"messages": [{"role": "user", "content": T}]}}},
    "beta.threads.runs.submit_tool_outputs": {
        "*": {"tool_outputs": [{"tool_call_id": "call_e2e1", "output": T}]}},
    "conversations.create": {"*": {"items": [{"type": "message", "role": "user",
                                              "content": T}]}},
    "conversations.items.create": {"*": {"items": [{"type": "message", "role": "user",
                                                    "content": T}]}},
    "evals.create": {"*": {"name": "e2e", "data_source_config": {
        "type": "custom", "item_schema": {"type": "object"}}, "testing_criteria": [{
            "type": "string_check", "name": "match", "input": "{{sample.output_text}}",
            "operation": "eq", "reference": T}]}},
    "containers.files.create": {"*": {"file": ("notes.txt", "{TEXTBYTES}", "text/plain")}},
    "realtime.client_secrets.create": {"*": {"session": {
        "type": "realtime", "model": "gpt-realtime", "instructions": T}}},
    "beta.chatkit.sessions.create": {"*": {"user": "user_e2e1", "workflow": {
        "id": "wf_e2e1", "state_variables": {"note": T}}}},
}


# Overloaded methods (one of several argument sets is required; the signature shows none as
# required): the set driven here.
REQUIRED_SET: dict[str, tuple[str, ...]] = {
    "admin.organization.external_storage.create": ("external_id", "kms_arn", "name",
                                                   "role_arn", "type"),
    "admin.organization.external_keys.create": ("external_id", "kms_arn", "name", "role_arn",
                                                "type"),
    "audio.voices.create": ("audio_sample", "consent", "name"),
    "beta.agents.automations.create": ("expression", "name", "target", "timezone", "type"),
    "beta.agents.environments.files.create": ("file_id", "path", "type"),
}


def _unwrap(tp: Any) -> list[Any]:
    """The options of a type: a Union's members (Omit, None and NotGiven left out)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin is typing.Union or type(tp).__name__ == "UnionType":
        out = []
        for a in typing.get_args(tp):
            if a is type(None) or getattr(a, "__name__", "") in ("Omit", "NotGiven"):
                continue
            out.extend(_unwrap(a))
        return out
    return [tp]


def sample(tp: Any, name: str, depth: int = 0) -> Any:
    """A value of type `tp` for a required parameter or field called `name`."""
    options = _unwrap(tp)
    # Prefer a plain string, then a literal, then whatever comes first.
    for opt in options:
        if opt is str:
            return sample_str(name)
    for opt in options:
        if typing.get_origin(opt) is typing.Literal:
            return typing.get_args(opt)[0]
    opt = options[0] if options else str
    origin = typing.get_origin(opt)
    if opt is bool:
        return True
    if opt in (int, float):
        return 1
    if origin is typing.Literal:
        return typing.get_args(opt)[0]
    if typing.is_typeddict(opt) and depth < 6:
        hints = typing.get_type_hints(opt)
        return {k: sample(hints[k], k, depth + 1) for k in sorted(opt.__required_keys__)}
    if origin in (dict, typing.Dict) or opt is dict:
        return {}
    if getattr(opt, "__name__", "") in ("IO", "PathLike") or opt is bytes:
        return ("e2e.txt", b"e2e file\n", "text/plain")
    if origin in (tuple,):
        return ("e2e.txt", b"e2e file\n", "text/plain")
    args = typing.get_args(opt)
    if origin is not None and args and depth < 6:  # Iterable, Sequence, List, SequenceNotStr
        return [sample(args[0], name.rstrip("s"), depth + 1)]
    return {}


def sample_str(name: str) -> str:
    if name == "model":
        return "gpt-4o-mini"
    if name.endswith("_id") or name in ("id", "model", "version"):
        return f"{name.removesuffix('_id')}_e2e1"
    if "url" in name:
        return "https://example.com/e2e"
    return "e2e"


# Free-text fields that take the sensitive value when OVERRIDES says nothing, in this order.
TEXT_FIELDS = ("metadata", "instructions", "description", "prompt", "input", "query", "name",
               "text", "content", "title")


def _fill(value: Any, text: str) -> Any:
    if isinstance(value, str):
        if value == "{LINE}":
            return batch_line(text)
        if value == "{TEXTBYTES}":
            return f"Notes: {text}\n".encode()
        return value.replace(T, text)
    if isinstance(value, dict):
        return {k: _fill(v, text) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, text) for v in value]
    if isinstance(value, tuple):
        return tuple(_fill(v, text) for v in value)
    return value


def variant_text(variant: str) -> str:
    if variant.startswith("sensitive") or variant == "stream-sensitive":
        return SENSITIVE_TEXT
    if variant == "key":
        return f"Use the key {API_KEY} for the deploy."
    return "Say hello to the team and summarise the order."


def variants(op: Op) -> list[str]:
    """The calls made for an operation: clean; sensitive and key when it has a free-text field;
    the extra variants OVERRIDES names (e.g. "stream")."""
    over = OVERRIDES.get(op.name, {})
    out = ["clean"]
    if "*" in over or "sensitive" in over or (not over and _text_slot(op) is not None):
        out += ["sensitive", "key"]
    out += [v for v in over if v not in ("*", "clean", "sensitive", "key")]
    return out


def _params(op: Op) -> list[inspect.Parameter]:
    skip = {"extra_headers", "extra_query", "extra_body", "timeout", "self"}
    return [p for p in inspect.signature(op.fn).parameters.values() if p.name not in skip]


def _hints(op: Op) -> dict[str, Any]:
    return typing.get_type_hints(op.fn)


def _text_slot(op: Op) -> str | None:
    names = {p.name for p in _params(op)}
    for f in TEXT_FIELDS:
        if f in names and f not in op.path_params:
            return f
    return None


def named_kwargs(op: Op, variant: str) -> tuple[dict[str, str], dict[str, Any]]:
    """(path parameters, other arguments) of one call, by the Python SDK's names. Path ids are
    `{name}_e2e1`."""
    hints = _hints(op)
    path: dict[str, str] = {}
    kwargs: dict[str, Any] = {}
    over = OVERRIDES.get(op.name, {})
    if variant in over:
        chosen = over[variant]
    elif variant in ("clean", "sensitive", "key"):
        chosen = over.get("*", {})
    else:
        chosen = {}
    text = variant_text(variant)
    names = {p.name for p in _params(op)}
    for p in _params(op):
        if p.name in op.path_params:
            path[p.name] = "gpt-4o-mini" if p.name == "model" else sample_str(p.name)
        elif p.name in chosen:
            kwargs[p.name] = _fill(chosen[p.name], text)
        elif p.default is inspect.Parameter.empty or p.name in REQUIRED_SET.get(op.name, ()):
            kwargs[p.name] = sample(hints.get(p.name, str), p.name)
    kwargs.update({k: _fill(v, text) for k, v in chosen.items() if k not in names})
    if variant != "clean" and not over:
        slot = _text_slot(op)
        if slot == "metadata":
            kwargs["metadata"] = {"note": text}
        elif slot is not None:
            kwargs[slot] = text
    return path, kwargs


def call_kwargs(op: Op, variant: str) -> tuple[list[Any], dict[str, Any]]:
    """(positional, keyword) arguments of one Python SDK call."""
    path, named = named_kwargs(op, variant)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in _params(op):
        if p.name not in path and p.name not in named:
            continue
        val = path.get(p.name, named.get(p.name))
        if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
            args.append(val)
        else:
            kwargs[p.name] = val
    kwargs.update({k: v for k, v in named.items() if k not in kwargs and
                   k not in {p.name for p in _params(op) if p.kind is
                             inspect.Parameter.POSITIONAL_OR_KEYWORD}})
    return args, kwargs


def python_surface() -> tuple[list[Op], dict[str, str], list[tuple[Op, str]]]:
    """The Python SDK's operations, its exclusions, and every (operation, variant) driven."""
    import openai

    probe = openai.OpenAI(api_key="unused", base_url="http://127.0.0.1:9/v1")
    ops, excluded = python_ops(probe)
    for name in list(excluded):
        if "." not in name:
            excluded[name] = "the client's own plumbing (close, copy, generic get/post...)"
    return ops, excluded, [(op, v) for op in ops for v in variants(op)]


# ---------------------------------------------------------------------------------------------
# The comparison of what the SDK sent with what the upstream got

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade",
              "proxy-connection"}
# Headers the filter may change by design: the body's length after a rewrite; Accept-Encoding
# narrowed to the codings it reads usage through (docs/audit.md#token-usage).
MAY_CHANGE = {"content-length", "accept-encoding"}


def upstream_matches(sent: bytes, got: bytes) -> bool:
    """`got` is `sent` with each sensitive value replaced by one placeholder, and nothing else
    changed."""
    pieces: list[bytes | None] = [sent]
    for value in SENSITIVE_VALUES:
        nxt = []
        for piece in pieces:
            if piece is None:
                nxt.append(None)
                continue
            parts = piece.split(value.encode())
            for i, part in enumerate(parts):
                if i:
                    nxt.append(None)
                nxt.append(part)
        pieces = nxt
    rx = b"".join(PLACEHOLDER if p is None else re.escape(p) for p in pieces)
    return re.fullmatch(rx, got, re.S) is not None


def occurrences(body: bytes, value: str) -> int:
    return body.count(value.encode())


def header_diff(sent: list[tuple[str, str]], got: list[list[str]]) -> list[str]:
    """Headers the SDK sent that the upstream did not get with the same value."""
    have: dict[str, list[str]] = {}
    for k, v in got:
        have.setdefault(k.lower(), []).append(v)
    out = []
    for k, v in sent:
        k = k.lower()
        if k in HOP_BY_HOP or k in MAY_CHANGE:
            continue
        if v not in have.get(k, []):
            out.append(k)
    return out


def endpoint_pattern(path: str, template: str, id_values: list[str]) -> re.Pattern[str]:
    """The record's `endpoint` for a request path: the path without its query, each id segment
    a `{...}` placeholder (never the id: ids are customer data)."""
    path = path.split("?", 1)[0]
    segs = []
    for seg in path.split("/"):
        segs.append(r"\{[a-z_]+\}" if seg in id_values else re.escape(seg))
    return re.compile("^" + "/".join(segs) + "$")


def consume(result: Any) -> int:
    """Reads a Python SDK reply fully; returns the number of streamed events (a `Stream`'s, or
    the `data:` lines of an SSE reply the SDK hands over as bytes, such as speech)."""
    import openai

    if isinstance(result, openai.Stream):
        return sum(1 for _ in result)
    if hasattr(result, "read") and callable(result.read):
        data = result.read()
        ctype = result.response.headers.get("content-type", "") if hasattr(
            result, "response") else ""
        if "text/event-stream" in ctype:
            return data.count(b"data:")
    return 0


@dataclass
class Refused:
    """An SDK call that raised: the HTTP status and the OpenAI error code (status 0: no HTTP
    answer, or the driver failed)."""

    status: int
    code: str | None
    message: str


def check_call(op: Op, variant: str, sent: list[dict[str, Any]], error: Refused | None,
               events: int, mock_requests: list[dict[str, Any]],
               records: list[dict[str, Any]]) -> None:
    """The assertions shared by the Python and Node suites for one SDK call."""
    assert len(sent) == 1, f"the SDK sent {len(sent)} requests for one call (retries are off)"
    req = sent[0]
    want = expected(op, variant)
    rec = only(records)
    ids = [v for v in _path_ids(op, req["path"])]
    endpoint = endpoint_pattern(req["path"], op.template, ids)
    if want != "forward":
        status, code = want  # type: ignore[misc]
        assert error is not None, f"{op.key} {variant}: expected the documented refusal " \
            f"{status} {code}; the call succeeded"
        assert (error.status, error.code) == (status, code), error
        assert mock_requests == [], "a refused request reached the upstream"
        assert_audit(rec, decision="deny", status=status, reason=code, method=op.verb)
        assert endpoint.match(rec["endpoint"] or ""), (rec["endpoint"], endpoint.pattern)
        return
    assert error is None, f"{op.key} {variant}: the SDK call failed: {error!r}"
    assert len(mock_requests) == 1, f"the upstream got {len(mock_requests)} requests"
    got = mock_requests[0]
    assert got["method"] == req["method"]
    assert got["path"] == req["path"], "the path or query changed on the way"
    missing = header_diff(req["headers"], got["headers"])
    assert not missing, f"headers changed or dropped on the way: {missing}"
    body_sent, body_got = req["body"], got["body"]
    for value in SENSITIVE_VALUES:
        assert value.encode() not in body_got, "a sensitive value reached the upstream"
    n_email, n_card = occurrences(body_sent, EMAIL), occurrences(body_sent, CARD)
    if variant == "clean" or not (n_email or n_card):
        assert body_got == body_sent, "the upstream body differs from what the SDK sent"
        decision = "allow"
    else:
        assert upstream_matches(body_sent, body_got), (
            "the upstream body differs from the SDK's outside the replaced values")
        decision = "redact"
    assert_audit(rec, decision=decision, method=op.verb)
    assert endpoint.match(rec["endpoint"] or ""), (rec["endpoint"], endpoint.pattern)
    # (Random ids of the record's own, which may hold a short path id such as `e2e` by
    # chance, are left out of the search.)
    own = {"request_id", "openai_request_id", "key_fingerprint", "ts"}
    rest = json.dumps({k: v for k, v in rec.items() if k not in own})
    for v in ids:
        assert v not in rest, "the record holds an id from the path"
    assert finding_count(rec, "email") == n_email, rec.get("findings")
    assert finding_count(rec, "card") == n_card, rec.get("findings")
    if variant.startswith("stream"):
        assert events >= 2, f"a stream of {events} events"


def _path_ids(op: Op, path: str) -> list[str]:
    """The values the request path has where the template has `{...}`, and an Azure
    deployment's name (`/openai/deployments/{deployment}/...`)."""
    tmpl = op.template.split("/")
    segs = path.split("?", 1)[0].split("/")
    # Aligned from the end: the base path (/v1, /openai, /openai/deployments/{d}) differs.
    ids = [s for t, s in zip(reversed(tmpl), reversed(segs)) if t.startswith("{")]
    if "deployments" in segs[:-1]:
        ids.append(segs[segs.index("deployments") + 1])
    return ids
