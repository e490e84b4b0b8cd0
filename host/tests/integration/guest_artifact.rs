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

/// `host/guest/aot.sha256` as it must read for `wasm` and the precompiled `artifacts`.
fn aot_manifest(wasm: &[u8], artifacts: &[(String, Vec<u8>)]) -> String {
    let mut lines = vec![format!("{}  gitea-gate-guest.wasm", hex(&Sha256::digest(wasm)))];
    lines.extend(artifacts.iter().map(|(name, bytes)| format!("{}  {name}", hex(&Sha256::digest(bytes)))));
    lines.join("\n") + "\n"
}

/// build.rs embeds the committed machine code after checking only digests; this is the check
/// that it is what this wasmtime, with the runtime's settings, makes of the committed wasm for
/// every shipped target (cross-compiled here: the `jit` feature carries every backend). A hostile
/// edit of the machine code, a guest rebuilt without precompiling, or a wasmtime upgrade all
/// fail here. GITEA_GATE_BLESS=1 writes the artifacts and aot.sha256 instead
/// (scripts/build-guest.sh does, after building the guest).
#[cfg(feature = "jit")]
#[test]
fn aot_artifacts_are_the_committed_wasm_precompiled() {
    use gitea_gate::engine_config::{PRECOMPILED_TARGETS, precompile};
    let dir = root().join("host/guest");
    let wasm = fs::read(dir.join("gitea-gate-guest.wasm")).expect("artifact");
    // One thread per target: Cranelift is single-threaded here, and the test build unoptimised.
    let artifacts: Vec<(String, Vec<u8>)> = std::thread::scope(|scope| {
        let compiling: Vec<_> =
            PRECOMPILED_TARGETS.iter().map(|target| (target, scope.spawn(|| precompile(&wasm, target)))).collect();
        compiling
            .into_iter()
            .map(|(target, thread)| {
                let bytes = thread.join().expect("precompile thread").unwrap_or_else(|e| panic!("{target}: {e}"));
                (format!("gitea-gate-guest.{target}.cwasm"), bytes)
            })
            .collect()
    });
    let manifest = aot_manifest(&wasm, &artifacts);
    if std::env::var_os("GITEA_GATE_BLESS").is_some() {
        for (name, bytes) in &artifacts {
            fs::write(dir.join(name), bytes).expect("write artifact");
        }
        fs::write(dir.join("aot.sha256"), &manifest).expect("write aot.sha256");
        return;
    }
    let rebless = "run scripts/build-guest.sh (or, for the machine code alone, \
                   GITEA_GATE_BLESS=1 cargo test -p gitea-gate --test integration -- guest_artifact::) and commit host/guest/";
    for (name, bytes) in &artifacts {
        let committed = fs::read(dir.join(name)).unwrap_or_else(|e| panic!("host/guest/{name}: {e}; {rebless}"));
        assert!(
            committed == *bytes,
            "host/guest/{name} (sha256 {}) is not the committed wasm precompiled by this wasmtime (sha256 {}); {rebless}",
            hex(&Sha256::digest(&committed)),
            hex(&Sha256::digest(bytes))
        );
    }
    let committed_manifest = fs::read_to_string(dir.join("aot.sha256")).expect("host/guest/aot.sha256");
    assert_eq!(committed_manifest, manifest, "host/guest/aot.sha256 is out of date; {rebless}");
    // Nothing else is embedded by build.rs, and nothing stale lies around to be mistaken for it.
    let mut cwasm: Vec<String> = fs::read_dir(&dir)
        .expect("host/guest")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".cwasm"))
        .collect();
    cwasm.sort();
    let expected: Vec<&String> = artifacts.iter().map(|(name, _)| name).collect();
    assert_eq!(cwasm.iter().collect::<Vec<_>>(), expected, "host/guest/ holds other .cwasm files");
}

/// The binary runs what it was built with: the machine code embedded for this target is the
/// committed artifact (build.rs refuses one whose digest is not recorded for this wasm).
#[test]
fn the_binary_embeds_the_committed_aot_artifact() {
    let name = format!("gitea-gate-guest.{}.cwasm", gitea_gate::guest::TARGET);
    let committed = fs::read(root().join("host/guest").join(&name)).expect("committed artifact for this target");
    assert!(gitea_gate::guest::precompiled() == &committed[..], "the binary embeds another {name}");
}
