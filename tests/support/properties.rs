//! Fuzz properties of the core, shared by the cargo-fuzz targets (`fuzz/`) and the stable
//! regression tests (`tests/fuzz_regressions.rs`): every function panics (assert) when a
//! property breaks, so a fuzzer reports it as a crash and a test as a failure.
//!
//! Properties:
//! - no input panics the pipeline, the policy compiler or the exchange;
//! - our strict parser never accepts what `serde_json` rejects, and the rewritten body is JSON
//!   (for both parsers) with the same facts (model, store, stream) as the input;
//! - a body with no findings is forwarded byte-identical (`Verdict::Forward`);
//! - bytes outside the replaced spans are unchanged: a rewrite (of a body, a batch line, an
//!   upload, an exchange's body) keeps every byte between the JSON tokens, and each string it
//!   changes is the old one with pieces replaced by a placeholder or masked, inside that
//!   string (a split value's second piece may go, at the start of a message text that
//!   continues the one before); strings the walker does not scan never change;
//! - redaction is idempotent: under the default policy a second pass over the rewritten body
//!   finds nothing (the pipeline rescans its own rewrite until it settles);
//! - a denial carries one of the fixed error bodies (`policy::error_body(reason)`), never input;
//! - a rewritten file upload is strict multipart with the same parts, and inspects clean;
//! - a reply read through `gzip` or `deflate` yields the usage its plain bytes yield.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::audit::Decision;
use openai_compliance_filter::config::Policy;
use openai_compliance_filter::exchange::{Exchange, Step};
use openai_compliance_filter::json::{self, Limits, Span, Value};
use openai_compliance_filter::openai::walker::{walk_with, Joint, Walk};
use openai_compliance_filter::openai::{classify, Endpoint};
use openai_compliance_filter::pipeline::{inspect_body, Verdict};
use openai_compliance_filter::policy::retention::inject_store_false;
use openai_compliance_filter::policy::{error_body, Reason};
use openai_compliance_filter::upload::{inspect_upload, multipart};
use openai_compliance_filter::usage::{Usage, UsageReader};
use std::rc::Rc;

/// Every reason, for checking that a reply is one of the fixed error bodies.
pub const ALL_REASONS: &[Reason] = Reason::ALL;

/// The endpoints the byte-level target picks from with its first byte.
pub const ENDPOINTS: &[&str] = &[
    "/v1/chat/completions",
    "/v1/responses",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/moderations",
    "/v1/some_future_api",
];

/// The default policy, but unknown endpoints are inspected (every detector redacts).
pub const INSPECT_ALL_POLICY: &[u8] = br#"{"unknown_endpoints":"inspect"}"#;

/// A compiled policy per call is slow for a fuzzer; targets keep one in a `OnceLock`-like
/// static of their own and pass it in. This builds it.
pub fn default_policy() -> Policy {
    Policy::from_json(INSPECT_ALL_POLICY).unwrap_or_else(|e| panic!("default policy: {e}"))
}

/// The endpoint chosen by a selector byte.
pub fn endpoint(selector: u8) -> Endpoint {
    let path = ENDPOINTS
        .get(usize::from(selector) % ENDPOINTS.len())
        .copied()
        .unwrap_or("/v1/chat/completions");
    classify("POST", path).unwrap_or_else(|r| panic!("classify {path}: {r:?}"))
}

/// Byte-level target: first byte picks the endpoint, the rest is the body.
pub fn check_bytes(policy: &Policy, data: &[u8]) {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    check_body(policy, &endpoint(sel), body, true);
}

/// True if `serde_json` accepts `b` as one JSON document (syntax only: numbers are not
/// converted, so `1E400` is fine, as for the upstream).
pub fn serde_accepts(b: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(b).is_ok()
}

fn is_json_reason(r: Reason) -> bool {
    matches!(
        r,
        Reason::InvalidJson | Reason::JsonTooDeep | Reason::DuplicateJsonKey
    )
}

/// The pipeline properties for one body. `idempotent`: the policy only redacts (no `allow`,
/// `mask`, ... actions), so the rewritten body must have no findings left.
pub fn check_body(policy: &Policy, ep: &Endpoint, body: &[u8], idempotent: bool) {
    let out = inspect_body(policy, &policy.actions, ep, body);
    match out.verdict() {
        Verdict::Deny(r) => {
            // `redaction_unsettled` is a fail-closed answer to adversarial glued runs (each
            // round uncovers one more card of `4111…MMMM4111…MMMM4111…`); realistic bodies
            // never get it (tests/body_quality.rs fails on any denial).
            let reply = error_body(*r);
            assert!(ALL_REASONS.contains(r));
            let v: serde_json::Value = serde_json::from_str(&reply).unwrap_or_default();
            assert_eq!(v["error"]["code"], r.code(), "error body of {r:?}");
            if !is_json_reason(*r) && *r != Reason::BodyTooLarge {
                // The body passed the strict parser: it must be JSON for the upstream too.
                assert!(serde_accepts(body), "strict parser accepted non-JSON");
            }
        }
        Verdict::Forward => {
            assert!(serde_accepts(body), "forwarded a body serde_json rejects");
            if idempotent {
                assert_eq!(
                    out.counts.total(),
                    0,
                    "findings under a redact-only policy, but forwarded unchanged"
                );
            }
        }
        Verdict::Rewrite(new) => {
            assert!(serde_accepts(body), "rewrote a body serde_json rejects");
            assert!(
                out.counts.total() > 0,
                "rewrite without findings: a clean body must pass byte-identical"
            );
            if idempotent {
                // (Under other policies `mask` with a large `keep` may leave a value as is.)
                assert_ne!(new.as_slice(), body, "rewrite that changes nothing");
            }
            assert!(serde_accepts(new), "rewritten body is not JSON");
            unchanged_outside_replacements(body, new, true);
            let src = std::str::from_utf8(new).unwrap_or_else(|_| panic!("rewrite not UTF-8"));
            let parsed = json::parse(src, &Limits::default());
            assert!(
                parsed.is_ok(),
                "rewritten body fails the strict parser: {parsed:?}"
            );
            let again = inspect_body(policy, &policy.actions, ep, new);
            if again.verdict() == &Verdict::Deny(Reason::BodyTooLarge) {
                // Placeholders may be longer than the values (`[EMAIL:hmac12]` for `a@b.io`):
                // under a tiny `max_body_bytes` the rewrite can outgrow the cap. Not idempotence.
                assert!(body.len() as u64 <= policy.max_body_bytes);
                return;
            }
            assert_eq!(
                again.facts, out.facts,
                "redaction changed model/stream/store/state fields"
            );
            if idempotent {
                // The pipeline rescans its own rewrite until nothing is left: a second pass
                // over what left must find nothing at all, context rules included.
                let left: Vec<&str> = again
                    .counts
                    .by_rule
                    .iter()
                    .filter_map(|(r, _)| policy.detectors.rule(*r).map(|m| &*m.id))
                    .collect();
                assert!(
                    left.is_empty(),
                    "redaction is not idempotent: the rewritten body still has {left:?}"
                );
                assert_eq!(
                    again.verdict(),
                    &Verdict::Forward,
                    "second pass changed the body"
                );
            }
        }
    }
}

/// The no-findings property on its own: a body the pipeline finds nothing in goes out
/// byte-identical.
pub fn clean_is_forwarded(policy: &Policy, ep: &Endpoint, body: &[u8]) -> bool {
    let out = inspect_body(policy, &policy.actions, ep, body);
    out.counts.total() != 0 || !matches!(out.verdict(), Verdict::Rewrite(_))
}

/// Policy parsing and compilation: never panics; an error names a path and never a value
/// (`canary` is a string the caller put in values only); a compiled policy runs the samples.
pub fn check_policy(bytes: &[u8], canary: Option<&str>) {
    match Policy::from_json(bytes) {
        Err(e) => {
            let s = e.to_string();
            assert!(s.starts_with("invalid policy at `"), "error format: {s}");
            if let Some(c) = canary {
                assert!(!s.contains(c), "policy error echoes a value");
            }
        }
        Ok(p) => {
            for (i, body) in SAMPLE_BODIES.iter().enumerate() {
                let ep = endpoint(i as u8);
                check_body(&p, &ep, body.as_bytes(), false);
            }
        }
    }
}

/// Small bodies every compiled policy is run against.
pub const SAMPLE_BODIES: &[&str] = &[
    r#"{"model":"gpt-4o","messages":[{"role":"user","content":"mail jane.doe@example.com card 4111 1111 1111 1111 key sk-proj-abcdefghijklmnopqrstuvwx"}]}"#,
    r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_text","text":"Acme Corp project Falcon, ssn 123-45-6789"}]}],"store":false}"#,
    r#"{"model":"gpt-3.5-turbo-instruct","prompt":["a@b.io","x"],"max_tokens":5}"#,
    r#"{"model":"text-embedding-3-small","input":"4111111111111111"}"#,
    r#"{"input":["nothing here"]}"#,
    r#"{"any":{"thing":["s3cr3t", 4111111111111111]}}"#,
];

/// One scripted exchange: what the host delivers, in order.
#[derive(Debug, Clone, Default)]
pub struct ExchangeScript {
    /// Policy document (empty: default).
    pub policy: Vec<u8>,
    /// Request header pairs as the host gives them (names lower-case by the host; the script
    /// may break that), values as raw bytes.
    pub headers: Vec<(String, Vec<u8>)>,
    /// `end_of_stream` with the headers.
    pub headers_end: bool,
    /// Body callbacks: (bytes buffered so far, end_of_stream).
    pub body_events: Vec<(usize, bool)>,
    /// Trailers after the body events.
    pub trailers: bool,
    /// The body bytes the host returns when asked (shorter or longer than asked: a lying host).
    pub body: Vec<u8>,
    /// Response headers.
    pub response_headers: Vec<(String, Vec<u8>)>,
}

fn check_step(step: &Step) {
    match step {
        Step::Reply { status, body } => {
            let r = ALL_REASONS
                .iter()
                .find(|r| error_body(**r) == *body)
                .unwrap_or_else(|| panic!("reply is not a fixed error body"));
            assert_eq!(*status, r.status(), "status of {r:?}");
        }
        Step::ReplaceBody { bytes, .. } => {
            assert!(
                serde_accepts(bytes) || is_strict_upload(bytes),
                "replacement body is neither JSON nor a strict multipart upload"
            );
        }
        Step::SetRequestHeader { name, value, then } => {
            assert!(
                !name.is_empty() && !name.starts_with(':'),
                "sets a bad header name"
            );
            if let Some(v) = value {
                assert!(
                    v.bytes().all(|b| (0x20..0x7f).contains(&b)),
                    "sets a bad header value"
                );
            }
            check_step(then);
        }
        Step::Continue | Step::Pause | Step::ReadBody { .. } => {}
    }
}

/// The step after any header edits (the adapter carries those out, then the step they wrap).
fn after_header_edits(step: Step) -> Step {
    match step {
        Step::SetRequestHeader { then, .. } => after_header_edits(*then),
        other => other,
    }
}

/// Runs a script through [`Exchange`] the way the adapter does, checking every step.
pub fn check_exchange(s: &ExchangeScript) {
    let policy = Policy::from_json(&s.policy).ok().map(Rc::new);
    // A valid policy whose every mode is audit: nothing is ever refused or rewritten.
    let text = String::from_utf8_lossy(&s.policy);
    let all_audit =
        policy.is_some() && text.contains(r#""mode":"audit""#) && !text.contains("enforce");
    let check_step = |step: &Step| {
        check_step(step);
        if all_audit {
            let unavailable = error_body(Reason::FilterUnavailable);
            assert!(
                !matches!(step, Step::ReplaceBody { .. }),
                "audit mode rewrote a body"
            );
            if let Step::Reply { body, .. } = step {
                assert_eq!(*body, unavailable, "audit mode refused a request");
            }
        }
    };
    let mut x = Exchange::new(policy);
    let mut now = 1_700_000_000_000u64;
    let step = x.on_request_headers(&s.headers, s.headers_end, now);
    check_step(&step);
    let mut step = after_header_edits(step);
    let mut replied = matches!(step, Step::Reply { .. });
    let mut events = s.body_events.iter();
    loop {
        if let Step::ReadBody { size } = step {
            let body = s.body.get(..size).unwrap_or(&s.body);
            step = x.decide_body(body);
            check_step(&step);
            if let Step::ReplaceBody { bytes, .. } = &step {
                exchange_replacement_holds(body, bytes);
            }
            replied |= matches!(step, Step::Reply { .. });
            if let Step::ReplaceBody { size: n, .. } = &step {
                assert_eq!(*n, size, "replaces a different number of bytes than read");
            }
            continue;
        }
        let Some(&(buffered, eos)) = events.next() else {
            break;
        };
        now += 1;
        step = x.on_request_body(buffered, eos);
        check_step(&step);
        if replied {
            assert!(
                matches!(step, Step::Pause | Step::Continue),
                "a step after the local reply: {step:?}"
            );
        }
        replied |= matches!(step, Step::Reply { .. });
    }
    if s.trailers {
        let step = x.on_request_trailers();
        check_step(&step);
        if let Step::ReadBody { size } = step {
            let body = s.body.get(..size).unwrap_or(&s.body);
            let step = x.decide_body(body);
            check_step(&step);
            if let Step::ReplaceBody { bytes, .. } = &step {
                exchange_replacement_holds(body, bytes);
            }
        }
    }
    x.on_response_headers(&s.response_headers, false, now + 2);
    let record = x.finish(now + 5);
    if all_audit {
        assert!(
            !matches!(record.decision, Decision::Deny | Decision::Redact),
            "audit mode recorded {:?}",
            record.decision
        );
    }
    let line = serde_json::to_string(record).unwrap_or_default();
    assert!(line.starts_with('{'), "audit record does not serialise");
    assert!(
        !line.contains('@'),
        "audit record holds an e-mail-like value"
    );
}

/// A multipart body that our strict reader accepts with the boundary of its first line.
fn is_strict_upload(b: &[u8]) -> bool {
    let first = b.split(|&c| c == b'\r').next().unwrap_or(&[]);
    let boundary = first
        .strip_prefix(b"--")
        .and_then(|x| std::str::from_utf8(x).ok());
    boundary.is_some_and(|bd| multipart::parse(b, bd).is_some())
}

/// The boundary of the upload target's bodies.
pub const UPLOAD_BOUNDARY: &str = "b0und4ry";

/// File uploads: the bytes are a `multipart/form-data` body with [`UPLOAD_BOUNDARY`].
pub fn check_upload(policy: &Policy, body: &[u8]) {
    let out = inspect_upload(policy, &policy.actions, None, UPLOAD_BOUNDARY, body);
    match out.verdict() {
        Verdict::Deny(r) => assert!(ALL_REASONS.contains(r)),
        Verdict::Forward => {
            assert!(multipart::parse(body, UPLOAD_BOUNDARY).is_some());
            assert_eq!(out.counts.total(), 0, "findings, but forwarded unchanged");
        }
        Verdict::Rewrite(new) => {
            assert!(out.counts.total() > 0, "rewrite without findings");
            assert_ne!(new.as_slice(), body, "rewrite that changes nothing");
            let names = |b: &[u8]| {
                multipart::parse(b, UPLOAD_BOUNDARY).map(|ps| {
                    ps.into_iter()
                        .map(|p| (p.name, p.filename.is_some()))
                        .collect::<Vec<_>>()
                })
            };
            let before = names(body);
            assert!(before.is_some());
            assert_eq!(names(new), before, "the rewrite changed the parts");
            upload_unchanged_outside_replacements(body, new, UPLOAD_BOUNDARY);
            let again = inspect_upload(policy, &policy.actions, None, UPLOAD_BOUNDARY, new);
            if again.verdict() == &Verdict::Deny(Reason::BodyTooLarge) {
                return;
            }
            assert_eq!(
                again.verdict(),
                &Verdict::Forward,
                "the rewrite does not inspect clean"
            );
        }
    }
}

/// The usage a reader finds in `body`, fed in `chunk`-byte pieces.
fn usage_of(
    content_type: &[u8],
    coding: Option<&[u8]>,
    body: &[u8],
    chunk: usize,
) -> Option<Usage> {
    let mut r = UsageReader::new(Some(content_type), coding);
    for c in body.chunks(chunk.max(1)) {
        r.feed(c);
    }
    r.finish()
}

/// Usage from replies. The first byte picks the content type (JSON or SSE), the coding and
/// the chunk size; the rest is the plain reply. It is read as sent, then compressed in each
/// coding the reader follows (the same usage), then as a damaged compressed body (no panic).
pub fn check_usage(data: &[u8]) {
    let Some((&sel, plain)) = data.split_first() else {
        return;
    };
    let ct: &[u8] = if sel & 1 == 0 {
        b"application/json"
    } else {
        b"text/event-stream"
    };
    let chunk = usize::from(sel >> 2) + 1;
    let want = usage_of(ct, None, plain, chunk);
    let zlib = miniz_oxide::deflate::compress_to_vec_zlib(plain, 6);
    let raw = miniz_oxide::deflate::compress_to_vec(plain, 1);
    let mut gzip = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
    gzip.extend_from_slice(&raw);
    gzip.extend_from_slice(&[0; 8]);
    for (coding, body) in [("gzip", &gzip), ("deflate", &zlib), ("deflate", &raw)] {
        let got = usage_of(ct, Some(coding.as_bytes()), body, chunk);
        assert_eq!(got, want, "{coding}");
    }
    // The plain bytes labelled compressed, and a compressed body cut or damaged.
    let codings: [&[u8]; 3] = [b"gzip", b"deflate", b"br"];
    let coding = codings[usize::from(sel >> 1 & 1) + usize::from(sel >> 7)];
    let _ = usage_of(ct, Some(coding), plain, chunk);
    let mut damaged = gzip.clone();
    if let Some(b) = damaged.get_mut(10 + plain.len() % 7) {
        *b ^= sel | 1;
    }
    let _ = usage_of(ct, Some(b"gzip"), &damaged, chunk);
    let _ = usage_of(
        ct,
        Some(b"gzip"),
        gzip.get(..gzip.len() / 2).unwrap_or(&[]),
        chunk,
    );
}

/// Bytes outside the replaced spans are unchanged (see [`outside_replacements`]); panics
/// with what changed.
pub fn unchanged_outside_replacements(old: &[u8], new: &[u8], request: bool) {
    if let Err(e) = outside_replacements(old, new, request) {
        panic!("the rewrite changed bytes outside the replaced spans: {e}");
    }
}

/// Whether `new` is the JSON document `old` (`request`: an API request, whose structural
/// values the walker skips; else free-form JSON) with nothing changed but replacements:
/// - every byte between the tokens (structure, whitespace, key order, literals) identical;
/// - a string the walker does not scan (an API id, an enum, a blob) identical;
/// - a changed string (a member name too): the old one with pieces replaced by placeholders
///   or masked ([`replaced_only`]); its first bytes may be gone only where it is a message
///   text that continues one that changed too (the second piece of a split value); JSON
///   inside a string judged the same way, inside; a string written anew unchanged is a
///   change (the client's escapes are kept outside the edits);
/// - a changed number: a string holding its replacement.
pub fn outside_replacements(old: &[u8], new: &[u8], request: bool) -> Result<(), String> {
    let (Ok(a), Ok(b)) = (std::str::from_utf8(old), std::str::from_utf8(new)) else {
        return Err("not UTF-8".into());
    };
    let limits = Limits::default();
    let (Ok(va), Ok(vb)) = (json::parse(a, &limits), json::parse(b, &limits)) else {
        return Err("not JSON".into());
    };
    let mut pairs = Vec::new();
    paired_tokens(&va, &vb, &mut pairs)?;
    let mut walk = Walk::default();
    // (An operation's identifier members, which the pipeline never scans, are judged as text.)
    walk_with(a, &va, request, &[], &mut walk);
    // The strings that changed, by where they start in `a`.
    let changed: Vec<usize> = pairs
        .iter()
        .filter(|(x, y)| x.raw(a) != y.raw(b))
        .map(|(x, _)| x.start())
        .collect();
    let (mut ea, mut eb) = (0, 0);
    for (x, y) in &pairs {
        let (sa, sb) = (x.outer(), y.outer());
        if a.get(ea..sa.start) != b.get(eb..sb.start) {
            return Err(format!(
                "bytes between tokens changed before {:?}",
                y.text(b)
            ));
        }
        (ea, eb) = (sa.end, sb.end);
        token_replaced_only(a, x, b, y, &walk, &changed)?;
    }
    if a.get(ea..) != b.get(eb..) {
        return Err("bytes after the last token changed".into());
    }
    Ok(())
}

/// A leaf token of a parsed document.
#[derive(Debug, Clone, Copy)]
enum Token {
    Str(json::Str),
    Num(Span),
}

impl Token {
    /// The token's bytes, quotes included.
    fn outer(&self) -> Span {
        match self {
            Token::Str(s) => Span {
                start: s.span.start - 1,
                end: s.span.end + 1,
            },
            Token::Num(n) => *n,
        }
    }

    /// The token's bytes in `src`.
    fn raw<'a>(&self, src: &'a str) -> Option<&'a str> {
        let o = self.outer();
        src.get(o.start..o.end)
    }

    /// Where its contents start.
    fn start(&self) -> usize {
        match self {
            Token::Str(s) => s.span.start,
            Token::Num(n) => n.start,
        }
    }

    /// The decoded string, or the number's literal.
    fn text<'a>(&self, src: &'a str) -> std::borrow::Cow<'a, str> {
        match self {
            Token::Str(s) => s.decode(src),
            Token::Num(n) => n.of(src).into(),
        }
    }
}

/// The leaf tokens of two documents of the same shape, paired in document order.
fn paired_tokens(a: &Value, b: &Value, out: &mut Vec<(Token, Token)>) -> Result<(), String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) if x.len() == y.len() => {
            for (m, n) in x.iter().zip(y) {
                out.push((Token::Str(m.key), Token::Str(n.key)));
                paired_tokens(&m.value, &n.value, out)?;
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (m, n) in x.iter().zip(y) {
                paired_tokens(m, n, out)?;
            }
        }
        (Value::String(x), Value::String(y)) => out.push((Token::Str(*x), Token::Str(*y))),
        (Value::Number(x), Value::Number(y)) => out.push((Token::Num(*x), Token::Num(*y))),
        (Value::Number(x), Value::String(y)) => out.push((Token::Num(*x), Token::Str(*y))),
        (Value::Null, Value::Null) => {}
        (Value::Bool(x), Value::Bool(y)) if x == y => {}
        _ => return Err("the document's shape changed".into()),
    }
    Ok(())
}

/// Whether token `y` of `b` is token `x` of `a` with replacements only (`walk`: `a` walked;
/// `changed`: the tokens of `a` that changed, by start).
fn token_replaced_only(
    a: &str,
    x: &Token,
    b: &str,
    y: &Token,
    walk: &Walk,
    changed: &[usize],
) -> Result<(), String> {
    if x.raw(a) == y.raw(b) {
        return Ok(());
    }
    let (old, new) = (x.text(a), y.text(b));
    let fail = |why: &str| Err(format!("{why}: {old:?} became {new:?}"));
    if old == new {
        return fail("a string was written anew without a change");
    }
    let start = x.start();
    let scanned = match x {
        Token::Str(_) => walk.texts.iter().any(|t| t.str.span.start == start),
        Token::Num(_) => walk.numbers.iter().any(|n| n.span.start == start),
    };
    if !scanned {
        return fail("a string the walker does not scan changed");
    }
    if let (Token::Num(_), Token::Num(_)) = (x, y) {
        return fail("a number changed");
    }
    let lead = old.trim_start();
    if lead.starts_with(['{', '[']) && json::parse(&old, &Limits::default()).is_ok() {
        if let Ok(()) = outside_replacements(old.as_bytes(), new.as_bytes(), false) {
            return Ok(());
        }
    }
    // Judged on the raw bytes: the client's escapes stay outside the edits. A mask writes
    // the characters it keeps anew (escaped as JSON needs), so a masked string may instead be
    // judged decoded.
    let cut = continues_a_change(a, walk, start, changed);
    let contents = |t: &Token, src: &'_ str| match t {
        Token::Str(s) => s.span.of(src).to_owned(),
        Token::Num(n) => n.of(src).to_owned(),
    };
    let raw = replaced_only(&contents(x, a), &contents(y, b), cut);
    let masked = new.contains('*') && replaced_only(&old, &new, cut);
    if !(raw || masked) {
        return fail("a string changed outside its replacements");
    }
    Ok(())
}

/// Whether the string starting at `start` is a message text that continues the one before
/// it, and that one changed too (or is empty and continues, the same way, one that did: a
/// value split over a run of texts skips the empty ones): only then may a later piece of a
/// value split across them be removed from its start. (Whether a split is genuine is for the
/// boundary tests to say.)
fn continues_a_change(src: &str, walk: &Walk, start: usize, changed: &[usize]) -> bool {
    // The text before, and whether the run up to it ends in a change.
    let mut prev: Option<(openai_compliance_filter::openai::walker::Turn, bool)> = None;
    for t in &walk.texts {
        let Some(turn) = t.turn else { continue };
        let at = t.str.span.start;
        let continues = prev.filter(|(p, _)| p.continued_by(&turn, src) != Joint::None);
        let after_change = continues.is_some_and(|(_, c)| c);
        if at == start {
            return after_change;
        }
        let empty = t.str.span.end == at;
        prev = Some((turn, changed.contains(&at) || (empty && after_change)));
    }
    false
}

/// One piece of a rewritten string: text as it was (a `*` may stand for a masked letter or
/// digit), or a placeholder.
#[derive(Debug, PartialEq)]
enum Chunk {
    Kept(Vec<char>),
    Placeholder,
}

/// Whether `new` is `old` with some non-empty pieces replaced by a placeholder (`[LABEL]`,
/// `[LABEL_2]`, `[LABEL:3f2a…]`, perhaps in quotes) or masked (a letter or digit turned `*`), and, when `cut`,
/// a first piece removed. Greedy leftmost matching of the kept pieces is exact here (each
/// placeholder takes any non-empty run).
pub fn replaced_only(old: &str, new: &str, cut: bool) -> bool {
    let old: Vec<char> = old.chars().collect();
    let chunks = chunks(new);
    let kept = |c: &[char], at: usize| {
        old.get(at..at + c.len()).is_some_and(|o| {
            o.iter()
                .zip(c)
                .all(|(o, n)| o == n || (*n == '*' && o.is_alphanumeric()))
        })
    };
    let find =
        |c: &[char], from: usize| (from..=old.len().saturating_sub(c.len())).find(|&i| kept(c, i));
    // (position in `old`, placeholders waiting for their run)
    let (mut at, mut open) = (0usize, 0usize);
    let last = chunks.len().saturating_sub(1);
    for (i, chunk) in chunks.iter().enumerate() {
        match chunk {
            Chunk::Placeholder => open += 1,
            Chunk::Kept(c) if i == 0 && !cut => {
                if !kept(c, 0) {
                    return false;
                }
                at = c.len();
            }
            Chunk::Kept(c) if i == last => {
                let Some(end) = old.len().checked_sub(c.len()) else {
                    return false;
                };
                return end >= at + open && kept(c, end);
            }
            Chunk::Kept(c) => {
                let Some(p) = find(c, at + open) else {
                    return false;
                };
                (at, open) = (p + c.len(), 0);
            }
        }
    }
    match chunks.last() {
        // Nothing left: the whole string was a second piece.
        None => old.is_empty() || cut,
        // The last placeholders take the rest, at least one character each.
        Some(Chunk::Placeholder) => old.len() >= at + open,
        // The one kept piece, anchored at the start: it must be all.
        Some(Chunk::Kept(_)) => at == old.len(),
    }
}

/// `s` cut into kept text and placeholders. A placeholder in quotes (raw: `\"`) is one too:
/// a number in JSON text that a later round read as JSON became a string.
fn chunks(s: &str) -> Vec<Chunk> {
    let mut out = Vec::new();
    let mut text: Vec<char> = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let quote = ["\\\"", "\""].into_iter().find(|q| rest.starts_with(q));
        let quoted = quote.and_then(|q| {
            let n = placeholder_len(&rest[q.len()..])?;
            rest[q.len() + n..]
                .starts_with(q)
                .then_some(2 * q.len() + n)
        });
        if let Some(n) = quoted.or_else(|| placeholder_len(rest)) {
            if !text.is_empty() {
                out.push(Chunk::Kept(std::mem::take(&mut text)));
            }
            out.push(Chunk::Placeholder);
            rest = &rest[n..];
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if !text.is_empty() {
        out.push(Chunk::Kept(text));
    }
    out
}

/// The length of the placeholder `s` starts with: `[A-Z0-9_]+(:[0-9a-f]*)?]`.
fn placeholder_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let label = b[1..]
        .iter()
        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || **c == b'_')
        .count();
    if label == 0 {
        return None;
    }
    let mut i = 1 + label;
    if b.get(i) == Some(&b':') {
        i += 1;
        i += b[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
            .count();
    }
    (b.get(i) == Some(&b']')).then_some(i + 1)
}

/// [`unchanged_outside_replacements`] for a rewritten upload: the bytes outside the file's
/// name, length and content identical; the name with replacements only; each line of the
/// file identical or a JSON document with replacements only.
pub fn upload_unchanged_outside_replacements(old: &[u8], new: &[u8], boundary: &str) {
    let file = |b: &[u8]| {
        multipart::parse(b, boundary)
            .and_then(|ps| ps.into_iter().find(|p| p.name == "file"))
            .expect("a strict upload with a file")
    };
    let purpose = multipart::parse(old, boundary)
        .and_then(|ps| ps.into_iter().find(|p| p.name == "purpose"))
        .map(|p| old[p.content].to_vec());
    let (fa, fb) = (file(old), file(new));
    let spans = |p: &multipart::Part| {
        let mut v: Vec<std::ops::Range<usize>> =
            p.filename.iter().chain(&p.length).cloned().collect();
        v.push(p.content.clone());
        v
    };
    let (sa, sb) = (spans(&fa), spans(&fb));
    assert_eq!(sa.len(), sb.len(), "the file part's headers changed");
    let (mut ea, mut eb) = (0, 0);
    for (x, y) in sa.iter().zip(&sb) {
        assert_eq!(
            old[ea..x.start],
            new[eb..y.start],
            "upload bytes outside the file changed"
        );
        (ea, eb) = (x.end, y.end);
    }
    assert_eq!(old[ea..], new[eb..], "upload bytes after the file changed");
    if let (Some(x), Some(y)) = (&fa.filename, &fb.filename) {
        let (n, m) = (
            String::from_utf8_lossy(&old[x.clone()]),
            String::from_utf8_lossy(&new[y.clone()]),
        );
        assert!(
            n == m || replaced_only(&n, &m, false),
            "file name {n:?} became {m:?}"
        );
    }
    let request = purpose.as_deref() == Some(b"batch".as_slice());
    let (ca, cb) = (&old[fa.content], &new[fb.content]);
    let lines = |c: &[u8]| {
        c.split_inclusive(|b| *b == b'\n')
            .map(<[u8]>::to_vec)
            .collect::<Vec<_>>()
    };
    let (la, lb) = (lines(ca), lines(cb));
    assert_eq!(la.len(), lb.len(), "the file's lines changed");
    for (x, y) in la.iter().zip(&lb) {
        if x == y {
            continue;
        }
        let body = |l: &[u8]| {
            let end = l.len()
                - l.iter()
                    .rev()
                    .take_while(|b| matches!(b, b'\n' | b'\r'))
                    .count();
            (l[..end].to_vec(), l[end..].to_vec())
        };
        let ((xb, xe), (yb, ye)) = (body(x), body(y));
        assert_eq!(xe, ye, "a line end changed");
        // A line that is no JSON (a file read as text, whatever its purpose's rules) is text.
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        if !request && json::parse(&text(&xb), &Limits::default()).is_err() {
            assert!(
                replaced_only(&text(&xb), &text(&yb), false),
                "a text line changed outside its replacements"
            );
            continue;
        }
        unchanged_outside_replacements(&xb, &yb, request);
    }
}

/// The exchange's replacement of `old`: an upload, or a JSON body (perhaps with
/// `"store":false` spliced in first, as a project may ask).
fn exchange_replacement_holds(old: &[u8], new: &[u8]) {
    if serde_accepts(new) {
        let direct = outside_replacements(old, new, true);
        let injected = || {
            inject_store_false(old).map_or(Err("no store to inject".to_string()), |o| {
                outside_replacements(&o, new, true)
            })
        };
        if let Err(e) = direct.or_else(|_| injected()) {
            panic!("the exchange's rewrite changed bytes outside the replaced spans: {e}");
        }
    } else {
        let first = new.split(|&c| c == b'\r').next().unwrap_or(&[]);
        let boundary = first
            .strip_prefix(b"--")
            .and_then(|x| std::str::from_utf8(x).ok())
            .expect("a multipart replacement");
        upload_unchanged_outside_replacements(old, new, boundary);
    }
}
