//! The guest this binary embeds: the committed wasm module (whose sha256 build.rs checked) and
//! its committed ahead-of-time compiled form for this binary's own target.

use std::path::Path;

use crate::sandbox::{Overrides, Sandbox, SandboxError};

/// The wasm module, byte for byte as committed in `host/guest/`.
pub const WASM: &[u8] = include_bytes!("../guest/gitea-gate-guest.wasm");
/// Its sha256, as `gitea-gate --version` prints it.
pub const SHA256: &str = env!("GITEA_GATE_GUEST_SHA256");
/// The target the AOT artifact was compiled for.
pub const TARGET: &str = env!("GITEA_GATE_TARGET");
/// The committed machine code for that target (`host/guest/gitea-gate-guest.<target>.cwasm`,
/// `Engine::precompile_module` output), as build.rs checked and copied it; empty when none is
/// committed for the target (a `jit` build then compiles at start-up).
static PRECOMPILED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/guest.cwasm"));

/// The embedded machine code (for tests that compare it with the committed file).
pub fn precompiled() -> &'static [u8] {
    PRECOMPILED
}

/// Which way to get machine code for the guest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineMode {
    /// The precompiled artifact, compiling at start-up only if it cannot be used.
    #[default]
    Auto,
    /// Always compile at start-up (for benchmarks and diagnosis).
    Jit,
}

/// The embedded guest, or `module` instead (the hidden `--guest-module` diagnostic flag; it is
/// sandboxed exactly the same way), with `overrides` on its limits.
pub fn load(mode: EngineMode, module: Option<&Path>, overrides: Overrides) -> Result<Sandbox, SandboxError> {
    let sandbox = match (module, mode) {
        (Some(path), _) => {
            let wasm = std::fs::read(path).map_err(|e| SandboxError::Load(format!("{}: {e}", path.display())))?;
            crate::log_line!(
                "gitea-gate: warning: running the guest module {} (sha256 {}) instead of the embedded guest",
                path.display(),
                hex_sha256(&wasm)
            );
            Sandbox::from_wasm(&wasm, "--guest-module was given")?
        }
        (None, EngineMode::Auto) => Sandbox::from_precompiled(PRECOMPILED, WASM)?,
        (None, EngineMode::Jit) => Sandbox::from_wasm(WASM, "--engine jit was requested")?,
    };
    Ok(sandbox.with_overrides(overrides))
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
