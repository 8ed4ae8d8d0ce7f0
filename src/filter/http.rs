//! The HTTP context: carries out the [`Exchange`]'s steps with host calls. Headers are paused
//! (`allow_on_headers_stop_iteration` lets the body arrive), the body is read once at the end
//! of the stream (or in the trailers). Response chunks go on unchanged, only their sizes (and,
//! for JSON and SSE, their bytes, for token usage) reaching the core, unless the reply's
//! pseudonyms are restored: then each chunk is replaced by what the core's restorer gives
//! back. At `on_log` the record is logged, put in the filter state and counted in the metrics.

use super::host;
use super::metrics::Sink;
use super::shared::HostStore;
use crate::audit::AuditRecord;
use crate::config::{AuditLogLevel, FilterState, Policy};
use crate::exchange::{Exchange, Step};
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::{Action, LogLevel};
use std::cell::RefCell;
use std::rc::Rc;

/// The filter-state property holding the record (`wasm.ocf_audit` in Envoy's access log).
pub const AUDIT_PROPERTY: &str = "ocf_audit";

/// One request.
pub struct Http {
    exchange: Exchange,
    log_level: Option<LogLevel>,
    filter_state: FilterState,
    metrics: Option<Rc<RefCell<Sink>>>,
}

impl Http {
    pub fn new(policy: Option<Rc<Policy>>, metrics: Option<Rc<RefCell<Sink>>>) -> Self {
        let log_level = match policy
            .as_ref()
            .map_or(AuditLogLevel::Info, |p| p.audit.log_level)
        {
            AuditLogLevel::Off => None,
            AuditLogLevel::Debug => Some(LogLevel::Debug),
            AuditLogLevel::Info => Some(LogLevel::Info),
            AuditLogLevel::Warn => Some(LogLevel::Warn),
            AuditLogLevel::Error => Some(LogLevel::Error),
        };
        let filter_state = policy
            .as_ref()
            .map_or(FilterState::Record, |p| p.audit.filter_state);
        let throttles = policy.as_ref().is_some_and(|p| p.controls.throttles());
        let mut exchange = Exchange::new(policy);
        if throttles {
            exchange = exchange.with_store(Rc::new(HostStore));
        }
        Self {
            exchange,
            log_level,
            filter_state,
            metrics,
        }
    }

    /// Carries out a step; returns the callback's action.
    fn run(&mut self, step: Step) -> Action {
        match step {
            Step::Continue => Action::Continue,
            Step::Pause => Action::Pause,
            Step::ReadBody { size } => match host::request_body(size) {
                Ok(body) => {
                    let next = self.exchange.decide_body(&body);
                    // Free our copy before the host copies a replacement in: lower peak.
                    drop(body);
                    self.run(next)
                }
                Err(_) => {
                    let next = self.exchange.host_failed();
                    self.run(next)
                }
            },
            Step::ReplaceBody { size, bytes } => {
                let len = bytes.len().to_string();
                if host::replace_request_body(size, &bytes).is_err()
                    || host::set_request_header("content-length", len.as_bytes()).is_err()
                {
                    let next = self.exchange.host_failed();
                    return self.run(next);
                }
                Action::Continue
            }
            Step::SetRequestHeader { name, value, then } => {
                if host::edit_request_header(&name, value.as_deref().map(str::as_bytes)).is_err() {
                    let next = self.exchange.host_failed();
                    return self.run(next);
                }
                self.run(*then)
            }
            Step::Reply { status, body } => {
                let extra = self.exchange.reply_headers();
                if host::json_reply(status, &body, &extra).is_err() {
                    log::error!("openai-compliance-filter: local reply failed");
                }
                Action::Pause
            }
        }
    }
}

impl Context for Http {}

impl HttpContext for Http {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        if self.exchange.needs_downstream_address() {
            if let Some(addr) = host::property(&["source", "address"]) {
                self.exchange.note_downstream_address(&addr);
            }
        }
        let step = match host::request_headers() {
            Ok(headers) => {
                self.exchange
                    .on_request_headers(&headers, end_of_stream, host::now_ms())
            }
            Err(_) => self.exchange.host_failed(),
        };
        self.run(step)
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        let step = self.exchange.on_request_body(body_size, end_of_stream);
        self.run(step)
    }

    fn on_http_request_trailers(&mut self, _num_trailers: usize) -> Action {
        let step = self.exchange.on_request_trailers();
        self.run(step)
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        if let Ok(headers) = host::response_headers() {
            self.exchange
                .on_response_headers(&headers, end_of_stream, host::now_ms());
        }
        for name in self.exchange.response_header_removals() {
            if host::remove_response_header(name).is_err() {
                log::debug!("openai-compliance-filter: could not remove a response header");
            }
        }
        if let Some(addr) = host::property(&["upstream", "address"]) {
            self.exchange.note_upstream_host(&addr);
        }
        Action::Continue
    }

    fn on_http_response_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if self.exchange.restores_response() {
            // Each chunk is replaced by what can go on now (a cut placeholder waits).
            let chunk = if body_size > 0 {
                host::response_body(body_size).unwrap_or_default()
            } else {
                Vec::new()
            };
            // `None`: the chunk goes on as it is (most SSE events), no host call.
            if let Some(out) = self
                .exchange
                .restore_response_body(body_size, &chunk, end_of_stream)
            {
                if host::replace_response_body(body_size, &out).is_err() {
                    log::debug!("openai-compliance-filter: could not replace a response chunk");
                }
            }
            return Action::Continue;
        }
        // Never held, never changed: the chunk goes on whatever happens here.
        // Only the end of each chunk when the usage reader reads the body's end.
        let chunk = if body_size > 0 && self.exchange.wants_response_body() {
            host::response_body_end(body_size, self.exchange.response_bytes_wanted())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        // Handed over: the usage reader keeps a plain reply's chunk without copying it.
        self.exchange
            .on_response_body_owned(body_size, chunk, end_of_stream);
        Action::Continue
    }

    fn on_log(&mut self) {
        // A stream Envoy ended before the request headers reached the filter: nothing was
        // decided, so nothing is recorded or counted (an `allow` would be untrue).
        if !self.exchange.seen() {
            return;
        }
        let record = self.exchange.finish(host::now_ms());
        let mut ok = true;
        // The line is built only when something takes it (metrics need the record alone).
        if self.log_level.is_some() || self.filter_state != FilterState::Off {
            let line = record.to_log_line();
            if let Some(level) = self.log_level {
                host::log_line(level, &line);
            }
            // Filter state set here is visible to the HCM's access loggers (they run after
            // on_log; verified with Envoy 1.40).
            if self.filter_state != FilterState::Off {
                let json = AuditRecord::json_of_line(&line);
                ok &= host::set_property(AUDIT_PROPERTY, json.as_bytes()).is_ok();
            }
        }
        if self.filter_state == FilterState::Fields {
            for (name, value) in record.access_log_fields() {
                ok &= host::set_property(name, value.as_bytes()).is_ok();
            }
        }
        if !ok {
            log::debug!("openai-compliance-filter: could not set the audit filter state");
        }
        if let Some(m) = &self.metrics {
            if let Ok(mut sink) = m.try_borrow_mut() {
                sink.record(record);
            }
        }
    }
}
