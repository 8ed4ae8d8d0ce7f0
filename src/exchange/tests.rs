//! The exchange as the adapter drives it: one test per behaviour, plain calls, no host.

use super::*;

fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect()
}

fn exchange(policy: &str) -> Exchange {
    Exchange::new(Some(Rc::new(Policy::from_json(policy.as_bytes()).unwrap())))
}

const CHAT: &[(&str, &str)] = &[
    (":method", "POST"),
    (":path", "/v1/chat/completions"),
    ("content-type", "application/json"),
];

#[test]
fn redacts_a_body_delivered_in_pieces() {
    let mut x = exchange("{}");
    assert_eq!(x.on_request_headers(&hdrs(CHAT), false, 1), Step::Pause);
    assert_eq!(x.on_request_body(10, false), Step::Pause);
    let body = br#"{"messages":[{"role":"user","content":"a@example.com"}]}"#;
    assert_eq!(
        x.on_request_body(body.len(), true),
        Step::ReadBody { size: body.len() }
    );
    let Step::ReplaceBody { bytes, .. } = x.decide_body(body) else {
        panic!()
    };
    assert!(String::from_utf8(bytes).unwrap().contains("[EMAIL]"));
    let r = x.finish(5);
    assert_eq!(r.decision, Decision::Redact);
    assert_eq!(r.duration_ms, Some(4));
}

#[test]
fn a_file_upload_is_inspected_as_multipart() {
    let mut x = exchange("{}");
    let h = hdrs(&[
        (":method", "POST"),
        (":path", "/v1/files"),
        ("content-type", "multipart/form-data; boundary=zz"),
    ]);
    assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause);
    let body = concat!(
        "--zz\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n",
        "--zz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n",
        "{\"messages\":[{\"role\":\"user\",\"content\":\"a@example.com\"}]}\r\n--zz--\r\n"
    )
    .as_bytes();
    x.on_request_body(body.len(), true);
    let Step::ReplaceBody { bytes, .. } = x.decide_body(body) else {
        panic!()
    };
    let sent = String::from_utf8(bytes).unwrap();
    assert!(
        sent.contains("[EMAIL]") && !sent.contains("a@example.com"),
        "{sent}"
    );
    let r = x.finish(3);
    assert_eq!((r.decision, r.api), (Decision::Redact, "files"));
}

#[test]
fn a_sensitive_query_string_is_refused_and_its_findings_join_the_bodys() {
    let mut x = exchange("{}");
    let h = hdrs(&[
        (":method", "GET"),
        (
            ":path",
            "/v1/chat/completions?metadata[owner]=a%40example.com&limit=5",
        ),
    ]);
    let Step::Reply { status, body } = x.on_request_headers(&h, true, 1) else {
        panic!("expected a refusal")
    };
    assert_eq!(status, 403);
    assert!(body.contains("sensitive_query") && !body.contains("example"));
    let r = x.finish(2);
    assert_eq!(
        (r.decision, r.reason, r.findings.len()),
        (Decision::Deny, Some("sensitive_query"), 1)
    );

    // An `allow` finding in the query goes on, counted with the body's.
    let mut x = exchange(r#"{"detectors":{"actions":{"contact":"allow"}}}"#);
    let h = hdrs(&[
        (":method", "POST"),
        (":path", "/v1/chat/completions?note=b%40example.com"),
        ("content-type", "application/json"),
    ]);
    assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause);
    let body = br#"{"messages":[{"role":"user","content":"card 4111 1111 1111 1111"}]}"#;
    x.on_request_body(body.len(), true);
    assert!(matches!(x.decide_body(body), Step::ReplaceBody { .. }));
    let r = x.finish(3);
    assert_eq!(r.decision, Decision::Redact);
    assert_eq!(r.findings.values().sum::<u32>(), 2, "{:?}", r.findings);
}

#[test]
fn a_blocked_value_in_the_query_refuses_the_request_and_audit_mode_only_records_it() {
    let policy = r#"{"detectors":{"actions":{"contact":"block"}}}"#;
    let h = hdrs(&[(":method", "GET"), (":path", "/v1/files?q=a@example.com")]);
    let mut x = exchange(policy);
    let Step::Reply { status, .. } = x.on_request_headers(&h, true, 1) else {
        panic!("expected a refusal")
    };
    assert_eq!(status, 403);
    let mut x = exchange(&policy.replace("{\"detectors\"", "{\"mode\":\"audit\",\"detectors\""));
    assert_eq!(x.on_request_headers(&h, true, 1), Step::Continue);
    assert_eq!(x.finish(2).decision, Decision::WouldDeny);
}

#[test]
fn a_request_abandoned_while_held_is_recorded_as_aborted() {
    let mut x = exchange("{}");
    x.on_request_headers(&hdrs(CHAT), false, 1);
    x.on_request_body(10, false);
    let r = x.finish(2);
    assert_eq!(r.decision, Decision::Aborted);
    assert_eq!(
        (r.reason, r.bytes_in, r.bytes_out),
        (Some("client_abort"), 10, 0)
    );
}

#[test]
fn trailers_complete_the_body() {
    let mut x = exchange("{}");
    x.on_request_headers(&hdrs(CHAT), false, 1);
    assert_eq!(x.on_request_body(7, false), Step::Pause);
    assert_eq!(x.on_request_trailers(), Step::ReadBody { size: 7 });
}

#[test]
fn chunked_body_over_the_cap_is_refused_while_streaming() {
    let mut x = exchange(r#"{"max_body_bytes":100}"#);
    x.on_request_headers(&hdrs(CHAT), false, 1);
    let Step::Reply { status, .. } = x.on_request_body(101, false) else {
        panic!()
    };
    assert_eq!(status, 413);
    assert_eq!(x.on_request_body(200, true), Step::Pause);
}

#[test]
fn declared_length_must_match() {
    let mut h = hdrs(CHAT);
    h.extend(hdrs(&[("content-length", "50")]));
    let mut x = exchange("{}");
    x.on_request_headers(&h, false, 1);
    x.on_request_body(40, true);
    let Step::Reply { status, .. } = x.decide_body(&[b' '; 40]) else {
        panic!()
    };
    assert_eq!(status, 503);
}

#[test]
fn audit_mode_forwards_and_records_would() {
    let mut x = exchange(r#"{"mode":"audit"}"#);
    let files = hdrs(&[(":method", "POST"), (":path", "/v1/files")]);
    assert_eq!(x.on_request_headers(&files, false, 1), Step::Continue);
    assert_eq!(x.finish(2).decision, Decision::WouldDeny);
    let mut x = exchange(r#"{"mode":"audit"}"#);
    x.on_request_headers(&hdrs(CHAT), false, 1);
    let body = br#"{"messages":[{"role":"user","content":"a@example.com"}]}"#;
    x.on_request_body(body.len(), true);
    assert_eq!(x.decide_body(body), Step::Continue);
    assert_eq!(x.finish(2).decision, Decision::WouldRedact);
}

#[test]
fn audit_mode_makes_every_decision_after_a_head_rule_fails() {
    let body =
        br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"mail a@example.com"}]}"#;
    let cases: [(&str, &str, (&str, &str), &str); 4] = [
        // A project the register does not know: judged without project rules.
        (
            r#"{"mode":"audit","projects":{"p":{}}}"#,
            "/v1/chat/completions",
            ("openai-project", "q"),
            "project_not_allowed",
        ),
        // An endpoint the project may not use: judged with the project's rules.
        (
            r#"{"mode":"audit","projects":{"p":{"endpoints":["embeddings"]}}}"#,
            "/v1/chat/completions",
            ("openai-project", "p"),
            "endpoint_not_allowed",
        ),
        // A policy header that cannot be trusted: judged as naming no project.
        (
            r#"{"mode":"audit"}"#,
            "/v1/chat/completions",
            ("openai_project", "p"),
            "invalid_header",
        ),
        // A value in the query (which is never rewritten); the body would be redacted,
        // and the record keeps the refusal.
        (
            r#"{"mode":"audit"}"#,
            "/v1/chat/completions?u=b@example.com",
            ("x-other", "1"),
            "sensitive_query",
        ),
    ];
    for (policy, path, extra, reason) in cases {
        let h = hdrs(&[
            (":method", "POST"),
            (":path", path),
            ("content-type", "application/json"),
            extra,
        ]);
        let mut x = exchange(policy);
        assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause, "{policy}");
        assert_eq!(
            x.on_request_body(body.len(), true),
            Step::ReadBody { size: body.len() }
        );
        assert_eq!(x.decide_body(body), Step::Continue, "{policy}");
        let r = x.finish(2);
        assert_eq!(r.decision, Decision::WouldDeny, "{policy}");
        assert_eq!(r.reason, Some(reason), "{policy}");
        let emails = if path.contains('@') { 2 } else { 1 };
        assert_eq!(r.findings.get("email"), Some(&emails), "{policy}");
        assert_eq!(r.model.as_ref().map(|m| m.as_str()), Some("gpt-4o-mini"));
        // Enforce mode refuses the same request at its head, for the same reason.
        let mut x = exchange(&policy.replace(r#""mode":"audit""#, r#""mode":"enforce""#));
        assert!(matches!(
            x.on_request_headers(&h, false, 1),
            Step::Reply { .. }
        ));
        assert_eq!(x.finish(2).reason, Some(reason));
    }
}

#[test]
fn an_audit_mode_request_stays_in_audit_mode_after_a_head_rule_fails() {
    let body = br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"a@example.com"}]}"#;
    // A `default` project in enforce mode is never resolved for a request whose policy
    // headers failed hygiene: it is judged by the audit-mode policy alone.
    let policy = r#"{"mode":"audit","projects":{"p":{},"default":{"mode":"enforce","endpoints":["embeddings"]}}}"#;
    let cases: [&[(&str, &str)]; 2] = [
        &[("openai_project", "p")],
        &[
            ("openai-project", "p"),
            (":authority", "a.example"),
            ("host", "b.example"),
        ],
    ];
    for extra in cases {
        let mut h = hdrs(CHAT);
        h.extend(hdrs(extra));
        let mut x = exchange(policy);
        assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause, "{extra:?}");
        x.on_request_body(body.len(), true);
        assert_eq!(x.decide_body(body), Step::Continue, "{extra:?}");
        let r = x.finish(2);
        assert_eq!(r.decision, Decision::WouldDeny);
        assert_eq!(r.mode, "audit");
        assert_eq!(r.findings.get("email"), Some(&1));
    }
    // Two refusals: the record keeps the first, the one enforce would send.
    let h = hdrs(&[
        (":method", "POST"),
        (":path", "/v1/chat/completions?u=b@example.com"),
        ("content-type", "application/json"),
        ("openai-project", "unknown"),
    ]);
    let mut x = exchange(r#"{"mode":"audit","projects":{"p":{}}}"#);
    assert_eq!(x.on_request_headers(&h, false, 1), Step::Pause);
    x.on_request_body(body.len(), true);
    x.decide_body(body);
    assert_eq!(x.finish(2).reason, Some("project_not_allowed"));
}

#[test]
fn audit_mode_routes_a_request_with_untrusted_policy_headers_by_its_host() {
    let policy = r#"{"mode":"audit","routing_header":"x-region",
        "regions":{"eu":["eu.api.openai.com"]},"projects":{"p":{}}}"#;
    let route = |extra: &[(&str, &str)]| {
        let mut h = hdrs(CHAT);
        h.extend(hdrs(extra));
        match exchange(policy).on_request_headers(&h, false, 1) {
            Step::SetRequestHeader { name, value, .. } if name == "x-region" => value,
            other => panic!("{other:?}"),
        }
    };
    let eu = Some("eu".to_string());
    // A lookalike project header: the host still names the region.
    assert_eq!(
        route(&[(":authority", "eu.api.openai.com"), ("openai_project", "p")]),
        eu
    );
    // An unknown project: the same.
    assert_eq!(
        route(&[(":authority", "eu.api.openai.com"), ("openai-project", "q")]),
        eu
    );
    // The host itself is what failed: no region.
    let two_hosts = [
        (":authority", "eu.api.openai.com"),
        ("host", "api.openai.com"),
    ];
    assert_eq!(route(&two_hosts), None);
}

#[test]
fn no_policy_refuses_everything() {
    let mut x = Exchange::new(None);
    let Step::Reply { status, .. } = x.on_request_headers(&hdrs(CHAT), true, 1) else {
        panic!()
    };
    assert_eq!(status, 503);
}

#[test]
fn headers_only_post_is_inspected_as_an_empty_body() {
    let mut x = exchange("{}");
    assert_eq!(
        x.on_request_headers(&hdrs(CHAT), true, 1),
        Step::ReadBody { size: 0 }
    );
    let Step::Reply { status, .. } = x.decide_body(b"") else {
        panic!()
    };
    assert_eq!(status, 400);
}

fn forwarded_chat(policy: &str) -> Exchange {
    let mut x = exchange(policy);
    let mut h = hdrs(CHAT);
    h.extend(hdrs(&[(
        "authorization",
        "Bearer sk-proj-secretsecretsecret",
    )]));
    x.on_request_headers(&h, false, 10);
    let body = br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#;
    x.on_request_body(body.len(), true);
    assert_eq!(x.decide_body(body), Step::Continue);
    x
}

#[test]
fn response_json_usage_status_ids_and_timings() {
    let mut x = forwarded_chat("{}");
    x.note_upstream_host(b"127.0.0.1:18080");
    let resp = hdrs(&[
        (":status", "200"),
        ("content-type", "application/json"),
        ("x-request-id", "req_abc123"),
    ]);
    x.on_response_headers(&resp, false, 25);
    assert!(x.wants_response_body());
    let body = br#"{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}"#;
    let (a, b) = body.split_at(40);
    x.on_response_body(a.len(), a, false);
    x.on_response_body(b.len(), b, true);
    let r = x.finish(30);
    assert_eq!(r.status, Some(200));
    assert_eq!(r.ttfb_ms, Some(15));
    assert_eq!(r.duration_ms, Some(20));
    assert_eq!(r.response_bytes, body.len() as u64);
    assert_eq!(r.openai_request_id.as_ref().unwrap().as_str(), "req_abc123");
    assert_eq!(
        r.upstream_host.as_ref().unwrap().as_str(),
        "127.0.0.1:18080"
    );
    let u = r.usage.unwrap();
    assert_eq!(
        (u.prompt_tokens, u.completion_tokens, u.total_tokens),
        (Some(7), Some(2), Some(9))
    );
    let fp = r.key_fingerprint.clone().unwrap();
    assert!(fp.starts_with("k1:") && !fp.contains("secret"));
    let json = r.to_json();
    assert!(!json.contains("sk-proj"), "{json}");
}

/// The first step for a chat request with these `Accept-Encoding` values (and `extra`
/// headers), under `policy`.
fn head_step(policy: &str, accept: &[&str], extra: &[(&str, &str)]) -> Step {
    let mut h = hdrs(CHAT);
    for a in accept {
        h.extend(hdrs(&[("accept-encoding", a)]));
    }
    h.extend(hdrs(extra));
    exchange(policy).on_request_headers(&h, false, 1)
}

#[test]
fn accept_encoding_is_narrowed_to_codings_the_usage_reader_follows() {
    let narrowed = |value: &str| Step::SetRequestHeader {
        name: "accept-encoding".into(),
        value: Some(value.into()),
        then: Box::new(Step::Pause),
    };
    let step = |accept: &[&str]| head_step("{}", accept, &[]);
    assert_eq!(
        step(&["gzip, deflate, br, zstd"]),
        narrowed("gzip, deflate")
    );
    assert_eq!(step(&["br"]), narrowed("identity"));
    assert_eq!(step(&["br", "gzip"]), narrowed("gzip"));
    // Readable already (the Python SDK's), or absent: no header call.
    assert_eq!(step(&["gzip, deflate"]), Step::Pause);
    assert_eq!(step(&[]), Step::Pause);
    // Not a POST: no reply that reports usage, so the client's codings stand.
    let download = hdrs(&[
        (":method", "GET"),
        (":path", "/v1/files/file-abc/content"),
        ("accept-encoding", "br"),
    ]);
    assert_eq!(
        exchange("{}").on_request_headers(&download, true, 1),
        Step::Continue
    );
    // Left as sent when the policy says so.
    let as_sent = r#"{"audit":{"accept_encoding":"as_sent"}}"#;
    assert_eq!(head_step(as_sent, &["br"], &[]), Step::Pause);
    // A refusal is the reply alone; audit mode forwards what it would refuse, narrowed.
    let lookalike = [("openai_project", "p")];
    assert!(matches!(
        head_step("{}", &["br"], &lookalike),
        Step::Reply { status: 400, .. }
    ));
    assert_eq!(
        head_step(r#"{"mode":"audit"}"#, &["br"], &lookalike),
        Step::SetRequestHeader {
            name: "accept-encoding".into(),
            value: Some("identity".into()),
            then: Box::new(Step::Pause),
        }
    );
}

#[test]
fn usage_is_read_from_a_gzip_reply() {
    let body = br#"{"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}"#;
    let gz = crate::inflate::tests::gzip(body, None, None, false);
    for coding in ["gzip", "br"] {
        let mut x = forwarded_chat("{}");
        let resp = hdrs(&[
            (":status", "200"),
            ("content-type", "application/json"),
            ("content-encoding", coding),
        ]);
        x.on_response_headers(&resp, false, 25);
        assert_eq!(x.wants_response_body(), coding == "gzip");
        let (a, b) = gz.split_at(9);
        x.on_response_body(a.len(), a, false);
        x.on_response_body(b.len(), b, true);
        let r = x.finish(30);
        assert_eq!(r.response_bytes, gz.len() as u64);
        let total = r.usage.and_then(|u| u.total_tokens);
        assert_eq!(total, (coding == "gzip").then_some(9), "{coding}");
    }
}

#[test]
fn fingerprint_key_from_the_policy_is_stable_across_policies() {
    let one = r#"{"audit":{"fingerprint_key":"0123456789abcdef0123"}}"#;
    let two = r#"{"mode":"audit","audit":{"fingerprint_key":"0123456789abcdef0123"}}"#;
    let a = forwarded_chat(one).finish(11).key_fingerprint.clone();
    let b = forwarded_chat(two).finish(11).key_fingerprint.clone();
    assert!(a.is_some());
    assert_eq!(a, b);
    // Derived keys differ per policy document.
    let c = forwarded_chat("{}").finish(11).key_fingerprint.clone();
    let d = forwarded_chat(r#"{"mode":"enforce"}"#)
        .finish(11)
        .key_fingerprint
        .clone();
    assert_ne!(a, c);
    assert_ne!(c, d);
}

#[test]
fn sse_usage_across_chunks_and_unparseable_responses() {
    let mut x = forwarded_chat("{}");
    let resp = hdrs(&[(":status", "200"), ("content-type", "text/event-stream")]);
    x.on_response_headers(&resp, false, 12);
    let sse = b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":1,\"total_tokens\":5}}\n\ndata: [DONE]\n\n";
    for c in sse.chunks(3) {
        x.on_response_body(c.len(), c, false);
    }
    x.on_response_body(0, b"", true);
    assert_eq!(x.finish(13).usage.unwrap().total_tokens, Some(5));

    let mut x = forwarded_chat("{}");
    let resp = hdrs(&[
        (":status", "200"),
        ("content-type", "application/json"),
        ("content-encoding", "br"),
    ]);
    x.on_response_headers(&resp, false, 12);
    assert!(!x.wants_response_body());
    x.on_response_body(100, b"", true);
    let r = x.finish(13);
    assert_eq!(r.usage, None);
    assert_eq!(r.response_bytes, 100);

    let mut x = forwarded_chat("{}");
    x.on_response_headers(&hdrs(&[(":status", "502")]), false, 12);
    x.on_response_body(3, b"bad", false);
    // No end of stream (reset): the record is still finished.
    let r = x.finish(13);
    assert_eq!((r.status, r.usage), (Some(502), None));
}

const RESTORE: &str = r#"{"detectors":{"restore_pseudonyms":true,
    "actions":{"email":"pseudonymize","payment_card":"block"}}}"#;

/// A chat request mailing `a@example.com` (and `extra` text) under `policy`, forwarded;
/// the placeholder that went upstream, if any.
fn forwarded_with(policy: &str, mode_extra: &str) -> (Exchange, Option<String>) {
    let mut x = exchange(policy);
    x.on_request_headers(&hdrs(CHAT), false, 1);
    let body = format!(
        r#"{{"model":"gpt-4o-mini","messages":[{{"role":"user","content":"mail a@example.com{mode_extra}"}}]}}"#
    );
    x.on_request_body(body.len(), true);
    let sent = match x.decide_body(body.as_bytes()) {
        Step::ReplaceBody { bytes, .. } => String::from_utf8(bytes).ok(),
        _ => None,
    };
    let placeholder = sent.and_then(|s| {
        let start = s.find("[EMAIL_")?;
        let end = start + s[start..].find(']')? + 1;
        Some(s[start..end].to_string())
    });
    (x, placeholder)
}

#[test]
fn a_reply_is_restored_and_counted_and_its_length_and_coding_headers_go() {
    let (mut x, placeholder) = forwarded_with(RESTORE, "");
    let placeholder = placeholder.unwrap();
    let resp = hdrs(&[
        (":status", "200"),
        ("content-type", "application/json"),
        ("content-encoding", "gzip"),
        ("content-length", "99"),
    ]);
    x.on_response_headers(&resp, false, 2);
    assert!(x.restores_response());
    assert_eq!(
        x.response_header_removals(),
        &["content-length", "content-encoding"]
    );
    let reply = format!(
        r#"{{"choices":[{{"message":{{"content":"to {placeholder} and [EMAIL_1]"}}}}],"usage":{{"total_tokens":3}}}}"#
    );
    let gz = crate::inflate::tests::gzip(reply.as_bytes(), None, None, false);
    let (a, b) = gz.split_at(gz.len() / 2);
    let mut out = x.restore_response_body(a.len(), a, false).unwrap();
    out.extend(x.restore_response_body(b.len(), b, true).unwrap());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"{"choices":[{"message":{"content":"to a@example.com and [EMAIL_1]"}}],"usage":{"total_tokens":3}}"#
    );
    let r = x.finish(3);
    assert_eq!(r.restored.get("contact"), Some(&1));
    assert_eq!(r.usage.and_then(|u| u.total_tokens), Some(3));
    assert_eq!(r.response_bytes, gz.len() as u64);
    assert!(!r.to_json().contains("a@example.com"));
}

#[test]
fn no_restoration_without_a_minted_placeholder_a_success_or_a_readable_reply() {
    let json = [(":status", "200"), ("content-type", "application/json")];
    // Not restoring, audit mode (the body went up as sent), a refusal: no restorer.
    for policy in [
        r#"{"detectors":{"actions":{"email":"pseudonymize"}}}"#,
        &RESTORE.replace(r#"{"detectors""#, r#"{"mode":"audit","detectors""#),
    ] {
        let (mut x, _) = forwarded_with(policy, "");
        x.on_response_headers(&hdrs(&json), false, 2);
        assert!(!x.restores_response(), "{policy}");
        assert!(x.response_header_removals().is_empty());
    }
    let (mut x, placeholder) = forwarded_with(RESTORE, " card 4111 1111 1111 1111");
    assert_eq!(placeholder, None);
    x.on_response_headers(&hdrs(&json), false, 2);
    assert!(!x.restores_response());
    assert_eq!(x.finish(3).decision, Decision::Deny);
    // An error status, or a coding the filter cannot read: the reply goes on as it came.
    for resp in [
        vec![(":status", "400"), ("content-type", "application/json")],
        vec![
            (":status", "200"),
            ("content-type", "application/json"),
            ("content-encoding", "br"),
        ],
        vec![(":status", "200"), ("content-type", "text/plain")],
    ] {
        let (mut x, _) = forwarded_with(RESTORE, "");
        x.on_response_headers(&hdrs(&resp), false, 2);
        assert!(!x.restores_response(), "{resp:?}");
    }
}

#[test]
fn accept_encoding_is_narrowed_under_as_sent_when_the_rules_restore() {
    let as_sent = r#"{"audit":{"accept_encoding":"as_sent"},
        "detectors":{"actions":{"email":{"action":"pseudonymize","restore":true}}}}"#;
    assert_eq!(
        head_step(as_sent, &["br, gzip"], &[]),
        Step::SetRequestHeader {
            name: "accept-encoding".into(),
            value: Some("gzip".into()),
            then: Box::new(Step::Pause),
        }
    );
}

#[test]
fn local_reply_keeps_the_denial_and_reads_nothing() {
    let mut x = exchange("{}");
    x.on_request_headers(
        &hdrs(&[(":method", "POST"), (":path", "/v1/files")]),
        false,
        1,
    );
    let resp = hdrs(&[
        (":status", "403"),
        ("content-type", "application/json"),
        ("x-request-id", "req_x"),
    ]);
    x.on_response_headers(&resp, false, 2);
    assert!(!x.wants_response_body());
    let r = x.finish(3);
    assert_eq!((r.decision, r.status), (Decision::Deny, Some(403)));
    assert_eq!(r.openai_request_id, None);
}

#[test]
fn a_stream_ended_before_its_headers_reached_the_filter_was_never_seen() {
    // Envoy answers a WebSocket upgrade on a listener without `upgrade_configs` itself:
    // the filter gets its reply and `on_log`, never the request headers.
    let mut x = exchange("{}");
    x.on_response_headers(&hdrs(&[(":status", "403")]), true, 2);
    assert!(!x.seen());
    // The record it would write says `allow`: the adapter writes none.
    assert_eq!(x.finish(3).decision, Decision::Allow);
    let mut x = exchange("{}");
    x.on_request_headers(
        &hdrs(&[(":method", "GET"), (":path", "/v1/models")]),
        true,
        1,
    );
    assert!(x.seen());
    let mut x = Exchange::new(None);
    x.on_request_headers(&hdrs(CHAT), true, 1);
    assert!(x.seen(), "a refusal is a decision, recorded");
}
