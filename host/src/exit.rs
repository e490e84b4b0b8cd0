//! Exit codes (contract v1, design.md §2).

use crate::protocol::Outcome;

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
