//! `xtask build-guest [--check]`: build the guest (guest/) for wasm32-wasip1 and install it where
//! the host embeds it:
//!   host/guest/gitea-gate-guest.wasm          the module
//!   host/guest/gitea-gate-guest.wasm.sha256   its digest, in sha256sum format
//!   host/guest/PROVENANCE                     toolchain, flags and a digest of the guest sources
//! (Its machine code is not committed: `xtask precompile` makes it at build time.)
//! With `--check` it rebuilds into the scratch target directory and proves the committed artifact
//! byte-identical instead (what CI runs).
//!
//! Toolchain: a rustup toolchain with the wasm32-wasip1 target when one is installed (the ordinary
//! path), otherwise Debian's rustc-web with std built from source (scripts/prereqs.sh names the
//! packages: rustc-web cargo-web rust-web-src rust-web-llvm lld-22 wasi-libc).
//! GUEST_TOOLCHAIN=debian (or anything else: rustup) picks one. The committed artifact records
//! which one built it; --check rebuilds with the same kind, because two different compilers never
//! produce the same bytes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::guest_source::source_digest;
use crate::process::{capture, run, succeeds, to_stderr, unwrapped};
use crate::workspace::{cargo_home, create_dir, read_text, sha256_file};

const TARGET: &str = "wasm32-wasip1";
const NAME: &str = "gitea-gate-guest";
/// Where the artifact lives, relative to the root.
const DEST: &str = "host/guest";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Rustup,
    Debian,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Rustup => "rustup",
            Kind::Debian => "debian",
        }
    }
}

pub fn build_guest(root: &Path, check: bool) -> Result<(), String> {
    let kind = choose_toolchain(root)?;
    let rustc = match kind {
        Kind::Rustup => "rustc",
        Kind::Debian => "/usr/bin/rustc",
    };
    // rust-toolchain.toml at the root picks rustup's toolchain, so rustc is asked from there.
    let version = capture(unwrapped(rustc).arg("-V").current_dir(root))?;
    let toolchain = format!("{} ({})", version.trim(), kind.label());
    eprintln!("building the guest with {toolchain} …");
    let started = Instant::now();
    let built = build(root, kind)?;
    let size = fs::metadata(&built).map_err(|e| format!("{}: {e}", built.display()))?.len();
    eprintln!("built {size} bytes in {} s", started.elapsed().as_secs());
    let digest = sha256_file(&built)?;
    if check { check_committed(root, &built, &digest, &toolchain) } else { install(root, &built, &digest, &toolchain) }
}

fn choose_toolchain(root: &Path) -> Result<Kind, String> {
    let wanted = std::env::var("GUEST_TOOLCHAIN").unwrap_or_default();
    if wanted == "debian" || (wanted.is_empty() && !have_rustup_target(root)) {
        // One line per missing piece, naming its package (or: rustup target add wasm32-wasip1).
        if !prerequisites_present(root) {
            return Err(format!(
                "the guest cannot be built for {TARGET}; install the packages above (scripts/prereqs.sh --install)"
            ));
        }
        return Ok(Kind::Debian);
    }
    Ok(Kind::Rustup)
}

fn have_rustup_target(root: &Path) -> bool {
    let listed = Command::new("rustup").args(["target", "list", "--installed"]).current_dir(root).output();
    listed.is_ok_and(|out| out.status.success() && String::from_utf8_lossy(&out.stdout).lines().any(|l| l == TARGET))
}

/// scripts/prereqs.sh --check guest, its report on our stderr. bash from PATH, else /bin/bash
/// (a stripped PATH is how the host's tests prove this check comes before any build).
fn prerequisites_present(root: &Path) -> bool {
    let script = root.join("scripts/prereqs.sh");
    let bash = if succeeds(Command::new("bash").arg("-c").arg("true")) { "bash" } else { "/bin/bash" };
    Command::new(bash).arg(script).args(["--check", "guest"]).stdout(to_stderr()).status().is_ok_and(|s| s.success())
}

/// Build with `kind`'s toolchain; the path of the built module.
fn build(root: &Path, kind: Kind) -> Result<PathBuf, String> {
    // A separate target dir: RUSTFLAGS differ from the host build's and would evict its cache.
    let target_dir = root.join("target/guest-build");
    // Paths differ between machines; the bytes must not. Debian's std sources live at the same
    // absolute path everywhere, the workspace and the registry do not.
    let remap = format!(
        "--remap-path-prefix={}=/gitea-gate --remap-path-prefix={}=/cargo",
        root.display(),
        cargo_home().display()
    );
    let mut cargo = match kind {
        Kind::Debian => {
            let mut cargo = unwrapped("/usr/bin/cargo");
            let flags = format!(
                "-L /usr/lib/wasm32-wasi -C link-self-contained=no -C link-arg=/usr/lib/wasm32-wasi/crt1-command.o \
                 -Zlocation-detail=none -Zunstable-options -Cpanic=immediate-abort {remap}"
            );
            cargo.env("RUSTC", "/usr/bin/rustc").env("RUSTC_BOOTSTRAP", "1").env("RUSTFLAGS", flags);
            cargo
        }
        Kind::Rustup => {
            let mut cargo = unwrapped("cargo");
            cargo.env("RUSTFLAGS", remap);
            cargo
        }
    };
    cargo.env("CARGO_TARGET_DIR", &target_dir).args(["build", "--locked", "--quiet", "--manifest-path"]);
    cargo.arg(root.join("Cargo.toml")).args(["-p", NAME, "--bin", NAME, "--profile", "guest", "--target", TARGET]);
    if kind == Kind::Debian {
        // std built from source, as small as it builds: its size-optimised algorithms (-265 KB of
        // machine code per architecture; no verdict changes, the corpus proves it), and no panic
        // message formatting (-235 KB more: a guest panic is a bug that aborts the run with exit
        // 3 either way; RUSTFLAGS carries -Cpanic=immediate-abort).
        cargo.args(["-Zbuild-std=std,panic_abort", "-Zbuild-std-features=optimize_for_size"]);
    }
    run(cargo.current_dir(root))?;
    Ok(target_dir.join(TARGET).join("guest").join(format!("{NAME}.wasm")))
}

fn check_committed(root: &Path, built: &Path, digest: &str, toolchain: &str) -> Result<(), String> {
    let dest = root.join(DEST);
    let provenance = read_text(&dest.join("PROVENANCE"))?;
    let recorded = provenance.lines().find_map(|l| l.strip_prefix("toolchain: ")).unwrap_or_default();
    if recorded != toolchain {
        return Err(format!(
            "the committed guest was built with '{recorded}', this machine has '{toolchain}';\n       \
             bytes can only be compared with the same compiler (GUEST_TOOLCHAIN=debian or rustup picks one).\n       \
             To re-bless the guest with this compiler in one step: xtask build-guest && git add host/guest\n       \
             That changes the wasm bytes and their sha256 (host/guest/PROVENANCE, the guest digest that\n       \
             gitea-gate --version prints), not any verdict: the selftest digest must stay the same."
        ));
    }
    let committed = dest.join(format!("{NAME}.wasm"));
    if crate::workspace::read(built)? != fs::read(&committed).unwrap_or_default() {
        return Err(format!(
            "host/guest/{NAME}.wasm does not match the guest source.\n       committed: {}\n       \
             rebuilt:   {digest}\n       run `xtask build-guest` and commit host/guest/.",
            sha256_file(&committed).unwrap_or_else(|e| e)
        ));
    }
    let listed = read_text(&dest.join(format!("{NAME}.wasm.sha256")))?;
    if listed != sha256_line(digest) {
        return Err(format!("host/guest/{NAME}.wasm.sha256 does not match the artifact; run `xtask build-guest`."));
    }
    eprintln!("ok: host/guest/{NAME}.wasm is byte-identical to a fresh build of guest/ (sha256 {digest})");
    Ok(())
}

fn install(root: &Path, built: &Path, digest: &str, toolchain: &str) -> Result<(), String> {
    let dest = root.join(DEST);
    create_dir(&dest)?;
    let write = |name: &str, bytes: &[u8]| fs::write(dest.join(name), bytes).map_err(|e| format!("{name}: {e}"));
    write(&format!("{NAME}.wasm"), &crate::workspace::read(built)?)?;
    write(&format!("{NAME}.wasm.sha256"), sha256_line(digest).as_bytes())?;
    write("PROVENANCE", provenance(digest, toolchain, &source_digest(root)?).as_bytes())?;
    eprintln!("installed host/guest/{NAME}.wasm (sha256 {digest})");
    Ok(())
}

/// The .sha256 file: sha256sum's format, so that `sha256sum -c` checks it.
fn sha256_line(digest: &str) -> String {
    format!("{digest}  {NAME}.wasm\n")
}

/// host/guest/PROVENANCE: `key: value` lines the host's tests and `--check` read.
fn provenance(digest: &str, toolchain: &str, source_digest: &str) -> String {
    format!(
        "# Written by xtask build-guest; checked by xtask build-guest --check and the host's tests.\n\
         artifact: {NAME}.wasm\nsha256: {digest}\ntoolchain: {toolchain}\ntarget: {TARGET}\nprofile: guest\n\
         source-digest: {source_digest}\n"
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::{provenance, sha256_line};

    #[test]
    fn provenance_has_the_committed_format() {
        let committed =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../host/guest/PROVENANCE")).unwrap();
        let value = |key: &str| committed.lines().find_map(|l| l.strip_prefix(&format!("{key}: "))).unwrap();
        let written = provenance(value("sha256"), value("toolchain"), value("source-digest"));
        assert_eq!(written, committed, "PROVENANCE as written byte for byte");
    }

    #[test]
    fn the_digest_file_is_in_sha256sum_format() {
        assert_eq!(sha256_line("ab12"), "ab12  gitea-gate-guest.wasm\n");
    }
}
