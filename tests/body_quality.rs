//! Detection quality through the whole pipeline: the seeded corpus embedded in OpenAI request
//! bodies of every endpoint and shape the walker knows (string content, content parts, tool
//! call arguments as JSON in a string, tool results, Responses items and instructions,
//! completions prompts, embeddings and moderations inputs, metadata). Per rule: recall (every
//! expected value is gone from what would go upstream, and counted) and precision (findings
//! counted per rule against the labels). Fails below recall 0.99 or precision 0.98.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ocf_devkit::corpus::{self, Sample};
use openai_compliance_filter::config::Policy;
use openai_compliance_filter::openai::classify;
use openai_compliance_filter::pipeline::{inspect_body, Verdict};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Embeds `text` in one body shape: (endpoint, body).
fn embed(shape: usize, text: &str) -> (&'static str, Value) {
    match shape % 12 {
        0 => (
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": text}]}),
        ),
        1 => (
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [
            {"role": "user", "content": [{"type": "text", "text": text}]}]}),
        ),
        2 => (
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [
            {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
             "function": {"name": "send_note", "arguments": json!({"note": text, "n": 1}).to_string()}}]}]}),
        ),
        3 => (
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [
            {"role": "tool", "tool_call_id": "call_1", "content": json!({"result": text}).to_string()}]}),
        ),
        4 => ("/v1/responses", json!({"model": "gpt-4.1", "input": text})),
        5 => (
            "/v1/responses",
            json!({"model": "gpt-4.1", "input": [{"role": "user", "content": [
            {"type": "input_text", "text": text}]}]}),
        ),
        6 => (
            "/v1/responses",
            json!({"model": "gpt-4.1", "input": [{"type": "function_call_output",
            "call_id": "call_1", "output": text}]}),
        ),
        7 => (
            "/v1/responses",
            json!({"model": "gpt-4.1", "instructions": text, "input": "hello"}),
        ),
        8 => (
            "/v1/completions",
            json!({"model": "gpt-3.5-turbo-instruct", "prompt": ["Say hi.", text]}),
        ),
        9 => (
            "/v1/embeddings",
            json!({"model": "text-embedding-3-small", "input": [text]}),
        ),
        10 => (
            "/v1/moderations",
            json!({"model": "omni-moderation-latest", "input": text}),
        ),
        _ => (
            "/v1/chat/completions",
            json!({"model": "gpt-4o", "messages": [
            {"role": "user", "content": "see metadata"}], "metadata": {"ticket": text}}),
        ),
    }
}

/// Every string in `v`, decoded, and the strings of JSON documents inside strings.
fn all_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
            if let Ok(inner @ (Value::Object(_) | Value::Array(_))) = serde_json::from_str(s) {
                all_text(&inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| all_text(i, out)),
        Value::Object(m) => m.values().for_each(|i| all_text(i, out)),
        _ => {}
    }
}

#[derive(Default)]
struct Stat {
    expected: u32,
    removed: u32,
    counted: u32,
}

#[test]
fn every_rule_in_every_body_shape() {
    let policy_json = format!(r#"{{"detectors": {}}}"#, corpus::CUSTOM_RULES_JSON);
    let policy = Policy::from_json(policy_json.as_bytes()).unwrap();
    let samples: Vec<Sample> = corpus::generate(20_261_122, 6_000, true);
    let mut stats: BTreeMap<String, Stat> = BTreeMap::new();
    let mut shapes_with_positives = [0u32; 12];
    let mut failures = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let (path, body) = embed(i, &s.text);
        let bytes = serde_json::to_vec(&body).unwrap();
        let endpoint = classify("POST", path).unwrap();
        let out = inspect_body(&policy, &policy.actions, &endpoint, &bytes);
        let upstream = match out.verdict() {
            Verdict::Forward => bytes.clone(),
            Verdict::Rewrite(b) => b.clone(),
            Verdict::Deny(r) => panic!("sample {i} ({path}) denied: {}", r.code()),
        };
        let upstream_json: Value = serde_json::from_slice(&upstream).unwrap();
        let mut upstream_text = String::new();
        all_text(&upstream_json, &mut upstream_text);
        let mut expected_per_rule: BTreeMap<&str, u32> = BTreeMap::new();
        for e in &s.expected {
            let value = &s.text[e.start..e.end];
            let st = stats.entry(e.rule.to_string()).or_default();
            st.expected += 1;
            *expected_per_rule.entry(e.rule).or_default() += 1;
            shapes_with_positives[i % 12] += 1;
            // The value is gone from everything that would go upstream (JSON-decoded view,
            // so escapes cannot hide it).
            if upstream_text.contains(value) {
                failures.push(format!("sample {i} {path}: {} survived", e.rule));
            } else {
                st.removed += 1;
            }
        }
        for (rule, n) in &out.counts.by_rule {
            let id = policy.detectors.rule(*rule).unwrap().id.to_string();
            let want = expected_per_rule.get(id.as_str()).copied().unwrap_or(0);
            stats.entry(id.clone()).or_default().counted += (*n).min(want);
            if *n > want {
                failures.push(format!(
                    "sample {i} {path}: {n} {id} findings, {want} labelled"
                ));
            }
        }
    }
    println!(
        "{:<28} {:>8} {:>8} {:>9} {:>9}",
        "rule", "expected", "removed", "recall", "precision"
    );
    let mut ok = true;
    let total_false: usize = failures.iter().filter(|f| f.contains("labelled")).count();
    for (rule, st) in &stats {
        if st.expected == 0 {
            continue;
        }
        let recall = f64::from(st.removed) / f64::from(st.expected);
        let counted_recall = f64::from(st.counted) / f64::from(st.expected);
        let false_pos = failures
            .iter()
            .filter(|f| f.contains("labelled") && f.contains(&format!(" {rule} findings")))
            .count() as f64;
        let precision = f64::from(st.counted) / (f64::from(st.counted) + false_pos).max(1.0);
        println!(
            "{rule:<28} {:>8} {:>8} {recall:>9.4} {precision:>9.4}",
            st.expected, st.removed
        );
        if recall < 0.99 || counted_recall < 0.99 || precision < 0.98 {
            ok = false;
        }
    }
    assert!(
        shapes_with_positives.iter().all(|n| *n > 100),
        "{shapes_with_positives:?}"
    );
    assert!(
        stats.len() >= 90,
        "only {} rules had positives",
        stats.len()
    );
    assert!(
        ok,
        "quality below target; {total_false} over-counts; first failures: {:?}",
        &failures[..failures.len().min(10)]
    );
}
