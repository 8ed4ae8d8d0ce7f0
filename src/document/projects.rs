//! The register as written: one project (or the `default` entry), its retention profile, the
//! `azure` section, and the published regional hosts.

use super::detectors::ActionSpec;
use super::policy::{Mode, UnscannablePolicy};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The key of the entry that applies to projects the register does not list.
pub const DEFAULT_PROJECT: &str = "default";

/// OpenAI's published regional hosts: `<region>.api.openai.com`, plus `global`.
pub const DEFAULT_REGIONS: &[(&str, &str)] = &[
    ("global", "api.openai.com"),
    ("us", "us.api.openai.com"),
    ("eu", "eu.api.openai.com"),
    ("uk", "uk.api.openai.com"),
    ("ca", "ca.api.openai.com"),
    ("jp", "jp.api.openai.com"),
    ("kr", "kr.api.openai.com"),
    ("sg", "sg.api.openai.com"),
    ("in", "in.api.openai.com"),
    ("au", "au.api.openai.com"),
    ("ae", "ae.api.openai.com"),
];

/// A project's retention profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    /// No retention rules (OpenAI's defaults apply).
    #[default]
    Standard,
    /// Zero Data Retention: ZDR-eligible endpoints only, nothing stored upstream.
    Zero,
    /// `zero` plus the HIPAA BAA scope (see docs/policy.md).
    Hipaa,
}

/// Under `zero`/`hipaa`: what happens to a request that must say `"store": false` but does
/// not mention `store` at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissingStore {
    /// 403 `retention_violation` (the default): the client must send `"store": false`.
    #[default]
    Reject,
    /// Splice `"store":false` into the body right after the top-level `{`.
    Inject,
}

/// One project (or the `default` entry) as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawProject {
    /// The `OpenAI-Organization` value the project's requests must carry.
    pub organization: Option<String>,
    /// Caller patterns (exact or `prefix*`) matched against the `caller_header` value.
    pub callers: Option<Vec<String>>,
    /// The residency region (a key of `regions`).
    pub region: Option<String>,
    /// Endpoint patterns (API names or route globs).
    pub endpoints: Option<Vec<String>>,
    /// Model patterns (exact or `prefix*`).
    pub models: Option<Vec<String>>,
    /// `standard` (default), `zero` or `hipaa`.
    pub retention: Retention,
    /// `reject` (default) or `inject`; only meaningful under `zero`/`hipaa`.
    pub missing_store: MissingStore,
    /// Detector action overrides keyed by rule id or category.
    pub data: BTreeMap<String, ActionSpec>,
    /// Restore pseudonyms in this project's replies (default: the policy's rules); `data`
    /// entries with their own `restore` win.
    pub restore_pseudonyms: Option<bool>,
    /// Body cap for this project (at most the global `max_body_bytes`).
    pub max_body_bytes: Option<u64>,
    /// `enforce` or `audit` for this project (default: the global mode).
    pub mode: Option<Mode>,
    /// The approved use case, for the compliance register (`register` command).
    pub purpose: Option<String>,
    /// Who answers for the project, for the compliance register.
    pub owner: Option<String>,
    /// Anything else an auditor should read, for the compliance register.
    pub description: Option<String>,
    /// Requests and tokens per minute, tokens per day (see `config::controls`).
    pub throttle: Option<super::controls::RawThrottle>,
    /// Client address blocks the project's requests may come from.
    pub sources: Option<Vec<String>>,
    /// `forward` or `refuse` what cannot be scanned (default: `refuse` under `zero` and
    /// `hipaa`, else the global setting).
    pub unscannable: Option<UnscannablePolicy>,
}

/// The `azure` section.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAzure {
    /// Deployment name → model it serves.
    pub deployments: BTreeMap<String, String>,
}
