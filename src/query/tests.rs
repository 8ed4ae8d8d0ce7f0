use super::*;

fn policy(json: &str) -> Policy {
    Policy::from_json(json.as_bytes()).expect("policy")
}

fn run(p: &Policy, path: &str) -> Option<QueryOutcome> {
    inspect_query(p, &p.actions, path)
}

fn new_path(o: Option<QueryOutcome>) -> String {
    match o.map(|o| o.verdict) {
        Some(Verdict::Rewrite(b)) => String::from_utf8(b).expect("utf-8"),
        v => panic!("expected a rewrite, got {v:?}"),
    }
}

#[test]
fn no_query_is_nothing_to_inspect() {
    let p = policy("{}");
    assert!(run(&p, "/v1/chat/completions").is_none());
    assert!(run(&p, "/v1/chat/completions?").is_none());
}

#[test]
fn a_clean_query_is_forwarded_as_sent() {
    let p = policy("{}");
    let o = run(
        &p,
        "/v1/chat/completions?limit=20&order=desc&after=chatcmpl-abc&flag",
    )
    .unwrap();
    assert_eq!(o.verdict, Verdict::Forward);
    assert_eq!(o.counts.total(), 0);
}

#[test]
fn values_and_names_are_redacted_and_the_other_pairs_stay_as_sent() {
    let p = policy("{}");
    let out = new_path(run(
        &p,
        "/v1/chat/completions?metadata%5Bowner%5D=jane%40example.com&limit=2%30&jane@example.com&x=%7e",
    ));
    assert_eq!(
        out,
        "/v1/chat/completions?metadata%5Bowner%5D=%5BEMAIL%5D&limit=2%30&%5BEMAIL%5D&x=%7e"
    );
}

#[test]
fn form_encoding_is_decoded_before_the_scan() {
    let p = policy("{}");
    // `+` is a space: a card number written with them is one value.
    let out = new_path(run(
        &p,
        "/v1/files?purpose=batch&note=card+4111+1111+1111+1111",
    ));
    assert_eq!(out, "/v1/files?purpose=batch&note=card%20%5BCARD%5D");
    let out = new_path(run(&p, "/v1/files?q=%6Aane%40example%2Ecom"));
    assert_eq!(out, "/v1/files?q=%5BEMAIL%5D");
}

#[test]
fn actions_apply_as_in_a_body() {
    let blocked = policy(r#"{"detectors":{"actions":{"contact":"block"}}}"#);
    let o = run(
        &blocked,
        "/v1/chat/completions?metadata[owner]=jane@example.com",
    )
    .unwrap();
    assert_eq!(o.verdict, Verdict::Deny(Reason::ContentBlocked));
    let allowed = policy(r#"{"detectors":{"actions":{"contact":"allow"}}}"#);
    let o = run(
        &allowed,
        "/v1/chat/completions?metadata[owner]=jane@example.com",
    )
    .unwrap();
    assert_eq!(o.verdict, Verdict::Forward);
    assert_eq!(o.counts.total(), 1);
}

#[test]
fn bytes_that_are_no_text_are_refused() {
    let p = policy("{}");
    let o = run(&p, "/v1/files?q=%FF%FE").unwrap();
    assert_eq!(o.verdict, Verdict::Deny(Reason::InvalidPath));
    // A `%` without two hex digits is a literal `%`, as servers read it.
    let o = run(&p, "/v1/files?q=100%&r=%zz").unwrap();
    assert_eq!(o.verdict, Verdict::Forward);
}
