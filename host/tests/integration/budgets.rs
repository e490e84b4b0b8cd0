//! The budgets check (scripts/bench/budgets.py, run by CI on the release binaries) can fail: the
//! test build, with its machine code attached, is far over the release binary's size budget.

use std::process::Command;

use crate::common;

#[test]
fn a_binary_over_budget_fails_the_check() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = Command::new("python3")
        .arg(root.join("scripts/bench/budgets.py"))
        .arg(common::binary())
        .output()
        .expect("python3");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("OVER x86_64 binary"), "{stdout}");
    assert!(stdout.contains("ok   guest wasm"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("over budget: x86_64 binary"));
}
