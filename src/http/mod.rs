//! The words of HTTP the filter reads, on the ground floor: header pairs, media types, hosts
//! and client addresses. Plain syntax, no policy: the header rules ([`crate::policy`]), the
//! upload reader ([`crate::upload`]) and the record ([`crate::audit`]) all read through here.

pub mod headers;
pub mod host;
pub mod media;
pub mod source;
