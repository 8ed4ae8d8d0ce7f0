//! Token usage read from OpenAI responses as they stream past: JSON bodies (chat completions,
//! completions, Responses, embeddings) and SSE streams (the final usage chunk of chat
//! completions with `stream_options.include_usage`, the `response.completed` event of the
//! Responses API), in bounded memory.
//!
//! Nothing is buffered but the `usage` object itself: a byte-level JSON scanner tracks strings,
//! nesting and the keys of the top two levels, and copies only the value of a top-level
//! `usage` key (or of `response.usage`) — at most [`MAX_USAGE_BYTES`]. The SSE layer feeds it
//! the `data:` lines of each event, one event at a time. Events and values split across
//! chunks at any byte are handled by construction; a body the scanner cannot make sense of
//! yields no usage, and the response itself is never touched.

use crate::coding::{reply_coding, Coding};
use crate::inflate::Inflater;
use crate::json::skip_plain;
use serde::Serialize;
use serde_json::Value;

/// Largest `usage` object copied for parsing; a larger one is ignored.
pub const MAX_USAGE_BYTES: usize = 4096;
/// Longest object key (at the top two levels) or SSE field name looked at.
const MAX_KEY: usize = 16;
/// Levels whose container kind is remembered (deeper levels never hold keys of interest).
const TRACKED_LEVELS: u32 = 64;

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

/// The run of bytes before the first `a` or `b` in `bytes`, and the rest; `None` when the
/// run is empty.
fn run_before(bytes: &[u8], a: u8, b: u8) -> Option<(&[u8], &[u8])> {
    let run = bytes
        .iter()
        .position(|&c| c == a || c == b)
        .unwrap_or(bytes.len());
    (run > 0).then(|| bytes.split_at(run))
}

/// Does `c` end a run outside a JSON string (`"` or a structural character)?
fn stops_outside(c: u8) -> bool {
    matches!(c, b'"' | b'{' | b'}' | b'[' | b']' | b',' | b':')
}

/// An object key or SSE field name being read, kept in place (no allocation): up to
/// [`MAX_KEY`] bytes; a longer one is marked and equals no name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct ShortName {
    bytes: [u8; MAX_KEY],
    len: u8,
    overlong: bool,
}

impl ShortName {
    fn of(b: u8) -> Self {
        let mut n = Self::default();
        n.push(b);
        n
    }

    /// Appends `b`; `false` (and the name marked overlong) when it is already full.
    fn push(&mut self, b: u8) -> bool {
        match self.bytes.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = b;
                self.len += 1;
                true
            }
            None => {
                self.overlong = true;
                false
            }
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if !self.push(b) {
                break;
            }
        }
    }

    fn is(&self, name: &[u8]) -> bool {
        !self.overlong && self.bytes.get(..usize::from(self.len)) == Some(name)
    }
}

/// Where a key sits, as far as usage is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Other,
    Usage,
    Response,
}

/// A streaming JSON scanner that keeps the last `usage` object at the top level or under a
/// top-level `response`. Garbage never makes it fail; it only finds nothing.
#[derive(Debug, Default)]
struct JsonScan {
    depth: u32,
    /// Bit `n`: the container at level `n + 1` is an object.
    objects: u64,
    in_string: bool,
    escape: bool,
    want_key: bool,
    /// The key being read (top two levels only); `None` when not reading a key.
    key: Option<ShortName>,
    /// The last key read at level 1 and level 2.
    keys: [Option<Key>; 2],
    /// After `"usage":` at a wanted place: the next value is copied if it is an object.
    pending: bool,
    /// The `usage` object being copied, and the level it sits in.
    capture: Option<(Vec<u8>, u32)>,
    found: Option<Usage>,
}

impl JsonScan {
    fn is_object(&self, level: u32) -> bool {
        (1..=TRACKED_LEVELS).contains(&level) && self.objects & (1u64 << (level - 1)) != 0
    }

    fn set_object(&mut self, level: u32, object: bool) {
        if (1..=TRACKED_LEVELS).contains(&level) {
            let bit = 1u64 << (level - 1);
            if object {
                self.objects |= bit;
            } else {
                self.objects &= !bit;
            }
        }
    }

    fn key_slot(&mut self, level: u32) -> Option<&mut Option<Key>> {
        match level {
            1 => self.keys.get_mut(0),
            2 => self.keys.get_mut(1),
            _ => None,
        }
    }

    /// Is a value at the current level, under the key just read, a usage object we want?
    fn at_usage(&self) -> bool {
        match (self.depth, self.keys) {
            (1, [Some(Key::Usage), _]) => true,
            (2, [Some(Key::Response), Some(Key::Usage)]) => self.is_object(1),
            _ => false,
        }
    }

    fn feed(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some((&b, tail)) = rest.split_first() {
            // Runs that only `byte` would walk one by one are taken at once, with the same
            // effect on the state.
            let run = if self.in_string && !self.escape {
                // Inside a string only `"` and `\` matter (a control byte ends the run too).
                skip_plain(rest, 0)
            } else if !self.in_string && self.capture.is_none() {
                // Outside a string, numbers, literals and blanks only clear `pending` and
                // `want_key` (blanks not even that).
                rest.iter()
                    .position(|&c| stops_outside(c))
                    .unwrap_or(rest.len())
            } else {
                0
            };
            if run > 0 {
                let (bytes, after) = rest.split_at(run.min(rest.len()));
                if self.in_string {
                    self.string_bytes(bytes);
                } else if bytes.iter().any(|c| !c.is_ascii_whitespace()) {
                    self.pending = false;
                    self.want_key = false;
                }
                rest = after;
                continue;
            }
            self.byte(b);
            rest = tail;
        }
    }

    /// Bytes inside a string that are neither `"` nor `\`: added to the key being read, and
    /// copied when capturing (the capture dropped once it would exceed [`MAX_USAGE_BYTES`], as
    /// `byte` does).
    fn string_bytes(&mut self, bytes: &[u8]) {
        if let Some(k) = self.key.as_mut() {
            k.extend(bytes);
        }
        if let Some((buf, _)) = self.capture.as_mut() {
            if buf.len().saturating_add(bytes.len()) <= MAX_USAGE_BYTES {
                buf.extend_from_slice(bytes);
            } else {
                self.capture = None;
            }
        }
    }

    fn byte(&mut self, b: u8) {
        if let Some((buf, _)) = self.capture.as_mut() {
            if buf.len() >= MAX_USAGE_BYTES {
                self.capture = None;
            } else {
                buf.push(b);
            }
        }
        if self.in_string {
            if self.escape {
                self.escape = false;
            } else if b == b'\\' {
                self.escape = true;
            } else if b == b'"' {
                self.in_string = false;
                if let Some(k) = self.key.take() {
                    let kind = if k.is(b"usage") {
                        Key::Usage
                    } else if k.is(b"response") {
                        Key::Response
                    } else {
                        Key::Other
                    };
                    let level = self.depth;
                    if let Some(slot) = self.key_slot(level) {
                        *slot = Some(kind);
                    }
                    if level == 1 {
                        if let Some(slot) = self.keys.get_mut(1) {
                            *slot = None;
                        }
                    }
                }
                return;
            }
            if let Some(k) = self.key.as_mut() {
                k.push(b);
            }
            return;
        }
        if b.is_ascii_whitespace() {
            return;
        }
        let pending = std::mem::take(&mut self.pending);
        match b {
            b'"' => {
                self.in_string = true;
                let is_key = self.want_key && self.is_object(self.depth) && self.depth <= 2;
                self.key = is_key.then(ShortName::default);
                self.want_key = false;
            }
            b'{' | b'[' => {
                if pending && b == b'{' && self.capture.is_none() {
                    self.capture = Some((vec![b'{'], self.depth));
                }
                self.depth = self.depth.saturating_add(1);
                self.set_object(self.depth, b == b'{');
                self.want_key = b == b'{';
                if let Some(slot) = self.key_slot(self.depth) {
                    *slot = None;
                }
            }
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                self.want_key = false;
                if self.capture.as_ref().is_some_and(|(_, d)| *d == self.depth) {
                    if let Some((buf, _)) = self.capture.take() {
                        if let Some(u) = Usage::from_slice(&buf) {
                            self.found = Some(u);
                        }
                    }
                }
            }
            b',' => self.want_key = self.is_object(self.depth),
            b':' => {
                self.want_key = false;
                self.pending = self.at_usage();
            }
            _ => self.want_key = false,
        }
    }
}

/// Where the SSE line reader is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
enum Line {
    /// At the start of a line.
    #[default]
    Start,
    /// Reading a field name.
    Field(ShortName),
    /// Just after `data:` (one optional space is dropped).
    DataStart,
    /// In a `data:` value: bytes go to the JSON scanner.
    Data,
    /// In a comment or a field we ignore.
    Skip,
}

/// An SSE stream: each event's `data:` lines form one JSON document.
#[derive(Debug, Default)]
struct SseScan {
    line: Line,
    after_cr: bool,
    event: JsonScan,
    found: Option<Usage>,
}

impl SseScan {
    fn feed(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some((&b, tail)) = rest.split_first() {
            let data = self.line == Line::Data;
            if (data || self.line == Line::Skip) && !self.after_cr {
                // In a `data:` value or an ignored line only a line end matters: take the run
                // before the next one at once (what `byte` would do to each of its bytes).
                if let Some((bytes, after)) = run_before(rest, b'\n', b'\r') {
                    if data {
                        self.event.feed(bytes);
                    }
                    rest = after;
                    continue;
                }
            }
            self.byte(b);
            rest = tail;
        }
    }

    fn dispatch(&mut self) {
        let event = std::mem::take(&mut self.event);
        if let Some(u) = event.found {
            self.found = Some(u);
        }
    }

    fn byte(&mut self, b: u8) {
        if std::mem::take(&mut self.after_cr) && b == b'\n' {
            return;
        }
        if b == b'\n' || b == b'\r' {
            self.after_cr = b == b'\r';
            match std::mem::take(&mut self.line) {
                Line::Start => self.dispatch(),
                Line::Data | Line::DataStart => self.event.byte(b'\n'),
                Line::Field(_) | Line::Skip => {}
            }
            return;
        }
        self.line = match std::mem::take(&mut self.line) {
            Line::Start if b == b':' => Line::Skip,
            Line::Start => Line::Field(ShortName::of(b)),
            Line::Field(name) if b == b':' => {
                if name.is(b"data") {
                    Line::DataStart
                } else {
                    Line::Skip
                }
            }
            Line::Field(mut name) => {
                if name.push(b) {
                    Line::Field(name)
                } else {
                    Line::Skip
                }
            }
            Line::DataStart if b == b' ' => Line::Data,
            Line::DataStart | Line::Data => {
                self.event.byte(b);
                Line::Data
            }
            Line::Skip => Line::Skip,
        };
    }

    fn finish(&mut self) {
        self.dispatch();
    }
}

/// The shape of a response body, from its headers.
#[derive(Debug)]
enum Scan {
    Json(JsonScan),
    Sse(SseScan),
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
    fn feed(&mut self, chunk: &[u8]) {
        match self {
            Scan::Json(s) => s.feed(chunk),
            Scan::Sse(s) => s.feed(chunk),
            Scan::Unknown => {}
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
            Scan::Sse(SseScan::default())
        } else if essence == b"application/json" || essence.ends_with(b"+json") {
            Scan::Json(JsonScan::default())
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

    /// Feeds the next chunk of the body (as it travels: still compressed, if it is).
    pub fn feed(&mut self, chunk: &[u8]) {
        let Self { scan, inflater } = self;
        match inflater {
            Some(inf) => {
                inf.feed(chunk, &mut |plain| scan.feed(plain));
                if inf.failed() {
                    *scan = Scan::Unknown;
                }
            }
            None => scan.feed(chunk),
        }
    }

    /// The body is over: the usage it reported, if any.
    pub fn finish(&mut self) -> Option<Usage> {
        match &mut self.scan {
            Scan::Json(s) => s.found,
            Scan::Sse(s) => {
                s.finish();
                s.found
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
    fn runs_taken_at_once_leave_the_state_byte_by_byte_would() {
        // Pieces that move the scanner: structure, keys of interest, escapes, blanks, numbers.
        const PIECES: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b":",
            b",",
            b"\"",
            b"\\",
            b" ",
            b"\n",
            b"12.5",
            b"true",
            b"\"usage\"",
            b"\"response\"",
            b"\"prompt_tokens\"",
            b"usage",
            b"x\\u00e9",
            b"\x01",
            b"\xc3\xa9",
            b"{\"usage\":{\"total_tokens\":3}}",
        ];
        let mut r = ocf_devkit::corpus::Rng::new(4);
        for _ in 0..20_000 {
            let n = r.below(40);
            let doc: Vec<u8> = (0..n)
                .flat_map(|_| PIECES[r.below(PIECES.len())].iter().copied())
                .collect();
            let mut by_run = JsonScan::default();
            by_run.feed(&doc);
            let mut by_byte = JsonScan::default();
            for &b in &doc {
                by_byte.byte(b);
            }
            assert_eq!(format!("{by_run:?}"), format!("{by_byte:?}"), "{doc:?}");
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
            if let Scan::Json(s) = &r.scan {
                assert!(s.capture.as_ref().map_or(0, |(b, _)| b.len()) <= MAX_USAGE_BYTES);
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
    fn keys_with_escapes_and_long_keys_do_not_confuse_the_scanner() {
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
