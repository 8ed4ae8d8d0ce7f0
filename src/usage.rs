//! Token usage read from OpenAI responses, from where it sits: the end of a JSON body (chat
//! completions, completions, Responses, embeddings) and the last events of an SSE stream (the
//! final usage chunk of chat completions with `stream_options.include_usage`, the
//! `response.completed` event of the Responses API), in bounded memory.
//!
//! The reader keeps only the last [`TAIL_BYTES`] of the body (of its plain bytes, for a
//! `gzip` or `deflate` body, which is inflated whole) and, when the body ends, reads them
//! backwards: from the end of the document, outside any string, every unescaped `"` opens or
//! closes a string and the brackets give the depth, so the last `usage` key at the top level
//! (or under a top-level `response`) is found without reading what comes before it. OpenAI
//! writes `usage` last or nearly so (after it: `service_tier` and `system_fingerprint`, or a
//! Responses object's `user` and `metadata`, which the client chooses), within the tail. The
//! adapter hands over only each chunk's last [`TAIL_BYTES`] ([`UsageReader::wanted`]). A body the reader cannot make
//! sense of yields no usage, and the response itself is never touched.

use crate::coding::{reply_coding, Coding};
use crate::inflate::Inflater;
use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;

/// Largest `usage` object parsed; a larger one is ignored.
pub const MAX_USAGE_BYTES: usize = 4096;
/// Bytes of a body's end kept for reading its usage: the `usage` object with what OpenAI
/// writes after it. A Responses object echoes the request's `user` and `metadata` there: 16
/// pairs of up to 64 + 512 characters, each up to 4 bytes of UTF-8 or 12 of a `\u` escape
/// pair, 108 KiB at most. A client whose usage fell outside the tail would not be charged
/// its tokens.
pub const TAIL_BYTES: usize = 128 * 1024;

/// Token counts of one response. Absent fields were not reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// `prompt_tokens` (chat, completions, embeddings) or `input_tokens` (Responses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_tokens: Option<u64>,
    /// `completion_tokens` or `output_tokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completion_tokens: Option<u64>,
    /// `total_tokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_tokens: Option<u64>,
    /// `prompt_tokens_details.cached_tokens` or `input_tokens_details.cached_tokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cached_tokens: Option<u64>,
    /// `completion_tokens_details.reasoning_tokens` or `output_tokens_details.reasoning_tokens`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_tokens: Option<u64>,
}

impl Usage {
    /// Reads a `usage` object in either naming; `None` unless it holds at least one count.
    pub fn from_value(v: &Value) -> Option<Self> {
        let obj = v.as_object()?;
        let num = |k: &str| obj.get(k).and_then(Value::as_u64);
        let nested = |o: &str, k: &str| obj.get(o).and_then(|d| d.get(k)).and_then(Value::as_u64);
        let u = Self {
            prompt_tokens: num("prompt_tokens").or_else(|| num("input_tokens")),
            completion_tokens: num("completion_tokens").or_else(|| num("output_tokens")),
            total_tokens: num("total_tokens"),
            cached_tokens: nested("prompt_tokens_details", "cached_tokens")
                .or_else(|| nested("input_tokens_details", "cached_tokens")),
            reasoning_tokens: nested("completion_tokens_details", "reasoning_tokens")
                .or_else(|| nested("output_tokens_details", "reasoning_tokens")),
        };
        (u != Self::default()).then_some(u)
    }

    fn from_slice(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice::<Value>(bytes)
            .ok()
            .and_then(|v| Self::from_value(&v))
    }
}

/// The last bytes of a body.
#[derive(Debug, Default)]
struct Tail {
    /// The last [`TAIL_BYTES`] seen (fewer only when fewer were): a ring, so a long body
    /// holds no more than that.
    buf: VecDeque<u8>,
    /// Bytes before `buf` were seen or skipped: its start is not the body's.
    cut: bool,
}

impl Tail {
    /// Appends the next bytes of the body.
    fn push(&mut self, bytes: &[u8]) {
        let keep = bytes
            .get(bytes.len().saturating_sub(TAIL_BYTES)..)
            .unwrap_or(bytes);
        let over = (self.buf.len() + keep.len()).saturating_sub(TAIL_BYTES);
        self.cut |= keep.len() < bytes.len() || over > 0;
        self.buf.drain(..over.min(self.buf.len()));
        self.buf.extend(keep);
    }

    /// The last `bytes.len()` bytes of a chunk of `size` bytes (fewer when the adapter took
    /// only its end): what came between is unknown, so the tail starts again there.
    fn push_end(&mut self, size: usize, bytes: &[u8]) {
        if bytes.len() < size {
            self.buf.clear();
            self.cut = true;
        }
        self.push(bytes);
    }

    /// [`Self::push_end`] of a chunk end the caller owns: into an empty tail the chunk's own
    /// buffer moves (no copy; the state is the one [`Self::push_end`] leaves).
    fn push_end_owned(&mut self, size: usize, bytes: Vec<u8>) {
        let cut = bytes.len() < size;
        if (cut || self.buf.is_empty()) && bytes.len() <= TAIL_BYTES {
            // O(1): a `VecDeque` takes over a `Vec`'s buffer as it is.
            self.cut |= cut;
            self.buf = VecDeque::from(bytes);
        } else {
            self.push_end(size, &bytes);
        }
    }

    /// The bytes kept, in order.
    fn bytes(&mut self) -> &[u8] {
        self.buf.make_contiguous()
    }
}

/// Whether the `"` at `i` is escaped (an odd number of `\` before it).
fn escaped(b: &[u8], i: usize) -> bool {
    let run = b
        .get(..i)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|&&c| c == b'\\')
        .count();
    run % 2 == 1
}

/// The end (exclusive) of the JSON object starting at `b[start]` (`{`), if it closes within
/// [`MAX_USAGE_BYTES`].
fn object_end(b: &[u8], start: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut esc) = (0u32, false, false);
    for (i, &c) in b.iter().enumerate().skip(start).take(MAX_USAGE_BYTES) {
        if in_string {
            match c {
                _ if esc => esc = false,
                b'\\' => esc = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// The usage of a JSON document of which `b` is the end (all of it unless `cut`): the last
/// `usage` object at the top level or under a top-level `response`, read backwards. When the
/// kept end runs out inside the object at depth 2 that holds a `usage` (a Responses event's
/// `response`, whose output or tools ran longer than the tail), at any depth within it (the
/// text of an output item is at depth 6), that object's key is out of sight: its usage counts
/// (only a Responses event holds one at depth 2).
fn last_usage(b: &[u8], cut: bool) -> Option<Usage> {
    // Containers open (read backwards: closed) from the end, innermost last: (is an object,
    // where its `{` is once met).
    let mut open: Vec<bool> = Vec::new();
    // The significant byte after the current position (and where), for telling a key (a
    // string followed by `:`) and where its value starts.
    let mut next: Option<(u8, usize)> = None;
    // Where the value of the last `:` met starts.
    let mut value_at = None;
    // A `usage` found in the object open at depth 2, waiting for that object's key (it
    // counts under `response` only).
    let mut pending: Option<Usage> = None;
    // Where the `{` of the container just closed at depth 2 is.
    let mut closed_at_2 = None;
    let mut i = b.len();
    while i > 0 {
        i -= 1;
        let c = b.get(i).copied().unwrap_or(0);
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => continue,
            b'"' => {
                // A string: back to its opening quote.
                let end = i;
                let mut s = i;
                loop {
                    s = match s.checked_sub(1) {
                        Some(s) => s,
                        None => return pending.filter(|_| cut && open.len() >= 2),
                    };
                    if b.get(s) == Some(&b'"') && !escaped(b, s) {
                        break;
                    }
                }
                i = s;
                if matches!(next, Some((b':', _))) && open.last() == Some(&true) {
                    let name = b.get(s + 1..end).unwrap_or_default();
                    let v = value_at.take();
                    let usage = || {
                        let v = v.filter(|&v| b.get(v) == Some(&b'{'))?;
                        Usage::from_slice(b.get(v..object_end(b, v)?)?)
                    };
                    match (open.len(), name) {
                        (1, b"usage") => {
                            if let Some(u) = usage() {
                                return Some(u);
                            }
                        }
                        // The last one of its object (read first), if that is `response`.
                        (2, b"usage") => pending = pending.or_else(usage),
                        (1, _) => {
                            if let (Some(u), b"response") = (pending.take(), name) {
                                if v.is_some() && v == closed_at_2 {
                                    return Some(u);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                next = Some((b'"', s));
                continue;
            }
            b'}' | b']' => {
                open.push(c == b'}');
                if open.len() == 2 {
                    pending = None;
                }
            }
            b'{' | b'[' => {
                if open.pop()? != (c == b'{') {
                    return None;
                }
                if open.len() == 1 {
                    closed_at_2 = Some(i);
                }
            }
            b':' => value_at = next.map(|(_, at)| at),
            _ => {}
        }
        next = Some((c, i));
    }
    pending.filter(|_| cut && open.len() >= 2)
}

/// The usage of an SSE stream of which `b` is the end (`cut`: its first line may be the end
/// of a longer one): the last event whose `data:` holds one, read from the last event back.
fn last_event_usage(b: &[u8], cut: bool) -> Option<Usage> {
    // Lines (CR, LF or CRLF ends), grouped into events by blank lines.
    let mut events: Vec<Vec<&[u8]>> = vec![Vec::new()];
    let mut rest = b;
    let mut first = true;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .unwrap_or(rest.len());
        let (line, after) = rest.split_at(end);
        let skip = match after {
            [b'\r', b'\n', ..] => 2,
            [] => 0,
            _ => 1,
        };
        rest = after.get(skip..).unwrap_or_default();
        if line.is_empty() {
            if events.last().is_some_and(|e| !e.is_empty()) {
                events.push(Vec::new());
            }
        } else if let Some(data) = line.strip_prefix(b"data:") {
            let data = data.strip_prefix(b" ").unwrap_or(data);
            if let Some(e) = events.last_mut() {
                e.push(data);
            }
        } else if first && cut {
            // The end of a line cut by the tail: the end of its event's data, maybe.
            if let Some(e) = events.last_mut() {
                e.push(line);
            }
        }
        first = false;
    }
    events.iter().enumerate().rev().find_map(|(k, lines)| {
        // Only the first event can have lost its start.
        let cut = cut && k == 0;
        match lines.as_slice() {
            [] => None,
            [one] => last_usage(one, cut),
            more => last_usage(&more.join(&b'\n'), cut),
        }
    })
}

/// The shape of a response body, from its headers, and its end.
#[derive(Debug)]
enum Scan {
    Json(Tail),
    Sse(Tail),
    Unknown,
}

/// Reads usage from one response body, chunk by chunk, in bounded memory.
#[derive(Debug)]
pub struct UsageReader {
    scan: Scan,
    /// The body's `gzip` or `deflate` coding, undone on the reader's own copy.
    inflater: Option<Inflater>,
}

impl Default for UsageReader {
    fn default() -> Self {
        Self {
            scan: Scan::Unknown,
            inflater: None,
        }
    }
}

impl Scan {
    fn tail(&mut self) -> Option<&mut Tail> {
        match self {
            Scan::Json(t) | Scan::Sse(t) => Some(t),
            Scan::Unknown => None,
        }
    }
}

impl UsageReader {
    /// A reader for a response with this `content-type` and `content-encoding`. A `gzip` or
    /// `deflate` body is inflated as it passes ([`Inflater`]); one in any other coding (`br`,
    /// `zstd`, a list) is not read: its usage is unknown.
    pub fn new(content_type: Option<&[u8]>, content_encoding: Option<&[u8]>) -> Self {
        let coding = content_encoding.map_or(Some(Coding::Identity), reply_coding);
        let essence = content_type
            .map(|ct| {
                let end = ct.iter().position(|&b| b == b';').unwrap_or(ct.len());
                ct.get(..end)
                    .unwrap_or_default()
                    .trim_ascii()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        let scan = if coding.is_none() {
            Scan::Unknown
        } else if essence == b"text/event-stream" {
            Scan::Sse(Tail::default())
        } else if essence == b"application/json" || essence.ends_with(b"+json") {
            Scan::Json(Tail::default())
        } else {
            Scan::Unknown
        };
        let inflater = match (coding, &scan) {
            (_, Scan::Unknown) | (None | Some(Coding::Identity), _) => None,
            (Some(c), _) => Some(Inflater::new(c)),
        };
        Self { scan, inflater }
    }

    /// Does this reader look at the body at all (JSON or SSE, in a coding it follows)?
    pub fn reads(&self) -> bool {
        !matches!(self.scan, Scan::Unknown)
    }

    /// How many of each chunk's last bytes the reader needs: [`TAIL_BYTES`] of a plain body,
    /// every byte of a compressed one (it is inflated whole), none when it reads nothing.
    pub fn wanted(&self) -> usize {
        match (&self.scan, &self.inflater) {
            (Scan::Unknown, _) => 0,
            (_, Some(_)) => usize::MAX,
            (_, None) => TAIL_BYTES,
        }
    }

    /// Feeds the next chunk of the body (as it travels: still compressed, if it is).
    pub fn feed(&mut self, chunk: &[u8]) {
        self.feed_end(chunk.len(), chunk);
    }

    /// Feeds the last bytes of the next chunk, of `size` bytes (at least [`Self::wanted`] of
    /// them, or all).
    pub fn feed_end(&mut self, size: usize, end: &[u8]) {
        let Self { scan, inflater } = self;
        match inflater {
            Some(inf) => {
                if end.len() < size {
                    // A compressed body cannot be read from its end.
                    *scan = Scan::Unknown;
                    return;
                }
                inf.feed(end, &mut |plain| {
                    if let Some(t) = scan.tail() {
                        t.push(plain);
                    }
                });
                if inf.failed() {
                    *scan = Scan::Unknown;
                }
            }
            None => {
                if let Some(t) = scan.tail() {
                    t.push_end(size, end);
                }
            }
        }
    }

    /// [`Self::feed_end`] of a chunk end the caller no longer needs: a plain body's first
    /// chunk is kept without a copy (a JSON reply is usually one chunk, up to [`TAIL_BYTES`]).
    pub fn feed_end_owned(&mut self, size: usize, end: Vec<u8>) {
        if self.inflater.is_some() {
            self.feed_end(size, &end);
        } else if let Some(t) = self.scan.tail() {
            t.push_end_owned(size, end);
        }
    }

    /// The body is over: the usage it reported, if any.
    pub fn finish(&mut self) -> Option<Usage> {
        match &mut self.scan {
            Scan::Json(t) => {
                let cut = t.cut;
                last_usage(t.bytes(), cut)
            }
            Scan::Sse(t) => {
                let cut = t.cut;
                last_event_usage(t.bytes(), cut)
            }
            Scan::Unknown => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAT_JSON: &str = r#"{"id":"chatcmpl-1","object":"chat.completion","created":1,
      "model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant",
      "content":"the \"usage\": {\"prompt_tokens\": 999} is in text"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,
        "prompt_tokens_details":{"cached_tokens":3,"audio_tokens":0},
        "completion_tokens_details":{"reasoning_tokens":4}},
      "service_tier":"default","system_fingerprint":"fp_1"}"#;

    const RESPONSES_JSON: &str = r#"{"id":"resp_1","object":"response","status":"completed",
      "output":[{"type":"message","content":[{"type":"output_text","text":"hi",
      "annotations":[]}]}],"metadata":{"usage":"x"},
      "usage":{"input_tokens":36,"input_tokens_details":{"cached_tokens":0},
      "output_tokens":87,"output_tokens_details":{"reasoning_tokens":64},"total_tokens":123},
      "user":null}"#;

    const EMBEDDINGS_JSON: &str = r#"{"object":"list","data":[{"object":"embedding","index":0,
      "embedding":[0.1,-0.2,3e-5]}],"model":"text-embedding-3-small",
      "usage":{"prompt_tokens":8,"total_tokens":8}}"#;

    const CHAT_SSE: &str = "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n\
data: {\"id\":\"c\",\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n\
data: {\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7,\"prompt_tokens_details\":{\"cached_tokens\":1}}}\n\n\
data: [DONE]\n\n";

    const RESPONSES_SSE: &str = "event: response.created\r\n\
data: {\"type\":\"response.created\",\"response\":{\"id\":\"r\",\"usage\":null}}\r\n\r\n\
: keep-alive\r\n\r\n\
event: response.output_text.delta\r\n\
data: {\"type\":\"response.output_text.delta\",\"delta\":\"usage\"}\r\n\r\n\
event: response.completed\r\n\
data: {\"type\":\"response.completed\",\"sequence_number\":9,\r\n\
data: \"response\":{\"id\":\"r\",\"output\":[{\"content\":[{\"text\":\"{\\\"usage\\\":{\\\"input_tokens\\\":1}}\"}]}],\
\"usage\":{\"input_tokens\":11,\"output_tokens\":22,\"total_tokens\":33,\
\"output_tokens_details\":{\"reasoning_tokens\":5}}}}\r\n\r\n";

    fn read(ct: &str, body: &[u8]) -> Option<Usage> {
        let mut r = UsageReader::new(Some(ct.as_bytes()), None);
        r.feed(body);
        r.finish()
    }

    fn all_splits(ct: &str, body: &[u8]) -> Vec<Option<Usage>> {
        (0..=body.len())
            .map(|i| {
                let mut r = UsageReader::new(Some(ct.as_bytes()), None);
                r.feed(&body[..i]);
                r.feed(&body[i..]);
                r.finish()
            })
            .collect()
    }

    fn u(p: u64, c: Option<u64>, t: u64, cached: Option<u64>, reasoning: Option<u64>) -> Usage {
        Usage {
            prompt_tokens: Some(p),
            completion_tokens: c,
            total_tokens: Some(t),
            cached_tokens: cached,
            reasoning_tokens: reasoning,
        }
    }

    #[test]
    fn chat_json() {
        assert_eq!(
            read("application/json", CHAT_JSON.as_bytes()),
            Some(u(19, Some(10), 29, Some(3), Some(4)))
        );
    }

    #[test]
    fn responses_json_ignores_usage_keys_elsewhere() {
        assert_eq!(
            read("application/json; charset=utf-8", RESPONSES_JSON.as_bytes()),
            Some(u(36, Some(87), 123, Some(0), Some(64)))
        );
    }

    #[test]
    fn embeddings_json() {
        assert_eq!(
            read("application/json", EMBEDDINGS_JSON.as_bytes()),
            Some(u(8, None, 8, None, None))
        );
    }

    #[test]
    fn chat_sse_with_include_usage() {
        assert_eq!(
            read("text/event-stream; charset=utf-8", CHAT_SSE.as_bytes()),
            Some(u(5, Some(2), 7, Some(1), None))
        );
    }

    #[test]
    fn responses_sse_completed_event() {
        assert_eq!(
            read("text/event-stream", RESPONSES_SSE.as_bytes()),
            Some(u(11, Some(22), 33, None, Some(5)))
        );
    }

    /// Every sample body, with its content type.
    const BODIES: [(&str, &str); 5] = [
        ("application/json", CHAT_JSON),
        ("application/json", RESPONSES_JSON),
        ("application/json", EMBEDDINGS_JSON),
        ("text/event-stream", CHAT_SSE),
        ("text/event-stream", RESPONSES_SSE),
    ];

    #[test]
    fn every_split_point_gives_the_same_answer() {
        for (ct, body) in BODIES {
            let whole = read(ct, body.as_bytes());
            assert!(whole.is_some(), "{body}");
            for (i, got) in all_splits(ct, body.as_bytes()).into_iter().enumerate() {
                assert_eq!(got, whole, "split at {i}");
            }
        }
    }

    #[test]
    fn byte_by_byte() {
        for (ct, body) in BODIES {
            let mut r = UsageReader::new(Some(ct.as_bytes()), None);
            for b in body.as_bytes() {
                r.feed(std::slice::from_ref(b));
            }
            let whole = read(ct, body.as_bytes());
            assert!(whole.is_some(), "{body}");
            assert_eq!(r.finish(), whole, "{body}");
        }
    }

    #[test]
    fn names_longer_than_kept_match_nothing() {
        // Sixteen bytes are kept: a longer key or field whose start is a wanted name is
        // another name, whole or cut at any point.
        let json = br#"{"usage_of_a_longer_kind":{"prompt_tokens":1},"responsexxxxxxxxxxxxx":{"usage":{"prompt_tokens":2}}}"#;
        let sse = b"dataxxxxxxxxxxxxxxxxx: {\"usage\":{\"prompt_tokens\":3}}\n\n";
        assert_eq!(read("application/json", json), None);
        assert_eq!(read("text/event-stream", sse), None);
        for got in all_splits("application/json", json) {
            assert_eq!(got, None);
        }
        for got in all_splits("text/event-stream", sse) {
            assert_eq!(got, None);
        }
    }

    #[test]
    fn stream_without_usage_has_none() {
        let body = "data: {\"choices\":[{\"delta\":{\"content\":\"usage\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(read("text/event-stream", body.as_bytes()), None);
        assert_eq!(read("application/json", br#"{"usage":null}"#), None);
        assert_eq!(read("application/json", br#"{"usage":{}}"#), None);
    }

    #[test]
    fn read_backwards_the_end_gives_what_a_parser_reads_in_the_whole() {
        // Random documents of pieces that move a reader (structure, keys of interest,
        // escapes, strings holding JSON): the usage read from the end is serde_json's.
        const PIECES: &[&str] = &[
            r#""a":1"#,
            r#""s":"x\"y""#,
            r#""t":"{\"usage\":{\"prompt_tokens\":5}}""#,
            r#""e":"\\""#,
            r#""l":[1,{"usage":{"prompt_tokens":6}},"]"]"#,
            r#""o":{"usage":{"prompt_tokens":7},"k":"}"}"#,
        ];
        let mut r = ocf_devkit::corpus::Rng::new(4);
        for _ in 0..20_000 {
            let mut members: Vec<String> = (0..r.below(6))
                .map(|_| PIECES[r.below(PIECES.len())].to_string())
                .collect();
            let n = r.range(1, 99) as u64;
            let at = r.below(members.len() + 1);
            match r.below(3) {
                0 => members.insert(at, format!(r#""usage":{{"prompt_tokens":{n}}}"#)),
                1 => members.insert(
                    at,
                    format!(r#""response":{{"id":"r","usage":{{"prompt_tokens":{n}}},"x":[]}}"#),
                ),
                _ => {}
            }
            let doc = format!("{{{}}}\n", members.join(","));
            let v: Value = serde_json::from_str(&doc).unwrap();
            let want = v.get("usage").and_then(Usage::from_value).or_else(|| {
                v.get("response")
                    .and_then(|r| r.get("usage"))
                    .and_then(Usage::from_value)
            });
            assert_eq!(read("application/json", doc.as_bytes()), want, "{doc}");
        }
    }

    #[test]
    fn only_the_end_of_each_chunk_is_needed() {
        // The adapter hands over each chunk's last TAIL_BYTES: the usage is the same.
        let mut body = String::from(r#"{"choices":[{"message":{"content":""#);
        body.push_str(&"word \\\" ".repeat(30_000));
        body.push_str(
            r#""}}],"usage":{"prompt_tokens":4,"total_tokens":6},"service_tier":"default"}"#,
        );
        for chunk in [1000, TAIL_BYTES - 1, TAIL_BYTES + 1, 100_000] {
            let mut r = UsageReader::new(Some(b"application/json"), None);
            assert_eq!(r.wanted(), TAIL_BYTES);
            for c in body.as_bytes().chunks(chunk) {
                let end = c.get(c.len().saturating_sub(r.wanted())..).unwrap();
                r.feed_end(c.len(), end);
            }
            assert_eq!(r.finish(), Some(u(4, None, 6, None, None)), "chunk {chunk}");
        }
        // A compressed body needs every byte; given only an end, it reads nothing.
        let mut r = UsageReader::new(Some(b"application/json"), Some(b"gzip"));
        assert_eq!(r.wanted(), usize::MAX);
        r.feed_end(10, b"abc");
        assert!(!r.reads());
    }

    #[test]
    fn an_owned_chunk_end_reads_as_a_borrowed_one() {
        // The adapter hands its chunk ends over by value: same tail, same usage, any cut.
        let mut long = String::from(r#"{"choices":[{"message":{"content":""#);
        long.push_str(&"word ".repeat(40_000));
        long.push_str(r#""}}],"usage":{"prompt_tokens":4,"total_tokens":6}}"#);
        let docs = [
            ("application/json", CHAT_JSON.as_bytes()),
            ("application/json", EMBEDDINGS_JSON.as_bytes()),
            ("text/event-stream", CHAT_SSE.as_bytes()),
            ("text/event-stream", RESPONSES_SSE.as_bytes()),
            ("application/json", long.as_bytes()),
        ];
        for (ct, body) in docs {
            for chunk in [1, 7, 100, TAIL_BYTES - 1, TAIL_BYTES + 1, body.len()] {
                let mut borrowed = UsageReader::new(Some(ct.as_bytes()), None);
                let mut owned = UsageReader::new(Some(ct.as_bytes()), None);
                for c in body.chunks(chunk) {
                    let end = &c[c.len().saturating_sub(borrowed.wanted())..];
                    borrowed.feed_end(c.len(), end);
                    owned.feed_end_owned(c.len(), end.to_vec());
                    let (Scan::Json(a) | Scan::Sse(a)) = &mut borrowed.scan else {
                        panic!("{ct} reads");
                    };
                    let (Scan::Json(b) | Scan::Sse(b)) = &mut owned.scan else {
                        panic!("{ct} reads");
                    };
                    assert_eq!(a.cut, b.cut, "chunk {chunk}");
                    assert_eq!(a.bytes(), b.bytes(), "chunk {chunk}");
                }
                assert_eq!(borrowed.finish(), owned.finish(), "chunk {chunk}");
            }
        }
        // A compressed body is inflated from the owned bytes as from borrowed ones.
        let mut r = UsageReader::new(Some(b"application/json"), Some(b"gzip"));
        r.feed_end_owned(10, b"abc".to_vec());
        assert!(!r.reads());
    }

    /// Feeds `body` in chunks of the sizes `sizes` cycles through, each chunk as the adapter
    /// hands it over (its last [`UsageReader::wanted`] bytes).
    fn read_in_chunks(ct: &str, body: &[u8], sizes: &[usize]) -> Option<Usage> {
        let mut r = UsageReader::new(Some(ct.as_bytes()), None);
        let (mut at, mut k) = (0, 0);
        while at < body.len() {
            let n = sizes[k % sizes.len()].clamp(1, body.len() - at);
            let c = &body[at..at + n];
            r.feed_end(n, &c[c.len().saturating_sub(r.wanted())..]);
            at += n;
            k += 1;
        }
        r.finish()
    }

    /// A Responses object as OpenAI writes it, `output` bytes of text in its output: after
    /// `usage` come `user` and the request's `metadata`, echoed; at its largest (16 pairs,
    /// keys of 64 and values of 512 characters, each character four bytes of UTF-8, or a
    /// `\u` escape pair of twelve bytes when `escaped`).
    fn responses_with_metadata(output: usize, escaped: bool) -> String {
        let ch = if escaped {
            r"\ud83d\ude00"
        } else {
            "\u{1F600}"
        };
        let pairs: Vec<String> = (0..16)
            .map(|i| format!(r#""{}{}":"{}""#, i % 10, ch.repeat(63), ch.repeat(512)))
            .collect();
        format!(
            r#"{{"id":"resp_1","object":"response","status":"completed","model":"gpt-4o","output":[{{"type":"message","content":[{{"type":"output_text","text":"{}","annotations":[]}}]}}],"usage":{{"input_tokens":36,"output_tokens":87,"total_tokens":123}},"user":"{}","metadata":{{{}}}}}"#,
            "x\\\"{".repeat(output / 4),
            ch.repeat(64),
            pairs.join(",")
        )
    }

    #[test]
    fn usage_before_the_longest_metadata_a_client_can_have_echoed_is_read() {
        // What follows `usage` in a Responses object is the client's to choose (its
        // `metadata` and `user`): the kept end must hold all of it, or a client hides its
        // usage, and its token charge, from the filter.
        let want = Some(u(36, Some(87), 123, None, None));
        for escaped in [false, true] {
            for output in [0, 50_000, 300_000] {
                let json = responses_with_metadata(output, escaped);
                assert!(serde_json::from_str::<Value>(&json).is_ok());
                let sse = format!(
                    "event: response.output_text.delta\ndata: {{\"type\":\"response.output_text.delta\",\"delta\":\"x\"}}\n\n\
                     event: response.completed\ndata: {{\"type\":\"response.completed\",\"response\":{json},\"sequence_number\":9}}\n\n"
                );
                for sizes in [&[json.len()][..], &[16_384], &[65_536], &[1000, 70_000, 3]] {
                    assert_eq!(
                        read_in_chunks("application/json", json.as_bytes(), sizes),
                        want
                    );
                    assert_eq!(
                        read_in_chunks("text/event-stream", sse.as_bytes(), sizes),
                        want
                    );
                }
            }
        }
    }

    #[test]
    fn usage_then_other_members_then_the_end() {
        // `usage` in the middle of the top-level object: what follows holds `usage` keys
        // deeper down, strings with brackets, quotes and backslashes, arrays of objects.
        let body = br#"{"id":"c","usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7},"x":{"usage":{"prompt_tokens":99}},"s":"}\"{\\","a":[{"usage":{"prompt_tokens":98}},"usage"],"response":{"id":"r"},"service_tier":"default"}"#;
        let want = Some(u(3, Some(4), 7, None, None));
        assert_eq!(read("application/json", body), want);
        for got in all_splits("application/json", body) {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn long_streams_in_chunks_of_any_size_give_the_usage_of_their_last_events() {
        // Chat completions with include_usage: many delta chunks, the usage chunk, [DONE];
        // the Responses API: deltas, then response.completed with a long output. Chunks of
        // every size, each handed over as the adapter does (its end only).
        let mut chat = String::new();
        let mut responses = String::new();
        for i in 0..3000 {
            chat.push_str(&format!(
                "data: {{\"id\":\"c\",\"choices\":[{{\"delta\":{{\"content\":\"w{i} \\\" }}\"}}}}],\"usage\":null}}\n\n"
            ));
            responses.push_str(&format!(
                "event: response.output_text.delta\r\ndata: {{\"type\":\"response.output_text.delta\",\"delta\":\"w{i} usage\"}}\r\n\r\n"
            ));
        }
        chat.push_str(CHAT_SSE);
        responses.push_str("event: response.completed\r\ndata: {\"type\":\"response.completed\",\"response\":{\"output\":[{\"text\":\"");
        responses.push_str(&"y \\\"}".repeat(60_000));
        responses.push_str("\"}],\"usage\":{\"input_tokens\":11,\"output_tokens\":22,\"total_tokens\":33},\"metadata\":{}},\"sequence_number\":9}\r\n\r\n");
        let mut r = ocf_devkit::corpus::Rng::new(9);
        for _ in 0..200 {
            let sizes: Vec<usize> = (0..8)
                .map(|_| match r.below(3) {
                    0 => r.range(1, 64),
                    1 => r.range(1, 20_000),
                    _ => r.range(1, 3 * TAIL_BYTES),
                })
                .collect();
            assert_eq!(
                read_in_chunks("text/event-stream", chat.as_bytes(), &sizes),
                Some(u(5, Some(2), 7, Some(1), None)),
                "{sizes:?}"
            );
            assert_eq!(
                read_in_chunks("text/event-stream", responses.as_bytes(), &sizes),
                Some(u(11, Some(22), 33, None, None)),
                "{sizes:?}"
            );
        }
    }

    #[test]
    fn garbage_finds_nothing() {
        let cases: &[&[u8]] = &[
            b"",
            b"not json",
            b"}}}]]]{{{",
            b"\"usage\":{\"prompt_tokens\":1}",
            b"[{\"usage\":{\"prompt_tokens\":1}}]",
            b"{\"a\":{\"usage\":{\"prompt_tokens\":1}}}",
            b"{\"usage\":{\"prompt_tokens\":\"1\"}}",
            &[0xff, 0xfe, b'{', 0x80],
        ];
        for c in cases {
            assert_eq!(read("application/json", c), None, "{c:?}");
            assert_eq!(read("text/event-stream", c), None, "{c:?}");
        }
        // Truncated usage object: nothing.
        assert_eq!(
            read("application/json", br#"{"usage":{"prompt_tokens":1,"#),
            None
        );
    }

    #[test]
    fn unfollowed_codings_or_other_types_are_not_read() {
        for coding in [&b"br"[..], b"zstd", b"gzip, br", b""] {
            let mut r = UsageReader::new(Some(b"application/json"), Some(coding));
            assert!(!r.reads());
            r.feed(CHAT_JSON.as_bytes());
            assert_eq!(r.finish(), None);
        }
        assert_eq!(read("text/plain", CHAT_JSON.as_bytes()), None);
        let mut r = UsageReader::new(None, None);
        r.feed(CHAT_JSON.as_bytes());
        assert_eq!(r.finish(), None);
        let mut r = UsageReader::new(Some(b"application/json"), Some(b" Identity "));
        r.feed(CHAT_JSON.as_bytes());
        assert!(r.finish().is_some());
    }

    #[test]
    fn gzip_and_deflate_bodies_are_read_through_their_coding() {
        use miniz_oxide::deflate::compress_to_vec_zlib;
        let gzip = crate::inflate::tests::gzip;
        for (ct, body) in [
            ("application/json", CHAT_JSON),
            ("application/json", RESPONSES_JSON),
            ("text/event-stream", CHAT_SSE),
            ("text/event-stream", RESPONSES_SSE),
        ] {
            let want = read(ct, body.as_bytes());
            assert!(want.is_some(), "{ct}");
            let coded = [
                ("gzip", gzip(body.as_bytes(), Some("r.json"), None, false)),
                ("x-gzip", gzip(body.as_bytes(), None, None, true)),
                ("deflate", compress_to_vec_zlib(body.as_bytes(), 6)),
            ];
            for (coding, bytes) in &coded {
                for chunk in [1, 3, 64, bytes.len()] {
                    let mut r = UsageReader::new(Some(ct.as_bytes()), Some(coding.as_bytes()));
                    assert!(r.reads());
                    for c in bytes.chunks(chunk) {
                        r.feed(c);
                    }
                    assert_eq!(r.finish(), want, "{ct} {coding} chunk {chunk}");
                }
            }
        }
    }

    #[test]
    fn a_body_that_does_not_inflate_stops_being_read() {
        let mut r = UsageReader::new(Some(b"application/json"), Some(b"gzip"));
        // Plain JSON labelled gzip: no usage, and no more copies asked for.
        r.feed(CHAT_JSON.as_bytes());
        assert!(!r.reads());
        assert_eq!(r.finish(), None);
    }

    #[test]
    fn huge_responses_stay_bounded() {
        // 8 MiB of embedding numbers and deep nesting before the usage.
        let mut body = String::from(r#"{"data":[{"embedding":["#);
        while body.len() < 8 << 20 {
            body.push_str("0.0123456789,");
        }
        body.push_str("0]}],\"deep\":");
        body.push_str(&"[".repeat(100_000));
        body.push_str(&"]".repeat(100_000));
        body.push_str(r#","usage":{"prompt_tokens":8,"total_tokens":8}}"#);
        let mut r = UsageReader::new(Some(b"application/json"), None);
        for c in body.as_bytes().chunks(65_536) {
            r.feed(c);
            if let Scan::Json(t) = &r.scan {
                assert!(t.buf.len() <= TAIL_BYTES && t.buf.capacity() <= TAIL_BYTES);
            }
        }
        assert_eq!(r.finish(), Some(u(8, None, 8, None, None)));
        // An oversized usage object is dropped, not buffered.
        let big = format!(
            r#"{{"usage":{{"prompt_tokens":1,"pad":"{}"}}}}"#,
            "x".repeat(MAX_USAGE_BYTES)
        );
        assert_eq!(read("application/json", big.as_bytes()), None);
        // A huge SSE event (long output in response.completed) is never buffered.
        let mut sse =
            String::from("data: {\"type\":\"response.completed\",\"response\":{\"output\":\"");
        sse.push_str(&"y".repeat(1 << 20));
        sse.push_str(
            "\",\"usage\":{\"input_tokens\":2,\"output_tokens\":3,\"total_tokens\":5}}}\n\n",
        );
        assert_eq!(
            read("text/event-stream", sse.as_bytes()),
            Some(u(2, Some(3), 5, None, None))
        );
    }

    #[test]
    fn keys_with_escapes_and_long_keys_do_not_confuse_the_reader() {
        let body = br#"{"a\"b":"x","averyveryverylongkeyname":{"usage":{"prompt_tokens":9}},"usage":{"prompt_tokens":2}}"#;
        assert_eq!(
            read("application/json", body),
            Some(Usage {
                prompt_tokens: Some(2),
                ..Usage::default()
            })
        );
    }
}
