//! The host's side of protocol v1 (the guest's side is `guest/src/protocol.rs`): building a
//! request (one line of JSON, then raw blobs) and reading the verdict back.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::blob::Blob;
use crate::sandbox::{Limits, Sandbox, SandboxError};

pub const PROTOCOL_VERSION: u32 = 1;

/// A request for one check: its facts, and the byte blobs its facts refer to by index.
pub struct Request {
    pub check: &'static str,
    pub facts: Value,
    pub blobs: Vec<Blob>,
}

impl Request {
    pub fn new(check: &'static str, facts: Value) -> Request {
        Request { check, facts, blobs: Vec::new() }
    }

    /// Attach a blob; returns the `{"blob": i}` reference to put in the facts.
    pub fn blob(&mut self, blob: impl Into<Blob>) -> Value {
        self.blobs.push(blob.into());
        json!({ "blob": self.blobs.len() - 1 })
    }

    /// The envelope line: version, check, facts and the length of every blob.
    pub fn envelope(&self) -> Bytes {
        // Serialized from borrowed facts (no copy of ten thousand review rows), keys in the
        // order a `json!` object would have them.
        #[derive(Serialize)]
        struct Envelope<'a> {
            blobs: Vec<u64>,
            check: &'a str,
            facts: &'a Value,
            version: u32,
        }
        let envelope = Envelope {
            blobs: self.blobs.iter().map(Blob::len).collect(),
            check: self.check,
            facts: &self.facts,
            version: PROTOCOL_VERSION,
        };
        let mut line = serde_json::to_vec(&envelope).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }

    /// The guest's stdin: the envelope line, then every blob, without copying the blobs.
    pub fn stdin(&self) -> Vec<Blob> {
        self.stdin_with(self.envelope())
    }

    /// [`Request::stdin`] with the envelope already built.
    fn stdin_with(&self, envelope: Bytes) -> Vec<Blob> {
        let mut parts = Vec::with_capacity(self.blobs.len() + 1);
        parts.push(Blob::Memory(envelope));
        parts.extend(self.blobs.iter().cloned());
        parts
    }

    /// Bytes in all blobs.
    pub fn blob_bytes(&self) -> usize {
        usize::try_from(self.blobs.iter().map(Blob::len).sum::<u64>()).unwrap_or(usize::MAX)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Pass,
    Fail,
    Skip,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
            Outcome::Error => "error",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trust {
    Trusted,
    Untrusted,
}

impl Trust {
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Trusted => "trusted",
            Trust::Untrusted => "untrusted",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Notice,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub code: String,
    pub level: Level,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusText {
    pub state: String,
    pub description: String,
}

/// A verdict, as the guest wrote it (or as the host writes one when it could not ask the guest).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verdict {
    pub version: u32,
    pub check: String,
    pub verdict: Outcome,
    pub trust: Trust,
    pub code: String,
    pub reason: String,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<Value>,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub details: Value,
    /// The job summary (Markdown, rendered and escaped by the guest), appended to
    /// `$GITHUB_STEP_SUMMARY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A verdict together with the exact bytes the guest wrote (the `--report` file).
#[derive(Clone, Debug)]
pub struct Decision {
    pub verdict: Verdict,
    pub raw: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("the guest's answer is not a verdict ({0}); the host and guest disagree about the protocol")]
    BadVerdict(String),
}

/// Ask the guest.
pub fn decide(sandbox: &Sandbox, request: &Request) -> Result<Decision, DecideError> {
    // The budgets scale with the whole request: the envelope (every review and comment travels
    // in it) as well as the blobs.
    let envelope = request.envelope();
    let limits = Limits::for_request(envelope.len(), request.blob_bytes());
    if let Some(path) = crate::env::get(crate::env::TRACE_GUEST_INPUT) {
        trace(&path, &envelope);
    }
    crate::timings::mark(&format!(
        "{} request ready ({} envelope bytes, {} blob bytes)",
        request.check,
        envelope.len(),
        request.blob_bytes()
    ));
    let output = sandbox.run(request.stdin_with(envelope), &limits)?;
    crate::timings::mark(&format!(
        "{} decided by the guest ({} fuel of {}, {} bytes of memory of {})",
        request.check, output.fuel_used, limits.fuel, output.peak_memory, limits.memory_bytes
    ));
    let verdict: Verdict =
        serde_json::from_slice(&output.stdout).map_err(|e| DecideError::BadVerdict(e.to_string()))?;
    if verdict.version != PROTOCOL_VERSION {
        return Err(DecideError::BadVerdict(format!("protocol version {}", verdict.version)));
    }
    Ok(Decision { verdict, raw: output.stdout })
}

/// Append the envelope line to the trace file; a trace that cannot be written is reported and
/// otherwise ignored (it is a diagnostic, never part of the decision).
fn trace(path: &str, envelope: &[u8]) {
    use std::io::Write;
    let written =
        std::fs::OpenOptions::new().create(true).append(true).open(path).and_then(|mut file| file.write_all(envelope));
    if let Err(e) = written {
        crate::log_line!("gitea-gate: cannot write the guest-input trace {path}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_is_one_envelope_line_then_the_blobs() {
        let mut request = Request::new("drift", json!({}));
        let reference = request.blob(Bytes::from_static(b"abc"));
        assert_eq!(reference, json!({"blob": 0}));
        let parts = request.stdin();
        assert_eq!(parts.len(), 2);
        assert!(matches!(&parts[1], Blob::Memory(b) if b == &Bytes::from_static(b"abc")));
        let envelope = request.envelope();
        assert!(matches!(&parts[0], Blob::Memory(b) if b == &envelope));
        let line = envelope.strip_suffix(b"\n").expect("newline");
        assert!(!line.contains(&b'\n'));
        let envelope: Value = serde_json::from_slice(line).expect("json");
        assert_eq!(envelope["blobs"], json!([3]));
        assert_eq!(envelope["version"], 1);
    }
}
