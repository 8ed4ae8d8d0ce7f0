//! Merges overlapping findings and renders the replacement text of each action.

use crate::config::actions::PseudonymKey;
use crate::config::{Action, ActionTable};
use crate::detect::{Finding, RuleIdx, RuleMeta};
use crate::restore::{Minted, MAX_MINTED, MAX_MINTED_BYTES};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::{HashMap, HashSet};

/// Restored pseudonyms are numbered from `FIRST_KEYED` to `FIRST_KEYED + KEYED_SPAN - 1`: six
/// digits, two o200k tokens (docs/policy.md, "Restoring pseudonyms").
const FIRST_KEYED: u32 = 100_000;
/// How many numbers a restored pseudonym of one label can take.
const KEYED_SPAN: u32 = 900_000;

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

/// Renders replacements; holds the per-request pseudonym numbering and the pseudonyms minted
/// for restoration.
#[derive(Debug)]
pub struct Renderer<'p> {
    rules: &'p [RuleMeta],
    hash_key: Option<&'p [u8]>,
    pseudonym_key: &'p PseudonymKey,
    /// What keyed numbers are computed within (the request's project).
    scope: Vec<u8>,
    pseudonyms: HashMap<(Box<str>, String), u32>,
    next_pseudonym: HashMap<Box<str>, u32>,
    /// (label, number) pairs in use: no two values of one label share a placeholder.
    taken: HashSet<(Box<str>, u32)>,
    /// The placeholders of restoring rules, with their values (bounded).
    minted: Vec<Minted>,
    minted_set: HashSet<String>,
    minted_bytes: usize,
}

impl<'p> Renderer<'p> {
    /// A renderer for one request.
    pub fn new(rules: &'p [RuleMeta], actions: &'p ActionTable) -> Self {
        Self {
            rules,
            hash_key: actions.hash_key(),
            pseudonym_key: actions.pseudonym_key(),
            scope: Vec::new(),
            pseudonyms: HashMap::new(),
            next_pseudonym: HashMap::new(),
            taken: HashSet::new(),
            minted: Vec::new(),
            minted_set: HashSet::new(),
            minted_bytes: 0,
        }
    }

    /// Numbers restored pseudonyms within `scope` (the request's `OpenAI-Project`): the same
    /// value gets the same placeholder in every request of the scope.
    pub fn set_scope(&mut self, scope: &[u8]) {
        self.scope = scope.to_vec();
    }

    /// The placeholders minted by restoring rules and their values, for the reply.
    pub fn take_minted(&mut self) -> Vec<Minted> {
        self.minted_set.clear();
        std::mem::take(&mut self.minted)
    }

    /// The number of a pseudonym: keyed (restoring rules: six digits from SipHash-2-4 under
    /// the policy's pseudonym key over scope, label and value, the next free one on a
    /// collision) or the label's next.
    fn number(&mut self, label: &str, matched: &str, keyed: bool) -> u32 {
        let mut n = if keyed {
            let start = keyed_number(self.pseudonym_key, &self.scope, label, matched);
            FIRST_KEYED + start % KEYED_SPAN
        } else {
            let next = self.next_pseudonym.entry(label.into()).or_insert(0);
            *next = next.saturating_add(1);
            *next
        };
        // Bounded: a request never holds KEYED_SPAN values of one label (the body cap).
        for _ in 0..KEYED_SPAN {
            if self.taken.insert((label.into(), n)) {
                break;
            }
            n = if keyed {
                FIRST_KEYED + (n - FIRST_KEYED + 1) % KEYED_SPAN
            } else {
                n.saturating_add(1)
            };
        }
        if !keyed {
            self.next_pseudonym.insert(label.into(), n);
        }
        n
    }

    /// Keeps `placeholder → matched` for the reply, within the bounds.
    fn mint(&mut self, rule: RuleIdx, placeholder: &str, matched: &str) {
        if self.minted.len() >= MAX_MINTED
            || self.minted_bytes.saturating_add(matched.len()) > MAX_MINTED_BYTES
            || !self.minted_set.insert(placeholder.to_string())
        {
            return;
        }
        self.minted_bytes += matched.len();
        self.minted.push(Minted {
            placeholder: placeholder.to_string(),
            value: matched.to_string(),
            rule,
        });
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
                // The policy refuses a `hash` action without a key.
                debug_assert!(self.hash_key.is_some(), "a hash action without a key");
                let token = self
                    .hash_key
                    .map(|k| hmac_hex(k, label, matched))
                    .unwrap_or_default();
                format!("[{label}:{token}]")
            }
            Action::Pseudonymize { restore } => {
                let key = (Box::<str>::from(label), matched.to_string());
                let n = match self.pseudonyms.get(&key) {
                    Some(n) => *n,
                    None => {
                        let n = self.number(label, matched, restore);
                        self.pseudonyms.insert(key, n);
                        n
                    }
                };
                let text = format!("[{label}_{n}]");
                if restore {
                    self.mint(rule, &text, matched);
                }
                text
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

/// SipHash-2-4 under the pseudonym key of scope, label and value (each closed by a 0 byte).
fn keyed_number(key: &PseudonymKey, scope: &[u8], label: &str, value: &str) -> u32 {
    (key.hash(&[scope, label.as_bytes(), value.as_bytes()]) >> 32) as u32
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
        let kept = text.get(last..p.start);
        debug_assert!(
            kept.is_some(),
            "a piece lies inside the text, on char boundaries"
        );
        out.push_str(kept.unwrap_or(""));
        out.push_str(&p.text);
        last = p.end;
    }
    let rest = text.get(last..);
    debug_assert!(
        rest.is_some(),
        "a piece lies inside the text, on char boundaries"
    );
    out.push_str(rest.unwrap_or(""));
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
        let pseudo = Action::Pseudonymize { restore: false };
        assert_eq!(r.render(0, pseudo, "a@b.io"), "[EMAIL_1]");
        assert_eq!(r.render(0, pseudo, "c@d.io"), "[EMAIL_2]");
        assert_eq!(r.render(0, pseudo, "a@b.io"), "[EMAIL_1]");
        assert!(r.take_minted().is_empty());
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
    fn restored_pseudonyms_are_keyed_within_the_scope_and_minted() {
        let p = Policy::from_json(br#"{"detectors":{"hash_key":"0123456789abcdef0123"}}"#).unwrap();
        let restore = Action::Pseudonymize { restore: true };
        let render = |scope: &[u8], values: &[&str]| {
            let mut r = Renderer::new(p.detectors.rules(), &p.actions);
            r.set_scope(scope);
            let out: Vec<String> = values.iter().map(|v| r.render(0, restore, v)).collect();
            (out, r.take_minted())
        };
        let (a, minted) = render(b"proj_a", &["a@b.io", "c@d.io", "a@b.io"]);
        assert_eq!(a[0], a[2]);
        assert_ne!(a[0], a[1]);
        for p in &a {
            // `[EMAIL_` + six digits + `]`.
            assert_eq!(p.len(), "[EMAIL_123456]".len(), "{p}");
        }
        assert_eq!(minted.len(), 2);
        assert_eq!(
            (minted[0].placeholder.as_str(), minted[0].value.as_str()),
            (a[0].as_str(), "a@b.io")
        );
        // Another turn of the same project, other values first: the same placeholders.
        let (b, _) = render(b"proj_a", &["x@y.io", "c@d.io", "a@b.io"]);
        assert_eq!((&b[1], &b[2]), (&a[1], &a[0]));
        // Another project: other placeholders.
        let (c, _) = render(b"proj_b", &["a@b.io"]);
        assert_ne!(c[0], a[0]);
        // Another key: other placeholders.
        let q =
            Policy::from_json(br#"{"detectors":{"hash_key":"another-key-of-16-bytes"}}"#).unwrap();
        let mut r = Renderer::new(q.detectors.rules(), &q.actions);
        r.set_scope(b"proj_a");
        assert_ne!(r.render(0, restore, "a@b.io"), a[0]);
    }

    #[test]
    fn two_values_never_share_a_placeholder_in_one_request() {
        let p = Policy::from_json(b"{}").unwrap();
        let mut r = Renderer::new(p.detectors.rules(), &p.actions);
        let restore = Action::Pseudonymize { restore: true };
        let mut seen = HashSet::new();
        // Far more values than numbers would allow without probing: 5 000 of 900 000.
        for i in 0..5_000 {
            let out = r.render(0, restore, &format!("user{i}@example.com"));
            assert!(seen.insert(out.clone()), "{out} twice");
        }
        // Sequential numbers of a non-restoring rule do not take a keyed one's either.
        let plain = Action::Pseudonymize { restore: false };
        assert_eq!(r.render(0, plain, "z@z.io"), "[EMAIL_1]");
        // The minted table is bounded.
        assert_eq!(r.take_minted().len(), MAX_MINTED);
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
