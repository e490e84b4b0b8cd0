//! The sandbox: every limit on the guest is set here and nowhere else.
//!
//! The guest gets WASI preview 1 with: no preopened directories, no environment, no arguments
//! beyond its name, no sockets; stdin from blobs the host hands over; stdout/stderr into capped
//! buffers; a deterministic random source and frozen clocks (so that, e.g., a randomly seeded
//! HashMap behaves identically on every run and every architecture); a fuel budget (deterministic
//! compute bound); a wall-clock watchdog (fuel and epochs cannot stop a blocking host call, so the
//! watchdog runs the guest on its own thread and stops waiting at the deadline); a memory cap;
//! and an import allowlist checked before anything is instantiated.

mod confinement;
mod error;
pub mod machine_code;
mod streams;
mod wasi_imports;

use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use wasmtime::{Engine, ExternType, InstancePre, Linker, Module, Store, StoreLimitsBuilder, UpdateDeadline};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{Deterministic, I32Exit, WasiCtxBuilder};

use self::confinement::{FrozenClock, Limiter};
pub use self::error::SandboxError;
use self::error::{DeadlinePassed, classify, stderr_text};
use self::machine_code::{AlreadyExecutable, MappedCode};
pub use self::streams::{CappedOutput, ChainedInput};
use crate::blob::Blob;
use crate::engine_config::engine_config;

/// The only module the guest may import from.
pub const WASI_MODULE: &str = "wasi_snapshot_preview1";

/// The WASI functions the guest may import: exactly what the guest's Rust std uses (a test keeps
/// this list equal to the embedded guest's imports). Reading stdin, writing stdout/stderr and
/// exiting; `random_get` (hash-map seeds) and `clock_time_get` (the diff library's optional
/// deadline) see only the deterministic sources configured below. Everything else (files,
/// sockets, the environment, `poll_oneoff`, which can block) is refused before instantiation.
/// (The environment went with std's panic messages, which read `RUST_BACKTRACE`: the guest's std
/// aborts on a panic without formatting one, `xtask build-guest`.)
pub const ALLOWED_IMPORTS: &[&str] = &["fd_read", "fd_write", "proc_exit", "random_get", "clock_time_get"];

/// Bounds for one guest run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deterministic compute budget (roughly one unit per wasm operator).
    pub fuel: u64,
    /// Wall-clock budget, enforced by the watchdog.
    pub wall_clock: Duration,
    /// Cap on the guest's linear memory.
    pub memory_bytes: usize,
    pub stdout_bytes: usize,
    pub stderr_bytes: usize,
}

// Per-envelope-byte budgets, measured (GITEA_GATE_TIMINGS=1 prints fuel and peak memory per
// guest run) on the worst inputs we could build, through the whole host (fake Gitea, real rows):
//
// | request (envelope bytes)                                          | fuel/byte | memory/byte |
// |-------------------------------------------------------------------|-----------|-------------|
// | checklist, one comment of 40 000 `/sop-ack` lines (1.0 MB)         |       918 |        34.5 |
// | checklist, 20 000 one-line comments (16.4 MB)                      |       246 |         5.5 |
// | checklist, one 1 MiB line (1.1 MB)                                 |       123 |         5.0 |
// | checklist, 1 MiB of prose (1.1 MB)                                 |        49 |         5.9 |
// | checklist, 10 000 reviews whose bodies ack (8.9 MB)                |       297 |         7.4 |
// | approvals, 10 000 reviews (8.5 MB)                                 |       238 |         7.0 |
//
// (memory includes the fixed ~1 MiB of any run). The constants leave a safety factor of 2.7×
// on fuel and 1.9× on memory over the worst row. Fuel runs at roughly 0.5–1 G units/s on the
// 2-core development machine, so the wall clock assumes a tenth of that.

/// Fuel for the fixed work of any request (a trust decision uses about 90 000 units).
const BASE_FUEL: u64 = 500_000_000;
/// Fuel per envelope byte (see the measurements above).
const ENVELOPE_FUEL_PER_BYTE: u64 = 2_500;
/// Fuel per blob byte: a drift compare hashes both files and compares them.
const BLOB_FUEL_PER_BYTE: u64 = 200;
/// Linear memory per envelope byte: the line itself, its parsed JSON tree and what the check
/// derives from it (see the measurements above).
const ENVELOPE_MEMORY_PER_BYTE: usize = 64;
/// Linear memory per blob byte: a drift compare holds both files.
const BLOB_MEMORY_PER_BYTE: usize = 2;
/// Verdict bytes allowed per envelope byte, above the fixed 8 MiB.
const STDOUT_PER_ENVELOPE_BYTE: usize = 2;
/// The slowest rate the wall-clock budget assumes the guest burns fuel at, per second.
const FUEL_PER_SECOND_FLOOR: u64 = 100_000_000;

impl Limits {
    /// Limits for a request of `envelope_bytes` (the JSON line) and `blob_bytes` (the raw blobs
    /// behind it): a floor for the fixed work of any request, plus room proportional to each
    /// kind of byte, so that no volume of data — a flood of comments, ten thousand reviews, a
    /// 100 MiB file — runs the guest out of budget before it decides. The wall clock follows
    /// the fuel, so that fuel (deterministic) is the limit that binds.
    pub fn for_request(envelope_bytes: usize, blob_bytes: usize) -> Limits {
        let envelope = u64::try_from(envelope_bytes).unwrap_or(u64::MAX);
        let blobs = u64::try_from(blob_bytes).unwrap_or(u64::MAX);
        let scaled_fuel =
            envelope.saturating_mul(ENVELOPE_FUEL_PER_BYTE).saturating_add(blobs.saturating_mul(BLOB_FUEL_PER_BYTE));
        Limits {
            fuel: BASE_FUEL.saturating_add(scaled_fuel),
            wall_clock: Duration::from_secs(20)
                .saturating_add(Duration::from_millis(scaled_fuel / (FUEL_PER_SECOND_FLOOR / 1000))),
            memory_bytes: (64usize << 20)
                .saturating_add(envelope_bytes.saturating_mul(ENVELOPE_MEMORY_PER_BYTE))
                .saturating_add(blob_bytes.saturating_mul(BLOB_MEMORY_PER_BYTE)),
            // A verdict lists findings about what it was given (one per excluded reviewer, say).
            stdout_bytes: (8usize << 20).saturating_add(envelope_bytes.saturating_mul(STDOUT_PER_ENVELOPE_BYTE)),
            stderr_bytes: 64 << 10,
        }
    }

    /// Limits for `input_bytes` of request whose split is unknown (the corpus, `selftest`):
    /// every byte is budgeted like an envelope byte, the costlier kind.
    pub fn for_input(input_bytes: usize) -> Limits {
        Limits::for_request(input_bytes, 0)
    }
}

/// How the guest's machine code was obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnginePath {
    /// The machine code attached to the executable, mapped in place (fast start).
    Aot,
    /// Compiled by Cranelift at start-up; `why` says why the attached code was not used.
    Jit { why: String },
}

/// What a successful run produced.
#[derive(Debug)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub fuel_used: u64,
    /// The largest linear memory the guest had.
    pub peak_memory: usize,
}

/// Limits that replace the computed ones (hidden diagnostic flags, tests).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    pub fuel: Option<u64>,
    pub wall_clock: Option<Duration>,
    pub memory_bytes: Option<usize>,
}

impl Overrides {
    fn apply(&self, limits: &Limits) -> Limits {
        Limits {
            fuel: self.fuel.unwrap_or(limits.fuel),
            wall_clock: self.wall_clock.unwrap_or(limits.wall_clock),
            memory_bytes: self.memory_bytes.unwrap_or(limits.memory_bytes),
            ..limits.clone()
        }
    }
}

/// A loaded guest, ready to run any number of times (each run gets a fresh store and instance).
pub struct Sandbox {
    engine: Engine,
    pre: InstancePre<GuestState>,
    path: EnginePath,
    overrides: Overrides,
}

struct GuestState {
    wasi: WasiP1Ctx,
    limiter: Limiter,
}

impl Sandbox {
    /// Compile `wasm` with Cranelift (the JIT path).
    pub fn from_wasm(wasm: &[u8], why: impl Into<String>) -> Result<Sandbox, SandboxError> {
        Sandbox::from_wasm_allowing(wasm, why, &[])
    }

    /// Like [`Sandbox::from_wasm`], with extra WASI imports allowed. Tests use it to prove that
    /// the watchdog stops a guest blocked in a host call; no shipped path allows more imports.
    #[doc(hidden)]
    #[cfg(feature = "jit")]
    pub fn from_wasm_allowing(wasm: &[u8], why: impl Into<String>, extra: &[&str]) -> Result<Sandbox, SandboxError> {
        let engine = new_engine()?;
        let module = Module::new(&engine, wasm).map_err(|e| SandboxError::Load(format!("{e:#}")))?;
        Sandbox::new(engine, module, EnginePath::Jit { why: why.into() }, extra)
    }

    /// Without the `jit` feature there is no compiler: say so, and why one was needed.
    #[cfg(not(feature = "jit"))]
    pub fn from_wasm_allowing(_wasm: &[u8], why: impl Into<String>, _extra: &[&str]) -> Result<Sandbox, SandboxError> {
        Err(SandboxError::Load(format!(
            "this gitea-gate was built without the JIT compiler (release builds run only the machine \
             code attached to them), and compiling was needed because {}; use a release binary \
             (scripts/install.sh) or a build with the `jit` feature",
            why.into()
        )))
    }

    /// Run the machine code attached to this executable ([`machine_code`]), mapped in place;
    /// the `wasm` is compiled instead (JIT builds only) if the code is missing or refused.
    pub fn from_attached(wasm_sha256: &str, wasm: &[u8]) -> Result<Sandbox, SandboxError> {
        crate::timings::mark("sandbox: loading");
        let code = match MappedCode::of_running_executable(wasm_sha256) {
            Ok(code) => code,
            Err(refused) => return Sandbox::from_wasm(wasm, refused.to_string()),
        };
        Sandbox::from_mapped(code)
            .or_else(|e| Sandbox::from_wasm(wasm, format!("the attached machine code was refused: {e}")))
    }

    /// Load machine code mapped by [`MappedCode`].
    pub fn from_mapped(code: MappedCode) -> Result<Sandbox, SandboxError> {
        crate::timings::mark("sandbox: machine code mapped");
        let mut config = engine_config();
        // The code is executable already, as mapped: nothing for wasmtime to mprotect. Only this
        // engine gets it; one that compiles (the JIT fallback) must publish its own code.
        config.with_custom_code_memory(Some(Arc::new(AlreadyExecutable)));
        let engine = Engine::new(&config).map_err(|e| SandboxError::Load(format!("{e:#}")))?;
        crate::timings::mark("sandbox: engine created");
        // SAFETY: `Module::deserialize_raw` trusts its input to be wasmtime's own output and to
        // outlive the module, unchanged. Both hold: the bytes are the artifact `scripts/xtask`
        // precompiled from the embedded guest with this wasmtime and `engine_config()` and
        // attached to this very executable (whose checksum install.sh verified as a whole);
        // `MappedCode` checked that it names the embedded guest's sha256 and lies inside the
        // file, mapped it privately and read-only, and never unmaps it. wasmtime still checks
        // the version and configuration recorded in the artifact and refuses a mismatch.
        #[allow(unsafe_code, reason = "the audited load of our own attached artifact")]
        let module = unsafe { Module::deserialize_raw(&engine, code.memory()) }
            .map_err(|e| SandboxError::Load(format!("{e:#}")))?;
        crate::timings::mark("sandbox: attached machine code loaded");
        Sandbox::new(engine, module, EnginePath::Aot, &[])
    }

    fn new(engine: Engine, module: Module, path: EnginePath, extra: &[&str]) -> Result<Sandbox, SandboxError> {
        check_imports(&module, extra)?;
        let mut linker: Linker<GuestState> = Linker::new(&engine);
        wasi_imports::link(&mut linker, extra).map_err(|e| SandboxError::Load(format!("{e:#}")))?;
        let pre = linker.instantiate_pre(&module).map_err(|e| SandboxError::Load(format!("{e:#}")))?;
        Ok(Sandbox { engine, pre, path, overrides: Overrides::default() })
    }

    pub fn engine_path(&self) -> &EnginePath {
        &self.path
    }

    pub fn with_overrides(mut self, overrides: Overrides) -> Sandbox {
        self.overrides = overrides;
        self
    }

    /// Run the guest once with `stdin` (the parts are read back to back).
    pub fn run(&self, stdin: Vec<Blob>, limits: &Limits) -> Result<Output, SandboxError> {
        let mut limits = self.overrides.apply(limits);
        // A download is read while the guest runs: its own time limit bounds the transfer, so
        // the guest's clock gets that long on top, and a slow server is not reported as a guest
        // that ran out of time.
        let transfer: Duration = stdin.iter().map(Blob::transfer_allowance).sum();
        limits.wall_clock = limits.wall_clock.saturating_add(transfer);
        let limits = &limits;
        let (done, result) = mpsc::channel();
        let pre = self.pre.clone();
        let engine = self.engine.clone();
        let worker_limits = limits.clone();
        let deadline = Instant::now() + limits.wall_clock;
        thread::Builder::new()
            .name("gitea-gate-guest".to_owned())
            .spawn(move || {
                // wasmtime-wasi's sync API runs its (always-ready, in-memory) stdio futures on
                // the current tokio runtime, or else builds a multi-threaded one on first use.
                // A current-thread runtime here avoids starting worker threads on every run.
                let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build();
                crate::timings::mark("guest: thread and I/O runtime started");
                let outcome = match &runtime {
                    Ok(runtime) => {
                        let _context = runtime.enter();
                        run_in_store(&engine, &pre, stdin, &worker_limits, deadline)
                    }
                    Err(e) => Err(SandboxError::Load(format!("cannot start the guest's I/O runtime: {e}"))),
                };
                let _ = done.send(outcome);
            })
            .map_err(|e| SandboxError::Load(format!("cannot start the guest thread: {e}")))?;
        match result.recv_timeout(limits.wall_clock) {
            Ok(outcome) => outcome,
            Err(RecvTimeoutError::Timeout) => {
                // Stop the guest if it is running wasm (its epoch callback sees the deadline);
                // if it is stuck in a host call the thread is abandoned, and the process exits
                // soon after with this error.
                self.engine.increment_epoch();
                let _ = result.recv_timeout(Duration::from_millis(200));
                Err(SandboxError::Timeout(limits.wall_clock))
            }
            Err(RecvTimeoutError::Disconnected) => Err(SandboxError::Lost),
        }
    }
}

#[cfg(feature = "jit")]
fn new_engine() -> Result<Engine, SandboxError> {
    let mut config = engine_config();
    crate::engine_config::compiler_settings(&mut config);
    Engine::new(&config).map_err(|e| SandboxError::Load(format!("{e:#}")))
}

fn check_imports(module: &Module, extra: &[&str]) -> Result<(), SandboxError> {
    for import in module.imports() {
        let allowed = import.module() == WASI_MODULE
            && (ALLOWED_IMPORTS.contains(&import.name()) || extra.contains(&import.name()))
            && matches!(import.ty(), ExternType::Func(_));
        if !allowed {
            return Err(SandboxError::ForbiddenImport {
                module: import.module().to_owned(),
                name: import.name().to_owned(),
            });
        }
    }
    Ok(())
}

fn run_in_store(
    engine: &Engine,
    pre: &InstancePre<GuestState>,
    stdin: Vec<Blob>,
    limits: &Limits,
    deadline: Instant,
) -> Result<Output, SandboxError> {
    let stdout = CappedOutput::new(limits.stdout_bytes);
    let stderr = CappedOutput::new(limits.stderr_bytes);
    let stdin = ChainedInput::new(stdin);
    let wasi = WasiCtxBuilder::new()
        .stdin(stdin.clone())
        .stdout(stdout.clone())
        .stderr(stderr.clone())
        .arg("gitea-gate-guest")
        // Deterministic "randomness": the guest only uses it to seed hash maps.
        .secure_random(Deterministic::new(vec![0x67, 0x69, 0x74, 0x65, 0x61, 0x2d, 0x67, 0x61]))
        .insecure_random(Deterministic::new(vec![0x74, 0x65]))
        .insecure_random_seed(0)
        .wall_clock(FrozenClock)
        .monotonic_clock(FrozenClock)
        .build_p1();
    let limiter = Limiter {
        inner: StoreLimitsBuilder::new()
            .memory_size(limits.memory_bytes)
            .instances(1)
            .memories(1)
            .tables(4)
            .table_elements(100_000)
            .trap_on_grow_failure(true)
            .build(),
        cap: limits.memory_bytes,
        denied: None,
        peak: 0,
    };
    let mut store = Store::new(engine, GuestState { wasi, limiter });
    store.limiter(|state| &mut state.limiter);
    store.set_fuel(limits.fuel).map_err(|e| SandboxError::Load(format!("{e:#}")))?;
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        // The epoch is shared by every store of this engine; only our own deadline stops us.
        if Instant::now() >= deadline { Err(DeadlinePassed.into()) } else { Ok(UpdateDeadline::Continue(1)) }
    });

    let instance = pre.instantiate(&mut store);
    crate::timings::mark("guest: instantiated");
    let result = instance
        .and_then(|instance| instance.get_typed_func::<(), ()>(&mut store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    crate::timings::mark("guest: returned");
    let fuel_used = limits.fuel.saturating_sub(store.get_fuel().unwrap_or(0));
    let denied = store.data().limiter.denied;
    let peak_memory = store.data().limiter.peak;

    if let Some(why) = stdin.failure() {
        // Whatever the guest did after a failed read, it did not see its whole input.
        return Err(SandboxError::Input(why));
    }
    let error = match result {
        Ok(()) => None,
        Err(e) => match e.downcast_ref::<I32Exit>() {
            Some(I32Exit(0)) => None,
            Some(I32Exit(code)) => Some(SandboxError::GuestExit { code: *code, stderr: stderr_text(&stderr.take()) }),
            None => Some(classify(&e, limits, &stdout, &stderr, denied)),
        },
    };
    match error {
        // A download's blob id is checked at its end: a guest that answered before reading that
        // far answered about bytes nobody checked.
        None if stdin.download_unread() => Err(SandboxError::DownloadUnread),
        None => Ok(Output { stdout: stdout.take(), stderr: stderr.take(), fuel_used, peak_memory }),
        Some(error) => Err(error),
    }
}

#[cfg(all(test, feature = "jit"))]
mod tests {
    use super::*;

    #[test]
    fn a_guest_that_answers_before_a_download_is_checked_decides_nothing() {
        // A large canonical copy streams from /raw and its blob id is checked at its end. A guest that
        // writes a verdict without reading that far has decided on bytes nobody checked.
        use crate::gitea::download::Download;
        use crate::gitea::{Client, ClientConfig};
        let wasm = wat::parse_str(
            r#"(module
                 (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
                 (memory (export "memory") 1)
                 (data (i32.const 16) "{}")
                 (data (i32.const 0) "\10\00\00\00\02\00\00\00")
                 (func (export "_start") (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
        )
        .expect("valid wat");
        let sandbox = Sandbox::from_wasm(&wasm, "test").expect("load");
        // Never contacted: the guest does not read it.
        let client = Client::new(ClientConfig::new("http://127.0.0.1:9/api/v1"), None);
        let blob_id = "ce013625030ba8dba906f756967f9e9ca394464a".to_owned();
        let download = Download::new(client, "/repos/a/b/raw/x".into(), "main".into(), 6, blob_id, "a/b@main:x".into());
        let err = sandbox.run(vec![Blob::Download(download)], &Limits::for_input(0)).expect_err("never an answer");
        assert!(matches!(err, SandboxError::DownloadUnread), "{err:?}");
        // A blob the host holds in memory, left unread, is not such a case: nothing is checked at its end.
        let answered = sandbox.run(vec![Blob::from(b"hello\n".to_vec())], &Limits::for_input(0)).expect("run");
        assert_eq!(answered.stdout, b"{}");
    }
}
