//! One head, many pull requests. A commit status belongs to a commit, not to a pull request:
//! when two open pull requests share a head (one fork branch opened into `main` and into
//! `release/1.x`, a duplicate reopened), the last status posted on that commit answers for both,
//! and branch protection on each base reads it. So a `success` on a head must mean that **every**
//! open pull request whose head is that commit passes its own gate (its own base's policy and
//! CODEOWNERS), and the status names the pull request that did not.
//!
//! The sweep decides every open pull request anyway and posts once per head (sweep.rs). A
//! per-event run whose own pull request passes lists the open pull requests and decides the others
//! with the same head, without posting, before it posts `success` ([`siblings`]); a run whose own
//! pull request does not pass posts that, which is already the safe answer.

use serde_json::Value;

use crate::commands::Problem;
use crate::gitea::{Client, RepoName, pulls};
use crate::output::Report;
use crate::protocol::Outcome;

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

/// The other open pull requests whose head is `head`, by number (never `number` itself).
pub fn siblings(client: &Client, repo: &RepoName, number: u64, head: &str) -> Result<Vec<u64>, Problem> {
    let open = pulls::list_open(client, repo)
        .map_err(|e| Problem::api(&e, "cannot list the open pull requests that may share this head"))?;
    let mut others: Vec<u64> = open
        .iter()
        .filter(|pr| pr.get("head").and_then(|h| h.get("sha")).and_then(Value::as_str) == Some(head))
        .filter_map(|pr| pr.get("number").and_then(Value::as_u64))
        .filter(|n| *n != number)
        .collect();
    others.sort_unstable();
    others.dedup();
    Ok(others)
}

/// The status description for a head whose deciding pull request is `number` (another than the
/// one the run is about): it names that pull request first.
pub fn describe(number: u64, description: &str) -> String {
    crate::commands::commit_status::bounded(&format!("#{number} (same head): {description}"))
}
