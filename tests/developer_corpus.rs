//! Developer content in which nothing may change: every file under `tests/corpus/developer/`
//! (code, configuration, CI workflows, logs, stack traces, SQL, diffs, notebooks, package
//! locks; see the README there) goes through the whole pipeline with the default policy
//! (`{}`), as a chat completion message and as a Responses input, and must be forwarded
//! untouched. Findings whose action is `allow` under that policy (signed URLs) change
//! nothing and are allowed; any other finding fails the file.
//!
//! `cargo test --test developer_corpus -- --nocapture` prints the corpus size and every file
//! that changed, with the rules that fired (never the matched text).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::{Action, Policy};
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, FindingCounts, Verdict};
use std::path::Path;

/// The bodies a file's text is sent in: (endpoint path, body).
fn bodies(text: &str) -> [(&'static str, String); 2] {
    let chat = serde_json::json!({
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a senior engineer helping a colleague."},
            {"role": "user", "content": text},
        ],
    });
    let responses = serde_json::json!({
        "model": "gpt-4o-mini",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": text}]},
        ],
    });
    [
        ("/v1/chat/completions", chat.to_string()),
        ("/v1/responses", responses.to_string()),
    ]
}

/// The corpus files, sorted (the README left out).
fn corpus_files() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/developer");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    paths.sort();
    paths
}

/// The rules of `counts` whose action is not `allow`, with their counts (`email×2`).
fn redacted_rules(policy: &Policy, counts: &FindingCounts) -> Vec<String> {
    counts
        .by_rule
        .iter()
        .filter(|(r, _)| policy.actions.get(*r) != Action::Allow)
        .map(|(r, n)| format!("{}×{n}", policy.detectors.rule(*r).unwrap().id))
        .collect()
}

#[test]
fn developer_content_is_forwarded_untouched() {
    let paths = corpus_files();
    let policy = Policy::from_json(b"{}").unwrap();
    let (mut files, mut bytes, mut allowed) = (0usize, 0usize, 0u32);
    let mut changed = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.lines().next().is_some_and(|l| {
                let l = l.trim_start();
                ["#", "//", "--", "<!--", "<?php"]
                    .iter()
                    .any(|c| l.starts_with(c))
            }),
            "{name}: the first line must be a comment naming what the file imitates"
        );
        files += 1;
        bytes += text.len();
        for (route, body) in bodies(&text) {
            let endpoint = classify("POST", route).unwrap();
            let out = inspect_body(&policy, &policy.actions, &endpoint, body.as_bytes());
            let rules = redacted_rules(&policy, &out.counts);
            allowed += out
                .counts
                .by_rule
                .iter()
                .filter(|(r, _)| policy.actions.get(*r) == Action::Allow)
                .map(|(_, n)| n)
                .sum::<u32>();
            if *out.verdict() != Verdict::Forward || !rules.is_empty() {
                changed.push(format!(
                    "{name} ({route}): {:?} {rules:?}",
                    verdict_name(out.verdict())
                ));
            }
        }
    }
    println!(
        "developer corpus: {files} files, {bytes} bytes, {} sends; changed: {}; allow-only findings: {allowed}",
        2 * files,
        changed.len()
    );
    for c in &changed {
        println!("CHANGED {c}");
    }
    assert!(files >= 150, "the corpus shrank to {files} files");
    assert!(
        changed.is_empty(),
        "{} sends changed:\n{}",
        changed.len(),
        changed.join("\n")
    );
}

fn verdict_name(v: &Verdict) -> &'static str {
    match v {
        Verdict::Forward => "forward",
        Verdict::Rewrite(_) => "rewrite",
        Verdict::Deny(_) => "deny",
    }
}

/// `text` cut into pieces of about `step` bytes (on char boundaries).
fn cut(text: &str, step: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut at = step.min(rest.len());
        while !rest.is_char_boundary(at) {
            at += 1;
        }
        let (a, b) = rest.split_at(at);
        out.push(a);
        rest = b;
    }
    out
}

#[test]
fn developer_content_cut_into_parts_is_forwarded_untouched() {
    // The same files pasted in several text parts of one message, cut anywhere (every 61 and
    // every 509 bytes) and at lines (every 7 lines): reading the parts across their joins must
    // find nothing a single text does not.
    let paths = corpus_files();
    let policy = Policy::from_json(b"{}").unwrap();
    let endpoint = classify("POST", "/v1/chat/completions").unwrap();
    let mut changed = Vec::new();
    let mut sends = 0;
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<String> = text
            .split_inclusive('\n')
            .collect::<Vec<_>>()
            .chunks(7)
            .map(|c| c.concat())
            .collect();
        let line_parts: Vec<&str> = lines.iter().map(String::as_str).collect();
        for (how, parts) in [
            ("61 bytes", cut(&text, 61)),
            ("509 bytes", cut(&text, 509)),
            ("7 lines", line_parts),
        ] {
            let content: Vec<serde_json::Value> = parts
                .iter()
                .map(|t| serde_json::json!({"type": "text", "text": t}))
                .collect();
            let body = serde_json::json!({
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": content}],
            })
            .to_string();
            sends += 1;
            let out = inspect_body(&policy, &policy.actions, &endpoint, body.as_bytes());
            let rules = redacted_rules(&policy, &out.counts);
            if *out.verdict() != Verdict::Forward || !rules.is_empty() {
                changed.push(format!(
                    "{name} (cut every {how}): {} {rules:?}",
                    verdict_name(out.verdict())
                ));
            }
        }
    }
    println!(
        "developer corpus cut into parts: {sends} sends, changed: {}",
        changed.len()
    );
    assert!(
        changed.is_empty(),
        "{} sends changed:\n{}",
        changed.len(),
        changed.join("\n")
    );
}
