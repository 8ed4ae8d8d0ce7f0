//! Held-out edge placements (issue #19), written by someone who did not write the pipeline:
//! a value at the very edge of a content part, next to every kind of neighbour part, in both
//! orders, in chat and Responses. The value must be gone, and every byte outside its span must
//! reach the upstream unchanged (the upstream body is the original with the value replaced by
//! one placeholder `[A-Z_0-9:]+` in brackets).
//!
//! Values (made up, valid to their format): a GitHub token (GitHub blog "Behind GitHub's new
//! authentication token formats": `ghp_` + 30 base62 + 6-character base62 CRC32 checksum), an AWS
//! access key id (AWS IAM User Guide "IAM identifiers": `AKIA` + 16 base32), a Visa number
//! (ISO/IEC 7812-1 Luhn), an e-mail address (RFC 5322 §3.4.1), a German IBAN in print format
//! (ISO 13616-1, MOD 97-10), a UK number from Ofcom's drama range (E.123 international form),
//! a US SSN (SSA: area 001-899 not 666, group 01-99, serial 0001-9999).
//! Neighbour shapes: OpenAI API reference, chat `content` parts (`text`, `image_url`, `file`,
//! `input_audio`) and Responses input content (`input_text`, `input_image`, `input_file`,
//! `input_audio`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};

const VALUES: &[(&str, &str)] = &[
    ("github_token", "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"),
    ("aws_access_key_id", "AKIAAVSRGNTI2CWJER7G"),
    ("payment_card", "4872 0743 9616 2713"),
    ("email", "maria.keller@example.de"),
    ("iban", "DE70 8685 4312 1890 0794 40"),
    ("phone_number", "+44 20 7946 0958"),
    ("us_ssn", "457-31-2298"),
];

/// A short WAV header in base64 (RIFF....WAVEfmt ), as an SDK would send a clip.
const AUDIO: &str = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAEAfAAABAAgAZGF0YQAAAAA=";

#[derive(Clone, Copy, Debug)]
enum Api {
    Chat,
    Responses,
}

#[derive(Clone, Copy, Debug)]
enum Neighbour {
    Text,
    Image,
    File,
    Audio,
}

impl Api {
    fn path(self) -> &'static str {
        match self {
            Api::Chat => "/v1/chat/completions",
            Api::Responses => "/v1/responses",
        }
    }

    /// The part holding the text.
    fn text_part(self, text: &str) -> String {
        match self {
            Api::Chat => format!(r#"{{"type":"text","text":"{text}"}}"#),
            Api::Responses => format!(r#"{{"type":"input_text","text":"{text}"}}"#),
        }
    }

    /// The neighbour part; `before` tells whether it comes before the value's part (a text
    /// neighbour then ends with a number, otherwise it starts with one).
    fn neighbour(self, n: Neighbour, before: bool) -> String {
        match (self, n) {
            (_, Neighbour::Text) => self.text_part(if before { "total 42" } else { "2 items" }),
            (Api::Chat, Neighbour::Image) => {
                r#"{"type":"image_url","image_url":{"url":"https://example.org/cat.png","detail":"low"}}"#.to_string()
            }
            (Api::Responses, Neighbour::Image) => {
                r#"{"type":"input_image","image_url":"https://example.org/cat.png","detail":"auto"}"#.to_string()
            }
            (Api::Chat, Neighbour::File) => {
                r#"{"type":"file","file":{"file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"}}"#.to_string()
            }
            (Api::Responses, Neighbour::File) => {
                r#"{"type":"input_file","file_id":"file-6F2ksmvXxt4VdoqmHRw6kL"}"#.to_string()
            }
            (_, Neighbour::Audio) => {
                format!(r#"{{"type":"input_audio","input_audio":{{"data":"{AUDIO}","format":"wav"}}}}"#)
            }
        }
    }

    fn body(self, parts: &str) -> String {
        match self {
            Api::Chat => format!(
                r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":[{parts}]}}],"temperature":0.2}}"#
            ),
            Api::Responses => format!(
                r#"{{"model":"gpt-4.1","input":[{{"role":"user","content":[{parts}]}}],"store":false}}"#
            ),
        }
    }
}

/// `out` is `before` + one placeholder + `after`.
fn only_value_replaced(out: &str, before: &str, after: &str) -> bool {
    let Some(rest) = out.strip_prefix(before) else {
        return false;
    };
    let Some(middle) = rest.strip_suffix(after) else {
        return false;
    };
    let Some(inner) = middle.strip_prefix('[').and_then(|m| m.strip_suffix(']')) else {
        return false;
    };
    !inner.is_empty()
        && inner
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_' || b == b':')
}

#[test]
fn a_value_at_a_part_edge_is_replaced_and_nothing_else_changes() {
    let policy = Policy::from_json(b"{}").unwrap();
    let mut failures = Vec::new();
    let mut cases = 0;
    for api in [Api::Chat, Api::Responses] {
        let endpoint = classify("POST", api.path()).unwrap();
        for &(kind, value) in VALUES {
            for n in [
                Neighbour::Text,
                Neighbour::Image,
                Neighbour::File,
                Neighbour::Audio,
            ] {
                for value_first in [true, false] {
                    cases += 1;
                    // The value touches the neighbour: at the end of its text when it comes
                    // first, at the start when the neighbour does.
                    let (parts_before, parts_after) = if value_first {
                        let text = api.text_part("Please check ");
                        let (head, tail) = text.split_at(text.len() - 2);
                        (
                            head.to_string(),
                            format!("{tail},{}", api.neighbour(n, false)),
                        )
                    } else {
                        let text = api.text_part(" was in the log");
                        let open = text.find(r#""text":""#).unwrap() + 8;
                        let (head, tail) = text.split_at(open);
                        (
                            format!("{},{head}", api.neighbour(n, true)),
                            tail.to_string(),
                        )
                    };
                    let whole = api.body(&format!("{parts_before}{value}{parts_after}"));
                    let at = whole.find(value).unwrap();
                    let (before, after) = (&whole[..at], &whole[at + value.len()..]);
                    let label = format!(
                        "{api:?} {kind} {} {n:?}",
                        if value_first { "then" } else { "after" }
                    );
                    let verdict =
                        inspect_body(&policy, &policy.actions, &endpoint, whole.as_bytes())
                            .verdict()
                            .clone();
                    match verdict {
                        Verdict::Rewrite(bytes) => {
                            let out = String::from_utf8(bytes).unwrap();
                            if out.contains(value) {
                                failures.push(format!("{label}: value forwarded\n    {out}"));
                            } else if !only_value_replaced(&out, before, after) {
                                failures.push(format!(
                                    "{label}: changed outside the value\n    sent {whole}\n    got  {out}"
                                ));
                            }
                        }
                        Verdict::Forward => {
                            failures.push(format!("{label}: forwarded untouched (value leaks)"));
                        }
                        Verdict::Deny(r) => failures.push(format!("{label}: refused: {r:?}")),
                    }
                }
            }
        }
    }
    assert_eq!(cases, 112);
    assert!(
        failures.is_empty(),
        "{} of {cases} edge placements fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Control: each value, alone in a one-string message, is redacted (so a failure above is about
/// the part edge, not about the value).
#[test]
fn each_value_alone_in_one_string_is_redacted() {
    let policy = Policy::from_json(b"{}").unwrap();
    let mut failures = Vec::new();
    for api in [Api::Chat, Api::Responses] {
        let endpoint = classify("POST", api.path()).unwrap();
        for &(kind, value) in VALUES {
            for text in [
                format!("Please check {value}"),
                format!("{value} was in the log"),
            ] {
                let whole = match api {
                    Api::Chat => format!(
                        r#"{{"model":"gpt-4o","messages":[{{"role":"user","content":"{text}"}}]}}"#
                    ),
                    Api::Responses => format!(r#"{{"model":"gpt-4.1","input":"{text}"}}"#),
                };
                let at = whole.find(value).unwrap();
                let (before, after) = (&whole[..at], &whole[at + value.len()..]);
                match inspect_body(&policy, &policy.actions, &endpoint, whole.as_bytes())
                    .verdict()
                    .clone()
                {
                    Verdict::Rewrite(bytes) => {
                        let out = String::from_utf8(bytes).unwrap();
                        if !only_value_replaced(&out, before, after) {
                            failures.push(format!("{api:?} {kind}: {out}"));
                        }
                    }
                    other => failures.push(format!("{api:?} {kind}: {other:?}")),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
