//! The committed guest artifact is the one the host embeds, and it was built from the current
//! guest sources. (CI also rebuilds it and compares bytes: `xtask build-guest --check`.
//! This test catches a guest edit without a rebuild on any machine, even without a wasm toolchain.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The source digest `xtask build-guest` records: one implementation, compiled here too.
#[path = "../../../scripts/xtask/src/guest_source.rs"]
mod guest_source;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn provenance(key: &str) -> String {
    let text = fs::read_to_string(root().join("host/guest/PROVENANCE")).expect("PROVENANCE");
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")))
        .unwrap_or_else(|| panic!("PROVENANCE has no {key}"))
        .to_owned()
}

#[test]
fn artifact_digest_matches_everywhere() {
    let wasm = fs::read(root().join("host/guest/gitea-gate-guest.wasm")).expect("artifact");
    let digest = hex(&Sha256::digest(&wasm));
    assert_eq!(digest, gitea_gate::guest::SHA256, "the binary embeds another artifact");
    assert_eq!(digest, provenance("sha256"));
    assert_eq!(gitea_gate::guest::WASM, &wasm[..]);
}

#[test]
fn artifact_was_built_from_the_current_guest_sources() {
    assert_eq!(
        guest_source::source_digest(&root()).unwrap(),
        provenance("source-digest"),
        "guest/ changed since host/guest/gitea-gate-guest.wasm was built: run `xtask build-guest` and commit host/guest/"
    );
}

/// Machine code is a build product (`xtask precompile`, attached to the binary after
/// linking), never committed: ~6 MB per architecture and guest change that every runner would
/// clone forever. Nothing in the tree looks like wasmtime's precompiled output.
#[test]
fn no_machine_code_is_committed() {
    let listed = std::process::Command::new("git").current_dir(root()).args(["ls-files", "-z"]).output().expect("git");
    assert!(listed.status.success(), "git ls-files failed");
    let tracked: Vec<String> =
        String::from_utf8_lossy(&listed.stdout).split('\0').filter(|p| !p.is_empty()).map(str::to_owned).collect();
    assert!(tracked.iter().any(|p| p == "host/guest/gitea-gate-guest.wasm"), "git lists the tree");
    let committed: Vec<&String> = tracked
        .iter()
        .filter(|path| {
            path.ends_with(".cwasm")
                || fs::read(root().join(path))
                    .is_ok_and(|bytes| bytes.starts_with(b"\x7fELF") && bytes.len() > 64 << 10)
        })
        .collect();
    assert!(committed.is_empty(), "machine code committed: {committed:?}");
}

/// The same wasm, wasmtime and settings give the same machine code in another process: what
/// makes a release rebuilt from its tag byte-identical to the published one. The code the
/// black-box tests run (from `xtask precompile` when scripts/test.sh ran it) is compared with a
/// fresh compile in this process.
#[cfg(feature = "jit")]
#[test]
fn precompiling_the_guest_is_deterministic() {
    let fresh =
        gitea_gate::engine_config::precompile(gitea_gate::guest::WASM, gitea_gate::guest::TARGET).expect("precompile");
    let used = crate::common::machine_code();
    assert!(
        fresh == used,
        "precompiling twice gave different machine code (sha256 {} vs {})",
        hex(&Sha256::digest(&fresh)),
        hex(&Sha256::digest(used))
    );
}
