//! A fresh machine learns what is missing in one line per tool, naming the package that provides
//! it — before any build starts (scripts/prereqs.sh, called by scripts/test.sh, .ci/run and
//! `xtask build-guest`, whose own test is scripts/xtask/tests/build_guest.rs). The check is run
//! here with a PATH that lacks `rust-lld`, the wasm linker that only a Recommends of rustc-web
//! brings, which is how CI broke on a fresh machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const RUST_LLD_LINE: &str =
    "missing: rust-lld (links the wasm guest): apt-get install --no-install-recommends rust-web-llvm lld-22";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A directory holding links to these tools, wherever this machine has them (and nothing else).
fn path_with(tools: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = std::env::var_os("PATH").unwrap_or_default();
    for tool in tools {
        if let Some(found) = std::env::split_paths(&path).map(|d| d.join(tool)).find(|p| p.is_file()) {
            std::os::unix::fs::symlink(found, dir.path().join(tool)).expect("symlink");
        }
    }
    dir
}

fn run(script: &str, args: &[&str], path: &Path) -> Output {
    Command::new("/bin/bash")
        .arg(root().join(script))
        .args(args)
        .env_clear()
        .env("PATH", path)
        .output()
        .expect("run bash")
}

#[test]
fn a_path_without_rust_lld_names_the_package() {
    let dir = path_with(&["curl", "python3", "act", "dirname"]);
    let out = run("scripts/prereqs.sh", &["--check"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.lines().any(|l| l == RUST_LLD_LINE), "{stdout}");
    assert!(stdout.lines().all(|l| l.starts_with("missing: ") && l.contains("install")), "{stdout}");
}

#[test]
fn a_complete_path_passes_the_check() {
    // Only meaningful where the machine has everything (CI, after .ci/run installed it).
    let path = std::env::var_os("PATH").unwrap_or_default();
    let out = run("scripts/prereqs.sh", &["--check"], Path::new(&path));
    let stdout = String::from_utf8_lossy(&out.stdout);
    if std::env::var_os("CI").is_none() {
        eprintln!("not under CI: this machine may lack tools on purpose; skipped ({stdout})");
        return;
    }
    assert_eq!(out.status.code(), Some(0), "CI installed everything, yet: {stdout}");
    assert_eq!(stdout, "");
}
