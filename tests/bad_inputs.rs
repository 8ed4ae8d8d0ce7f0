//! The content-level catalogue of `bad-inputs.md` as core tests: JSON, evasion inside content,
//! headers and paths, and robustness by construction (bounded stack, no blow-up on 1 MiB
//! adversarial bodies). Table-driven: each row is one input and the outcome it must get.
//!
//! `evasion_*` tests state what the default policy must catch once the detectors match on a
//! normalised view (zero-width characters, full-width digits, ...); they fail until then.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/properties.rs"]
mod properties;

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::exchange::{Exchange, Step};
use openai_compliance_filter::openai::facts::Store;
use openai_compliance_filter::openai::{classify, ApiKind};
use openai_compliance_filter::pipeline::{inspect_body, BodyOutcome, Verdict, MAX_FINDINGS};
use openai_compliance_filter::policy::{error_body, Reason};
use std::rc::Rc;
use std::time::Instant;

const CHAT: &str = "/v1/chat/completions";
const RESPONSES: &str = "/v1/responses";

fn policy() -> Policy {
    Policy::from_json(b"{}").unwrap()
}

fn outcome(path: &str, body: &[u8]) -> BodyOutcome {
    let p = policy();
    inspect_body(&p, &p.actions, &classify("POST", path).unwrap(), body)
}

fn verdict(path: &str, body: &[u8]) -> Verdict {
    outcome(path, body).verdict().clone()
}

/// The rewritten body (panics on any other verdict), after checking every fuzz property.
fn rewritten(path: &str, body: &str) -> String {
    let p = policy();
    properties::check_body(&p, &classify("POST", path).unwrap(), body.as_bytes(), true);
    match verdict(path, body.as_bytes()) {
        Verdict::Rewrite(b) => String::from_utf8(b).unwrap(),
        other => panic!("expected a rewrite of {body}, got {other:?}"),
    }
}

/// The decoded text of the first user message's content string.
fn content_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["messages"][0]["content"].as_str().unwrap().to_string()
}

fn chat_with(content_json: &str) -> String {
    format!(r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":{content_json}}}]}}"#)
}

// ---------------------------------------------------------------------------------------------
// JSON

#[test]
fn duplicate_keys_at_every_level_are_refused() {
    let rows: &[(&str, &str)] = &[
        (CHAT, r#"{"model":"a","model":"b","messages":[]}"#),
        (CHAT, r#"{"model":"a","\u006dodel":"b","messages":[]}"#),
        (CHAT, r#"{"store":false,"messages":[],"store":true}"#),
        (
            CHAT,
            r#"{"messages":[],"messages":[{"role":"user","content":"a@b.io"}]}"#,
        ),
        (
            CHAT,
            r#"{"messages":[{"role":"user","content":"x","content":"a@b.io"}]}"#,
        ),
        (
            CHAT,
            r#"{"messages":[{"role":"user","role":"system","content":"x"}]}"#,
        ),
        (
            CHAT,
            r#"{"messages":[{"role":"user","content":[{"type":"text","text":"x","text":"y"}]}]}"#,
        ),
        (
            CHAT,
            r#"{"messages":[],"metadata":{"a":{"b":{"c":1,"c":2}}}}"#,
        ),
        (
            CHAT,
            r#"{"messages":[],"tools":[{"type":"function","function":{"name":"f","name":"g"}}]}"#,
        ),
        (RESPONSES, r#"{"input":"a","input":"b"}"#),
        (
            RESPONSES,
            r#"{"input":[{"role":"user","content":"x"}],"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k3":9}"#,
        ),
    ];
    for (path, body) in rows {
        assert_eq!(
            verdict(path, body.as_bytes()),
            Verdict::Deny(Reason::DuplicateJsonKey),
            "{body}"
        );
    }
}

#[test]
fn only_a_literal_false_means_store_false() {
    let rows: &[(&str, Store)] = &[
        ("false", Store::False),
        ("true", Store::True),
        (r#""false""#, Store::Other),
        ("0", Store::Other),
        ("null", Store::Other),
        (r#"{}"#, Store::Other),
        ("[false]", Store::Other),
    ];
    for (v, store) in rows {
        let body = format!(r#"{{"model":"m","input":"hi","store":{v}}}"#);
        let o = outcome(RESPONSES, body.as_bytes());
        assert_eq!(o.verdict(), &Verdict::Forward, "{body}");
        assert_eq!(o.facts.store, *store, "{body}");
    }
    let o = outcome(RESPONSES, br#"{"model":"m","input":"hi"}"#);
    assert_eq!(o.facts.store, Store::Absent);
}

fn nested(depth: usize, inner: &str) -> String {
    // `depth` levels in total, counting the top-level object.
    format!(
        r#"{{"messages":[],"x":{}{inner}{}}}"#,
        "[".repeat(depth - 1),
        "]".repeat(depth - 1)
    )
}

#[test]
fn nesting_is_bounded() {
    let rows: Vec<(String, Verdict)> = vec![
        (nested(64, "1"), Verdict::Forward),
        (nested(65, "1"), Verdict::Deny(Reason::JsonTooDeep)),
        ("[".repeat(100_000), Verdict::Deny(Reason::JsonTooDeep)),
        (
            r#"{"a":"#.repeat(100_000) + "1" + &"}".repeat(100_000),
            Verdict::Deny(Reason::JsonTooDeep),
        ),
        (
            format!(r#"{{"messages":[{}"#, r#"{"content":["#.repeat(50_000)),
            Verdict::Deny(Reason::JsonTooDeep),
        ),
    ];
    for (body, want) in rows {
        assert_eq!(verdict(CHAT, body.as_bytes()), want, "{:.80}", body);
    }
}

#[test]
fn malformed_json_is_refused() {
    let rows: &[&[u8]] = &[
        br#"{"messages":[{"role":"user","content":"\ud800"}]}"#,
        br#"{"messages":[{"role":"user","content":"\udc00x"}]}"#,
        br#"{"messages":[{"role":"user","content":"\ud800\u0041"}]}"#,
        br#"{"messages":[{"role":"user","\ud83d":"x"}]}"#,
        b"{\"messages\":[{\"role\":\"user\",\"content\":\"\xff\"}]}",
        b"{\"messages\":[{\"role\":\"user\",\"content\":\"\xc0\xaf\"}]}",
        b"{\"messages\":[{\"role\":\"user\",\"content\":\"\xed\xa0\x80\"}]}",
        b"{\"messages\":[{\"role\":\"user\",\"content\":\"\xe2\x82\"}]}",
        b"{\"messages\":[{\"role\":\"user\",\"content\":\"\xf4\x90\x80\x80\"}]}",
        b"\xef\xbb\xbf{\"messages\":[]}",
        b"{\"messages\":[]} x",
        b"{\"messages\":[]}{}",
        b"{\"messages\":[]}\x00",
        b"// c\n{\"messages\":[]}",
        b"{\"messages\":[] /* c */}",
        b"{\"messages\":[],\"t\":NaN}",
        b"{\"messages\":[],\"t\":Infinity}",
        b"{\"messages\":[],\"t\":-Infinity}",
        b"{\"messages\":[],}",
        b"{\"messages\":[1,]}",
        b"{'messages':[]}",
        b"{\"messages\":[],\"t\":01}",
        b"{\"messages\":[],\"t\":+1}",
        b"{\"messages\":[],\"t\":.5}",
        b"{\"messages\":[],\"t\":0x10}",
        b"{\"messages\":[\"a\tb\"]}",
        b"{\"messages\":[\"\\x41\"]}",
        b"{messages:[]}",
        b"",
        b"   ",
    ];
    for body in rows {
        assert_eq!(
            verdict(CHAT, body),
            Verdict::Deny(Reason::InvalidJson),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn big_numbers_in_a_clean_request_are_forwarded_byte_identical() {
    for n in [
        "1E400",
        "-1E400",
        "1e-400",
        "18446744073709551617",
        "-18446744073709551617",
        "-0.0",
        "-0",
        "0.1000000000000000055511151231257827",
        "1.0e+0",
        "12345678901234567890123456789012345678901234567890",
    ] {
        let body = format!(
            r#"{{"model":"gpt-4o","temperature":{n},"messages":[{{"role":"user","content":"hi"}}],"seed":[{n}]}}"#
        );
        assert_eq!(verdict(CHAT, body.as_bytes()), Verdict::Forward, "{n}");
    }
    // And byte-identical around a redaction.
    let body = r#"{"t":1E400, "n" : 18446744073709551617,"messages":[{"role":"user","content":"a@b.io"}],"z":-0.0}"#;
    assert_eq!(
        rewritten(CHAT, body),
        r#"{"t":1E400, "n" : 18446744073709551617,"messages":[{"role":"user","content":"[EMAIL]"}],"z":-0.0}"#
    );
}

#[test]
fn sensitive_values_under_unknown_keys_are_redacted() {
    let rows = [
        r#"{"model":"m","messages":[],"metadata":{"note":"jane.doe@example.com"}}"#,
        r#"{"model":"m","messages":[],"user":"jane.doe@example.com"}"#,
        r#"{"model":"m","messages":[],"tools":[{"type":"function","function":{"name":"f","description":"mail jane.doe@example.com","parameters":{"type":"object","properties":{"to":{"type":"string","enum":["jane.doe@example.com"]}}}}}]}"#,
        r#"{"model":"m","messages":[],"some_future_field":[{"deep":{"er":"jane.doe@example.com"}}]}"#,
        r#"{"model":"m","messages":[],"jane.doe@example.com":"key names are not scanned, values are: jane.doe@example.com"}"#,
    ];
    for body in rows {
        let out = rewritten(CHAT, body);
        assert!(out.contains("[EMAIL]"), "{out}");
        let values_only = out.replace(r#""jane.doe@example.com":"#, "");
        assert!(!values_only.contains("jane.doe@example.com"), "{out}");
    }
}

// ---------------------------------------------------------------------------------------------
// Evasion inside content

#[test]
fn escapes_are_decoded_before_detection() {
    let rows: &[(&str, &str)] = &[
        (r#""jane.doe\u0040example.com""#, "[EMAIL]"),
        (r#""jane\u002edoe@example\u002Ecom""#, "[EMAIL]"),
        (
            r#""\u006a\u0061\u006e\u0065@\u0065\u0078\u0061\u006d\u0070\u006c\u0065.com""#,
            "[EMAIL]",
        ),
        (r#""\u0034111 1111 1111 1111""#, "[CARD]"),
        (
            r#""see https:\/\/x.io\/a and jane.doe@example.com""#,
            "see https://x.io/a and [EMAIL]",
        ),
        (
            r#""key sk\u002dproj\u002dabcdefghijklmnopqrstuvwxyz012345""#,
            "key [OPENAI_KEY]",
        ),
        (
            r#""line\nbreak jane.doe@example.com\t""#,
            "line\nbreak [EMAIL]\t",
        ),
    ];
    for (content, want) in rows {
        let out = rewritten(CHAT, &chat_with(content));
        assert_eq!(content_of(&out), *want, "{content}");
    }
}

#[test]
fn a_card_split_across_two_content_parts_is_redacted_in_both() {
    let rows = [
        r#"[{"type":"text","text":"card 4111 1111"},{"type":"text","text":" 1111 1111 thanks"}]"#,
        r#"[{"type":"text","text":"card 41111111"},{"type":"text","text":"11111111"}]"#,
        r#"[{"type":"text","text":"mail jane.doe@exa"},{"type":"text","text":"mple.com"}]"#,
    ];
    for parts in rows {
        let out = rewritten(CHAT, &chat_with(parts));
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let joined: String = v["messages"][0]["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["text"].as_str().unwrap())
            .collect();
        assert!(
            !joined.contains("1111") && !joined.contains("example"),
            "{joined}"
        );
        assert!(
            joined.contains("[CARD]") || joined.contains("[EMAIL]"),
            "{joined}"
        );
    }
}

#[test]
fn card_numbers_as_json_numbers_are_redacted() {
    for (key, num) in [
        ("card", "4111111111111111"),
        ("n", "5555555555554444"),
        ("list", "378282246310005"),
    ] {
        let body = format!(r#"{{"model":"m","messages":[],"metadata":{{"{key}":[{num}]}}}}"#);
        let out = rewritten(CHAT, &body);
        assert!(!out.contains(num) && out.contains(r#"["[CARD]"]"#), "{out}");
    }
    // Not every long number is a card.
    let body = r#"{"model":"m","messages":[],"seed":4111111111111112}"#;
    assert_eq!(verdict(CHAT, body.as_bytes()), Verdict::Forward);
}

#[test]
fn json_inside_json_strings_is_redacted_and_stays_json() {
    let args =
        serde_json::to_string(r#"{"to":"jane.doe@example.com","card":4111111111111111}"#).unwrap();
    let twice = serde_json::to_string(
        &serde_json::to_string(&serde_json::json!({"inner": {"mail": "jane.doe@example.com"}}))
            .unwrap(),
    )
    .unwrap();
    let twice = serde_json::to_string(&format!(r#"{{"wrapped":{twice}}}"#)).unwrap();
    for args in [args, twice] {
        let body = format!(
            r#"{{"model":"m","messages":[{{"role":"assistant","content":null,"tool_calls":[{{"id":"c","type":"function","function":{{"name":"f","arguments":{args}}}}}]}},{{"role":"tool","tool_call_id":"c","content":{args}}}]}}"#
        );
        let out = rewritten(CHAT, &body);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let a = v["messages"][0]["tool_calls"][0]["function"]["arguments"]
            .as_str()
            .unwrap();
        let inner: serde_json::Value = serde_json::from_str(a).unwrap();
        let flat = inner.to_string();
        assert!(
            !flat.contains("example.com") && !flat.contains("4111"),
            "{flat}"
        );
        assert!(flat.contains("EMAIL"), "{flat}");
        let tool = v["messages"][1]["content"].as_str().unwrap();
        assert!(serde_json::from_str::<serde_json::Value>(tool).is_ok());
        assert!(!tool.contains("example.com"), "{tool}");
    }
}

#[test]
fn data_urls_follow_the_policy() {
    // base64 of "jane.doe@example.com card 4111111111111111": opaque, counted, not scanned.
    let b64 = "amFuZS5kb2VAZXhhbXBsZS5jb20gY2FyZCA0MTExMTExMTExMTExMTEx";
    let body = chat_with(&format!(
        r#"[{{"type":"image_url","image_url":{{"url":"data:image/png;base64,{b64}"}}}}]"#
    ));
    let o = outcome(CHAT, body.as_bytes());
    assert_eq!(o.verdict(), &Verdict::Forward);
    assert_eq!(o.unscannable.inline_base64, 1);
    // A data: URL that is not base64 is text, and scanned.
    let out = rewritten(
        CHAT,
        &chat_with(r#""data:text/plain,jane.doe@example.com""#),
    );
    assert_eq!(content_of(&out), "data:text/plain,[EMAIL]");
    // A blocking policy for the category applies to text next to blobs too.
    let p = Policy::from_json(br#"{"detectors":{"actions":{"contact":"block"}}}"#).unwrap();
    let body = chat_with(&format!(
        r#"[{{"type":"text","text":"jane.doe@example.com"}},{{"type":"image_url","image_url":{{"url":"data:image/png;base64,{b64}"}}}}]"#
    ));
    let o = inspect_body(
        &p,
        &p.actions,
        &classify("POST", CHAT).unwrap(),
        body.as_bytes(),
    );
    assert_eq!(o.verdict(), &Verdict::Deny(Reason::ContentBlocked));
}

#[test]
fn thousands_of_findings_are_all_redacted_or_refused() {
    for n in [1_000usize, 20_000] {
        let text: String = (0..n).map(|i| format!("u{i}@example.com ")).collect();
        let body = chat_with(&serde_json::to_string(&text).unwrap());
        let o = outcome(CHAT, body.as_bytes());
        assert_eq!(o.counts.total() as usize, n);
        let Verdict::Rewrite(out) = o.verdict() else {
            panic!("n={n}: {:?}", o.verdict())
        };
        let out = String::from_utf8(out.clone()).unwrap();
        assert!(!out.contains('@'), "n={n}: partial redaction");
        assert_eq!(out.matches("[EMAIL]").count(), n);
    }
    // Past the bound: refused whole, never partly redacted.
    let n = MAX_FINDINGS + 1;
    let text = "a@b.io ".repeat(n);
    let body = chat_with(&format!("\"{text}\""));
    let o = outcome(CHAT, body.as_bytes());
    assert_eq!(o.verdict(), &Verdict::Deny(Reason::TooManyFindings));
    assert_eq!(Reason::TooManyFindings.status(), 413);
}

/// Zero-width and other invisible characters inside a value.
#[test]
fn evasion_invisible_characters_inside_values() {
    let rows = [
        "jane.doe@exa\u{200b}mple.com",
        "jane\u{200d}.doe@example.com",
        "4111\u{200b}1111\u{200b}1111\u{200b}1111",
        "4111 1111 \u{2060}1111 1111",
        "41\u{00ad}11111111111111",
        "sk-proj-abcdefghij\u{200c}klmnopqrstuvwxyz012345",
    ];
    let mut missed = Vec::new();
    for v in rows {
        let body = chat_with(&serde_json::to_string(v).unwrap());
        match verdict(CHAT, body.as_bytes()) {
            Verdict::Rewrite(out) => {
                let out = String::from_utf8(out).unwrap();
                let c = content_of(&out);
                if ["1111", "jane", "example", "klmnop"]
                    .iter()
                    .any(|s| c.contains(s))
                {
                    missed.push(format!("{v:?} partly: {c:?}"));
                }
            }
            other => missed.push(format!("{v:?}: {other:?}")),
        }
    }
    assert!(missed.is_empty(), "not caught: {missed:#?}");
}

/// Full-width and other non-ASCII digits.
#[test]
fn evasion_non_ascii_digits() {
    let rows = [
        "４１１１ １１１１ １１１１ １１１１",
        "４１１１１１１１１１１１１１１１",
        "٤١١١١١١١١١١١١١١١",
    ];
    for v in rows {
        let body = chat_with(&serde_json::to_string(v).unwrap());
        assert!(
            matches!(verdict(CHAT, body.as_bytes()), Verdict::Rewrite(_)),
            "not caught: {v}"
        );
    }
}

/// A value split across two messages (each message is its own text today).
#[test]
fn evasion_value_split_across_two_messages() {
    let body = r#"{"model":"m","messages":[{"role":"user","content":"card 4111 1111"},{"role":"user","content":"1111 1111"}]}"#;
    assert!(matches!(
        verdict(CHAT, body.as_bytes()),
        Verdict::Rewrite(_)
    ));
}

/// A card glued to a word character, or followed by a stray digit: the card pattern needs
/// `\b` and validates Luhn only on its first (longest) candidate.
#[test]
fn evasion_card_glued_or_padded() {
    let rows = [
        "x4111111111111111",
        "4111111111111111x",
        "ref 4111 1111 1111 1111 2",
        "1 4111 1111 1111 1111",
        "jane.doe@example.com4111111111111111",
    ];
    for v in rows {
        let body = chat_with(&serde_json::to_string(v).unwrap());
        match verdict(CHAT, body.as_bytes()) {
            Verdict::Rewrite(out) => {
                let c = content_of(&String::from_utf8(out).unwrap());
                assert!(
                    !c.contains("1111 1111") && !c.contains("11111111"),
                    "{v}: {c}"
                );
            }
            other => panic!("not caught: {v}: {other:?}"),
        }
    }
}

/// Sensitive values as JSON numbers that are not cards (a US SSN).
#[test]
fn evasion_ssn_as_json_number() {
    let body = r#"{"model":"m","messages":[],"metadata":{"ssn":123456789}}"#;
    assert!(matches!(
        verdict(CHAT, body.as_bytes()),
        Verdict::Rewrite(_)
    ));
}

// ---------------------------------------------------------------------------------------------
// Headers and paths

fn hdrs(pairs: &[(&str, &[u8])]) -> Vec<(String, Vec<u8>)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_vec()))
        .collect()
}

/// The reply status of the head checks (None: the request goes on to the body).
fn head_status(policy: &str, pairs: &[(&str, &[u8])]) -> Option<u16> {
    let p = Rc::new(Policy::from_json(policy.as_bytes()).unwrap());
    let mut x = Exchange::new(Some(p));
    match x.on_request_headers(&hdrs(pairs), false, 1) {
        Step::Reply { status, body } => {
            assert!(
                properties::ALL_REASONS
                    .iter()
                    .any(|r| error_body(*r) == body),
                "{body}"
            );
            Some(status)
        }
        _ => None,
    }
}

type Pair = (&'static str, &'static [u8]);

const POST: (&str, &[u8]) = (":method", b"POST");
const PATH: (&str, &[u8]) = (":path", b"/v1/chat/completions");
const JSON: (&str, &[u8]) = ("content-type", b"application/json");

#[test]
fn non_utf8_header_values_never_panic() {
    let bad: &[&[u8]] = &[
        b"\xff",
        b"\xc0\xaf",
        b"a\x00b",
        b"\xed\xa0\x80",
        b"\xe2\x82",
    ];
    for v in bad {
        for name in [
            ":method",
            ":path",
            "content-type",
            "content-encoding",
            "content-length",
            "openai-project",
            "openai-organization",
            "x-request-id",
            ":authority",
        ] {
            let mut pairs = vec![POST, PATH, JSON];
            pairs.retain(|(k, _)| *k != name);
            pairs.push((name, v));
            let status = head_status("{}", &pairs);
            if matches!(
                name,
                ":method" | ":path" | "content-type" | "content-encoding" | "content-length"
            ) {
                assert!(status.is_some(), "{name}: {v:?} accepted");
            }
            properties::check_exchange(&properties::ExchangeScript {
                headers: hdrs(&pairs),
                body: br#"{"messages":[]}"#.to_vec(),
                body_events: vec![(15, true)],
                ..Default::default()
            });
        }
    }
}

#[test]
fn repeated_head_headers_are_refused() {
    let rows: &[(&[Pair], u16)] = &[
        (&[POST, PATH, JSON, JSON], 415),
        (
            &[POST, PATH, JSON, ("Content-Type", b"application/json")],
            415,
        ),
        (&[POST, PATH, JSON, ("content-type", b"text/plain")], 415),
        (&[POST, PATH, PATH, JSON], 400),
        (&[POST, POST, PATH, JSON], 400),
        (
            &[
                POST,
                PATH,
                JSON,
                ("content-length", b"5"),
                ("content-length", b"5"),
            ],
            400,
        ),
    ];
    for (pairs, status) in rows {
        assert_eq!(head_status("{}", pairs), Some(*status), "{pairs:?}");
    }
}

#[test]
fn path_variants_are_normalised_or_refused() {
    let chat: &[&str] = &[
        "/v1/chat/completions",
        "//v1/chat/completions",
        "/v1//chat///completions",
        "/v1/./chat/completions",
        "/./v1/chat/./completions/.",
        "/v1/chat/completions/",
        "/v1/chat/completions//",
        "/v1/chat/completions?x=1",
        "/v1/chat/completions?x=/../../files",
        "/v1/chat/completions#f",
        "/v1/chat/%63ompletions",
        "/%76%31/chat/completions",
    ];
    for p in chat {
        let e = classify("POST", p).unwrap();
        assert_eq!(
            (e.kind, e.op.map(|o| o.name)),
            (ApiKind::ChatCompletions, Some("chat.completions.create")),
            "{p}"
        );
        assert_eq!(e.route, "/v1/chat/completions", "{p}");
    }
    let refused: &[&str] = &[
        "/v1/chat%2Fcompletions",
        "/v1/chat%2fcompletions",
        "/v1%2Fchat/completions",
        "/v1/chat%5Ccompletions",
        "/v1/chat\\completions",
        "/v1/x/../chat/completions",
        "/v1/chat/completions/..",
        "/v1/%2e%2e/v1/chat/completions",
        "/v1/chat/completions%",
        "/v1/chat/completions%2",
        "/v1/chat/completions%g1",
        "/v1/chat/completions%00",
        "/v1/chat/completions\u{0}",
        "/v1/chat/c\u{e9}",
        "v1/chat/completions",
        "",
        "?/v1/chat/completions",
    ];
    for p in refused {
        assert_eq!(classify("POST", p), Err(Reason::InvalidPath), "{p:?}");
    }
    let unknown = [
        "/v1/chat",
        "/V1/chat/completions",
        "/v2/chat/completions",
        "/",
    ];
    for p in unknown {
        assert_eq!(classify("POST", p).unwrap().kind, ApiKind::Unknown, "{p}");
        let path = (":path", p.as_bytes());
        assert_eq!(head_status("{}", &[POST, path, JSON]), Some(403), "{p}");
    }
    // A path under a known API that the API does not have: denied.
    let sub = (":path", &b"/v1/chat/completions/x/y"[..]);
    assert_eq!(head_status("{}", &[POST, sub, JSON]), Some(403));
    // One it has (`chat.completions.update`) is inspected like any JSON body.
    let update = (":path", &b"/v1/chat/completions/chatcmpl_1"[..]);
    assert_eq!(head_status("{}", &[POST, update, JSON]), None);
}

#[test]
fn content_encodings_other_than_identity_are_refused() {
    let rows: &[(&[u8], Option<u16>)] = &[
        (b"identity", None),
        (b"IDENTITY", None),
        (b" identity ", None),
        (b"identity, identity", None),
        (b"gzip", Some(415)),
        (b"br", Some(415)),
        (b"deflate", Some(415)),
        (b"zstd", Some(415)),
        (b"x-gzip", Some(415)),
        (b"gzip, identity", Some(415)),
        (b"identity, gzip", Some(415)),
        (b"identity,,gzip", Some(415)),
        (b"gzip;q=1", Some(415)),
    ];
    for (enc, status) in rows {
        let pairs = [POST, PATH, JSON, ("content-encoding", *enc)];
        assert_eq!(
            head_status("{}", &pairs),
            *status,
            "{}",
            String::from_utf8_lossy(enc)
        );
    }
    // Stacked over two header lines.
    let pairs = [
        POST,
        PATH,
        JSON,
        ("content-encoding", &b"identity"[..]),
        ("content-encoding", &b"gzip"[..]),
    ];
    assert_eq!(head_status("{}", &pairs), Some(415));
}

#[test]
fn charsets_other_than_utf8_are_refused() {
    let rows: &[(&[u8], Option<u16>)] = &[
        (b"application/json", None),
        (b"application/json; charset=utf-8", None),
        (b"application/json;charset=UTF-8", None),
        (b"application/json; charset=\"utf-8\"", None),
        (b"application/json; charset=utf8", None),
        (b"APPLICATION/JSON", None),
        (b"application/json; charset=latin1", Some(415)),
        (b"application/json; charset=utf-16", Some(415)),
        (b"application/json; charset=utf-8; charset=utf-8", Some(415)),
        (
            b"application/json; charset=utf-8; charset=latin1",
            Some(415),
        ),
        (
            b"application/json; charset=latin1; charset=utf-8",
            Some(415),
        ),
        (b"application/json; CHARSET=utf-8; charset=utf-8", Some(415)),
        (b"application/json; boundary=x", Some(415)),
        (b"text/plain", Some(415)),
        (b"text/json", Some(415)),
        (b"application/x-www-form-urlencoded", Some(415)),
        (b"multipart/form-data; boundary=x", Some(415)),
        (b"", Some(415)),
    ];
    for (ct, status) in rows {
        let pairs = [POST, PATH, ("content-type", *ct)];
        assert_eq!(
            head_status("{}", &pairs),
            *status,
            "{}",
            String::from_utf8_lossy(ct)
        );
    }
    assert_eq!(
        head_status("{}", &[POST, PATH]),
        Some(415),
        "missing content-type"
    );
}

// ---------------------------------------------------------------------------------------------
// Robust by construction

/// Runs `f` on a thread with a small stack: proves the recursion the input controls is bounded.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .expect("overflowed or panicked on a 256 KiB stack");
}

/// JSON text nested `depth` levels (arrays), with `leaf` innermost.
fn deep_array(depth: usize, leaf: &str) -> String {
    "[".repeat(depth) + leaf + &"]".repeat(depth)
}

#[test]
fn stack_stays_bounded_at_every_nesting_bound() {
    on_small_stack(|| {
        // Level 2 embedded document (not parsed further: scanned as text).
        let l2 = deep_array(64, r#""jane.doe@example.com""#);
        // Level 1: 63 levels of arrays around a string that holds level 2.
        let l1 = deep_array(63, &serde_json::to_string(&l2).unwrap());
        let l0_leaf = serde_json::to_string(&l1).unwrap();
        // Level 0: the body, 64 levels deep (object + 63 arrays).
        let body = format!(
            r#"{{"messages":[{{"role":"tool","tool_call_id":"c","content":{l0_leaf}}}],"x":{}}}"#,
            deep_array(63, &serde_json::to_string(&l1).unwrap())
        );
        let p = policy();
        let e = classify("POST", CHAT).unwrap();
        let o = inspect_body(&p, &p.actions, &e, body.as_bytes());
        let Verdict::Rewrite(out) = o.verdict() else {
            panic!("{:?}", o.verdict())
        };
        assert!(!String::from_utf8_lossy(out).contains("example.com"));
        assert_eq!(o.counts.total(), 2);
        properties::check_body(&p, &e, body.as_bytes(), true);
        // Past the bound, at every level: refused, or scanned as text; never deeper.
        for depth in [65, 1_000, 100_000] {
            let deep = deep_array(depth, "1");
            let o = inspect_body(&p, &p.actions, &e, deep.as_bytes());
            assert_eq!(o.verdict(), &Verdict::Deny(Reason::JsonTooDeep));
            let inside = format!(
                r#"{{"messages":[{{"role":"user","content":{}}}]}}"#,
                serde_json::to_string(&deep).unwrap()
            );
            let o = inspect_body(&p, &p.actions, &e, inside.as_bytes());
            assert_eq!(o.verdict(), &Verdict::Forward);
        }
    });
}

fn timed(name: &str, path: &str, body: &str) -> BodyOutcome {
    let p = policy();
    let e = classify("POST", path).unwrap();
    let t = Instant::now();
    let o = inspect_body(&p, &p.actions, &e, body.as_bytes());
    let el = t.elapsed();
    eprintln!(
        "adversarial {name}: {} KiB in {:.1} ms ({:.1} MB/s), verdict {}",
        body.len() / 1024,
        el.as_secs_f64() * 1e3,
        body.len() as f64 / el.as_secs_f64() / 1e6,
        match o.verdict() {
            Verdict::Forward => "forward".to_string(),
            Verdict::Rewrite(b) => format!("rewrite ({} bytes)", b.len()),
            Verdict::Deny(r) => r.code().to_string(),
        }
    );
    o
}

/// 1 MiB bodies shaped to make a walker or redactor work more than linearly. Completing at
/// all is the test (a quadratic step takes hours at this size); times are printed for the
/// record (`cargo test --release --test bad_inputs adversarial -- --nocapture`).
#[test]
fn adversarial_megabyte_bodies_complete() {
    const MIB: usize = 1 << 20;
    let fill = |unit: &str, head: &str, tail: &str| -> String {
        let n = (MIB - head.len() - tail.len()) / unit.len();
        let mut s = String::with_capacity(MIB);
        s.push_str(head);
        for i in 0..n {
            if i > 0 {
                s.push(',');
            }
            s.push_str(unit.trim_end_matches(','));
        }
        s.push_str(tail);
        s
    };
    let head = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"x":["#;
    let tail = "]}";

    let o = timed("tiny strings", CHAT, &fill(r#""a","#, head, tail));
    assert_eq!(o.verdict(), &Verdict::Forward);
    let o = timed("tiny embedded json", CHAT, &fill(r#""[]","#, head, tail));
    assert_eq!(o.verdict(), &Verdict::Forward);
    let o = timed(
        "embedded json with a finding",
        CHAT,
        &fill(r#""[\"a@b.io\"]","#, head, tail),
    );
    assert!(matches!(o.verdict(), Verdict::Rewrite(_)));
    let o = timed("numbers", CHAT, &fill("1,", head, tail));
    assert_eq!(o.verdict(), &Verdict::Forward);
    let o = timed("card numbers", CHAT, &fill("4111111111111111,", head, tail));
    assert!(matches!(o.verdict(), Verdict::Rewrite(_)));
    let o = timed("empty objects", CHAT, &fill("{},", head, tail));
    assert_eq!(o.verdict(), &Verdict::Forward);
    let deep = deep_array(62, r#""x""#) + ",";
    let o = timed("deep at the bound", CHAT, &fill(&deep, head, tail));
    assert_eq!(o.verdict(), &Verdict::Forward);
    let wide: String = (0..2000).map(|i| format!(r#""k{i}":{i},"#)).collect();
    let wide = format!("{{{}}},", wide.trim_end_matches(','));
    let o = timed("wide objects", CHAT, &fill(&wide, head, tail));
    assert_eq!(o.verdict(), &Verdict::Forward);
    let o = timed(
        "many findings",
        CHAT,
        &fill(r#""a@b.io 4111111111111111","#, head, tail),
    );
    assert!(matches!(o.verdict(), Verdict::Rewrite(_)));
    let o = timed("one message, many parts", CHAT, &{
        let h = r#"{"model":"m","messages":[{"role":"user","content":["#;
        fill(r#"{"type":"text","text":"a@b"},"#, h, "]}]}")
    });
    assert!(matches!(
        o.verdict(),
        Verdict::Forward | Verdict::Rewrite(_)
    ));
    let key = "k".repeat(MIB - 64);
    let o = timed("huge key", CHAT, &format!(r#"{{"messages":[],"{key}":1}}"#));
    assert_eq!(o.verdict(), &Verdict::Forward);
    let o = timed(
        "huge string",
        CHAT,
        &chat_with(&format!("\"{}\"", "ab ".repeat(MIB / 3))),
    );
    assert_eq!(o.verdict(), &Verdict::Forward);
    let o = timed(
        "escapes",
        CHAT,
        &chat_with(&format!("\"{}\"", r"\u0041".repeat(MIB / 6))),
    );
    assert_eq!(o.verdict(), &Verdict::Forward);
    let o = timed(
        "email-like run",
        CHAT,
        &chat_with(&format!("\"a@b.cc{}\"", "-a.b".repeat(MIB / 4))),
    );
    assert!(matches!(
        o.verdict(),
        Verdict::Forward | Verdict::Rewrite(_)
    ));
    let o = timed(
        "local-part run",
        CHAT,
        &chat_with(&format!("\"{}\"", "a.".repeat(MIB / 2))),
    );
    assert_eq!(o.verdict(), &Verdict::Forward);
    let o = timed(
        "digit run",
        CHAT,
        &chat_with(&format!("\"{}\"", "1 ".repeat(MIB / 2))),
    );
    assert_eq!(o.verdict(), &Verdict::Forward);
}
