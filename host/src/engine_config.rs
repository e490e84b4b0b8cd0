//! The one wasmtime configuration, shared by the precompiler (`precompile`, which `scripts/xtask`
//! runs to make the machine code attached to release binaries) and the runtime (which loads it).
//! Every setting here is part of the compiled code's contract: if the two sides disagree,
//! wasmtime refuses the artifact and the host falls back to compiling at start-up (JIT builds;
//! slow, but still correct) or stops with exit 3 (release builds, which have no compiler).

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
    // No .eh_frame for the guest's code: it only serves outside unwinders (a debugger, the
    // system's), never wasmtime's own traps, backtraces or host-panic handling. And no address
    // map: it turns a trap's code address into a wasm byte offset for the backtrace, which no
    // message of ours shows. Together -946 KB of attached machine code on x86_64 (7,149,560 ->
    // 6,203,224 bytes) and -983 KB on aarch64; loading it takes ~0.1 ms less.
    config.native_unwind_info(false);
    config.generate_address_map(false);
    // No ELF symbol per compiled function: only tools that inspect the artifact read them
    // (wasmtime's runtime finds functions through its own metadata). -238 KB of attached machine
    // code on x86_64 (6,313,504 -> 6,075,848 bytes), and less for the loader to map.
    config.debug_symbols(false);
    config
}

/// Code-generation settings, for whichever side compiles: the precompiler and the runtime with
/// the `jit` feature. A runtime-only engine loads code compiled with them without needing them.
#[cfg(feature = "jit")]
pub fn compiler_settings(config: &mut wasmtime::Config) {
    // NaN bit patterns differ between x86_64 and aarch64; canonicalising them keeps verdicts
    // identical across architectures even if float code ever enters the guest.
    config.cranelift_nan_canonicalization(true);
    config.cranelift_opt_level(wasmtime::OptLevel::Speed);
}

/// The targets of the release binaries (`xtask release`), whose machine code `xtask
/// precompile` makes. A build for another target compiles the guest at start-up, so only with
/// the `jit` feature.
pub const PRECOMPILED_TARGETS: [&str; 2] = ["aarch64-unknown-linux-gnu", "x86_64-unknown-linux-gnu"];

/// The guest's machine code for `target` (a Rust target triple such as
/// `aarch64-unknown-linux-gnu`), as `Module::deserialize` on that target loads it. An explicit
/// target also means baseline CPU features: the artifact must load on every runner of that
/// architecture, not only on CPUs like the machine that compiled it. Deterministic: the same wasm,
/// wasmtime version and settings give the same bytes on any machine (the `jit` feature brings
/// every backend, `all-arch`, so an x86_64 machine compiles for aarch64 too).
#[cfg(feature = "jit")]
pub fn precompile(wasm: &[u8], target: &str) -> Result<Vec<u8>, String> {
    let mut config = engine_config();
    compiler_settings(&mut config);
    config.target(target).map_err(|e| format!("{target}: {e}"))?;
    let engine = wasmtime::Engine::new(&config).map_err(|e| format!("{e:#}"))?;
    engine.precompile_module(wasm).map_err(|e| format!("{e:#}"))
}
