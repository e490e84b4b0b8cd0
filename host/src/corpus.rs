//! The golden corpus (`tests/corpus/<check>/<case>.input.json` + `.verdict.json`), embedded by
//! build.rs so that `gitea-gate selftest` can prove, on any machine and architecture, that this
//! binary's sandbox produces exactly the expected verdicts.

/// One golden vector: the guest's exact stdin and its exact expected stdout.
pub struct CorpusCase {
    pub name: &'static str,
    pub input: &'static [u8],
    pub verdict: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/corpus.rs"));
