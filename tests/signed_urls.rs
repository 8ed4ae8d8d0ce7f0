//! Signed URLs (S3, GCS, Azure SAS, CloudFront) are a category of their own, `signed_url`,
//! whose default action is `allow`: a presigned link handed to the model goes through
//! whatever the policy says about credentials, and is counted. A policy that names the rule
//! or the category decides otherwise.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::{Action, Policy};
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, BodyOutcome, Verdict};
use openai_compliance_filter::policy::Reason;

const S3_QUERY: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAQ3EGUMZ7XKW2LPRB%2F20240502%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20240502T101500Z&X-Amz-Expires=900&X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr%2F%2F%2F%2F%2F%2F%2F%2F%2F%2FwEaCWV1LXdlc3QtMSJHMEUCIQD7kP2vN9xQ4mL8zR3tY6wB1cF5hJ0sA2gK7eU9iO4pDwIgZ3vT8nM1qX6rL0yC5bH9jW2fK4aE7sG3dU1oP8iN&X-Amz-SignedHeaders=host&X-Amz-Signature=4e1c9a7b3d5f2e8c6a0b9d1f3e5c7a9b2d4f6e8a0c1b3d5f7e9a2c4b6d8f0e1a";
const SAS_QUERY: &str = "sp=r&st=2024-05-02T10:00:00Z&se=2024-05-02T10:15:00Z&spr=https&sv=2022-11-02&sr=b&sig=q7Lz2VxK7mPw4NcT9bRf0a1B2c3D4e5F6g7H8i9J0kA%3D";
const GCS_QUERY: &str = "X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=exporter%40acme-analytics.iam.gserviceaccount.com%2F20240502%2Fauto%2Fstorage%2Fgoog4_request&X-Goog-Date=20240502T083000Z&X-Goog-Expires=3600&X-Goog-SignedHeaders=host&X-Goog-Signature=1d3f5b7a9c2e4f6a8b0d1c3e5f7a9b2d4c6e8f0a1b3d5c7e9f2a4b6d8c0e1f3a";
const CLOUDFRONT_QUERY: &str = "Expires=1714650000&Signature=Qm9vZ2llV29vZ2llQm9vZ2llV29vZ2llQm9vZ2ll~V29vZ2llQm9vZ2llV29vZ2ll-Qm9vZ2llV29vZ2ll_&Key-Pair-Id=K2JCJMDEHXQW5F";

fn urls() -> Vec<(String, &'static str)> {
    vec![
        (
            format!("https://acme-uploads.s3.eu-west-1.amazonaws.com/shots/a.png?{S3_QUERY}"),
            S3_QUERY,
        ),
        (
            format!("https://acmeprod.blob.core.windows.net/img/b.png?{SAS_QUERY}"),
            SAS_QUERY,
        ),
        (
            format!("https://storage.googleapis.com/acme-exports/c.png?{GCS_QUERY}"),
            GCS_QUERY,
        ),
        (
            format!("https://d111111abcdef8.cloudfront.net/d.png?{CLOUDFRONT_QUERY}"),
            CLOUDFRONT_QUERY,
        ),
    ]
}

/// A chat completion with the URL as an image part and in the text.
fn body(url: &str) -> String {
    serde_json::json!({
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": format!("What is on this picture? Source: {url} (a screenshot)")},
            {"type": "image_url", "image_url": {"url": url}},
        ]}],
    })
    .to_string()
}

fn run(policy: &str, body: &str) -> (Policy, BodyOutcome) {
    let p = Policy::from_json(policy.as_bytes()).unwrap();
    let e = classify("POST", "/v1/chat/completions").unwrap();
    let out = inspect_body(&p, &p.actions, &e, body.as_bytes());
    (p, out)
}

fn signed_url_count(p: &Policy, out: &BodyOutcome) -> u32 {
    out.counts
        .by_rule
        .iter()
        .filter(|(r, _)| &*p.detectors.rule(*r).unwrap().id == "signed_url")
        .map(|(_, n)| *n)
        .sum()
}

#[test]
fn signed_urls_are_counted_and_forwarded_by_default() {
    for (url, _) in urls() {
        for policy in [
            "{}",
            // The issue: S3 and GCS links were refused under `credential: block`.
            r#"{"detectors":{"actions":{"credential":"block"}}}"#,
            // Their own default stands unless the policy names the rule or its category.
            r#"{"detectors":{"default_action":"block"}}"#,
        ] {
            let (p, out) = run(policy, &body(&url));
            assert_eq!(*out.verdict(), Verdict::Forward, "{policy} {url}");
            assert_eq!(
                signed_url_count(&p, &out),
                2,
                "{policy} {url}: {:?}",
                out.counts
            );
            assert_eq!(
                out.counts.total(),
                2,
                "{policy} {url}: nothing else inside: {:?}",
                out.counts
            );
        }
    }
}

#[test]
fn a_policy_that_names_signed_urls_decides() {
    for (url, query) in urls() {
        let (_, out) = run(
            r#"{"detectors":{"actions":{"signed_url":"redact"}}}"#,
            &body(&url),
        );
        let Verdict::Rewrite(b) = out.verdict() else {
            panic!("{url}: expected a rewrite, got {:?}", out.verdict());
        };
        let b = String::from_utf8(b.clone()).unwrap();
        assert!(!b.contains(query) && b.contains("?[SIGNED_URL]"), "{b}");
        let (_, out) = run(
            r#"{"detectors":{"actions":{"signed_url":"block"}}}"#,
            &body(&url),
        );
        assert_eq!(*out.verdict(), Verdict::Deny(Reason::ContentBlocked));
    }
}

#[test]
fn disabled_signed_urls_leave_their_parts_to_the_other_rules() {
    let (p, out) = run(
        r#"{"detectors":{"disabled":["signed_url"]}}"#,
        &body(&urls()[0].0),
    );
    assert!(matches!(out.verdict(), Verdict::Rewrite(_)));
    assert!(out
        .counts
        .by_rule
        .iter()
        .any(|(r, _)| &*p.detectors.rule(*r).unwrap().id == "aws_access_key_id"));
}

#[test]
fn signed_url_is_a_rule_and_a_category_of_the_default_policy() {
    let p = Policy::from_json(b"{}").unwrap();
    let meta = p
        .detectors
        .rules()
        .iter()
        .position(|r| &*r.id == "signed_url")
        .unwrap();
    let rule = p.detectors.rules().get(meta).unwrap();
    assert_eq!(&*rule.category, "signed_url");
    assert_eq!(p.actions.get(u16::try_from(meta).unwrap()), Action::Allow);
    // Both names are accepted wherever a rule id or category is.
    for policy in [
        r#"{"detectors":{"disabled":["signed_url"]}}"#,
        r#"{"detectors":{"actions":{"signed_url":"mask"}}}"#,
    ] {
        assert!(Policy::from_json(policy.as_bytes()).is_ok(), "{policy}");
    }
}
