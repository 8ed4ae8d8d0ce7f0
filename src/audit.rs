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
/// else is recorded as `<invalid>` or `<redacted>`, never as sent. The identifiers of nearly
/// every request have a shape no rule can flag ([`SafeId::plainly_named`]): those are kept
/// without running the detectors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SafeId(String);

/// A segment of a plain name: a word (`mini`, `POST`, `Team`), a number, or at most three
/// letters and digits (`4o`, `o3`, `v2`). Keys and tokens cut by `-` or `_` into short pieces
/// (`dckr_pat_T6PdM1igpty-HEyw7Lj`) have pieces that mix cases and digits.
fn word_like(seg: &[u8]) -> bool {
    let lower = |s: &[u8]| s.iter().all(u8::is_ascii_lowercase);
    let upper = |s: &[u8]| s.iter().all(u8::is_ascii_uppercase);
    let capitalised = seg
        .split_first()
        .is_some_and(|(f, rest)| f.is_ascii_uppercase() && lower(rest));
    lower(seg)
        || upper(seg)
        || capitalised
        || seg.iter().all(u8::is_ascii_digit)
        || (seg.len() <= 3 && seg.iter().all(u8::is_ascii_alphanumeric))
}

/// OpenAI's object id prefixes (project, organisation, request, user), each followed by one
/// run of letters and digits.
const ID_PREFIXES: &[&str] = &["proj_", "org-", "req_", "user-"];

/// Longest letter-and-digit segment of a plain name (the shortest provider key or national
/// id without separators is longer; no rule finds a value in a shorter run alone).
const MAX_SEGMENT: usize = 12;

/// Most digits a plain name holds (every number a rule finds has more: 7 for a phone, 6 for
/// a UK NINO, 9 for an SSN; an IPv4 address has four numbers, a date three).
const MAX_DIGITS: usize = 4;

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

    /// Whether `id` (a plain identifier) has a shape that no built-in rule can flag, so that
    /// the detectors need not read it:
    ///
    /// - a UUID (`8-4-4-4-12` hex digits: `x-request-id`);
    /// - an OpenAI object id: one of [`ID_PREFIXES`] and up to 48 letters and digits
    ///   (`proj_…`, `org-…`, `req_…`);
    /// - a plain name: segments of at most [`MAX_SEGMENT`] letters and digits, each a word, a
    ///   number or at most three characters ([`word_like`]), joined by single `.`, `_` or
    ///   `-` (no `:` or `/`: no assignment, no URL), at most [`MAX_DIGITS`]
    ///   digits, and at most one number or one version (`4.1`) among the segments:
    ///   `gpt-4o-mini`, `POST`, `eu-west`, `team_a`.
    ///
    /// Everything a rule finds is longer (keys, tokens, national ids, IBANs), holds more
    /// digits (phones, cards, ids, dates), an `@`, `:` or `/` (emails, assignments, URLs),
    /// or more numbers (an IPv4 address, a date); `tests` check it against the detectors on
    /// the public format examples of `tests/quality/`. A value any other shape, or any value
    /// under customer keywords or patterns (which can match anything), goes to the detectors.
    fn plainly_named(id: &str) -> bool {
        let b = id.as_bytes();
        let hex = |s: &[u8]| s.iter().all(u8::is_ascii_hexdigit);
        let uuid = b.len() == 36
            && id.split('-').map(str::len).eq([8, 4, 4, 4, 12])
            && id.split('-').all(|s| hex(s.as_bytes()));
        let object_id = ID_PREFIXES.iter().any(|p| {
            id.strip_prefix(p).is_some_and(|rest| {
                (1..=48).contains(&rest.len()) && rest.bytes().all(|c| c.is_ascii_alphanumeric())
            })
        });
        uuid || object_id || Self::plain_name(b)
    }

    /// The third shape of [`Self::plainly_named`]; `word_like` says which segments it takes.
    fn plain_name(b: &[u8]) -> bool {
        let sep = |c: &u8| matches!(c, b'.' | b'_' | b'-');
        if b.len() > 64 || b.iter().filter(|c| c.is_ascii_digit()).count() > MAX_DIGITS {
            return false;
        }
        let mut seps = b.iter().filter(|c| sep(c));
        let (mut numbers, mut version, mut after_number) = (0, false, false);
        for (k, seg) in b.split(sep).enumerate() {
            let before = if k == 0 { None } else { seps.next() };
            if seg.is_empty() || seg.len() > MAX_SEGMENT || !word_like(seg) {
                return false;
            }
            let number = seg.iter().all(u8::is_ascii_digit);
            if number {
                numbers += 1;
                // Two numbers only as one version: `4.1`.
                version |= after_number && before == Some(&b'.');
            }
            after_number = number;
        }
        numbers <= 1 || (numbers == 2 && version)
    }

    /// A value the client sent (a header, the body's `model`): kept only if it is a plain
    /// identifier that no detector flags (without running them when its shape says so).
    pub fn new(value: &[u8], policy: &Policy) -> Self {
        let Some(text) = Self::plain(value) else {
            return Self("<invalid>".into());
        };
        if !policy.detectors.has_customer_rules() && Self::plainly_named(text) {
            return Self(text.to_string());
        }
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
    fn identifiers_of_a_plain_shape_skip_the_detectors() {
        for id in [
            "gpt-4o-mini",
            "gpt-4.1",
            "gpt-4.1-mini",
            "o3",
            "text-embedding-3-small",
            "POST",
            "eu-west",
            "team_a",
            "4b1c5a4e-8d1e-4c1a-9d2e-0a6b7c8d9e0f",
            "proj_abc123XYZ456def789ghi012",
            "org-AbCdEfGhIjKlMnOpQrStUvWx",
            "req_0123456789abcdef0123456789abcdef",
        ] {
            assert!(SafeId::plainly_named(id), "{id}");
        }
        for id in [
            "gpt-4o-2024-08-06",                    // three numbers: a date's shape
            "10.0.0.1",                             // an address
            "1.2.3",                                // a version of three
            "415-555-0132",                         // a phone
            "AB123456C",                            // a NINO
            "sk-proj-abcdefghijklmnop",             // a long segment
            "AKIAIOSFODNN7EXAMPLE",                 // a long segment
            "ft:gpt-4o-mini:acme::abc123",          // `:`
            "https/x",                              // `/`
            "dob-1-May-90",                         // two numbers, no version
            "a--b",                                 // an empty segment
            "dckr_pat_T6PdM1igpty-HEyw7Lj-cvwibE2", // random-looking segments
            "glpat-xYz12ab-CDef",                   // random-looking segments
            "4b1c5a4e-8d1e-4c1a-9d2e-0a6b7c8d9e0",  // a UUID is 8-4-4-4-12
        ] {
            assert!(!SafeId::plainly_named(id), "{id}");
        }
        // Customer keywords can match any word: every identifier goes to the detectors.
        let p = Policy::from_json(br#"{"detectors":{"keywords":[{"id":"x","terms":["mini"]}]}}"#)
            .unwrap();
        assert_eq!(SafeId::new(b"gpt-4o-mini", &p).as_str(), "<redacted>");
        let p = Policy::from_json(b"{}").unwrap();
        assert_eq!(SafeId::new(b"gpt-4o-mini", &p).as_str(), "gpt-4o-mini");
    }

    /// Whether the built-in detectors flag `id`.
    fn flagged(id: &str, p: &Policy) -> bool {
        let mut found = Vec::new();
        p.detectors.scan(id, &mut Scratch::default(), &mut found);
        !found.is_empty()
    }

    #[test]
    fn no_value_of_the_public_format_examples_has_a_shape_that_skips_the_detectors() {
        // Every value of the quality sets (public format definitions, cited in their files),
        // every token of their texts, and the texts glued into one identifier: whatever the
        // detectors flag must not have a plain shape, so it is still withheld.
        let p = Policy::from_json(b"{}").unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/quality");
        let (mut checked, mut flagged_seen) = (0, 0);
        for sub in ["pii", "credentials", "encoded"] {
            for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                for line in text.lines().filter(|l| l.starts_with('{')) {
                    let v: serde_json::Value = serde_json::from_str(line).unwrap();
                    let t = v["text"].as_str().unwrap_or_default();
                    let mut candidates: Vec<String> =
                        t.split_whitespace().map(String::from).collect();
                    for glue in ["-", "_", ".", ""] {
                        candidates.push(t.split_whitespace().collect::<Vec<_>>().join(glue));
                    }
                    for f in v["find"].as_array().into_iter().flatten() {
                        let value = f["value"].as_str().unwrap_or_default();
                        candidates.push(value.to_string());
                        candidates.push(value.replace(' ', "-"));
                    }
                    for c in candidates
                        .iter()
                        .filter(|c| SafeId::plain(c.as_bytes()).is_some())
                    {
                        checked += 1;
                        if flagged(c, &p) {
                            flagged_seen += 1;
                            assert!(!SafeId::plainly_named(c), "{c} skips the detectors");
                            assert_eq!(SafeId::new(c.as_bytes(), &p).as_str(), "<redacted>");
                        }
                    }
                }
            }
        }
        // The check saw real values, not an empty set.
        assert!(
            checked > 500 && flagged_seen > 200,
            "{checked} {flagged_seen}"
        );
    }

    #[test]
    fn random_identifiers_of_a_plain_shape_are_never_flagged() {
        let p = Policy::from_json(b"{}").unwrap();
        let mut r = ocf_devkit::corpus::Rng::new(11);
        let pick = |r: &mut ocf_devkit::corpus::Rng, set: &[u8], n: usize| -> String {
            (0..n)
                .map(|_| char::from(set[r.below(set.len())]))
                .collect()
        };
        let alnum = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        let hex = b"0123456789abcdef";
        let (mut names, mut n) = (0, 0);
        for i in 0..30_000 {
            let id = match i % 3 {
                0 => [8, 4, 4, 4, 12].map(|k| pick(&mut r, hex, k)).join("-"),
                1 => {
                    let prefix = ID_PREFIXES[r.below(ID_PREFIXES.len())];
                    let len = r.range(1, 48);
                    format!("{prefix}{}", pick(&mut r, alnum, len))
                }
                _ => {
                    let segs = r.range(1, 5);
                    (0..segs)
                        .map(|_| {
                            // Each class of segment a plain name takes, and some it does not.
                            let len = r.range(1, MAX_SEGMENT);
                            let short = r.range(1, 3);
                            match r.below(6) {
                                0 => pick(&mut r, b"abcdefghijklmnopqrstuvwxyz", len),
                                1 => pick(&mut r, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", len),
                                2 => pick(&mut r, b"0123456789", short),
                                3 => pick(&mut r, alnum, short),
                                4 => {
                                    let rest = pick(&mut r, b"abcdefghijklmnopqrstuvwxyz", len);
                                    format!(
                                        "{}{rest}",
                                        pick(&mut r, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", 1)
                                    )
                                }
                                _ => pick(&mut r, alnum, len),
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(["-", "_", "."][r.below(3)])
                }
            };
            if SafeId::plainly_named(&id) {
                n += 1;
                names += usize::from(i % 3 == 2);
                assert!(!flagged(&id, &p), "{id} is flagged but skips the detectors");
            }
        }
        assert!(n > 20_000 && names > 2_000, "{n} {names}");
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
