//! Step 2, scan: every string on its own, so that its edges are the text's edges for every
//! detector (the value at the start or end of a string is found exactly as if it were alone,
//! and no finding extends past the string it starts in); a caller's member name with each of
//! its values (`ssn: 536225921`: the name introduces the value as it would in prose, and a
//! finding that runs from the name into the value is the value's); then the runs of message
//! texts that continue each other, read across their joins (`join.rs`: a value split across
//! parts or messages); numbers one by one.
//!
//! Each byte of a string is read once, plus the windows around its joins (`join.rs`).

use std::ops::Range;

use super::assemble::{Docs, Plan};
use super::join::{floor_char_boundary, Chain};
use super::Round;
use crate::config::{Action, ActionTable};
use crate::detect::{inside_placeholder, DetectorSet, Finding, RuleIdx, Scratch};

/// How much of the end of a member name its second and later values are read with: more
/// than any rule reads before a value (a name of 128 bytes and a gap of 40, `detect/`), so a
/// long name with many values is not read again whole with each.
const NAME_REACH: usize = 1024;

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
    /// A piece of a value split across strings: ([`Found::splits`] index, piece index).
    pub split: Option<(usize, usize)>,
    /// Whether it counts in this round (a later round no longer counts `allow` findings or
    /// findings on a placeholder's own bytes; they still explain a join).
    pub live: bool,
}

/// A value split across strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Split {
    /// The value as read across the joins, the separators included.
    pub value: String,
    /// Where each piece is in `value`, in order (the separators lie between them).
    pub pieces: Vec<Range<usize>>,
}

/// Whether `h` lies within one of the pieces `covered` ((string, start, end), sorted; the
/// pieces of one string do not overlap).
fn within_piece(covered: &[(usize, usize, usize)], h: &Hit) -> bool {
    let at = covered.partition_point(|&(s, start, _)| (s, start) <= (h.string, h.start));
    at.checked_sub(1)
        .and_then(|i| covered.get(i))
        .is_some_and(|&(s, _, end)| s == h.string && h.end <= end)
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
    /// The strings read on their own whose scan read text far apart as neighbours
    /// ([`Scratch::read_far_apart`]), in order.
    far_apart: Vec<usize>,
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
            far_apart: Vec::new(),
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
        if plan.joins.is_empty() {
            found.hits.retain(|h| h.live);
            self.numbers(docs, &mut found.numbers);
            return found;
        }
        // The strings' own findings are read by the joins while the pieces are gathered apart
        // (no copy of them), then the pieces join them.
        let hits = std::mem::take(&mut found.hits);
        let mut own_of = |_: &mut Scanner<'p>, i: usize| -> Vec<Hit> {
            own.get(i)
                .and_then(|r| hits.get(r.clone()))
                .unwrap_or_default()
                .to_vec()
        };
        // Where the pieces are: (string, start, end), to drop what they read whole.
        let mut covered: Vec<(usize, usize, usize)> = Vec::new();
        let mut all_pieces = Vec::new();
        for chain in Chain::of(plan, docs) {
            for (split, pieces) in self.chain(&chain, &mut own_of, &|_| true) {
                let index = found.splits.len();
                found.splits.push(split);
                for mut piece in pieces {
                    piece.split = piece.split.map(|(_, k)| (index, k));
                    covered.push((piece.string, piece.start, piece.end));
                    all_pieces.push(piece);
                }
            }
        }
        found.hits = hits;
        found.hits.append(&mut all_pieces);
        // A string's own finding inside a piece was a part of the split value read alone (the
        // start of a key, a number read as a phone): the value counts once, under its rule.
        if !covered.is_empty() {
            covered.sort_unstable();
            found
                .hits
                .retain(|h| h.split.is_some() || !within_piece(&covered, h));
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
            // (A blob is read only across the joins of its run.)
            if s.name.is_some() || s.blob {
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
            // Its first value reads the whole name (the name's own findings come with it);
            // the others only the name's end, all a value's context reads of it.
            let tail = name
                .get(floor_char_boundary(name, name.len().saturating_sub(NAME_REACH))..)
                .unwrap_or(name);
            for (k, v) in values.enumerate() {
                let name = if k == 0 { name } else { tail };
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
        if self.scratch.read_far_apart() {
            if let Err(k) = self.far_apart.binary_search(&string) {
                self.far_apart.insert(k, string);
            }
        }
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

    /// Whether string `i`, read on its own, read text far apart as neighbours (encoded
    /// forms, a folded view: [`Scratch::read_far_apart`]): a replacement anywhere in it may
    /// change what is read far from it.
    pub fn read_far_apart(&self, i: usize) -> bool {
        self.far_apart.binary_search(&i).is_ok()
    }

    /// The detector set it scans with.
    pub fn detectors(&self) -> &'p DetectorSet {
        self.detectors
    }

    /// Whether `text` read on its own holds a finding that counts in this round.
    pub fn any_live(&mut self, text: &str) -> bool {
        self.findings.clear();
        self.detectors
            .scan(text, &mut self.scratch, &mut self.findings);
        self.findings.iter().any(|f| self.live(f, text))
    }

    /// The findings of `text` read on its own, each with whether it counts in this round.
    pub fn scan_text(&mut self, text: &str) -> Vec<(Finding, bool)> {
        self.findings.clear();
        self.detectors
            .scan(text, &mut self.scratch, &mut self.findings);
        let findings = std::mem::take(&mut self.findings);
        let out = findings.iter().map(|f| (*f, self.live(f, text))).collect();
        self.findings = findings;
        out
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
