//! The detector set: finds PII, secrets and customer terms in text, as rule ids and byte spans.
//!
//! A [`Finding`] never holds the matched text, only the rule that fired and where. The set is
//! compiled once per VM from the policy's `detectors` section ([`DetectorSet::compile`]) and is
//! immutable afterwards; per-request state lives in a caller-owned [`Scratch`].
//!
//! Contract every detector keeps:
//! - spans are byte ranges into the text passed to [`DetectorSet::scan`], on `char` boundaries;
//! - findings may overlap (the redactor merges them) and come in any order;
//! - no input can panic, and time is linear in the text length for a fixed rule set.
//!
//! Design (see `docs/detectors.md`): two linear passes find candidates, cheap validators
//! confirm them, and nothing runs a regex over the whole text.
//! 1. an Aho-Corasick automaton over every literal anchor (`@`, key prefixes, `://`, `eyJ`,
//!    `-----BEGIN `, context keywords, customer pattern prefixes);
//! 2. in the same pass, words containing digits go to the numeric classifiers and, when
//!    customer keywords exist, each word's fingerprint is checked against a bit filter.
//!
//! Text containing non-ASCII is scanned through a normalised view (invisible characters
//! removed, full-width and other compatibility digits and letters folded) whose spans are
//! mapped back onto the original text. Encoded forms the pass marks (percent-encoding, HTML
//! character references, short base64 text) are decoded and scanned as well; their findings
//! cover the encoded bytes (`decode.rs`).

mod alnum;
mod anchors;
mod assign;
mod checksum;
mod custom;
mod decode;
mod dob;
mod email;
mod ids;
mod ip;
mod looks;
mod number;
mod numeric;
mod pass;
mod phone;
mod providers;
mod rules;
mod secrets;
mod signed_url;
mod table;
mod text;
pub(crate) use looks::random_enough;
pub(crate) use text::inside_placeholder;
mod view;

/// The format rules the detectors check (check digits, national id rules) and the provider
/// key tables, for the test-data generator outside the library (`devkit/`): not the filter's
/// API.
#[doc(hidden)]
pub mod formats {
    pub use super::checksum::{luhn, mod97, verhoeff};
    pub use super::ids::{card, de_steuer_id, it_codice_fiscale, nl_bsn, pl_pesel, ssn, uk_nino};
    pub use super::providers::{Charset, KeywordKey, PrefixKey, KEYWORD_KEYS, PREFIX_KEYS};
}

use crate::document::detectors::{ActionKind, ActionSpec, RawDetectors};
use crate::document::ConfigError;

/// Index of a rule in [`DetectorSet::rules`].
pub type RuleIdx = u16;

/// One match: which rule, and the byte span in the scanned text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Finding {
    /// Where the match starts (byte offset, inclusive).
    pub start: usize,
    /// Where the match ends (byte offset, exclusive).
    pub end: usize,
    /// The rule that fired.
    pub rule: RuleIdx,
}

/// What a rule is: its stable id, its category, and the label of its placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMeta {
    /// Stable id, e.g. `email`, `payment_card`, `openai_api_key`.
    pub id: Box<str>,
    /// Category, e.g. `contact`, `financial`, `credential`, `custom`.
    pub category: Box<str>,
    /// Placeholder label, e.g. `EMAIL` for `[EMAIL]`.
    pub label: Box<str>,
    /// An action set on the rule itself (customer keyword lists and patterns).
    pub action: Option<ActionSpec>,
}

impl RuleMeta {
    /// A built-in rule's own default: its action when the policy names neither the rule nor
    /// its category in `detectors.actions` (`allow` for `signed_url`). `None`: the policy's
    /// `default_action`.
    pub fn default_action(&self) -> Option<ActionKind> {
        rules::RULE_DEFAULT_ACTIONS
            .iter()
            .find(|(id, _)| *id == &*self.id && self.action.is_none())
            .map(|(_, a)| *a)
    }
}

/// Reusable per-request buffers for scanning (the normalised view and its offset maps, the
/// decoded forms and theirs).
#[derive(Debug, Default)]
pub struct Scratch {
    view: view::View,
    tmp: Vec<Finding>,
    marks: Vec<decode::Mark>,
    decoded: decode::Decoded,
    decoded_view: view::View,
    decoded_tmp: Vec<Finding>,
    /// Whether the last scan read a normalised view of its text.
    folded: bool,
}

impl Scratch {
    /// Whether the last [`DetectorSet::scan`] read text far apart as neighbours, so that a
    /// change anywhere in its text may change what it finds anywhere else: the decoded forms
    /// it saw (`%XX`, `&` references, base64 runs) were scanned as one text, one per line; or
    /// it read a folded view, whose delimiters (`，` as `,`) are not the text's own bytes.
    pub fn read_far_apart(&self) -> bool {
        !self.marks.is_empty() || self.folded
    }
}

/// The compiled, immutable detector set.
#[derive(Debug)]
pub struct DetectorSet {
    rules: Vec<RuleMeta>,
    engine: rules::Engine,
}

impl DetectorSet {
    /// Compiles the built-in detectors (minus `disabled`) and the customer's keyword lists and
    /// patterns. Errors name the JSON path of the bad field.
    pub fn compile(cfg: &RawDetectors) -> Result<Self, ConfigError> {
        let mut rules = Vec::new();
        let engine = rules::Engine::compile(cfg, &mut rules)?;
        Ok(Self { rules, engine })
    }

    /// Every rule, indexed by [`RuleIdx`].
    pub fn rules(&self) -> &[RuleMeta] {
        &self.rules
    }

    /// The metadata of one rule.
    pub fn rule(&self, idx: RuleIdx) -> Option<&RuleMeta> {
        self.rules.get(usize::from(idx))
    }

    /// Whether customer keyword lists or patterns are enabled (they can match any text).
    pub fn has_customer_rules(&self) -> bool {
        self.engine.keywords.is_some() || self.engine.has_patterns
    }

    /// How far a customer rule's match may reach, in bytes: the longest keyword term (0
    /// without keyword lists; a pattern with a literal prefix reads [`custom::PATTERN_WINDOW`]
    /// bytes after it). None when a pattern has no literal prefix: it runs over the whole text
    /// and a match of it may be as long.
    pub fn customer_reach(&self) -> Option<usize> {
        if self.engine.has_patterns && self.engine.patterns.has_unanchored() {
            return None;
        }
        Some(self.engine.keywords.as_ref().map_or(0, |k| k.longest()))
    }

    /// Appends every finding in `text` to `out`.
    pub fn scan(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<Finding>) {
        let base = out.len();
        let Scratch {
            view,
            tmp,
            marks,
            decoded,
            decoded_view,
            decoded_tmp,
            folded: read_folded,
        } = scratch;
        marks.clear();
        let folded = !text.is_ascii() && view.build(text);
        *read_folded = folded;
        if folded {
            tmp.clear();
            self.engine.scan(view.as_str(), tmp, Some(marks));
            out.extend(
                tmp.drain(..)
                    .filter_map(|f| remap(f, |s, e| view.map_back(s, e))),
            );
        } else {
            self.engine.scan(text, out, Some(marks));
        }
        // Encoded forms the pass saw: their decoded text is scanned too, and each finding
        // mapped back through the decoding (and the view, if any) onto `text`.
        let scanned = if folded { view.as_str() } else { text };
        if !marks.is_empty() && decoded.build(scanned, marks) {
            decoded_tmp.clear();
            let dtext = decoded.as_str();
            if !dtext.is_ascii() && decoded_view.build(dtext) {
                tmp.clear();
                self.engine.scan(decoded_view.as_str(), tmp, None);
                decoded_tmp.extend(
                    tmp.drain(..)
                        .filter_map(|f| remap(f, |s, e| decoded_view.map_back(s, e))),
                );
            } else {
                self.engine.scan(dtext, decoded_tmp, None);
            }
            for f in decoded_tmp.drain(..) {
                let Some(f) = remap(f, |s, e| decoded.map_back(s, e)) else {
                    continue;
                };
                let f = if folded {
                    remap(f, |s, e| view.map_back(s, e))
                } else {
                    Some(f)
                };
                out.extend(f);
            }
        }
        self.engine.tidy(text, out, base);
    }

    /// Appends findings for a JSON number token (`raw` is its literal text, `key` the member
    /// name it sits under, if any): catches card numbers, SSNs and the like sent as numbers.
    pub fn scan_number(&self, raw: &str, key: Option<&str>, out: &mut Vec<Finding>) {
        self.engine.scan_number(raw, key, out);
    }
}

/// `f` with its span mapped by `map` (None when the span maps to nothing).
fn remap(f: Finding, map: impl Fn(usize, usize) -> Option<(usize, usize)>) -> Option<Finding> {
    map(f.start, f.end).map(|(start, end)| Finding {
        start,
        end,
        rule: f.rule,
    })
}

#[cfg(test)]
mod tests;
