//! Build script: records the git commit the module is built from (`OCF_GIT_COMMIT`, read by
//! `src/version.rs`), so the module can log it once at start. Outside a git checkout (a
//! source tarball, a vendored copy) or without git it records `unknown`: it never fails the
//! build. `OCF_GIT_COMMIT` set in the environment wins (for builds from an exported tree).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=OCF_GIT_COMMIT");
    let commit = std::env::var("OCF_GIT_COMMIT")
        .ok()
        .filter(|c| !c.is_empty() && c.len() <= 64 && c.bytes().all(|b| b.is_ascii_alphanumeric()))
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_else(|| "unknown".to_string());
    // Rebuild when HEAD moves: its file, and the branch heads (a directory: cargo compares the
    // newest mtime inside, so a loose ref created by the next commit counts) and packed refs.
    // Only paths that exist: a missing one (a worktree's branch ref lives in the common dir)
    // would make cargo run this script, and rebuild the crate, on every build.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let common = git(&["rev-parse", "--git-common-dir"]).unwrap_or_else(|| dir.clone());
        let watched = [
            Path::new(&dir).join("HEAD"),
            Path::new(&common).join("refs").join("heads"),
            Path::new(&common).join("packed-refs"),
        ];
        for path in watched.iter().filter(|p| p.exists()) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rustc-env=OCF_GIT_COMMIT={commit}");
}
