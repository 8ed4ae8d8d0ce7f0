//! The OpenAI API surface: which endpoint a request is for, and which of its body's fields
//! carry text.

pub mod endpoint;
pub mod facts;
pub mod names;
pub mod walker;

pub use endpoint::{classify, ApiKind, Endpoint};
