//! The compile step: turns the policy document as written ([`crate::document`]) into an
//! immutable, ready-to-run [`Policy`] (detectors, automata and regexes built once per VM).
//! The document's words are named here too (`config::Mode`, `config::ConfigError`, ...).

pub mod actions;
pub mod audit;
pub mod controls;
pub mod patterns;
pub mod projects;

pub use crate::document::{detectors, policy as raw};

pub use crate::document::ConfigError;
pub use actions::{Action, ActionTable};
pub use audit::{AcceptEncoding, AuditConfig, AuditLogLevel, FilterState};
pub use controls::Controls;
pub use projects::{Project, Register, Retention};
pub use raw::{Mode, RawPolicy, UnknownEndpoints, UnscannablePolicy};

use crate::detect::DetectorSet;
use sha2::{Digest, Sha256};

pub use crate::document::DEFAULT_MAX_BODY_BYTES;

/// A compiled policy. Built once in `on_configure`; shared read-only by every request.
#[derive(Debug)]
pub struct Policy {
    /// `enforce` or `audit`.
    pub mode: Mode,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: u64,
    /// What happens to a POST to an endpoint we do not recognise.
    pub unknown_endpoints: UnknownEndpoints,
    /// What happens to content the filter cannot scan (a project may say otherwise).
    pub unscannable: UnscannablePolicy,
    /// The detectors.
    pub detectors: DetectorSet,
    /// The action for each rule.
    pub actions: ActionTable,
    /// The compliance register (projects, regions, callers, Azure deployments).
    pub register: Register,
    /// Short digest of the policy document (first 16 hex digits of its SHA-256), for the record.
    pub digest: String,
    /// The `audit` section (log level, fingerprint key, label cap).
    pub audit: AuditConfig,
    /// Revoked keys, source allowlists, throttles, the project header, descriptive fields.
    pub controls: Controls,
}

impl Policy {
    /// Parses, validates and compiles a policy document. An empty document (or `{}`) is the
    /// default policy: every built-in detector redacts, fail closed, 10 MiB cap.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ConfigError> {
        let raw = RawPolicy::parse(bytes)?;
        Self::compile(&raw, bytes)
    }

    /// Compiles an already parsed document. `source` is hashed for the digest.
    pub fn compile(raw: &RawPolicy, source: &[u8]) -> Result<Self, ConfigError> {
        if raw.max_body_bytes == 0 {
            return Err(ConfigError::new("max_body_bytes", "must be at least 1"));
        }
        let detectors = DetectorSet::compile(&raw.detectors)?;
        let mut actions = ActionTable::compile(&raw.detectors, &detectors)?;
        actions.set_pseudonym_key(pseudonym_key(raw, source));
        let register = projects::compile(
            &projects::Sections {
                projects: raw.projects.as_ref(),
                regions: &raw.regions,
                azure: &raw.azure,
                caller_header: raw.caller_header.as_deref(),
                routing_header: raw.routing_header.as_deref(),
            },
            &projects::Context {
                detectors: &detectors,
                actions: &actions,
                max_body_bytes: raw.max_body_bytes,
                mode: raw.mode,
                unscannable: raw.unscannable,
            },
        )?;
        Ok(Self {
            mode: raw.mode,
            max_body_bytes: raw.max_body_bytes,
            unknown_endpoints: raw.unknown_endpoints,
            unscannable: raw.unscannable,
            detectors,
            actions,
            register,
            digest: digest_hex(source),
            audit: AuditConfig::compile(&raw.audit, source)?,
            controls: controls::compile(raw)?,
        })
    }
}

/// The key that numbers restored pseudonyms: derived from `detectors.hash_key`, else
/// `audit.fingerprint_key`, else the policy document (then a new policy renumbers).
fn pseudonym_key(raw: &RawPolicy, source: &[u8]) -> actions::PseudonymKey {
    let material = match (&raw.detectors.hash_key, &raw.audit.fingerprint_key) {
        (Some(k), _) | (None, Some(k)) => k.as_bytes().to_vec(),
        (None, None) => {
            let mut h = Sha256::new();
            h.update(b"ocf-pseudonym-material-v1\0");
            h.update(source);
            h.finalize().to_vec()
        }
    };
    actions::PseudonymKey::derive(&material)
}

fn digest_hex(source: &[u8]) -> String {
    let d = Sha256::digest(source);
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_braces_are_the_default_policy() {
        for src in [&b""[..], b"{}", b"  {}\n"] {
            let p = Policy::from_json(src).unwrap();
            assert_eq!(p.mode, Mode::Enforce);
            assert_eq!(p.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
            assert!(!p.detectors.rules().is_empty());
        }
    }

    #[test]
    fn restoration_is_set_globally_per_project_and_per_rule() {
        let rule = |p: &Policy, id: &str| {
            p.detectors
                .rules()
                .iter()
                .position(|r| &*r.id == id)
                .unwrap() as u16
        };
        let p = Policy::from_json(
            br#"{"detectors":{"restore_pseudonyms":true,
                "actions":{"email":"pseudonymize","phone_number":{"action":"pseudonymize","restore":false},
                           "ip_address":"redact"}},
              "projects":{"off":{"restore_pseudonyms":false,
                                 "data":{"phone_number":{"action":"pseudonymize","restore":true}}},
                          "plain":{}}}"#,
        )
        .unwrap();
        let (email, phone) = (rule(&p, "email"), rule(&p, "phone_number"));
        assert!(p.actions.get(email).restores());
        assert!(!p.actions.get(phone).restores());
        assert!(p.actions.restores_any());
        let projects = p.register.projects.as_ref().unwrap();
        let off = projects
            .get(projects.resolve(Some("off")).unwrap())
            .unwrap();
        let off = off.actions.as_ref().unwrap();
        assert!(!off.get(email).restores());
        assert!(off.get(phone).restores());
        let plain = projects
            .get(projects.resolve(Some("plain")).unwrap())
            .unwrap();
        assert!(plain.actions.is_none());
        // Off by default.
        let d =
            Policy::from_json(br#"{"detectors":{"actions":{"email":"pseudonymize"}}}"#).unwrap();
        assert!(!d.actions.restores_any());
        // `restore` on anything but pseudonymize is an error at its path.
        let e = Policy::from_json(
            br#"{"detectors":{"actions":{"email":{"action":"redact","restore":true}}}}"#,
        )
        .unwrap_err();
        assert_eq!(e.path(), "detectors.actions.email.restore");
        let e = Policy::from_json(br#"{"projects":{"p":{"restore_pseudonyms":1}}}"#).unwrap_err();
        assert_eq!(e.path(), "projects.p.restore_pseudonyms");
    }

    #[test]
    fn errors_name_the_path_and_hide_the_value() {
        let cases: &[(&str, &str)] = &[
            (r#"{"mode":"s3cr3t"}"#, "mode"),
            (r#"{"max_body_bytes":"s3cr3t"}"#, "max_body_bytes"),
            (
                r#"{"detectors":{"actions":{"email":"s3cr3t"}}}"#,
                "detectors.actions.email",
            ),
            (r#"{"colour":1}"#, "colour"),
            (r#"{"max_body_bytes":0}"#, "max_body_bytes"),
            (r#"{"unscannable":"s3cr3t"}"#, "unscannable"),
            (
                r#"{"projects":{"p":{"unscannable":"s3cr3t"}}}"#,
                "projects.p.unscannable",
            ),
            (
                r#"{"detectors":{"actions":{"email":{"action":"mask","keetrap":9}}}}"#,
                "detectors.actions.email",
            ),
        ];
        for (src, path) in cases {
            let e = Policy::from_json(src.as_bytes()).unwrap_err();
            assert_eq!(e.path(), *path, "{src}: {e}");
            assert!(!e.to_string().contains("s3cr3t"), "{e}");
        }
    }
}
