//! `xtask build-guest` stops before building when the guest's toolchain is incomplete, with one
//! line per missing tool naming its package (scripts/prereqs.sh). Run with a PATH that lacks
//! `rust-lld`, the wasm linker that only a Recommends of rustc-web brings, which is how CI broke
//! on a fresh machine. (The build itself: `xtask build-guest --check` in scripts/test.sh.)
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

use std::path::{Path, PathBuf};
use std::process::Command;

const RUST_LLD_LINE: &str =
    "missing: rust-lld (links the wasm guest): apt-get install --no-install-recommends rust-web-llvm lld-22";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_guest_build_stops_before_building_and_says_why() {
    // A PATH holding only `dirname` (prereqs.sh uses it): no rustup, no cargo, no rust-lld.
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    if let Some(found) = std::env::split_paths(&path).map(|d| d.join("dirname")).find(|p| p.is_file()) {
        std::os::unix::fs::symlink(found, dir.path().join("dirname")).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["build-guest", "--check"])
        .current_dir(root())
        .env_clear()
        .env("PATH", dir.path())
        .output()
        .expect("run xtask");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.lines().any(|l| l == RUST_LLD_LINE), "{stderr}");
    assert!(stderr.contains("install the packages above"), "{stderr}");
    assert!(!stderr.contains("building the guest"), "it must stop before building: {stderr}");
}
