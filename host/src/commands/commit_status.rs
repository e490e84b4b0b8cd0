//! The commit status of a pull-request gate over the whole run (`--status-context`).
//!
//! Branch protection reads only the **latest** status of a context on the head commit, and
//! Gitea's combined state counts `success`, `warning` and `skipped` alike as a pass (1.23+;
//! 1.22 blocks on `warning`). So a run that merely stops — an API error, a sandbox error, a
//! timeout, a kill — would leave whatever an earlier run posted on the same head standing,
//! typically an old `success`. The lifecycle therefore is:
//!
//! 1. as soon as the head commit is known (from the event payload when the run is about that
//!    pull request, else right after the pull request is read), `pending` "gitea-gate is
//!    deciding…" is posted in the background, concurrently with the gate's own requests;
//! 2. at the end, after that post has completed (never racing ahead of it), the final state:
//!    `success` (pass), `failure` (fail) or `error` (could not decide, with a one-line reason).
//!
//! A run killed between the two leaves `pending`, which blocks a merge like `error` does.
//! `warning` and `skipped` are never posted. A post that fails is an error line in the log and a
//! `status-not-posted` finding in the report; the exit code still follows the verdict.

use std::thread::JoinHandle;

use crate::commands::Problem;
use crate::facts::RunFacts;
use crate::gitea::statuses::{self, Status};
use crate::gitea::{ApiError, Client, RepoName};
use crate::output::Report;
use crate::protocol::Code;
use crate::protocol::{Finding, Level, Outcome, Trust, Verdict};

/// What `pending` says while the gate decides.
pub const PENDING_DESCRIPTION: &str = "gitea-gate is deciding…";

/// The longest description posted (Gitea enforces none; its UI shows one short line).
const DESCRIPTION_CHARS: usize = 140;

/// One run's status posts, in order.
pub struct StatusLifecycle {
    client: Client,
    repo: RepoName,
    context: String,
    target_url: Option<String>,
    token_name: String,
    /// The head commit the final state goes on (the pull request's, once it was read).
    head: Option<String>,
    /// `pending` posts in flight, per sha.
    in_flight: Vec<(String, JoinHandle<Result<(), ApiError>>)>,
}

impl StatusLifecycle {
    pub fn new(
        client: &Client,
        repo: RepoName,
        context: &str,
        target_url: Option<String>,
        token_name: &str,
    ) -> StatusLifecycle {
        StatusLifecycle {
            client: client.clone(),
            repo,
            context: context.to_owned(),
            target_url,
            token_name: token_name.to_owned(),
            head: None,
            in_flight: Vec::new(),
        }
    }

    /// The head commit is `sha`: the final state goes there, and `pending` is posted on it now,
    /// in the background (once per sha).
    pub fn head_known(&mut self, sha: &str) {
        if !is_commit_sha(sha) {
            return;
        }
        self.head = Some(sha.to_owned());
        if self.in_flight.iter().any(|(s, _)| s == sha) {
            return;
        }
        let (client, repo, context, target) =
            (self.client.clone(), self.repo.clone(), self.context.clone(), self.target_url.clone());
        let owned_sha = sha.to_owned();
        let handle = std::thread::spawn(move || {
            let status = Status {
                state: "pending",
                context: &context,
                description: PENDING_DESCRIPTION,
                target_url: target.as_deref(),
            };
            statuses::post(&client, &repo, &owned_sha, &status)
        });
        self.in_flight.push((sha.to_owned(), handle));
    }

    /// The head commit the final state goes on, once known.
    pub fn head(&self) -> Option<&str> {
        self.head.as_deref()
    }

    /// Wait for every `pending` post, then post the final state of `report` on the head.
    pub fn finish(self, report: &mut Report) {
        self.finish_for_head(report, None);
    }

    /// Like [`StatusLifecycle::finish`], but the head's state and description are `head_state`
    /// when given: the head is shared with another open pull request that does not pass
    /// (shared_head.rs), whatever this run's own verdict.
    pub fn finish_for_head(self, report: &mut Report, head_state: Option<(&'static str, String)>) {
        for (sha, handle) in self.in_flight {
            let result = handle.join().unwrap_or_else(|_| {
                Err(ApiError::shape(format!("{}/statuses/{sha}", self.repo.api_path()), "the posting thread panicked"))
            });
            match result {
                Ok(()) => crate::log_line!("gitea-gate: posted status {:?} = pending on {sha}", self.context),
                Err(e) => not_posted(report, &self.context, "pending", Some(&sha), &e, &self.repo, &self.token_name),
            }
        }
        let Some(sha) = self.head else {
            let message = format!("status {:?} not posted: the pull request's head commit is unknown", self.context);
            crate::log_line!("gitea-gate: error: {message}");
            push_finding(report, message, None);
            return;
        };
        let (state, description) = head_state.unwrap_or_else(|| final_state(&report.verdict));
        // An untrusted run never vouches for a pull request: its `pending` stays until a trusted
        // run (the sweep) posts the verdict.
        if state == "success" && report.verdict.trust == Trust::Untrusted {
            let message = format!(
                "status {:?} = success not posted on {sha}: this run is untrusted; the sweep (--open-prs) posts it",
                self.context
            );
            crate::log_line!("gitea-gate: {message}");
            push_finding(report, message, None);
            return;
        }
        let status =
            Status { state, context: &self.context, description: &description, target_url: self.target_url.as_deref() };
        match statuses::post(&self.client, &self.repo, &sha, &status) {
            Ok(()) => crate::log_line!("gitea-gate: posted status {:?} = {state} on {sha}", self.context),
            Err(e) => not_posted(report, &self.context, state, Some(&sha), &e, &self.repo, &self.token_name),
        }
    }
}

/// The final state for a verdict: `success` only for a pass (or the documented skip), `failure`
/// for a fail, `error` for everything that could not decide — whatever the guest's status text
/// says. The description is the guest's when it agrees with that state, else the verdict's
/// reason (which starts with the deciding finding's code).
pub fn final_state(verdict: &Verdict) -> (&'static str, String) {
    let state = match verdict.verdict {
        Outcome::Pass | Outcome::Skip => "success",
        Outcome::Fail => "failure",
        Outcome::Error => "error",
    };
    let description = verdict
        .status
        .as_ref()
        .filter(|text| text.state == state && !text.description.trim().is_empty())
        .map_or_else(|| bounded(&verdict.reason), |text| bounded(&text.description));
    (state, description)
}

/// One printable line of at most [`DESCRIPTION_CHARS`] characters.
pub fn bounded(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let line: String = line.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if line.chars().count() <= DESCRIPTION_CHARS {
        line
    } else {
        format!("{}…", line.chars().take(DESCRIPTION_CHARS - 1).collect::<String>())
    }
}

/// The head sha of the pull request the event payload is about, when the run is about the
/// pull request `pr` asks for (`None`: whichever the payload names).
pub fn payload_head_sha(run: &RunFacts, pr: Option<u64>) -> Option<String> {
    let payload = run.payload_view();
    let pull = payload.pull_request.as_ref()?;
    if pr.is_some_and(|wanted| Some(wanted) != pull.number) || pull.number.is_none() {
        return None;
    }
    pull.head_sha().filter(|sha| is_commit_sha(sha)).map(str::to_owned)
}

/// A full commit id (sha1 or sha256), lowercase hex.
fn is_commit_sha(sha: &str) -> bool {
    matches!(sha.len(), 40 | 64) && sha.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn not_posted(
    report: &mut Report,
    context: &str,
    state: &str,
    sha: Option<&str>,
    error: &ApiError,
    repo: &RepoName,
    token: &str,
) {
    let on = sha.map(|s| format!(" on {s}")).unwrap_or_default();
    let message = format!("status {context:?} = {state} not posted{on}: {error}");
    crate::log_line!("gitea-gate: error: {message}");
    let help = match error.status() {
        Some(403) => Some(format!(
            "{token} cannot write statuses to {repo}: a personal access token needs the write:repository \
             scope and write access to the repository, and the job token of fork pull request runs \
             (pull_request_target from a fork and AGit too) is read-only; this job's own status still \
             carries the verdict"
        )),
        Some(401) => Some(format!("{token} was rejected (HTTP 401); replace the secret")),
        _ => None,
    };
    push_finding(report, message, help);
}

fn push_finding(report: &mut Report, message: String, help: Option<String>) {
    let mut finding = Finding::new(Code::StatusNotPosted, Level::Warning, message);
    finding.help = help;
    report.verdict.findings.push(finding);
    report.raw = None;
}

/// A `--status-context` that is the name of the status Gitea Actions itself posts for this job
/// (`<workflow> / <job> (<event>)`; for `pull_request_target` Gitea 1.22 writes `(pull_request)`,
/// docs/gitea.md §5.5) is a configuration error: Gitea posts `success` there when the job ends,
/// whatever the gate decided, so the gate's verdict would be overwritten by the job's. Compared
/// without case. The job's display name (`name:`) is not in the runner's environment, so only the
/// job id is checked; the README (Commit statuses) says to give the gate a context of its own.
pub fn refuse_the_jobs_own_context(context: &str, event_name: Option<&str>) -> Result<(), Problem> {
    let (Some(workflow), Some(job)) = (crate::env::get(crate::env::WORKFLOW), crate::env::get(crate::env::JOB)) else {
        return Ok(());
    };
    let Some(event) = event_name else { return Ok(()) };
    let mut events = vec![event];
    if event == "pull_request_target" {
        events.push("pull_request");
    }
    for event in events {
        let own = format!("{workflow} / {job} ({event})");
        if context.trim().eq_ignore_ascii_case(&own) {
            return Err(Problem::usage_with_help(
                format!(
                    "--status-context {context:?} is the status Gitea Actions posts for this job itself: it \
                     posts `success` there when the job ends, over whatever the gate decided"
                ),
                "give the gate a context of its own, e.g. --status-context \"gate / qa\", and require that one \
                 in branch protection",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::StatusText;

    fn verdict(outcome: Outcome, status: Option<(&str, &str)>) -> Verdict {
        Verdict {
            version: 1,
            check: "approvals".to_owned(),
            verdict: outcome,
            trust: Trust::Trusted,
            code: crate::protocol::Code::ApprovalsMet,
            reason: "x: the reason\nsecond line".to_owned(),
            findings: Vec::new(),
            outputs: Default::default(),
            status: status.map(|(state, description)| StatusText {
                state: state.to_owned(),
                description: description.to_owned(),
            }),
            needs: None,
            details: serde_json::Value::Null,
            summary: None,
            review_request: None,
        }
    }

    #[test]
    fn the_final_state_follows_the_outcome_never_the_text() {
        assert_eq!(final_state(&verdict(Outcome::Pass, Some(("success", "ok")))), ("success", "ok".to_owned()));
        assert_eq!(final_state(&verdict(Outcome::Fail, None)), ("failure", "x: the reason second line".to_owned()));
        // An error verdict is never posted as anything but error, whatever its text claims.
        for claimed in ["success", "warning", "skipped", "pending"] {
            let (state, description) = final_state(&verdict(Outcome::Error, Some((claimed, "fine"))));
            assert_eq!((state, description.as_str()), ("error", "x: the reason second line"));
        }
        assert_eq!(final_state(&verdict(Outcome::Error, Some(("error", "cannot verify")))).1, "cannot verify");
    }

    #[test]
    fn descriptions_are_one_bounded_line() {
        let long = "a\u{1b}b ".repeat(100);
        let shown = bounded(&long);
        assert_eq!(shown.chars().count(), DESCRIPTION_CHARS);
        assert!(shown.ends_with('…') && !shown.chars().any(char::is_control));
    }

    #[test]
    fn commit_ids() {
        assert!(is_commit_sha(&"a".repeat(40)) && is_commit_sha(&"0".repeat(64)));
        assert!(!is_commit_sha("abc1234") && !is_commit_sha(&"A".repeat(40)) && !is_commit_sha(&"g".repeat(40)));
    }
}
