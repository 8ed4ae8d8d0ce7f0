//! Signed URLs: the query string that carries a time-limited signature granting access to one
//! object (S3 SigV4 and SigV2 presigned URLs, Google Cloud Storage V4 and V2 signed URLs,
//! Azure SAS, CloudFront signed URLs, Alibaba OSS). A category of their own (`signed_url`):
//! a presigned URL is a capability the application usually means to hand over (an
//! `image_url` the model must fetch), not a long-lived key, so its default action is
//! `allow` (counted, not changed); policies that want them gone say so.
//!
//! Found from a parameter name at the start of a query parameter; the finding is the whole
//! query (from after `?` to its end), so the access key id, the service-account address and
//! the session token inside it are part of the signed URL, not findings of their own.

use super::rules::Engine;
use super::text::{at, before, push};
use super::Finding;

/// Parameter names (with `=` where the name is short) that introduce a signed URL, lower
/// case (what else the query must hold to be one: [`find`]).
pub(crate) const ANCHORS: &[&str] = &[
    "x-amz-signature",
    "x-amz-credential",
    "x-goog-signature",
    "x-goog-credential",
    "x-oss-signature",
    "x-oss-credential",
    "googleaccessid=",
    "awsaccesskeyid=",
    "ossaccesskeyid=",
    "key-pair-id=",
    "sig=",
];

/// Longest query looked at, each way from the anchor.
const MAX_QUERY: usize = 16 * 1024;

/// A byte that may sit in a query string as pasted (not white space, quotes, brackets,
/// `<>`, `` ` ``, `\`, `|`, `^`, `#`, `,`).
fn query_byte(b: u8) -> bool {
    b.is_ascii_graphic()
        && !matches!(
            b,
            b'"' | b'\''
                | b'<'
                | b'>'
                | b'`'
                | b'\\'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'{'
                | b'}'
                | b'|'
                | b'^'
                | b'#'
                | b','
        )
}

/// Whether the query `q` has a parameter named `name` (lower case, with its `=`).
fn has_param(q: &[u8], name: &[u8]) -> bool {
    let mut i = 0;
    while i < q.len() {
        let starts = i == 0 || matches!(q.get(i - 1), Some(b'&' | b';' | b'?'));
        if starts
            && q.get(i..i + name.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(name))
        {
            return true;
        }
        i += 1;
    }
    false
}

/// The signed URL whose parameter name starts at `p` (`[p, end)` is the anchor literal), at
/// the start of a query parameter (after `?`, `&`, or the `;` of an escaped `&amp;`).
pub(crate) fn find(e: &Engine, t: &[u8], p: usize, end: usize, out: &mut Vec<Finding>) {
    if e.ids.signed_url.is_none() || !matches!(before(t, p), b'?' | b'&' | b';') {
        return;
    }
    let lit = t.get(p..end).unwrap_or(&[]);
    // The query around the anchor.
    let mut s = p;
    while s > 0 && p - s < MAX_QUERY && query_byte(before(t, s)) && before(t, s) != b'?' {
        s -= 1;
    }
    let mut q_end = end;
    while q_end < t.len() && q_end - end < MAX_QUERY && query_byte(at(t, q_end)) {
        q_end += 1;
    }
    while q_end > end && matches!(at(t, q_end - 1), b'.' | b';' | b':' | b'!' | b'?') {
        q_end -= 1;
    }
    let q = t.get(s..q_end).unwrap_or(&[]);
    let low = |w: &[u8]| lit.eq_ignore_ascii_case(w);
    let signed = if low(b"sig=") {
        // Azure SAS: a signed version and an expiry or permissions beside the signature.
        has_param(q, b"sv=") && (has_param(q, b"se=") || has_param(q, b"sp="))
    } else if low(b"key-pair-id=") {
        has_param(q, b"signature=")
    } else if low(b"googleaccessid=") || low(b"awsaccesskeyid=") || low(b"ossaccesskeyid=") {
        has_param(q, b"signature=") && has_param(q, b"expires=")
    } else {
        true
    };
    if signed {
        push(out, e.ids.signed_url, s, q_end);
    }
}
