//! The metadata-only access record: one per request, built in the core, serialised as one JSON
//! line. Its fields are numbers, fixed strings and [`SafeId`]s; none can hold request content.

use crate::config::Policy;
use crate::detect::Scratch;
use crate::http::headers::{self, HeaderPairs};
use crate::openai::Unscannable;
use crate::pipeline::FindingCounts;
use crate::reason::Reason;
use crate::usage::Usage;
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
    /// `value` if it has the shape of a plain identifier (at most 128 of `[A-Za-z0-9._:/-]`).
    fn plain(value: &[u8]) -> Option<&str> {
        let plain = !value.is_empty()
            && value.len() <= 128
            && value.iter().all(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'-')
            });
        std::str::from_utf8(value).ok().filter(|_| plain)
    }

    /// A value the client sent (a header, the body's `model`): kept only if it is a plain
    /// identifier that no detector flags.
    pub fn new(value: &[u8], policy: &Policy) -> Self {
        let Some(text) = Self::plain(value) else {
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

    /// A value the proxy itself supplies (the upstream address Envoy connected to): checked
    /// for shape only, since an IP address there is infrastructure, not content.
    pub fn from_proxy(value: &[u8]) -> Self {
        match Self::plain(value) {
            Some(text) => Self(text.to_string()),
            None => Self("<invalid>".into()),
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
    /// The client went away before the request was decided: nothing was sent upstream.
    Aborted,
}

impl Decision {
    /// The recorded name (also the `decision` metric label).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Redact => "redact",
            Decision::Deny => "deny",
            Decision::Aborted => "aborted",
            Decision::WouldRedact => "would_redact",
            Decision::WouldDeny => "would_deny",
        }
    }
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
    /// What the request carried that the filter could not scan, counted by kind
    /// (`inline_base64`, `binary_upload`, `token_ids`, `websocket`, `webrtc`).
    pub unscannable: Unscannable,
    /// Request body bytes received from the client.
    pub bytes_in: u64,
    /// Request body bytes sent upstream (0 when denied).
    pub bytes_out: u64,
    /// Response status (the local reply's for a denial).
    pub status: Option<u16>,
    /// OpenAI's request id (`x-request-id` response header of the upstream).
    pub openai_request_id: Option<SafeId>,
    /// The upstream host Envoy sent the request to (`address:port`).
    pub upstream_host: Option<SafeId>,
    /// Short keyed hash of the API key (`Authorization: Bearer` or Azure `api-key`).
    pub key_fingerprint: Option<String>,
    /// Token usage reported by the response (JSON or SSE); absent when unknown.
    pub usage: Option<Usage>,
    /// Response body bytes passed to the client.
    pub response_bytes: u64,
    /// Milliseconds from request headers to the first response byte (headers).
    pub ttfb_ms: Option<u64>,
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
    /// The throttle limit of a `rate_limited` refusal (`requests_per_minute`,
    /// `tokens_per_minute`, `tokens_per_day`, `unavailable`).
    pub rate_limit: Option<&'static str>,
    /// Pseudonyms restored in the reply, per category (never a value).
    pub restored: BTreeMap<String, u32>,
}

impl AuditRecord {
    /// Refused with `reason` (a throttle's refusal also names its `rate_limit`): nothing went
    /// upstream.
    pub fn refused(&mut self, reason: Reason, rate_limit: Option<&'static str>) {
        self.decision = Decision::Deny;
        self.reason = Some(reason.code());
        self.status = Some(reason.status());
        self.bytes_out = 0;
        if rate_limit.is_some() {
            self.rate_limit = rate_limit;
        }
    }

    /// Audit mode: the request would have been refused for `reason`. The first reason is
    /// kept: it is the refusal enforce mode would have sent.
    pub fn would_refuse(&mut self, reason: Reason, rate_limit: Option<&'static str>) {
        if self.decision == Decision::WouldDeny {
            return;
        }
        self.decision = Decision::WouldDeny;
        self.reason = Some(reason.code());
        if rate_limit.is_some() {
            self.rate_limit = rate_limit;
        }
    }

    /// Forwarded with redactions: `bytes_out` bytes went upstream.
    pub fn redacted(&mut self, bytes_out: u64) {
        self.decision = Decision::Redact;
        self.bytes_out = bytes_out;
    }

    /// Audit mode: the body would have been rewritten (unless the request would have been
    /// refused, which the record keeps).
    pub fn would_redact(&mut self) {
        if self.decision != Decision::WouldDeny {
            self.decision = Decision::WouldRedact;
        }
    }

    /// The client went away while the request was held, after `bytes_in` body bytes: nothing
    /// went upstream.
    pub fn aborted(&mut self, bytes_in: u64) {
        self.decision = Decision::Aborted;
        self.reason = Some("client_abort");
        self.bytes_in = bytes_in;
        self.bytes_out = 0;
    }

    /// Adds pseudonyms restored in the reply, per category.
    pub fn add_restored<'a>(&mut self, restored: impl IntoIterator<Item = (&'a str, u32)>) {
        for (category, n) in restored {
            *self.restored.entry(category.to_string()).or_default() += n;
        }
    }

    /// Adds the pipeline's finding counts (the query string's, then the body's), naming rules
    /// and categories.
    pub fn add_findings(&mut self, counts: &FindingCounts, policy: &Policy) {
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

    /// Single fields for Envoy's access log, each set as its own filter-state property
    /// (`%FILTER_STATE(wasm.<name>:PLAIN)%`): (property name, value). Absent values are left out.
    pub fn access_log_fields(&self) -> Vec<(&'static str, String)> {
        let id = |v: &Option<SafeId>| v.as_ref().map(|s| s.as_str().to_string());
        let num = |v: Option<u64>| v.map(|n| n.to_string());
        let usage = self.usage.unwrap_or_default();
        [
            ("ocf_decision", Some(self.decision.as_str().to_string())),
            ("ocf_reason", self.reason.map(str::to_string)),
            ("ocf_project", id(&self.project)),
            ("ocf_model", id(&self.model)),
            (
                "ocf_api",
                Some(self.api.to_string()).filter(|s| !s.is_empty()),
            ),
            (
                "ocf_endpoint",
                Some(self.endpoint.clone()).filter(|s| !s.is_empty()),
            ),
            ("ocf_openai_request_id", id(&self.openai_request_id)),
            ("ocf_key_fingerprint", self.key_fingerprint.clone()),
            ("ocf_prompt_tokens", num(usage.prompt_tokens)),
            ("ocf_completion_tokens", num(usage.completion_tokens)),
            ("ocf_total_tokens", num(usage.total_tokens)),
            (
                "ocf_policy",
                Some(self.policy.clone()).filter(|s| !s.is_empty()),
            ),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }

    /// The record as one JSON line (without the prefix).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string())
    }

    /// The log line: [`LOG_PREFIX`] then [`Self::to_json`], serialised once into one buffer
    /// (the JSON alone is `&line[LOG_PREFIX.len()..]`, see [`Self::json_of_line`]).
    pub fn to_log_line(&self) -> String {
        let mut buf = Vec::with_capacity(LOG_PREFIX.len() + 1024);
        buf.extend_from_slice(LOG_PREFIX.as_bytes());
        if serde_json::to_writer(&mut buf, self).is_err() {
            buf.truncate(LOG_PREFIX.len());
            buf.extend_from_slice(b"{}");
        }
        String::from_utf8(buf).unwrap_or_else(|_| format!("{LOG_PREFIX}{{}}"))
    }

    /// The JSON part of a line made by [`Self::to_log_line`].
    pub fn json_of_line(line: &str) -> &str {
        line.get(LOG_PREFIX.len()..).unwrap_or("{}")
    }
}

/// The API key the request carries: the token of `Authorization: Bearer <token>`, else the
/// Azure `api-key` header. Only ever passed to [`crate::config::AuditConfig::fingerprint`].
pub fn api_key(headers: &HeaderPairs) -> Option<&[u8]> {
    if let Some(auth) = headers::values(headers, "authorization").next() {
        let auth = auth.trim_ascii();
        let token = match auth.get(..6) {
            Some(scheme) if scheme.eq_ignore_ascii_case(b"bearer") => auth.get(6..)?,
            _ => auth,
        };
        let token = token.trim_ascii();
        if !token.is_empty() {
            return Some(token);
        }
    }
    headers::values(headers, "api-key")
        .next()
        .map(<[u8]>::trim_ascii)
        .filter(|k| !k.is_empty())
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
    // Pushed digit by digit: this runs once per request (a `format!` costs several times more).
    let mut out = String::with_capacity(24);
    push_padded(&mut out, u64::try_from(y).unwrap_or(0), 4);
    out.push('-');
    push_padded(&mut out, u64::try_from(m).unwrap_or(0), 2);
    out.push('-');
    push_padded(&mut out, u64::try_from(d).unwrap_or(0), 2);
    out.push('T');
    push_padded(&mut out, rem / 3600, 2);
    out.push(':');
    push_padded(&mut out, rem % 3600 / 60, 2);
    out.push(':');
    push_padded(&mut out, rem % 60, 2);
    out.push('.');
    push_padded(&mut out, unix_ms % 1000, 3);
    out.push('Z');
    out
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
fn push_padded(out: &mut String, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut len = 0;
    let mut rest = n;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
        len += 1;
        if rest == 0 && len >= width {
            break;
        }
    }
    let start = digits.len().saturating_sub(len);
    for &b in digits.get(start..).unwrap_or_default() {
        out.push(char::from(b));
    }
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
        assert_eq!(rfc3339_millis(1_005), "1970-01-01T00:00:01.005Z");
        assert_eq!(
            rfc3339_millis(253_402_300_800_000),
            "10000-01-01T00:00:00.000Z"
        );
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
    fn api_key_from_bearer_or_azure_header() {
        let h = |k: &str, v: &str| vec![(k.to_string(), v.as_bytes().to_vec())];
        assert_eq!(
            api_key(&h("authorization", "Bearer sk-abc ")),
            Some(&b"sk-abc"[..])
        );
        assert_eq!(
            api_key(&h("authorization", "bearer sk-abc")),
            Some(&b"sk-abc"[..])
        );
        assert_eq!(api_key(&h("api-key", " az123 ")), Some(&b"az123"[..]));
        assert_eq!(api_key(&h("authorization", "Bearer  ")), None);
        assert_eq!(api_key(&h("x-other", "sk-abc")), None);
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
        r.add_findings(
            &FindingCounts {
                by_rule: vec![(0, 2)],
                by_action: vec![("redact", 2)],
            },
            &p,
        );
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        let fields = r.access_log_fields();
        assert!(fields.contains(&("ocf_decision", "redact".to_string())));
        assert!(fields.contains(&("ocf_api", "chat.completions".to_string())));
        assert!(!fields
            .iter()
            .any(|(k, _)| *k == "ocf_reason" || *k == "ocf_total_tokens"));
        let line = r.to_log_line();
        assert_eq!(line, format!("{LOG_PREFIX}{}", r.to_json()));
        assert_eq!(AuditRecord::json_of_line(&line), r.to_json());
        assert_eq!(v["decision"], "redact");
        assert_eq!(v["findings"]["email"], 2);
        assert_eq!(v["categories"]["contact"], 2);
    }
}
