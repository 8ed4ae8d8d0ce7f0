//! The benchmark floor: the least work any filter that inspects whole request bodies must do.
//!
//! It holds the request headers, lets Envoy buffer the body, copies the whole body out of the
//! host once at the end of the stream, and scans every byte once (counts `@`). Nothing else:
//! no parsing, no rewriting, no logging. The difference between this filter and Envoy's own
//! buffer filter is the price of the wasm boundary; the difference between our filter and this
//! one is the price of what our filter actually does.
//!
//! Built with the `json` feature it is the JSON floor: the same, plus one validating pass of
//! serde_json over the body (`IgnoredAny`: strings are checked, not decoded or kept). Any
//! filter that must know which fields of a JSON body hold text, and refuse a body that is not
//! JSON, does at least that much more.

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(FloorRoot) });
}}

struct FloorRoot;

impl Context for FloorRoot {}

impl RootContext for FloorRoot {
    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        Some(Box::new(Floor { ats: 0 }))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Floor {
    /// How many `@` bytes the body held (plus one per valid JSON body with `json`); kept
    /// (through `black_box`) so the scan can't be deleted.
    ats: usize,
}

impl Context for Floor {}

impl HttpContext for Floor {
    fn on_http_request_headers(&mut self, _num_headers: usize, end_of_stream: bool) -> Action {
        if end_of_stream {
            Action::Continue
        } else {
            Action::Pause
        }
    }

    fn on_http_request_body(&mut self, body_size: usize, end_of_stream: bool) -> Action {
        if !end_of_stream {
            return Action::Pause;
        }
        if let Some(body) = self.get_http_request_body(0, body_size) {
            #[allow(unused_mut)]
            let mut n = body.iter().filter(|&&b| b == b'@').count();
            #[cfg(feature = "json")]
            {
                n += usize::from(serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_ok());
            }
            self.ats = std::hint::black_box(self.ats.wrapping_add(n));
        }
        Action::Continue
    }
}
