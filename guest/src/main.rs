//! The wasm entry point: stdin → `evaluate` → stdout. The verdict, not the exit status, carries
//! the decision; a non-zero exit means the guest itself failed (the host reports its stderr).
use std::io::{BufRead, Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut input = Vec::new();
    let mut stdin = std::io::stdin().lock();
    // Read the envelope line first so that the blobs behind it land in one exact allocation:
    // growing a Vec by doubling would need twice the memory for a 100 MiB file.
    if let Err(e) = stdin.read_until(b'\n', &mut input) {
        eprintln!("cannot read the request envelope: {e}");
        return ExitCode::from(2);
    }
    input.reserve(usize::try_from(gitea_gate_guest::declared_blob_bytes(&input)).unwrap_or(0));
    // Read in bounded chunks: wasmtime charges each host call for the size of the guest's buffer
    // ("hostcall fuel", 128 MiB by default), so one read into a 200 MiB buffer would be refused.
    loop {
        match (&mut stdin).take(8 << 20).read_to_end(&mut input) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("cannot read the request ({} bytes read): {e}", input.len());
                return ExitCode::from(2);
            }
        }
    }
    let verdict = gitea_gate_guest::evaluate_bytes(&input);
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(&verdict).and_then(|()| stdout.flush()) {
        eprintln!("cannot write the verdict: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
