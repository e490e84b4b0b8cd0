//! The host's side of protocol v1: building a request (one line of JSON, then raw blobs) and
//! reading the verdict back. Every type on the wire is defined once, in the
//! `gitea-gate-protocol` crate the guest shares (docs/architecture.md §2).

use bytes::Bytes;
use gitea_gate_protocol::{ByteSource, Envelope};

pub use gitea_gate_protocol::{
    ApprovalFacts, ChangedFile, Check, ChecklistFacts, Code, DriftDetails, DriftFacts, DriftLimits, EventFacts, Facts,
    FileCopy, Finding, Item, Level, Lookup, MembershipFact, MembershipProbe, NamedCase, Needs, Outcome, Owners,
    OwnersNamed, PROTOCOL_VERSION, Pair, PayloadView, PinDetails, PinFacts, PinMode, PinnedFile, PolicyFacts,
    PolicyTestFacts, PullHistory, PullView, ReviewRequest, RunContext, SecretFact, Server, SourceFile, StatusText,
    TeamFact, Trust, TrustFacts, Verdict,
};

use crate::blob::Blob;
use crate::sandbox::{Limits, Sandbox, SandboxError};

/// A request for one check: its facts, and the byte blobs its facts refer to by index.
pub struct Request {
    pub facts: Facts,
    pub blobs: Vec<Blob>,
}

/// Attach `blob` to `blobs`; returns the reference to put in the facts.
pub fn attach(blobs: &mut Vec<Blob>, blob: impl Into<Blob>) -> ByteSource {
    blobs.push(blob.into());
    ByteSource::Blob(blobs.len() - 1)
}

impl Request {
    pub fn new(facts: Facts) -> Request {
        Request { facts, blobs: Vec::new() }
    }

    /// The check's name on the wire.
    pub fn check(&self) -> &'static str {
        self.facts.check().as_str()
    }

    /// The envelope line: version, check, facts and the length of every blob.
    pub fn envelope(&self) -> Bytes {
        // Serialized from borrowed facts: no copy of ten thousand review rows.
        let envelope = Envelope {
            blobs: self.blobs.iter().map(Blob::len).collect(),
            check: self.check().to_owned(),
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
        request.check(),
        envelope.len(),
        request.blob_bytes()
    ));
    let output = sandbox.run(request.stdin_with(envelope.clone()), &limits)?;
    crate::timings::mark(&format!(
        "{} decided by the guest ({} fuel of {}, {} bytes of memory of {})",
        request.check(),
        output.fuel_used,
        limits.fuel,
        output.peak_memory,
        limits.memory_bytes
    ));
    let verdict: Verdict =
        serde_json::from_slice(&output.stdout).map_err(|e| DecideError::BadVerdict(e.to_string()))?;
    if verdict.version != PROTOCOL_VERSION {
        return Err(DecideError::BadVerdict(format!("protocol version {}", verdict.version)));
    }
    crate::record::remember(&envelope, &request.blobs, &output.stdout);
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
        let facts = DriftFacts { context: RunContext::default(), token: None, pairs: Vec::new(), limits: None };
        let mut request = Request::new(Facts::Drift(facts));
        let reference = attach(&mut request.blobs, Bytes::from_static(b"abc"));
        assert_eq!(reference, ByteSource::Blob(0));
        let parts = request.stdin();
        assert_eq!(parts.len(), 2);
        assert!(matches!(&parts[1], Blob::Memory(b) if b == &Bytes::from_static(b"abc")));
        let envelope = request.envelope();
        assert!(matches!(&parts[0], Blob::Memory(b) if b == &envelope));
        let line = envelope.strip_suffix(b"\n").expect("newline");
        assert!(!line.contains(&b'\n'));
        let envelope: Envelope<serde_json::Value> = serde_json::from_slice(line).expect("json");
        assert_eq!((envelope.blobs, envelope.check.as_str(), envelope.version), (vec![3], "drift", PROTOCOL_VERSION));
        let facts = Facts::from_value(Check::Drift, envelope.facts).expect("typed");
        assert_eq!(facts, request.facts);
    }
}
