//! The `audit` policy section: how the access record is emitted (log level, API-key
//! fingerprint key, metric label cap), parsed and compiled once per VM.

use super::ConfigError;
pub use crate::document::audit::{
    AcceptEncoding, AuditLogLevel, FilterState, RawAudit, DEFAULT_MAX_LABEL_VALUES,
};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The compiled `audit` section.
#[derive(Clone)]
pub struct AuditConfig {
    /// Level of the log line.
    pub log_level: AuditLogLevel,
    /// Most distinct values per metric label.
    pub max_label_values: u32,
    /// What goes into Envoy's filter state.
    pub filter_state: FilterState,
    /// What happens to a request's `Accept-Encoding`.
    pub accept_encoding: AcceptEncoding,
    /// HMAC-SHA256 keyed with the fingerprint key, its key blocks already absorbed: each
    /// fingerprint clones it instead of re-deriving the pads from the key.
    fingerprint_mac: Option<Hmac<Sha256>>,
}

impl std::fmt::Debug for AuditConfig {
    // The key is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditConfig")
            .field("log_level", &self.log_level)
            .field("max_label_values", &self.max_label_values)
            .field("filter_state", &self.filter_state)
            .field("accept_encoding", &self.accept_encoding)
            .finish_non_exhaustive()
    }
}

impl AuditConfig {
    /// Compiles the section; `source` is the whole policy document (for the derived key).
    pub fn compile(raw: &RawAudit, source: &[u8]) -> Result<Self, ConfigError> {
        let fingerprint_key = match &raw.fingerprint_key {
            Some(k) if k.len() < 16 => {
                return Err(ConfigError::new(
                    "audit.fingerprint_key",
                    "must be at least 16 bytes",
                ))
            }
            Some(k) => k.as_bytes().to_vec(),
            None => {
                let mut h = Sha256::new();
                h.update(b"ocf-audit-fingerprint-key-v1\0");
                h.update(source);
                h.finalize().to_vec()
            }
        };
        let max_label_values = raw.max_label_values.unwrap_or(DEFAULT_MAX_LABEL_VALUES);
        if !(1..=10_000).contains(&max_label_values) {
            return Err(ConfigError::new(
                "audit.max_label_values",
                "must be between 1 and 10000",
            ));
        }
        Ok(Self {
            log_level: raw.log_level,
            max_label_values,
            filter_state: raw.filter_state,
            accept_encoding: raw.accept_encoding,
            fingerprint_mac: Hmac::<Sha256>::new_from_slice(&fingerprint_key).ok(),
        })
    }

    /// The fingerprint of an API key: `k1:` and the first 16 hex digits of
    /// HMAC-SHA256(fingerprint key, key). Never the key.
    pub fn fingerprint(&self, api_key: &[u8]) -> String {
        let Some(mut mac) = self.fingerprint_mac.clone() else {
            return "k1:unavailable".into();
        };
        mac.update(api_key);
        let tag = mac.finalize().into_bytes();
        let hex = |n: u8| char::from_digit(u32::from(n), 16).unwrap_or('0');
        let mut out = String::with_capacity(3 + 16);
        out.push_str("k1:");
        for b in tag.iter().take(8) {
            out.push(hex(b >> 4));
            out.push(hex(b & 0x0f));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(json: &str) -> Result<AuditConfig, ConfigError> {
        let raw: RawAudit = serde_json::from_str(json).unwrap();
        AuditConfig::compile(&raw, json.as_bytes())
    }

    #[test]
    fn defaults() {
        let c = compile("{}").unwrap();
        assert_eq!(c.log_level, AuditLogLevel::Info);
        assert_eq!(c.max_label_values, DEFAULT_MAX_LABEL_VALUES);
        assert_eq!(c.accept_encoding, AcceptEncoding::Readable);
        let c = compile(r#"{"accept_encoding":"as_sent"}"#).unwrap();
        assert_eq!(c.accept_encoding, AcceptEncoding::AsSent);
    }

    #[test]
    fn fingerprint_is_keyed_short_and_never_the_key() {
        let a = compile(r#"{"fingerprint_key":"0123456789abcdef"}"#).unwrap();
        let b = compile(r#"{"fingerprint_key":"0123456789abcdeX"}"#).unwrap();
        let key = b"sk-proj-abcdefghijklmnopqrstuvwxyz";
        let fa = a.fingerprint(key);
        assert_eq!(fa.len(), 3 + 16);
        assert!(fa.starts_with("k1:"));
        assert_eq!(fa, a.fingerprint(key));
        assert_ne!(fa, b.fingerprint(key));
        assert_ne!(fa, a.fingerprint(b"sk-proj-other"));
        assert!(!format!("{a:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn derived_key_depends_on_the_policy() {
        let a = compile("{}").unwrap();
        let b = compile(r#"{"log_level":"info"}"#).unwrap();
        assert_ne!(a.fingerprint(b"k"), b.fingerprint(b"k"));
    }

    #[test]
    fn the_section_is_wired_into_the_policy_with_paths() {
        let p = crate::config::Policy::from_json(
            br#"{"audit":{"log_level":"off","max_label_values":7}}"#,
        )
        .unwrap();
        assert_eq!(p.audit.log_level, AuditLogLevel::Off);
        assert_eq!(p.audit.max_label_values, 7);
        assert_eq!(p.audit.filter_state, FilterState::Record);
        let p =
            crate::config::Policy::from_json(br#"{"audit":{"filter_state":"fields"}}"#).unwrap();
        assert_eq!(p.audit.filter_state, FilterState::Fields);
        let cases = [
            (r#"{"audit":{"colour":1}}"#, "audit.colour"),
            (
                r#"{"audit":{"filter_state":"s3cr3t"}}"#,
                "audit.filter_state",
            ),
            (r#"{"audit":{"log_level":"s3cr3t"}}"#, "audit.log_level"),
            (
                r#"{"audit":{"accept_encoding":"s3cr3t"}}"#,
                "audit.accept_encoding",
            ),
            (
                r#"{"audit":{"fingerprint_key":"s3cr3t"}}"#,
                "audit.fingerprint_key",
            ),
        ];
        for (src, path) in cases {
            let e = crate::config::Policy::from_json(src.as_bytes()).unwrap_err();
            assert_eq!(e.path(), path, "{src}");
            assert!(!e.to_string().contains("s3cr3t"), "{e}");
        }
    }

    #[test]
    fn bad_values_are_refused() {
        assert_eq!(
            compile(r#"{"fingerprint_key":"short"}"#)
                .unwrap_err()
                .path(),
            "audit.fingerprint_key"
        );
        assert_eq!(
            compile(r#"{"max_label_values":0}"#).unwrap_err().path(),
            "audit.max_label_values"
        );
    }
}
