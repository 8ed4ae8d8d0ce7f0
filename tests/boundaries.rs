//! String boundaries are real boundaries (issue #19). For every rule category, a value alone
//! in a string, at its start or at its end, next to every kind of neighbour (another text
//! part, an image URL, audio, a file id, file data, a file URL), in both orders, in chat
//! completions, Responses, completions, embeddings and batch lines (`/v1/files`): the value
//! is replaced and every other byte reaches the upstream exactly as sent. A value split
//! across two adjacent text parts, or two consecutive messages of one role, is replaced in
//! both pieces, and each piece inside its own string.
//!
//! Each expected body is the sent body built again with the replacement written where the
//! value was: the comparison is byte for byte over the whole body. The values come from
//! public format definitions (the source is beside each), not from the project's generator.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};
use openai_compliance_filter::upload::inspect_upload;

#[path = "support/b64.rs"]
mod b64;
use b64::b64url;

/// Default actions (redact), plus a customer keyword list and a customer pattern.
const POLICY: &str = r#"{"detectors":{
    "keywords":[{"id":"project","terms":["Falcon"]}],
    "patterns":[{"id":"ticket","regex":"TKT-[0-9]{6}"}]}}"#;

/// A value as it sits in a string, and what the string holds instead once it is redacted.
struct Sample {
    category: &'static str,
    value: &'static str,
    redacted: &'static str,
}

const fn s(category: &'static str, value: &'static str, redacted: &'static str) -> Sample {
    Sample {
        category,
        value,
        redacted,
    }
}

const SAMPLES: &[Sample] = &[
    // RFC 5322 §3.4.1 addr-spec, in a domain RFC 2606 reserves for examples.
    s("contact", "jane.doe@example.com", "[EMAIL]"),
    // NANP: 555-0100 to 555-0199 are reserved for fictional use (NANPA); E.164 written form.
    s("contact", "+1 202 555 0143", "[PHONE]"),
    // Ofcom: 020 7946 0000-0999 is reserved for drama; international form.
    s("contact", "+44 20 7946 0958", "[PHONE]"),
    // Test card numbers published by card processors (Stripe's testing docs), Luhn-valid.
    s("financial", "4242 4242 4242 4242", "[CARD]"),
    s("financial", "5555 5555 5555 4444", "[CARD]"),
    // The SWIFT IBAN registry's own examples for GB and DE (mod 97 = 1).
    s("financial", "GB82 WEST 1234 5698 7654 32", "[IBAN]"),
    s("financial", "DE89 3704 0044 0532 0130 00", "[IBAN]"),
    // SSA's SSN rules: area 001-665/667-899, group 01-99, serial 0001-9999.
    s("government_id", "536-22-8351", "[SSN]"),
    // HMRC NIM39110: two prefix letters, six digits, a suffix A-D.
    s("government_id", "AB 12 34 56 C", "[NATIONAL_ID]"),
    // RFC 5737 TEST-NET-3 and RFC 3849's documentation prefix.
    s("network", "203.0.113.9", "[IP]"),
    s("network", "2001:db8::1", "[IP]"),
    // A date after "DOB" (ISO 8601 calendar date).
    s("personal", "DOB 1984-03-12", "DOB [DOB]"),
    // GitHub token formats (github.blog, April 2021): `ghp_` and 36 base62 characters.
    s(
        "credential",
        "ghp_RcY5HhGmzwHsLjMqgqAu9r1gXu5tbKNm4e6m",
        "[PROVIDER_KEY]",
    ),
    // AWS IAM unique identifiers: `AKIA` and 16 characters of [A-Z2-7].
    s("credential", "AKIAH5YEG2BG3Z4TK2OG", "[PROVIDER_KEY]"),
    // Slack token types: a bot token, `xoxb-` and three dash-separated fields.
    s(
        "credential",
        "xoxb-568203107671-4274764277440-entR9WAgDeDGCQ9blBPrefik",
        "[PROVIDER_KEY]",
    ),
    // RFC 7519 §3.1, the example JWT of the standard itself.
    s(
        "credential",
        "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        "[JWT]",
    ),
    // The customer's own rules of [`POLICY`].
    s("custom", "Falcon", "[PROJECT]"),
    s("custom", "TKT-123456", "[TICKET]"),
];

/// Where the value sits in its string.
#[derive(Debug, Clone, Copy)]
enum At {
    Alone,
    Start,
    End,
}

const PLACES: [At; 3] = [At::Alone, At::Start, At::End];

/// The string holding `v` at `at`.
fn placed(v: &str, at: At) -> String {
    match at {
        At::Alone => v.to_string(),
        At::Start => format!("{v} is in the note"),
        At::End => format!("Please check {v}"),
    }
}

/// Neighbouring texts that would glue onto a value at their edge: digits, letters, the
/// characters that continue an address, a key or a number.
const TEXTS: &[&str] = &[
    "2 items",
    "Thanks",
    "-7 units",
    "_v2 is out",
    ".org site",
    "@home",
    "Total 42",
    "See",
    "ref-",
    "mail x.",
    "id_",
    "4 5",
];

/// Chat completions content parts that are no text, beside a text part.
const CHAT_PARTS: &[&str] = &[
    r#"{"type":"image_url","image_url":{"url":"https://example.org/cat.png","detail":"low"}}"#,
    r#"{"type":"input_audio","input_audio":{"data":"UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=","format":"wav"}}"#,
    r#"{"type":"file","file":{"file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"}}"#,
    r#"{"type":"file","file":{"filename":"notes.pdf","file_data":"data:application/pdf;base64,JVBERi0xLjQK"}}"#,
];

/// Responses input content parts that are no text.
const RESPONSES_PARTS: &[&str] = &[
    r#"{"type":"input_image","image_url":"https://example.org/cat.png","detail":"auto"}"#,
    r#"{"type":"input_image","file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"}"#,
    r#"{"type":"input_file","file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"}"#,
    r#"{"type":"input_file","filename":"notes.pdf","file_data":"data:application/pdf;base64,JVBERi0xLjQK"}"#,
    r#"{"type":"input_file","file_url":"https://example.org/report.pdf"}"#,
];

fn json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

fn chat(parts: &[String]) -> String {
    format!(
        r#"{{"model":"gpt-4o-mini","messages":[{{"role":"system","content":"Be brief."}},{{"role":"user","content":[{}]}}],"max_tokens":64}}"#,
        parts.join(",")
    )
}

fn chat_text(t: &str) -> String {
    format!(r#"{{"type":"text","text":{}}}"#, json(t))
}

fn responses(parts: &[String]) -> String {
    format!(
        r#"{{"model":"gpt-4.1-mini","instructions":"Be brief.","input":[{{"role":"user","content":[{}]}}],"store":false}}"#,
        parts.join(",")
    )
}

fn responses_text(t: &str) -> String {
    format!(r#"{{"type":"input_text","text":{}}}"#, json(t))
}

const CHAT: &str = "/v1/chat/completions";
const RESPONSES: &str = "/v1/responses";
const COMPLETIONS: &str = "/v1/completions";
const EMBEDDINGS: &str = "/v1/embeddings";

/// A body with the value in it, and the body the upstream must get.
struct Case {
    what: String,
    value: &'static str,
    path: &'static str,
    sent: String,
    want: String,
}

/// Every placement of every sample beside every neighbour, in both orders, for every
/// endpoint.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for sample in SAMPLES {
        for at in PLACES {
            for value_first in [true, false] {
                cases_of(sample, at, value_first, &mut out);
            }
        }
    }
    out
}

/// The cases of `sample` at `at`, its string before (`value_first`) or after the neighbour.
fn cases_of(sample: &Sample, at: At, value_first: bool, out: &mut Vec<Case>) {
    let (v, r) = (placed(sample.value, at), placed(sample.redacted, at));
    let pair = |a: String, b: String| {
        if value_first {
            vec![a, b]
        } else {
            vec![b, a]
        }
    };
    let mut push = |path: &'static str, n: &str, body: &dyn Fn(&str) -> String| {
        let order = if value_first {
            "value first"
        } else {
            "neighbour first"
        };
        out.push(Case {
            what: format!(
                "{} {:?} at {at:?} beside {n} in {path} ({order})",
                sample.category, sample.value
            ),
            value: sample.value,
            path,
            sent: body(&v),
            want: body(&r),
        });
    };
    for n in TEXTS {
        push(CHAT, n, &|x| chat(&pair(chat_text(x), chat_text(n))));
        push(RESPONSES, n, &|x| {
            responses(&pair(responses_text(x), responses_text(n)))
        });
        let list = |key: &str, model: &str, x: &str| {
            let items = pair(json(x), json(n)).join(",");
            format!(r#"{{"model":"{model}","{key}":[{items}]}}"#)
        };
        push(COMPLETIONS, n, &|x| {
            list("prompt", "gpt-3.5-turbo-instruct", x)
        });
        push(EMBEDDINGS, n, &|x| {
            list("input", "text-embedding-3-small", x)
        });
    }
    for p in CHAT_PARTS {
        push(CHAT, p, &|x| chat(&pair(chat_text(x), p.to_string())));
    }
    for p in RESPONSES_PARTS {
        push(RESPONSES, p, &|x| {
            responses(&pair(responses_text(x), p.to_string()))
        });
    }
}

fn policy() -> Policy {
    Policy::from_json(POLICY.as_bytes()).unwrap()
}

/// What goes upstream for `body` (the body itself when it is forwarded).
fn upstream(p: &Policy, path: &str, body: &str) -> Result<String, String> {
    let e = classify("POST", path).unwrap();
    match inspect_body(p, &p.actions, &e, body.as_bytes()).verdict() {
        Verdict::Rewrite(b) => Ok(String::from_utf8(b.clone()).unwrap()),
        Verdict::Forward => Ok(body.to_string()),
        Verdict::Deny(r) => Err(format!("refused: {r:?}")),
    }
}

/// Runs `cases`, and fails with the count and the first few that did not hold.
fn check_all(cases: &[Case]) {
    let p = policy();
    let mut failed = Vec::new();
    let mut left = 0;
    for c in cases {
        let got = upstream(&p, c.path, &c.sent);
        if got.as_deref() != Ok(c.want.as_str()) {
            left += usize::from(got.as_ref().is_ok_and(|g| g.contains(c.value)));
            failed.push(format!(
                "{}\n  sent     {}\n  upstream {}\n  expected {}",
                c.what,
                c.sent,
                got.unwrap_or_else(|e| e),
                c.want
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} placements changed more or less than the value ({} left the value as it was); \
         the first:\n{}",
        failed.len(),
        cases.len(),
        left,
        failed
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_sample_is_found_alone() {
    // What the placements below rely on: each value, alone in a message, becomes its
    // replacement, and each neighbour alone is left as it is.
    let p = policy();
    for sample in SAMPLES {
        let body = chat(&[chat_text(sample.value)]);
        let want = chat(&[chat_text(sample.redacted)]);
        assert_eq!(upstream(&p, CHAT, &body).unwrap(), want, "{}", sample.value);
    }
    for n in TEXTS {
        let body = chat(&[chat_text(n)]);
        assert_eq!(upstream(&p, CHAT, &body).unwrap(), body, "{n}");
    }
    for part in CHAT_PARTS {
        let body = chat(&[part.to_string()]);
        assert_eq!(upstream(&p, CHAT, &body).unwrap(), body, "{part}");
    }
    for part in RESPONSES_PARTS {
        let body = responses(&[part.to_string()]);
        assert_eq!(upstream(&p, RESPONSES, &body).unwrap(), body, "{part}");
    }
    let categories: Vec<&str> = SAMPLES.iter().map(|s| s.category).collect();
    for c in [
        "contact",
        "financial",
        "government_id",
        "network",
        "personal",
        "credential",
        "custom",
    ] {
        assert!(categories.contains(&c), "no sample of {c}");
    }
}

#[test]
fn a_value_at_a_string_edge_is_replaced_and_nothing_else_changes() {
    let cases = cases();
    assert!(cases.len() > 3000, "{} cases", cases.len());
    check_all(&cases);
}

/// A batch input file of `lines`, as `client.files.create(purpose="batch")` sends it.
fn upload_body(lines: &[String]) -> String {
    let mut file = String::new();
    for l in lines {
        file.push_str(l);
        file.push('\n');
    }
    format!(
        "--b0und\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n--b0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"batch.jsonl\"\r\nContent-Type: application/octet-stream\r\n\r\n{file}\r\n--b0und--\r\n"
    )
}

fn batch_line(id: usize, url: &str, body: &str) -> String {
    format!(r#"{{"custom_id":"req-{id}","method":"POST","url":"{url}","body":{body}}}"#)
}

#[test]
fn in_batch_lines_too_only_the_value_changes() {
    let p = policy();
    let mut failed = Vec::new();
    for sample in SAMPLES {
        // Chat and Responses lines with the value at each place beside a text and a file.
        let lines = |value: &str| -> Vec<String> {
            let mut lines = Vec::new();
            for (i, at) in PLACES.into_iter().enumerate() {
                let v = placed(value, at);
                let chat_line = chat(&[chat_text(&v), chat_text("2 items"), CHAT_PARTS[2].into()]);
                let responses_line = responses(&[RESPONSES_PARTS[2].into(), responses_text(&v)]);
                lines.push(batch_line(2 * i, CHAT, &chat_line));
                lines.push(batch_line(2 * i + 1, RESPONSES, &responses_line));
            }
            let embeddings = format!(
                r#"{{"model":"text-embedding-3-small","input":[{},"Total 42"]}}"#,
                json(value)
            );
            lines.push(batch_line(9, EMBEDDINGS, &embeddings));
            lines
        };
        let sent = upload_body(&lines(sample.value));
        let want = upload_body(&lines(sample.redacted));
        let out = inspect_upload(&p, &p.actions, None, "b0und", sent.as_bytes());
        let got = match out.verdict() {
            Verdict::Rewrite(b) => String::from_utf8(b.clone()).unwrap(),
            other => format!("{other:?}"),
        };
        if got != want {
            failed.push(format!("{}:\n{got}\nexpected\n{want}", sample.value));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} batch files changed more or less than the value; the first:\n{}",
        failed.len(),
        SAMPLES.len(),
        failed[0]
    );
}

#[test]
fn the_examples_of_the_issue() {
    let p = policy();
    let rows: &[(&str, &str, &str)] = &[
        // A token followed by another text part: replaced, the part's first number kept.
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"Please check ghp_RcY5HhGmzwHsLjMqgqAu9r1gXu5tbKNm4e6m"},{"type":"text","text":"2 items"}]}]}"#,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"Please check [PROVIDER_KEY]"},{"type":"text","text":"2 items"}]}]}"#,
        ),
        // "Photo sent by <email>" and an image: the URL keeps its scheme.
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"Photo sent by jane.doe@example.com"},{"type":"image_url","image_url":{"url":"https://example.org/cat.png"}}]}]}"#,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"Photo sent by [EMAIL]"},{"type":"image_url","image_url":{"url":"https://example.org/cat.png"}}]}]}"#,
        ),
        // An `input_file.file_id` before and after a text: kept whole.
        (
            RESPONSES,
            r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_text","text":"Summarise for jane.doe@example.com"},{"type":"input_file","file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"}]}]}"#,
            r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_text","text":"Summarise for [EMAIL]"},{"type":"input_file","file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"}]}]}"#,
        ),
        (
            RESPONSES,
            r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_file","file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"},{"type":"input_text","text":"jane.doe@example.com wrote this"}]}]}"#,
            r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_file","file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"},{"type":"input_text","text":"[EMAIL] wrote this"}]}]}"#,
        ),
        // The first word or number of the next text part stays.
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"Card 4242 4242 4242 4242"},{"type":"text","text":"42 is the answer"}]}]}"#,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"Card [CARD]"},{"type":"text","text":"42 is the answer"}]}]}"#,
        ),
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"key AKIAH5YEG2BG3Z4TK2OG"},{"type":"text","text":"Thanks"}]}]}"#,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"key [PROVIDER_KEY]"},{"type":"text","text":"Thanks"}]}]}"#,
        ),
    ];
    for (path, sent, want) in rows {
        assert_eq!(upstream(&p, path, sent).unwrap(), *want, "{sent}");
    }
}

#[test]
fn a_value_split_across_two_parts_or_two_messages_is_replaced_in_both_pieces() {
    let p = policy();
    let rows: &[(&str, &str, &str)] = &[
        // Two adjacent text parts (nothing between them in what the model reads).
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"my card is 4242 4242"},{"type":"text","text":" 4242 4242, thanks"}]}]}"#,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"my card is [CARD]"},{"type":"text","text":", thanks"}]}]}"#,
        ),
        (
            RESPONSES,
            r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_text","text":"my card is 4242424242"},{"type":"input_text","text":"424242 ok"}]}]}"#,
            r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_text","text":"my card is [CARD]"},{"type":"input_text","text":" ok"}]}]}"#,
        ),
        // Two consecutive messages of one role (a space between them).
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":"my card is 4242 4242"},{"role":"user","content":"4242 4242 and the cvc is on the back"}]}"#,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":"my card is [CARD]"},{"role":"user","content":" and the cvc is on the back"}]}"#,
        ),
        (
            RESPONSES,
            r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_text","text":"card 4242 4242"}]},{"type":"message","role":"user","content":[{"type":"input_text","text":"4242 4242"}]}]}"#,
            r#"{"model":"gpt-4.1","input":[{"role":"user","content":[{"type":"input_text","text":"card [CARD]"}]},{"type":"message","role":"user","content":[{"type":"input_text","text":""}]}]}"#,
        ),
        // An address cut in two.
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"mail jane.doe@exa"},{"type":"text","text":"mple.com today"}]}]}"#,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"mail [EMAIL]"},{"type":"text","text":" today"}]}]}"#,
        ),
    ];
    // Long messages: the join reads the end of one and the start of the other.
    let prose = "Our quarterly report is attached for review. ".repeat(40);
    let long = (
        CHAT,
        format!(
            r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":"{prose}my card is 4242 4242"}},{{"role":"user","content":"4242 4242 thanks. {prose}"}}]}}"#
        ),
        format!(
            r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":"{prose}my card is [CARD]"}},{{"role":"user","content":" thanks. {prose}"}}]}}"#
        ),
    );
    let rows: Vec<(&str, String, String)> = rows
        .iter()
        .map(|(p, s, w)| (*p, s.to_string(), w.to_string()))
        .chain([long])
        .collect();
    for (path, sent, want) in &rows {
        let e = classify("POST", path).unwrap();
        let out = inspect_body(&p, &p.actions, &e, sent.as_bytes());
        match out.verdict() {
            Verdict::Rewrite(b) => assert_eq!(std::str::from_utf8(b).unwrap(), want),
            other => panic!("{sent}: {other:?}"),
        }
        // One value, counted once.
        assert_eq!(out.counts.total(), 1, "{sent}");
    }
}

#[test]
fn a_mask_gives_each_piece_of_a_split_value_its_own_characters() {
    let p = Policy::from_json(
        br#"{"detectors":{"actions":{"payment_card":{"action":"mask","keep":4}}}}"#,
    )
    .unwrap();
    let sent = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"card 4242 4242"},{"role":"user","content":"4242 4242"}]}"#;
    let want = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"card **** ****"},{"role":"user","content":"**** 4242"}]}"#;
    assert_eq!(upstream(&p, CHAT, sent).unwrap(), want);
}

#[test]
fn what_is_not_one_text_is_never_joined() {
    let p = policy();
    let rows: &[(&str, &str)] = &[
        // Different roles: two speakers.
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":"card 4242 4242"},{"role":"assistant","content":"4242 4242"}]}"#,
        ),
        // An image between two text parts.
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"card 4242 4242"},{"type":"image_url","image_url":{"url":"https://example.org/c.png"}},{"type":"text","text":"4242 4242"}]}]}"#,
        ),
        // Prompts and embedding inputs of one list are separate inputs.
        (
            COMPLETIONS,
            r#"{"model":"gpt-3.5-turbo-instruct","prompt":["card 4242 4242","4242 4242"]}"#,
        ),
        (
            EMBEDDINGS,
            r#"{"model":"text-embedding-3-small","input":["card 4242 4242","4242 4242"]}"#,
        ),
        // Instructions and the first input message.
        (
            RESPONSES,
            r#"{"model":"gpt-4.1","instructions":"card 4242 4242","input":"4242 4242"}"#,
        ),
        // A caller's name between a message's text and the next message's is no text.
        (
            CHAT,
            r#"{"model":"gpt-4o","messages":[{"role":"user","content":"mail jane.doe@exa","name":"mple.com"}]}"#,
        ),
    ];
    for (path, sent) in rows {
        assert_eq!(upstream(&p, path, sent).unwrap(), *sent);
    }
}

/// A chat body with one user message whose content is these text parts.
fn parts_body(texts: &[&str]) -> String {
    let items: Vec<String> = texts.iter().map(|t| chat_text(t)).collect();
    format!(
        r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":[{}]}}]}}"#,
        items.join(",")
    )
}

/// What the upstream gets for `texts` as the parts of one message (its parts' texts), and the
/// number of findings.
fn upstream_parts(texts: &[&str]) -> (Vec<String>, u32) {
    let p = policy();
    let e = classify("POST", CHAT).unwrap();
    let out = inspect_body(&p, &p.actions, &e, parts_body(texts).as_bytes());
    let Verdict::Rewrite(b) = out.verdict() else {
        panic!("{:?}", out.verdict());
    };
    let v: serde_json::Value = serde_json::from_slice(b).unwrap();
    let texts = v["messages"][0]["content"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_string())
        .collect();
    (texts, out.counts.total())
}

/// An RSA 2048 key in PKCS #8 PEM (RFC 7468 §10), as `openssl genpkey -algorithm RSA` writes
/// it (a throwaway key made for this test).
const RSA_PEM: &str = include_str!("boundaries_data/rsa2048_pkcs8.pem");

#[test]
fn a_value_whose_first_piece_is_found_alone_is_replaced_whole() {
    // The first part alone holds a valid Slack token (its last field has no fixed length);
    // the rest of the token starts the next part.
    let (got, n) = upstream_parts(&[
        "token xoxb-568203107671-4274764277440-entR9WAgDe",
        "DGCQ9blBPrefik please",
    ]);
    assert_eq!(got, ["token [PROVIDER_KEY]", " please"]);
    assert_eq!(n, 1);
    // A key block cut in two: the first half alone is a key block too.
    let (a, b) = RSA_PEM.split_at(RSA_PEM.len() / 2);
    let (got, n) = upstream_parts(&[a, b]);
    assert_eq!(got, ["[PRIVATE_KEY]", "\n"], "{got:?}");
    assert_eq!(n, 1);
    // And the other way: the first part holds the header and a few characters only.
    let cut = RSA_PEM.find("BEGIN PRIVATE KEY-----\n").unwrap() + 23 + 30;
    let (a, b) = RSA_PEM.split_at(cut);
    let (got, n) = upstream_parts(&[&format!("my key: {a}"), b]);
    assert_eq!(got, ["my key: [PRIVATE_KEY]", "\n"], "{got:?}");
    assert_eq!(n, 1);
}

#[test]
fn a_value_split_over_three_parts_is_replaced_in_each() {
    let (got, n) = upstream_parts(&["card 4242 4242", " 4242", " 4242 thanks"]);
    assert_eq!(got, ["card [CARD]", "", " thanks"]);
    assert_eq!(n, 1);
    // Three consecutive messages of one role.
    let sent = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"card 4242"},{"role":"user","content":"4242 4242"},{"role":"user","content":"4242 thanks"}]}"#;
    let want = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"card [CARD]"},{"role":"user","content":""},{"role":"user","content":" thanks"}]}"#;
    assert_eq!(upstream(&policy(), CHAT, sent).unwrap(), want);
    // Two values, each split, in one run of parts: each found, each counted once.
    let (got, n) = upstream_parts(&[
        "card 4242 4242",
        " 4242 4242, mail jane.doe@exa",
        "mple.com and card 5555 5555",
        " 5555 4444.",
    ]);
    assert_eq!(
        got,
        ["card [CARD]", ", mail [EMAIL]", " and card [CARD]", "."]
    );
    assert_eq!(n, 3);
}

#[test]
fn a_long_value_split_in_the_middle_is_read_whole() {
    // A JWS compact serialization (RFC 7515 §7.1) of an RS256 token with many claims: 1,412
    // bytes, cut 577 bytes in (more than a join reads at first on either side).
    let header = b64url(br#"{"alg":"RS256","typ":"JWT","kid":"nOo3ZDrODXEK1jKWhXslHR_KXEg"}"#);
    let roles: Vec<String> = (0..40).map(|i| format!("\"role.number.{i}\"")).collect();
    let claims = format!(
        r#"{{"aud":"api://default","iss":"https://login.example.com/","roles":[{}]}}"#,
        roles.join(",")
    );
    let payload = b64url(claims.as_bytes());
    let signature = b64url(&(0..=255u8).collect::<Vec<_>>());
    let jwt = format!("{header}.{payload}.{signature}");
    let (a, b) = jwt.split_at(header.len() + 1 + payload.len() / 2);
    assert!(a.len() > 512 && b.len() > 512, "{} {}", a.len(), b.len());
    let (got, n) = upstream_parts(&[&format!("Bearer {a}"), &format!("{b} expires soon")]);
    assert_eq!(got, ["Bearer [JWT]", " expires soon"]);
    assert_eq!(n, 1);
    // The same token split over many short parts.
    let pieces: Vec<&str> = jwt
        .as_bytes()
        .chunks(100)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let (got, n) = upstream_parts(&pieces);
    assert_eq!(got.concat(), "[JWT]");
    assert_eq!(n, 1);
}
