//! Summaries of audit records for auditors: per policy digest (records written under different
//! versions of the register are never added up), per project and per period: requests,
//! decisions, refusal reasons, findings per category, tokens, unscannable content and
//! restorations. Reads JSON lines as Envoy writes them: a bare record per line (an access log
//! with `%FILTER_STATE(wasm.ocf_audit:PLAIN)%`), or Envoy's own log with `ocf.audit {...}`
//! lines; any other line is counted as skipped. Fields a record lacks count as zero, so
//! records of older or newer filter versions are read alike.

use super::doc::{Block, Doc};
use super::svg;
use crate::audit::LOG_PREFIX;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// How records are grouped in time (by their `ts`, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// `2026-12-06T15`.
    Hour,
    /// `2026-12-06`.
    Day,
    /// `2026-12`.
    Month,
    /// Everything in one period, `all`.
    All,
}

impl Period {
    /// Parses `hour`, `day`, `month`, `all`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "hour" => Self::Hour,
            "day" => Self::Day,
            "month" => Self::Month,
            "all" => Self::All,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Hour => "hour",
            Self::Day => "day",
            Self::Month => "month",
            Self::All => "all",
        }
    }

    /// The period a record's `ts` (RFC 3339) falls in.
    fn of(self, ts: &str) -> String {
        let take = |n: usize| ts.get(..n).unwrap_or("unknown").to_string();
        match self {
            Self::Hour => take(13),
            Self::Day => take(10),
            Self::Month => take(7),
            Self::All => "all".into(),
        }
    }
}

/// The counts of one project in one period under one policy.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Records.
    pub requests: u64,
    /// By `decision`.
    pub decisions: BTreeMap<String, u64>,
    /// By `reason` (refusals, would-be refusals, aborts).
    pub reasons: BTreeMap<String, u64>,
    /// Findings per category (`categories`).
    pub findings: BTreeMap<String, u64>,
    /// Findings per action taken (`actions`).
    pub actions: BTreeMap<String, u64>,
    /// Token usage the replies reported.
    pub tokens: Tokens,
    /// Content the filter could not scan.
    pub unscannable: Unscannable,
    /// Pseudonyms restored in replies (a record's `restored` or `restorations`).
    pub restorations: u64,
    /// By response `status`.
    pub statuses: BTreeMap<String, u64>,
    /// By the throttle limit of a `rate_limited` refusal.
    pub rate_limits: BTreeMap<String, u64>,
}

/// Tokens, summed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Tokens {
    /// Prompt (input) tokens.
    pub prompt: u64,
    /// Completion (output) tokens.
    pub completion: u64,
    /// Total tokens.
    pub total: u64,
    /// Records whose reply reported usage.
    pub requests_with_usage: u64,
}

/// Unscannable content, summed.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Unscannable {
    /// `data:` URLs and base64 blobs not scanned (`opaque_blobs`, and a record's
    /// `unscannable` count when it has one).
    pub payloads: u64,
    /// Records with at least one.
    pub requests: u64,
    /// Records refused for it (`unscannable_content`).
    pub refused: u64,
}

/// One policy digest's records.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PolicyReport {
    /// The digest (`policy` of the records).
    pub policy: String,
    /// Filter versions seen.
    pub versions: Vec<String>,
    /// Earliest and latest `ts`.
    pub first: String,
    /// Latest `ts`.
    pub last: String,
    /// Every record of this digest, summed.
    pub total: Summary,
    /// Per period, then per project (`(none)` when the record has none).
    pub periods: BTreeMap<String, BTreeMap<String, Summary>>,
}

/// The whole report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// What made it.
    pub generated_by: String,
    /// The grouping.
    pub period: &'static str,
    /// Records read.
    pub records: u64,
    /// Lines that held no record.
    pub skipped_lines: u64,
    /// Per policy digest, oldest first.
    pub policies: Vec<PolicyReport>,
}

/// The record on one line, if it holds one.
pub fn record_of_line(line: &str) -> Option<Value> {
    let line = line.trim();
    let json = if line.starts_with('{') {
        line
    } else {
        let at = line.find(LOG_PREFIX)?;
        line.get(at + LOG_PREFIX.len()..)?.trim()
    };
    let v: Value = serde_json::from_str(json).ok()?;
    // A record has at least a decision and a policy digest.
    (v.get("decision").is_some_and(Value::is_string) && v.get("policy").is_some()).then_some(v)
}

/// Builds the report from lines.
pub fn build<'a>(lines: impl IntoIterator<Item = &'a str>, period: Period) -> Report {
    let mut report = Report {
        generated_by: crate::version::banner(),
        period: period.name(),
        ..Report::default()
    };
    let mut by_policy: BTreeMap<String, PolicyReport> = BTreeMap::new();
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        let Some(rec) = record_of_line(line) else {
            report.skipped_lines += 1;
            continue;
        };
        report.records += 1;
        let s = |k: &str| rec.get(k).and_then(Value::as_str).map(str::to_string);
        let digest = s("policy").unwrap_or_else(|| "(none)".into());
        let ts = s("ts").unwrap_or_default();
        let p = by_policy
            .entry(digest.clone())
            .or_insert_with(|| PolicyReport {
                policy: digest,
                first: ts.clone(),
                last: ts.clone(),
                ..PolicyReport::default()
            });
        if let Some(v) = s("version") {
            if !p.versions.contains(&v) {
                p.versions.push(v);
            }
        }
        if !ts.is_empty() && (p.first.is_empty() || ts < p.first) {
            p.first.clone_from(&ts);
        }
        if ts > p.last {
            p.last.clone_from(&ts);
        }
        let project = s("project").unwrap_or_else(|| "(none)".into());
        add(&mut p.total, &rec);
        let group = p
            .periods
            .entry(period.of(&ts))
            .or_default()
            .entry(project)
            .or_default();
        add(group, &rec);
    }
    let mut list: Vec<PolicyReport> = by_policy.into_values().collect();
    list.sort_by(|a, b| a.first.cmp(&b.first).then(a.policy.cmp(&b.policy)));
    report.policies = list;
    report
}

fn num(v: Option<&Value>) -> u64 {
    v.and_then(Value::as_u64).unwrap_or(0)
}

fn add(sum: &mut Summary, rec: &Value) {
    sum.requests += 1;
    let text = |k: &str| rec.get(k).and_then(Value::as_str);
    if let Some(d) = text("decision") {
        *sum.decisions.entry(d.into()).or_default() += 1;
    }
    if let Some(r) = text("reason") {
        *sum.reasons.entry(r.into()).or_default() += 1;
        if r == "unscannable_content" {
            sum.unscannable.refused += 1;
        }
    }
    let counts = |into: &mut BTreeMap<String, u64>, k: &str| {
        if let Some(map) = rec.get(k).and_then(Value::as_object) {
            for (name, n) in map {
                *into.entry(name.clone()).or_default() += num(Some(n));
            }
        }
    };
    counts(&mut sum.findings, "categories");
    counts(&mut sum.actions, "actions");
    if let Some(u) = rec.get("usage").filter(|u| u.is_object()) {
        let prompt = num(u.get("prompt_tokens"));
        let completion = num(u.get("completion_tokens"));
        sum.tokens.prompt += prompt;
        sum.tokens.completion += completion;
        sum.tokens.total += u
            .get("total_tokens")
            .and_then(Value::as_u64)
            .unwrap_or(prompt + completion);
        sum.tokens.requests_with_usage += 1;
    }
    // `unscannable` may be a count or an object of counts (per kind), as other versions
    // write it.
    let unscannable = num(rec.get("opaque_blobs"))
        + match rec.get("unscannable") {
            Some(Value::Object(m)) => m.values().map(|v| num(Some(v))).sum(),
            other => num(other),
        };
    sum.unscannable.payloads += unscannable;
    if unscannable > 0 {
        sum.unscannable.requests += 1;
    }
    sum.restorations += ["restored", "restorations"]
        .iter()
        .map(|k| match rec.get(*k) {
            Some(Value::Object(m)) => m.values().map(|v| num(Some(v))).sum(),
            other => num(other),
        })
        .sum::<u64>();
    if let Some(st) = rec.get("status").and_then(Value::as_u64) {
        *sum.statuses.entry(st.to_string()).or_default() += 1;
    }
    if let Some(l) = text("rate_limit") {
        *sum.rate_limits.entry(l.into()).or_default() += 1;
    }
}

/// The report as a document; `charts` names the SVG files written beside it (per policy, in
/// the order of `report.policies`).
pub fn document(report: &Report, charts: &[Vec<(String, String)>]) -> Doc {
    let mut d = Doc::new("OpenAI API usage under the compliance policy");
    d.push(Block::Fields(vec![
        ("Records".into(), report.records.to_string()),
        (
            "Lines without a record".into(),
            report.skipped_lines.to_string(),
        ),
        ("Period".into(), report.period.into()),
        ("Generated by".into(), report.generated_by.clone()),
    ]));
    d.push(Block::Para(
        "Records written under different policy digests (versions of the register) are reported apart. No record holds content: the counts below are all there is.".into(),
    ));
    for (i, p) in report.policies.iter().enumerate() {
        d.push(Block::Heading(1, format!("Policy {}", p.policy)));
        d.push(Block::Fields(vec![
            ("From".into(), p.first.clone()),
            ("To".into(), p.last.clone()),
            ("Filter versions".into(), p.versions.join(", ")),
            ("Requests".into(), p.total.requests.to_string()),
            ("Decisions".into(), join(&p.total.decisions)),
            ("Refusal reasons".into(), join(&p.total.reasons)),
            ("Findings per category".into(), join(&p.total.findings)),
            ("Tokens (total)".into(), p.total.tokens.total.to_string()),
        ]));
        for (path, alt) in charts.get(i).into_iter().flatten() {
            d.push(Block::Image(path.clone(), alt.clone()));
        }
        d.push(Block::Table(
            [
                "Period",
                "Project",
                "Requests",
                "Decisions",
                "Refusals",
                "Findings",
                "Tokens",
                "Unscannable",
                "Restored",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            p.periods
                .iter()
                .flat_map(|(period, projects)| {
                    projects.iter().map(move |(project, s)| {
                        vec![
                            period.clone(),
                            project.clone(),
                            s.requests.to_string(),
                            join(&s.decisions),
                            join(&s.reasons),
                            join(&s.findings),
                            format!(
                                "{} ({} in, {} out)",
                                s.tokens.total, s.tokens.prompt, s.tokens.completion
                            ),
                            format!(
                                "{} in {} requests, {} refused",
                                s.unscannable.payloads,
                                s.unscannable.requests,
                                s.unscannable.refused
                            ),
                            s.restorations.to_string(),
                        ]
                    })
                })
                .collect(),
        ));
    }
    d
}

fn join(m: &BTreeMap<String, u64>) -> String {
    if m.is_empty() {
        return "-".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The charts of one policy: decisions per period (stacked bars) and findings per category
/// (bars), as (file name, SVG, alternative text).
pub fn charts(p: &PolicyReport) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let periods: Vec<(String, BTreeMap<String, u64>)> = p
        .periods
        .iter()
        .map(|(period, projects)| {
            let mut decisions: BTreeMap<String, u64> = BTreeMap::new();
            for s in projects.values() {
                for (d, n) in &s.decisions {
                    *decisions.entry(d.clone()).or_default() += n;
                }
            }
            (period.clone(), decisions)
        })
        .collect();
    out.push((
        format!("decisions-{}.svg", file_safe(&p.policy)),
        svg::stacked_bars(
            &format!(
                "Requests per {} by decision (policy {})",
                "period", p.policy
            ),
            &periods,
        ),
        format!("Requests per period by decision under policy {}", p.policy),
    ));
    out.push((
        format!("findings-{}.svg", file_safe(&p.policy)),
        svg::bars(
            &format!("Findings per category (policy {})", p.policy),
            &p.total.findings,
        ),
        format!("Findings per category under policy {}", p.policy),
    ));
    out
}

fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(policy: &str, ts: &str, project: &str, decision: &str, extra: &str) -> String {
        format!(
            r#"{{"ts":"{ts}","policy":"{policy}","project":"{project}","decision":"{decision}","version":"0.1.0"{extra}}}"#
        )
    }

    #[test]
    fn records_are_summed_per_policy_project_and_period() {
        let lines = [
            rec(
                "aaaa",
                "2026-12-06T10:00:00.000Z",
                "p",
                "redact",
                r#","categories":{"contact":2},"actions":{"redact":2},"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7},"status":200"#,
            ),
            format!(
                "[2026-12-06 10:00:01][1][info][wasm] wasm log x: ocf.audit {}",
                rec(
                    "aaaa",
                    "2026-12-06T10:00:01.000Z",
                    "p",
                    "deny",
                    r#","reason":"unscannable_content","opaque_blobs":2,"status":403"#
                )
            ),
            rec(
                "aaaa",
                "2026-12-07T00:00:00.000Z",
                "p",
                "deny",
                r#","reason":"rate_limited","rate_limit":"requests_per_minute","status":429"#,
            ),
            rec(
                "bbbb",
                "2026-12-06T11:00:00.000Z",
                "p",
                "allow",
                r#","restored":3"#,
            ),
            "not a record".to_string(),
            r#"{"some":"other json"}"#.to_string(),
            String::new(),
        ];
        let r = build(lines.iter().map(String::as_str), Period::Day);
        assert_eq!((r.records, r.skipped_lines), (4, 2));
        assert_eq!(r.policies.len(), 2, "digests are kept apart");
        let a = &r.policies[0];
        assert_eq!(a.policy, "aaaa");
        assert_eq!(a.total.requests, 3);
        assert_eq!(a.total.findings.get("contact"), Some(&2));
        assert_eq!(a.total.tokens.total, 7);
        assert_eq!(a.total.tokens.requests_with_usage, 1);
        assert_eq!(
            a.total.unscannable,
            Unscannable {
                payloads: 2,
                requests: 1,
                refused: 1
            }
        );
        assert_eq!(a.total.rate_limits.get("requests_per_minute"), Some(&1));
        assert_eq!(a.periods.len(), 2);
        assert_eq!(a.periods["2026-12-06"]["p"].requests, 2);
        assert_eq!(
            (a.first.as_str(), a.last.as_str()),
            ("2026-12-06T10:00:00.000Z", "2026-12-07T00:00:00.000Z")
        );
        assert_eq!(r.policies[1].total.restorations, 3);
        let md = document(&r, &[]).markdown();
        assert!(md.contains("Policy aaaa") && md.contains("Policy bbbb"));
        assert!(md.contains("unscannable\\_content 1"), "{md}");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["policies"][0]["total"]["decisions"]["deny"], 2);
        let c = charts(a);
        assert_eq!(c.len(), 2);
        assert!(c[0].1.starts_with("<svg") && c[0].1.contains("2026-12-07"));
    }
}
