//! Fuzz properties of the core, shared by the cargo-fuzz targets (`fuzz/`) and the stable
//! regression tests (`tests/fuzz_regressions.rs`): every function panics (assert) when a
//! property breaks, so a fuzzer reports it as a crash and a test as a failure.
//!
//! Properties:
//! - no input panics the pipeline, the policy compiler or the exchange;
//! - our strict parser never accepts what `serde_json` rejects, and the rewritten body is JSON
//!   (for both parsers) with the same facts (model, store, stream) as the input;
//! - a body with no findings is forwarded byte-identical (`Verdict::Forward`);
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
use openai_compliance_filter::json::{self, Limits};
use openai_compliance_filter::openai::{classify, Endpoint};
use openai_compliance_filter::pipeline::{inspect_body, Verdict};
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
            check_step(&x.decide_body(body));
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
