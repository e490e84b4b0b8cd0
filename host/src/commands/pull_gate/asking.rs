//! `--request-reviews`: the guest chose whom to ask (the verdict's `review_request`); the host
//! asks (`POST /pulls/{n}/requested_reviewers`, docs/gitea.md §6.6) and then says in the status
//! and the job summary who was asked. A request the server refuses changes nothing that was
//! decided: a warning says so, with the fix, and the status does not claim anyone was asked.

use crate::commands::commit_status::bounded;
use crate::commands::run_repository;
use crate::facts::RunFacts;
use crate::gitea::{Client, review_requests};
use crate::protocol::{Code, Finding, Level, ReviewRequest, Verdict};

/// Send the verdict's review request, if it names anyone; whether the verdict was changed.
pub(super) fn send(client: &Client, run: &RunFacts, number: u64, verdict: &mut Verdict) -> bool {
    let Some(asked) = verdict.review_request.clone().filter(|r| !r.is_empty()) else { return false };
    let who = asked.shown();
    let sent = run_repository(run, "the pull request lives there")
        .map_err(|problem| problem.message().to_owned())
        .and_then(|repo| review_requests::post(client, &repo, number, &asked).map_err(|e| e.to_string()));
    match sent {
        Ok(()) => {
            if let Some(status) = &mut verdict.status {
                status.description = bounded(&format!("{}; asked {who}", status.description));
            }
            if let Some(summary) = &mut verdict.summary {
                summary.push_str(&format!("\n**Asked for a review:** {}\n", spans(&asked)));
            }
        }
        Err(why) => {
            let message = format!("could not ask {who} for a review: {why}");
            let fix = "the token must be allowed to change review requests (the poster, an owner, or a \
                       collaborator of the repository), and each owner must be able to read pull requests";
            verdict.findings.push(Finding::new(Code::ReviewRequestFailed, Level::Warning, message).help(fix));
        }
    }
    true
}

/// Whom it asks, as code spans for the Markdown summary (names are logins and team names, which hold
/// no backtick; any that did is dropped, so the span cannot be closed early).
fn spans(asked: &ReviewRequest) -> String {
    let clean = |name: &str| name.replace('`', "");
    let teams = asked.team_reviewers.iter().map(|t| format!("`{}` (team)", clean(t)));
    let users = asked.reviewers.iter().map(|u| format!("`@{}`", clean(u)));
    teams.chain(users).collect::<Vec<_>>().join(", ")
}
