//! The one wasmtime configuration, shared by build.rs (which precompiles the guest ahead of
//! time) and the runtime (which loads that artifact). Every setting here is part of the compiled
//! code's contract: if the two sides disagree, `Module::deserialize` refuses the artifact and the
//! host falls back to compiling at start-up (slow, but still correct).
//!
//! This file is included by build.rs with `#[path]`, so it may only use `wasmtime`.

/// Fuel and epochs are compiled into the code (checks at loop heads and calls), so both must be
/// on here for the runtime to be able to use them.
pub fn engine_config() -> wasmtime::Config {
    let mut config = wasmtime::Config::new();
    // Deterministic compute bound: the same input burns the same fuel on every machine.
    config.consume_fuel(true);
    // Wall-clock bound: a watchdog bumps the epoch when the deadline passes.
    config.epoch_interruption(true);
    // The guest uses no SIMD; keeping proposals off shrinks what a hostile module can reach.
    // (Threads and GC are not even compiled into this wasmtime.)
    config.wasm_simd(false);
    config.wasm_relaxed_simd(false);
    config
}

/// Code-generation settings, for whichever side compiles: build.rs always, the runtime only with
/// the `jit` feature. A runtime-only engine loads code compiled with them without needing them.
/// (build.rs sets `gitea_gate_runtime` for the crate it builds, not for itself.)
#[cfg(any(feature = "jit", not(gitea_gate_runtime)))]
pub fn compiler_settings(config: &mut wasmtime::Config) {
    // NaN bit patterns differ between x86_64 and aarch64; canonicalising them keeps verdicts
    // identical across architectures even if float code ever enters the guest.
    config.cranelift_nan_canonicalization(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
}
