//! `xtask attach` refuses machine code it cannot vouch for. (Also: this test makes cargo build the
//! xtask binary in the workspace's test build, where scripts/test.sh runs it from.)
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

use std::fs;
use std::process::Command;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

fn attach(aot: &std::path::Path, binary: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    Command::new(XTASK)
        .arg("attach")
        .arg(binary)
        .args(["--target", "x86_64-unknown-linux-gnu", "--aot"])
        .arg(aot)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run xtask")
}

#[test]
fn attach_refuses_machine_code_made_from_another_guest_or_unrecorded() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("gitea-gate");
    fs::write(&binary, b"\x7fELF not really").unwrap();
    let out = dir.path().join("attached");
    let artifact = dir.path().join("gitea-gate-guest.x86_64-unknown-linux-gnu.cwasm");
    fs::write(&artifact, b"\x7fELF code").unwrap();

    // No manifest: nothing was precompiled.
    let r = attach(dir.path(), &binary, &out);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("run `xtask precompile` first"), "{r:?}");

    // A manifest for another wasm.
    let other = format!("{}  gitea-gate-guest.wasm\n", "0".repeat(64));
    fs::write(dir.path().join("aot.sha256"), other).unwrap();
    let r = attach(dir.path(), &binary, &out);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("precompiled from another guest"), "{r:?}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn usage_is_explained() {
    let r = Command::new(XTASK).output().unwrap();
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("xtask precompile [--out DIR]"));
}
