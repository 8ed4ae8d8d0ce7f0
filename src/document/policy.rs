//! The policy document as written: serde structs, unknown fields rejected, defaults applied.

use super::audit::RawAudit;
use super::controls::RawSourceAddress;
use super::detectors::RawDetectors;
use super::error::{sanitize_serde_message, ConfigError};
use super::projects::{RawAzure, RawProject};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Default body cap: 10 MiB.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 10 * 1024 * 1024;

/// `enforce` applies decisions; `audit` records them (`would_deny`) and forwards unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Decisions are applied (the default).
    #[default]
    Enforce,
    /// Decisions are logged as `would_deny` / `would_redact`; the request goes on unchanged.
    Audit,
}

/// What a POST to an endpoint the filter does not recognise gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownEndpoints {
    /// 403 `endpoint_not_allowed` (the default).
    #[default]
    Deny,
    /// Inspected like any JSON body: every string is scanned.
    Inspect,
}

/// What happens to a request that carries content the filter cannot scan (inline base64,
/// binary uploads, token ids, a WebSocket or WebRTC session: see
/// [`crate::openai::Unscannable`]). One setting for every kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnscannablePolicy {
    /// Forwarded, and counted by kind in the record (the global default).
    #[default]
    Forward,
    /// 403 `unscannable_content` (the default of `zero` and `hipaa` projects).
    Refuse,
}

/// The whole policy document.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawPolicy {
    /// `enforce` (default) or `audit`.
    pub mode: Mode,
    /// Largest request body accepted (default 10 MiB).
    pub max_body_bytes: u64,
    /// `deny` (default) or `inspect`.
    pub unknown_endpoints: UnknownEndpoints,
    /// `forward` (default) or `refuse` what cannot be scanned.
    pub unscannable: UnscannablePolicy,
    /// Detectors and their actions.
    pub detectors: RawDetectors,
    /// The compliance register: rules per `OpenAI-Project` (absent: no project rules).
    pub projects: Option<BTreeMap<String, RawProject>>,
    /// Region name → hosts, merged over OpenAI's published regional hosts.
    pub regions: BTreeMap<String, Vec<String>>,
    /// Azure OpenAI: deployment → model.
    pub azure: RawAzure,
    /// The header the mesh sets to identify the caller (never trusted unless named here).
    pub caller_header: Option<String>,
    /// A header the filter sets to the request's region name, for Envoy's route.
    pub routing_header: Option<String>,
    /// The audit record's sinks (log level, API-key fingerprint key, label cap).
    #[serde(default)]
    pub audit: RawAudit,
    /// Fingerprints of API keys that are refused (`key_revoked`).
    pub revoked_keys: Vec<String>,
    /// A header the filter sets to the resolved register entry, for Envoy's rate limiters.
    pub project_header: Option<String>,
    /// Where the client address of the source allowlists comes from.
    pub source_address: RawSourceAddress,
}

impl Default for RawPolicy {
    fn default() -> Self {
        Self {
            mode: Mode::Enforce,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            unknown_endpoints: UnknownEndpoints::Deny,
            unscannable: UnscannablePolicy::Forward,
            detectors: RawDetectors::default(),
            projects: None,
            regions: BTreeMap::new(),
            azure: RawAzure::default(),
            caller_header: None,
            routing_header: None,
            audit: RawAudit::default(),
            revoked_keys: Vec::new(),
            project_header: None,
            source_address: RawSourceAddress::default(),
        }
    }
}

impl RawPolicy {
    /// Parses a policy document; empty input is `{}`. Errors name the JSON path.
    pub fn parse(bytes: &[u8]) -> Result<Self, ConfigError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let parsed: Result<Self, _> = serde_path_to_error::deserialize(&mut de);
        match parsed {
            Ok(p) => {
                de.end()
                    .map_err(|e| ConfigError::new("", sanitize_serde_message(&e.to_string())))?;
                Ok(p)
            }
            Err(e) => {
                let path = e.path().to_string();
                let path = if path == "." { String::new() } else { path };
                Err(ConfigError::new(
                    path,
                    sanitize_serde_message(&e.inner().to_string()),
                ))
            }
        }
    }
}
