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
