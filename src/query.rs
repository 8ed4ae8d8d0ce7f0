//! The query string of a request (`GET /v1/chat/completions?metadata[owner]=jane@...`): every
//! parameter's name and value is decoded and inspected like a body's strings, with the same
//! detectors, actions and settling rounds. A changed parameter is percent-encoded again; the
//! others stay byte for byte as sent.

use crate::config::{ActionTable, Policy};
use crate::json::escape_into;
use crate::pipeline::{
    document_endpoint, inspect_document, BodyOutcome, DocumentKind, FindingCounts, Verdict,
};
use crate::policy::Reason;
use crate::redact::Renderer;

/// What the query string's inspection decided.
#[derive(Debug)]
pub struct QueryOutcome {
    /// What to do: forward, deny, or `Rewrite` with the new path (query included).
    pub verdict: Verdict,
    /// Findings.
    pub counts: FindingCounts,
}

/// Inspects the query of `path` (the `:path` header as sent); `None` when there is none.
pub fn inspect_query(policy: &Policy, actions: &ActionTable, path: &str) -> Option<QueryOutcome> {
    let (base, query) = path.split_once('?')?;
    if query.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    for raw in query.split('&') {
        let (name, value) = raw.split_once('=').unwrap_or((raw, ""));
        let (Some(name), Some(value)) = (decode(name), decode(value)) else {
            // Bytes that are no text cannot be inspected: refused, never forwarded unread.
            return Some(QueryOutcome::deny(Reason::InvalidPath));
        };
        params.push(Param { raw, name, value });
    }
    // One free-form JSON document, `{"query":[["name","value"],...]}`: the pipeline's walk,
    // scan, rounds and counts, unchanged.
    let mut doc = String::from("{\"query\":[");
    for (i, p) in params.iter().enumerate() {
        if i > 0 {
            doc.push(',');
        }
        doc.push_str("[\"");
        escape_into(&p.name, &mut doc);
        doc.push_str("\",\"");
        escape_into(&p.value, &mut doc);
        doc.push_str("\"]");
    }
    doc.push_str("]}");
    let mut renderer = Renderer::new(policy.detectors.rules(), actions);
    let outcome: BodyOutcome = inspect_document(
        policy,
        actions,
        &document_endpoint(),
        doc.as_bytes(),
        DocumentKind::FreeForm,
        &mut renderer,
    );
    let counts = outcome.counts.clone();
    let verdict = match outcome.verdict() {
        Verdict::Rewrite(bytes) => match rewrite(base, &params, bytes) {
            Some(path) => Verdict::Rewrite(path.into_bytes()),
            None => Verdict::Deny(Reason::RedactionUnsettled),
        },
        other => other.clone(),
    };
    Some(QueryOutcome { verdict, counts })
}

impl QueryOutcome {
    fn deny(reason: Reason) -> Self {
        Self {
            verdict: Verdict::Deny(reason),
            counts: Default::default(),
        }
    }
}

/// One `name=value` pair: as sent, and decoded.
struct Param<'a> {
    raw: &'a str,
    name: String,
    value: String,
}

/// The path with the query rebuilt from the pipeline's rewrite of the pairs: a pair that
/// changed is encoded again, the others are copied as sent. `None` if the rewrite is not the
/// same number of pairs (it always is: the pipeline only changes strings).
fn rewrite(base: &str, params: &[Param], rewritten: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Doc {
        query: Vec<(String, String)>,
    }
    let pairs = serde_json::from_slice::<Doc>(rewritten).ok()?.query;
    if pairs.len() != params.len() {
        return None;
    }
    let mut path = String::with_capacity(base.len() + 1 + rewritten.len());
    path.push_str(base);
    path.push('?');
    for (i, (p, (name, value))) in params.iter().zip(&pairs).enumerate() {
        if i > 0 {
            path.push('&');
        }
        if *name == p.name && *value == p.value {
            path.push_str(p.raw);
            continue;
        }
        encode_into(name, &mut path);
        if p.raw.contains('=') || !value.is_empty() {
            path.push('=');
            encode_into(value, &mut path);
        }
    }
    Some(path)
}

/// Form decoding (`+` is a space, `%XX` a byte); `None` unless the bytes are UTF-8. A `%` not
/// followed by two hex digits stays as it is, as servers read it.
fn decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'+' => out.push(b' '),
            b'%' => match (b.get(i + 1).and_then(hex), b.get(i + 2).and_then(hex)) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

fn hex(c: &u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes everything but the unreserved characters (RFC 3986).
fn encode_into(s: &str, out: &mut String) {
    let digit = |n: u8| char::from(if n < 10 { b'0' + n } else { b'A' + n - 10 });
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(c));
        } else {
            out.push('%');
            out.push(digit(c >> 4));
            out.push(digit(c & 15));
        }
    }
}

#[cfg(test)]
mod tests;
