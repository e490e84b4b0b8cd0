//! Build tasks for gitea-gate that outgrew shell.
//!
//! ```text
//! xtask precompile [--out DIR]                          the guest's machine code for every release target
//! xtask attach BINARY --target TRIPLE --out FILE [--aot DIR]   BINARY with that target's machine code attached
//! xtask publish --tag vX.Y.Z --notes CHANGELOG ASSET...   the release of a tag, with its assets (publish.rs)
//! xtask changelog-release VERSION DATE                   CHANGELOG.md's Unreleased section becomes VERSION's
//! ```
//!
//! `precompile` compiles the committed wasm (`host/guest/gitea-gate-guest.wasm`) with the host's
//! own wasmtime and settings (`engine_config::precompile`) for each release target and writes
//! `DIR/gitea-gate-guest.<target>.cwasm` and `DIR/aot.sha256` (the wasm's digest and each
//! artifact's, in sha256sum format), the manifest last, so that a waiting reader never sees a
//! half-written set. DIR defaults to `target/guest-aot`. Nothing it writes is committed.
//!
//! `attach` refuses an artifact the manifest does not record for the committed wasm, then writes
//! BINARY with the artifact attached (host/src/sandbox/machine_code.rs has the layout).

mod changelog;
mod publish;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use gitea_gate::engine_config::{PRECOMPILED_TARGETS, precompile};
use gitea_gate::sandbox::machine_code;
use sha2::{Digest, Sha256};

const WASM: &str = "host/guest/gitea-gate-guest.wasm";
const MANIFEST: &str = "aot.sha256";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("precompile") => precompile_all(&args[1..]),
        Some("attach") => attach(&args[1..]),
        Some("publish") => publish::publish(&args[1..]),
        Some("changelog-release") => changelog_release(&args[1..]),
        _ => Err(
            "usage:\n  xtask precompile [--out DIR]\n  xtask attach BINARY --target TRIPLE --out FILE [--aot DIR]\n  \
                  xtask publish --tag vX.Y.Z --notes CHANGELOG [--api-url URL] [--repository OWNER/NAME] ASSET...\n  \
                  xtask changelog-release VERSION DATE"
                .to_owned(),
        ),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::from(2)
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The value after `--name` in `args`, if given.
fn option<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn aot_dir(args: &[String], flag: &str) -> PathBuf {
    option(args, flag).map(PathBuf::from).unwrap_or_else(|| {
        std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root().join("target"))
            .join("guest-aot")
    })
}

fn artifact_name(target: &str) -> String {
    format!("gitea-gate-guest.{target}.cwasm")
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Write `bytes` to `path` by renaming a finished temporary file over it.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let partial = path.with_extension("partial");
    fs::write(&partial, bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
    fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}

fn precompile_all(args: &[String]) -> Result<(), String> {
    let out = aot_dir(args, "--out");
    let wasm = read(&root().join(WASM))?;
    fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
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
    let mut manifest = format!("{}  gitea-gate-guest.wasm\n", hex(&Sha256::digest(&wasm)));
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

fn attach(args: &[String]) -> Result<(), String> {
    let binary = args.first().filter(|a| !a.starts_with("--")).ok_or("attach needs the BINARY to attach to")?;
    let target = option(args, "--target").ok_or("attach needs --target TRIPLE")?;
    let out = option(args, "--out").ok_or("attach needs --out FILE")?;
    let dir = aot_dir(args, "--aot");
    let wasm_digest: [u8; 32] = Sha256::digest(read(&root().join(WASM))?).into();
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
    let attached = machine_code::attach(&read(Path::new(binary))?, &artifact, &wasm_digest)?;
    write_whole(Path::new(out), &attached)?;
    set_executable(Path::new(out))
}

/// CHANGELOG.md (at the workspace root) with its Unreleased section moved under VERSION.
fn changelog_release(args: &[String]) -> Result<(), String> {
    let [version, date] = args else { return Err("changelog-release needs VERSION DATE".to_owned()) };
    let path = root().join("CHANGELOG.md");
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    write_whole(&path, changelog::release(&text, version, date)?.as_bytes())
}

fn set_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(|e| format!("{}: {e}", path.display()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
