//! One head, many pull requests. A commit status belongs to a commit, not to a pull request:
//! when two open pull requests share a head (one fork branch opened into `main` and into
//! `release/1.x`, a duplicate reopened), the last status posted on that commit answers for both,
//! and branch protection on each base reads it. So a `success` on a head must mean that **every**
//! open pull request whose head is that commit passes its own gate (its own base's policy and
//! CODEOWNERS), and the status names the pull request that did not.
//!
//! The sweep decides every open pull request anyway and posts once per head (sweep.rs). A
//! per-event run whose own pull request passes lists the open pull requests and decides the others
//! with the same head, without posting, before it posts `success` (pull_gate/mod.rs; it lists them
//! while it decides its own, so the check costs no round trip before the verdict); a run whose own
//! pull request does not pass posts that, which is already the safe answer.

use crate::commands::commit_status;
use crate::exit;
use crate::gitea::ApiError;
use crate::output::Report;
use crate::protocol::Code;
use crate::protocol::{Finding, Level, Outcome, PullView, StatusText};

/// What goes on a head shared by pull requests: `failure` if any fails (naming it), else `error`
/// if any could not be decided, else `success` — with the deciding pull request's number.
pub fn combine<'r>(reports: &[(u64, &'r Report)]) -> Option<(u64, &'r Report)> {
    let rank = |report: &Report| match report.verdict.verdict {
        Outcome::Fail => 0,
        Outcome::Error => 1,
        Outcome::Pass | Outcome::Skip => 2,
    };
    reports.iter().min_by_key(|(number, report)| (rank(report), *number)).copied()
}

/// A per-event run's `report` about pull request `number`, which passes, before `success` goes on
/// `head`: every other pull request of `open` (listed while the run decided) with that head is
/// decided by `decide` (its own gate, without posting). If one does not pass, or the list could
/// not be read, the report becomes what the head gets ([`overrule`]): the run says what its
/// status says. Otherwise a notice names the pull requests that share the head.
pub fn settle(
    report: &mut Report,
    number: u64,
    head: &str,
    open: Result<Vec<PullView>, ApiError>,
    decide: impl Fn(u64) -> Report,
) {
    let others = match open {
        Ok(open) => siblings(&open, number, head),
        Err(e) => {
            let message = format!("cannot list the open pull requests that may share this head: {e}");
            overrule(report, "error", commit_status::bounded(&message));
            return;
        }
    };
    if others.is_empty() {
        return;
    }
    let decided: Vec<(u64, Report)> = others.iter().map(|&other| (other, decide(other))).collect();
    let reports: Vec<(u64, &Report)> = decided.iter().map(|(n, r)| (*n, r)).collect();
    let Some((worst, worst_report)) = combine(&reports) else { return };
    let (state, description) = commit_status::final_state(&worst_report.verdict);
    let shown: Vec<String> = others.iter().map(|n| format!("#{n}")).collect();
    if state == "success" {
        let message = format!("the head is shared with {}, which pass their own gates too", shown.join(", "));
        report.verdict.findings.push(Finding::new(Code::SharedHead, Level::Notice, message));
        return;
    }
    report.verdict.findings.push(Finding::new(
        Code::SharedHead,
        Level::Warning,
        format!(
            "the head is shared with {}; #{worst} does not pass its own gate ({description}), so the head's status is \
             {state}, not success: a status belongs to the commit, and branch protection on #{worst}'s base reads it too",
            shown.join(", ")
        ),
    ));
    overrule(report, state, describe(worst, &description));
}

/// The other open pull requests (of `open`, as listed) whose head is `head`, by number (never
/// `number` itself).
pub fn siblings(open: &[PullView], number: u64, head: &str) -> Vec<u64> {
    let mut others: Vec<u64> = open
        .iter()
        .filter(|pr| pr.head_sha() == Some(head))
        .filter_map(|pr| pr.number)
        .filter(|n| *n != number)
        .collect();
    others.sort_unstable();
    others.dedup();
    others
}

/// The status description for a head whose deciding pull request is `number` (another than the
/// one the run is about): it names that pull request first.
pub fn describe(number: u64, description: &str) -> String {
    commit_status::bounded(&format!("#{number} (same head): {description}"))
}

/// Make `report` say what its head gets: `failure` (exit 1) when another pull request with the
/// same head fails its gate, `error` (exit 3) when one could not be decided. The pull request's
/// own verdict stays in the findings; the guest's exact bytes no longer describe the report.
pub fn overrule(report: &mut Report, state: &'static str, description: String) {
    let (outcome, code) =
        if state == "failure" { (Outcome::Fail, exit::FAIL) } else { (Outcome::Error, exit::UNDECIDED) };
    let own = format!("this pull request's own gate: {}", report.verdict.reason);
    report.verdict.findings.push(Finding::new(Code::SharedHead, Level::Notice, own));
    report.verdict.verdict = outcome;
    report.verdict.code = Code::SharedHead;
    report.verdict.reason = format!("{}: {description}", Code::SharedHead);
    report.verdict.status = Some(StatusText { state: state.to_owned(), description });
    report.raw = None;
    report.exit = code;
}
