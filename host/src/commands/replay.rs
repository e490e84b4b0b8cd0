//! `gitea-gate replay FILE`: decide every request of a `--record` file again, offline, with this
//! binary's guest, and compare the guest's output byte for byte with what was recorded. The same
//! record replays to the same verdicts on every machine and architecture (the guest is
//! deterministic: frozen clocks, fixed randomness, no I/O), so a verdict can be checked long after
//! its run — or shown to need another guest.
//!
//! Exit 0: every decision identical. 1: one differs (named, with both verdicts' codes). 2: the
//! file is no record, or it was decided by another guest (named, with the gitea-gate version that
//! carries it). 3: the sandbox could not decide.

use std::io::Read as _;

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blob::Blob;
use crate::cli::{Cli, ReplayArgs};
use crate::exit;
use crate::guest;
use crate::guest::hex_sha256;
use crate::output::Format;
use crate::protocol::Verdict;
use crate::record::{FORMAT, Record};
use crate::sandbox::Limits;

/// The largest record read: a record holds a run's requests, file contents included.
const MAX_RECORD_BYTES: u64 = 1 << 30;

pub fn run(cli: &Cli, args: &ReplayArgs) -> u8 {
    let record = match read(&args.file) {
        Ok(record) => record,
        Err(why) => {
            crate::log_line!("gitea-gate replay: {why}");
            return exit::USAGE;
        }
    };
    if record.guest_sha256 != guest::SHA256 {
        crate::log_line!(
            "gitea-gate replay: {} was decided by guest sha256 {} (gitea-gate {}); this binary carries guest sha256 {} \
             (gitea-gate {}). Replay it with gitea-gate {}: only that guest decides exactly as it did",
            args.file.display(),
            record.guest_sha256,
            record.gitea_gate,
            guest::SHA256,
            env!("CARGO_PKG_VERSION"),
            record.gitea_gate
        );
        return exit::USAGE;
    }
    let sandbox = match cli.sandbox.load() {
        Ok(sandbox) => sandbox,
        Err(e) => {
            crate::log_line!("gitea-gate replay: {e}");
            return exit::UNDECIDED;
        }
    };
    let mut lines = Vec::new();
    let mut differs = None;
    for (i, decision) in record.decisions.iter().enumerate() {
        let n = i + 1;
        let blobs = match decode_blobs(&decision.blobs) {
            Ok(blobs) => blobs,
            Err(why) => {
                crate::log_line!("gitea-gate replay: decision {n}: {why}");
                return exit::USAGE;
            }
        };
        let envelope = Bytes::from(format!("{}\n", decision.request));
        let blob_bytes = blobs.iter().map(Bytes::len).sum();
        let limits = Limits::for_request(envelope.len(), blob_bytes);
        let mut stdin = vec![Blob::Memory(envelope)];
        stdin.extend(blobs.into_iter().map(Blob::Memory));
        let output = match sandbox.run(stdin, &limits) {
            Ok(output) => output,
            Err(e) => {
                crate::log_line!("gitea-gate replay: decision {n}: {e}");
                return exit::UNDECIDED;
            }
        };
        let recorded = shown(&decision.verdict);
        let replayed = serde_json::from_slice::<Value>(&output.stdout).map(|v| shown(&v)).unwrap_or_default();
        let same = hex_sha256(&output.stdout) == decision.verdict_sha256;
        lines.push(format!("decision {n}: {recorded} — {}", if same { "identical" } else { "DIFFERS" }));
        if !same && differs.is_none() {
            differs = Some(format!("decision {n} was {recorded}, and replays as {replayed}"));
        }
    }
    let digest = hex_sha256(
        record.decisions.iter().map(|d| d.verdict_sha256.as_str()).collect::<Vec<_>>().join("\n").as_bytes(),
    );
    let last = record.decisions.last().map(|d| shown(&d.verdict)).unwrap_or_else(|| "no decision".to_owned());
    print(cli, &record, &lines, differs.as_deref(), &digest, &last);
    if differs.is_some() { exit::FAIL } else { exit::PASS }
}

fn read(path: &std::path::Path) -> Result<Record, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut text = Vec::new();
    file.take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if text.len() as u64 > MAX_RECORD_BYTES {
        return Err(format!("{} is larger than {MAX_RECORD_BYTES} bytes; no record is", path.display()));
    }
    let record: Record = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not a gitea-gate record ({e}); write one with --record FILE", path.display()))?;
    if record.format != FORMAT {
        return Err(format!("{} is a {:?} record; this gitea-gate reads {FORMAT}", path.display(), record.format));
    }
    Ok(record)
}

fn decode_blobs(blobs: &[String]) -> Result<Vec<Bytes>, String> {
    blobs
        .iter()
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b).map(Bytes::from))
        .collect::<Result<_, _>>()
        .map_err(|e| format!("a blob is not valid base64: {e}"))
}

/// `policy: pass (policy-met)`; what is no verdict says so.
fn shown(verdict: &Value) -> String {
    match Verdict::deserialize(verdict) {
        Ok(v) => format!("{}: {} ({})", v.check, v.verdict.as_str(), v.code),
        Err(_) => "no verdict".to_owned(),
    }
}

/// `replay --format json`.
#[derive(Serialize)]
struct ReplayReport<'a> {
    decisions: usize,
    identical: bool,
    differs: Option<&'a str>,
    guest_sha256: &'a str,
    replay_digest: &'a str,
    last: &'a str,
}

fn print(cli: &Cli, record: &Record, lines: &[String], differs: Option<&str>, digest: &str, last: &str) {
    if cli.output.format() == Format::Json {
        let report = ReplayReport {
            decisions: record.decisions.len(),
            identical: differs.is_none(),
            differs,
            guest_sha256: &record.guest_sha256,
            replay_digest: digest,
            last,
        };
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        return;
    }
    for line in lines {
        println!("{line}");
    }
    match differs {
        None => println!("gitea-gate replay: {} decision(s) identical; the verdict was {last}", record.decisions.len()),
        Some(why) => println!("gitea-gate replay: NOT identical: {why}"),
    }
    println!("guest sha256: {}", record.guest_sha256);
    println!("replay digest: {digest}");
}
