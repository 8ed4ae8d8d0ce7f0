//! The hand-written quality sets (`tests/quality/`, every format cited at its source) cut into
//! two text parts of one message: each expected value, cut at a third, a half and two thirds
//! of its length, must not reach the upstream whole, nor its second half (the piece a
//! detector reading only one part would leave). Lines of `unclaimed/` folders and values
//! shorter than 8 bytes are left out; signed URLs are allowed by the default policy.
//!
//! The leaks left are listed in `tests/quality_cut_known.txt` with their causes: the test
//! fails on a new one and on a listed one that no longer leaks.
//!
//! `cargo test --test quality_cut -- --nocapture` prints the counts and every leak.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n != "unclaimed") {
                files(&p, out);
            }
        } else if p.extension().is_some_and(|x| x == "jsonl") {
            out.push(p);
        }
    }
}

/// The char boundary of `s` nearest after `i`.
fn ceil(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[test]
fn values_cut_across_two_parts_do_not_reach_the_upstream() {
    let mut paths = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/quality"),
        &mut paths,
    );
    paths.sort();
    let policy = Policy::from_json(b"{}").unwrap();
    let endpoint = classify("POST", "/v1/chat/completions").unwrap();
    let (mut cuts, mut leaks) = (0usize, Vec::new());
    for path in &paths {
        let name = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display()
            .to_string();
        for (n, line) in std::fs::read_to_string(path).unwrap().lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let text = v["text"].as_str().unwrap();
            for f in v["find"].as_array().into_iter().flatten() {
                let (rule, value) = (f["rule"].as_str().unwrap(), f["value"].as_str().unwrap());
                if rule == "signed_url" || value.len() < 8 {
                    continue;
                }
                let Some(at) = text.find(value) else {
                    continue;
                };
                for frac in [3, 2] {
                    for k in 1..frac {
                        let cut_at = ceil(text, at + value.len() * k / frac);
                        let (a, b) = text.split_at(cut_at);
                        let body = serde_json::json!({
                            "model": "gpt-4o-mini",
                            "messages": [{"role": "user", "content": [
                                {"type": "text", "text": a},
                                {"type": "text", "text": b},
                            ]}],
                        })
                        .to_string();
                        cuts += 1;
                        let out =
                            inspect_body(&policy, &policy.actions, &endpoint, body.as_bytes());
                        let sent = match out.verdict() {
                            Verdict::Deny(_) => continue,
                            Verdict::Forward => body.clone(),
                            Verdict::Rewrite(b) => String::from_utf8(b.clone()).unwrap(),
                        };
                        let got: serde_json::Value = serde_json::from_str(&sent).unwrap();
                        let joined: String = got["messages"][0]["content"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| p["text"].as_str().unwrap())
                            .collect();
                        // The second half counts where the output holds it more often than
                        // the text does outside the value (`example.com` in a URL before it).
                        let second = &value[ceil(value, value.len() / 2)..];
                        let outside = text.replacen(value, "", 1).matches(second).count();
                        let leaked_half =
                            second.len() >= 6 && joined.matches(second).count() > outside;
                        if joined.contains(value) || leaked_half {
                            leaks.push(format!("{name}:{} {rule} cut at {k}/{frac}", n + 1));
                        }
                    }
                }
            }
        }
    }
    println!(
        "quality sets cut into two parts: {cuts} cuts, {} leaks",
        leaks.len()
    );
    for l in &leaks {
        println!("LEAK {l}");
    }
    assert!(cuts > 9000, "the sets shrank: {cuts} cuts");
    // The known leaks, each with its cause (tests/quality_cut_known.txt): a new leak fails,
    // and so does a known one that no longer leaks (take it off the list).
    let known_file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/quality_cut_known.txt");
    let known: Vec<String> = std::fs::read_to_string(known_file)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    let new: Vec<&String> = leaks.iter().filter(|l| !known.contains(l)).collect();
    let gone: Vec<&String> = known.iter().filter(|k| !leaks.contains(k)).collect();
    assert!(new.is_empty(), "{} new leaks:\n{new:#?}", new.len());
    assert!(
        gone.is_empty(),
        "known leaks that no longer leak (remove them): {gone:#?}"
    );
}
