//! Decisions and their reasons: pure types and functions over a view of the request, shared by
//! the body pipeline and the header rules.

pub mod gate;
pub mod head;
pub mod hygiene;
pub mod project;
pub mod retention;
pub mod throttle;

/// Name and endpoint patterns are compiled with the policy ([`crate::config::patterns`]).
pub use crate::config::patterns;
/// Host and client-address syntax live on the ground floor ([`crate::http`]).
pub use crate::http::{host, source};
/// The refusal reasons live on the ground floor ([`crate::reason`]); named here too.
pub use crate::reason::{error_body, Denial, Reason};
