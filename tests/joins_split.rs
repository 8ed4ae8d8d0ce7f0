//! Values split across a run of message texts (review of the joins, `pipeline/join.rs`):
//! what a text finds on its own must not hide the value the run holds, a value whose name is
//! in the text before is found, a split value counts once under its own rule, and the rest of
//! a key is not left in the next part. Bodies are driven through `inspect_body` as in
//! `tests/boundaries.rs`. The keys are random strings in each provider's documented format,
//! the card and IBAN numbers public test numbers (Luhn, mod 97).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};

#[path = "support/b64.rs"]
mod b64;
use b64::b64url;

fn policy(json: &str) -> Policy {
    Policy::from_json(json.as_bytes()).unwrap()
}

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// The texts the upstream gets for `texts` as the text parts of one user message (chat
/// completions, or `input_text` parts in Responses), and the number of findings.
fn parts_with(p: &Policy, texts: &[&str], responses: bool) -> (Vec<String>, u32) {
    let (path, kind) = match responses {
        true => ("/v1/responses", "input_text"),
        false => ("/v1/chat/completions", "text"),
    };
    let items: Vec<String> = texts
        .iter()
        .map(|t| format!(r#"{{"type":"{kind}","text":{}}}"#, json(t)))
        .collect();
    let body = match responses {
        true => format!(
            r#"{{"model":"gpt-4.1","input":[{{"role":"user","content":[{}]}}]}}"#,
            items.join(",")
        ),
        false => format!(
            r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":[{}]}}]}}"#,
            items.join(",")
        ),
    };
    let e = classify("POST", path).unwrap();
    let out = inspect_body(p, &p.actions, &e, body.as_bytes());
    let sent: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
    let got = match out.verdict() {
        Verdict::Rewrite(b) => {
            let v: serde_json::Value = serde_json::from_slice(b).unwrap();
            let content = match responses {
                true => &v["input"][0]["content"],
                false => &v["messages"][0]["content"],
            };
            content
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["text"].as_str().unwrap().to_string())
                .collect()
        }
        Verdict::Forward => sent,
        Verdict::Deny(r) => panic!("{texts:?}: refused {r:?}"),
    };
    (got, out.counts.total())
}

/// [`parts_with`] under the default policy, in both APIs (which must agree).
fn parts(texts: &[&str]) -> (Vec<String>, u32) {
    let p = policy("{}");
    let chat = parts_with(&p, texts, false);
    let responses = parts_with(&p, texts, true);
    assert_eq!(chat, responses, "{texts:?}: chat and Responses differ");
    chat
}

/// The texts the upstream gets for `texts` as consecutive user messages.
fn messages(texts: &[&str]) -> (Vec<String>, u32) {
    let p = policy("{}");
    let items: Vec<String> = texts
        .iter()
        .map(|t| format!(r#"{{"role":"user","content":{}}}"#, json(t)))
        .collect();
    let body = format!(r#"{{"model":"gpt-4o","messages":[{}]}}"#, items.join(","));
    let e = classify("POST", "/v1/chat/completions").unwrap();
    let out = inspect_body(&p, &p.actions, &e, body.as_bytes());
    let got = match out.verdict() {
        Verdict::Rewrite(b) => {
            let v: serde_json::Value = serde_json::from_slice(b).unwrap();
            v["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["content"].as_str().unwrap().to_string())
                .collect()
        }
        other => panic!("{texts:?}: {other:?}"),
    };
    (got, out.counts.total())
}

/// An RS256 JWT (RFC 7515 §7.1) whose claims hold an e-mail address.
fn jwt_with_email() -> String {
    let header = b64url(br#"{"alg":"RS256","typ":"JWT","kid":"k1-2026"}"#);
    let claims = b64url(
        br#"{"sub":"8f3c2a10-77b1-4a51-9d0e-2f7e6b9c1a44","email":"ops@northwind.example","iat":1767225600,"exp":1767229200,"scope":"read:orders write:orders"}"#,
    );
    let signature = b64url(
        &(0..64u8)
            .map(|i| i.wrapping_mul(37) ^ 0x5a)
            .collect::<Vec<_>>(),
    );
    format!("{header}.{claims}.{signature}")
}

#[test]
fn what_a_piece_reads_as_on_its_own_does_not_hide_the_value() {
    // The IBAN registry's DE example (mod 97 = 1): its last groups alone read as a phone
    // number; the account's first digits stayed behind.
    let (got, n) = parts(&["pay to DE89 3704 0044", " 0532 0130 00 now"]);
    assert_eq!(got, ["pay to [IBAN]", " now"]);
    assert_eq!(n, 1);
    let (got, n) = parts(&["pay to DE89 37", "04 0044 0532", " 0130 00 now"]);
    assert_eq!(got, ["pay to [IBAN]", "", " now"]);
    assert_eq!(n, 1);
    // A test card (Luhn): its last eight digits alone read as a phone number.
    let (got, n) = parts(&["Charge my card 4111 11", "11 1111 1111 for the order."]);
    assert_eq!(got, ["Charge my card [CARD]", " for the order."]);
    assert_eq!(n, 1);
    // A JWT cut after its first character: the rest alone is no JWT, but its payload holds
    // an address the text finds on its own; header and signature stayed behind.
    let jwt = jwt_with_email();
    let (a, b) = jwt.split_at(1);
    let first = format!("Authorization: Bearer {a}");
    let second = format!("{b}\nAccept: */*");
    let (got, n) = parts(&[&first, &second]);
    assert_eq!(got, ["Authorization: Bearer [JWT]", "\nAccept: */*"]);
    assert_eq!(n, 1);
    // A database URL's password cut in two: the rest with the host alone reads as an address;
    // the password's first characters stayed behind.
    let (got, _) = parts(&[
        "DATABASE_URL=postgres://orders_svc:YOmMjXz",
        "lex5hZ5HwRU5RmQoD@db.internal.example:5432/orders",
    ]);
    assert_eq!(got[0], "DATABASE_URL=postgres://[SECRET]", "{got:?}");
    assert!(!got[1].contains("lex5hZ5"), "{got:?}");
}

/// An AWS secret access key (40 characters of base64, as the AWS docs describe it).
const AWS_SECRET: &str = "Fnj0IgVl/jIRh4y/FMBRv6QxNoRW2mBpNL6xjKZp";

#[test]
fn a_secret_named_in_the_part_before_is_found() {
    // The name cut anywhere before the value: the value, whole in the second part, was found
    // nowhere (it crosses no join and its part alone has no name).
    let text = format!(
        "[default]\noutput = json\naws_secret_access_key={AWS_SECRET}\nregion = eu-west-1\n"
    );
    let at = text.find(AWS_SECRET).unwrap();
    for cut in [at - 12, at - 3, at - 1, at] {
        let (a, b) = text.split_at(cut);
        let (got, n) = parts(&[a, b]);
        assert_eq!(
            got.concat(),
            text.replace(AWS_SECRET, "[PROVIDER_KEY]"),
            "cut {cut}"
        );
        assert_eq!(got[0], a, "cut {cut}");
        assert_eq!(n, 1, "cut {cut}");
    }
    // The name in one message, the value the next (a space between them).
    let (got, n) = messages(&[
        "my aws_secret_access_key is",
        &format!("{AWS_SECRET} thanks"),
    ]);
    assert_eq!(
        got,
        ["my aws_secret_access_key is", "[PROVIDER_KEY] thanks"]
    );
    assert_eq!(n, 1);
}

#[test]
fn a_split_value_counts_once_under_its_own_rule() {
    // The first part alone holds an assignment whose value is the key's start (a generic
    // secret); the key read whole is a Stripe key: one finding, the key's label.
    let (got, n) = parts(&[
        "STRIPE_SECRET_KEY=sk_live_1p",
        "CnXjDA0bLkNo95U1bkZgMSNPKV4u2UbeYOjm23gfPYh7BEdfNR06BtjBh5GOamkFFwKflSu2OVpaEDjHNNxpa6Gl86ADlygml\n",
    ]);
    assert_eq!(got, ["STRIPE_SECRET_KEY=[PROVIDER_KEY]", "\n"]);
    assert_eq!(n, 1);
    let (got, n) = parts(&[
        "export ANTHROPIC_API_KEY=sk-ant-api0",
        "3-B_he1iT3R1xoswZQ3M7OJn4nC8K89nHs6yo2qWxGyVVIK68T8TGRR4yvjQYKTtMfRgM1E3H0kvswfAoQXcFNYWPyUWvLAAA\n",
    ]);
    assert_eq!(got, ["export ANTHROPIC_API_KEY=[PROVIDER_KEY]", "\n"]);
    assert_eq!(n, 1);
}

#[test]
fn a_mask_shows_only_the_last_characters_of_the_whole_value() {
    // The first part alone is a valid Slack token: it was masked as a value of its own,
    // showing its own last characters as well as the whole value's.
    let p = policy(r#"{"detectors":{"actions":{"slack_token":{"action":"mask","keep":4}}}}"#);
    let (a, b) = (
        "token xoxb-568203107671-4274764277440-entR9WAgDe",
        "DGCQ9blBPrefik please",
    );
    let (got, n) = parts_with(&p, &[a, b], false);
    // The whole value masked alone, shared out between the pieces.
    let (whole, _) = parts_with(&p, &[&format!("{a}{b}")], false);
    let cut = a.len();
    assert_eq!(got, [&whole[0][..cut], &whole[0][cut..]]);
    assert!(whole[0].ends_with("****efik please"), "{whole:?}");
    assert_eq!(n, 1);
}

#[test]
fn the_rest_of_a_key_in_the_next_part_is_not_left_behind() {
    let key = "xoxb-476150298821-7047703202236-Ip5owsaLJc0LesDCoPgDbAkl";
    let (a, b) = key.split_at(key.len() - 11);
    let (got, _) = parts(&[&format!("bot token {a}"), &format!("{b} rotate it")]);
    assert_eq!(got, ["bot token [PROVIDER_KEY]", " rotate it"]);
    let key = "sk-ant-api03-B_he1iT3R1xoswZQ3M7OJn4nC8K89nHs6yo2qWxGyVVIK68T8TGRR4yvjQYKTtMfRgM1E3H0kvswfAoQXcFNYWPyUWvLAAA";
    let (a, b) = key.split_at(key.len() - 23);
    let (got, n) = parts(&[&format!("export ANTHROPIC_API_KEY={a}"), &format!("{b}\n")]);
    assert_eq!(got, ["export ANTHROPIC_API_KEY=[PROVIDER_KEY]", "\n"]);
    assert_eq!(n, 1);
    let key = "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";
    let (a, b) = key.split_at(key.len() - 10);
    let (got, _) = parts(&[&format!("STRIPE_SECRET_KEY={a}"), &format!("{b}\n")]);
    assert_eq!(got, ["STRIPE_SECRET_KEY=[PROVIDER_KEY]", "\n"]);
    // A word glued to a whole key is still a word.
    for word in [
        "Thanks",
        "JavaScript",
        "_v2 is out",
        "-dev",
        "thanks!",
        "s are rotated",
    ] {
        let (got, _) = parts(&[&format!("bot token {key}"), word]);
        assert_eq!(got, ["bot token [PROVIDER_KEY]", word], "{word}");
    }
}

#[test]
fn a_jwt_whose_middle_part_is_a_long_base64_run_is_found() {
    // A JWT with many claims, cut in three: the middle part (300 bytes of its payload, no dot)
    // is an opaque blob on its own, never read alone, but it stays in the run of texts, so
    // the token is read across both joins.
    let header = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    let groups: Vec<String> = (0..60).map(|i| format!("\"grp-{i:03}\"")).collect();
    let payload = b64url(format!(r#"{{"sub":"u1","groups":[{}]}}"#, groups.join(",")).as_bytes());
    let signature = b64url(
        &(0..64u8)
            .map(|i| i.wrapping_mul(37) ^ 0x5a)
            .collect::<Vec<_>>(),
    );
    let jwt = format!("{header}.{payload}.{signature}");
    let a = header.len() + 1 + 40;
    let (first, rest) = jwt.split_at(a);
    let (middle, last) = rest.split_at(300);
    let (got, n) = parts(&[
        &format!("Bearer {first}"),
        middle,
        &format!("{last} expires soon"),
    ]);
    assert_eq!(got, ["Bearer [JWT]", "", " expires soon"]);
    assert_eq!(n, 1);
    // A base64 blob beside ordinary text is never read: nothing in it is a value.
    let blob: String = (0..400)
        .map(|i| char::from(b"AKIAQWERTYUIOPZX0123456789abcdef"[(i * 7 + i / 3) % 32]))
        .collect();
    let (got, n) = parts(&["see the attachment: ", &blob, " thanks"]);
    assert_eq!(got, ["see the attachment: ", blob.as_str(), " thanks"]);
    assert_eq!(n, 0);
}

#[test]
fn a_number_after_a_complete_phone_number_in_the_next_part_stays() {
    // A phone number complete in one part reads on into digit groups glued after it; the next
    // part's own number is not the phone's (a review found ` 2024 was a good year.` sent as
    // ` was a good year.`).
    for next in [
        " 2024 was a good year.",
        " 1234 is the door code",
        "-123",
        " 100 times",
    ] {
        let (got, _) = parts(&["Call me at +1 415 555 2671", next]);
        assert_eq!(got, ["Call me at [PHONE]", next], "{next}");
    }
    let (got, _) = parts(&["Tel: +33 1 42 68 53 00", " 2024"]);
    assert_eq!(got, ["Tel: [PHONE]", " 2024"]);
    // But a card whose first groups alone read as a phone number is the card.
    let (got, n) = parts(&["Order 12 4242 4242", " 4242 4242 shipped"]);
    assert_eq!(got[1], " shipped", "{got:?}");
    assert!(n >= 1);
}
