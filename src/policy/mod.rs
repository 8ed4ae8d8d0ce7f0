//! Decisions and their reasons: pure types and functions over a view of the request, shared by
//! the body pipeline and the header rules.

pub mod gate;
pub mod head;
pub mod host;
pub mod hygiene;
pub mod patterns;
pub mod project;
mod reason;
pub mod retention;
pub mod source;
pub mod throttle;

pub use reason::{error_body, Denial, Reason};
