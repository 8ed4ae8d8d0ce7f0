//! Shared code of the fuzz targets: the property checks (the same file the stable regression
//! tests use) and the structured input generators.

#[path = "../../tests/support/properties.rs"]
pub mod properties;

#[path = "../../tests/support/restore_properties.rs"]
pub mod restore_properties;

pub mod gen;

use openai_compliance_filter::config::Policy;
use std::sync::OnceLock;

/// The policy of the pipeline targets: defaults (every detector redacts), unknown endpoints
/// inspected. Compiled once per process.
pub fn policy() -> &'static Policy {
    static P: OnceLock<Policy> = OnceLock::new();
    P.get_or_init(properties::default_policy)
}
