//! The gateway's access rules before any other: a revoked API key (by its keyed fingerprint)
//! and a source allowlist (the client address against the register entry's CIDR blocks).

use super::Reason;
use crate::config::{Controls, Policy};
use crate::http::source;
use std::net::IpAddr;

/// True if the request's key fingerprint is in the policy's `revoked_keys`.
pub fn revoked(policy: &Policy, fingerprint: Option<&str>) -> bool {
    fingerprint.is_some_and(|f| policy.controls.revoked_keys.contains(f))
}

/// The entry at `index` allows the client address `client(xff_trusted_hops)` (`Ok` when the
/// entry has no allowlist: the address is then never read). An address that cannot be known
/// is refused like one outside the list.
pub fn source_allowed(
    controls: &Controls,
    index: usize,
    client: impl FnOnce(u8) -> Option<IpAddr>,
) -> Result<(), Reason> {
    let Some(blocks) = controls.project(index).and_then(|p| p.sources.as_deref()) else {
        return Ok(());
    };
    match client(controls.xff_trusted_hops) {
        Some(ip) if source::allowed(blocks, ip) => Ok(()),
        _ => Err(Reason::SourceNotAllowed),
    }
}
