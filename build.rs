//! Records the git commit and its date for `lockout --version`.
//!
//! Never fails the build: outside a git checkout (a source tarball, `cargo install` from a
//! registry) or without git, the commit is "unknown". run.json's `lockout_version` does not use
//! this (it stays the package version, so committed results do not change with every commit).

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

fn main() {
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let date = git(&["log", "-1", "--format=%cd", "--date=short"]).unwrap_or_default();
    println!("cargo:rustc-env=LOCKOUT_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=LOCKOUT_GIT_DATE={date}");

    // Rerun when HEAD moves: HEAD itself (a checkout) and the ref it points to (a commit), or
    // packed-refs when the ref is packed. Only existing files are named: cargo reruns a build
    // script on every build when a named file is missing.
    println!("cargo:rerun-if-changed=build.rs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = |arg: &str| git(&["rev-parse", arg]).map(|d| root.join(d));
    let mut watch: Vec<PathBuf> = Vec::new();
    if let Some(git_dir) = dir("--git-dir") {
        watch.push(git_dir.join("HEAD"));
        let common = dir("--git-common-dir").unwrap_or(git_dir.clone());
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
            let loose = common.join(&head_ref);
            // A packed ref gets a loose file at the next commit: watch the folder it appears in.
            if !loose.is_file()
                && let Some(parent) = loose.parent().filter(|p| p.is_dir())
            {
                watch.push(parent.to_path_buf());
            }
            watch.push(git_dir.join(&head_ref));
            watch.push(loose);
        }
        watch.push(common.join("packed-refs"));
    }
    for path in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}
