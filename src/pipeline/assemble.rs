//! Step 1, assemble the texts: the body parsed (UTF-8, strict JSON, the endpoint's shape),
//! walked, and every JSON document inside its strings walked too (bounded); then the plan of
//! what the scan reads: each string on its own, a caller's member name with each of its string
//! values, and the joins of adjacent message texts.
//!
//! Nothing is joined but two message texts ([`Joint`]): adjacent text parts of one message
//! (with nothing between them) and the end and start of two consecutive messages of one role
//! (with a space). An `image_url`, a `file_id`, `file_data`, a caller's name or any other
//! string beside a text is never read together with it.

use std::borrow::Cow;
use std::ops::Range;

use super::DocumentKind;
use crate::json::{self, JsonErrorKind, Limits, Span, Str, Value};
use crate::openai::surface::{Body, Shape};
use crate::openai::walker::{walk_with, Joint, Turn, Walk};
use crate::openai::{Endpoint, Unscannable};
use crate::reason::Reason;

/// JSON strings nested inside JSON strings are decoded at most this deep.
const MAX_EMBEDDED_JSON: u8 = 2;

/// The body as UTF-8 text and its parse, if it is JSON of `shape`.
pub(super) fn parse(body: &[u8], shape: Shape) -> Result<(&str, Value), Reason> {
    let src = std::str::from_utf8(body).map_err(|_| Reason::InvalidJson)?;
    let root = json::parse(src, &Limits::default()).map_err(|e| json_reason(e.kind))?;
    if !shape_ok(src, &root, shape) {
        return Err(Reason::InvalidBody);
    }
    Ok((src, root))
}

fn json_reason(kind: JsonErrorKind) -> Reason {
    match kind {
        JsonErrorKind::TooDeep => Reason::JsonTooDeep,
        JsonErrorKind::DuplicateKey => Reason::DuplicateJsonKey,
        JsonErrorKind::Syntax | JsonErrorKind::LoneSurrogate | JsonErrorKind::TrailingData => {
            Reason::InvalidJson
        }
    }
}

/// The shape a JSON body of `endpoint` must have: its operation's (an update is judged by its
/// own shape, not by its API's create request), else any object.
pub(crate) fn shape_of(endpoint: &Endpoint) -> Shape {
    endpoint
        .body()
        .and_then(Body::json)
        .unwrap_or(Shape::Object)
}

/// The top level is an object, and the field that carries the operation's text has a type
/// the operation takes.
pub(crate) fn shape_ok(src: &str, root: &Value, shape: Shape) -> bool {
    if !matches!(root, Value::Object(_)) {
        return false;
    }
    let text_or_list = |k: &str, required: bool| match root.get(src, k) {
        None => !required,
        Some(Value::String(_) | Value::Array(_)) => true,
        Some(_) => false,
    };
    match shape {
        Shape::Chat => matches!(root.get(src, "messages"), Some(Value::Array(_))),
        Shape::Responses => text_or_list("input", false),
        Shape::Completions => text_or_list("prompt", false),
        Shape::Embeddings | Shape::Moderations => text_or_list("input", true),
        Shape::Object => true,
    }
}

/// One JSON document: the body (index 0) or a JSON text found inside a string of a parent.
pub(super) struct Doc<'a> {
    /// The body itself (borrowed) or a JSON text decoded from a string of a parent.
    pub text: Cow<'a, str>,
    /// (parent doc, span of the string in the parent that holds this document).
    pub parent: Option<(usize, Span)>,
    pub walk: Walk,
    /// Indices into `walk.texts` that hold an embedded document (not scanned as text), sorted.
    containers: Vec<usize>,
}

/// The body and the documents inside its strings.
#[derive(Default)]
pub(super) struct Docs<'a> {
    pub docs: Vec<Doc<'a>>,
    /// What was not scanned: `data:` URLs and base64 blobs, token ids.
    pub unscannable: Unscannable,
    /// The top-level identifier members of the operation (sent as they are).
    ids: &'static [&'static str],
    /// What the first document is (documents inside its strings are free-form).
    kind: DocumentKind,
}

impl<'a> Docs<'a> {
    /// The body `src` (parsed: `root`) of kind `kind`, and the documents inside its strings;
    /// `ids`: the operation's top-level identifier members, sent as they are.
    pub fn assemble(
        src: &'a str,
        root: &Value,
        kind: DocumentKind,
        ids: &'static [&'static str],
    ) -> Self {
        let mut docs = Docs {
            kind,
            ids,
            ..Docs::default()
        };
        docs.add(Cow::Borrowed(src), None, root, 0, &Limits::default());
        docs
    }

    /// Adds a document and, recursively (bounded), the JSON documents inside its strings.
    fn add(
        &mut self,
        text: Cow<'a, str>,
        parent: Option<(usize, Span)>,
        root: &Value,
        nesting: u8,
        limits: &Limits,
    ) {
        let mut w = Walk::default();
        // JSON inside a string is no API request: its `id` or `type` may hold anything.
        let api_keys = self.kind == DocumentKind::Request && nesting == 0;
        walk_with(&text, root, api_keys, self.ids, &mut w);
        self.unscannable.add(&w.unscannable);
        let index = self.docs.len();
        let mut embedded: Vec<(usize, String, Value)> = Vec::new();
        if nesting < MAX_EMBEDDED_JSON {
            for (i, seg) in w.texts.iter().enumerate() {
                // A member name that reads as JSON is scanned as text: as a document of its
                // own, a rewrite of it (`["[EMAIL]"]`) could repeat another name unnoticed.
                if seg.key || !may_hold_json(seg.str.span.of(&text)) {
                    continue;
                }
                let decoded = seg.str.decode(&text);
                if let Ok(v) = json::parse(&decoded, limits) {
                    embedded.push((i, decoded.into_owned(), v));
                }
            }
        }
        let containers = embedded.iter().map(|(i, _, _)| *i).collect();
        let spans: Vec<Span> = embedded
            .iter()
            .filter_map(|(i, _, _)| w.texts.get(*i).map(|s| s.str.span))
            .collect();
        self.docs.push(Doc {
            text,
            parent,
            walk: w,
            containers,
        });
        for ((_, inner, v), span) in embedded.into_iter().zip(spans) {
            self.add(
                Cow::Owned(inner),
                Some((index, span)),
                &v,
                nesting + 1,
                limits,
            );
        }
    }
}

/// Whether the raw contents of a string start, after whitespace, with `{` or `[`, either raw
/// or as an escape (`\n`, `\u0020`, `\u007b`): only those are parsed as embedded JSON. A brace
/// hidden behind an escape is the same JSON once decoded (and after a rewrite, which keeps
/// the client's escapes outside its edits), so it is treated the same.
fn may_hold_json(raw: &str) -> bool {
    let mut i = 0;
    loop {
        let rest = raw.as_bytes().get(i..).unwrap_or(&[]);
        match rest {
            [b' ' | b'\t' | b'\n' | b'\r', ..] => i += 1,
            [b'\\', b'n' | b'r' | b't', ..] => i += 2,
            [b'\\', b'u', ..] => match json::hex4(raw, i + 2) {
                Some(0x20 | 0x09 | 0x0A | 0x0D) => i += 6,
                Some(0x7B | 0x5B) => return true,
                _ => return false,
            },
            [b'{' | b'[', ..] => return true,
            _ => return false,
        }
    }
}

/// One string the scan reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Scanned {
    /// The document that holds it.
    pub doc: usize,
    /// The string token.
    pub str: Str,
    /// A member name (not a value).
    pub key: bool,
    /// A value scanned with its member name (`ssn: 536225921`): the name, an index into
    /// [`Plan::strings`]. The name's other values follow it in the list.
    pub name: Option<usize>,
    /// A message text that is an opaque blob: read only across the joins of its run.
    pub blob: bool,
    /// Where its decoded text is in [`Plan::decoded`] (a string with no escape is read
    /// where it is).
    decoded: Option<Span>,
}

/// Two message texts a value may be split across: the second continues the first, with
/// `sep` between them in the text the model reads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Join {
    pub first: usize,
    pub second: usize,
    pub sep: &'static str,
}

/// What the scan reads.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Every string scanned as text, in document order (JSON inside a string is scanned as
    /// the strings of its document instead).
    pub strings: Vec<Scanned>,
    /// Adjacent message texts, in document order.
    pub joins: Vec<Join>,
    /// The strings that hold escapes, decoded once, one after the other.
    decoded: String,
}

impl Plan {
    /// The plan of `docs`.
    pub fn of(docs: &Docs) -> Self {
        let mut plan = Plan::default();
        // The decoded strings take at most their raw bytes: one allocation.
        let escaped = |doc: &Doc| -> usize {
            let raw = doc.walk.texts.iter().filter(|s| s.str.escaped);
            raw.map(|s| s.str.span.end - s.str.span.start).sum()
        };
        plan.decoded
            .reserve(docs.docs.iter().map(escaped).sum::<usize>());
        for (d, doc) in docs.docs.iter().enumerate() {
            // `containers` is sorted (pushed in text order): a linear `contains` here made a
            // body of many small JSON-in-string values quadratic.
            let scanned = |i: usize| doc.containers.binary_search(&i).is_err();
            let mut name = None;
            let mut last: Option<(usize, Turn)> = None;
            for (i, seg) in doc.walk.texts.iter().enumerate() {
                // A caller's name, then its string values (the walker keeps them together).
                if seg.key {
                    name = Some(plan.strings.len());
                } else if !seg.named {
                    name = None;
                }
                if !scanned(i) {
                    continue;
                }
                let at = plan.strings.len();
                let decoded = seg.str.escaped.then(|| {
                    let start = plan.decoded.len();
                    seg.str.decode_into(&doc.text, &mut plan.decoded);
                    Span {
                        start,
                        end: plan.decoded.len(),
                    }
                });
                plan.strings.push(Scanned {
                    doc: d,
                    str: seg.str,
                    key: seg.key,
                    name: name.filter(|_| seg.named),
                    blob: seg.blob,
                    decoded,
                });
                let Some(turn) = seg.turn else {
                    continue;
                };
                if let Some((before, prev)) = last {
                    let sep = match prev.continued_by(&turn, &doc.text) {
                        Joint::Parts => Some(""),
                        Joint::Messages => Some(" "),
                        Joint::None => None,
                    };
                    if let Some(sep) = sep {
                        plan.joins.push(Join {
                            first: before,
                            second: at,
                            sep,
                        });
                    }
                }
                last = Some((at, turn));
            }
        }
        plan
    }

    /// The decoded text of string `i` (of `docs`, the documents the plan was made of).
    #[inline]
    pub fn text<'a>(&'a self, i: usize, docs: &'a Docs) -> &'a str {
        match self.strings.get(i) {
            Some(Scanned {
                decoded: Some(span),
                ..
            }) => span.of(&self.decoded),
            Some(s) => docs.docs.get(s.doc).map_or("", |d| s.str.span.of(&d.text)),
            None => "",
        }
    }

    /// The values scanned with name `i` (empty unless `i` is a name with string values).
    pub fn values_of(&self, i: usize) -> Range<usize> {
        let start = i + 1;
        let len = self
            .strings
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|s| s.name == Some(i))
            .count();
        start..start + len
    }
}
