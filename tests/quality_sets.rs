//! Detection quality on hand-written sets the generator did not make: every `*.jsonl` file
//! under `tests/quality/` (see `tests/quality/README.md` for the format and the sources).
//!
//! Per rule: strict recall (a finding *of the expected rule* covers the whole value), loose
//! recall (a finding of any rule covers it), and false positives (findings on negative lines,
//! or findings on positive lines that overlap no expected value). Prints the table with
//! `cargo test --test quality_sets -- --nocapture`; fails below the targets of issue #19:
//! strict recall 0.99 for every rule with positives, false positives at most 0.5 % of lines.
//! Files under a folder named `unclaimed/` hold forms `docs/detectors.md` says it does not
//! catch (values wrapped onto a second line): they are scored in a table of their own, which
//! the targets do not apply to, so a gain or a loss there stays visible.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use openai_compliance_filter::config::Policy;
use openai_compliance_filter::detect::{DetectorSet, Finding, Scratch};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One line of a set.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    /// The text, as it would sit in a request string (decoded).
    text: String,
    /// Values that must be found: each `value` occurs in `text` (its first occurrence at or
    /// after the previous expected value's start is meant). Empty: a negative line.
    #[serde(default)]
    find: Vec<Expect>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    rule: String,
    value: String,
}

#[derive(Default)]
struct Stat {
    expected: usize,
    strict: usize,
    loose: usize,
}

#[derive(Default)]
struct Totals {
    lines: usize,
    negatives: usize,
    /// Lines with at least one false finding.
    false_lines: usize,
    /// False findings per rule.
    false_by_rule: BTreeMap<String, usize>,
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "jsonl") {
            out.push(p);
        }
    }
}

/// The detector set of the default policy (`{}`): every built-in rule on.
fn default_detectors() -> Policy {
    Policy::from_json(b"{}").unwrap()
}

fn rule_id(set: &DetectorSet, f: &Finding) -> String {
    set.rule(f.rule).unwrap().id.to_string()
}

#[test]
fn hand_written_sets_meet_the_targets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/quality");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    // `QUALITY_ONLY=holdout` (a folder under tests/quality/) scores that folder alone, for a
    // per-set table; the test's verdict is only meaningful on all sets (the default).
    if let Ok(only) = std::env::var("QUALITY_ONLY") {
        paths.retain(|p| p.strip_prefix(&root).is_ok_and(|r| r.starts_with(&only)));
    }
    assert!(!paths.is_empty(), "no sets under {}", root.display());
    let policy = default_detectors();
    let set = &policy.detectors;
    let mut stats: BTreeMap<String, Stat> = BTreeMap::new();
    let mut totals = Totals::default();
    let mut unclaimed: BTreeMap<String, Stat> = BTreeMap::new();
    let mut report = Vec::new();
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for path in &paths {
        let rel = path.strip_prefix(&root).unwrap().display().to_string();
        let claimed = !path
            .strip_prefix(&root)
            .unwrap()
            .components()
            .any(|c| c.as_os_str() == "unclaimed");
        let content = std::fs::read_to_string(path).unwrap();
        for (n, raw) in content.lines().enumerate() {
            let raw = raw.trim();
            if raw.is_empty() || raw.starts_with('#') {
                continue;
            }
            let line: Line = serde_json::from_str(raw)
                .unwrap_or_else(|e| panic!("{rel}:{}: not a set line: {e}", n + 1));
            if !claimed {
                score_unclaimed(
                    set,
                    &mut scratch,
                    &line,
                    &rel,
                    n + 1,
                    &mut unclaimed,
                    &mut report,
                );
                continue;
            }
            totals.lines += 1;
            // Where each expected value sits.
            let mut spans = Vec::new();
            let mut from = 0;
            for e in &line.find {
                assert!(
                    set.rules().iter().any(|r| *r.id == *e.rule),
                    "{rel}:{}: no rule {}",
                    n + 1,
                    e.rule
                );
                let at = line.text[from..]
                    .find(&e.value)
                    .map(|i| i + from)
                    .or_else(|| line.text.find(&e.value))
                    .unwrap_or_else(|| panic!("{rel}:{}: value not in text", n + 1));
                from = at;
                spans.push((e.rule.as_str(), at, at + e.value.len()));
            }
            out.clear();
            set.scan(&line.text, &mut scratch, &mut out);
            for &(rule, s, e) in &spans {
                let st = stats.entry(rule.to_string()).or_default();
                st.expected += 1;
                let covers = |f: &&Finding| f.start <= s && f.end >= e;
                let strict = out.iter().filter(covers).any(|f| rule_id(set, f) == rule);
                let loose = out.iter().any(|f| covers(&f));
                st.strict += usize::from(strict);
                st.loose += usize::from(loose);
                if !strict {
                    let got: Vec<String> = out
                        .iter()
                        .filter(|f| f.start < e && s < f.end)
                        .map(|f| rule_id(set, f))
                        .collect();
                    report.push(format!("MISS  {rel}:{} {rule} (found: {got:?})", n + 1));
                }
            }
            if spans.is_empty() {
                totals.negatives += 1;
            }
            let mut false_here = false;
            for f in &out {
                let overlaps = spans.iter().any(|&(_, s, e)| f.start < e && s < f.end);
                if !overlaps {
                    false_here = true;
                    *totals.false_by_rule.entry(rule_id(set, f)).or_default() += 1;
                    report.push(format!("FALSE {rel}:{} {}", n + 1, rule_id(set, f)));
                }
            }
            totals.false_lines += usize::from(false_here);
        }
    }

    println!(
        "{:<30} {:>8} {:>8} {:>8} {:>7}",
        "rule", "values", "strict", "loose", "false"
    );
    let mut failures = Vec::new();
    let mut rules: Vec<&String> = stats.keys().chain(totals.false_by_rule.keys()).collect();
    rules.sort();
    rules.dedup();
    for rule in rules {
        let st = stats.get(rule.as_str());
        let (expected, strict, loose) = st.map_or((0, 0, 0), |s| (s.expected, s.strict, s.loose));
        let ratio = |x: usize| {
            if expected == 0 {
                1.0
            } else {
                x as f64 / expected as f64
            }
        };
        let falses = totals
            .false_by_rule
            .get(rule.as_str())
            .copied()
            .unwrap_or(0);
        println!(
            "{rule:<30} {expected:>8} {:>8.4} {:>8.4} {falses:>7}",
            ratio(strict),
            ratio(loose)
        );
        if expected > 0 && ratio(strict) < 0.99 {
            failures.push(format!("{rule}: strict recall {:.4}", ratio(strict)));
        }
    }
    let false_rate = totals.false_lines as f64 / totals.lines.max(1) as f64;
    println!(
        "lines {} (negatives {}), lines with a false finding {} ({:.2} %)",
        totals.lines,
        totals.negatives,
        totals.false_lines,
        100.0 * false_rate
    );
    if !unclaimed.is_empty() {
        println!("not claimed by docs/detectors.md (unclaimed/, not held to the targets):");
        for (rule, st) in &unclaimed {
            let ratio = |x: usize| x as f64 / st.expected.max(1) as f64;
            println!(
                "{rule:<30} {:>8} {:>8.4} {:>8.4}",
                st.expected,
                ratio(st.strict),
                ratio(st.loose)
            );
        }
    }
    for r in &report {
        println!("{r}");
    }
    if false_rate > 0.005 {
        failures.push(format!(
            "false positives on {:.2} % of lines",
            100.0 * false_rate
        ));
    }
    assert!(failures.is_empty(), "below target: {failures:#?}");
}

/// Scores one line of an `unclaimed/` file: recall only, into `stats`; misses reported.
fn score_unclaimed(
    set: &DetectorSet,
    scratch: &mut Scratch,
    line: &Line,
    rel: &str,
    n: usize,
    stats: &mut BTreeMap<String, Stat>,
    report: &mut Vec<String>,
) {
    let mut out = Vec::new();
    set.scan(&line.text, scratch, &mut out);
    for e in &line.find {
        let s = line
            .text
            .find(&e.value)
            .unwrap_or_else(|| panic!("{rel}:{n}: value not in text"));
        let end = s + e.value.len();
        let covers = |f: &&Finding| f.start <= s && f.end >= end;
        let strict = out.iter().filter(covers).any(|f| rule_id(set, f) == e.rule);
        let st = stats.entry(e.rule.clone()).or_default();
        st.expected += 1;
        st.strict += usize::from(strict);
        st.loose += usize::from(out.iter().any(|f| covers(&f)));
        if !strict {
            report.push(format!("MISS (unclaimed) {rel}:{n} {}", e.rule));
        }
    }
}
