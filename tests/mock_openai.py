#!/usr/bin/env python3
"""A mock OpenAI upstream for the end-to-end tests and `make run` (Python stdlib only).

It answers every operation of the OpenAI API surface, under OpenAI's `/v1/...` paths and Azure
OpenAI's (`/openai/deployments/{deployment}/...`, `/openai/v1/...`, `/openai/...`), with a reply
of the shape the official SDKs parse: chat completions, completions, responses, embeddings,
moderations, models and file uploads here; every other operation from the table in
tests/mock_surface.py (objects, list pages, deleted markers, audio and file bytes, SSE where the
request asks for a stream). Replies ECHO the text they received ("You said: ...", and a created
object carries the fields it was created with) so a person trying the demo sees what reached
"OpenAI" after redaction. Like OpenAI, it compresses JSON replies when the request's
Accept-Encoding allows it (gzip, else deflate). A path off the surface gets OpenAI's 404.

Every request it receives is recorded verbatim (method, path with its query, header pairs, raw
body bytes) and exposed for tests and for a person trying `make run`:

    GET  /__mock/requests   -> JSON list of {seq, method, path, headers, complete, body_b64,
                               body_text, body_len[, error]}; a request is listed as soon as
                               its headers arrive (complete=false until its body is read)
    POST /__mock/reset      -> clears the list
    GET  /__mock/health     -> {"ok": true}

`/__mock/*` requests are not recorded.

CLI: python3 tests/mock_openai.py [--host 127.0.0.1] [--port N] [--quiet]
With --port 0 the chosen port is printed on stdout as the first line.
"""

from __future__ import annotations

import argparse
import base64
import email.parser
import email.policy
import gzip
import hashlib
import json
import secrets
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable

import mock_echo  # the echo-placeholder reply mode (x-mock-echo), in its own file
import mock_surface

MAX_BODY = 64 * 1024 * 1024  # the mock refuses anything bigger (413)
DEFAULT_MODEL = "gpt-4o-mini"


class Recorder:
    """Thread-safe list of received requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] = []
        self._seq = 0

    def add(self, method: str, path: str, headers: list[tuple[str, str]]) -> dict[str, Any]:
        """Records a request as soon as its headers arrive (`complete` False until the body is
        read), so a request whose body never fully arrives is still visible to tests."""
        with self._lock:
            self._seq += 1
            item: dict[str, Any] = {
                "seq": self._seq,
                "method": method,
                "path": path,
                "headers": [[k, v] for k, v in headers],
                "complete": False,
                "body_b64": "",
                "body_text": "",
                "body_len": 0,
            }
            self._items.append(item)
            return item

    def finish(self, item: dict[str, Any], body: bytes | None, error: str | None = None) -> None:
        with self._lock:
            if body is not None:
                item["body_b64"] = base64.b64encode(body).decode("ascii")
                item["body_text"] = body.decode("utf-8", errors="replace")
                item["body_len"] = len(body)
                item["complete"] = True
            if error:
                item["error"] = error

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._items)

    def reset(self) -> None:
        with self._lock:
            self._items.clear()


# ---------------------------------------------------------------------------------------------
# Helpers that build OpenAI-shaped payloads


def _id(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(12)}"


def _tokens(text: str) -> int:
    """A rough token count: one per whitespace-separated word, at least one."""
    return max(1, len(text.split()))


def _text_of(content: Any) -> str:
    """Text of a chat/responses `content`: a string or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                for key in ("text", "input_text", "output_text"):
                    val = part.get(key)
                    if isinstance(val, str):
                        parts.append(val)
                        break
            elif isinstance(part, str):
                parts.append(part)
        return " ".join(parts)
    return ""


def _last_user_text(items: Any) -> str:
    if not isinstance(items, list):
        return ""
    for item in reversed(items):
        if isinstance(item, dict) and item.get("role", "user") == "user":
            return _text_of(item.get("content"))
    return ""


def _all_text(items: Any) -> str:
    if isinstance(items, str):
        return items
    if isinstance(items, list):
        return " ".join(_all_text(i.get("content") if isinstance(i, dict) else i) for i in items)
    return ""


def _chunks_of(text: str) -> list[str]:
    """Split text into stream deltas (word by word, whitespace kept)."""
    out: list[str] = []
    cur = ""
    for ch in text:
        cur += ch
        if ch == " ":
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out or [""]


def _embedding(text: str, dims: int = 8) -> list[float]:
    digest = hashlib.sha256(text.encode("utf-8", errors="replace")).digest()
    return [round((b - 128) / 128.0, 6) for b in digest[:dims]]


def chat_usage(prompt: int, completion: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def responses_usage(inp: int, out: int) -> dict[str, Any]:
    return {
        "input_tokens": inp,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": out,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": inp + out,
    }


def error_body(message: str, typ: str, code: str | None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": typ, "param": param, "code": code}}


# ---------------------------------------------------------------------------------------------
# The handler


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock-openai/1.0"
    sys_version = ""

    # set by make_server
    recorder: Recorder
    quiet: bool = True

    # ---- plumbing --------------------------------------------------------------------------

    def log_message(self, fmt: str, *args: Any) -> None:  # noqa: D401 - stdlib signature
        if not self.quiet and "/__mock/" not in getattr(self, "path", ""):
            sys.stderr.write("mock-openai: " + (fmt % args) + "\n")

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            line = self.rfile.readline(65537)
            if not line:
                raise ValueError("eof in chunk size")
            size_s = line.split(b";", 1)[0].strip()
            size = int(size_s, 16)
            if size == 0:
                # trailers until an empty line
                while True:
                    t = self.rfile.readline(65537)
                    if t in (b"\r\n", b"\n", b""):
                        break
                return bytes(body)
            if len(body) + size > MAX_BODY:
                raise OverflowError("body too large")
            data = self.rfile.read(size)
            if len(data) != size:
                raise ValueError("eof in chunk")
            body += data
            crlf = self.rfile.readline(3)
            if crlf not in (b"\r\n", b"\n"):
                raise ValueError("missing chunk terminator")

    def _read_body(self) -> bytes:
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            return self._read_chunked()
        cl = self.headers.get("Content-Length")
        if cl is None:
            return b""
        n = int(cl.strip())
        if n < 0 or n > MAX_BODY:
            raise OverflowError("body too large")
        data = self.rfile.read(n)
        if len(data) != n:
            raise ValueError("short body")
        return data

    def _reply_coding(self) -> str | None:
        """The coding of a JSON reply: like OpenAI, compressed whenever the request allows it
        (gzip first, then deflate; the mock has no brotli or zstd). `/__mock/*` replies and
        SSE streams are never compressed."""
        if self.path.startswith("/__mock/"):
            return None
        weights: dict[str, float] = {}
        for value in self.headers.get_all("Accept-Encoding") or []:
            for member in value.split(","):
                name, *params = [p.strip() for p in member.split(";")]
                q = 1.0
                for p in params:
                    if p.lower().startswith("q="):
                        try:
                            q = float(p[2:])
                        except ValueError:
                            q = 0.0
                if name:
                    weights[name.lower()] = q
        for coding in ("gzip", "x-gzip", "deflate"):
            if weights.get(coding, 0.0) > 0:
                return coding
        return None

    def _send_json(self, status: int, obj: Any, extra: dict[str, str] | None = None) -> None:
        data = json.dumps(obj, separators=(",", ":")).encode()
        coding = self._reply_coding()
        if coding == "deflate":
            data = zlib.compress(data)
        elif coding:
            data = gzip.compress(data, mtime=0)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if coding:
            self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", _id("req_"))
        self.send_header("openai-processing-ms", "1")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send_reply(self, reply: mock_surface.Reply) -> None:
        """A reply of the surface table: JSON, SSE, bytes, or an empty 204."""
        if reply.sse is not None:
            self._send_sse(reply.sse)
        elif reply.json is not None:
            self._send_json(reply.status, reply.json)
        else:
            data = reply.body or b""
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            if reply.status != 204:
                self.send_header("Content-Length", str(len(data)))
            self.send_header("x-request-id", _id("req_"))
            self.end_headers()
            if self.command != "HEAD" and reply.status != 204:
                self.wfile.write(data)

    def _send_sse(self, events: Iterable[tuple[str | None, str]]) -> None:
        """Send an SSE stream with chunked transfer encoding (keeps the connection alive)."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", _id("req_"))
        self.end_headers()
        for event, data in events:
            frame = (f"event: {event}\n" if event else "") + f"data: {data}\n\n"
            raw = frame.encode("utf-8")
            self.wfile.write(f"{len(raw):x}\r\n".encode() + raw + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # ---- dispatch --------------------------------------------------------------------------

    def _handle(self) -> None:
        path = self.path.split("?", 1)[0]
        control = path.startswith("/__mock/")
        item = None if control else self.recorder.add(self.command, self.path,
                                                      list(self.headers.items()))
        try:
            body = self._read_body()
        except OverflowError:
            if item is not None:
                self.recorder.finish(item, None, "body too large")
            self.close_connection = True
            self._send_json(413, error_body("Request too large.", "invalid_request_error", None))
            return
        except (ValueError, OSError) as e:
            if item is not None:
                self.recorder.finish(item, None, f"incomplete body: {type(e).__name__}")
            self.close_connection = True
            try:
                self._send_json(400, error_body("Bad framing.", "invalid_request_error", None))
            except OSError:
                pass
            return
        if item is None:
            self._control(path)
            return
        self.recorder.finish(item, body)
        # Azure OpenAI's prefixes (/openai/deployments/{d}/..., /openai/v1/..., /openai/...)
        # name the same operations.
        path = mock_surface.to_v1(path)

        if self.command == "GET" and path == "/v1/models":
            self._send_json(200, {"object": "list", "data": [self._model(m) for m in MODELS]})
            return
        if self.command == "GET" and path.startswith("/v1/models/"):
            self._send_json(200, self._model(path.rsplit("/", 1)[-1]))
            return
        if self.command == "GET" and path == "/v1/chat/completions":
            # Stored completions, listed (the mock stores none): what a metadata filter gets.
            self._send_json(200, {"object": "list", "data": [], "first_id": None,
                                  "last_id": None, "has_more": False})
            return
        if self.command == "POST" and path == "/v1/files":
            self._upload_file(body)
            return
        if self.command != "POST" or path not in ROUTES:
            call = mock_surface.make_call(self.command, self.path,
                                          self.headers.get("Content-Type", ""), body)
            if call is not None:
                self._send_reply(mock_surface.answer(call))
                return
            self._send_json(
                404,
                error_body(f"Unknown request URL: {self.command} {path}.", "invalid_request_error",
                           "unknown_url"),
            )
            return
        try:
            req = json.loads(body.decode("utf-8")) if body else {}
            if not isinstance(req, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            self._send_json(
                400,
                error_body("We could not parse the JSON body of your request.",
                           "invalid_request_error", None),
            )
            return
        if mock_echo.wants(self.headers) and ROUTES[path] in ("ep_chat", "ep_responses",
                                                              "ep_completions"):
            mock_echo.reply(self, path, req, body)
            return
        getattr(self, ROUTES[path])(req)

    def _control(self, path: str) -> None:
        if path == "/__mock/requests" and self.command == "GET":
            self._send_json(200, self.recorder.snapshot())
        elif path == "/__mock/reset" and self.command == "POST":
            self.recorder.reset()
            self._send_json(200, {"ok": True})
        elif path == "/__mock/health":
            self._send_json(200, {"ok": True})
        else:
            self._send_json(404, {"error": "unknown mock control path"})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

    # ---- endpoints -------------------------------------------------------------------------

    def _upload_file(self, body: bytes) -> None:
        """`POST /v1/files`: a file object for a well-formed multipart upload (400 otherwise)."""
        ctype = self.headers.get("Content-Type", "")
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
        fields: dict[str, Any] = {}
        if msg.is_multipart():
            for part in msg.iter_parts():
                name = part.get_param("name", header="content-disposition")
                fields[name] = (part.get_filename(), part.get_payload(decode=True) or b"")
        if "file" not in fields or "purpose" not in fields:
            self._send_json(400, error_body("Missing file or purpose.", "invalid_request_error",
                                            None))
            return
        filename, data = fields["file"]
        self._send_json(200, {
            "id": _id("file-"), "object": "file", "bytes": len(data),
            "created_at": int(time.time()), "filename": filename or "upload",
            "purpose": fields["purpose"][1].decode("utf-8", "replace"), "status": "processed",
        })

    @staticmethod
    def _model(name: str) -> dict[str, Any]:
        return {"id": name, "object": "model", "created": 1715367049, "owned_by": "system"}

    def ep_chat(self, req: dict[str, Any]) -> None:
        model = req.get("model") or DEFAULT_MODEL
        prompt_text = _all_text(req.get("messages"))
        answer = "You said: " + _last_user_text(req.get("messages"))
        usage = chat_usage(_tokens(prompt_text), _tokens(answer))
        cid, created = _id("chatcmpl-"), int(time.time())
        if req.get("stream") is True:
            include_usage = bool((req.get("stream_options") or {}).get("include_usage"))
            base = {"id": cid, "object": "chat.completion.chunk", "created": created,
                    "model": model, "system_fingerprint": "fp_mock", "service_tier": "default"}

            def frames():
                def chunk(delta, finish=None):
                    c = dict(base, choices=[{"index": 0, "delta": delta, "logprobs": None,
                                             "finish_reason": finish}])
                    if include_usage:
                        c["usage"] = None
                    return None, json.dumps(c)

                yield chunk({"role": "assistant", "content": "", "refusal": None})
                for piece in _chunks_of(answer):
                    yield chunk({"content": piece})
                yield chunk({}, "stop")
                if include_usage:
                    yield None, json.dumps(dict(base, choices=[], usage=usage))
                yield None, "[DONE]"

            self._send_sse(frames())
            return
        self._send_json(200, {
            "id": cid,
            "object": "chat.completion",
            "created": created,
            "model": model,
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": answer, "refusal": None,
                            "annotations": []},
                "logprobs": None,
                "finish_reason": "stop",
            }],
            "usage": usage,
            "service_tier": "default",
            "system_fingerprint": "fp_mock",
        })

    def ep_completions(self, req: dict[str, Any]) -> None:
        model = req.get("model") or "gpt-3.5-turbo-instruct"
        prompt = req.get("prompt")
        prompt_text = prompt if isinstance(prompt, str) else " ".join(
            p for p in (prompt or []) if isinstance(p, str))
        answer = "You said: " + prompt_text
        usage = {"prompt_tokens": _tokens(prompt_text), "completion_tokens": _tokens(answer),
                 "total_tokens": _tokens(prompt_text) + _tokens(answer)}
        cid, created = _id("cmpl-"), int(time.time())
        if req.get("stream") is True:
            include_usage = bool((req.get("stream_options") or {}).get("include_usage"))
            base = {"id": cid, "object": "text_completion", "created": created, "model": model,
                    "system_fingerprint": "fp_mock"}

            def frames():
                pieces = _chunks_of(answer)
                for i, piece in enumerate(pieces):
                    fin = "stop" if i == len(pieces) - 1 else None
                    yield None, json.dumps(dict(base, choices=[
                        {"text": piece, "index": 0, "logprobs": None, "finish_reason": fin}]))
                if include_usage:
                    yield None, json.dumps(dict(base, choices=[], usage=usage))
                yield None, "[DONE]"

            self._send_sse(frames())
            return
        self._send_json(200, {
            "id": cid, "object": "text_completion", "created": created, "model": model,
            "system_fingerprint": "fp_mock",
            "choices": [{"text": answer, "index": 0, "logprobs": None, "finish_reason": "stop"}],
            "usage": usage,
        })

    def ep_responses(self, req: dict[str, Any]) -> None:
        model = req.get("model") or DEFAULT_MODEL
        inp = req.get("input")
        user_text = inp if isinstance(inp, str) else _last_user_text(inp)
        prompt_text = (req.get("instructions") or "") + " " + (
            inp if isinstance(inp, str) else _all_text(inp))
        answer = "You said: " + user_text
        usage = responses_usage(_tokens(prompt_text), _tokens(answer))
        rid, mid, created = _id("resp_"), _id("msg_"), int(time.time())

        def response_obj(status: str, output: list, use: Any) -> dict[str, Any]:
            return {
                "id": rid, "object": "response", "created_at": created, "status": status,
                "error": None, "incomplete_details": None,
                "instructions": req.get("instructions"), "max_output_tokens": None,
                "model": model, "output": output, "parallel_tool_calls": True,
                "previous_response_id": None, "reasoning": {"effort": None, "summary": None},
                "store": req.get("store", True), "temperature": 1.0,
                "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
                "top_p": 1.0, "truncation": "disabled", "usage": use, "user": None,
                "metadata": {},
            }

        part = {"type": "output_text", "text": answer, "annotations": []}
        message = {"id": mid, "type": "message", "status": "completed", "role": "assistant",
                   "content": [part]}
        if req.get("stream") is True:
            def frames():
                seq = 0

                def ev(typ: str, **fields: Any):
                    nonlocal seq
                    obj = {"type": typ, "sequence_number": seq, **fields}
                    seq += 1
                    return typ, json.dumps(obj)

                yield ev("response.created", response=response_obj("in_progress", [], None))
                yield ev("response.in_progress", response=response_obj("in_progress", [], None))
                yield ev("response.output_item.added", output_index=0,
                         item={"id": mid, "type": "message", "status": "in_progress",
                               "role": "assistant", "content": []})
                yield ev("response.content_part.added", item_id=mid, output_index=0,
                         content_index=0,
                         part={"type": "output_text", "text": "", "annotations": []})
                for piece in _chunks_of(answer):
                    yield ev("response.output_text.delta", item_id=mid, output_index=0,
                             content_index=0, delta=piece, logprobs=[])
                yield ev("response.output_text.done", item_id=mid, output_index=0,
                         content_index=0, text=answer, logprobs=[])
                yield ev("response.content_part.done", item_id=mid, output_index=0,
                         content_index=0, part=part)
                yield ev("response.output_item.done", output_index=0, item=message)
                yield ev("response.completed", response=response_obj("completed", [message],
                                                                      usage))

            self._send_sse(frames())
            return
        self._send_json(200, response_obj("completed", [message], usage))

    def ep_embeddings(self, req: dict[str, Any]) -> None:
        model = req.get("model") or "text-embedding-3-small"
        inp = req.get("input")
        texts = [inp] if isinstance(inp, str) else [
            t if isinstance(t, str) else json.dumps(t) for t in (inp or [])]
        b64 = req.get("encoding_format") == "base64"
        data = []
        for i, t in enumerate(texts):
            vec = _embedding(t)
            emb: Any = base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode() if b64 \
                else vec
            data.append({"object": "embedding", "index": i, "embedding": emb})
        n = sum(_tokens(t) for t in texts)
        self._send_json(200, {"object": "list", "data": data, "model": model,
                              "usage": {"prompt_tokens": n, "total_tokens": n}})

    def ep_moderations(self, req: dict[str, Any]) -> None:
        inp = req.get("input")
        items = inp if isinstance(inp, list) else [inp]
        cats = ["harassment", "harassment/threatening", "hate", "hate/threatening", "illicit",
                "illicit/violent", "self-harm", "self-harm/instructions", "self-harm/intent",
                "sexual", "sexual/minors", "violence", "violence/graphic"]
        results = [{
            "flagged": False,
            "categories": {c: False for c in cats},
            "category_scores": {c: 0.0001 for c in cats},
            "category_applied_input_types": {c: ["text"] for c in cats},
        } for _ in items]
        self._send_json(200, {"id": _id("modr-"), "model": req.get("model") or
                              "omni-moderation-latest", "results": results})


ROUTES = {
    "/v1/chat/completions": "ep_chat",
    "/v1/completions": "ep_completions",
    "/v1/responses": "ep_responses",
    "/v1/embeddings": "ep_embeddings",
    "/v1/moderations": "ep_moderations",
}
MODELS = ["gpt-4o-mini", "gpt-4o", "gpt-4.1", "o4-mini", "text-embedding-3-small",
          "omni-moderation-latest"]


def make_server(host: str, port: int, quiet: bool = True) -> tuple[ThreadingHTTPServer, Recorder]:
    """A ready (bound, not yet serving) mock server and its recorder."""
    recorder = Recorder()
    handler = type("BoundHandler", (Handler,), {"recorder": recorder, "quiet": quiet})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server, recorder


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--quiet", action="store_true", help="no per-request log lines on stderr")
    args = ap.parse_args(argv)
    server, _ = make_server(args.host, args.port, quiet=args.quiet)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
