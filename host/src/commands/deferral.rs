//! Per-event runs that must not decide: a review or comment run on a fork's pull request is
//! untrusted on Gitea (no secrets for comments; the head's own workflow file, with secrets, for
//! reviews: docs/gitea.md §9.2). Such a run skips and says that the sweep (`--open-prs`,
//! sweep.rs) will post the status; it never posts one itself.

use serde_json::Value;

use crate::cli::Cli;
use crate::commands::{Problem, decide_in_context};
use crate::exit;
use crate::facts::RunFacts;
use crate::output::Report;
use crate::protocol::Code;
use crate::protocol::{Facts, Finding, Level, Outcome, PROTOCOL_VERSION, Request, Trust, TrustFacts, Verdict};
use crate::sandbox::Sandbox;

/// Events whose runs on a fork's pull request are not trusted with a status (docs/gitea.md §9.2).
const REVIEW_AND_COMMENT_EVENTS: &[&str] =
    &["pull_request_review", "pull_request_review_comment", "issue_comment", "pull_request_comment"];

/// A review or comment run on a fork's pull request: untrusted (the guest's trust class), so the
/// gate neither decides nor posts — the sweep does. `None` for every other run.
pub fn defer_untrusted_run(
    cli: &Cli,
    run: &RunFacts,
    check: &str,
    token_env: Option<&str>,
    sandbox: Result<&Sandbox, Problem>,
) -> Option<Report> {
    let event = run.event_name.as_deref()?;
    if !REVIEW_AND_COMMENT_EVENTS.contains(&event) {
        return None;
    }
    let sandbox = sandbox.ok()?;
    let decision = decide_in_context(cli, run, token_env, sandbox, |context| {
        Request::new(Facts::Trust(TrustFacts { context, secrets: Vec::new() }))
    })
    .ok()?;
    if decision.verdict.trust != Trust::Untrusted {
        return None;
    }
    let basis = decision.verdict.findings.iter().find(|f| f.code == Code::UntrustedEvent).map(|f| f.message.clone());
    let message = format!(
        "this {event} run is on a pull request from another repository, so it is untrusted and gitea-gate \
         posts no status from it; the scheduled sweep (--open-prs) evaluates the pull request and posts the \
         status{}",
        basis.map(|b| format!(" ({b})")).unwrap_or_default()
    );
    let finding = Finding::new(Code::DeferredToSweep, Level::Notice, message.clone())
        .help("run the sweep on a schedule and workflow_dispatch (README, \"Statuses that follow the reviews\")");
    let verdict = Verdict {
        version: PROTOCOL_VERSION,
        check: check.to_owned(),
        verdict: Outcome::Skip,
        trust: Trust::Untrusted,
        code: Code::DeferredToSweep,
        reason: format!("{}: {message}", Code::DeferredToSweep),
        findings: vec![finding],
        outputs: Default::default(),
        status: None,
        needs: None,
        details: Value::Null,
        summary: None,
        review_request: None,
    };
    crate::log_line!("gitea-gate: {event} on a fork's pull request: skipped; the sweep posts the status");
    Some(Report { exit: exit::for_verdict(&verdict), verdict, raw: None, details: Vec::new() })
}
