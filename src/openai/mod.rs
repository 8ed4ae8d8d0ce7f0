//! The OpenAI API surface: which operation a request is for ([`surface`], [`operations`],
//! [`endpoint`]), which of its body's fields carry text ([`walker`], [`names`]), what the body
//! says about itself ([`facts`]) and what it carries that cannot be scanned ([`unscannable`]).

pub mod api;
pub mod endpoint;
pub mod facts;
pub mod names;
pub mod operations;
pub mod surface;
pub mod unscannable;
pub mod walker;

pub use api::ApiKind;
pub use endpoint::{classify, Azure, Endpoint};
pub use unscannable::Unscannable;
