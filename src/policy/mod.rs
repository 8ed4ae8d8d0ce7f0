//! Decisions and their reasons: pure types and functions over a view of the request, shared by
//! the body pipeline and the header rules.

pub mod head;
mod reason;

pub use reason::{error_body, Denial, Reason};
