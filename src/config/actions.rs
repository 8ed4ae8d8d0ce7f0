//! Resolves the action of every rule once per VM: rule's own action, then `actions[rule id]`,
//! then `actions[category]`, then `default_action`, then `redact`.

use super::detectors::{ActionKind, ActionSpec, RawDetectors};
use super::ConfigError;
use crate::detect::{DetectorSet, RuleIdx};

/// A resolved action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `[LABEL]`.
    Redact,
    /// Keep the last `keep` characters.
    Mask {
        /// Visible trailing characters.
        keep: u8,
    },
    /// `[LABEL:hmac12]`.
    Hash,
    /// `[LABEL_n]`, numbered per request.
    Pseudonymize,
    /// Deny the request.
    Block,
    /// Count only.
    Allow,
}

impl Action {
    /// Stable name used in records and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Redact => "redact",
            Action::Mask { .. } => "mask",
            Action::Hash => "hash",
            Action::Pseudonymize => "pseudonymize",
            Action::Block => "block",
            Action::Allow => "allow",
        }
    }

    /// Resolves an action as written; `path` names it in errors.
    pub(crate) fn from_spec(spec: &ActionSpec, path: &str) -> Result<Self, ConfigError> {
        Ok(match spec.kind() {
            ActionKind::Redact => Action::Redact,
            ActionKind::Mask => {
                let keep = spec.keep();
                if keep > 32 {
                    return Err(ConfigError::new(
                        format!("{path}.keep"),
                        "must be at most 32",
                    ));
                }
                Action::Mask { keep }
            }
            ActionKind::Hash => Action::Hash,
            ActionKind::Pseudonymize => Action::Pseudonymize,
            ActionKind::Block => Action::Block,
            ActionKind::Allow => Action::Allow,
        })
    }
}

/// The action of every rule, indexed by [`RuleIdx`], plus the hash key when one is needed.
#[derive(Debug, Clone)]
pub struct ActionTable {
    by_rule: Vec<Action>,
    hash_key: Option<Vec<u8>>,
}

impl ActionTable {
    /// Resolves every rule's action. Fails on an `actions` key that names no rule and no
    /// category, and on a `hash` action without a `hash_key`.
    pub fn compile(cfg: &RawDetectors, set: &DetectorSet) -> Result<Self, ConfigError> {
        let default = match &cfg.default_action {
            Some(spec) => Action::from_spec(spec, "detectors.default_action")?,
            None => Action::Redact,
        };
        for key in cfg.actions.keys() {
            let known = set
                .rules()
                .iter()
                .any(|r| &*r.id == key.as_str() || &*r.category == key.as_str());
            if !known {
                return Err(ConfigError::new(
                    format!("detectors.actions.{key}"),
                    "names no rule id and no category",
                ));
            }
        }
        let mut by_rule = Vec::with_capacity(set.rules().len());
        for rule in set.rules() {
            let action = if let Some(spec) = &rule.action {
                Action::from_spec(spec, "detectors")?
            } else if let Some(spec) = cfg.actions.get(&*rule.id) {
                Action::from_spec(spec, &format!("detectors.actions.{}", rule.id))?
            } else if let Some(spec) = cfg.actions.get(&*rule.category) {
                Action::from_spec(spec, &format!("detectors.actions.{}", rule.category))?
            } else {
                default
            };
            by_rule.push(action);
        }
        let hash_key = match &cfg.hash_key {
            Some(k) if k.len() < 16 => {
                return Err(ConfigError::new(
                    "detectors.hash_key",
                    "must be at least 16 bytes",
                ))
            }
            Some(k) => Some(k.as_bytes().to_vec()),
            None => None,
        };
        if hash_key.is_none() && by_rule.contains(&Action::Hash) {
            return Err(ConfigError::new(
                "detectors.hash_key",
                "is required when an action is `hash`",
            ));
        }
        Ok(Self { by_rule, hash_key })
    }

    /// The action of a rule (`redact` for an index out of range, which cannot happen for a
    /// finding of the same set).
    pub fn get(&self, rule: RuleIdx) -> Action {
        self.by_rule
            .get(usize::from(rule))
            .copied()
            .unwrap_or(Action::Redact)
    }

    /// The key for the `hash` action.
    pub fn hash_key(&self) -> Option<&[u8]> {
        self.hash_key.as_deref()
    }

    /// A copy with some rules' actions replaced (per-project `data` overrides).
    pub fn with_overrides(&self, overrides: impl IntoIterator<Item = (RuleIdx, Action)>) -> Self {
        let mut t = self.clone();
        for (rule, action) in overrides {
            if let Some(slot) = t.by_rule.get_mut(usize::from(rule)) {
                *slot = action;
            }
        }
        t
    }
}
