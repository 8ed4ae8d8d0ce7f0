//! Replays every checked-in fuzz seed and crash through the same property functions the
//! cargo-fuzz targets use (`tests/support/properties.rs`), on stable `cargo test`.
//!
//! - `fuzz/corpus/pipeline_bytes/seed-*` and `fuzz/regressions/pipeline/*`: first byte picks
//!   the endpoint, the rest is the body (crashes of the structured target are checked in here
//!   as the body it rendered);
//! - `fuzz/corpus/policy_bytes/seed-*` and `fuzz/regressions/policy/*`: policy documents;
//! - exchange crashes are written out below as scripts.
//!
//! The structured targets' own seeds are `arbitrary` byte strings; they are replayed by
//! `scripts/fuzz.sh smoke` (nightly), since decoding them needs the fuzz crate.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/properties.rs"]
mod properties;

use properties::ExchangeScript;
use std::path::{Path, PathBuf};

fn files(dir: &str, prefix: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && !n.starts_with('.'))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn pipeline_seeds_and_crashes_hold_every_property() {
    let policy = properties::default_policy();
    let seeds = files("fuzz/corpus/pipeline_bytes", "seed-");
    let crashes = files("fuzz/regressions/pipeline", "");
    assert!(seeds.len() >= 20, "seed corpus went missing");
    assert!(!crashes.is_empty(), "regressions went missing");
    for f in seeds.iter().chain(&crashes) {
        let data = std::fs::read(f).unwrap();
        let r = std::panic::catch_unwind(|| properties::check_bytes(&policy, &data));
        assert!(r.is_ok(), "{}", f.display());
    }
}

#[test]
fn upload_seeds_hold_every_property() {
    let policy = properties::default_policy();
    let seeds = files("fuzz/corpus/upload", "seed-");
    assert!(seeds.len() >= 8, "seed corpus went missing");
    for f in &seeds {
        let data = std::fs::read(f).unwrap();
        let r = std::panic::catch_unwind(|| properties::check_upload(&policy, &data));
        assert!(r.is_ok(), "{}", f.display());
    }
}

#[test]
fn usage_seeds_hold_every_property() {
    let seeds = files("fuzz/corpus/usage", "seed-");
    assert!(seeds.len() >= 6, "seed corpus went missing");
    for f in &seeds {
        let data = std::fs::read(f).unwrap();
        let r = std::panic::catch_unwind(|| properties::check_usage(&data));
        assert!(r.is_ok(), "{}", f.display());
    }
}

#[test]
fn policy_seeds_and_crashes_hold_every_property() {
    let seeds = files("fuzz/corpus/policy_bytes", "seed-");
    assert!(seeds.len() >= 10, "seed corpus went missing");
    let crashes = files("fuzz/regressions/policy", "");
    for f in seeds.iter().chain(&crashes) {
        let data = std::fs::read(f).unwrap();
        let r = std::panic::catch_unwind(|| properties::check_policy(&data, None));
        assert!(r.is_ok(), "{}", f.display());
    }
}

fn h(pairs: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

const CHAT_BODY: &[u8] =
    br#"{"model":"gpt-4o","messages":[{"role":"user","content":"mail jane.doe@example.com"}]}"#;

/// A POST to `path` with `content_type`, then `extra`.
fn post(path: &[u8], content_type: &[u8], extra: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    let mut v = h(&[
        (":method", b"POST"),
        (":path", path),
        ("content-type", content_type),
    ]);
    v.extend(h(extra));
    v
}

fn chat(extra: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    post(b"/v1/chat/completions", b"application/json", extra)
}

fn upload(extra: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    post(b"/v1/files", b"multipart/form-data; boundary=zz", extra)
}

/// A batch upload whose one line carries an email address.
const UPLOAD_BODY: &[u8] = b"--zz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"b.jsonl\"\r\n\r\n{\"custom_id\":\"1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a@example.com\"}]}}\n\r\n--zz--\r\n";

#[test]
fn exchange_scripts_hold_every_property() {
    let n = CHAT_BODY.len();
    let scripts = vec![
        // Non-UTF-8 values in every header the exchange reads.
        ExchangeScript {
            headers: h(&[
                (":method", b"P\xffST"),
                (":path", b"/v1/\xc3\x28"),
                ("content-type", b"application/json\xff"),
                ("openai-project", b"\xfe\xff"),
                ("x-request-id", b"\x80"),
            ]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
        ExchangeScript {
            headers: chat(&[("openai-project", b"\xff"), ("x-request-id", b"\xc0\xaf")]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            response_headers: h(&[(":status", b"2\xff0")]),
            ..ExchangeScript::default()
        },
        // Duplicates: two content types, two paths, two methods, two lengths.
        ExchangeScript {
            headers: chat(&[("Content-Type", b"application/json")]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true), (n, true)],
            ..ExchangeScript::default()
        },
        // A batch file upload, delivered in pieces, then with a lying length.
        ExchangeScript {
            headers: upload(&[]),
            body: UPLOAD_BODY.to_vec(),
            body_events: vec![(10, false), (UPLOAD_BODY.len(), true)],
            ..ExchangeScript::default()
        },
        ExchangeScript {
            headers: upload(&[("content-length", b"12")]),
            body: UPLOAD_BODY.to_vec(),
            body_events: vec![(UPLOAD_BODY.len(), true)],
            ..ExchangeScript::default()
        },
        ExchangeScript {
            headers: chat(&[(":path", b"/v1/files"), (":method", b"GET")]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
        ExchangeScript {
            headers: chat(&[("content-length", b"10"), ("content-length", b"10")]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
        // A declared length that does not match; a host that returns fewer bytes than it said.
        ExchangeScript {
            headers: chat(&[("content-length", b"5")]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
        ExchangeScript {
            headers: chat(&[]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n + 100, true)],
            ..ExchangeScript::default()
        },
        // Body events after a local reply, shrinking sizes, trailers, an oversized body.
        ExchangeScript {
            policy: br#"{"max_body_bytes":16}"#.to_vec(),
            headers: chat(&[]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(10, false), (n, false), (3, true), (n, true)],
            trailers: true,
            ..ExchangeScript::default()
        },
        ExchangeScript {
            headers: chat(&[]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, false)],
            trailers: true,
            ..ExchangeScript::default()
        },
        // Audit mode, no policy, headers-only POST, stacked and odd encodings.
        ExchangeScript {
            policy: br#"{"mode":"audit"}"#.to_vec(),
            headers: chat(&[("content-encoding", b"gzip, identity")]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
        ExchangeScript {
            policy: b"not json".to_vec(),
            headers: chat(&[]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
        ExchangeScript {
            headers: chat(&[("content-encoding", b"identity, \xff")]),
            headers_end: true,
            ..ExchangeScript::default()
        },
        // An all-audit policy with projects: a header lookalike, an unknown project, a value
        // in the query, a body with findings: nothing refused, nothing rewritten.
        ExchangeScript {
            policy: br#"{"mode":"audit","projects":{"p":{"endpoints":["embeddings"]}}}"#.to_vec(),
            headers: h(&[
                (":method", b"POST"),
                (":path", b"/v1/chat/completions?u=jane@example.com"),
                ("content-type", b"application/json"),
                ("openai_project", b"p"),
                ("openai-project", b"q"),
            ]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
        // Accept-Encoding values the filter narrows: blanks, weights, non-ASCII, several
        // headers (the edited value must be a clean header value).
        ExchangeScript {
            headers: chat(&[
                ("accept-encoding", b"gzip;\tq=0.5, br"),
                ("accept-encoding", "gzip;q=\u{e9}, zstd".as_bytes()),
                ("accept-encoding", b"\xff, deflate"),
            ]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
        // Header names the host should have lower-cased, or never sends.
        ExchangeScript {
            headers: h(&[
                (":METHOD", b"POST"),
                (":Path", b"/v1/chat/completions"),
                ("", b""),
                ("\u{e9}", b"\xff"),
            ]),
            body: CHAT_BODY.to_vec(),
            body_events: vec![(n, true)],
            ..ExchangeScript::default()
        },
    ];
    for (i, s) in scripts.iter().enumerate() {
        let r = std::panic::catch_unwind(|| properties::check_exchange(s));
        assert!(r.is_ok(), "script {i}: {s:?}");
    }
}

/// The property "bytes outside the replaced spans are unchanged" tells a rewrite from damage:
/// it accepts what the pipeline writes and refuses what main wrote before issue #19 (an image
/// URL without its scheme, a file id without its prefix, a part emptied, a name changed).
#[test]
fn the_outside_property_refuses_damage_and_accepts_replacements() {
    let chat = |parts: &str| {
        format!(r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":[{parts}]}}]}}"#)
    };
    let text = |t: &str| format!(r#"{{"type":"text","text":"{t}"}}"#);
    let image = |u: &str| format!(r#"{{"type":"image_url","image_url":{{"url":"{u}"}}}}"#);
    let file = |id: &str| format!(r#"{{"type":"file","file":{{"file_id":"{id}"}}}}"#);
    let url = "https://example.org/cat.png";
    let id = "file-6F2ksmvXxt4VdoqmHRw6kL";
    let two = |a: String, b: String| chat(&format!("{a},{b}"));
    let accepted = [
        (
            two(text("Photo sent by jane.doe@example.com"), image(url)),
            two(text("Photo sent by [EMAIL]"), image(url)),
        ),
        // A split value: the second piece goes from the start of the next part.
        (
            two(text("card 4242 4242"), text(" 4242 4242 ok")),
            two(text("card [CARD]"), text(" ok")),
        ),
        // Pseudonyms, hashes, masks.
        (
            chat(&text("a jane@example.com b")),
            chat(&text("a [EMAIL_12] b")),
        ),
        (
            chat(&text("a jane@example.com")),
            chat(&text("a [EMAIL:3f2a9c1b7d40]")),
        ),
        (
            chat(&text("card 4242 4242 4242 4242.")),
            chat(&text("card **** **** **** 4242.")),
        ),
        // A number becomes a string; JSON inside a string is judged inside.
        (
            r#"{"messages":[],"metadata":{"card":4242424242424242}}"#.into(),
            r#"{"messages":[],"metadata":{"card":"[CARD]"}}"#.into(),
        ),
        (
            r#"{"messages":[{"role":"tool","tool_call_id":"c","content":"{\"to\": \"a@b.io\"}"}]}"#
                .into(),
            r#"{"messages":[{"role":"tool","tool_call_id":"c","content":"{\"to\": \"[EMAIL]\"}"}]}"#
                .into(),
        ),
    ];
    for (old, new) in &accepted {
        let r = properties::outside_replacements(old.as_bytes(), new.as_bytes(), true);
        assert!(r.is_ok(), "{new}: {r:?}");
    }
    let refused = [
        // What main sent upstream for the issue's examples.
        (
            two(text("Photo sent by jane.doe@example.com"), image(url)),
            two(
                text("Photo sent by [EMAIL]"),
                image("://example.org/cat.png"),
            ),
        ),
        (
            two(text("Summarise for jane.doe@example.com"), file(id)),
            two(
                text("Summarise for [EMAIL]"),
                file("-6F2ksmvXxt4VdoqmHRw6kL"),
            ),
        ),
        (
            two(file(id), text("jane.doe@example.com wrote this")),
            two(file("[EMAIL]"), text(" wrote this")),
        ),
        // A cut that continues nothing that changed; a piece gone from the middle.
        (
            two(text("card 4242"), text("2 items")),
            two(text("card 4242"), text(" items")),
        ),
        (chat(&text("hello world")), chat(&text("hello "))),
        // Whitespace, an API value, a re-encoded string.
        (chat(&text("x")), chat(&text("x")).replace(',', ", ")),
        (
            chat(&text("x")).replace("gpt-4o", "gpt-4o-mini"),
            chat(&text("x")).replace("gpt-4o", "[EMAIL]"),
        ),
        (chat(&text(r"\u0041 b@c.io")), chat(&text("A [EMAIL]"))),
    ];
    for (old, new) in &refused {
        let r = properties::outside_replacements(old.as_bytes(), new.as_bytes(), true);
        assert!(r.is_err(), "accepted {new}");
    }
}
