//! Step 2, scan: every string on its own, so that its edges are the text's edges for every
//! detector (the value at the start or end of a string is found exactly as if it were alone,
//! and no finding extends past the string it starts in); a caller's member name with each of
//! its values (`ssn: 536225921`: the name introduces the value as it would in prose, and a
//! finding that runs from the name into the value is the value's); then the joins of adjacent
//! message texts, where only a finding that crosses the join and overlaps nothing either
//! string holds on its own is kept (a value split across two parts or two messages); numbers
//! one by one.
//!
//! Each byte of a string is read once, plus at most [`JOIN_REACH`] bytes each side of a join.

use std::ops::Range;

use super::assemble::{Docs, Join, Plan};
use super::Round;
use crate::config::{Action, ActionTable};
use crate::detect::{inside_placeholder, DetectorSet, Finding, RuleIdx, Scratch};

/// How much of each string a join reads: a value split across two strings is found when
/// each piece is at most this long (a finding that reaches a cut edge is dropped).
const JOIN_REACH: usize = 512;

/// What stands between a member name and its value in the text they are scanned as.
const NAME_SEP: &str = ": ";

/// A finding in one string: a byte span of its decoded text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Hit {
    /// The string (an index into [`Plan::strings`]).
    pub string: usize,
    pub start: usize,
    pub end: usize,
    pub rule: RuleIdx,
    /// A piece of a value split across two strings: ([`Found::splits`] index, first piece).
    pub split: Option<(usize, bool)>,
    /// Whether it counts in this round (a later round no longer counts `allow` findings or
    /// findings on a placeholder's own bytes; they still explain a join).
    pub live: bool,
}

/// A value split across two strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Split {
    /// The value as read across the join, the separator included.
    pub value: String,
    /// Bytes of `value` in the first string, then of the separator.
    pub first: usize,
    pub sep: usize,
}

/// A finding in a JSON number: (document, index into its walk's numbers, finding).
pub(super) type NumberHit = (usize, usize, Finding);

/// What the scan found.
#[derive(Debug, Default)]
pub(super) struct Found {
    pub hits: Vec<Hit>,
    pub splits: Vec<Split>,
    pub numbers: Vec<NumberHit>,
}

/// Scans texts; holds the buffers it reuses.
pub(super) struct Scanner<'p> {
    detectors: &'p DetectorSet,
    actions: &'p ActionTable,
    round: Round,
    scratch: Scratch,
    /// A decoded string, a name with its value, or a join.
    text: String,
    findings: Vec<Finding>,
}

impl<'p> Scanner<'p> {
    pub fn new(detectors: &'p DetectorSet, actions: &'p ActionTable, round: Round) -> Self {
        Self {
            detectors,
            actions,
            round,
            scratch: Scratch::default(),
            text: String::new(),
            findings: Vec::new(),
        }
    }

    /// The scanner of a rewrite's rescan: it counts what a later round would.
    pub fn later(self) -> Self {
        Self {
            round: Round::Later,
            ..self
        }
    }

    /// Scans everything `plan` lists: the strings, the joins, the numbers.
    pub fn scan(&mut self, docs: &Docs, plan: &Plan) -> Found {
        let mut found = Found::default();
        let own = self.strings(docs, plan, &mut found.hits);
        for j in &plan.joins {
            let (a, b) = (plan.text(j.first, docs), plan.text(j.second, docs));
            let hits = |i: usize| {
                own.get(i)
                    .and_then(|r| found.hits.get(r.clone()))
                    .unwrap_or_default()
            };
            if let Some((split, pieces)) = self.join(j, (a, hits(j.first)), (b, hits(j.second))) {
                let index = found.splits.len();
                found.splits.push(split);
                for mut piece in pieces {
                    piece.split = piece.split.map(|(_, first)| (index, first));
                    found.hits.push(piece);
                }
            }
        }
        found.hits.retain(|h| h.live);
        self.numbers(docs, &mut found.numbers);
        found
    }

    /// Scans every string (a name with its values); returns where the findings of each
    /// string read on its own are in `out` (when the plan has joins to explain).
    fn strings(&mut self, docs: &Docs, plan: &Plan, out: &mut Vec<Hit>) -> Vec<Range<usize>> {
        let mut own = match plan.joins.is_empty() {
            true => Vec::new(),
            false => vec![0..0; plan.strings.len()],
        };
        for (i, s) in plan.strings.iter().enumerate() {
            if s.name.is_some() {
                continue;
            }
            let values = match s.key {
                true => plan.values_of(i),
                false => 0..0,
            };
            if values.is_empty() {
                let at = out.len();
                self.alone(plan.text(i, docs), i, out);
                if let Some(r) = own.get_mut(i) {
                    *r = at..out.len();
                }
                continue;
            }
            let name = plan.text(i, docs);
            for (k, v) in values.enumerate() {
                self.named(name, plan.text(v, docs), (i, v), k == 0, out);
            }
        }
        own
    }

    /// Appends the findings of `text`, string `string`, read on its own.
    pub fn alone(&mut self, text: &str, string: usize, out: &mut Vec<Hit>) {
        self.findings.clear();
        self.detectors
            .scan(text, &mut self.scratch, &mut self.findings);
        for f in &self.findings {
            out.push(Hit {
                string,
                start: f.start,
                end: f.end,
                rule: f.rule,
                split: None,
                live: self.live(f, text),
            });
        }
    }

    /// Appends the findings of `name` read with `value` (strings `ids`: name, value) as
    /// `name: value`. A finding that reaches into the value is the value's, from the value's
    /// start; one within the name is the name's, taken once (`first`: with its first value).
    pub fn named(
        &mut self,
        name: &str,
        value: &str,
        ids: (usize, usize),
        first: bool,
        out: &mut Vec<Hit>,
    ) {
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        text.push_str(name);
        text.push_str(NAME_SEP);
        let at = text.len();
        text.push_str(value);
        self.findings.clear();
        self.detectors
            .scan(&text, &mut self.scratch, &mut self.findings);
        for f in &self.findings {
            let (string, base, start, end) = if f.end > at {
                (ids.1, at, f.start.max(at), f.end)
            } else if f.start < name.len() && first {
                (ids.0, 0, f.start, f.end.min(name.len()))
            } else {
                continue;
            };
            out.push(Hit {
                string,
                start: start - base,
                end: end - base,
                rule: f.rule,
                split: None,
                live: self.live(&Finding { start, end, ..*f }, &text),
            });
        }
        self.text = text;
    }

    /// The value split across join `j`, if one is: read across the end of `a` and the start
    /// of `b` (each with the findings it holds on its own), the longest finding that crosses
    /// the join and overlaps none of them. Returns it with its two pieces (split index 0).
    pub fn join(
        &mut self,
        j: &Join,
        (a, a_hits): (&str, &[Hit]),
        (b, b_hits): (&str, &[Hit]),
    ) -> Option<(Split, [Hit; 2])> {
        let from = floor_char_boundary(a, a.len().saturating_sub(JOIN_REACH));
        let to = floor_char_boundary(b, JOIN_REACH.min(b.len()));
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        let (a_end, b_start) = (a.get(from..), b.get(..to));
        debug_assert!(
            a_end.is_some() && b_start.is_some(),
            "cut on char boundaries"
        );
        text.push_str(a_end.unwrap_or(""));
        let tail = text.len();
        text.push_str(j.sep);
        let head = text.len();
        text.push_str(b_start.unwrap_or(""));
        self.findings.clear();
        self.detectors
            .scan(&text, &mut self.scratch, &mut self.findings);
        // A finding that reaches a cut edge may be part of something longer.
        let cut = |f: &Finding| (from > 0 && f.start == 0) || (to < b.len() && f.end == text.len());
        // A string that holds a finding of its own where the piece is explains the bytes
        // there: what it found stands, and the join finds nothing more.
        let explained = |f: &Finding| {
            a_hits.iter().any(|h| h.end > from + f.start)
                || b_hits.iter().any(|h| h.start < f.end - head)
        };
        let crossing = self
            .findings
            .iter()
            .filter(|f| f.start < tail && f.end > head && !cut(f) && !explained(f))
            .max_by_key(|f| (f.end - f.start, std::cmp::Reverse(f.start)))
            .copied();
        let result = crossing.map(|f| {
            let live = self.live(&f, &text);
            let piece = |string, start, end, first| Hit {
                string,
                start,
                end,
                rule: f.rule,
                split: Some((0, first)),
                live,
            };
            let value = text.get(f.start..f.end);
            debug_assert!(
                value.is_some(),
                "a finding lies inside the join it was found in"
            );
            let split = Split {
                value: value.unwrap_or("").to_owned(),
                first: tail - f.start,
                sep: head - tail,
            };
            let pieces = [
                piece(j.first, from + f.start, a.len(), true),
                piece(j.second, 0, f.end - head, false),
            ];
            (split, pieces)
        });
        self.text = text;
        result
    }

    /// Appends the findings in the numbers of every document.
    fn numbers(&self, docs: &Docs, out: &mut Vec<NumberHit>) {
        for (d, doc) in docs.docs.iter().enumerate() {
            for (n, num) in doc.walk.numbers.iter().enumerate() {
                let key = num.key.map(|k| k.decode(&doc.text));
                let mut found = Vec::new();
                self.detectors
                    .scan_number(num.span.of(&doc.text), key.as_deref(), &mut found);
                out.extend(
                    found
                        .into_iter()
                        .filter(|f| {
                            self.round == Round::First || self.actions.get(f.rule) != Action::Allow
                        })
                        .map(|f| (d, n, f)),
                );
            }
        }
    }

    /// Whether finding `f` of `text` counts in this round: always in the first; in a later
    /// one, see [`counts_again`].
    fn live(&self, f: &Finding, text: &str) -> bool {
        self.round == Round::First || counts_again(f, text, self.actions)
    }
}

/// Whether a finding of a later round changes anything: not `allow` (counted once, in the
/// first round), not a `mask` of a value already masked, and not within a placeholder's own
/// bytes (a keyword list with the term `acme` matches the label of `[ACME]`; rewriting a
/// placeholder would never settle). A finding that spans a placeholder and text beside it is
/// new: the next round takes it.
fn counts_again(f: &Finding, text: &str, actions: &ActionTable) -> bool {
    let action = actions.get(f.rule);
    // A value already masked stays as it is: nothing to change.
    if let (Action::Mask { keep }, Some(m)) = (action, text.get(f.start..f.end)) {
        if crate::redact::mask(m, usize::from(keep)) == m {
            return false;
        }
    }
    action != Action::Allow && !inside_placeholder(text.as_bytes(), f.start, f.end)
}

/// The largest char boundary of `s` at or before `i`.
fn floor_char_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
