//! What this build is: the crate version and the git commit it was built from (recorded by
//! `build.rs`; `unknown` outside a git checkout). The module logs both once at start.

/// The crate version (`Cargo.toml`), as the audit record's `version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
/// The git commit (12 hex digits) the module was built from, or `unknown`.
pub const COMMIT: &str = env!("OCF_GIT_COMMIT");

/// The start-up line: `openai-compliance-filter 0.1.0 (commit 1a2b3c4d5e6f)`.
pub fn banner() -> String {
    format!("openai-compliance-filter {VERSION} (commit {COMMIT})")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_banner_names_version_and_commit() {
        let b = super::banner();
        assert!(b.starts_with("openai-compliance-filter "), "{b}");
        let commit = super::COMMIT;
        assert!(commit == "unknown" || commit.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert!(b.ends_with(&format!("(commit {commit})")));
    }
}
