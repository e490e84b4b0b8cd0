//! Running other programs: cargo, git, rustc, qemu. Every failure names the command.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

/// A command for a build that must see the pinned compiler alone: scripts/test.sh lints its own
/// builds through clippy-driver (RUSTC_WORKSPACE_WRAPPER), which never compiles a release binary
/// or the guest (rustup's clippy-driver cannot build for Debian's toolchain at all).
pub fn unwrapped(program: impl AsRef<OsStr>) -> Command {
    let mut command = Command::new(program);
    command.env_remove("RUSTC_WORKSPACE_WRAPPER").env_remove("CLIPPY_ARGS");
    command
}

/// Run to completion; its output goes where the command's Stdio says (by default, ours).
pub fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("{}: {e}", describe(command)))?;
    if status.success() { Ok(()) } else { Err(format!("{} failed ({status})", describe(command))) }
}

/// Run with stdout captured (stderr passes through); its stdout, lossily decoded.
pub fn capture(command: &mut Command) -> Result<String, String> {
    let out = command.stderr(Stdio::inherit()).output().map_err(|e| format!("{}: {e}", describe(command)))?;
    if !out.status.success() {
        return Err(format!("{} failed ({})", describe(command), out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether the command runs and succeeds, its output discarded.
pub fn succeeds(command: &mut Command) -> bool {
    command.stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Our stdout for a child's: a mode whose stdout carries results sends a child's chatter to stderr.
pub fn to_stderr() -> Stdio {
    Stdio::from(std::io::stderr())
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}
