//! Detector quality on the seeded corpus: per-rule precision and recall, text in → findings.
//! Fails below recall 0.99 or precision 0.98 for any rule. Prints the table with
//! `cargo test --test detect_quality -- --nocapture`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use ocf_devkit::corpus::{self, Sample};
use openai_compliance_filter::config::detectors::RawDetectors;
use openai_compliance_filter::detect::{DetectorSet, Finding, Scratch};
use std::collections::BTreeMap;

#[derive(Default, Debug)]
struct Stat {
    expected: usize,
    found: usize,
    findings: usize,
    correct: usize,
}

fn detectors() -> DetectorSet {
    let cfg: RawDetectors = serde_json::from_str(corpus::CUSTOM_RULES_JSON).unwrap();
    DetectorSet::compile(&cfg).unwrap()
}

fn evaluate(set: &DetectorSet, samples: &[Sample]) -> (BTreeMap<String, Stat>, Vec<String>) {
    let mut stats: BTreeMap<String, Stat> = BTreeMap::new();
    let mut misses = Vec::new();
    let mut scratch = Scratch::default();
    let mut out: Vec<Finding> = Vec::new();
    for s in samples {
        out.clear();
        set.scan(&s.text, &mut scratch, &mut out);
        let id = |f: &Finding| set.rule(f.rule).unwrap().id.to_string();
        for e in &s.expected {
            let st = stats.entry(e.rule.to_string()).or_default();
            st.expected += 1;
            let hit = out
                .iter()
                .any(|f| id(f) == e.rule && f.start <= e.start && f.end >= e.end);
            if hit {
                st.found += 1;
            } else if misses.len() < 40 {
                misses.push(format!("MISS {}: {:?}", e.rule, &s.text[e.start..e.end]));
            }
        }
        for f in &out {
            assert!(s.text.is_char_boundary(f.start) && s.text.is_char_boundary(f.end));
            let rule = id(f);
            let st = stats.entry(rule.clone()).or_default();
            st.findings += 1;
            let ok = s
                .expected
                .iter()
                .any(|e| e.rule == rule && f.start < e.end && e.start < f.end);
            if ok {
                st.correct += 1;
            } else if misses.len() < 80 {
                misses.push(format!(
                    "FALSE {}: {:?} in {:?}",
                    rule,
                    &s.text[f.start..f.end],
                    s.text
                ));
            }
        }
    }
    (stats, misses)
}

#[test]
fn precision_and_recall_per_detector() {
    let set = detectors();
    let samples = corpus::generate(0x5EED_0001, 20_000, true);
    let (stats, misses) = evaluate(&set, &samples);
    println!(
        "{:<28} {:>8} {:>8} {:>9} {:>9}",
        "rule", "expected", "findings", "precision", "recall"
    );
    let mut failures = Vec::new();
    for (rule, st) in &stats {
        let recall = if st.expected == 0 {
            1.0
        } else {
            st.found as f64 / st.expected as f64
        };
        let precision = if st.findings == 0 {
            1.0
        } else {
            st.correct as f64 / st.findings as f64
        };
        println!(
            "{rule:<28} {:>8} {:>8} {precision:>9.4} {recall:>9.4}",
            st.expected, st.findings
        );
        if recall < 0.99 || precision < 0.98 {
            failures.push(format!(
                "{rule}: precision {precision:.4} recall {recall:.4}"
            ));
        }
    }
    for m in &misses {
        println!("{m}");
    }
    // Every rule the generator covers must have been exercised.
    for rule in corpus::covered_rules() {
        let st = stats.get(rule);
        assert!(
            st.is_some_and(|s| s.expected > 0),
            "no positives for {rule}"
        );
    }
    assert!(failures.is_empty(), "below target: {failures:#?}");
}

#[test]
fn generator_is_deterministic() {
    let a = corpus::generate(7, 50, true);
    let b = corpus::generate(7, 50, true);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.text, y.text);
        assert_eq!(x.expected, y.expected);
    }
    for s in &a {
        for e in &s.expected {
            assert!(s.text.get(e.start..e.end).is_some_and(|v| !v.is_empty()));
        }
    }
}
