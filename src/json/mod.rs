//! A strict JSON parser that keeps byte spans, so that redaction can splice into the original
//! body and everything it does not touch (numbers, key order, whitespace, unknown fields)
//! reaches the upstream byte for byte.
//!
//! Strict means RFC 8259 and nothing more: no comments, trailing commas, `NaN`, BOM, lone
//! surrogates or trailing data. Two rules go beyond the RFC because a filter must inspect
//! exactly what the upstream will read: duplicate keys in one object are an error (OpenAI's
//! parser keeps the last one, a filter could inspect another), and nesting deeper than
//! [`Limits::max_depth`] is an error (bounded recursion: a stack overflow in wasm is a dead VM).

mod escape;
mod parse;

pub(crate) use escape::hex4;
pub use escape::{decode_into, decode_str, escape_into, splice_raw};
pub use parse::parse;

use std::borrow::Cow;

/// A byte range in the parsed source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// Start (inclusive).
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
}

impl Span {
    /// The spanned text (empty if out of range, which a parsed span never is).
    pub fn of<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start..self.end).unwrap_or("")
    }
}

/// A string token: the span of its raw contents (inside the quotes) and whether it holds
/// escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Str {
    /// Raw contents, without the quotes.
    pub span: Span,
    /// True if the raw contents hold at least one `\` escape.
    pub escaped: bool,
}

impl Str {
    /// The decoded value (borrowed when there are no escapes).
    pub fn decode<'a>(&self, src: &'a str) -> Cow<'a, str> {
        let raw = self.span.of(src);
        if self.escaped {
            Cow::Owned(decode_str(raw))
        } else {
            Cow::Borrowed(raw)
        }
    }

    /// Appends the decoded value to `out`.
    pub fn decode_into(&self, src: &str, out: &mut String) {
        let raw = self.span.of(src);
        if self.escaped {
            decode_into(raw, out);
        } else {
            out.push_str(raw);
        }
    }

    /// True if the decoded value equals `s` (cheap when there are no escapes).
    pub fn eq_str(&self, src: &str, s: &str) -> bool {
        if self.escaped {
            self.decode(src) == s
        } else {
            self.span.of(src) == s
        }
    }
}

/// A parsed JSON value with spans into the source.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, kept as its literal span: never converted through `f64`.
    Number(Span),
    /// A string.
    String(Str),
    /// An array.
    Array(Vec<Value>),
    /// An object, members in source order (keys are unique).
    Object(Vec<Member>),
}

/// One object member.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    /// The key.
    pub key: Str,
    /// The value.
    pub value: Value,
}

impl Value {
    /// The member `key` of an object.
    pub fn get(&self, src: &str, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members
                .iter()
                .find(|m| m.key.eq_str(src, key))
                .map(|m| &m.value),
            _ => None,
        }
    }

    /// The decoded string, if this is a string.
    pub fn as_str<'a>(&self, src: &'a str) -> Option<Cow<'a, str>> {
        match self {
            Value::String(s) => Some(s.decode(src)),
            _ => None,
        }
    }
}

/// Parser limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of arrays and objects accepted (default 64).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_depth: 64 }
    }
}

/// Why a document was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonErrorKind {
    /// Not JSON (includes comments, trailing commas, `NaN`, a BOM, empty input).
    Syntax,
    /// Nesting deeper than the limit.
    TooDeep,
    /// The same key twice in one object.
    DuplicateKey,
    /// A `\u` escape that encodes half a surrogate pair.
    LoneSurrogate,
    /// Anything after the top-level value but whitespace.
    TrailingData,
}

impl JsonErrorKind {
    /// Stable reason code.
    pub fn code(self) -> &'static str {
        match self {
            JsonErrorKind::Syntax => "invalid_json",
            JsonErrorKind::TooDeep => "json_too_deep",
            JsonErrorKind::DuplicateKey => "duplicate_json_key",
            JsonErrorKind::LoneSurrogate => "invalid_json",
            JsonErrorKind::TrailingData => "invalid_json",
        }
    }
}

/// A parse error: what and where (byte offset). Never holds the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    /// What went wrong.
    pub kind: JsonErrorKind,
    /// Byte offset where it was noticed.
    pub offset: usize,
}
