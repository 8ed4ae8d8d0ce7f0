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
    /// `[LABEL_n]`: numbered per request, or (`restore`) from a keyed hash of the value within
    /// the project, and restored in the reply.
    Pseudonymize {
        /// Restore the value in the reply.
        restore: bool,
    },
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
            Action::Pseudonymize { .. } => "pseudonymize",
            Action::Block => "block",
            Action::Allow => "allow",
        }
    }

    /// Is this a `pseudonymize` whose values are restored in the reply?
    pub fn restores(self) -> bool {
        matches!(self, Action::Pseudonymize { restore: true })
    }

    /// Resolves an action as written; `path` names it in errors. A `pseudonymize` without its
    /// own `restore` takes `default_restore`.
    pub(crate) fn from_spec(
        spec: &ActionSpec,
        path: &str,
        default_restore: bool,
    ) -> Result<Self, ConfigError> {
        if spec.restore().is_some() && spec.kind() != ActionKind::Pseudonymize {
            return Err(ConfigError::new(
                format!("{path}.restore"),
                "applies only to `pseudonymize`",
            ));
        }
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
            ActionKind::Pseudonymize => Action::Pseudonymize {
                restore: spec.restore().unwrap_or(default_restore),
            },
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
    /// `detectors.restore_pseudonyms`: the `restore` of a `pseudonymize` that sets none.
    restore_default: bool,
    /// The key that numbers restored pseudonyms ([`PseudonymKey`]).
    pseudonym_key: PseudonymKey,
}

/// The key that numbers restored pseudonyms (HMAC-SHA256 over project, label and value);
/// derived once per VM from the policy's key material, never printed. Kept as the keyed MAC
/// with its key blocks absorbed: each number clones it.
#[derive(Clone, Default)]
pub struct PseudonymKey(Option<hmac::Hmac<sha2::Sha256>>);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(..)")
    }
}

impl PseudonymKey {
    /// The key derived from `material` (`detectors.hash_key`, else `audit.fingerprint_key`,
    /// else a digest of the policy document), under its own label so that it is none of them.
    pub fn derive(material: &[u8]) -> Self {
        use hmac::{Hmac, Mac};
        let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(material) else {
            return Self::default();
        };
        mac.update(b"ocf-pseudonym-key-v1");
        let key = mac.finalize().into_bytes();
        Self(Hmac::<sha2::Sha256>::new_from_slice(&key).ok())
    }

    /// A fresh MAC under the key (`None` only if the key could not be set up).
    pub fn mac(&self) -> Option<hmac::Hmac<sha2::Sha256>> {
        self.0.clone()
    }
}

impl ActionTable {
    /// Resolves every rule's action. Fails on an `actions` key that names no rule and no
    /// category, and on a `hash` action without a `hash_key`.
    pub fn compile(cfg: &RawDetectors, set: &DetectorSet) -> Result<Self, ConfigError> {
        let restore = cfg.restore_pseudonyms;
        let default = match &cfg.default_action {
            Some(spec) => Action::from_spec(spec, "detectors.default_action", restore)?,
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
                Action::from_spec(spec, "detectors", restore)?
            } else if let Some(spec) = cfg.actions.get(&*rule.id) {
                Action::from_spec(spec, &format!("detectors.actions.{}", rule.id), restore)?
            } else if let Some(spec) = cfg.actions.get(&*rule.category) {
                Action::from_spec(
                    spec,
                    &format!("detectors.actions.{}", rule.category),
                    restore,
                )?
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
        Ok(Self {
            by_rule,
            hash_key,
            restore_default: restore,
            pseudonym_key: PseudonymKey::default(),
        })
    }

    /// Sets the key that numbers restored pseudonyms (the policy's, before any project table
    /// is cloned from this one).
    pub fn set_pseudonym_key(&mut self, key: PseudonymKey) {
        self.pseudonym_key = key;
    }

    /// The key that numbers restored pseudonyms.
    pub fn pseudonym_key(&self) -> &PseudonymKey {
        &self.pseudonym_key
    }

    /// `detectors.restore_pseudonyms`.
    pub fn restore_default(&self) -> bool {
        self.restore_default
    }

    /// Does any rule restore its pseudonyms in the reply?
    pub fn restores_any(&self) -> bool {
        self.by_rule.iter().any(|a| a.restores())
    }

    /// A copy in which every `pseudonymize` restores (`true`) or not (a project's
    /// `restore_pseudonyms`).
    pub fn with_restore(&self, restore: bool) -> Self {
        let mut t = self.clone();
        for a in &mut t.by_rule {
            if let Action::Pseudonymize { .. } = a {
                *a = Action::Pseudonymize { restore };
            }
        }
        t.restore_default = restore;
        t
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
