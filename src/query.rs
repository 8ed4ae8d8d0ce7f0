//! The query string of a request (`GET /v1/chat/completions?metadata[owner]=jane@...`): every
//! `name=value` pair is decoded and inspected like a body's strings, with the same detectors
//! and actions. A URL is never rewritten: a sensitive value there is refused (403
//! `sensitive_query`). A query is a lookup (`metadata[owner]=[EMAIL]` would match every record
//! whose owner was redacted, someone else's included), and URLs are logged on every hop.

use crate::config::{ActionTable, Policy};
use crate::openai::Unscannable;
use crate::pipeline::{inspect_named, DocumentKind, FindingCounts, NamedVerdict, Texts, Verdict};
use crate::reason::Reason;
use crate::redact::Renderer;

/// What the query string's inspection decided.
#[derive(Debug)]
pub struct QueryOutcome {
    /// `Forward` (nothing found, or only `allow` findings) or `Deny`.
    pub verdict: Verdict,
    /// Findings.
    pub counts: FindingCounts,
    /// What was not scanned (base64 blobs).
    pub unscannable: Unscannable,
}

/// Inspects the query of `path` (the `:path` header as sent); `None` when there is none.
pub fn inspect_query(policy: &Policy, actions: &ActionTable, path: &str) -> Option<QueryOutcome> {
    let (_, query) = path.split_once('?')?;
    if query.is_empty() {
        return None;
    }
    // Each pair is one text, `name=value`, so that a name introduces its value as it would in
    // prose (`ssn=536225921`, `password=...`). Read as the upstream may read it: `+` as a
    // space (forms) or as itself (RFC 3986), and once more decoded if it still holds escapes
    // (`jane%2540example.com`). The first reading is counted; the others only checked.
    let mut readings: Vec<Vec<String>> = Vec::new();
    for how in [Decode::Form, Decode::Plus, Decode::Twice] {
        let mut pairs = Vec::new();
        for raw in query.split('&') {
            let Some(pair) = decode(raw, how) else {
                // Bytes that are no text cannot be inspected: refused, never forwarded unread.
                return Some(QueryOutcome::deny(Reason::InvalidPath));
            };
            pairs.push(pair);
        }
        if !readings.contains(&pairs) {
            readings.push(pairs);
        }
    }
    // The first reading that is refused decides; if none is, the first one is counted.
    let mut first = None;
    for pairs in &readings {
        let mut renderer = Renderer::new(policy.detectors.rules(), actions);
        let texts = Texts::List(pairs);
        let kind = DocumentKind::FreeForm;
        let outcome = inspect_named(policy, actions, "query", texts, kind, &mut renderer);
        let verdict = match outcome.verdict {
            // Anything the policy would rewrite: a URL is not rewritten.
            NamedVerdict::Rewrite(_) => Verdict::Deny(Reason::SensitiveQuery),
            // `block` and the like: refused as in a body.
            NamedVerdict::Deny(reason) => Verdict::Deny(reason),
            NamedVerdict::Forward => Verdict::Forward,
        };
        let this = QueryOutcome {
            verdict,
            counts: outcome.counts,
            unscannable: outcome.unscannable,
        };
        if this.verdict != Verdict::Forward {
            return Some(this);
        }
        first.get_or_insert(this);
    }
    first
}

impl QueryOutcome {
    fn deny(reason: Reason) -> Self {
        Self {
            verdict: Verdict::Deny(reason),
            counts: FindingCounts::default(),
            unscannable: Unscannable::default(),
        }
    }
}

/// How a pair is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decode {
    /// `+` is a space (`application/x-www-form-urlencoded`, what most servers do).
    Form,
    /// `+` is itself.
    Plus,
    /// As [`Decode::Form`], then the escapes left decoded once more.
    Twice,
}

/// The pair `raw` decoded (`%XX` a byte; a `%` not followed by two hex digits stays as it is,
/// as servers read it); `None` unless the bytes are UTF-8.
fn decode(raw: &str, how: Decode) -> Option<String> {
    let once = decode_bytes(raw.as_bytes(), how != Decode::Plus);
    let bytes = if how == Decode::Twice {
        decode_bytes(&once, false)
    } else {
        once
    };
    String::from_utf8(bytes).ok()
}

fn decode_bytes(b: &[u8], plus_is_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'+' if plus_is_space => out.push(b' '),
            b'%' => match (b.get(i + 1).and_then(hex), b.get(i + 2).and_then(hex)) {
                (Some(h), Some(l)) => {
                    out.push((h << 4 | l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn hex(c: &u8) -> Option<u32> {
    char::from(*c).to_digit(16)
}

#[cfg(test)]
mod tests;
