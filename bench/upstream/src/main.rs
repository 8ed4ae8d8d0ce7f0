//! Mock upstream for the benchmark: answers every HTTP/1.1 request with a fixed 200 JSON reply.
//!
//! Std only, one thread per connection, keep-alive, reads and discards the request body
//! (Content-Length or chunked). Cheap enough to stay off the critical path, and a process of its
//! own so its CPU is never counted as Envoy's.
//!
//! Usage: `bench-upstream [PORT]` (default 0 = any free port). Prints `PORT <n>` on stdout once
//! listening, on 127.0.0.1 only.
//!
//! Every reply carries `x-upstream-body-bytes: <n>` (the decoded body length it received). When
//! the request carries `x-bench-check: 1`, the reply also carries `x-upstream-body-crc32`
//! (IEEE CRC-32 of the body, hex), so the driver can check a body went through unchanged.
//! When it carries `x-bench-stream: <n>` (1 to 10 000), the reply is a chat-completions SSE
//! stream instead: `n` chunk events, a usage event and `data: [DONE]`, each event written
//! and flushed as an HTTP/1.1 chunk of its own (as a model streams tokens).

use std::io::{self, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

const REPLY_BODY: &str = concat!(
    r#"{"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"#,
    r#""model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","#,
    r#""content":"OK."},"finish_reason":"stop"}],"#,
    r#""usage":{"prompt_tokens":12,"completion_tokens":2,"total_tokens":14}}"#
);

/// Largest header block accepted (bytes).
const MAX_HEAD: usize = 64 * 1024;

fn main() -> io::Result<()> {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let port = listener.local_addr()?.port();
    {
        let mut out = io::stdout().lock();
        writeln!(out, "PORT {port}")?;
        out.flush()?;
    }
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        thread::spawn(move || {
            let _ = serve(stream);
        });
    }
    Ok(())
}

/// A growable read buffer over the connection, with a consumed-prefix cursor.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
    pos: usize,
}

impl Conn {
    /// Reads more bytes; `Ok(false)` on clean EOF.
    fn fill(&mut self) -> io::Result<bool> {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > 256 * 1024 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + 256 * 1024, 0);
        let n = self.stream.read(&mut self.buf[old..])?;
        self.buf.truncate(old + n);
        Ok(n > 0)
    }

    fn avail(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Returns the header block (without the blank line), consuming it.
    fn read_head(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(i) = find(self.avail(), b"\r\n\r\n") {
                let head = self.avail()[..i].to_vec();
                self.pos += i + 4;
                return Ok(Some(head));
            }
            if self.avail().len() > MAX_HEAD {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "head too large"));
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Reads one CRLF-terminated line, consuming it.
    fn read_line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(i) = find(self.avail(), b"\r\n") {
                let line = self.avail()[..i].to_vec();
                self.pos += i + 2;
                return Ok(line);
            }
            if self.avail().len() > MAX_HEAD || !self.fill()? {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "bad line"));
            }
        }
    }

    /// Consumes `n` body bytes, feeding them to `sink`.
    fn skip(&mut self, mut n: usize, sink: &mut Sink) -> io::Result<()> {
        while n > 0 {
            if self.avail().is_empty() && !self.fill()? {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short body"));
            }
            let take = n.min(self.avail().len());
            sink.feed(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
            n -= take;
        }
        Ok(())
    }
}

/// Counts body bytes and, when asked, their CRC-32.
struct Sink {
    bytes: usize,
    crc: Option<u32>,
}

impl Sink {
    fn feed(&mut self, data: &[u8]) {
        self.bytes += data.len();
        if let Some(c) = self.crc.as_mut() {
            *c = crc32_update(*c, data);
        }
    }
}

fn serve(stream: TcpStream) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let writer = stream.try_clone()?;
    let mut out = BufWriter::with_capacity(4096, writer);
    let mut conn = Conn {
        stream,
        buf: Vec::with_capacity(256 * 1024),
        pos: 0,
    };
    while let Some(head) = conn.read_head()? {
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        let mut content_length = 0usize;
        let mut chunked = false;
        let mut close = head.starts_with("get") && head.contains("http/1.0");
        let mut check = false;
        let mut stream_events = 0usize;
        for line in head.split("\r\n").skip(1) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim() {
                "content-length" => {
                    content_length = value.parse().map_err(|_| {
                        io::Error::new(io::ErrorKind::InvalidData, "bad content-length")
                    })?
                }
                "transfer-encoding" => chunked = value.contains("chunked"),
                "connection" => close = value.contains("close"),
                "x-bench-check" => check = value == "1",
                "x-bench-stream" => stream_events = value.parse().unwrap_or(0).min(10_000),
                _ => {}
            }
        }
        let mut sink = Sink {
            bytes: 0,
            crc: check.then_some(0),
        };
        if chunked {
            loop {
                let line = conn.read_line()?;
                let line = String::from_utf8_lossy(&line);
                let size = line.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size, 16)
                    .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
                if size == 0 {
                    // Trailers until the blank line.
                    while !conn.read_line()?.is_empty() {}
                    break;
                }
                conn.skip(size, &mut sink)?;
                if !conn.read_line()?.is_empty() {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "bad chunk end"));
                }
            }
        } else {
            conn.skip(content_length, &mut sink)?;
        }
        if stream_events > 0 {
            write!(
                out,
                "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\
                 transfer-encoding: chunked\r\nx-upstream-body-bytes: {}\r\n",
                sink.bytes
            )?;
        } else {
            write!(
                out,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 x-upstream-body-bytes: {}\r\n",
                REPLY_BODY.len(),
                sink.bytes
            )?;
        }
        if let Some(c) = sink.crc {
            write!(out, "x-upstream-body-crc32: {:08x}\r\n", c)?;
        }
        if close {
            out.write_all(b"connection: close\r\n")?;
        }
        out.write_all(b"\r\n")?;
        if stream_events > 0 {
            write_stream(&mut out, stream_events)?;
        } else {
            out.write_all(REPLY_BODY.as_bytes())?;
        }
        out.flush()?;
        if close {
            break;
        }
    }
    Ok(())
}

/// One HTTP/1.1 chunk, flushed.
fn write_chunk(out: &mut impl Write, data: &str) -> io::Result<()> {
    write!(out, "{:x}\r\n{data}\r\n", data.len())?;
    out.flush()
}

/// A chat-completions stream of `events` token events, its usage event and `[DONE]`.
fn write_stream(out: &mut impl Write, events: usize) -> io::Result<()> {
    let head = r#"data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1700000000,"model":"gpt-4o-mini","#;
    for i in 0..events {
        let delta =
            format!(r#"{{"index":0,"delta":{{"content":" token{i}"}},"finish_reason":null}}"#);
        write_chunk(
            out,
            &format!("{head}\"choices\":[{delta}],\"usage\":null}}\n\n"),
        )?;
    }
    let usage = format!(
        r#"{{"prompt_tokens":12,"completion_tokens":{events},"total_tokens":{}}}"#,
        events + 12
    );
    write_chunk(
        out,
        &format!("{head}\"choices\":[],\"usage\":{usage}}}\n\n"),
    )?;
    write_chunk(out, "data: [DONE]\n\n")?;
    out.write_all(b"0\r\n\r\n")
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// IEEE CRC-32 (as zlib's `crc32`), bitwise: only used on checked requests, never under load.
fn crc32_update(crc: u32, data: &[u8]) -> u32 {
    let mut c = !crc;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}
