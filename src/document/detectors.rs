//! The `detectors` section of the policy as written (serde structs, unknown fields rejected).

use serde::Deserialize;
use std::collections::BTreeMap;

/// What to do with a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Replace with a typed placeholder such as `[EMAIL]`.
    Redact,
    /// Keep the last `keep` characters, mask the rest with `*`.
    Mask,
    /// Replace with a keyed HMAC token such as `[EMAIL:3f2a9c1b7d40]` (needs `hash_key`).
    Hash,
    /// Replace with a numbered placeholder such as `[EMAIL_1]` (restored in the reply when
    /// `restore` is on).
    Pseudonymize,
    /// Refuse the whole request (403).
    Block,
    /// Count the finding, change nothing.
    Allow,
}

/// An action as written: either a bare name (`"redact"`) or an object
/// (`{"action": "mask", "keep": 4}`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum ActionSpec {
    /// `"redact"`, `"mask"` (keeps 4), `"hash"`, ...
    Name(ActionKind),
    /// `{"action": "mask", "keep": 4}`.
    Full {
        /// The action.
        action: ActionKind,
        /// For `mask`: how many trailing characters stay visible (default 4, at most 32).
        #[serde(default)]
        keep: Option<u8>,
        /// For `pseudonymize`: restore the values in the reply (default: the project's or the
        /// policy's `restore_pseudonyms`).
        #[serde(default)]
        restore: Option<bool>,
    },
}

impl ActionSpec {
    /// The action kind.
    pub fn kind(&self) -> ActionKind {
        match self {
            ActionSpec::Name(k) => *k,
            ActionSpec::Full { action, .. } => *action,
        }
    }
    /// The `restore` flag as written (`None`: not written).
    pub fn restore(&self) -> Option<bool> {
        match self {
            ActionSpec::Full { restore, .. } => *restore,
            ActionSpec::Name(_) => None,
        }
    }
    /// The `keep` count for mask (default 4).
    pub fn keep(&self) -> u8 {
        match self {
            ActionSpec::Full { keep: Some(k), .. } => *k,
            _ => 4,
        }
    }
}

/// The `detectors` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawDetectors {
    /// Action for every finding whose rule and category are not listed in `actions`
    /// (default `redact`).
    pub default_action: Option<ActionSpec>,
    /// Actions keyed by rule id (`email`, `aws_access_key_id`) or category (`contact`,
    /// `credential`). A rule id wins over its category.
    pub actions: BTreeMap<String, ActionSpec>,
    /// Built-in rule ids or categories to switch off entirely.
    pub disabled: Vec<String>,
    /// Customer term lists: case-insensitive, whole-word.
    pub keywords: Vec<RawKeywordList>,
    /// Customer regex-lite patterns.
    pub patterns: Vec<RawPattern>,
    /// Key for the `hash` action (at least 16 bytes). Required when any action is `hash`.
    pub hash_key: Option<String>,
    /// Restore the values of `pseudonymize` findings in replies (default `false`); a rule's or
    /// category's own `restore` wins.
    pub restore_pseudonyms: bool,
}

/// One customer term list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawKeywordList {
    /// Rule id, unique across all rules (`[a-z0-9_]+`).
    pub id: String,
    /// Category (default `custom`).
    #[serde(default)]
    pub category: Option<String>,
    /// The terms. Matched case-insensitively, on word boundaries.
    pub terms: Vec<String>,
    /// Action for this list (else `actions[id]`, `actions[category]`, `default_action`).
    #[serde(default)]
    pub action: Option<ActionSpec>,
}

/// One customer pattern.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPattern {
    /// Rule id, unique across all rules (`[a-z0-9_]+`).
    pub id: String,
    /// Category (default `custom`).
    #[serde(default)]
    pub category: Option<String>,
    /// A regex-lite pattern.
    pub regex: String,
    /// Action for this pattern (else `actions[id]`, `actions[category]`, `default_action`).
    #[serde(default)]
    pub action: Option<ActionSpec>,
}
