//! The committed guest artifact is the one the host embeds, and it was built from the current
//! guest sources. (CI also rebuilds it and compares bytes: `scripts/build-guest.sh --check`.
//! This test catches a guest edit without a rebuild on any machine, even without a wasm toolchain.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

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

/// The same digest scripts/build-guest.sh records: sha256 over `<sha256>  <path>` lines for
/// guest/Cargo.toml, protocol/Cargo.toml, then every guest/src/**/*.rs and protocol/src/**/*.rs
/// in byte order (the protocol crate is compiled into the guest).
fn source_digest() -> String {
    fn walk(dir: &Path, out: &mut Vec<String>) {
        for entry in fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path.strip_prefix(root()).expect("under root").to_string_lossy().into_owned());
            }
        }
    }
    let mut sources = Vec::new();
    walk(&root().join("guest/src"), &mut sources);
    walk(&root().join("protocol/src"), &mut sources);
    sources.sort();
    let mut listing = String::new();
    let manifests = ["guest/Cargo.toml".to_owned(), "protocol/Cargo.toml".to_owned()];
    for path in manifests.into_iter().chain(sources) {
        let digest = hex(&Sha256::digest(fs::read(root().join(&path)).expect("source")));
        listing.push_str(&format!("{digest}  {path}\n"));
    }
    hex(&Sha256::digest(listing.as_bytes()))
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
        source_digest(),
        provenance("source-digest"),
        "guest/ changed since host/guest/gitea-gate-guest.wasm was built: run scripts/build-guest.sh and commit host/guest/"
    );
}

/// Machine code is a build product (`scripts/xtask precompile`, attached to the binary after
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
