//! The gateway controls as written: how the client address is read, a project's throttle.

use serde::Deserialize;

/// `source_address` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawSourceAddress {
    /// 0 (default): the downstream address Envoy reports. N: the N-th `x-forwarded-for`
    /// entry from the right (N trusted proxies in front).
    pub xff_trusted_hops: u8,
}

/// A project's `throttle` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RawThrottle {
    /// Requests per minute.
    pub requests_per_minute: Option<u64>,
    /// Tokens per minute.
    pub tokens_per_minute: Option<u64>,
    /// Tokens per UTC day.
    pub tokens_per_day: Option<u64>,
}
