//! The golden corpus (`tests/corpus/<check>/<case>.input.json` + `.verdict.json`), embedded by
//! build.rs so that `gitea-gate selftest` can prove, on any machine and architecture, that this
//! binary's sandbox produces exactly the expected verdicts. Embedded deflated: 1.4 MB of JSON
//! would be 14% of a binary every runner downloads, for a command run once per install.

use std::io::Read as _;

/// One golden vector: the guest's exact stdin and its exact expected stdout.
pub struct CorpusCase {
    pub name: String,
    pub input: Vec<u8>,
    pub verdict: Vec<u8>,
}

static DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/corpus.deflate"));

/// Every embedded vector, in name order.
pub fn cases() -> Result<Vec<CorpusCase>, String> {
    let mut records = Vec::new();
    flate2::read::DeflateDecoder::new(DEFLATED)
        .read_to_end(&mut records)
        .map_err(|e| format!("the embedded corpus does not inflate: {e}"))?;
    let mut rest = &records[..];
    let mut cases = Vec::new();
    while !rest.is_empty() {
        let name = String::from_utf8(field(&mut rest)?).map_err(|_| "a corpus case name is not UTF-8")?;
        cases.push(CorpusCase { name, input: field(&mut rest)?, verdict: field(&mut rest)? });
    }
    Ok(cases)
}

/// The next length-prefixed field of `rest`, which moves past it.
fn field(rest: &mut &[u8]) -> Result<Vec<u8>, String> {
    let (len, tail) = rest.split_first_chunk::<4>().ok_or("the embedded corpus is truncated")?;
    let len = usize::try_from(u32::from_le_bytes(*len)).map_err(|e| e.to_string())?;
    let (bytes, tail) = tail.split_at_checked(len).ok_or("the embedded corpus is truncated")?;
    *rest = tail;
    Ok(bytes.to_vec())
}
