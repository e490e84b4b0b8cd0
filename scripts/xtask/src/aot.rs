//! The guest's machine code: `precompile` compiles the committed wasm
//! (`host/guest/gitea-gate-guest.wasm`) with the host's own wasmtime and settings
//! (`engine_config::precompile`) for each release target and writes
//! `DIR/gitea-gate-guest.<target>.cwasm` and `DIR/aot.sha256` (the wasm's digest and each
//! artifact's, in sha256sum format), the manifest last, so that a waiting reader never sees a
//! half-written set. DIR defaults to `target/guest-aot`. Nothing it writes is committed.
//!
//! `attach` refuses an artifact the manifest does not record for the committed wasm, then writes
//! BINARY with the artifact attached (host/src/sandbox/machine_code.rs has the layout).

use std::fs;
use std::path::{Path, PathBuf};

use gitea_gate::sandbox::machine_code;
use sha2::{Digest, Sha256};

use crate::workspace::{hex, read, set_executable, target_dir, write_whole};

pub const WASM: &str = "host/guest/gitea-gate-guest.wasm";
pub const MANIFEST: &str = "aot.sha256";

/// DIR when given, else the target directory's guest-aot/.
pub fn aot_dir(root: &Path, given: Option<&Path>) -> PathBuf {
    given.map(Path::to_path_buf).unwrap_or_else(|| target_dir(root).join("guest-aot"))
}

fn artifact_name(target: &str) -> String {
    format!("gitea-gate-guest.{target}.cwasm")
}

/// The manifest line that vouches for the wasm it was compiled from.
pub fn wasm_line(wasm_digest: &str) -> String {
    format!("{wasm_digest}  gitea-gate-guest.wasm")
}

/// Without the `precompile` feature there is no compiler: say which build has one.
#[cfg(not(feature = "precompile"))]
pub fn precompile_all(_root: &Path, out: &Path) -> Result<(), String> {
    Err(format!(
        "this xtask was built without the compiler (--no-default-features), so it cannot make {}; \
         build it with its default features (cargo build -p xtask), or let the process that has \
         one make it (GITEA_GATE_AOT_WAIT=SECONDS waits for it)",
        out.display()
    ))
}

#[cfg(feature = "precompile")]
pub fn precompile_all(root: &Path, out: &Path) -> Result<(), String> {
    use gitea_gate::engine_config::{PRECOMPILED_TARGETS, precompile};

    use crate::workspace::create_dir;

    let wasm = read(&root.join(WASM))?;
    create_dir(out)?;
    // A stale manifest must not vouch for artifacts that are about to be replaced.
    let _ = fs::remove_file(out.join(MANIFEST));
    let started = std::time::Instant::now();
    // One thread per target: Cranelift compiles one module on one thread here.
    let artifacts: Vec<(String, Result<Vec<u8>, String>)> = std::thread::scope(|scope| {
        let compiling: Vec<_> =
            PRECOMPILED_TARGETS.iter().map(|target| (*target, scope.spawn(|| precompile(&wasm, target)))).collect();
        compiling
            .into_iter()
            .map(|(target, thread)| {
                (target.to_owned(), thread.join().unwrap_or_else(|_| Err("the compiler thread panicked".to_owned())))
            })
            .collect()
    });
    let mut manifest = format!("{}\n", wasm_line(&hex(&Sha256::digest(&wasm))));
    for (target, bytes) in artifacts {
        let bytes = bytes.map_err(|e| format!("precompiling for {target}: {e}"))?;
        let name = artifact_name(&target);
        write_whole(&out.join(&name), &bytes)?;
        manifest.push_str(&format!("{}  {name}\n", hex(&Sha256::digest(&bytes))));
        eprintln!("xtask: {}/{name}: {} bytes", out.display(), bytes.len());
    }
    write_whole(&out.join(MANIFEST), manifest.as_bytes())?;
    eprintln!("xtask: precompiled {WASM} in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// `binary` with `target`'s machine code from `dir` attached, written as `out`.
pub fn attach(root: &Path, binary: &Path, target: &str, dir: &Path, out: &Path) -> Result<(), String> {
    let wasm_digest: [u8; 32] = Sha256::digest(read(&root.join(WASM))?).into();
    let manifest = fs::read_to_string(dir.join(MANIFEST))
        .map_err(|e| format!("{}: {e}; run `xtask precompile` first", dir.join(MANIFEST).display()))?;
    let recorded = |name: &str| {
        manifest.lines().find_map(|line| line.split_once("  ").filter(|(_, file)| *file == name).map(|(d, _)| d))
    };
    if recorded("gitea-gate-guest.wasm") != Some(hex(&wasm_digest).as_str()) {
        return Err(format!(
            "{} was precompiled from another guest than {WASM}; run `xtask precompile` again",
            dir.display()
        ));
    }
    let name = artifact_name(target);
    let artifact = read(&dir.join(&name))?;
    if recorded(&name) != Some(hex(&Sha256::digest(&artifact)).as_str()) {
        return Err(format!("{name} is not the artifact {MANIFEST} records; run `xtask precompile` again"));
    }
    let attached = machine_code::attach(&read(binary)?, &artifact, &wasm_digest)?;
    write_whole(out, &attached)?;
    set_executable(out)
}
