//! The HTTP context: holds the request until it is decided. Headers are checked and paused
//! (`allow_on_headers_stop_iteration` lets the body arrive), the body is counted against the
//! cap as it comes, read once at the end of the stream (or in the trailers), run through the
//! core pipeline, then forwarded, rewritten or refused. One audit record at `on_log`.

use super::host;
use crate::audit::{rfc3339_millis, AuditRecord, Decision, SafeId, LOG_PREFIX};
use crate::config::{Mode, Policy};
use crate::pipeline::{inspect_body, Verdict};
use crate::policy::{error_body, head, Reason};
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::Action;
use std::rc::Rc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Waiting for headers.
    Head,
    /// Holding the request while the body arrives.
    Body,
    /// Decided: everything else passes.
    Done,
}

/// One request.
pub struct Http {
    policy: Option<Rc<Policy>>,
    stage: Stage,
    record: AuditRecord,
    start_ms: u64,
    declared_len: Option<u64>,
    endpoint: Option<crate::openai::Endpoint>,
    body_size: usize,
    denied: bool,
}

impl Http {
    pub fn new(policy: Option<Rc<Policy>>) -> Self {
        Self {
            policy,
            stage: Stage::Head,
            record: AuditRecord::default(),
            start_ms: 0,
            declared_len: None,
            endpoint: None,
            body_size: 0,
            denied: false,
        }
    }

    fn audit_mode(&self) -> bool {
        self.policy.as_ref().is_some_and(|p| p.mode == Mode::Audit)
    }

    /// Refuses the request with a local reply (enforce), or records `would_deny` and lets it
    /// go on unchanged (audit). Returns the action for the current callback.
    fn deny(&mut self, reason: Reason) -> Action {
        self.record.reason = Some(reason.code());
        self.stage = Stage::Done;
        if self.audit_mode() && reason != Reason::FilterUnavailable {
            self.record.decision = Decision::WouldDeny;
            return Action::Continue;
        }
        self.record.decision = Decision::Deny;
        self.record.status = Some(reason.status());
        self.record.bytes_out = 0;
        self.denied = true;
        if host::json_reply(reason.status(), &error_body(reason)).is_err() {
            log::error!("openai-compliance-filter: local reply failed");
        }
        Action::Pause
    }

    /// The whole body is here: decide.
    fn finish(&mut self) -> Action {
        let Some(policy) = self.policy.clone() else {
            return self.deny(Reason::FilterUnavailable);
        };
        let size = self.body_size;
        self.record.bytes_in = size as u64;
        if self.declared_len.is_some_and(|n| n != size as u64) {
            return self.deny(Reason::BodyLengthMismatch);
        }
        let Ok(body) = host::request_body(size) else {
            return self.deny(Reason::FilterUnavailable);
        };
        if body.len() != size {
            return self.deny(Reason::BodyLengthMismatch);
        }
        let Some(endpoint) = self.endpoint.as_ref() else {
            return self.deny(Reason::FilterUnavailable);
        };
        let outcome = inspect_body(&policy, &policy.actions, endpoint, &body);
        self.record.set_findings(&outcome.counts, &policy);
        self.record.opaque_blobs = outcome.opaque_blobs;
        self.record.stream = outcome.facts.stream;
        self.record.model = outcome
            .facts
            .model
            .as_ref()
            .map(|m| SafeId::new(m.as_bytes(), &policy));
        self.record.bytes_out = size as u64;
        match outcome.verdict() {
            Verdict::Forward => {
                self.stage = Stage::Done;
                Action::Continue
            }
            Verdict::Deny(reason) => self.deny(*reason),
            Verdict::Rewrite(bytes) => {
                self.stage = Stage::Done;
                if self.audit_mode() {
                    self.record.decision = Decision::WouldRedact;
                    return Action::Continue;
                }
                if host::replace_request_body(size, bytes).is_err()
                    || host::set_request_header(
                        "content-length",
                        bytes.len().to_string().as_bytes(),
                    )
                    .is_err()
                {
                    return self.deny(Reason::FilterUnavailable);
                }
                self.record.decision = Decision::Redact;
                self.record.bytes_out = bytes.len() as u64;
                Action::Continue
            }
        }
    }
}

impl Context for Http {}

impl HttpContext for Http {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        self.start_ms = host::now_ms();
        self.record.ts = rfc3339_millis(self.start_ms);
        let Some(policy) = self.policy.clone() else {
            return self.deny(Reason::FilterUnavailable);
        };
        self.record.mode = match policy.mode {
            Mode::Enforce => "enforce",
            Mode::Audit => "audit",
        };
        self.record.policy = policy.digest.clone();
        self.record.version = crate::audit::VERSION;
        let Ok(headers) = host::request_headers() else {
            return self.deny(Reason::FilterUnavailable);
        };
        let one = |name: &str| {
            head::single(&headers, name)
                .ok()
                .flatten()
                .map(|v| SafeId::new(v, &policy))
        };
        self.record.request_id = one("x-request-id");
        self.record.method = one(":method");
        self.record.project = one("openai-project");
        self.record.organization = one("openai-organization");
        match head::check(&policy, &headers, !end_of_stream) {
            Err(reason) => {
                if let Ok(path) = head::single(&headers, ":path") {
                    let path = path.and_then(|p| std::str::from_utf8(p).ok()).unwrap_or("");
                    if let Ok(e) = crate::openai::classify("GET", path) {
                        self.record.endpoint = e.route;
                        self.record.api = e.kind.as_str();
                    }
                }
                self.deny(reason)
            }
            Ok(h) => {
                self.record.endpoint = h.endpoint.route.clone();
                self.record.api = h.endpoint.kind.as_str();
                self.declared_len = h.declared_len;
                self.endpoint = Some(h.endpoint);
                if !h.inspect_body {
                    self.stage = Stage::Done;
                    return Action::Continue;
                }
                if end_of_stream {
                    // A body-bearing method with no body: inspect the empty body.
                    return self.finish();
                }
                self.stage = Stage::Body;
                Action::Pause
            }
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        match self.stage {
            Stage::Done => {
                return if self.denied {
                    Action::Pause
                } else {
                    Action::Continue
                }
            }
            Stage::Head => return Action::Pause,
            Stage::Body => {}
        }
        self.body_size = body_size;
        let cap = self.policy.as_ref().map_or(0, |p| p.max_body_bytes);
        if body_size as u64 > cap {
            self.record.bytes_in = body_size as u64;
            return self.deny(Reason::BodyTooLarge);
        }
        if !end_of_stream {
            return Action::Pause;
        }
        self.finish()
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        match self.stage {
            Stage::Body => self.finish(),
            Stage::Done if self.denied => Action::Pause,
            Stage::Done => Action::Continue,
            Stage::Head => Action::Pause,
        }
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if let Some(status) = host::response_header(":status")
            .and_then(|s| std::str::from_utf8(&s).ok().and_then(|s| s.parse().ok()))
        {
            self.record.status = Some(status);
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        let end = host::now_ms();
        if self.start_ms > 0 {
            self.record.duration_ms = Some(end.saturating_sub(self.start_ms));
        }
        log::info!("{LOG_PREFIX}{}", self.record.to_json());
    }
}
