//! `--record FILE`: every decision the guest made in a run, exactly as it was asked and as it
//! answered, with the guest that decided. `gitea-gate replay FILE` (commands/replay.rs) decides
//! each again, offline, and must get the same bytes: a verdict can be checked long after the run,
//! on any machine and either architecture.
//!
//! A record never holds a secret: a request carries only whether a secret is present (the token
//! itself never enters one), and nothing from the environment is recorded beside the requests.

use std::sync::{Mutex, OnceLock};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::blob::Blob;

/// The record file's format; a reader refuses any other.
pub const FORMAT: &str = "gitea-gate-record/1";

/// What `--record` writes.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub format: String,
    /// The gitea-gate version that recorded it.
    pub gitea_gate: String,
    /// The guest that decided (sha256 of its wasm): a replay needs this very guest.
    pub guest_sha256: String,
    /// Every decision of the run, in order (a pull-request gate asks several questions; a sweep
    /// decides each pull request).
    pub decisions: Vec<Recorded>,
}

/// One request and the guest's answer.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// The request's envelope line, byte for byte (without its newline).
    pub request: String,
    /// The request's blobs (file contents), base64, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<String>,
    /// The verdict the guest wrote, to read.
    pub verdict: Value,
    /// sha256 of the guest's exact output: what a replay must reproduce.
    pub verdict_sha256: String,
}

/// The decisions of this run, once `--record` asked for them; `Err` when one could not be kept.
static DECISIONS: OnceLock<Mutex<Result<Vec<Recorded>, String>>> = OnceLock::new();

/// Keep every decision from now on.
pub fn start() {
    DECISIONS.get_or_init(|| Mutex::new(Ok(Vec::new())));
}

/// Keep one decision, when recording (sandbox/protocol.rs calls this after every answer).
pub fn remember(envelope: &[u8], blobs: &[Blob], output: &[u8]) {
    let Some(decisions) = DECISIONS.get() else { return };
    let recorded = recorded(envelope, blobs, output);
    let mut decisions = decisions.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match (decisions.as_mut(), recorded) {
        (Ok(list), Ok(one)) => list.push(one),
        (Ok(_), Err(why)) => *decisions = Err(why),
        (Err(_), _) => {}
    }
}

fn recorded(envelope: &[u8], blobs: &[Blob], output: &[u8]) -> Result<Recorded, String> {
    let line = envelope.strip_suffix(b"\n").unwrap_or(envelope);
    let request = String::from_utf8(line.to_vec()).map_err(|_| "a request is not UTF-8".to_owned())?;
    let mut encoded = Vec::with_capacity(blobs.len());
    for blob in blobs {
        let mut bytes = Vec::new();
        let mut reader = blob.reader();
        while let Some(chunk) = reader.read(1 << 20).map_err(|f| f.message)? {
            bytes.extend_from_slice(&chunk);
        }
        encoded.push(base64::engine::general_purpose::STANDARD.encode(bytes));
    }
    let verdict = serde_json::from_slice(output).map_err(|e| format!("the guest's answer is not JSON: {e}"))?;
    Ok(Recorded { request, blobs: encoded, verdict, verdict_sha256: crate::guest::hex_sha256(output) })
}

/// Write the record to `path`; the number of decisions written.
pub fn write(path: &std::path::Path) -> Result<usize, String> {
    let Some(decisions) = DECISIONS.get() else { return Ok(0) };
    let decisions =
        std::mem::replace(&mut *decisions.lock().unwrap_or_else(std::sync::PoisonError::into_inner), Ok(Vec::new()));
    let decisions = decisions.map_err(|why| format!("a decision could not be recorded: {why}"))?;
    let count = decisions.len();
    let record = Record {
        format: FORMAT.to_owned(),
        gitea_gate: env!("CARGO_PKG_VERSION").to_owned(),
        guest_sha256: crate::guest::SHA256.to_owned(),
        decisions,
    };
    let mut text = serde_json::to_vec_pretty(&record).map_err(|e| e.to_string())?;
    text.push(b'\n');
    crate::files::write_atomically(path, &text, "the record file (--record)").map_err(|e| e.message().to_owned())?;
    Ok(count)
}
