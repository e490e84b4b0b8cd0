//! The pull-request gates (approvals, checklist, policy) and the sweep share one way of running:
//! resolve the teams, answer the guest's questions — the pull request with its reviews, comments
//! and history, the owners the policy names, the membership of exactly the people whose reviews or
//! commands could count — and finally post the verdict as a commit status on the head.
//!
//! Every question is answered at most once; whatever the guest says after the last answer is the
//! verdict. A fact the host cannot obtain is an error verdict (exit 3), never a guess.
//!
//! One concern per file:
//! - this file: the gate (`PullGate`, its facts), one pull request from start to status;
//! - `questions.rs`: the loop, one arm per question the guest can ask;
//! - `gathered.rs`: what the run has read so far;
//! - `request.rs`: the facts each gate sends;
//! - `read.rs`: reading a pull request, and reading it ahead of the question;
//! - `owners.rs`: resolving the teams and CODEOWNERS users a gate or policy names;
//! - `membership.rs`: the membership probes, and what a sweep shares between pull requests.

mod asking;
mod gathered;
mod membership;
mod owners;
mod questions;
use questions::decide_gate;
mod read;
mod request;

pub use membership::{MembershipCache, Shared};
pub use owners::resolve_teams;

use crate::cli::Cli;
use crate::commands::commit_status::{StatusLifecycle, payload_head_sha};
use crate::commands::policy_files::PolicySource;
use crate::commands::session::{GateToken, api_client};
use crate::commands::{Problem, check_token_env, deferral, run_repository, shared_head};
use crate::env;
use crate::facts::RunFacts;
use crate::gitea::teams::TeamRef;
use crate::gitea::{self, ApiError, Client};
use crate::output::Report;
use crate::protocol::{Item, Outcome, SecretFact, Trust};
use crate::sandbox::Sandbox;

/// One pull-request gate run.
#[derive(Clone)]
pub struct PullGate<'a> {
    pub teams: Vec<TeamRef>,
    pub token_env: Option<&'a str>,
    pub pr: Option<u64>,
    /// The checklist reads the pull request's comments too.
    pub with_comments: bool,
    /// …and, with `tier_label_from_ack_teams`, the label events of its timeline.
    pub with_timeline: bool,
    pub status_context: Option<&'a str>,
    pub target_url: Option<&'a str>,
    /// `--keep-across-base-merges` (approvals, policy).
    pub keep_across_base_merges: bool,
    /// `--request-reviews` (approvals, policy): ask whom the guest chose when it is short.
    pub request_reviews: bool,
    /// The check's own facts (`min`, `items`, …).
    pub facts: GateFacts,
}

/// What each pull-request gate adds to the facts the two share.
#[derive(Clone, Debug)]
pub enum GateFacts {
    Approvals {
        min: u32,
        allow_stale: bool,
        block_on_changes_requested: bool,
        /// The first `approval_teams` of the gate's teams count approvals; `waivable` are the
        /// indexes of the `--waivable-by` teams among them (resolved in the same round trip).
        approval_teams: usize,
        waivable: Vec<usize>,
        /// `--rule`: the name a waiver gives.
        rule: String,
        /// `--allow-contributors`.
        allow_contributors: bool,
    },
    Checklist {
        items: Vec<Item>,
        count_edited_comments: bool,
        tier_label_from_ack_teams: bool,
        allow_contributors: bool,
        keep_acks_across_pushes: bool,
    },
    /// The policy gate (policy.rs): where its file comes from.
    Policy { source: PolicySource },
}

impl PullGate<'_> {
    /// The policy gate reads every changed file (its rules are path-scoped)…
    pub fn reads_changed_files(&self) -> bool {
        matches!(self.facts, GateFacts::Policy { .. })
    }

    /// …and the server's version (which CODEOWNERS rules and places apply depends on it).
    pub fn reads_server_version(&self) -> bool {
        matches!(self.facts, GateFacts::Policy { .. })
    }

    /// The check's name in verdicts.
    pub fn check(&self) -> &'static str {
        match self.facts {
            GateFacts::Approvals { .. } => "approvals",
            GateFacts::Checklist { .. } => "checklist",
            GateFacts::Policy { .. } => "policy",
        }
    }
}

pub fn run(cli: &Cli, gate: &PullGate<'_>, sandbox: Result<&Sandbox, Problem>) -> Result<Report, Problem> {
    let run = RunFacts::gather(&cli.facts.given());
    check_token_env(gate.token_env)?;
    // A malformed repository name is a usage error before any request (it would address another path).
    if run.repository.is_some() {
        run_repository(&run, "the pull request and its statuses live there")?;
    }
    // A review or comment run on a fork's pull request is untrusted: skipped, the sweep decides.
    if let Some(deferred) = deferral::defer_untrusted_run(cli, &run, gate.check(), gate.token_env, sandbox.clone()) {
        return Ok(deferred);
    }
    let token = GateToken::from_env(gate.token_env);
    let token_missing = token.as_ref().is_some_and(GateToken::missing);
    let token_fact = token.as_ref().map(GateToken::fact);

    // Without the token the guest decides from the trust policy alone; nothing is fetched.
    let client = if token_missing {
        None
    } else {
        Some(api_client(cli, &run, "read the pull request from", token.and_then(|t| t.token()))?)
    };
    let head = payload_head_sha(&run, gate.pr);
    evaluate(gate, &run, client.as_ref(), token_fact, sandbox, None, head.as_deref())
}

/// One pull request from start to verdict, with its status lifecycle around the decision.
/// `head` is the head commit when it is known before the pull request is read (from the event
/// payload, or from the sweep's list): then `pending` goes on it at once, and an error status
/// can still be posted when reading the pull request fails.
pub fn evaluate(
    gate: &PullGate<'_>,
    run: &RunFacts,
    client: Option<&Client>,
    token_fact: Option<SecretFact>,
    sandbox: Result<&Sandbox, Problem>,
    shared: Option<&Shared>,
    head: Option<&str>,
) -> Result<Report, Problem> {
    // With a status context, `pending` goes on the head as soon as it is known, and every way
    // this run ends — decided or not — posts a final state after it (see commit_status.rs).
    let mut lifecycle = status_lifecycle(gate, run, client);
    if let (Some(lifecycle), Some(sha)) = (&mut lifecycle, head) {
        lifecycle.head_known(sha);
    }
    // A per-event run with a status context lists the open pull requests while it decides (one
    // more request in the first wave, not one more round trip), for the shared-head check below.
    // The sweep (`shared` set) decides every pull request itself and posts per head.
    let (decided, open) = std::thread::scope(|scope| {
        let open = match (&lifecycle, shared, client, run_repository(run, "the open pull requests live there")) {
            (Some(_), None, Some(client), Ok(repo)) => {
                Some(scope.spawn(move || gitea::pulls::list_open(client, &repo)))
            }
            _ => None,
        };
        let decided = decide_gate(gate, run, client, token_fact.clone(), sandbox.clone(), lifecycle.as_mut(), shared);
        (decided, open.map(|handle| join(handle)))
    });
    let Some(lifecycle) = lifecycle else { return decided };
    let mut report = decided.unwrap_or_else(|problem| problem.into_report(gate.check(), Trust::Trusted));
    // Before `success` goes on the head: do the other open pull requests with this head pass
    // their own gates?
    let passes = matches!(report.verdict.verdict, Outcome::Pass | Outcome::Skip);
    let number = gate.pr.or_else(|| run.event.pull_request_number());
    if let (true, Some(open), Some(client), Some(head), Some(number)) = (passes, open, client, lifecycle.head(), number)
    {
        // Each other pull request with this head is decided by its own gate, without posting.
        let decide = |other: u64| {
            let mut one = gate.clone();
            one.pr = Some(other);
            one.status_context = None;
            // Decided to settle this head, not for its own run: nobody is asked from here.
            one.request_reviews = false;
            evaluate(&one, run, Some(client), token_fact.clone(), sandbox.clone(), None, Some(head))
                .unwrap_or_else(|problem| problem.into_report(gate.check(), Trust::Trusted))
        };
        shared_head::settle(&mut report, number, head, open, decide);
    }
    lifecycle.finish(&mut report);
    Ok(report)
}

/// The status posts of one pull request's run, when the gate has a status context.
fn status_lifecycle(gate: &PullGate<'_>, run: &RunFacts, client: Option<&Client>) -> Option<StatusLifecycle> {
    match (gate.status_context, client, run_repository(run, "the pull request and its statuses live there")) {
        (Some(context), Some(client), Ok(repo)) => {
            let target = gate.target_url.map(str::to_owned).or_else(|| run_url(run));
            Some(StatusLifecycle::new(client, repo, context, target, gate.token_env.unwrap_or("the token")))
        }
        _ => None,
    }
}

/// A pull request this run leaves undecided without reading it (the sweep's `--max-prs`): its
/// report is `problem`, and with a status context `pending` then `error` go on `head`, so that
/// an earlier `success` there does not outlive what this run could not check.
pub fn not_evaluated(gate: &PullGate<'_>, run: &RunFacts, client: &Client, head: &str, problem: Problem) -> Report {
    let mut report = problem.into_report(gate.check(), Trust::Trusted);
    if let Some(mut lifecycle) = status_lifecycle(gate, run, Some(client)) {
        lifecycle.head_known(head);
        lifecycle.finish(&mut report);
    }
    report
}

/// Post `head_state` on `head` for a pull request gate (`pending` first): the sweep's one status
/// for a head that several pull requests share (shared_head.rs).
pub fn post_head_state(
    gate: &PullGate<'_>,
    run: &RunFacts,
    client: &Client,
    head: &str,
    report: &mut Report,
    head_state: (&'static str, String),
) {
    if let Some(mut lifecycle) = status_lifecycle(gate, run, Some(client)) {
        lifecycle.head_known(head);
        lifecycle.finish_for_head(report, Some(head_state));
    }
}

pub(super) fn thread_panicked(what: &str) -> Problem {
    Problem::api(&ApiError::shape("(internal)".to_owned(), "a request thread panicked"), what)
}

pub(super) fn join<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T, ApiError>>) -> Result<T, ApiError> {
    handle.join().unwrap_or_else(|_| Err(ApiError::shape("(internal)".to_owned(), "a request thread panicked")))
}

/// The run's web page (`GITHUB_SERVER_URL/OWNER/REPO/actions/runs/N`). Gitea 1.25's web routes
/// take the per-repository run number; later versions take the run id and still accept it.
fn run_url(run: &RunFacts) -> Option<String> {
    let server = env::get(env::SERVER_URL)?;
    let number = env::get(env::RUN_NUMBER)?;
    let repo = run.repository.as_deref()?;
    Some(format!("{}/{repo}/actions/runs/{number}", server.trim_end_matches('/')))
}
