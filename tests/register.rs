//! The compliance register through the request state machine (`exchange::Exchange`), the way
//! the adapter and the CLI drive it: headers, body, steps and the audit record.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::exchange::{Exchange, Step};
use openai_compliance_filter::policy::throttle::MemoryStore;
use std::rc::Rc;

const REGISTER: &str = include_str!("../envoy/policies/register.json");

const EU_OK: &[(&str, &str)] = &[
    (":method", "POST"),
    (":path", "/v1/chat/completions"),
    (":authority", "eu.api.openai.com"),
    ("content-type", "application/json"),
    ("openai-project", "proj_support_eu"),
    ("openai-organization", "org-acme"),
    ("x-ocf-caller", "spiffe://cluster.local/ns/support/sa/bot"),
    (
        "authorization",
        "Bearer sk-proj-abcdefghijklmnopqrstuvwxyz0123",
    ),
];

const US_OK: &[(&str, &str)] = &[
    (":method", "POST"),
    (":path", "/v1/chat/completions"),
    (":authority", "api.openai.com"),
    ("content-type", "application/json"),
    ("openai-project", "proj_internal_us"),
    ("openai-organization", "org-acme"),
    ("x-ocf-caller", "spiffe://cluster.local/ns/tools/sa/runner"),
];

const CLINICAL_OK: &[(&str, &str)] = &[
    (":method", "POST"),
    (":path", "/v1/chat/completions"),
    (":authority", "us.api.openai.com"),
    ("content-type", "application/json"),
    ("openai-project", "proj_clinical"),
    ("openai-organization", "org-acme-health"),
    (
        "x-ocf-caller",
        "spiffe://cluster.local/ns/clinical/sa/scribe",
    ),
];

const CHAT: &str = r#"{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hello"}]}"#;

fn policy(src: &str) -> Rc<Policy> {
    Rc::new(Policy::from_json(src.as_bytes()).unwrap())
}

/// `base` with `set` replacing (or adding) headers, and `drop` removed.
fn headers(base: &[(&str, &str)], set: &[(&str, &str)], drop: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = base
        .iter()
        .filter(|(k, _)| !drop.contains(k) && !set.iter().any(|(s, _)| s == k))
        .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
        .collect();
    out.extend(
        set.iter()
            .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec())),
    );
    out
}

/// What the exchange did, with the routing header step unwrapped.
#[derive(Debug)]
struct Outcome {
    status: Option<u16>,
    code: Option<String>,
    forwarded: Option<Vec<u8>>,
    route: Option<Option<String>>,
    record: serde_json::Value,
}

/// Drives one exchange: headers, then the body (if any) in one piece.
fn drive(p: &Rc<Policy>, hdrs: &[(String, Vec<u8>)], body: Option<&str>) -> Outcome {
    // As in the adapter: a store for the throttles, and the downstream address (loopback, in
    // the clinical project's `sources`).
    let mut x = Exchange::new(Some(p.clone())).with_store(Rc::new(MemoryStore::default()));
    x.note_downstream_address(b"127.0.0.1:40000");
    let mut step = x.on_request_headers(hdrs, body.is_none(), 1_000);
    let mut route = None;
    if let Step::SetRequestHeader { name, value, then } = step {
        assert_eq!(name, "x-ocf-region");
        route = Some(value);
        step = *then;
    }
    let body_bytes = body.unwrap_or("").as_bytes();
    if step == Step::Pause && body.is_some() {
        step = x.on_request_body(body_bytes.len(), true);
    }
    if let Step::ReadBody { size } = step {
        assert_eq!(size, body_bytes.len());
        step = x.decide_body(body_bytes);
    }
    let (status, code, forwarded) = match step {
        Step::Reply { status, body } => {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            (
                Some(status),
                v["error"]["code"].as_str().map(String::from),
                None,
            )
        }
        Step::Continue => (None, None, Some(body_bytes.to_vec())),
        Step::ReplaceBody { bytes, .. } => (None, None, Some(bytes)),
        other => panic!("unexpected step {other:?}"),
    };
    let record: serde_json::Value = serde_json::from_str(&x.finish(2_000).to_json()).unwrap();
    Outcome {
        status,
        code,
        forwarded,
        route,
        record,
    }
}

fn denied(o: &Outcome, status: u16, code: &str) {
    assert_eq!(
        (o.status, o.code.as_deref()),
        (Some(status), Some(code)),
        "{o:?}"
    );
    assert_eq!(o.record["decision"], "deny");
    assert_eq!(o.record["reason"], code);
    assert!(o.forwarded.is_none());
}

fn allowed(o: &Outcome) -> String {
    assert_eq!(o.status, None, "{o:?}");
    String::from_utf8(o.forwarded.clone().unwrap()).unwrap()
}

#[test]
fn the_register_allows_its_own_traffic() {
    let p = policy(REGISTER);
    let eu_chat =
        r#"{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}],"store":false}"#;
    let o = drive(&p, &headers(EU_OK, &[], &[]), Some(eu_chat));
    assert_eq!(allowed(&o), eu_chat);
    assert_eq!(o.route, Some(Some("eu".to_string())));
    assert_eq!(o.record["region"], "eu");
    assert_eq!(
        o.record["caller"],
        "spiffe://cluster.local/ns/support/sa/bot"
    );
    assert_eq!(o.record["project"], "proj_support_eu");
    assert_eq!(o.record["model"], "gpt-4.1");
    let o = drive(&p, &headers(US_OK, &[], &[]), Some(CHAT));
    assert_eq!(allowed(&o), CHAT);
    assert_eq!(o.route, Some(Some("us".to_string())));
    let list = headers(
        US_OK,
        &[(":method", "GET"), (":path", "/v1/models")],
        &["content-type"],
    );
    assert_eq!(allowed(&drive(&p, &list, None)), "");
    let o = drive(
        &p,
        &headers(CLINICAL_OK, &[], &[]),
        Some(r#"{"model":"gpt-4.1","messages":[],"store":false}"#),
    );
    allowed(&o);
}

/// One table per rule family: (request headers, body, status, code).
type Case = (
    Vec<(String, Vec<u8>)>,
    Option<&'static str>,
    u16,
    &'static str,
);

fn run_table(p: &Rc<Policy>, cases: Vec<Case>) {
    for (i, (h, body, status, code)) in cases.into_iter().enumerate() {
        let o = drive(p, &h, body);
        assert_eq!(
            (o.status, o.code.as_deref()),
            (Some(status), Some(code)),
            "case {i}: {o:?}"
        );
        assert_eq!(o.record["reason"], code, "case {i}");
    }
}

#[test]
fn project_organization_caller_and_region_denials() {
    let p = policy(REGISTER);
    let b = Some(CHAT);
    run_table(
        &p,
        vec![
            (
                headers(EU_OK, &[("openai-project", "proj_other")], &[]),
                b,
                403,
                "project_not_allowed",
            ),
            (
                headers(EU_OK, &[], &["openai-project"]),
                b,
                403,
                "project_not_allowed",
            ),
            (
                headers(EU_OK, &[("openai-organization", "org-evil")], &[]),
                b,
                403,
                "organization_not_allowed",
            ),
            (
                headers(EU_OK, &[], &["openai-organization"]),
                b,
                403,
                "organization_not_allowed",
            ),
            (
                headers(
                    EU_OK,
                    &[("x-ocf-caller", "spiffe://cluster.local/ns/tools/sa/x")],
                    &[],
                ),
                b,
                403,
                "caller_not_allowed",
            ),
            (
                headers(EU_OK, &[], &["x-ocf-caller"]),
                b,
                403,
                "caller_not_allowed",
            ),
            (
                headers(
                    EU_OK,
                    &[("x-caller", "spiffe://cluster.local/ns/support/sa/bot")],
                    &["x-ocf-caller"],
                ),
                b,
                403,
                "caller_not_allowed",
            ),
            (
                headers(EU_OK, &[(":authority", "api.openai.com")], &[]),
                b,
                403,
                "region_not_allowed",
            ),
            (
                headers(EU_OK, &[(":authority", "us.api.openai.com")], &[]),
                b,
                403,
                "region_not_allowed",
            ),
            (
                headers(
                    EU_OK,
                    &[(":authority", "eu.api.openai.com.evil.example")],
                    &[],
                ),
                b,
                403,
                "region_not_allowed",
            ),
            (
                headers(US_OK, &[(":authority", "eu.api.openai.com")], &[]),
                b,
                403,
                "region_not_allowed",
            ),
            (
                headers(
                    CLINICAL_OK,
                    &[(
                        "x-ocf-caller",
                        "spiffe://cluster.local/ns/clinical/sa/scribe2",
                    )],
                    &[],
                ),
                b,
                403,
                "caller_not_allowed",
            ),
        ],
    );
    // Host variants of the region's host are the same host.
    for host in [
        "EU.API.OPENAI.COM",
        "eu.api.openai.com.",
        "eu.api.openai.com:443",
    ] {
        let eu = r#"{"model":"gpt-4.1","messages":[],"store":false}"#;
        let o = drive(&p, &headers(EU_OK, &[(":authority", host)], &[]), Some(eu));
        allowed(&o);
        assert_eq!(o.route, Some(Some("eu".to_string())), "{host}");
    }
}

#[test]
fn endpoint_model_and_retention_denials() {
    let p = policy(REGISTER);
    let eu = |path: &'static str| headers(EU_OK, &[(":path", path)], &[]);
    let eu_get = |path: &'static str| {
        headers(
            EU_OK,
            &[(":method", "GET"), (":path", path)],
            &["content-type"],
        )
    };
    let clinical = |path: &'static str| headers(CLINICAL_OK, &[(":path", path)], &[]);
    run_table(
        &p,
        vec![
            (
                eu("/v1/completions"),
                Some(r#"{"model":"gpt-4.1","prompt":"x"}"#),
                403,
                "endpoint_not_allowed",
            ),
            (eu("/v1/files"), Some("{}"), 403, "endpoint_not_allowed"),
            (eu_get("/v1/models"), None, 403, "endpoint_not_allowed"),
            (
                eu("/v1/chat/completions"),
                Some(r#"{"model":"gpt-4o","messages":[],"store":false}"#),
                403,
                "model_not_allowed",
            ),
            (
                eu("/v1/chat/completions"),
                Some(r#"{"messages":[],"store":false}"#),
                403,
                "model_not_allowed",
            ),
            (
                eu("/v1/embeddings"),
                Some(r#"{"model":"text-embedding-3-large","input":"x"}"#),
                403,
                "model_not_allowed",
            ),
            (
                eu("/openai/deployments/unmapped/chat/completions?api-version=2024-10-21"),
                Some(r#"{"messages":[]}"#),
                403,
                "model_not_allowed",
            ),
            (
                eu("/v1/responses"),
                Some(r#"{"model":"gpt-4.1","input":"x","store":true}"#),
                403,
                "retention_violation",
            ),
            (
                eu("/v1/responses"),
                Some(r#"{"model":"gpt-4.1","input":"x","store":"false"}"#),
                403,
                "retention_violation",
            ),
            (
                eu("/v1/responses"),
                Some(r#"{"model":"gpt-4.1","input":"x","store":null}"#),
                403,
                "retention_violation",
            ),
            (
                eu("/v1/responses"),
                Some(
                    r#"{"model":"gpt-4.1","input":"x","store":false,"previous_response_id":"resp_1"}"#,
                ),
                403,
                "retention_violation",
            ),
            (
                eu("/v1/responses"),
                Some(r#"{"model":"gpt-4.1","input":"x","conversation":"conv_1"}"#),
                403,
                "retention_violation",
            ),
            (
                eu("/v1/responses"),
                Some(r#"{"model":"gpt-4.1","input":"x","background":true}"#),
                403,
                "retention_violation",
            ),
            (
                eu("/v1/chat/completions"),
                Some(r#"{"model":"gpt-4.1","messages":[],"store":true}"#),
                403,
                "retention_violation",
            ),
            (
                eu_get("/v1/responses/resp_123"),
                None,
                403,
                "retention_violation",
            ),
            (
                clinical("/v1/chat/completions"),
                Some(r#"{"model":"gpt-4.1","messages":[]}"#),
                403,
                "retention_violation",
            ),
            // The endpoint list is checked before the retention scope.
            (
                clinical("/v1/files"),
                Some("{}"),
                403,
                "endpoint_not_allowed",
            ),
            (
                clinical("/v1/chat/completions"),
                Some(
                    r#"{"model":"gpt-4.1","store":false,"messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"}}]}]}"#,
                ),
                403,
                "unscannable_content",
            ),
        ],
    );
}

#[test]
fn header_hygiene_denials() {
    let p = policy(REGISTER);
    let b = Some(CHAT);
    let mut two_projects = headers(EU_OK, &[], &[]);
    two_projects.push(("openai-project".into(), b"proj_support_eu".to_vec()));
    let mut two_callers = headers(EU_OK, &[], &[]);
    two_callers.push((
        "x-ocf-caller".into(),
        b"spiffe://cluster.local/ns/support/sa/bot".to_vec(),
    ));
    let mut host_mismatch = headers(EU_OK, &[], &[]);
    host_mismatch.push(("host".into(), b"us.api.openai.com".to_vec()));
    let mut non_utf8 = headers(EU_OK, &[], &["openai-project"]);
    non_utf8.push(("openai-project".into(), vec![0xff, 0xfe, b'p']));
    run_table(
        &p,
        vec![
            (two_projects, b, 400, "duplicate_header"),
            (two_callers, b, 400, "duplicate_header"),
            (host_mismatch, b, 400, "duplicate_header"),
            (
                headers(
                    EU_OK,
                    &[("openai-project", "proj_support_eu, proj_internal_us")],
                    &[],
                ),
                b,
                400,
                "duplicate_header",
            ),
            (
                headers(EU_OK, &[("openai-organization", "org-acme,org-acme")], &[]),
                b,
                400,
                "duplicate_header",
            ),
            (non_utf8, b, 400, "invalid_header"),
            (
                headers(EU_OK, &[("openai-project", "proj support")], &[]),
                b,
                400,
                "invalid_header",
            ),
            (
                headers(EU_OK, &[("openai_project", "proj_internal_us")], &[]),
                b,
                400,
                "invalid_header",
            ),
            (
                headers(
                    EU_OK,
                    &[("x_ocf_caller", "spiffe://cluster.local/ns/support/sa/bot")],
                    &[],
                ),
                b,
                400,
                "invalid_header",
            ),
            (
                headers(EU_OK, &[(":authority", "eu.api.openai.com/x")], &[]),
                b,
                400,
                "invalid_header",
            ),
        ],
    );
}

#[test]
fn zero_retention_injects_store_false_into_the_original_bytes() {
    let p = policy(REGISTER);
    let h = headers(EU_OK, &[(":path", "/v1/responses")], &[]);
    let body = "{\"model\":\"gpt-4.1\", \"input\":\"mail a@example.com\", \"n\": 1E400}";
    let o = drive(&p, &h, Some(body));
    // `contact: allow` for this project: the email stays; only `store` is added.
    assert_eq!(
        allowed(&o),
        "{\"store\":false,\"model\":\"gpt-4.1\", \"input\":\"mail a@example.com\", \"n\": 1E400}"
    );
    assert_eq!(o.record["decision"], "redact");
    assert_eq!(o.record["findings"]["email"], 1);
    // The same body under the US project (no project data overrides): redacted, no store.
    let h = headers(US_OK, &[(":path", "/v1/responses")], &[]);
    let out = allowed(&drive(&p, &h, Some(body)));
    assert!(
        out.starts_with("{\"model\"") && out.contains("[EMAIL]"),
        "{out}"
    );
}

#[test]
fn project_data_overrides_apply_per_project() {
    let p = policy(REGISTER);
    let card = r#"{"model":"gpt-4.1","store":false,"messages":[{"role":"user","content":"card 4111 1111 1111 1111"}]}"#;
    denied(
        &drive(&p, &headers(EU_OK, &[], &[]), Some(card)),
        403,
        "content_blocked",
    );
    let out = allowed(&drive(&p, &headers(US_OK, &[], &[]), Some(card)));
    assert!(out.contains("[CARD]"), "{out}");
    let email = r#"{"model":"gpt-4.1","store":false,"messages":[{"role":"user","content":"a@example.com"}]}"#;
    assert_eq!(
        allowed(&drive(&p, &headers(EU_OK, &[], &[]), Some(email))),
        email
    );
    let out = allowed(&drive(&p, &headers(CLINICAL_OK, &[], &[]), Some(email)));
    assert!(out.contains("[EMAIL_1]"), "{out}");
}

#[test]
fn project_caps_apply_at_head_and_while_streaming() {
    let p = policy(
        r#"{"max_body_bytes":1000,"projects":{"small":{"max_body_bytes":100},"default":{}}}"#,
    );
    let base: &[(&str, &str)] = &[
        (":method", "POST"),
        (":path", "/v1/chat/completions"),
        ("content-type", "application/json"),
    ];
    let small = headers(
        base,
        &[("openai-project", "small"), ("content-length", "101")],
        &[],
    );
    let mut x = Exchange::new(Some(p.clone()));
    let Step::Reply { status, .. } = x.on_request_headers(&small, false, 1) else {
        panic!()
    };
    assert_eq!(status, 413);
    let other = headers(
        base,
        &[("openai-project", "big"), ("content-length", "101")],
        &[],
    );
    let mut x = Exchange::new(Some(p.clone()));
    assert_eq!(x.on_request_headers(&other, false, 1), Step::Pause);
    let chunked = headers(base, &[("openai-project", "small")], &[]);
    let mut x = Exchange::new(Some(p.clone()));
    assert_eq!(x.on_request_headers(&chunked, false, 1), Step::Pause);
    let Step::Reply { status, .. } = x.on_request_body(101, false) else {
        panic!()
    };
    assert_eq!(status, 413);
}

#[test]
fn project_mode_overrides_the_global_one() {
    let p = policy(
        r#"{"mode":"enforce","projects":{"trial":{"mode":"audit","models":["gpt-4.1"]},"strict":{"models":["gpt-4.1"]}}}"#,
    );
    let base: &[(&str, &str)] = &[
        (":method", "POST"),
        (":path", "/v1/chat/completions"),
        ("content-type", "application/json"),
    ];
    let o = drive(
        &p,
        &headers(base, &[("openai-project", "trial")], &[]),
        Some(CHAT),
    );
    assert_eq!(allowed(&o), CHAT);
    assert_eq!(o.record["decision"], "would_deny");
    assert_eq!(o.record["reason"], "model_not_allowed");
    assert_eq!(o.record["mode"], "audit");
    let o = drive(
        &p,
        &headers(base, &[("openai-project", "strict")], &[]),
        Some(CHAT),
    );
    denied(&o, 403, "model_not_allowed");
    assert_eq!(o.record["mode"], "enforce");
    // Project unknown: the global (enforce) mode decides.
    let o = drive(
        &p,
        &headers(base, &[("openai-project", "nope")], &[]),
        Some(CHAT),
    );
    denied(&o, 403, "project_not_allowed");
    // And the other way round: global audit, project enforce.
    let p =
        policy(r#"{"mode":"audit","projects":{"strict":{"mode":"enforce","models":["gpt-4.1"]}}}"#);
    let o = drive(
        &p,
        &headers(base, &[("openai-project", "strict")], &[]),
        Some(CHAT),
    );
    denied(&o, 403, "model_not_allowed");
    let o = drive(
        &p,
        &headers(base, &[("openai-project", "nope")], &[]),
        Some(CHAT),
    );
    assert_eq!(o.record["decision"], "would_deny");
    assert_eq!(o.record["reason"], "project_not_allowed");
}

#[test]
fn without_projects_everything_is_as_before() {
    let p = policy("{}");
    let base: &[(&str, &str)] = &[
        (":method", "POST"),
        (":path", "/v1/chat/completions"),
        ("content-type", "application/json"),
        ("openai-project", "whatever"),
        (":authority", "api.openai.com"),
    ];
    let o = drive(&p, &headers(base, &[], &[]), Some(CHAT));
    assert_eq!(allowed(&o), CHAT);
    assert_eq!(
        o.route, None,
        "no routing header unless the policy names one"
    );
    assert_eq!(o.record["region"], "global");
    assert!(o.record["caller"].is_null());
    let o = drive(
        &p,
        &headers(base, &[("x-ocf-caller", "a"), ("x-ocf-caller", "b")], &[]),
        Some(CHAT),
    );
    assert_eq!(allowed(&o), CHAT);
}

#[test]
fn no_client_header_switches_inspection_or_logging_off() {
    let p = policy(REGISTER);
    let body = r#"{"model":"gpt-4.1","messages":[{"role":"user","content":"key sk-proj-abcdefghijklmnopqrstuvwxyz0123"}]}"#;
    let tries: &[(&str, &str)] = &[
        ("x-ocf-mode", "audit"),
        ("x-ocf-bypass", "1"),
        ("x-ocf-inspect", "off"),
        ("x-ocf-log", "off"),
        ("x-envoy-debug", "1"),
        ("x-ocf-region", "eu"),
    ];
    let h = headers(US_OK, tries, &[]);
    let o = drive(&p, &h, Some(body));
    denied(&o, 403, "content_blocked");
    assert_eq!(o.record["findings"]["openai_api_key"], 1);
}

#[test]
fn routing_header_is_set_or_removed_never_taken_from_the_client() {
    let p = policy(REGISTER);
    let eu_chat = r#"{"model":"gpt-4.1","messages":[],"store":false}"#;
    let h = headers(EU_OK, &[("x-ocf-region", "us")], &[]);
    assert_eq!(drive(&p, &h, Some(eu_chat)).route, Some(Some("eu".into())));
    // A project without a region: the region of the host, if any.
    let p = policy(r#"{"routing_header":"x-ocf-region","projects":{"default":{}}}"#);
    let base: &[(&str, &str)] = &[
        (":method", "POST"),
        (":path", "/v1/chat/completions"),
        ("content-type", "application/json"),
        ("x-ocf-region", "eu"),
    ];
    let h = headers(base, &[(":authority", "jp.api.openai.com")], &[]);
    assert_eq!(drive(&p, &h, Some(CHAT)).route, Some(Some("jp".into())));
    let h = headers(base, &[(":authority", "localhost:10000")], &[]);
    assert_eq!(drive(&p, &h, Some(CHAT)).route, Some(None));
    // A denied request gets no header edit: it never leaves.
    let mut x = Exchange::new(Some(p.clone()));
    let h = headers(base, &[("openai-project", "a, b")], &[]);
    assert!(matches!(
        x.on_request_headers(&h, false, 1),
        Step::Reply { status: 400, .. }
    ));
}

#[test]
fn azure_requests_are_recognised_and_mapped() {
    let p = policy(REGISTER);
    let h = headers(
        EU_OK,
        &[
            (
                ":path",
                "/openai/deployments/gpt41-eu/chat/completions?api-version=2024-10-21",
            ),
            ("api-key", "0123456789abcdef0123456789abcdef"),
        ],
        &["authorization"],
    );
    let body = r#"{"messages":[{"role":"user","content":"hi"}],"store":false}"#;
    let o = drive(&p, &h, Some(body));
    assert_eq!(allowed(&o), body);
    assert_eq!(
        o.record["endpoint"],
        "/openai/deployments/{deployment}/chat/completions"
    );
    assert_eq!(o.record["api"], "chat.completions");
    assert_eq!(o.record["model"], "gpt-4.1");
    let text = o.record.to_string();
    assert!(!text.contains("gpt41-eu"), "{text}");
    assert!(!text.contains("0123456789abcdef"), "{text}");
    assert!(!text.contains("sk-proj"), "{text}");
}

#[test]
fn error_bodies_never_echo_the_input() {
    let p = policy(REGISTER);
    let marker = "proj_MARKER_9f8e7d";
    let h = headers(EU_OK, &[("openai-project", marker)], &[]);
    let mut x = Exchange::new(Some(p.clone()));
    let Step::Reply { body, .. } = x.on_request_headers(&h, false, 1) else {
        panic!()
    };
    assert!(!body.contains(marker) && !body.contains("MARKER"));
}
