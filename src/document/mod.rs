//! The policy document as written, on the ground floor: serde structs that mirror the JSON
//! (unknown fields rejected, defaults applied) and [`ConfigError`], which names the JSON path
//! of a bad field and never its value. Nothing here compiles anything: the detectors
//! ([`crate::detect`]) read their section from here, and the compile step ([`crate::config`])
//! builds the ready-to-run policy from all of it.

pub mod audit;
pub mod controls;
pub mod detectors;
mod error;
pub mod policy;
pub mod projects;

pub use error::ConfigError;
pub use policy::{Mode, RawPolicy, UnknownEndpoints, UnscannablePolicy, DEFAULT_MAX_BODY_BYTES};
