//! The filter's Prometheus metrics as data: names, labels and the increments one finished
//! [`AuditRecord`] makes, plus the bounded label values and the Envoy stat-name encoding. The
//! adapter only defines and increments what this module returns.
//!
//! Envoy stores a wasm metric as `wasmcustom.<name>` and prints it on `/stats/prometheus`
//! without the `wasmcustom.` prefix (and without `envoy_`). Labels travel inside the stat name
//! as `<metric>.<label>=.=<value>;.;` segments; the `stats_tags` of Envoy's bootstrap (see
//! [`stats_tags`]) turn each segment back into a Prometheus label.

use crate::audit::AuditRecord;
use std::collections::{BTreeMap, BTreeSet};

/// Requests by project, decision and reason.
pub const REQUESTS: &str = "ocf_requests_total";
/// Findings by category.
pub const FINDINGS: &str = "ocf_findings_total";
/// Findings by the action taken.
pub const FINDING_ACTIONS: &str = "ocf_finding_actions_total";
/// Tokens by project, model and type (`prompt`, `completion`).
pub const TOKENS: &str = "ocf_tokens_total";
/// Request body bytes by side (`received` from the client, `forwarded` upstream).
pub const REQUEST_BYTES: &str = "ocf_request_body_bytes_total";
/// Response body bytes.
pub const RESPONSE_BYTES: &str = "ocf_response_body_bytes_total";

/// Every metric name (all counters).
pub const ALL: [&str; 6] = [
    REQUESTS,
    FINDINGS,
    FINDING_ACTIONS,
    TOKENS,
    REQUEST_BYTES,
    RESPONSE_BYTES,
];

/// Every label name used by some metric.
pub const LABELS: [&str; 8] = [
    "project", "decision", "reason", "category", "action", "model", "type", "side",
];

/// The value recorded for a label whose per-VM cap is reached.
pub const OTHER: &str = "other";
/// The value recorded when the record has none.
pub const NONE: &str = "none";

/// One counter increment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Increment {
    /// Metric name (Prometheus conventions: `ocf_` prefix, `_total` counters, base units).
    pub name: &'static str,
    /// Label names and values, in a fixed order.
    pub labels: Vec<(&'static str, String)>,
    /// How much to add.
    pub by: u64,
}

impl Increment {
    /// The Envoy stat name: `ocf_tokens_total.project=.=p1;.;model=.=gpt-4o;.;type=.=prompt;.;`.
    pub fn stat_name(&self) -> String {
        let mut s = String::new();
        self.write_stat_name(&mut s);
        s
    }

    /// Writes [`Self::stat_name`] into `s` (cleared first), reusing its allocation.
    pub fn write_stat_name(&self, s: &mut String) {
        s.clear();
        s.push_str(self.name);
        if !self.labels.is_empty() {
            s.push('.');
        }
        for (k, v) in &self.labels {
            s.push_str(k);
            s.push_str("=.=");
            s.push_str(v);
            s.push_str(";.;");
        }
    }
}

/// The tag extraction rules for Envoy's bootstrap (`stats_config.stats_tags`): (tag name,
/// regex). The first capture group is removed from the stat name; the second is the value.
pub fn stats_tags() -> Vec<(&'static str, String)> {
    LABELS
        .iter()
        .map(|l| (*l, format!(r"({l}=\.=(.*?);\.;)")))
        .collect()
}

/// Keeps at most `max` distinct values per label name (per VM); later values become `other`.
#[derive(Debug, Clone)]
pub struct LabelCap {
    max: usize,
    seen: BTreeMap<&'static str, BTreeSet<String>>,
}

impl LabelCap {
    /// A cap of `max` values per label.
    pub fn new(max: u32) -> Self {
        Self {
            max: usize::try_from(max).unwrap_or(usize::MAX),
            seen: BTreeMap::new(),
        }
    }

    /// The value to record for `label`: `value` if it is known or there is room, else `other`.
    pub fn bound(&mut self, label: &'static str, value: &str) -> String {
        let value = checked_label_value(value);
        let seen = self.seen.entry(label).or_default();
        if seen.contains(value) {
            return value.to_string();
        }
        if seen.len() >= self.max {
            return OTHER.into();
        }
        seen.insert(value.to_string());
        value.to_string()
    }
}

/// A label value safe inside a stat name: `<invalid>` → `invalid`; anything outside
/// `[A-Za-z0-9._:/-]` (never the case for a [`crate::audit::SafeId`]) → `invalid`.
fn label_value(v: &str) -> String {
    checked_label_value(v).to_string()
}

/// [`label_value`] without the allocation.
fn checked_label_value(v: &str) -> &str {
    let v = v.trim_start_matches('<').trim_end_matches('>');
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'-'));
    if ok {
        v
    } else {
        "invalid"
    }
}

/// The increments one finished record makes. Project and model values pass through `cap`.
pub fn increments(rec: &AuditRecord, cap: &mut LabelCap) -> Vec<Increment> {
    let project = cap.bound("project", rec.project.as_ref().map_or(NONE, |p| p.as_str()));
    let mut out = vec![Increment {
        name: REQUESTS,
        labels: vec![
            ("project", project.clone()),
            ("decision", rec.decision.as_str().into()),
            ("reason", rec.reason.unwrap_or(NONE).into()),
        ],
        by: 1,
    }];
    for (category, n) in &rec.categories {
        out.push(Increment {
            name: FINDINGS,
            labels: vec![("category", label_value(category))],
            by: u64::from(*n),
        });
    }
    for (action, n) in &rec.actions {
        out.push(Increment {
            name: FINDING_ACTIONS,
            labels: vec![("action", label_value(action))],
            by: u64::from(*n),
        });
    }
    if let Some(usage) = &rec.usage {
        let model = cap.bound("model", rec.model.as_ref().map_or(NONE, |m| m.as_str()));
        for (kind, n) in [
            ("prompt", usage.prompt_tokens),
            ("completion", usage.completion_tokens),
        ] {
            if let Some(n) = n {
                out.push(Increment {
                    name: TOKENS,
                    labels: vec![
                        ("project", project.clone()),
                        ("model", model.clone()),
                        ("type", kind.into()),
                    ],
                    by: n,
                });
            }
        }
    }
    for (side, n) in [("received", rec.bytes_in), ("forwarded", rec.bytes_out)] {
        out.push(Increment {
            name: REQUEST_BYTES,
            labels: vec![("side", side.into())],
            by: n,
        });
    }
    out.push(Increment {
        name: RESPONSE_BYTES,
        labels: Vec::new(),
        by: rec.response_bytes,
    });
    out.retain(|i| i.by > 0 || i.name == REQUESTS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Decision, SafeId};
    use crate::config::Policy;
    use crate::usage::Usage;

    fn record() -> AuditRecord {
        let p = Policy::from_json(b"{}").unwrap();
        let mut r = AuditRecord {
            project: Some(SafeId::new(b"proj_a", &p)),
            model: Some(SafeId::new(b"gpt-4.1-mini", &p)),
            decision: Decision::Redact,
            bytes_in: 100,
            bytes_out: 90,
            response_bytes: 0,
            usage: Some(Usage {
                prompt_tokens: Some(12),
                completion_tokens: Some(3),
                ..Usage::default()
            }),
            ..AuditRecord::default()
        };
        r.categories.insert("contact".into(), 2);
        r.actions.insert("redact", 2);
        r
    }

    #[test]
    fn names_follow_prometheus_conventions() {
        let name = regex_lite::Regex::new("^ocf_[a-z_]+_total$").unwrap();
        for n in ALL {
            assert!(name.is_match(n), "{n}");
        }
        let label = regex_lite::Regex::new("^[a-z][a-z_]*$").unwrap();
        for l in LABELS {
            assert!(label.is_match(l), "{l}");
        }
        assert!(RESPONSE_BYTES.ends_with("_bytes_total"));
    }

    #[test]
    fn a_record_makes_these_increments() {
        let got = increments(&record(), &mut LabelCap::new(100));
        let names: Vec<String> = got
            .iter()
            .map(|i| format!("{}={}", i.stat_name(), i.by))
            .collect();
        assert_eq!(
            names,
            [
                "ocf_requests_total.project=.=proj_a;.;decision=.=redact;.;reason=.=none;.;=1",
                "ocf_findings_total.category=.=contact;.;=2",
                "ocf_finding_actions_total.action=.=redact;.;=2",
                "ocf_tokens_total.project=.=proj_a;.;model=.=gpt-4.1-mini;.;type=.=prompt;.;=12",
                "ocf_tokens_total.project=.=proj_a;.;model=.=gpt-4.1-mini;.;type=.=completion;.;=3",
                "ocf_request_body_bytes_total.side=.=received;.;=100",
                "ocf_request_body_bytes_total.side=.=forwarded;.;=90",
            ]
        );
    }

    #[test]
    fn every_label_used_has_a_tag_rule_that_extracts_it() {
        let got = increments(&record(), &mut LabelCap::new(100));
        let rules: Vec<(&str, regex_lite::Regex)> = stats_tags()
            .into_iter()
            .map(|(t, r)| (t, regex_lite::Regex::new(&r).unwrap()))
            .collect();
        for inc in got {
            let mut name = inc.stat_name();
            for (label, value) in &inc.labels {
                let (_, re) = rules.iter().find(|(t, _)| t == label).unwrap();
                let caps = re.captures(&name).unwrap();
                assert_eq!(&caps[2], value.as_str());
                name = name.replacen(&caps[1], "", 1);
            }
            assert_eq!(name.trim_end_matches('.'), inc.name);
        }
    }

    #[test]
    fn the_sidecar_config_has_every_tag_rule() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/envoy/sidecar-accesslog.yaml");
        let yaml = std::fs::read_to_string(path).unwrap();
        for (tag, re) in stats_tags() {
            let line = format!("{{tag_name: {tag}, regex: '{re}'}}");
            assert!(yaml.contains(&line), "missing in {path}: {line}");
        }
    }

    #[test]
    fn project_and_model_values_are_capped() {
        let mut cap = LabelCap::new(2);
        assert_eq!(cap.bound("project", "a"), "a");
        assert_eq!(cap.bound("project", "b"), "b");
        assert_eq!(cap.bound("project", "c"), OTHER);
        assert_eq!(cap.bound("project", "a"), "a");
        assert_eq!(cap.bound("model", "c"), "c");
        assert_eq!(cap.bound("model", "<redacted>"), "redacted");
        assert_eq!(cap.bound("model", "x y"), OTHER);
        let mut cap = LabelCap::new(5);
        assert_eq!(cap.bound("model", "has space"), "invalid");
        assert_eq!(cap.bound("model", "semi;colon"), "invalid");
    }

    #[test]
    fn a_denied_request_counts_once_and_no_zero_increments() {
        let r = AuditRecord {
            decision: Decision::Deny,
            reason: Some("content_blocked"),
            ..AuditRecord::default()
        };
        let got = increments(&r, &mut LabelCap::new(10));
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].stat_name(),
            "ocf_requests_total.project=.=none;.;decision=.=deny;.;reason=.=content_blocked;.;"
        );
    }
}
