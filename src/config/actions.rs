//! Resolves the action of every rule once per VM: rule's own action, then `actions[rule id]`,
//! then `actions[category]`, then a built-in rule's own default (`allow` for `signed_url`),
//! then `default_action`, then `redact`.

use super::ConfigError;
use crate::detect::{DetectorSet, RuleIdx};
use crate::document::detectors::{ActionKind, ActionSpec, RawDetectors};

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

/// The key that numbers restored pseudonyms (SipHash-2-4, a keyed PRF, over project, label
/// and value: a few dozen nanoseconds per value where HMAC-SHA256 took a microsecond in
/// V8); derived once per VM from the policy's key material, never printed.
#[derive(Clone, Default)]
pub struct PseudonymKey([u64; 2]);

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
        let word = |at: usize| {
            let mut w = [0u8; 8];
            for (d, s) in w.iter_mut().zip(key.iter().skip(at)) {
                *d = *s;
            }
            u64::from_le_bytes(w)
        };
        Self([word(0), word(8)])
    }

    /// SipHash-2-4 of `parts` (each followed by a 0 byte) under the key.
    pub fn hash(&self, parts: &[&[u8]]) -> u64 {
        let mut h = SipHash24::new(self.0);
        for p in parts {
            h.write(p);
            h.write(&[0]);
        }
        h.finish()
    }
}

/// SipHash-2-4 (Aumasson and Bernstein, 2012), streaming.
struct SipHash24 {
    v: [u64; 4],
    tail: u64,
    ntail: u32,
    len: u64,
}

impl SipHash24 {
    fn new([k0, k1]: [u64; 2]) -> Self {
        Self {
            v: [
                k0 ^ 0x736f_6d65_7073_6575,
                k1 ^ 0x646f_7261_6e64_6f6d,
                k0 ^ 0x6c79_6765_6e65_7261,
                k1 ^ 0x7465_6462_7974_6573,
            ],
            tail: 0,
            ntail: 0,
            len: 0,
        }
    }

    fn round(&mut self) {
        let [v0, v1, v2, v3] = &mut self.v;
        *v0 = v0.wrapping_add(*v1);
        *v1 = v1.rotate_left(13) ^ *v0;
        *v0 = v0.rotate_left(32);
        *v2 = v2.wrapping_add(*v3);
        *v3 = v3.rotate_left(16) ^ *v2;
        *v0 = v0.wrapping_add(*v3);
        *v3 = v3.rotate_left(21) ^ *v0;
        *v2 = v2.wrapping_add(*v1);
        *v1 = v1.rotate_left(17) ^ *v2;
        *v2 = v2.rotate_left(32);
    }

    fn compress(&mut self, m: u64) {
        self.v[3] ^= m;
        self.round();
        self.round();
        self.v[0] ^= m;
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.tail |= u64::from(b) << (8 * self.ntail);
            self.ntail += 1;
            self.len = self.len.wrapping_add(1);
            if self.ntail == 8 {
                let m = std::mem::take(&mut self.tail);
                self.ntail = 0;
                self.compress(m);
            }
        }
    }

    fn finish(mut self) -> u64 {
        let m = self.tail | (self.len << 56);
        self.compress(m);
        self.v[2] ^= 0xff;
        for _ in 0..4 {
            self.round();
        }
        self.v[0] ^ self.v[1] ^ self.v[2] ^ self.v[3]
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
            } else if let Some(kind) = rule.default_action() {
                Action::from_spec(&ActionSpec::Name(kind), "detectors", restore)?
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siphash_matches_the_papers_test_vector() {
        // Appendix A of the SipHash paper: key 00..0f, message 00..0e.
        let k = PseudonymKey([0x0706_0504_0302_0100, 0x0f0e_0d0c_0b0a_0908]);
        let mut h = SipHash24::new(k.0);
        h.write(&(0u8..15).collect::<Vec<u8>>());
        assert_eq!(h.finish(), 0xa129_ca61_49be_45e5);
        // Cut anywhere, the same.
        let mut h = SipHash24::new(k.0);
        h.write(&[0, 1, 2]);
        h.write(&(3u8..15).collect::<Vec<u8>>());
        assert_eq!(h.finish(), 0xa129_ca61_49be_45e5);
    }
}
