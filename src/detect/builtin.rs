//! The first built-in detectors: email, payment card (Luhn), OpenAI API keys.

use super::{Finding, RuleIdx, RuleMeta};
use crate::config::detectors::RawDetectors;
use crate::config::ConfigError;
use regex_lite::Regex;

#[derive(Debug)]
struct Rule {
    idx: RuleIdx,
    regex: Regex,
    validate: fn(&str) -> bool,
}

/// The compiled built-in rules.
#[derive(Debug)]
pub(super) struct Builtin {
    rules: Vec<Rule>,
    card: Option<RuleIdx>,
}

const BUILTINS: &[(&str, &str, &str, &str)] = &[
    (
        "email",
        "contact",
        "EMAIL",
        r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}",
    ),
    (
        "payment_card",
        "financial",
        "CARD",
        r"\b[0-9](?:[ \-]?[0-9]){12,18}\b",
    ),
    (
        "openai_api_key",
        "credential",
        "OPENAI_KEY",
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
    ),
];

impl Builtin {
    pub(super) fn compile(
        cfg: &RawDetectors,
        rules_out: &mut Vec<RuleMeta>,
    ) -> Result<Self, ConfigError> {
        let mut rules = Vec::new();
        let mut card = None;
        for (id, category, label, pattern) in BUILTINS {
            if cfg.disabled.iter().any(|d| d == id || d == category) {
                continue;
            }
            let idx = RuleIdx::try_from(rules_out.len())
                .map_err(|_| ConfigError::new("detectors", "too many rules"))?;
            rules_out.push(RuleMeta {
                id: (*id).into(),
                category: (*category).into(),
                label: (*label).into(),
                action: None,
            });
            let regex = Regex::new(pattern)
                .map_err(|_| ConfigError::new("detectors", "built-in rule failed to compile"))?;
            let validate: fn(&str) -> bool = match *id {
                "payment_card" => {
                    card = Some(idx);
                    luhn_card
                }
                _ => |_| true,
            };
            rules.push(Rule {
                idx,
                regex,
                validate,
            });
        }
        Ok(Self { rules, card })
    }

    pub(super) fn scan(&self, text: &str, out: &mut Vec<Finding>) {
        for rule in &self.rules {
            for m in rule.regex.find_iter(text) {
                if (rule.validate)(m.as_str()) {
                    out.push(Finding {
                        start: m.start(),
                        end: m.end(),
                        rule: rule.idx,
                    });
                }
            }
        }
    }

    pub(super) fn scan_number(&self, raw: &str, out: &mut Vec<Finding>) {
        if let Some(idx) = self.card {
            if raw.bytes().all(|b| b.is_ascii_digit()) && luhn_card(raw) {
                out.push(Finding {
                    start: 0,
                    end: raw.len(),
                    rule: idx,
                });
            }
        }
    }
}

/// A 13–19 digit number (separators ignored) that passes the Luhn check.
fn luhn_card(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}
