//! The profiler's calibration filter: spends CPU in the one callback a request names.
//!
//! `bench/cpu_profile.py` cannot read names off the PyPI Envoy (its binary is stripped) nor off
//! V8's JIT code (Envoy gives V8 no `--perf-prof`), so it learns from this filter which Envoy
//! call sites lead into which proxy-wasm callback: each request carries
//! `x-bench-burn: <callback>` and the filter burns a fixed amount of CPU in that callback
//! only, so the Envoy frames under which the samples land are that callback's.
//!
//! The callbacks are those Envoy calls for every HTTP request: `create` (the HTTP context's
//! creation), `request_headers`, `request_body`, `response_headers`, `response_body`, `log`,
//! `done`, `delete`. The header is read in `on_http_request_headers`; `create` comes before it,
//! so the choice is kept for the rest of the VM's life and `create` burns from the second
//! request of a run on (the profiler sends many).
//!
//! `x-bench-burn: hostcalls` spends the time in host calls instead: `on_http_request_headers`
//! reads a request header from Envoy again and again, so the profiler sees what the VM exit
//! path of a host call looks like in this Envoy build.

use std::cell::Cell;

use proxy_wasm::traits::{Context, HttpContext, RootContext};
use proxy_wasm::types::{Action, ContextType, LogLevel};

/// The request header naming the callback to burn in.
const BURN_HEADER: &str = "x-bench-burn";

/// Rounds of the burn loop per burning callback (a few hundred µs in V8).
const BURN_ROUNDS: u64 = 400_000;

/// Host calls per request in the `hostcalls` phase (a few ms in Envoy).
const HOST_CALLS: usize = 1_000;

const CALLBACKS: [&str; 9] = [
    "create",
    "request_headers",
    "request_body",
    "response_headers",
    "response_body",
    "log",
    "done",
    "delete",
    "hostcalls",
];

thread_local! {
    /// Index into `CALLBACKS` of the callback to burn in (`CALLBACKS.len()`: none).
    static BURN: Cell<usize> = const { Cell::new(CALLBACKS.len()) };
}

/// Whether `name` is what the last request named.
fn chosen_is(name: &str) -> bool {
    CALLBACKS.get(BURN.with(Cell::get)) == Some(&name)
}

/// Spends CPU in pure wasm code (no host call, no memory traffic) when `callback` is the
/// one the last request named.
fn burn_if(callback: &str) {
    if !chosen_is(callback) {
        return;
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for i in 0..BURN_ROUNDS {
        x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(i));
    }
    std::hint::black_box(x);
}

proxy_wasm::main! {{
    proxy_wasm::set_log_level(LogLevel::Warn);
    proxy_wasm::set_root_context(|_| -> Box<dyn RootContext> { Box::new(CalibrateRoot) });
}}

struct CalibrateRoot;

impl Context for CalibrateRoot {}

impl RootContext for CalibrateRoot {
    fn create_http_context(&self, _context_id: u32) -> Option<Box<dyn HttpContext>> {
        burn_if("create");
        Some(Box::new(Calibrate))
    }

    fn get_type(&self) -> Option<ContextType> {
        Some(ContextType::HttpContext)
    }
}

struct Calibrate;

impl Drop for Calibrate {
    fn drop(&mut self) {
        // The SDK drops the context in proxy_on_delete.
        burn_if("delete");
    }
}

impl Context for Calibrate {
    fn on_done(&mut self) -> bool {
        burn_if("done");
        true
    }
}

impl HttpContext for Calibrate {
    fn on_http_request_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        if let Some(name) = self.get_http_request_header(BURN_HEADER) {
            let chosen = CALLBACKS
                .iter()
                .position(|c| *c == name)
                .unwrap_or(CALLBACKS.len());
            BURN.with(|b| b.set(chosen));
        }
        burn_if("request_headers");
        if chosen_is("hostcalls") {
            for _ in 0..HOST_CALLS {
                std::hint::black_box(self.get_http_request_header(BURN_HEADER));
            }
        }
        Action::Continue
    }

    fn on_http_request_body(&mut self, _body_size: usize, _end_of_stream: bool) -> Action {
        burn_if("request_body");
        Action::Continue
    }

    fn on_http_response_headers(&mut self, _num_headers: usize, _end_of_stream: bool) -> Action {
        burn_if("response_headers");
        Action::Continue
    }

    fn on_http_response_body(&mut self, _body_size: usize, _end_of_stream: bool) -> Action {
        burn_if("response_body");
        Action::Continue
    }

    fn on_log(&mut self) {
        burn_if("log");
    }
}
