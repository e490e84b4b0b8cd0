//! The wasm entry point: stdin → `evaluate` → stdout. The verdict, not the exit status, carries
//! the decision; a non-zero exit means the guest itself failed (the host reports its stderr).
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Equal blobs are held once (stdin_request.rs): a drift check's two identical 100 MiB copies
    // take 100 MiB of the guest's memory, not 200.
    let verdict = match gitea_gate_guest::stdin_request::respond(&mut std::io::stdin().lock()) {
        Ok(verdict) => verdict,
        Err(e) => {
            eprintln!("cannot read the request: {e}");
            return ExitCode::from(2);
        }
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(&verdict).and_then(|()| stdout.flush()) {
        eprintln!("cannot write the verdict: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
