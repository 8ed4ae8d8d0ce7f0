"""Senders for the transport tests: one request over HTTP/1.1 with a content-length, HTTP/1.1
chunked, or HTTP/2 (h2c prior knowledge, with or without a content-length), all returning
(status, headers, body) the same way, plus helpers that read the wasm VM's state from outside.

The HTTP/1.1 senders use raw header pairs (names keep their case, values may be bytes) and keep
reading the reply when the filter answers before the body is fully sent.
"""

from __future__ import annotations

import http.client
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from h2client import H2Response, h2_request

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from wasm_memory import wasm_linear_memories  # noqa: E402  (scripts/wasm_memory.py)

Pairs = list[tuple[str, str | bytes]]

H1 = "h1"  # HTTP/1.1, content-length
H1_CHUNKED = "h1-chunked"  # HTTP/1.1, transfer-encoding: chunked
H2 = "h2"  # HTTP/2, content-length declared
H2_STREAM = "h2-stream"  # HTTP/2, no content-length (DATA until END_STREAM)
ALL = [H1, H1_CHUNKED, H2, H2_STREAM]


@dataclass
class Reply:
    status: int | None
    headers: dict[str, str]
    body: bytes
    h2: H2Response | None = None


def _h1(port: int, method: str, path: str, headers: Pairs, body: bytes, chunked: bool,
        chunk: int, trailers: Pairs | None = None) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for k, v in headers:
        conn.putheader(k, v)
    if chunked:
        conn.putheader("Transfer-Encoding", "chunked")
    elif body or method in ("POST", "PUT", "PATCH"):
        if not any(k.lower() == "content-length" for k, _ in headers):
            conn.putheader("Content-Length", str(len(body)))
    conn.endheaders()
    try:
        if chunked:
            for i in range(0, len(body), chunk):
                piece = body[i:i + chunk]
                conn.send(b"%x\r\n%s\r\n" % (len(piece), piece))
            tail = b"".join(_b(k) + b": " + _b(v) + b"\r\n" for k, v in (trailers or []))
            conn.send(b"0\r\n" + tail + b"\r\n")
        else:
            for i in range(0, len(body), chunk):
                conn.send(body[i:i + chunk])
    except (BrokenPipeError, ConnectionResetError):
        pass  # the filter answered early and Envoy closed: the reply is waiting in the socket
    resp = conn.getresponse()
    data = resp.read()
    hdrs = {k.lower(): v for k, v in resp.getheaders()}
    conn.close()
    return Reply(resp.status, hdrs, data)


def _b(v: str | bytes) -> bytes:
    return v if isinstance(v, bytes) else v.encode()


def send(port: int, transport: str, method: str, path: str, headers: Pairs,
         body: bytes = b"", chunk: int = 4096, trailers: Pairs | None = None) -> Reply:
    """One request over `transport`. `headers` are sent as given (for HTTP/2 names are
    lower-cased, as the protocol requires); the framing headers are added per transport."""
    if transport in (H1, H1_CHUNKED):
        return _h1(port, method, path, headers, body, transport == H1_CHUNKED, chunk, trailers)
    pairs = [(k.lower(), v) for k, v in headers]
    if transport == H2 and (body or method in ("POST", "PUT", "PATCH")):
        if not any(k == "content-length" for k, _ in pairs):
            pairs.append(("content-length", str(len(body))))
    r = h2_request(port, method, path, pairs, body, chunk=chunk, trailers=trailers)
    assert r.complete, f"no complete HTTP/2 response: {r}"
    return Reply(r.status, r.headers, r.body, r)


def raw_h1(port: int, head: bytes, body: bytes = b"", shut_write: bool = False,
           read: bool = True) -> tuple[int | None, dict[str, str], bytes]:
    """Writes `head` + `body` verbatim on a fresh connection; optionally half-closes; reads one
    response (None status when the server closed without one)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        try:
            s.sendall(head + body)
            if shut_write:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if not read:
            return None, {}, b""
        resp = http.client.HTTPResponse(s)
        try:
            resp.begin()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return None, {}, b""
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data


# ---- the wasm VM, seen from outside ----------------------------------------------------------


def envoy_pid(envoy: Any) -> int:
    """The Envoy process id (the venv's `envoy` script execs the binary, so it is Popen's)."""
    pid = envoy.proc.pid
    exe = Path(f"/proc/{pid}/exe").resolve().name
    assert "envoy" in exe, f"pid {pid} is {exe}, not envoy"
    return pid


def vm_memory(envoy: Any) -> int:
    """The largest wasm linear memory in Envoy (the VM serving the worker's traffic)."""
    mems = wasm_linear_memories(envoy_pid(envoy))
    assert mems, "no wasm linear memory found in /proc/<envoy>/maps"
    return mems[0]


# ---- a proxy-wasm module that traps -------------------------------------------------------


def _leb(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _section(sid: int, payload: bytes) -> bytes:
    return bytes([sid]) + _leb(len(payload)) + payload


def _vec(items: list[bytes]) -> bytes:
    return _leb(len(items)) + b"".join(items)


def trapping_wasm(trap_in: str = "proxy_on_request_headers") -> bytes:
    """A minimal proxy-wasm (ABI 0.2.1) module, assembled here byte by byte, that loads and
    configures fine but executes `unreachable` in the callback `trap_in`: a VM that dies on
    traffic after Envoy has started. Every other callback does nothing and succeeds."""
    i32 = 0x7F
    types = [
        b"\x60\x00\x00",  # 0: () -> ()
        b"\x60\x02" + bytes([i32, i32]) + b"\x00",  # 1: (i32, i32) -> ()
        b"\x60\x02" + bytes([i32, i32]) + b"\x01" + bytes([i32]),  # 2: (i32, i32) -> i32
        b"\x60\x03" + bytes([i32, i32, i32]) + b"\x01" + bytes([i32]),  # 3: (i32 x3) -> i32
        b"\x60\x01" + bytes([i32]) + b"\x01" + bytes([i32]),  # 4: (i32) -> i32
        b"\x60\x01" + bytes([i32]) + b"\x00",  # 5: (i32) -> ()
    ]
    ok_i32 = b"\x41\x01"  # i32.const 1 (true / Continue=0 is not needed: traps or true)
    cont = b"\x41\x00"  # i32.const 0 (Action::Continue)
    funcs = [  # (export name, type index, body instructions)
        ("proxy_abi_version_0_2_1", 0, b""),
        ("proxy_on_context_create", 1, b""),
        ("proxy_on_vm_start", 2, ok_i32),
        ("proxy_on_configure", 2, ok_i32),
        ("proxy_on_request_headers", 3, cont),
        ("proxy_on_request_body", 3, cont),
        ("proxy_on_response_headers", 3, cont),
        ("proxy_on_memory_allocate", 4, b"\x41\x80\x08"),  # i32.const 1024
        ("proxy_on_done", 4, ok_i32),
        ("proxy_on_delete", 5, b""),
        ("proxy_on_log", 5, b""),
    ]
    assert trap_in in {name for name, _, _ in funcs}
    code = []
    for name, _, body in funcs:
        instrs = b"\x00" if name == trap_in else body  # 0x00 = unreachable
        fn = b"\x00" + instrs + b"\x0b"  # no locals, instructions, end
        code.append(_leb(len(fn)) + fn)
    exports = [_leb(len(n)) + n.encode() + b"\x00" + _leb(i) for i, (n, _, _) in
               enumerate(funcs)]
    exports.append(b"\x06memory\x02\x00")
    return (
        b"\x00asm\x01\x00\x00\x00"
        + _section(1, _vec(types))
        + _section(3, _vec([_leb(t) for _, t, _ in funcs]))
        + _section(5, _vec([b"\x00\x02"]))  # one memory, min 2 pages
        + _section(7, _vec(exports))
        + _section(10, _vec(code))
    )
