use super::*;

fn policy(json: &str) -> Policy {
    Policy::from_json(json.as_bytes()).expect("policy")
}

fn verdict(p: &Policy, path: &str) -> Verdict {
    match inspect_query(p, &p.actions, path) {
        Some(o) => o.verdict,
        None => panic!("no query in {path}"),
    }
}

const SENSITIVE: Verdict = Verdict::Deny(Reason::SensitiveQuery);

#[test]
fn no_query_is_nothing_to_inspect() {
    let p = policy("{}");
    assert!(inspect_query(&p, &p.actions, "/v1/chat/completions").is_none());
    assert!(inspect_query(&p, &p.actions, "/v1/chat/completions?").is_none());
}

#[test]
fn a_clean_query_goes_on() {
    let p = policy("{}");
    for path in [
        "/v1/chat/completions?limit=20&order=desc&after=chatcmpl-abc&flag",
        "/v1/files?purpose=batch&limit=10000",
        "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21",
        "/v1/files?q=100%&r=%zz&&s==",
    ] {
        let o = inspect_query(&p, &p.actions, path).unwrap();
        assert_eq!(
            (o.verdict, o.counts.total()),
            (Verdict::Forward, 0),
            "{path}"
        );
    }
}

#[test]
fn a_sensitive_value_or_name_is_refused_never_rewritten() {
    let p = policy("{}");
    for path in [
        "/v1/chat/completions?metadata%5Bowner%5D=jane%40example.com&limit=5",
        "/v1/chat/completions?metadata[owner]=jane@example.com",
        "/v1/files?jane@example.com",
        "/v1/files?note=card+4111+1111+1111+1111",
        "/v1/files?q=%6Aane%40example%2Ecom",
    ] {
        assert_eq!(verdict(&p, path), SENSITIVE, "{path}");
    }
}

#[test]
fn a_name_introduces_its_value() {
    // Each pair is one text, `name=value`: the context rules see the name.
    let p = policy("{}");
    for path in [
        "/v1/files?ssn=536225921",
        "/v1/files?password=Hunter2Secret!xyz",
        "/v1/files?phone=4155552671",
    ] {
        assert_eq!(verdict(&p, path), SENSITIVE, "{path}");
    }
}

#[test]
fn every_reading_of_plus_and_of_double_escapes_is_checked() {
    let p = policy("{}");
    // `+` read as itself: a phone number in E.164.
    assert_eq!(verdict(&p, "/v1/files?phone=+14155552671"), SENSITIVE);
    // Escaped twice: one decoding by the upstream leaves `jane%40example.com`.
    assert_eq!(verdict(&p, "/v1/files?q=jane%2540example.com"), SENSITIVE);
    // Counted once, from the first reading.
    let o = inspect_query(&p, &p.actions, "/v1/files?q=a@example.com&r=x+y").unwrap();
    assert_eq!(o.counts.total(), 1);
}

#[test]
fn actions_apply_as_in_a_body() {
    let blocked = policy(r#"{"detectors":{"actions":{"contact":"block"}}}"#);
    assert_eq!(
        verdict(
            &blocked,
            "/v1/chat/completions?metadata[owner]=jane@example.com"
        ),
        Verdict::Deny(Reason::ContentBlocked)
    );
    let allowed = policy(r#"{"detectors":{"actions":{"contact":"allow"}}}"#);
    let o = inspect_query(&allowed, &allowed.actions, "/v1/files?q=jane@example.com").unwrap();
    assert_eq!(o.verdict, Verdict::Forward);
    assert_eq!(o.counts.total(), 1);
}

#[test]
fn bytes_that_are_no_text_are_refused_and_blobs_are_counted() {
    let p = policy("{}");
    assert_eq!(
        verdict(&p, "/v1/files?q=%FF%FE"),
        Verdict::Deny(Reason::InvalidPath)
    );
    let blob = format!("QUJD{}9Z", "QUJD".repeat(80));
    let o = inspect_query(&p, &p.actions, &format!("/v1/files?{blob}")).unwrap();
    assert_eq!(
        (o.verdict, o.unscannable.inline_base64),
        (Verdict::Forward, 1)
    );
}
