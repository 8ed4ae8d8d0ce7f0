//! What settling a rewrite costs: one long message of prose with a few values, against the
//! same message clean, and the same values in every message of a long conversation
//! (`make bench-settle`). The rescan reads windows around the replacements (`pipeline/
//! reach.rs`); where the values are dense, it reads the strings whole.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::time::{Duration, Instant};

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};

/// Clean prose of about `bytes` bytes: sentences of lower-case words, paragraphs, no digit,
/// no `@`, no key prefix.
fn prose(seed: u64, bytes: usize) -> String {
    const WORDS: &[&str] = &[
        "the", "report", "team", "will", "review", "draft", "before", "launch", "and", "send",
        "notes", "about", "budget", "schedule", "customer", "feedback", "on", "week", "plan",
        "update", "meeting", "quarter", "item", "change", "with", "our", "office", "release",
    ];
    let mut x = seed | 1;
    let mut out = String::with_capacity(bytes + 64);
    let mut n = 0u32;
    while out.len() < bytes {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(WORDS[(x % WORDS.len() as u64) as usize]);
        n += 1;
        out.push_str(match n % 97 {
            0 => ".\n\n",
            k if k % 13 == 0 => ". ",
            _ => " ",
        });
    }
    out
}

/// `text` with `values` values (an email and a card number each) spread evenly.
fn with_values(text: &str, values: usize) -> String {
    let mut out = String::with_capacity(text.len() + values * 64);
    let step = text.len() / (values + 1);
    let mut last = 0;
    for k in 1..=values {
        let at = text[k * step..]
            .find(' ')
            .map_or(text.len(), |p| k * step + p);
        out.push_str(&text[last..at]);
        out.push_str(&format!(
            " mail jane.doe{k}@example.com card 4111 1111 1111 1111"
        ));
        last = at;
    }
    out.push_str(&text[last..]);
    out
}

fn body(texts: &[String]) -> String {
    let msgs: Vec<String> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let role = if i % 2 == 0 { "user" } else { "assistant" };
            format!(
                r#"{{"role":"{role}","content":{}}}"#,
                serde_json::to_string(t).unwrap()
            )
        })
        .collect();
    format!(r#"{{"model":"gpt-4o","messages":[{}]}}"#, msgs.join(","))
}

/// The median of 15 runs of `inspect_body` over `body`, and whether it was rewritten.
fn time(p: &Policy, body: &str) -> (Duration, bool) {
    let e = classify("POST", "/v1/chat/completions").unwrap();
    let mut runs = Vec::new();
    let mut rewritten = false;
    for _ in 0..15 {
        let t = Instant::now();
        let out = inspect_body(p, &p.actions, &e, body.as_bytes());
        runs.push(t.elapsed());
        rewritten = matches!(out.verdict(), Verdict::Rewrite(_));
    }
    runs.sort();
    (runs[runs.len() / 2], rewritten)
}

fn main() {
    let p = Policy::from_json(b"{}").unwrap();
    let one = prose(7, 256 * 1024);
    let many: Vec<String> = (0..32).map(|i| prose(100 + i, 8 * 1024)).collect();
    let (clean_one, _) = time(&p, &body(std::slice::from_ref(&one)));
    let (clean_many, _) = time(&p, &body(&many));
    println!("one message of 256 KiB clean: {clean_one:.2?}; 32 messages of 8 KiB clean: {clean_many:.2?}");
    for values in [1, 3, 10, 30, 100, 250] {
        let (t, rw) = time(&p, &body(&[with_values(&one, values)]));
        assert!(rw, "the values are redacted");
        println!(
            "one message, {values:>3} values: {t:>9.2?}, {:.2}x clean",
            t.as_secs_f64() / clean_one.as_secs_f64()
        );
    }
    for per in [1, 8] {
        let texts: Vec<String> = many.iter().map(|t| with_values(t, per)).collect();
        let (t, rw) = time(&p, &body(&texts));
        assert!(rw, "the values are redacted");
        println!(
            "32 messages, {per} value(s) each: {t:>9.2?}, {:.2}x clean",
            t.as_secs_f64() / clean_many.as_secs_f64()
        );
    }
}
