//! Linking a release binary: static, release profile, no JIT, no machine code yet.
//!
//! Each binary is linked statically (-C target-feature=+crt-static): it then runs on older-glibc
//! runner images, and under qemu-user (a dynamically linked aarch64 binary deadlocks on its first
//! thread start there). Without the `jit` feature: no Cranelift, about half the size. The binary
//! runs the guest's machine code for its own arch, attached after linking (ship.rs).

use std::path::Path;
use std::time::Instant;

use super::{Release, triple};
use crate::process::{run, unwrapped};

/// Link the static release binary of the workspace at `src` (this checkout, or a clone of it) as
/// `<target>/<triple>/release/gitea-gate`.
pub fn build(r: &Release, arch: &str, src: &Path) -> Result<(), String> {
    let triple = triple(arch);
    // Workspace sources reach rustc as relative paths already; only the registry's are absolute.
    // (Remapping the checkout too would put the path into RUSTFLAGS, and with it into every
    // dependency's fingerprint: a second path would rebuild the world.)
    let flags = format!("-C target-feature=+crt-static --remap-path-prefix={}=/cargo", r.cargo_home.display());
    eprintln!("== building {triple} (static) from {}", src.display());
    let started = Instant::now();
    // A release binary is compiled by the pinned rustc alone, never through a wrapper.
    let mut cargo = if arch == "x86_64" {
        unwrapped("cargo")
    } else {
        // rustup here has only the x86_64 target; Debian's toolchain carries aarch64's std.
        let mut cargo = unwrapped("/usr/bin/cargo");
        cargo
            .env("RUSTC", "/usr/bin/rustc")
            .env("CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER", "aarch64-linux-gnu-gcc");
        cargo
    };
    cargo.current_dir(src).env("CARGO_TARGET_DIR", &r.target).env("RUSTFLAGS", flags);
    cargo.args(["build", "--release", "--locked", "--quiet", "-p", "gitea-gate", "--no-default-features", "--target"]);
    run(cargo.arg(&triple))?;
    eprintln!("   linked {triple} in {} s", started.elapsed().as_secs());
    Ok(())
}
