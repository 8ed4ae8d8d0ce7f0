//! The metadata-only access record: one per request, built in the core, serialised as one JSON
//! line. Its fields are numbers, fixed strings and [`SafeId`]s; none can hold request content.

use crate::config::Policy;
use crate::detect::Scratch;
use crate::pipeline::FindingCounts;
use serde::Serialize;
use std::collections::BTreeMap;

/// The prefix of the audit line in the wasm log.
pub const LOG_PREFIX: &str = "ocf.audit ";
/// The filter version, as recorded.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// An identifier from a header or the body (project, organisation, request id, model) that is
/// safe to log: at most 128 characters of `[A-Za-z0-9._:/-]` that no detector flags. Anything
/// else is recorded as `<invalid>` or `<redacted>`, never as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SafeId(String);

impl SafeId {
    /// Checks `value` and keeps it only if it is a plain identifier that no detector flags.
    pub fn new(value: &[u8], policy: &Policy) -> Self {
        let plain = !value.is_empty()
            && value.len() <= 128
            && value.iter().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'-')
            });
        let Some(text) = std::str::from_utf8(value).ok().filter(|_| plain) else {
            return Self("<invalid>".into());
        };
        let mut found = Vec::new();
        policy
            .detectors
            .scan(text, &mut Scratch::default(), &mut found);
        if found.is_empty() {
            Self(text.to_string())
        } else {
            Self("<redacted>".into())
        }
    }

    /// The recorded text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The outcome of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Forwarded unchanged.
    #[default]
    Allow,
    /// Forwarded with redactions.
    Redact,
    /// Refused.
    Deny,
    /// Audit mode: would have been redacted; forwarded unchanged.
    WouldRedact,
    /// Audit mode: would have been refused; forwarded unchanged.
    WouldDeny,
}

/// One access record.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditRecord {
    /// RFC 3339 UTC time the request arrived.
    pub ts: String,
    /// Envoy's `x-request-id`.
    pub request_id: Option<SafeId>,
    /// HTTP method.
    pub method: Option<SafeId>,
    /// Normalised endpoint with ids replaced (`/v1/responses/{id}`).
    pub endpoint: String,
    /// API kind (`chat.completions`, ...).
    pub api: &'static str,
    /// `model` from the body.
    pub model: Option<SafeId>,
    /// `stream: true` in the body.
    pub stream: bool,
    /// `OpenAI-Project` header.
    pub project: Option<SafeId>,
    /// `OpenAI-Organization` header.
    pub organization: Option<SafeId>,
    /// `enforce` or `audit`.
    pub mode: &'static str,
    /// The outcome.
    pub decision: Decision,
    /// The reason code of a denial (or would-be denial).
    pub reason: Option<&'static str>,
    /// Findings per rule id.
    pub findings: BTreeMap<String, u32>,
    /// Findings per category.
    pub categories: BTreeMap<String, u32>,
    /// Findings per action.
    pub actions: BTreeMap<&'static str, u32>,
    /// `data:` URLs and base64 blobs that were not scanned.
    pub opaque_blobs: u32,
    /// Request body bytes received from the client.
    pub bytes_in: u64,
    /// Request body bytes sent upstream (0 when denied).
    pub bytes_out: u64,
    /// Response status (the local reply's for a denial).
    pub status: Option<u16>,
    /// Milliseconds from request headers to the end of the exchange.
    pub duration_ms: Option<u64>,
    /// Digest of the policy in force.
    pub policy: String,
    /// Filter version.
    pub version: &'static str,
    /// The caller, from the header the policy names in `caller_header` (never another).
    pub caller: Option<SafeId>,
    /// The residency region the request was routed to (a region name from the policy).
    pub region: Option<SafeId>,
}

impl AuditRecord {
    /// Fills the finding counts from the pipeline's, naming rules and categories.
    pub fn set_findings(&mut self, counts: &FindingCounts, policy: &Policy) {
        for (rule, n) in &counts.by_rule {
            if let Some(meta) = policy.detectors.rule(*rule) {
                *self.findings.entry(meta.id.to_string()).or_default() += n;
                *self
                    .categories
                    .entry(meta.category.to_string())
                    .or_default() += n;
            }
        }
        for (action, n) in &counts.by_action {
            *self.actions.entry(action).or_default() += n;
        }
    }

    /// The record as one JSON line (without the prefix).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }
}

/// Formats Unix milliseconds as RFC 3339 UTC (`2026-11-22T05:03:26.123Z`).
pub fn rfc3339_millis(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm), valid for the Unix era.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_795_323_806_123),
            "2026-11-22T05:03:26.123Z"
        );
        assert_eq!(rfc3339_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn safe_ids_drop_anything_that_could_be_content() {
        let p = Policy::from_json(b"{}").unwrap();
        assert_eq!(SafeId::new(b"proj_abc-123", &p).as_str(), "proj_abc-123");
        assert_eq!(SafeId::new(b"hello world", &p).as_str(), "<invalid>");
        assert_eq!(SafeId::new(b"", &p).as_str(), "<invalid>");
        assert_eq!(SafeId::new(&[0xff, 0x41], &p).as_str(), "<invalid>");
        assert_eq!(SafeId::new(&[b'a'; 129], &p).as_str(), "<invalid>");
        let key = b"sk-proj-abcdefghijklmnopqrstuvwxyz012345";
        assert_eq!(SafeId::new(key, &p).as_str(), "<redacted>");
    }

    #[test]
    fn record_serialises_without_content_fields() {
        let p = Policy::from_json(b"{}").unwrap();
        let mut r = AuditRecord {
            endpoint: "/v1/chat/completions".into(),
            api: "chat.completions",
            mode: "enforce",
            decision: Decision::Redact,
            ..AuditRecord::default()
        };
        r.set_findings(
            &FindingCounts {
                by_rule: vec![(0, 2)],
                by_action: vec![("redact", 2)],
            },
            &p,
        );
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["decision"], "redact");
        assert_eq!(v["findings"]["email"], 2);
        assert_eq!(v["categories"]["contact"], 2);
    }
}
