"""A small HTTP/2 cleartext (prior knowledge) client over a raw socket, for the e2e tests.

Built on the `h2` state machine (PyPI `h2`, pinned in requirements-test.txt) so a test controls
every frame: the headers (raw bytes allowed, no normalisation), DATA in chosen chunk sizes,
optional trailers (then END_STREAM rides on the trailers, never on DATA), a declared
`content-length` that need not match, and an abort mid-body (RST_STREAM or closing the socket).

It always reads the whole response, including the case curl 7.88 gets wrong: a server that
answers early (413/403 before the upload ended) sends its complete response and then
RST_STREAM(NO_ERROR) for the rest of the upload (RFC 9113, section 8.1). The reply is kept and
`reset_code` says how the stream ended.

One `H2Conn` is one TCP connection; `request()` runs one stream to completion (streams are not
interleaved: the tests need one at a time). Loopback only.
"""

from __future__ import annotations

import select
import socket
import time
from dataclasses import dataclass, field

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions

Header = tuple[bytes | str, bytes | str]


def _b(v: bytes | str) -> bytes:
    return v if isinstance(v, bytes) else v.encode("utf-8")


@dataclass
class H2Response:
    """What came back on one stream."""

    status: int | None = None
    header_list: list[tuple[bytes, bytes]] = field(default_factory=list)
    body: bytes = b""
    trailers: list[tuple[bytes, bytes]] = field(default_factory=list)
    ended: bool = False  # END_STREAM received from the server
    reset_code: int | None = None  # RST_STREAM from the server (h2.errors.ErrorCodes value)
    goaway_code: int | None = None  # GOAWAY from the server
    closed: bool = False  # the server closed the TCP connection
    sent_body_bytes: int = 0  # DATA bytes actually handed to the socket

    @property
    def headers(self) -> dict[str, str]:
        """Response headers, names lower-case (the last value wins; HTTP/2 names are lower-case)."""
        return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in self.header_list}

    @property
    def complete(self) -> bool:
        """A full response arrived (status + END_STREAM), whatever happened to the upload."""
        return self.status is not None and self.ended

    @property
    def reset_after_response(self) -> bool:
        """The RFC 9113 8.1 early-reply pattern: complete response, then RST_STREAM(NO_ERROR)."""
        return self.complete and self.reset_code == h2.errors.ErrorCodes.NO_ERROR


class H2Conn:
    """One h2c connection with prior knowledge."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        assert host in ("127.0.0.1", "::1", "localhost"), "loopback only"
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cfg = h2.config.H2Configuration(
            client_side=True,
            header_encoding=None,  # header values stay bytes
            validate_outbound_headers=False,  # tests send what a hostile client would
            normalize_outbound_headers=False,
            validate_inbound_headers=False,
        )
        self.conn = h2.connection.H2Connection(config=cfg)
        self.conn.initiate_connection()
        self.closed = False
        self._responses: dict[int, H2Response] = {}
        self._flush()

    # ---- plumbing -------------------------------------------------------------------------

    def _flush(self) -> None:
        data = self.conn.data_to_send()
        if data and not self.closed:
            try:
                self.sock.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                self.closed = True

    def _pump(self, wait: float) -> bool:
        """Reads what the server sent within `wait` seconds; False once the connection is
        closed."""
        if self.closed:
            return False
        ready, _, _ = select.select([self.sock], [], [], wait)
        if not ready:
            return True
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, TimeoutError, OSError):
            data = b""
        if not data:
            self.closed = True
            for r in self._responses.values():
                r.closed = True
            return False
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.closed = True
            return False
        for ev in events:
            self._on_event(ev)
        self._flush()
        return True

    def _on_event(self, ev: h2.events.Event) -> None:
        sid = getattr(ev, "stream_id", None)
        r = self._responses.get(sid) if sid is not None else None
        if isinstance(ev, h2.events.ResponseReceived) and r is not None:
            r.header_list = [(_b(k), _b(v)) for k, v in ev.headers]
            for k, v in r.header_list:
                if k == b":status":
                    r.status = int(v)
        elif isinstance(ev, h2.events.InformationalResponseReceived):
            pass
        elif isinstance(ev, h2.events.DataReceived) and r is not None:
            r.body += ev.data
            # Give the window back so long replies (SSE) keep flowing.
            if ev.flow_controlled_length:
                try:
                    self.conn.acknowledge_received_data(ev.flow_controlled_length, sid)
                except h2.exceptions.StreamClosedError:
                    pass
        elif isinstance(ev, h2.events.TrailersReceived) and r is not None:
            r.trailers = [(_b(k), _b(v)) for k, v in ev.headers]
        elif isinstance(ev, h2.events.StreamEnded) and r is not None:
            r.ended = True
        elif isinstance(ev, h2.events.StreamReset) and r is not None:
            r.reset_code = int(ev.error_code)
        elif isinstance(ev, h2.events.ConnectionTerminated):
            for resp in self._responses.values():
                resp.goaway_code = int(ev.error_code)
            if ev.last_stream_id is not None:
                for s, resp in self._responses.items():
                    if s > ev.last_stream_id and resp.reset_code is None:
                        resp.reset_code = int(ev.error_code)

    def _stream_done(self, sid: int) -> bool:
        r = self._responses[sid]
        return r.ended or r.reset_code is not None or r.closed or self.closed

    def _stream_open_for_sending(self, sid: int) -> bool:
        r = self._responses[sid]
        if r.reset_code is not None or self.closed or r.goaway_code is not None:
            return False
        try:
            return self.conn.local_flow_control_window(sid) >= 0
        except (h2.exceptions.StreamClosedError, h2.exceptions.NoSuchStreamError):
            return False

    # ---- the one call ----------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        headers: list[Header] | None = None,
        body: bytes = b"",
        *,
        chunk: int = 16384,
        trailers: list[Header] | None = None,
        abort: str | None = None,
        abort_after: int = 0,
        authority: str = "api.openai.com",
        scheme: str = "http",
        end_stream: bool = True,
        read_response: bool = True,
    ) -> H2Response:
        """Runs one stream.

        - `headers`: regular headers (names and values as given; bytes allowed). Pseudo-headers
          are added from `method`, `path`, `authority`, `scheme`. No content-length is added:
          pass one explicitly to declare a length (it may lie).
        - `body` goes out as DATA frames of at most `chunk` bytes (also bounded by the peer's
          window and max frame size). Empty body and no trailers: END_STREAM on HEADERS.
        - `trailers`: sent after the body with END_STREAM; the DATA frames never carry it.
        - `abort="rst"` or `"close"`: after `abort_after` body bytes, send RST_STREAM(CANCEL)
          or close the socket, and return without reading a response.
        - `end_stream=False`: never end the request stream (no END_STREAM on any frame, no
          trailers); send the body, then just read the response (a server that decides from
          the headers alone answers anyway).
        - If the server answers or resets while the body is still going out, sending stops and
          the response is read to its end (a complete early reply is kept).
        """
        sid = self.conn.get_next_available_stream_id()
        resp = H2Response()
        self._responses[sid] = resp
        hdrs: list[tuple[bytes, bytes]] = [
            (b":method", _b(method)),
            (b":scheme", _b(scheme)),
            (b":authority", _b(authority)),
            (b":path", _b(path)),
        ] + [(_b(k), _b(v)) for k, v in (headers or [])]
        end_on_headers = not body and not trailers and abort is None and end_stream
        self.conn.send_headers(sid, hdrs, end_stream=end_on_headers)
        self._flush()

        deadline = time.monotonic() + self.timeout
        offset = 0
        limit = abort_after if abort is not None else len(body)
        while offset < limit and self._stream_open_for_sending(sid):
            if time.monotonic() > deadline:
                raise TimeoutError("timed out sending the request body")
            try:
                window = self.conn.local_flow_control_window(sid)
            except (h2.exceptions.StreamClosedError, h2.exceptions.NoSuchStreamError):
                break
            size = min(chunk, window, self.conn.max_outbound_frame_size, limit - offset)
            if size <= 0:
                self._pump(0.5)  # wait for WINDOW_UPDATE (or an early reply)
                continue
            last = (offset + size >= len(body) and not trailers and abort is None
                    and end_stream)
            try:
                self.conn.send_data(sid, body[offset:offset + size], end_stream=last)
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                break
            offset += size
            resp.sent_body_bytes = offset
            self._flush()
            self._pump(0)  # notice an early reply / reset without blocking
        if abort is not None:
            if abort == "rst":
                try:
                    self.conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
                except h2.exceptions.StreamClosedError:
                    pass
                self._flush()
            elif abort == "close":
                self.close()
            else:
                raise ValueError(f"unknown abort mode {abort!r}")
            return resp
        if self._stream_open_for_sending(sid) and not end_on_headers and end_stream:
            try:
                if trailers:
                    self.conn.send_headers(sid, [(_b(k), _b(v)) for k, v in trailers],
                                           end_stream=True)
                elif offset == 0 or offset < len(body):
                    self.conn.end_stream(sid)  # never reached with a full body: DATA ended it
            except (h2.exceptions.StreamClosedError, h2.exceptions.ProtocolError):
                pass
            self._flush()
        if not read_response:
            return resp
        while not self._stream_done(sid):
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out waiting for the response on stream {sid}")
            self._pump(0.5)
        # A reset right after END_STREAM may already be queued: collect it without waiting.
        if resp.ended and resp.reset_code is None:
            self._pump(0)
        return resp

    def ping_ok(self) -> bool:
        """True if the connection still answers a PING (used after a stream was reset)."""
        if self.closed:
            return False
        self.conn.ping(b"ocfping!")
        self._flush()
        deadline = time.monotonic() + 10
        got = False
        while time.monotonic() < deadline and not got and not self.closed:
            ready, _, _ = select.select([self.sock], [], [], 0.5)
            if not ready:
                continue
            data = self.sock.recv(65536)
            if not data:
                self.closed = True
                break
            for ev in self.conn.receive_data(data):
                if isinstance(ev, h2.events.PingAckReceived):
                    got = True
                else:
                    self._on_event(ev)
            self._flush()
        return got

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self.sock.close()
            except OSError:
                pass

    def __enter__(self) -> "H2Conn":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def h2_request(port: int, method: str, path: str, headers: list[Header] | None = None,
               body: bytes = b"", **kw) -> H2Response:
    """One request on a fresh connection."""
    with H2Conn("127.0.0.1", port) as c:
        return c.request(method, path, headers, body, **kw)
