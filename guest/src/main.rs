//! The wasm entry point: stdin → `evaluate` → stdout. The verdict, not the exit status, carries
//! the decision; a non-zero exit means the guest itself failed.
use std::io::{BufRead, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut input = Vec::new();
    let mut stdin = std::io::stdin().lock();
    // Read the envelope line first so that the blobs behind it land in one exact allocation:
    // growing a Vec by doubling would need twice the memory for a 100 MiB file.
    if stdin.read_until(b'\n', &mut input).is_err() {
        return ExitCode::from(2);
    }
    input.reserve(usize::try_from(gitea_gate_guest::declared_blob_bytes(&input)).unwrap_or(0));
    if stdin.read_to_end(&mut input).is_err() {
        return ExitCode::from(2);
    }
    let verdict = gitea_gate_guest::evaluate_bytes(&input);
    let mut stdout = std::io::stdout().lock();
    if stdout.write_all(&verdict).and_then(|()| stdout.flush()).is_err() {
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
