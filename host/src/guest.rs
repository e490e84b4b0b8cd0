//! The guest this binary runs: the committed wasm module (whose sha256 build.rs checked), as
//! machine code attached to the executable after linking (`sandbox::machine_code`).

use std::path::Path;

use crate::sandbox::{Overrides, Sandbox, SandboxError};

/// The wasm module, byte for byte as committed in `host/guest/`. Only a build that can compile
/// it carries it: a release binary (no `jit`) runs the attached machine code alone, and 1.9 MB
/// it could never use would only make every runner's download larger.
#[cfg(feature = "jit")]
pub const WASM: &[u8] = include_bytes!("../guest/gitea-gate-guest.wasm");
#[cfg(not(feature = "jit"))]
pub const WASM: &[u8] = &[];
/// Its sha256, as `gitea-gate --version` prints it and the attached machine code must name.
pub const SHA256: &str = env!("GITEA_GATE_GUEST_SHA256");
/// The target this binary was built for (the machine code attached to it is for this target).
pub const TARGET: &str = env!("GITEA_GATE_TARGET");

/// Which way to get machine code for the guest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineMode {
    /// The attached machine code, compiling at start-up only if it cannot be used.
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
        (None, EngineMode::Auto) => Sandbox::from_attached(SHA256, WASM)?,
        (None, EngineMode::Jit) => Sandbox::from_wasm(WASM, "--engine jit was requested")?,
    };
    Ok(sandbox.with_overrides(overrides))
}

/// Lower-case hex of the sha256 of `bytes` (the guest module's digest, a record's verdicts).
pub fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
