//! gitea-gate's decision core: a pure function from facts to a verdict.
//!
//! It is compiled twice: natively (unit tests, the golden corpus, fuzzing) and for
//! `wasm32-wasip1`, where the host runs it in a sandbox with no filesystem, no network, no
//! environment and no secrets. The shipped decision always goes through the wasm module; both
//! builds must produce byte-identical verdicts (the golden corpus checks it).
#![forbid(unsafe_code)]

pub mod base_merges;
pub mod bytes;
pub mod checks;
pub mod compare;
pub mod findings;
pub mod history;
pub mod membership;
pub mod protocol;
pub mod pulls;
pub mod reviews;
pub mod rules;
pub mod server;
pub mod sop_commands;
pub mod stdin_request;
pub mod text;
pub mod unified_diff;

use serde_json::json;

use crate::findings::{Code, Finding, Level};
use crate::protocol::{Envelope, Outcome, PROTOCOL_VERSION, Trust, Verdict};
use gitea_gate_protocol::Check;

/// A request the guest understood: the check to run with its typed facts (and, apart, the blobs).
pub type Request = gitea_gate_protocol::Facts;

/// Why a request could not be understood.
#[derive(Debug, PartialEq, Eq)]
pub struct InvalidInput(pub String);

/// Split stdin into the envelope and the blobs that follow it, and type the facts.
///
/// The envelope is one JSON value (the host writes it on one line; golden vectors may be
/// pretty-printed), then a newline, then exactly the declared blob bytes.
pub fn parse(stdin: &[u8]) -> Result<(Request, Vec<&[u8]>), InvalidInput> {
    let mut values = serde_json::Deserializer::from_slice(stdin).into_iter::<Envelope>();
    let envelope = match values.next() {
        Some(Ok(envelope)) => envelope,
        Some(Err(e)) => return Err(InvalidInput(format!("the request envelope is not valid: {e}"))),
        None => return Err(InvalidInput("the request is empty".to_owned())),
    };
    let after = &stdin[values.byte_offset()..];
    let mut rest = if envelope.blobs.is_empty() {
        // Nothing may follow but whitespace.
        after.trim_ascii_start()
    } else {
        after
            .strip_prefix(b"\n")
            .ok_or_else(|| InvalidInput("a newline must separate the envelope from its blobs".to_owned()))?
    };
    check_version(&envelope)?;
    let mut blobs = Vec::with_capacity(envelope.blobs.len());
    for (i, &len) in envelope.blobs.iter().enumerate() {
        let len = usize::try_from(len).map_err(|_| InvalidInput(format!("blob {i} is too large")))?;
        if rest.len() < len {
            return Err(InvalidInput(format!("blob {i} declares {len} bytes, but only {} follow", rest.len())));
        }
        let (blob, tail) = rest.split_at(len);
        blobs.push(blob);
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(InvalidInput(format!("{} unexpected bytes follow the declared blobs", rest.len())));
    }
    Ok((type_facts(envelope)?, blobs))
}

/// The envelope on `line` when the line is exactly one envelope and its newline (how the host
/// writes it); `None` for anything else, which `parse` then reads whole.
pub fn parse_envelope_line(line: &[u8]) -> Option<Envelope> {
    let json = line.strip_suffix(b"\n")?;
    let mut values = serde_json::Deserializer::from_slice(json).into_iter::<Envelope>();
    let envelope = values.next()?.ok()?;
    (values.byte_offset() == json.len()).then_some(envelope)
}

fn check_version(envelope: &Envelope) -> Result<(), InvalidInput> {
    if envelope.version == PROTOCOL_VERSION {
        return Ok(());
    }
    Err(InvalidInput(format!(
        "protocol version {} is not supported (this guest speaks {PROTOCOL_VERSION})",
        envelope.version
    )))
}

/// The check the envelope names, with its facts typed.
fn type_facts(envelope: Envelope) -> Result<Request, InvalidInput> {
    let check = Check::from_name(&envelope.check)
        .ok_or_else(|| InvalidInput(format!("unknown check {:?}", text::one_line(&envelope.check))))?;
    Request::from_value(check, envelope.facts)
        .map_err(|e| InvalidInput(format!("facts for check {:?}: {e}", envelope.check)))
}

/// Decide.
pub fn evaluate(request: Request, blobs: &[&[u8]]) -> Result<Verdict, InvalidInput> {
    match request {
        Request::Trust(facts) => Ok(checks::trust::evaluate(facts)),
        Request::Drift(facts) => checks::drift::evaluate(facts, blobs),
        Request::Pin(facts) => checks::pin::evaluate(facts, blobs),
        Request::Approvals(facts) => checks::approvals::evaluate(facts),
        Request::Checklist(facts) => checks::checklist::evaluate(facts),
        Request::Policy(facts) => checks::policy::evaluate(facts),
        Request::PolicyTest(facts) => rules::case::evaluate_tests(facts),
    }
}

/// The verdict for input that could not be understood: an error (exit 3), treated as trusted.
pub fn invalid_input(why: &InvalidInput) -> Verdict {
    let finding = Finding::new(Code::InvalidInput, Level::Error, text::one_line(&why.0))
        .help("the host and the guest disagree about the protocol; rebuild gitea-gate from one source tree");
    let mut verdict = Verdict::new("unknown", Outcome::Error, Trust::Trusted, &finding);
    verdict.findings.push(finding);
    verdict.details = json!({ "protocol_version": PROTOCOL_VERSION });
    checks::summary::attach(&mut verdict, &[], Vec::new());
    verdict
}

/// How many blob bytes the envelope line declares (0 when it cannot tell; `parse` reports why).
pub fn declared_blob_bytes(envelope_line: &[u8]) -> u64 {
    #[derive(serde::Deserialize)]
    struct Lengths {
        #[serde(default)]
        blobs: Vec<u64>,
    }
    serde_json::from_slice::<Lengths>(envelope_line.trim_ascii_end())
        .map(|l| l.blobs.iter().fold(0u64, |sum, &n| sum.saturating_add(n)))
        .unwrap_or(0)
}

/// stdin bytes → verdict bytes (pretty JSON and a final newline). Never panics on any input.
pub fn evaluate_bytes(stdin: &[u8]) -> Vec<u8> {
    let verdict = match parse(stdin).and_then(|(request, blobs)| evaluate(request, &blobs)) {
        Ok(verdict) => verdict,
        Err(why) => invalid_input(&why),
    };
    render(&verdict)
}

/// The one serialisation of a verdict, shared by the native and the wasm builds.
pub fn render(verdict: &Verdict) -> Vec<u8> {
    // Serialising these plain types cannot fail; the fallback keeps the function total anyway.
    let mut out = serde_json::to_vec_pretty(verdict).unwrap_or_else(|e| {
        format!("{{\"version\":{PROTOCOL_VERSION},\"verdict\":\"error\",\"reason\":\"cannot render verdict: {e}\"}}")
            .into_bytes()
    });
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_envelopes_with_a_reason() {
        let cases: [(&[u8], &str); 7] = [
            (b"", "the request is empty"),
            (b"{\"version\":1,", "envelope is not valid"),
            (b"{\"version\":2,\"check\":\"trust\",\"facts\":{}}", "protocol version 2"),
            (b"{\"version\":1,\"check\":\"nope\",\"facts\":{}}", "unknown check"),
            (b"{\"version\":1,\"check\":\"trust\",\"facts\":{},\"extra\":1}", "unknown field `extra`"),
            (b"{\"version\":1,\"check\":\"trust\",\"facts\":{\"context\":{},\"bogus\":1}}", "unknown field `bogus`"),
            (b"{\"version\":1,\"check\":\"trust\",\"facts\":{\"context\":{}},\"blobs\":[4]}\nab", "blob 0 declares 4"),
        ];
        for (input, want) in cases {
            let err = parse(input).expect_err("must be rejected");
            assert!(err.0.contains(want), "{:?} → {}", String::from_utf8_lossy(input), err.0);
        }
    }

    #[test]
    fn invalid_input_is_an_error_verdict() {
        let out = evaluate_bytes(b"not json");
        let v: serde_json::Value = serde_json::from_slice(&out).expect("json");
        assert_eq!(v["verdict"], "error");
        assert_eq!(v["code"], "invalid-input");
        assert_eq!(v["trust"], "trusted");
    }

    #[test]
    fn blobs_are_split_exactly() {
        let input = b"{\"version\":1,\"check\":\"trust\",\"facts\":{\"context\":{}},\"blobs\":[2,0,3]}\nabxyz";
        let (_, blobs) = parse(input).expect("parse");
        assert_eq!(blobs, vec![&b"ab"[..], &b""[..], &b"xyz"[..]]);
        let trailing = b"{\"version\":1,\"check\":\"trust\",\"facts\":{\"context\":{}},\"blobs\":[1]}\nab";
        assert!(parse(trailing).expect_err("rejected").0.contains("unexpected bytes"));
        let junk = b"{\"version\":1,\"check\":\"trust\",\"facts\":{\"context\":{}}}\n x";
        assert!(parse(junk).expect_err("rejected").0.contains("unexpected bytes"));
        let pretty = b"{\n  \"version\": 1,\n  \"check\": \"trust\",\n  \"facts\": {\"context\": {}}\n}\n";
        assert!(parse(pretty).is_ok());
    }
}
