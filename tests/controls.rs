//! The gateway controls through the exchange state machine, natively: revoked keys, source
//! allowlists (Envoy's address, or trusted `x-forwarded-for` hops), throttles shared by
//! workers through a compare-and-swap store (tokens charged from the reply's usage), and the
//! project header for Envoy's own rate limiters.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::audit::Decision;
use openai_compliance_filter::config::Policy;
use openai_compliance_filter::exchange::{Exchange, Step};
use openai_compliance_filter::policy::throttle::MemoryStore;
use std::rc::Rc;

const FP_KEY: &str = r#""audit":{"fingerprint_key":"controls-test-fingerprint-key"}"#;
const KEY: &str = "sk-proj-ControlsTestKey0000000000000000000000";

fn policy(json: &str) -> Rc<Policy> {
    Rc::new(Policy::from_json(json.as_bytes()).unwrap())
}

fn headers(extra: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
    let mut h: Vec<(String, Vec<u8>)> = [
        (":method", "POST"),
        (":path", "/v1/chat/completions"),
        (":authority", "api.openai.com"),
        ("content-type", "application/json"),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v.as_bytes().to_vec()))
    .collect();
    h.sort_by(|a, b| a.0.cmp(&b.0));
    h
}

const BODY: &[u8] = br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#;

/// Runs a request to its end: the first step, and the record's decision and reason.
fn run(x: &mut Exchange, h: &[(String, Vec<u8>)], now: u64) -> Step {
    let mut step = x.on_request_headers(h, false, now);
    while let Step::SetRequestHeader { then, .. } = step {
        step = *then;
    }
    if step == Step::Pause {
        x.on_request_body(BODY.len(), true);
        step = x.decide_body(BODY);
    }
    step
}

fn status(step: &Step) -> Option<u16> {
    match step {
        Step::Reply { status, .. } => Some(*status),
        _ => None,
    }
}

fn fingerprint(p: &Policy, key: &str) -> String {
    p.audit.fingerprint(key.as_bytes())
}

#[test]
fn a_revoked_key_is_refused_before_any_other_rule() {
    let base = policy(&format!("{{{FP_KEY}}}"));
    let fp = fingerprint(&base, KEY);
    let p = policy(&format!(
        r#"{{{FP_KEY},"revoked_keys":["{fp}"],"projects":{{"p":{{}}}}}}"#
    ));
    // Unknown project too: the key is what is refused.
    let h = headers(&[
        ("authorization", &format!("Bearer {KEY}")),
        ("openai-project", "unlisted"),
    ]);
    let mut x = Exchange::new(Some(p.clone()));
    let step = run(&mut x, &h, 1);
    let Step::Reply { status, body } = &step else {
        panic!("{step:?}")
    };
    assert_eq!(*status, 401);
    assert!(
        body.contains("\"key_revoked\"") && !body.contains(KEY),
        "{body}"
    );
    let r = x.finish(2);
    assert_eq!(
        (r.decision, r.reason),
        (Decision::Deny, Some("key_revoked"))
    );
    assert_eq!(r.key_fingerprint.as_deref(), Some(fp.as_str()));
    // The Azure header and another key.
    let azure = headers(&[("api-key", KEY), ("openai-project", "p")]);
    assert_eq!(status_of(&p, &azure), Some(401));
    let other = headers(&[
        ("authorization", "Bearer sk-other"),
        ("openai-project", "p"),
    ]);
    assert_eq!(status_of(&p, &other), None);
    // Audit mode records it and forwards.
    let audit = policy(&format!(
        r#"{{"mode":"audit",{FP_KEY},"revoked_keys":["{fp}"]}}"#
    ));
    let mut x = Exchange::new(Some(audit));
    assert_eq!(run(&mut x, &h, 1), Step::Continue);
    let r = x.finish(2);
    assert_eq!(
        (r.decision, r.reason),
        (Decision::WouldDeny, Some("key_revoked"))
    );
}

fn status_of(p: &Rc<Policy>, h: &[(String, Vec<u8>)]) -> Option<u16> {
    status(&run(&mut Exchange::new(Some(p.clone())), h, 1))
}

#[test]
fn a_source_allowlist_checks_the_downstream_address() {
    let p = policy(r#"{"projects":{"net":{"sources":["10.0.0.0/8","2001:db8::/32"]},"open":{}}}"#);
    let h = |project: &str| headers(&[("openai-project", project)]);
    let with_addr = |addr: Option<&str>, project: &str| {
        let mut x = Exchange::new(Some(p.clone()));
        assert!(x.needs_downstream_address());
        if let Some(a) = addr {
            x.note_downstream_address(a.as_bytes());
        }
        let step = run(&mut x, &h(project), 1);
        (status(&step), x.finish(2).reason)
    };
    assert_eq!(with_addr(Some("10.2.3.4:5555"), "net"), (None, None));
    assert_eq!(with_addr(Some("[2001:db8::5]:443"), "net"), (None, None));
    assert_eq!(
        with_addr(Some("192.168.0.1:5555"), "net"),
        (Some(403), Some("source_not_allowed"))
    );
    // Unknown address: refused, never waved through.
    assert_eq!(
        with_addr(None, "net"),
        (Some(403), Some("source_not_allowed"))
    );
    assert_eq!(with_addr(Some("garbage"), "net").0, Some(403));
    // Another project has no list.
    assert_eq!(with_addr(Some("192.168.0.1:5555"), "open"), (None, None));
    // A client-sent x-forwarded-for is never read without trusted hops.
    let mut x = Exchange::new(Some(p.clone()));
    x.note_downstream_address(b"192.168.0.1:5555");
    let mut spoof = h("net");
    spoof.push(("x-forwarded-for".into(), b"10.1.1.1".to_vec()));
    assert_eq!(status(&run(&mut x, &spoof, 1)), Some(403));
}

#[test]
fn trusted_hops_take_the_client_from_x_forwarded_for() {
    let p = policy(
        r#"{"source_address":{"xff_trusted_hops":1},"projects":{"net":{"sources":["203.0.113.0/24"]}}}"#,
    );
    let h = |xff: Option<&str>| {
        let mut h = headers(&[("openai-project", "net")]);
        if let Some(v) = xff {
            h.push(("x-forwarded-for".into(), v.as_bytes().to_vec()));
        }
        h
    };
    let run_one = |xff| {
        let mut x = Exchange::new(Some(p.clone()));
        assert!(!x.needs_downstream_address());
        x.note_downstream_address(b"10.0.0.1:1");
        status(&run(&mut x, &h(xff), 1))
    };
    assert_eq!(run_one(Some("203.0.113.9")), None);
    // What the client wrote before the trusted proxy's entry does not count.
    assert_eq!(run_one(Some("203.0.113.9, 198.51.100.1")), Some(403));
    assert_eq!(run_one(None), Some(403));
}

fn throttled(limits: &str) -> Rc<Policy> {
    policy(&format!(
        r#"{{"project_header":"x-ocf-project","projects":{{"p":{{"throttle":{limits}}},"q":{{}}}}}}"#
    ))
}

#[test]
fn requests_per_minute_are_shared_by_workers_and_answered_with_retry_after() {
    let p = throttled(r#"{"requests_per_minute":2}"#);
    let store: Rc<MemoryStore> = Rc::new(MemoryStore::default());
    let h = headers(&[("openai-project", "p")]);
    let now = 1_800_000_000_000;
    // Two "workers" (exchanges) drawing from one store.
    for _ in 0..2 {
        let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
        assert_eq!(status(&run(&mut x, &h, now)), None);
        assert!(x.reply_headers().is_empty());
    }
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    let step = run(&mut x, &h, now + 1000);
    let Step::Reply { status: code, body } = &step else {
        panic!("{step:?}")
    };
    assert_eq!(*code, 429);
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(v["error"]["code"], "rate_limited");
    assert_eq!(v["error"]["type"], "requests");
    assert_eq!(x.reply_headers(), vec![("retry-after", "29".to_string())]);
    let r = x.finish(now + 1001);
    assert_eq!(
        (r.decision, r.reason, r.rate_limit, r.status),
        (
            Decision::Deny,
            Some("rate_limited"),
            Some("requests_per_minute"),
            Some(429)
        )
    );
    // Another project is not limited; the budget refills.
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    assert_eq!(
        status(&run(&mut x, &headers(&[("openai-project", "q")]), now)),
        None
    );
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    assert_eq!(status(&run(&mut x, &h, now + 30_000)), None);
    // Without a store a throttle is never skipped.
    let mut x = Exchange::new(Some(p.clone()));
    assert_eq!(status(&run(&mut x, &h, now)), Some(429));
    assert_eq!(x.finish(now).rate_limit, Some("unavailable"));
}

#[test]
fn tokens_are_charged_from_the_reply_usage() {
    let p = throttled(r#"{"tokens_per_minute":100}"#);
    let store: Rc<MemoryStore> = Rc::new(MemoryStore::default());
    let h = headers(&[("openai-project", "p")]);
    let now = 1_800_000_000_000;
    let reply = |x: &mut Exchange, tokens: u64| {
        let resp = vec![
            (":status".to_string(), b"200".to_vec()),
            ("content-type".to_string(), b"application/json".to_vec()),
        ];
        x.on_response_headers(&resp, false, now);
        let body = format!(
            r#"{{"id":"c","usage":{{"prompt_tokens":1,"completion_tokens":{},"total_tokens":{tokens}}}}}"#,
            tokens - 1
        );
        x.on_response_body(body.len(), body.as_bytes(), true);
        x.finish(now);
        // A second finish charges nothing more.
        x.finish(now);
    };
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    assert_eq!(status(&run(&mut x, &h, now)), None);
    reply(&mut x, 130);
    // 30 tokens of debt at 100/min: 18 s.
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    assert_eq!(status(&run(&mut x, &h, now)), Some(429));
    assert_eq!(x.reply_headers(), vec![("retry-after", "19".to_string())]);
    let r = x.finish(now);
    assert_eq!(r.rate_limit, Some("tokens_per_minute"));
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    assert_eq!(status(&run(&mut x, &h, now + 18_001)), None);
}

#[test]
fn audit_mode_records_a_throttle_and_takes_nothing() {
    let p = policy(r#"{"mode":"audit","projects":{"p":{"throttle":{"requests_per_minute":1}}}}"#);
    let store: Rc<MemoryStore> = Rc::new(MemoryStore::default());
    let h = headers(&[("openai-project", "p")]);
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    assert_eq!(status(&run(&mut x, &h, 5)), None);
    for _ in 0..2 {
        let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
        assert_eq!(run(&mut x, &h, 6), Step::Continue);
        assert!(x.reply_headers().is_empty());
        let r = x.finish(7);
        assert_eq!(
            (r.decision, r.reason, r.rate_limit),
            (
                Decision::WouldDeny,
                Some("rate_limited"),
                Some("requests_per_minute")
            )
        );
    }
}

#[test]
fn a_refused_request_takes_nothing_from_the_budget() {
    let p = policy(
        r#"{"projects":{"p":{"models":["gpt-4.1"],"endpoints":["chat.completions"],"throttle":{"requests_per_minute":1}}}}"#,
    );
    let store: Rc<MemoryStore> = Rc::new(MemoryStore::default());
    let mut wrong = headers(&[("openai-project", "p")]);
    for (k, v) in wrong.iter_mut() {
        if k == ":path" {
            *v = b"/v1/embeddings".to_vec();
        }
    }
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    assert_eq!(status(&run(&mut x, &wrong, 1)), Some(403));
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    let ok = headers(&[("openai-project", "p")]);
    // Head admitted (the body's model is then refused: 403, but the request was metered).
    assert_eq!(status(&run(&mut x, &ok, 1)), Some(403));
    assert_eq!(x.finish(1).reason, Some("model_not_allowed"));
    let mut x = Exchange::new(Some(p.clone())).with_store(store.clone());
    assert_eq!(status(&run(&mut x, &ok, 1)), Some(429));
}

#[test]
fn the_project_header_names_the_resolved_entry_and_replaces_a_client_value() {
    let p = policy(r#"{"project_header":"x-ocf-project","projects":{"p":{},"default":{}}}"#);
    let first = |h: &[(String, Vec<u8>)]| match Exchange::new(Some(p.clone()))
        .on_request_headers(h, false, 1)
    {
        Step::SetRequestHeader { name, value, .. } => (name, value),
        other => panic!("{other:?}"),
    };
    let mut h = headers(&[("openai-project", "p"), ("x-ocf-project", "spoofed")]);
    assert_eq!(
        first(&h),
        ("x-ocf-project".to_string(), Some("p".to_string()))
    );
    h.retain(|(k, _)| k != "openai-project");
    assert_eq!(
        first(&h),
        ("x-ocf-project".to_string(), Some("default".to_string()))
    );
    // Without a projects section nothing is resolved: a client value is removed.
    let none = policy(r#"{"project_header":"x-ocf-project"}"#);
    match Exchange::new(Some(none)).on_request_headers(&h, false, 1) {
        Step::SetRequestHeader { name, value, .. } => {
            assert_eq!((name.as_str(), value), ("x-ocf-project", None))
        }
        other => panic!("{other:?}"),
    }
}
