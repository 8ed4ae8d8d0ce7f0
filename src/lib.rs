//! # openai-compliance-filter
//!
//! A compliance gateway for OpenAI API traffic, built as a proxy-wasm HTTP filter for Envoy.
//!
//! The crate is one host-independent core and one thin adapter (`ARCHITECTURE.md` has the
//! rooms, what each may use, and the path of one request). On the ground floor, the words
//! everything above shares: [`document`] is the policy as written (serde structs, defaults,
//! [`document::ConfigError`]); [`http`] the header pairs, media types, hosts and client
//! addresses; [`reason`] the refusal reasons and their error bodies; [`json`] a strict,
//! span-preserving JSON parser (numbers, key order and whitespace of the original body are
//! never re-serialised). Above them:
//! - [`config`] compiles the policy once per VM;
//! - [`openai`] recognises endpoints and walks exactly the text-bearing fields of each;
//! - [`detect`] finds PII, secrets and customer terms as rule ids and byte spans;
//! - [`redact`] merges findings and renders each action into one string;
//! - [`pipeline`] runs one body through its steps: assemble the texts (size cap, parse,
//!   walk), scan each string on its own (and the joins of adjacent message texts), choose
//!   the actions, splice the edits, settle;
//! - [`query`] inspects a request's query string the same way, and [`upload`] multipart
//!   forms and file uploads;
//! - [`exchange`] is one request/response as a state machine; [`audit`] its record, [`usage`]
//!   the token usage read from the reply (through [`inflate`] when [`coding`] says gzip or
//!   deflate);
//! - `filter` (only on `wasm32`) is the adapter: the only module that touches `proxy_wasm`.
//!
//! The native CLI (`src/bin/cli.rs`) runs the very same core; [`evidence`] renders the policy
//! as a compliance register and summarises records for auditors. [`version`] names the build.

// No unsafe code; the one exception is the `alloc-stats` measurement build's counting
// allocator (`filter/alloc_stats.rs`, never shipped), which must implement `GlobalAlloc`.
#![cfg_attr(not(feature = "alloc-stats"), forbid(unsafe_code))]
#![cfg_attr(feature = "alloc-stats", deny(unsafe_code))]
#![deny(missing_docs)]

pub mod audit;
pub mod coding;
pub mod config;
pub mod detect;
pub mod document;
pub mod evidence;
pub mod exchange;
pub mod http;
pub mod inflate;
pub mod json;
pub mod metrics;
pub mod openai;
pub mod pipeline;
pub mod policy;
pub mod query;
pub mod reason;
pub mod redact;
pub mod restore;
pub mod upload;
pub mod usage;
pub mod version;

#[cfg(target_arch = "wasm32")]
mod filter;
