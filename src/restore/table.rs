//! The placeholders one request minted for restoration and their values: looked up by the
//! placeholder's exact bytes, in bounded memory, dropped with the exchange. Values are kept
//! JSON-escaped once (a reply's string) and twice (JSON inside a string: tool-call arguments).

use crate::detect::{RuleIdx, RuleMeta};
use crate::json::escape_into;

/// Most placeholders one request keeps for restoration (later ones stay placeholders).
pub const MAX_MINTED: usize = 1024;
/// Most bytes of values one request keeps for restoration.
pub const MAX_MINTED_BYTES: usize = 1 << 20;
/// Longest placeholder restored (`[`, a label, `_`, the number, `]`).
pub const MAX_PLACEHOLDER: usize = 72;

/// One placeholder a restoring rule minted, and the value it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minted {
    /// `[LABEL_n]`.
    pub placeholder: String,
    /// The original value (decoded text).
    pub value: String,
    /// The rule that found it.
    pub rule: RuleIdx,
}

/// A byte a placeholder's label or number is made of (`[A-Z0-9_]`).
pub fn is_label_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
}

/// What one placeholder restores to.
struct Entry {
    /// The placeholder's bytes.
    placeholder: Box<[u8]>,
    /// The value escaped for a JSON string.
    once: Box<str>,
    /// Escaped again, for JSON inside a JSON string.
    twice: Box<str>,
    /// Index into [`Table::categories`].
    category: usize,
}

/// One request's restoration table: entries sorted by placeholder, looked up by binary
/// search (a request mints few; no hashing per lookup, no allocation per prefix).
pub struct Table {
    entries: Vec<Entry>,
    longest: usize,
    categories: Vec<Box<str>>,
}

impl std::fmt::Debug for Table {
    // Values are never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("placeholders", &self.entries.len())
            .finish_non_exhaustive()
    }
}

impl Table {
    /// The table of `minted` (rules named by `rules`); `None` when nothing is to be restored.
    pub fn new(minted: Vec<Minted>, rules: &[RuleMeta]) -> Option<Self> {
        let mut t = Self {
            entries: Vec::with_capacity(minted.len()),
            longest: 0,
            categories: Vec::new(),
        };
        for m in minted {
            let p = m.placeholder.as_bytes();
            let well_formed = p.len() <= MAX_PLACEHOLDER
                && p.len() >= 3
                && p.first() == Some(&b'[')
                && p.last() == Some(&b']')
                && p.get(1..p.len() - 1)
                    .is_some_and(|l| l.iter().all(|&b| is_label_byte(b)));
            if !well_formed {
                continue;
            }
            let category = rules
                .get(usize::from(m.rule))
                .map_or("custom", |r| &*r.category);
            let category = match t.categories.iter().position(|c| &**c == category) {
                Some(i) => i,
                None => {
                    t.categories.push(category.into());
                    t.categories.len() - 1
                }
            };
            let mut once = String::new();
            escape_into(&m.value, &mut once);
            let mut twice = String::new();
            escape_into(&once, &mut twice);
            t.longest = t.longest.max(p.len());
            t.entries.push(Entry {
                placeholder: p.into(),
                once: once.into(),
                twice: twice.into(),
                category,
            });
        }
        t.entries
            .sort_unstable_by(|a, b| a.placeholder.cmp(&b.placeholder));
        t.entries.dedup_by(|a, b| a.placeholder == b.placeholder);
        (!t.entries.is_empty()).then_some(t)
    }

    /// The index of the first entry whose placeholder is not below `bytes`.
    fn lower_bound(&self, bytes: &[u8]) -> usize {
        self.entries.partition_point(|e| &*e.placeholder < bytes)
    }

    /// The value `placeholder` restores to, escaped once or (`nested`) twice, and its
    /// category's index.
    pub fn get(&self, placeholder: &[u8], nested: bool) -> Option<(&str, usize)> {
        self.entries
            .get(self.lower_bound(placeholder))
            .filter(|e| &*e.placeholder == placeholder)
            .map(|e| {
                let text = if nested { &e.twice } else { &e.once };
                (&**text, e.category)
            })
    }

    /// Is `bytes` a proper prefix of a placeholder of this table?
    pub fn is_prefix(&self, bytes: &[u8]) -> bool {
        // The placeholders that start with `bytes` sort right after it.
        self.entries
            .get(self.lower_bound(bytes))
            .is_some_and(|e| e.placeholder.len() > bytes.len() && e.placeholder.starts_with(bytes))
    }

    /// The length of the longest placeholder.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// The categories, by index.
    pub fn categories(&self) -> &[Box<str>] {
        &self.categories
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn rules() -> Vec<RuleMeta> {
        ["contact", "person"]
            .iter()
            .map(|c| RuleMeta {
                id: (*c).into(),
                category: (*c).into(),
                label: c.to_ascii_uppercase().into(),
                action: None,
            })
            .collect()
    }

    #[test]
    fn values_are_escaped_once_and_twice_and_malformed_placeholders_dropped() {
        let minted = vec![
            Minted {
                placeholder: "[EMAIL_123456]".into(),
                value: "a\"b\\c\n\u{e9}".into(),
                rule: 0,
            },
            Minted {
                placeholder: "[bad_1]".into(),
                value: "x".into(),
                rule: 1,
            },
        ];
        let t = Table::new(minted, &rules()).unwrap();
        assert_eq!(
            t.get(b"[EMAIL_123456]", false),
            Some(("a\\\"b\\\\c\\n\u{e9}", 0))
        );
        assert_eq!(
            t.get(b"[EMAIL_123456]", true),
            Some(("a\\\\\\\"b\\\\\\\\c\\\\n\u{e9}", 0))
        );
        assert_eq!(t.get(b"[bad_1]", false), None);
        assert!(t.is_prefix(b"[") && t.is_prefix(b"[EMAIL_12345"));
        assert!(!t.is_prefix(b"[EMAIL_123456]") && !t.is_prefix(b"[X"));
        assert_eq!(t.categories(), &["contact".into()] as &[Box<str>]);
        assert!(Table::new(Vec::new(), &rules()).is_none());
        assert!(!format!("{t:?}").contains("a\\"));
    }
}
