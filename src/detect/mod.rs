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
//! mapped back onto the original text.

mod alnum;
mod anchors;
mod assign;
mod checksum;
#[doc(hidden)]
pub mod corpus;
mod custom;
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
mod text;
pub(crate) use text::inside_placeholder;
mod view;

use crate::config::detectors::{ActionKind, ActionSpec, RawDetectors};
use crate::config::ConfigError;

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

/// Reusable per-request buffers for scanning (the normalised view and its offset maps).
#[derive(Debug, Default)]
pub struct Scratch {
    view: view::View,
    tmp: Vec<Finding>,
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

    /// Appends every finding in `text` to `out`.
    pub fn scan(&self, text: &str, scratch: &mut Scratch, out: &mut Vec<Finding>) {
        let base = out.len();
        if text.is_ascii() || !scratch.view.build(text) {
            self.engine.scan(text, out);
        } else {
            scratch.tmp.clear();
            self.engine.scan(scratch.view.as_str(), &mut scratch.tmp);
            for f in scratch.tmp.drain(..) {
                if let Some((start, end)) = scratch.view.map_back(f.start, f.end) {
                    out.push(Finding {
                        start,
                        end,
                        rule: f.rule,
                    });
                }
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

#[cfg(test)]
mod tests;
