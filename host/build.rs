//! Build-time work for the host:
//! 1. check the committed guest artifact against its recorded sha256 (a mismatch stops the build);
//! 2. embed the committed ahead-of-time machine code for the target being built
//!    (`host/guest/gitea-gate-guest.<target>.cwasm`), after checking that `host/guest/aot.sha256`
//!    records it as compiled from exactly this wasm, so the binary starts in well under a
//!    millisecond instead of compiling the guest with Cranelift at every run;
//! 3. embed the golden corpus for `gitea-gate selftest`.
//!
//! No compiler runs here: the artifacts are precompiled once per guest change
//! (`scripts/build-guest.sh`), committed, and proved fresh by a test that compiles the committed
//! wasm again and compares bytes (host/tests/integration/guest_artifact.rs). So a build needs no
//! Cranelift unless it wants the `jit` feature, and every target compiles only what it runs.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const GUEST: &str = "guest/gitea-gate-guest.wasm";
/// sha256sum lines for the wasm and for each target's precompiled form of it.
const AOT_MANIFEST: &str = "guest/aot.sha256";

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
    println!("cargo::rerun-if-changed={AOT_MANIFEST}");
    let wasm_path = manifest_dir.join(GUEST);
    let wasm = fs::read(&wasm_path).map_err(|e| format!("{}: {e}; run scripts/build-guest.sh", wasm_path.display()))?;
    let digest = hex(&Sha256::digest(&wasm));
    let recorded = fs::read_to_string(manifest_dir.join(format!("{GUEST}.sha256")))
        .map_err(|e| format!("{GUEST}.sha256: {e}; run scripts/build-guest.sh"))?;
    let recorded = recorded.split_whitespace().next().unwrap_or_default();
    if recorded != digest {
        return Err(format!(
            "{GUEST} has sha256 {digest}, but {GUEST}.sha256 records {recorded}; \
             run scripts/build-guest.sh and commit host/guest/"
        ));
    }
    println!("cargo::rustc-env=GITEA_GATE_GUEST_SHA256={digest}");

    let target = env("TARGET")?;
    println!("cargo::rustc-env=GITEA_GATE_TARGET={target}");
    let aot = committed_aot(&manifest_dir, &digest, &target).or_else(|why| {
        if std::env::var_os("CARGO_FEATURE_JIT").is_some() {
            // The host then compiles the guest at start-up (slower, same verdicts).
            println!("cargo::warning={why}; the host will compile the guest at start-up");
            Ok(Vec::new())
        } else {
            // Without the JIT a binary could not run the guest at all.
            Err(format!("{why}; a build without the `jit` feature needs it"))
        }
    })?;
    write(&out_dir.join("guest.cwasm"), &aot)?;

    let corpus_dir = manifest_dir.join("../tests/corpus");
    println!("cargo::rerun-if-changed={}", corpus_dir.display());
    write(&out_dir.join("corpus.rs"), corpus_table(&corpus_dir)?.as_bytes())
}

/// The committed machine code for `target`, if `aot.sha256` records it as compiled from the wasm
/// with sha256 `wasm_digest` and the file still has the digest recorded there.
fn committed_aot(manifest_dir: &Path, wasm_digest: &str, target: &str) -> Result<Vec<u8>, String> {
    const BLESS: &str = "scripts/build-guest.sh precompiles them again";
    let manifest_path = manifest_dir.join(AOT_MANIFEST);
    let manifest = fs::read_to_string(&manifest_path).map_err(|e| format!("{AOT_MANIFEST}: {e} ({BLESS})"))?;
    let recorded = |name: &str| {
        manifest.lines().find_map(|line| {
            let (digest, file) = line.split_once("  ")?;
            (file == name).then_some(digest)
        })
    };
    let wasm_name = GUEST.rsplit('/').next().unwrap_or(GUEST);
    if recorded(wasm_name) != Some(wasm_digest) {
        return Err(format!(
            "the ahead-of-time artifacts in host/guest/ were compiled from another guest than \
             {wasm_name} (sha256 {wasm_digest}); {BLESS}"
        ));
    }
    let name = format!("gitea-gate-guest.{target}.cwasm");
    let Some(expected) = recorded(&name) else {
        return Err(format!("host/guest/ has no ahead-of-time artifact for {target}"));
    };
    let path = manifest_dir.join("guest").join(&name);
    println!("cargo::rerun-if-changed={}", path.display());
    let bytes = fs::read(&path).map_err(|e| format!("{}: {e} ({BLESS})", path.display()))?;
    let actual = hex(&Sha256::digest(&bytes));
    if actual != expected {
        return Err(format!("host/guest/{name} has sha256 {actual}, but {AOT_MANIFEST} records {expected}"));
    }
    Ok(bytes)
}

/// `static CORPUS: &[CorpusCase]` with every `<check>/<case>.input.json` and its verdict.
fn corpus_table(dir: &Path) -> Result<String, String> {
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
    let mut out = String::from("pub static CORPUS: &[CorpusCase] = &[\n");
    for (name, input, verdict) in cases {
        let _ = writeln!(
            out,
            "    CorpusCase {{ name: {name:?}, input: include_bytes!({:?}), verdict: include_bytes!({:?}) }},",
            input.display().to_string(),
            verdict.display().to_string()
        );
    }
    out.push_str("];\n");
    Ok(out)
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
