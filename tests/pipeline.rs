//! Core pipeline tests: whole OpenAI request bodies in, the bytes that would go upstream out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};
use openai_compliance_filter::policy::Reason;

fn run_with(policy: &str, path: &str, body: &str) -> Verdict {
    let p = Policy::from_json(policy.as_bytes()).unwrap();
    let e = classify("POST", path).unwrap();
    inspect_body(&p, &p.actions, &e, body.as_bytes())
        .verdict()
        .clone()
}

fn run(path: &str, body: &str) -> Verdict {
    run_with("{}", path, body)
}

fn rewritten(path: &str, body: &str) -> String {
    match run(path, body) {
        Verdict::Rewrite(b) => String::from_utf8(b).unwrap(),
        other => panic!("expected a rewrite, got {other:?}"),
    }
}

const CHAT: &str = "/v1/chat/completions";

#[test]
fn clean_body_is_forwarded_untouched() {
    let body = r#"{ "temperature": 1E400, "n": 18446744073709551617, "x": -0.0,
        "zzz_unknown": {"b": [1, 2.50]}, "model": "gpt-4o",
        "messages": [{"role": "user", "content": "What is 2+2? See v1.2.3 and 550e8400-e29b-41d4-a716-446655440000"}]}"#;
    assert_eq!(run(CHAT, body), Verdict::Forward);
}

#[test]
fn only_the_redacted_span_changes() {
    let body = r#"{"z":1E400,"model":"gpt-4o","messages":[{"role":"user","content":"mail me at jane.doe@example.com now"}],"a":-0.0}"#;
    let out = rewritten(CHAT, body);
    assert_eq!(
        out,
        r#"{"z":1E400,"model":"gpt-4o","messages":[{"role":"user","content":"mail me at [EMAIL] now"}],"a":-0.0}"#
    );
}

#[test]
fn every_text_field_of_every_endpoint_is_redacted() {
    let email = "jane.doe@example.com";
    let cases: &[(&str, String)] = &[
        (
            CHAT,
            format!(
                r#"{{"model":"m","messages":[{{"role":"user","content":[{{"type":"text","text":"{email}"}}]}}]}}"#
            ),
        ),
        (
            CHAT,
            format!(
                r#"{{"model":"m","messages":[{{"role":"assistant","content":null,"tool_calls":[{{"id":"c1","type":"function","function":{{"name":"f","arguments":"{{\"to\":\"{email}\"}}"}}}}]}}]}}"#
            ),
        ),
        (
            CHAT,
            format!(
                r#"{{"model":"m","messages":[{{"role":"tool","tool_call_id":"c1","content":"{email}"}}]}}"#
            ),
        ),
        (
            "/v1/responses",
            format!(r#"{{"model":"m","input":"{email}"}}"#),
        ),
        (
            "/v1/responses",
            format!(
                r#"{{"model":"m","instructions":"{email}","input":[{{"role":"user","content":[{{"type":"input_text","text":"hi"}}]}}]}}"#
            ),
        ),
        (
            "/v1/responses",
            format!(
                r#"{{"model":"m","input":[{{"type":"function_call_output","call_id":"c","output":"{email}"}}]}}"#
            ),
        ),
        (
            "/v1/completions",
            format!(r#"{{"model":"m","prompt":["a","{email}"]}}"#),
        ),
        (
            "/v1/embeddings",
            format!(r#"{{"model":"m","input":"{email}"}}"#),
        ),
        ("/v1/moderations", format!(r#"{{"input":["{email}"]}}"#)),
        (
            CHAT,
            format!(
                r#"{{"model":"m","messages":[],"metadata":{{"k":"{email}"}},"user":"{email}"}}"#
            ),
        ),
    ];
    for (path, body) in cases {
        let out = rewritten(path, body);
        assert!(!out.contains(email), "{path}: {out}");
        assert!(out.contains("[EMAIL]"), "{path}: {out}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap();
    }
}

#[test]
fn escapes_are_decoded_for_the_scan_and_kept_outside_the_edits() {
    // The email is written with escapes: found in the decoded text, its raw bytes (escapes
    // and all) replaced. What the edit does not cover stays byte for byte as the client
    // wrote it, its escapes included.
    let body = r#"{"messages":[{"role":"user","content":"caf\u00e9 \ud83d\ude00\njane\u002edoe\u0040example.com \/ \"q\"\n\u00e9t\u00e9 b\u0040example.org"}]}"#;
    let out = rewritten(CHAT, body);
    assert_eq!(
        out,
        r#"{"messages":[{"role":"user","content":"caf\u00e9 \ud83d\ude00\n[EMAIL] \/ \"q\"\n\u00e9t\u00e9 [EMAIL]"}]}"#
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["messages"][0]["content"],
        "caf\u{e9} \u{1F600}\n[EMAIL] / \"q\"\n\u{e9}t\u{e9} [EMAIL]"
    );
}

#[test]
fn json_inside_a_string_keeps_its_escapes_outside_the_rewritten_inner_string() {
    // The outer string's escapes outside the inner string that changes (`\u00e9`, `\/` in
    // `b`) stay as written. The inner string that holds the email is written anew, whole
    // (its own `\\n` and `\u00e9` come back as the JSON encoding of its new value).
    let body = r#"{"messages":[{"role":"tool","tool_call_id":"c","content":"{\"b\":\"caf\u00e9 \/ x\",\"a\":\"d\u00e9j\u00e0 jane@example.com\\nok\",\"n\":1.50}"}]}"#;
    let out = rewritten(CHAT, body);
    assert_eq!(
        out,
        r#"{"messages":[{"role":"tool","tool_call_id":"c","content":"{\"b\":\"caf\u00e9 \/ x\",\"a\":\"déjà [EMAIL]\\nok\",\"n\":1.50}"}]}"#
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let inner: serde_json::Value =
        serde_json::from_str(v["messages"][0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(inner["b"], "caf\u{e9} / x");
    assert_eq!(inner["a"], "d\u{e9}j\u{e0} [EMAIL]\nok");
}

#[test]
fn a_card_split_across_two_parts_is_found() {
    let body = r#"{"messages":[{"role":"user","content":[{"type":"text","text":"card 4111 1111"},{"type":"text","text":" 1111 1111 ok"}]}]}"#;
    let out = rewritten(CHAT, body);
    assert!(!out.contains("4111"), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["messages"][0]["content"][0]["text"], "card [CARD]");
    assert_eq!(v["messages"][0]["content"][1]["text"], " ok");
}

#[test]
fn json_inside_strings_is_redacted_and_stays_json() {
    let body = r#"{"messages":[{"role":"tool","tool_call_id":"c","content":"{\"rows\":[{\"email\":\"a.b@example.org\",\"n\":1.50}]}"}]}"#;
    let out = rewritten(CHAT, body);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let inner = v["messages"][0]["content"].as_str().unwrap();
    assert_eq!(inner, r#"{"rows":[{"email":"[EMAIL]","n":1.50}]}"#);
}

#[test]
fn card_numbers_sent_as_json_numbers_are_caught() {
    let body = r#"{"messages":[],"metadata":{"card":4111111111111111,"qty":3}}"#;
    let out = rewritten(CHAT, body);
    assert_eq!(
        out,
        r#"{"messages":[],"metadata":{"card":"[CARD]","qty":3}}"#
    );
}

#[test]
fn block_action_denies() {
    let v = run_with(
        r#"{"detectors":{"actions":{"email":"block"}}}"#,
        CHAT,
        r#"{"messages":[{"role":"user","content":"x@example.com"}]}"#,
    );
    assert_eq!(v, Verdict::Deny(Reason::ContentBlocked));
}

#[test]
fn allow_action_counts_without_changing() {
    let p = Policy::from_json(br#"{"detectors":{"actions":{"contact":"allow"}}}"#).unwrap();
    let e = classify("POST", CHAT).unwrap();
    let o = inspect_body(
        &p,
        &p.actions,
        &e,
        br#"{"messages":[{"role":"user","content":"x@example.com"}]}"#,
    );
    assert_eq!(o.verdict(), &Verdict::Forward);
    assert_eq!(o.counts.total(), 1);
}

#[test]
fn malformed_bodies_are_refused_with_precise_reasons() {
    let cases: &[(&[u8], Reason)] = &[
        (b"", Reason::InvalidJson),
        (b"{", Reason::InvalidJson),
        (b"\xef\xbb\xbf{\"messages\":[]}", Reason::InvalidJson),
        (b"{\"messages\":[]} trailing", Reason::InvalidJson),
        (b"{\"messages\":[],}", Reason::InvalidJson),
        (b"{\"messages\":[\"\xff\"]}", Reason::InvalidJson),
        (
            b"{\"messages\":[{\"content\":\"\\ud800\"}]}",
            Reason::InvalidJson,
        ),
        (
            b"{\"messages\":[],\"messages\":[]}",
            Reason::DuplicateJsonKey,
        ),
        (b"[]", Reason::InvalidBody),
        (b"{\"messages\":\"hi\"}", Reason::InvalidBody),
        (b"{\"model\":\"m\"}", Reason::InvalidBody),
    ];
    let p = Policy::from_json(b"{}").unwrap();
    let e = classify("POST", CHAT).unwrap();
    for (body, reason) in cases {
        let o = inspect_body(&p, &p.actions, &e, body);
        assert_eq!(
            o.verdict(),
            &Verdict::Deny(*reason),
            "{:?}",
            String::from_utf8_lossy(body)
        );
    }
    let deep = format!(
        "{{\"messages\":[],\"x\":{}{}}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let o = inspect_body(&p, &p.actions, &e, deep.as_bytes());
    assert_eq!(o.verdict(), &Verdict::Deny(Reason::JsonTooDeep));
}

#[test]
fn over_the_cap_is_refused() {
    let v = run_with(r#"{"max_body_bytes":10}"#, CHAT, r#"{"messages":[]}"#);
    assert_eq!(v, Verdict::Deny(Reason::BodyTooLarge));
}

#[test]
fn facts_are_read() {
    let p = Policy::from_json(b"{}").unwrap();
    let e = classify("POST", "/v1/responses").unwrap();
    let o = inspect_body(
        &p,
        &p.actions,
        &e,
        br#"{"model":"gpt-4.1","stream":true,"input":"hi"}"#,
    );
    assert_eq!(o.facts.model.as_deref(), Some("gpt-4.1"));
    assert!(o.facts.stream);
}

fn outcome(policy: &str, body: &str) -> openai_compliance_filter::pipeline::BodyOutcome {
    let p = Policy::from_json(policy.as_bytes()).unwrap();
    let e = classify("POST", CHAT).unwrap();
    inspect_body(&p, &p.actions, &e, body.as_bytes())
}

#[test]
fn a_value_a_placeholder_uncovers_is_redacted_in_a_later_round() {
    // A fuzzer-found run of glued characters: the first round redacts a key inside it, which
    // leaves a shorter run the detectors take for another value. The body that leaves holds
    // nothing a second pass finds.
    let data = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/pipeline/idempotence-discord-token-run"
    ))
    .unwrap();
    let p = Policy::from_json(br#"{"unknown_endpoints":"inspect"}"#).unwrap();
    let e = classify("POST", "/v1/completions").unwrap();
    let first = inspect_body(&p, &p.actions, &e, &data[1..]);
    let Verdict::Rewrite(out) = first.verdict() else {
        panic!("expected a rewrite, got {:?}", first.verdict());
    };
    let again = inspect_body(&p, &p.actions, &e, out);
    assert_eq!(again.verdict(), &Verdict::Forward);
    assert_eq!(again.counts.total(), 0);
}

#[test]
fn allowed_findings_are_counted_once_across_rounds() {
    let o = outcome(
        r#"{"detectors":{"actions":{"contact":"allow"}}}"#,
        r#"{"messages":[{"role":"user","content":"x@example.com and 4111 1111 1111 1111"}]}"#,
    );
    let Verdict::Rewrite(out) = o.verdict() else {
        panic!("expected a rewrite");
    };
    let out = String::from_utf8(out.clone()).unwrap();
    assert!(
        out.contains("x@example.com") && !out.contains("4111"),
        "{out}"
    );
    assert_eq!(o.counts.total(), 2, "{:?}", o.counts);
}

#[test]
fn a_pattern_that_matches_its_own_placeholder_settles() {
    // `[TAG]` is both what the pattern finds and what `redact` writes: nothing changes in the
    // second round, so the rewrite stands.
    let o = outcome(
        r#"{"detectors":{"patterns":[{"id":"tag","regex":"\\[TAG\\]|TAG-[0-9]{4}"}]}}"#,
        r#"{"messages":[{"role":"user","content":"see TAG-1234"}]}"#,
    );
    let Verdict::Rewrite(out) = o.verdict() else {
        panic!("expected a rewrite, got {:?}", o.verdict());
    };
    assert!(String::from_utf8_lossy(out).contains("see [TAG]"));
}

#[test]
fn a_rewrite_that_never_settles_is_refused() {
    // `\bK\d` matches only the first `K1` of a glued run; each placeholder's `]` makes a word
    // boundary before the next one, so every round uncovers one more: six need six rounds.
    let policy = r#"{"detectors":{"patterns":[{"id":"tag","regex":"\\bK\\d"}]}}"#;
    let o = outcome(
        policy,
        r#"{"messages":[{"role":"user","content":"see K1K1K1K1K1K1"}]}"#,
    );
    assert_eq!(o.verdict(), &Verdict::Deny(Reason::RedactionUnsettled));
    assert_eq!(o.counts.total(), 4, "{:?}", o.counts);
    // Three settle within the rounds.
    let o = outcome(
        policy,
        r#"{"messages":[{"role":"user","content":"see K1K1K1"}]}"#,
    );
    let Verdict::Rewrite(out) = o.verdict() else {
        panic!("expected a rewrite, got {:?}", o.verdict());
    };
    assert!(String::from_utf8_lossy(out).contains("see [TAG][TAG][TAG]"));
    assert_eq!(o.counts.total(), 3);
}

#[test]
fn pseudonyms_keep_counting_across_rounds() {
    // Round one: `K1` → `[TAG_1]`; round two finds `K2` behind it: `[TAG_2]`, never a second
    // `[TAG_1]`.
    let o = outcome(
        r#"{"detectors":{"default_action":"pseudonymize",
            "patterns":[{"id":"tag","regex":"\\bK\\d"}]}}"#,
        r#"{"messages":[{"role":"user","content":"K1K2"}]}"#,
    );
    let Verdict::Rewrite(out) = o.verdict() else {
        panic!("expected a rewrite, got {:?}", o.verdict());
    };
    let out = String::from_utf8(out.clone()).unwrap();
    assert!(out.contains("[TAG_1][TAG_2]"), "{out}");
}

#[test]
fn later_rounds_leave_placeholders_alone() {
    // A keyword that is its own label, and credential hashes whose `[SECRET:…]` reads like a
    // `user:password` pair or an assignment: one finding each, one rewrite, no denial.
    let cases = [
        (
            r#"{"detectors":{"keywords":[{"id":"acme","terms":["acme"]}]}}"#,
            "we use acme internally",
            "[ACME]",
        ),
        (
            r#"{"detectors":{"hash_key":"0123456789abcdef0123456789abcdef","actions":{"credential":"hash"}}}"#,
            "postgres://app:Xy7q9abcd@db.internal/x",
            "[SECRET:",
        ),
        (
            r#"{"detectors":{"hash_key":"0123456789abcdef0123456789abcdef","actions":{"credential":"hash"}}}"#,
            "password=Xy7q9ab!cdZ",
            "password=[SECRET:",
        ),
    ];
    for (policy, text, want) in cases {
        let body = serde_json::json!({"messages":[{"role":"user","content":text}]}).to_string();
        let o = outcome(policy, &body);
        let Verdict::Rewrite(out) = o.verdict() else {
            panic!("{text}: expected a rewrite, got {:?}", o.verdict());
        };
        let out = String::from_utf8(out.clone()).unwrap();
        assert!(
            out.contains(want) && !out.contains("[[") && !out.contains(":[SECRET"),
            "{out}"
        );
        assert_eq!(o.counts.total(), 1, "{text}: {:?}", o.counts);
    }
}

#[test]
fn json_inside_a_string_has_no_exempt_keys() {
    // A request's own `id`, `type` and `status` are the API's and stay as sent; the same keys
    // inside tool arguments or a tool result are whatever the tool wrote, and are scanned.
    let body = r#"{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"id\":\"jane@example.com\",\"type\":\"4111 1111 1111 1111\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"{\"status\":\"bob@example.org\",\"model\":\"x\"}"}]}"#;
    let out = rewritten("/v1/chat/completions", body);
    for value in ["jane@example.com", "4111 1111", "bob@example.org"] {
        assert!(!out.contains(value), "{value} left in {out}");
    }
    assert!(out.contains(r#""id":"c1","type":"function""#), "{out}");
    assert!(out.contains(r#"\"model\":\"x\""#), "{out}");
}

#[test]
fn member_names_of_json_inside_a_string_are_scanned() {
    let body = r#"{"model":"m","messages":[{"role":"tool","tool_call_id":"c1","content":"{\"jane@example.com\":{\"4111 1111 1111 1111\":1},\"plain\":2}"}]}"#;
    let out = rewritten("/v1/chat/completions", body);
    assert!(
        !out.contains("jane@example.com") && !out.contains("4111 1111"),
        "{out}"
    );
    assert!(
        out.contains(r#"{\"[EMAIL]\":{\"[CARD]\":1},\"plain\":2}"#),
        "{out}"
    );
    // The request's own member names are the API's and never change.
    assert!(out
        .starts_with(r#"{"model":"m","messages":[{"role":"tool","tool_call_id":"c1","content":"#));
}

#[test]
fn caller_chosen_member_names_of_a_request_are_redacted() {
    // A `metadata` key, a tool schema's property, a field the walker does not know: names the
    // caller chose reach the upstream like values do.
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"jane@example.com":"x"},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"card 4111 1111 1111 1111":{"type":"string"}},"additionalProperties":false}}}],"x_note":{"bob@example.org":1}}"#;
    let out = rewritten(CHAT, body);
    assert_eq!(
        out,
        r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"[EMAIL]":"x"},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"card [CARD]":{"type":"string"}},"additionalProperties":false}}}],"x_note":{"[EMAIL]":1}}"#
    );
    // Two names that redact alike would collide: refused, never merged.
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"a@example.com":"1","b@example.com":"2"}}"#;
    assert_eq!(run(CHAT, body), Verdict::Deny(Reason::RedactionUnsettled));
}

#[test]
fn a_customer_term_that_is_an_api_word_leaves_the_apis_names_alone() {
    let policy = r#"{"detectors":{"keywords":[{"id":"content","terms":["content","metadata"]}]}}"#;
    let body = r#"{"model":"m","messages":[{"role":"user","content":"the content"}],"metadata":{"k":"v"}}"#;
    let Verdict::Rewrite(out) = run_with(policy, CHAT, body) else {
        panic!("expected a rewrite");
    };
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"model":"m","messages":[{"role":"user","content":"the [CONTENT]"}],"metadata":{"k":"v"}}"#
    );
}

#[test]
fn a_caller_chosen_name_between_two_parts_keeps_them_joined() {
    // A caller's name beside a part, or after a message's text, is no text of the message:
    // the parts, and the messages, still meet, and a value split across them is found.
    let body = r#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"card 4111 1111","x_tag":0},{"type":"text","text":" 1111 1111"}]}]}"#;
    let out = rewritten(CHAT, body);
    assert!(
        !out.contains("4111 1111") && out.contains("[CARD]"),
        "{out}"
    );
    assert!(out.contains(r#""x_tag":0"#), "{out}");
    let body = r#"{"model":"m","messages":[{"role":"user","content":"card 4111 1111","x_tag":null},{"role":"user","content":"1111 1111"}]}"#;
    let out = rewritten(CHAT, body);
    assert!(
        !out.contains("4111 1111") && out.contains("[CARD]"),
        "{out}"
    );
}

#[test]
fn a_name_that_reads_as_json_is_text_and_cannot_collide_unseen() {
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"[\"a@example.com\"]":"1","[\"b@example.com\"]":"2"}}"#;
    assert_eq!(run(CHAT, body), Verdict::Deny(Reason::RedactionUnsettled));
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"[\"a@example.com\"]":"1"}}"#;
    assert!(rewritten(CHAT, body).contains(r#""metadata":{"[\"[EMAIL]\"]":"1"}"#));
}

/// A private key with no END line (JSON-escaped): its finding runs on across newlines.
fn private_key_without_end() -> String {
    format!(
        "-----BEGIN RSA PRIVATE KEY-----\\n{}",
        "MIIEowIBAAKCAQEA".repeat(8)
    )
}

#[test]
fn a_finding_that_runs_on_into_the_names_leaves_them_alone() {
    // A private key with no END line runs on across newlines, to the end of its string and
    // no further: it is redacted, the schema's property names are not blanked.
    let key = private_key_without_end();
    let body = format!(
        r#"{{"model":"m","messages":[{{"role":"user","content":"{key}"}}],"tools":[{{"type":"function","function":{{"name":"f","parameters":{{"type":"object","properties":{{"limit":{{"type":"integer"}},"offset":{{"type":"integer"}}}}}}}}}}]}}"#
    );
    let out = rewritten(CHAT, &body);
    assert!(!out.contains("MIIEowIBAAKCAQEA"), "{out}");
    assert!(
        out.contains(r#""properties":{"limit":{"type":"integer"},"offset":{"type":"integer"}}"#),
        "{out}"
    );
}

#[test]
fn logit_bias_token_ids_pass_as_sent() {
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"logit_bias":{"50256":-100,"1234":5,"199999":1}}"#;
    assert_eq!(run(CHAT, body), Verdict::Forward);
}

#[test]
fn a_callers_name_introduces_its_string_value() {
    // `{"ssn":"536225921"}` reads like `ssn: 536225921`: the context rules see the name, in
    // a request's metadata and in a tool's JSON alike.
    let body = r#"{"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":"{\"ssn\":\"536225921\",\"note\":\"x\"}"}],"metadata":{"password":"Hunter2Secret!xyz","phone":"4155552671","order_id":"12345678","team":"payments"}}"#;
    let out = rewritten(CHAT, body);
    assert_eq!(
        out,
        r#"{"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":"{\"ssn\":\"[SSN]\",\"note\":\"x\"}"}],"metadata":{"password":"[SECRET]","phone":"[PHONE]","order_id":"12345678","team":"payments"}}"#
    );
    // The API's own names introduce nothing: `user` is the API's, its value an id.
    let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"user":"536225921"}"#;
    assert_eq!(run(CHAT, body), Verdict::Forward);
}

#[test]
fn conversation_text_in_free_form_json_stays_joined() {
    // Inside a tool's JSON every name is text, but conversation text keeps its flow: a card
    // split across two messages of an embedded conversation, or an SSN across two parts of
    // one message, is still one value.
    let inner = r#"{"messages":[{"role":"user","content":"card 4111 1111"},{"role":"user","content":"1111 1111"},{"role":"user","content":[{"type":"text","text":"ssn 536-22-"},{"type":"text","text":"5921"}]}]}"#;
    let body = serde_json::json!({"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":inner}]}).to_string();
    let out = rewritten(CHAT, &body);
    assert!(
        !out.contains("4111 1111") && out.contains("[CARD]"),
        "{out}"
    );
    assert!(!out.contains("536-22-") && out.contains("[SSN]"), "{out}");
}

#[test]
fn a_pattern_over_a_name_and_its_value_takes_the_value_alone() {
    // `password: hunter2` on the name's line: the finding is the value's. Rendered from the
    // name too, `mask` would write the name into the value and a pseudonym after a name the
    // pattern still matches would never settle.
    for (action, want) in [
        ("redact", r#""password":"[PW]""#),
        ("pseudonymize", r#""password":"[PW_1]""#),
        ("mask", r#""password":"*"#),
    ] {
        let policy = format!(
            r#"{{"detectors":{{"patterns":[{{"id":"pw","regex":"(?i)password\\s*[:=]\\s*\\S+"}}],"actions":{{"pw":"{action}"}}}}}}"#
        );
        let body = r#"{"model":"m","messages":[{"role":"user","content":"hi"}],"metadata":{"password":"hunter2"}}"#;
        let o = outcome(&policy, body);
        let Verdict::Rewrite(out) = o.verdict() else {
            panic!("{action}: expected a rewrite, got {:?}", o.verdict());
        };
        let out = String::from_utf8(out.clone()).unwrap();
        assert!(out.contains(want), "{action}: {out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let value = v["metadata"]["password"].as_str().unwrap();
        assert!(
            !value.contains("hunt") && !value.contains(':'),
            "{action}: {out}"
        );
        assert_eq!(o.counts.total(), 1, "{action}");
    }
}

#[test]
fn a_finding_that_runs_on_leaves_named_values_alone() {
    // A private key with no END line runs on to the end of its own string: named values
    // elsewhere stay as they are.
    let key = private_key_without_end();
    let body = format!(
        r#"{{"model":"m","metadata":{{"team":"payments"}},"messages":[{{"role":"user","content":"{key}"}}]}}"#
    );
    let out = rewritten(CHAT, &body);
    assert!(!out.contains("MIIEowIBAAKCAQEA"), "{out}");
    assert!(out.contains(r#""metadata":{"team":"payments"}"#), "{out}");
}

#[test]
fn each_string_of_a_named_list_gets_its_name() {
    let inner = r#"{"ssn":["536225921","536225922"],"phone":["4155552671"],"tags":["a","b"],"mixed":["536225921",1]}"#;
    let body = serde_json::json!({"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":inner}]}).to_string();
    let out = rewritten(CHAT, &body);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tool: serde_json::Value =
        serde_json::from_str(v["messages"][0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(tool["ssn"], serde_json::json!(["[SSN]", "[SSN]"]), "{out}");
    assert_eq!(tool["phone"], serde_json::json!(["[PHONE]"]), "{out}");
    assert_eq!(tool["tags"], serde_json::json!(["a", "b"]), "{out}");
    // A list that is not strings alone keeps its strings in place (no name before them).
    assert_eq!(tool["mixed"], serde_json::json!(["536225921", 1]), "{out}");
}

#[test]
fn a_long_name_gives_each_of_its_values_its_end() {
    // A name longer than what later values read of it: its end still introduces every value,
    // and a value found in the name itself is taken once.
    let name = format!("{} customer ssn", "field description ".repeat(200));
    let inner = serde_json::json!({
        &name: ["536225921", "536225922", "536225923"],
        "note": "x"
    })
    .to_string();
    let body = serde_json::json!({"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":inner}]}).to_string();
    let out = rewritten(CHAT, &body);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tool: serde_json::Value =
        serde_json::from_str(v["messages"][0]["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        tool[&name],
        serde_json::json!(["[SSN]", "[SSN]", "[SSN]"]),
        "{out}"
    );
    let mail = format!("{} jane.doe@example.com", "x ".repeat(1000));
    let inner = serde_json::json!({ &mail: ["a", "b"] }).to_string();
    let body = serde_json::json!({"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":inner}]}).to_string();
    let p = Policy::from_json(b"{}").unwrap();
    let e = classify("POST", CHAT).unwrap();
    let got = inspect_body(&p, &p.actions, &e, body.as_bytes());
    assert_eq!(got.counts.total(), 1, "{:?}", got.verdict());
}
