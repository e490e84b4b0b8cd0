//! Why the guest produced no verdict, told apart: each limit it hit is its own error (all exit 3),
//! so that "out of fuel" never reads as "panicked" or as whatever the guest did next.

use std::time::Duration;

use wasmtime::Trap;

use crate::blob::ReadFailure;

use super::{ALLOWED_IMPORTS, CappedOutput, Limits, WASI_MODULE};

/// Why the guest produced no verdict. Each is a distinct, clear error; all are exit 3.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the guest module could not be loaded: {0}")]
    Load(String),
    #[error(
        "the guest module imports `{module}::{name}`, which the sandbox does not provide \
         (allowed: {WASI_MODULE} functions {allowed}); refusing to run it",
        allowed = ALLOWED_IMPORTS.join(", ")
    )]
    ForbiddenImport { module: String, name: String },
    #[error("the guest ran out of fuel after {fuel} units: it computed far longer than any real input needs")]
    OutOfFuel { fuel: u64 },
    #[error("the guest did not finish within {0:?} (wall-clock watchdog); it was stopped")]
    Timeout(Duration),
    #[error("the guest tried to grow its memory to {wanted} bytes, beyond its cap of {cap} bytes")]
    MemoryCap { wanted: usize, cap: usize },
    #[error("the guest wrote more than {cap} bytes to {stream}; output is capped")]
    OutputOverflow { stream: &'static str, cap: usize },
    #[error("the guest panicked: {0}")]
    GuestPanic(String),
    #[error("the guest exited with status {code}: {stderr}")]
    GuestExit { code: i32, stderr: String },
    #[error("the guest trapped: {0}")]
    Trap(String),
    #[error("the guest's thread died without a result")]
    Lost,
    #[error("{}", .0.message)]
    Input(ReadFailure),
    #[error("the guest answered before reading a downloaded file to its end, where its blob id is checked")]
    DownloadUnread,
}

/// Marker error raised by the epoch callback once the wall-clock deadline has passed.
#[derive(Debug, thiserror::Error)]
#[error("wall-clock deadline passed")]
pub(super) struct DeadlinePassed;

pub(super) fn classify(
    e: &wasmtime::Error,
    limits: &Limits,
    stdout: &CappedOutput,
    stderr: &CappedOutput,
    denied: Option<usize>,
) -> SandboxError {
    if stdout.overflowed() {
        return SandboxError::OutputOverflow { stream: "stdout", cap: limits.stdout_bytes };
    }
    if stderr.overflowed() {
        return SandboxError::OutputOverflow { stream: "stderr", cap: limits.stderr_bytes };
    }
    if let Some(wanted) = denied {
        return SandboxError::MemoryCap { wanted, cap: limits.memory_bytes };
    }
    if e.is::<DeadlinePassed>() {
        return SandboxError::Timeout(limits.wall_clock);
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => SandboxError::OutOfFuel { fuel: limits.fuel },
        Some(Trap::Interrupt) => SandboxError::Timeout(limits.wall_clock),
        // A Rust panic ends in `unreachable`. The shipped guest aborts without formatting a message
        // (its std is built with panic=immediate-abort, `xtask build-guest`); a guest built the
        // ordinary way (`--guest-module`, tests) prints it to stderr first.
        Some(Trap::UnreachableCodeReached) => {
            let text = stderr_text(&stderr.take());
            SandboxError::GuestPanic(if text.is_empty() { "no message".to_owned() } else { text })
        }
        _ => SandboxError::Trap(format!("{e:#}")),
    }
}

/// The guest's stderr as one bounded, printable line.
pub(super) fn stderr_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    let shown: String = text.chars().take(400).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.chars().count() > 400 { format!("{shown}…") } else { shown }
}
