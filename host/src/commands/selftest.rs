//! `gitea-gate selftest`: run every embedded golden vector through the sandbox, compare with the
//! expected verdict byte for byte, and print one digest over all verdicts. Two binaries (amd64,
//! arm64) that print the same digest decide identically on the whole corpus.

use std::fmt::Write as _;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::cli::Cli;
use crate::corpus;
use crate::exit;
use crate::guest;
use crate::output::Format;
use crate::sandbox::{EnginePath, Limits};

pub fn run(cli: &Cli) -> u8 {
    let sandbox = match cli.sandbox.load() {
        Ok(sandbox) => sandbox,
        Err(e) => {
            crate::log_line!("gitea-gate selftest: cannot load the guest: {e}");
            return exit::UNDECIDED;
        }
    };
    let corpus = match corpus::cases() {
        Ok(cases) => cases,
        Err(e) => {
            crate::log_line!("gitea-gate selftest: {e}");
            return exit::UNDECIDED;
        }
    };
    let engine = match sandbox.engine_path() {
        EnginePath::Aot => format!("aot ({})", guest::TARGET),
        EnginePath::Jit { why } => format!("jit ({why})"),
    };
    let mut digest = Sha256::new();
    let mut problems = Vec::new();
    let mut broken = false;
    for case in &corpus {
        match sandbox.run(vec![Bytes::from(case.input.clone()).into()], &Limits::for_input(case.input.len())) {
            Ok(output) => {
                digest.update(case.name.as_bytes());
                digest.update([0]);
                digest.update(&output.stdout);
                digest.update([0]);
                if output.stdout != case.verdict {
                    problems.push(format!("mismatch {}: the verdict differs from the golden one", case.name));
                }
            }
            Err(e) => {
                broken = true;
                problems.push(format!("error {}: {e}", case.name));
            }
        }
    }
    let digest = digest.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    let matched = corpus.len() - problems.len();
    if cli.output.format() == Format::Json {
        let report = SelftestReport {
            digest: &digest,
            engine: &engine,
            guest_sha256: guest::SHA256,
            matched,
            problems: &problems,
            vectors: corpus.len(),
        };
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        println!("gitea-gate selftest: {matched}/{} golden vectors match (engine: {engine})", corpus.len());
        for problem in &problems {
            println!("  {problem}");
        }
        println!("guest sha256: {}", guest::SHA256);
        println!("verdict digest: {digest}");
    }
    if broken {
        exit::UNDECIDED
    } else if problems.is_empty() {
        exit::PASS
    } else {
        exit::FAIL
    }
}
/// `selftest --format json` (fields in name order, as before they were typed).
#[derive(serde::Serialize)]
struct SelftestReport<'a> {
    digest: &'a str,
    engine: &'a str,
    guest_sha256: &'a str,
    matched: usize,
    problems: &'a [String],
    vectors: usize,
}
