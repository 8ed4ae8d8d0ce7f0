//! The `audit` section as written: how the access record is emitted (log level, API-key
//! fingerprint key, metric label cap, filter state, `Accept-Encoding`).

use serde::Deserialize;

/// Most distinct values of one metric label (project, model) per VM; later ones are `other`.
pub const DEFAULT_MAX_LABEL_VALUES: u32 = 100;

/// The wasm log level of the `ocf.audit` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditLogLevel {
    /// Not logged (filter state and metrics only).
    Off,
    /// Envoy must run with `--component-log-level wasm:debug` to print it.
    Debug,
    /// The default.
    #[default]
    Info,
    /// Warning.
    Warn,
    /// Error.
    Error,
}

/// What the filter puts in Envoy's filter state at the end of each request (each value is one
/// host call and one filter-state object in Envoy, so the default is the record alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FilterState {
    /// Nothing (the log line and metrics only).
    Off,
    /// `wasm.ocf_audit`: the whole record as JSON (the default).
    #[default]
    Record,
    /// The record and each access-log field (`wasm.ocf_decision`, `wasm.ocf_project`, ...),
    /// for Envoy `json_format` access logs.
    Fields,
}

/// What happens to a request's `Accept-Encoding`, so that token usage can be read from the
/// reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AcceptEncoding {
    /// Narrowed to the codings the usage reader follows (`gzip`, `deflate`, `identity`): `br`,
    /// `zstd` and `*` are dropped, `identity` is sent when nothing is left (the default).
    #[default]
    Readable,
    /// Sent as the client wrote it: the usage of a reply in another coding is unknown.
    AsSent,
}

/// `audit` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawAudit {
    /// Level of the `ocf.audit` log line (`info` by default; `off` disables the line).
    pub log_level: AuditLogLevel,
    /// HMAC key for the API-key fingerprint (at least 16 bytes). Absent: a key derived from the
    /// policy document, so fingerprints change when the policy does.
    pub fingerprint_key: Option<String>,
    /// Most distinct project / model label values per VM (default 100, at most 10 000).
    pub max_label_values: Option<u32>,
    /// What goes into Envoy's filter state: `record` (default), `fields`, `off`.
    pub filter_state: FilterState,
    /// `readable` (default) or `as_sent`: see [`AcceptEncoding`].
    pub accept_encoding: AcceptEncoding,
}
