//! Exit codes (contract v1: README.md "Exit codes"; docs/architecture.md §5).

use crate::protocol::{Code, Outcome, Verdict};

/// Pass, including a documented skip in an untrusted run.
pub const PASS: u8 = 0;
/// The gate says no.
pub const FAIL: u8 = 1;
/// Usage or configuration error.
pub const USAGE: u8 = 2;
/// Could not decide (network, API, sandbox). Never a pass.
pub const UNDECIDED: u8 = 3;

pub fn for_outcome(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Pass | Outcome::Skip => PASS,
        Outcome::Fail => FAIL,
        Outcome::Error => UNDECIDED,
    }
}

/// Guest findings that mean the gate was configured for something that cannot be checked: an
/// `error` verdict with one of these codes is a usage error (2), not "could not decide" (3).
pub const CONFIGURATION_CODES: &[Code] = &[
    Code::NoPullRequest,
    Code::PolicyInvalid,
    Code::PolicyTestCaseInvalid,
    Code::CodeownersMissing,
    Code::CodeownersPatternUnsupported,
    Code::ServerUnsupported,
];

/// The exit code for a guest verdict.
pub fn for_verdict(verdict: &Verdict) -> u8 {
    if verdict.verdict == Outcome::Error && CONFIGURATION_CODES.contains(&verdict.code) {
        return USAGE;
    }
    for_outcome(verdict.verdict)
}
