//! Merges overlapping findings and renders the replacement text of each action.

use crate::config::{Action, ActionTable};
use crate::detect::{Finding, RuleIdx, RuleMeta};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;

/// A merged finding: the union span of overlapping findings, with the rule and action that
/// decide its replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merged {
    /// Start (byte offset, inclusive).
    pub start: usize,
    /// End (byte offset, exclusive).
    pub end: usize,
    /// The deciding rule.
    pub rule: RuleIdx,
    /// Its action.
    pub action: Action,
}

fn rank(a: Action) -> u8 {
    match a {
        Action::Block => 3,
        Action::Allow => 1,
        _ => 2,
    }
}

/// Sorts `findings`, drops exact duplicates, and merges overlapping ones. The deciding rule of
/// a merged span is the one with the strongest action (block, then any rewrite, then allow),
/// and among those the longest match.
pub fn merge(findings: &mut Vec<Finding>, actions: &ActionTable) -> Vec<Merged> {
    let mut out = Vec::new();
    merge_into(findings, actions, &mut out);
    out
}

/// [`merge`] into `out` (cleared first), so that a caller merging many small lists (the
/// findings of each string of a request) reuses one buffer.
pub fn merge_into(findings: &mut Vec<Finding>, actions: &ActionTable, out: &mut Vec<Merged>) {
    out.clear();
    findings.sort_unstable();
    findings.dedup();
    let mut best_len = 0usize;
    for f in findings.iter() {
        let action = actions.get(f.rule);
        let len = f.end.saturating_sub(f.start);
        match out.last_mut() {
            Some(cur) if f.start < cur.end => {
                cur.end = cur.end.max(f.end);
                if (rank(action), len) > (rank(cur.action), best_len) {
                    cur.rule = f.rule;
                    cur.action = action;
                    best_len = len;
                }
            }
            _ => {
                out.push(Merged {
                    start: f.start,
                    end: f.end,
                    rule: f.rule,
                    action,
                });
                best_len = len;
            }
        }
    }
}

/// Renders replacements; holds the per-request pseudonym numbering.
#[derive(Debug)]
pub struct Renderer<'p> {
    rules: &'p [RuleMeta],
    hash_key: Option<&'p [u8]>,
    pseudonyms: HashMap<(Box<str>, String), u32>,
    next_pseudonym: HashMap<Box<str>, u32>,
}

impl<'p> Renderer<'p> {
    /// A renderer for one request.
    pub fn new(rules: &'p [RuleMeta], actions: &'p ActionTable) -> Self {
        Self {
            rules,
            hash_key: actions.hash_key(),
            pseudonyms: HashMap::new(),
            next_pseudonym: HashMap::new(),
        }
    }

    /// The replacement of `matched` under `action` (the matched text itself for `allow`).
    pub fn render(&mut self, rule: RuleIdx, action: Action, matched: &str) -> String {
        let label = self
            .rules
            .get(usize::from(rule))
            .map(|r| &*r.label)
            .unwrap_or("REDACTED");
        match action {
            Action::Allow => matched.to_string(),
            Action::Redact | Action::Block => format!("[{label}]"),
            Action::Mask { keep } => mask(matched, usize::from(keep)),
            Action::Hash => {
                let token = self
                    .hash_key
                    .map(|k| hmac_hex(k, label, matched))
                    .unwrap_or_default();
                format!("[{label}:{token}]")
            }
            Action::Pseudonymize => {
                let key = (Box::<str>::from(label), matched.to_string());
                let n = match self.pseudonyms.get(&key) {
                    Some(n) => *n,
                    None => {
                        let next = self.next_pseudonym.entry(key.0.clone()).or_insert(0);
                        *next = next.saturating_add(1);
                        let n = *next;
                        self.pseudonyms.insert(key, n);
                        n
                    }
                };
                format!("[{label}_{n}]")
            }
        }
    }
}

/// Masks every letter and digit with `*` except the last `keep` of them; separators stay.
/// At most half of the letters and digits ever stay visible, so a short value (`a@b.io`) is
/// never shown whole. A `*` counts as a masked character, so masking a masked value changes
/// nothing (a later round that finds it again leaves it, and does not count it again).
pub fn mask(matched: &str, keep: usize) -> String {
    let maskable = |c: char| c.is_alphanumeric() || c == '*';
    let total = matched.chars().filter(|&c| maskable(c)).count();
    let keep = keep.min(total / 2);
    let mut seen = 0usize;
    matched
        .chars()
        .map(|c| {
            if maskable(c) {
                seen += 1;
                if seen + keep > total {
                    c
                } else {
                    '*'
                }
            } else {
                c
            }
        })
        .collect()
}

/// First 12 hex digits of HMAC-SHA256(key, label || 0 || value).
fn hmac_hex(key: &[u8], label: &str, value: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(label.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One replacement inside a string: byte range and new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// Start (inclusive).
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// Replacement text.
    pub text: String,
}

/// Applies sorted, non-overlapping pieces to `text`.
pub fn apply(text: &str, pieces: &[Piece]) -> String {
    let mut out = String::with_capacity(text.len());
    apply_into(text, pieces, &mut out);
    out
}

/// Appends `text` with `pieces` applied (see [`apply`]) to `out`.
pub fn apply_into(text: &str, pieces: &[Piece], out: &mut String) {
    let mut last = 0;
    for p in pieces {
        if p.start < last {
            continue;
        }
        out.push_str(text.get(last..p.start).unwrap_or(""));
        out.push_str(&p.text);
        last = p.end;
    }
    out.push_str(text.get(last..).unwrap_or(""));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;

    #[test]
    fn mask_keeps_the_tail_and_separators() {
        assert_eq!(mask("4111 1111 1111 1234", 4), "**** **** **** 1234");
        assert_eq!(mask("ab", 4), "*b");
        assert_eq!(mask("a@b.io", 4), "*@*.io");
        assert_eq!(mask("123-45-6789", 4), "***-**-6789");
        assert_eq!(mask("secret", 0), "******");
        for (v, keep) in [
            ("hunter2", 4),
            ("4111 1111 1111 1234", 4),
            ("ab", 4),
            ("a@b.io", 2),
        ] {
            let once = mask(v, keep);
            assert_eq!(mask(&once, keep), once, "{v}");
        }
    }

    #[test]
    fn merge_takes_union_and_strongest_action() {
        let p = Policy::from_json(br#"{"detectors":{"actions":{"email":"allow"}}}"#).unwrap();
        let email = p
            .detectors
            .rules()
            .iter()
            .position(|r| &*r.id == "email")
            .unwrap() as u16;
        let card = p
            .detectors
            .rules()
            .iter()
            .position(|r| &*r.id == "payment_card")
            .unwrap() as u16;
        let mut f = vec![
            Finding {
                start: 5,
                end: 20,
                rule: email,
            },
            Finding {
                start: 0,
                end: 8,
                rule: card,
            },
            Finding {
                start: 0,
                end: 8,
                rule: card,
            },
            Finding {
                start: 30,
                end: 31,
                rule: email,
            },
        ];
        let m = merge(&mut f, &p.actions);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].start, m[0].end, m[0].rule), (0, 20, card));
        assert_eq!(m[1].action, Action::Allow);
    }

    #[test]
    fn pseudonyms_are_stable_within_a_request_and_hashes_across() {
        let p = Policy::from_json(br#"{"detectors":{"hash_key":"0123456789abcdef0123"}}"#).unwrap();
        let mut r = Renderer::new(p.detectors.rules(), &p.actions);
        assert_eq!(r.render(0, Action::Pseudonymize, "a@b.io"), "[EMAIL_1]");
        assert_eq!(r.render(0, Action::Pseudonymize, "c@d.io"), "[EMAIL_2]");
        assert_eq!(r.render(0, Action::Pseudonymize, "a@b.io"), "[EMAIL_1]");
        let h1 = r.render(0, Action::Hash, "a@b.io");
        let mut r2 = Renderer::new(p.detectors.rules(), &p.actions);
        assert_eq!(h1, r2.render(0, Action::Hash, "a@b.io"));
        assert_ne!(h1, r2.render(0, Action::Hash, "c@d.io"));
        assert!(
            h1.starts_with("[EMAIL:") && h1.len() == "[EMAIL:]".len() + 12,
            "{h1}"
        );
    }

    #[test]
    fn apply_splices() {
        let pieces = vec![
            Piece {
                start: 0,
                end: 1,
                text: "X".into(),
            },
            Piece {
                start: 3,
                end: 5,
                text: "".into(),
            },
        ];
        assert_eq!(apply("abcdef", &pieces), "Xbcf");
    }
}
