//! The HTTP context: carries out the [`Exchange`]'s steps with host calls. Headers are paused
//! (`allow_on_headers_stop_iteration` lets the body arrive), the body is read once at the end
//! of the stream (or in the trailers), and the audit record is logged at `on_log`.

use super::host;
use crate::audit::LOG_PREFIX;
use crate::config::Policy;
use crate::exchange::{Exchange, Step};
use proxy_wasm::traits::{Context, HttpContext};
use proxy_wasm::types::Action;
use std::rc::Rc;

/// One request.
pub struct Http {
    exchange: Exchange,
}

impl Http {
    pub fn new(policy: Option<Rc<Policy>>) -> Self {
        Self {
            exchange: Exchange::new(policy),
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
                if host::json_reply(status, &body).is_err() {
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

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if let Ok(headers) = host::response_headers() {
            self.exchange.on_response_headers(&headers);
        }
        Action::Continue
    }

    fn on_log(&mut self) {
        let record = self.exchange.finish(host::now_ms());
        log::info!("{LOG_PREFIX}{}", record.to_json());
    }
}
