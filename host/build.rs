//! Build-time work for the host:
//! 1. check the committed guest artifact against its recorded sha256 (a mismatch stops the build);
//! 2. precompile it ahead of time for the target being built (`Engine::precompile_module`, with
//!    the same `Config` the runtime uses), so the binary starts in well under a millisecond
//!    instead of compiling the guest with Cranelift at every run;
//! 3. embed the golden corpus for `gitea-gate selftest`.

#[path = "src/engine_config.rs"]
mod engine_config;

use std::fmt::Write as _;
use std::fs;
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
    println!("cargo::rerun-if-changed=src/engine_config.rs");
    // Tells engine_config.rs it is compiled into the runtime, where Cranelift exists only with
    // the `jit` feature (this build script always has it).
    println!("cargo::rustc-check-cfg=cfg(gitea_gate_runtime)");
    println!("cargo::rustc-cfg=gitea_gate_runtime");

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
    let aot = precompile(&wasm, &target).unwrap_or_else(|why| {
        // Not fatal: the host then compiles the guest at start-up (slower, same verdicts).
        println!("cargo::warning=no ahead-of-time guest for {target} ({why}); the host will compile it at start-up");
        Vec::new()
    });
    write(&out_dir.join("guest.cwasm"), &aot)?;

    let corpus_dir = manifest_dir.join("../tests/corpus");
    println!("cargo::rerun-if-changed={}", corpus_dir.display());
    write(&out_dir.join("corpus.rs"), corpus_table(&corpus_dir)?.as_bytes())
}

fn precompile(wasm: &[u8], target: &str) -> Result<Vec<u8>, String> {
    let mut config = engine_config::engine_config();
    engine_config::compiler_settings(&mut config);
    // An explicit target also means baseline CPU features: the artifact must load on every
    // runner of this architecture, not only on CPUs like the build machine's.
    config.target(target).map_err(|e| e.to_string())?;
    let engine = wasmtime::Engine::new(&config).map_err(|e| e.to_string())?;
    engine.precompile_module(wasm).map_err(|e| e.to_string())
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
