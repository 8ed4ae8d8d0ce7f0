//! Pseudonyms restored in replies: the placeholders a request's `pseudonymize` rules minted
//! (with `restore` on) are written back as their values in the reply the application gets,
//! so it sees its own data while OpenAI never does.
//!
//! - [`table`]: the request's placeholders and values, bounded, never logged;
//! - [`json`]: a JSON body restored as it streams past (values escaped for their string, twice
//!   inside tool-call arguments);
//! - [`sse`]: an SSE stream restored event by event, placeholders cut across events included.
//!
//! A `gzip` or `deflate` reply is inflated and sent on without its coding (the adapter drops
//! `Content-Encoding` and `Content-Length`). Only exact placeholders this request minted are
//! restored: never a fuzzy match, never one of another request.

pub mod json;
pub mod sse;
pub mod table;

pub use table::{Minted, Table, MAX_MINTED, MAX_MINTED_BYTES, MAX_PLACEHOLDER};

use crate::coding::{reply_coding, Coding};
use crate::inflate::Inflater;
use json::{JsonRestorer, NestedKeys};
use sse::SseRestorer;

/// The first byte at or after `i` that is `x` or `y`, or the length; eight bytes at a time.
pub(crate) fn find2(b: &[u8], mut i: usize, x: u8, y: u8) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let zero = |v: u64| v.wrapping_sub(LO) & !v & HI;
    while let Some(chunk) = b.get(i..i + 8) {
        let v = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        if zero(v ^ (LO * u64::from(x))) | zero(v ^ (LO * u64::from(y))) != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == x || c == y {
            break;
        }
        i += 1;
    }
    i
}

/// The shape of the reply body.
#[derive(Debug)]
enum Body {
    Json(JsonRestorer),
    Sse(SseRestorer),
}

/// One reply's restorer.
#[derive(Debug)]
pub struct Restorer {
    table: Table,
    body: Body,
    inflater: Option<Inflater>,
    /// Restorations per category (indexed like [`Table::categories`]).
    counts: Vec<u32>,
}

/// The media type of a `Content-Type` value, lower-cased, without parameters.
fn essence(content_type: &[u8]) -> Vec<u8> {
    let end = content_type
        .iter()
        .position(|&b| b == b';')
        .unwrap_or(content_type.len());
    content_type
        .get(..end)
        .unwrap_or_default()
        .trim_ascii()
        .to_ascii_lowercase()
}

impl Restorer {
    /// A restorer for a reply with this `Content-Type` and `Content-Encoding`, or `None` when
    /// it cannot be restored (neither JSON nor SSE, or a coding the filter cannot read).
    pub fn new(
        table: Table,
        content_type: Option<&[u8]>,
        content_encoding: Option<&[u8]>,
    ) -> Option<Self> {
        let coding = content_encoding.map_or(Some(Coding::Identity), reply_coding)?;
        let kind = essence(content_type?);
        let body = if kind == b"text/event-stream" {
            Body::Sse(SseRestorer::default())
        } else if kind == b"application/json" || kind.ends_with(b"+json") {
            Body::Json(JsonRestorer::new(NestedKeys::Arguments))
        } else {
            return None;
        };
        let inflater = (coding != Coding::Identity).then(|| Inflater::new(coding));
        let counts = vec![0; table.categories().len()];
        Some(Self {
            table,
            body,
            inflater,
            counts,
        })
    }

    /// Is the reply's coding undone (its `Content-Encoding` must go)?
    pub fn decodes(&self) -> bool {
        self.inflater.is_some()
    }

    /// The next chunk as it came from upstream: what the client can have now is appended to
    /// `out` (without the coding).
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let Self {
            table,
            body,
            inflater,
            counts,
        } = self;
        let mut restore = |plain: &[u8]| match body {
            Body::Json(j) => j.feed(table, plain, out, counts),
            Body::Sse(s) => s.feed(table, plain, out, counts),
        };
        match inflater {
            Some(inf) => inf.feed(chunk, &mut restore),
            None => restore(chunk),
        }
    }

    /// Does this chunk go on exactly as it came (an identity SSE stream's chunk of whole
    /// events that cannot hold a placeholder)? Then it is not to be fed.
    pub fn passes(&mut self, chunk: &[u8]) -> bool {
        match &mut self.body {
            Body::Sse(s) if self.inflater.is_none() => s.passes(chunk),
            _ => false,
        }
    }

    /// The reply is over: whatever is still held goes to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match &mut self.body {
            Body::Json(j) => j.finish(out),
            Body::Sse(s) => s.finish(&self.table, out, &mut self.counts),
        }
    }

    /// Restorations per category (categories with none left out).
    pub fn restored(&self) -> impl Iterator<Item = (&str, u32)> {
        self.table
            .categories()
            .iter()
            .zip(&self.counts)
            .filter(|(_, n)| **n > 0)
            .map(|(c, n)| (&**c, *n))
    }
}
