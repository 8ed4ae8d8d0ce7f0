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
    // Rebuild when HEAD moves: its file, the branch it points at, and packed refs.
    if let Some(dir) = git(&["rev-parse", "--git-dir"]) {
        let dir = Path::new(&dir);
        println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
            let common = git(&["rev-parse", "--git-common-dir"]).unwrap_or_default();
            println!("cargo:rerun-if-changed={}", dir.join(&head_ref).display());
            println!(
                "cargo:rerun-if-changed={}",
                Path::new(&common).join(&head_ref).display()
            );
            println!(
                "cargo:rerun-if-changed={}",
                Path::new(&common).join("packed-refs").display()
            );
        }
    }
    println!("cargo:rustc-env=OCF_GIT_COMMIT={commit}");
}
