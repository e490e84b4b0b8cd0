//! Build-time work for the host:
//! 1. check the committed guest artifact against its recorded sha256 (a mismatch stops the build)
//!    and hand its digest to the code, which the attached machine code must name;
//! 2. embed the golden corpus for `gitea-gate selftest`, deflated (1.4 MB of JSON in 0.1 MB:
//!    every runner downloads the binary, and selftest inflates it in a few milliseconds).
//!
//! No compiler runs here and no machine code is embedded: the guest's machine code is attached
//! to the linked binary afterwards (`scripts/xtask attach`; host/src/sandbox/machine_code.rs),
//! so a build needs no Cranelift unless it wants the `jit` feature.

use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const GUEST: &str = "guest/gitea-gate-guest.wasm";

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(env("OUT_DIR")?);
    println!("cargo::rerun-if-changed={GUEST}");
    println!("cargo::rerun-if-changed={GUEST}.sha256");
    let wasm_path = manifest_dir.join(GUEST);
    let wasm = fs::read(&wasm_path).map_err(|e| format!("{}: {e}; run `xtask build-guest`", wasm_path.display()))?;
    let digest = hex(&Sha256::digest(&wasm));
    let recorded = fs::read_to_string(manifest_dir.join(format!("{GUEST}.sha256")))
        .map_err(|e| format!("{GUEST}.sha256: {e}; run `xtask build-guest`"))?;
    let recorded = recorded.split_whitespace().next().unwrap_or_default();
    if recorded != digest {
        return Err(format!(
            "{GUEST} has sha256 {digest}, but {GUEST}.sha256 records {recorded}; \
             run `xtask build-guest` and commit host/guest/"
        ));
    }
    println!("cargo::rustc-env=GITEA_GATE_GUEST_SHA256={digest}");

    println!("cargo::rustc-env=GITEA_GATE_TARGET={}", env("TARGET")?);

    let corpus_dir = manifest_dir.join("../tests/corpus");
    println!("cargo::rerun-if-changed={}", corpus_dir.display());
    write(&out_dir.join("corpus.deflate"), &corpus_blob(&corpus_dir)?)
}

/// Every `<check>/<case>.input.json` with its verdict, in name order, as one deflate stream of
/// records: u32 LE length + name, u32 LE length + input, u32 LE length + verdict
/// (host/src/corpus.rs reads it back).
fn corpus_blob(dir: &Path) -> Result<Vec<u8>, String> {
    let mut cases = Vec::new();
    let checks = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for check in checks {
        let check = check.map_err(|e| e.to_string())?.path();
        if !check.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&check).map_err(|e| format!("{}: {e}", check.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            let Some(case) = name.strip_suffix(".input.json") else { continue };
            let verdict = check.join(format!("{case}.verdict.json"));
            if !verdict.is_file() {
                // The corpus test fails on it (unless blessing); selftest just cannot include it.
                println!("cargo::warning={} has no golden verdict yet", path.display());
                continue;
            }
            let check_name = check.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            cases.push((format!("{check_name}/{case}"), path.clone(), verdict));
        }
    }
    cases.sort();
    let mut records = Vec::new();
    for (name, input, verdict) in cases {
        for field in [name.clone().into_bytes(), read(&input)?, read(&verdict)?] {
            let len = u32::try_from(field.len()).map_err(|_| format!("{name}: a corpus file over 4 GiB"))?;
            records.extend_from_slice(&len.to_le_bytes());
            records.extend_from_slice(&field);
        }
    }
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflate.write_all(&records).map_err(|e| e.to_string())?;
    deflate.finish().map_err(|e| e.to_string())
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    println!("cargo::rerun-if-changed={}", path.display());
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("cargo did not set {name}"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}
