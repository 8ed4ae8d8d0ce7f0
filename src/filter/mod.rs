//! The proxy-wasm adapter: the only module that touches `proxy_wasm`. It reads headers and the
//! body from the host, calls the core, and turns its decisions into host calls.

#[cfg(feature = "alloc-stats")]
mod alloc_stats;
mod host;
mod http;
mod metrics;
mod root;
mod shared;

proxy_wasm::main! {{
    proxy_wasm::set_log_level(proxy_wasm::types::LogLevel::Info);
    proxy_wasm::set_root_context(|_| -> Box<dyn proxy_wasm::traits::RootContext> {
        Box::new(root::Root::default())
    });
}}
