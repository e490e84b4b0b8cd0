//! The loop: ask the guest, answer its question, ask again — one arm per question it can ask
//! (`Needs` in the protocol crate). Round trips are what a gate's run costs
//! (docs/architecture.md §3): whatever can be read before the guest asks for it is read at once.

use super::PullGate;
use super::asking;
use super::gathered::{Gathered, RunShared};
use super::membership::{Shared, probe_all};
use super::owners::{NamedOwners, TeamReading, teams_named};
use super::read::{PullReading, resolve_teams_reading_ahead, take_pull_request};
use super::request::request;
use crate::commands::commit_status::StatusLifecycle;
use crate::commands::{Problem, report, run_repository};
use crate::facts::RunFacts;
use crate::gitea::teams::Team;
use crate::gitea::{Client, ancestry, trees};
use crate::output::Report;
use crate::protocol::{Needs, PullHistory, PullView, SecretFact, decide};
use crate::sandbox::Sandbox;

/// Membership probes in flight at once for one pull request: every probe the guest asks for goes
/// out in one wave (a policy with three teams and fifty approvers is 150 small GETs, one round
/// trip), up to this bound.
pub(super) const CONCURRENT_PROBES: usize = 256;

/// …and per pull request in a sweep, which evaluates several pull requests at once
/// (sweep.rs: the whole sweep keeps to a few hundred requests in flight).
pub(super) const SWEEP_PROBES: usize = 32;

/// Everything between knowing the client and having a verdict.
///
/// Round trips are what a gate's run costs (docs/architecture.md §3): whatever can be read
/// before the guest asks for it is read at once. The gate's own teams resolve while the pull
/// request the guest is going to ask for is read; the policy's teams resolve while the pull
/// request's pages are read; every membership probe goes out in one wave.
pub(super) fn decide_gate(
    gate: &PullGate<'_>,
    run: &RunFacts,
    client: Option<&Client>,
    token_fact: Option<SecretFact>,
    sandbox: Result<&Sandbox, Problem>,
    mut lifecycle: Option<&mut StatusLifecycle>,
    shared: Option<&Shared>,
) -> Result<Report, Problem> {
    let sandbox = sandbox?;
    let (teams, mut prefetched) = match shared {
        Some(shared) => (shared.teams.clone()?, None),
        None => resolve_teams_reading_ahead(gate, run, client)?,
    };
    crate::timings::mark("teams resolved");

    let cache = shared.map(|s| &s.memberships);
    let known_server = shared.and_then(|s| s.server.as_ref());
    // A sweep evaluates several pull requests at once; one pull request may use a wider wave.
    let wave = if shared.is_some() { SWEEP_PROBES } else { CONCURRENT_PROBES };
    let shared = RunShared { token: token_fact, teams: teams.iter().map(Team::fact).collect() };
    let mut gathered = Gathered::default();
    let mut named_early: Option<NamedOwners> = None;

    let decision = loop {
        let decision = decide(sandbox, &request(gate, run, &shared, &gathered))?;
        match decision.verdict.needs.as_ref() {
            Some(Needs::PullRequestData(number)) => {
                let number = *number;
                if gathered.pull_request.is_some() {
                    break decision;
                }
                let Some(client) = client else { break decision };
                let ahead = prefetched.take().filter(|f| f.as_ref().map_or(true, |f| f.number == number));
                let token = shared.token.as_ref();
                let reading = PullReading { client, run, gate, sandbox, token, server: known_server };
                let (fetched, early, named) = reading.read(number, ahead, teams_named(&decision.verdict));
                take_pull_request(client, run, gate, fetched?, early, &mut gathered)?;
                named_early = named;
                crate::timings::mark("pull request, reviews and comments fetched");
                let head = gathered.pull_request.as_ref().map(PullView::of);
                if let (Some(lifecycle), Some(sha)) =
                    (lifecycle.as_deref_mut(), head.as_ref().and_then(PullView::head_sha))
                {
                    lifecycle.head_known(sha);
                }
            }
            Some(Needs::Membership(probes)) => {
                if gathered.membership.is_some() {
                    break decision;
                }
                let Some(client) = client else { break decision };
                let mut all = teams.clone();
                if let Some(named) = &gathered.named_teams {
                    all.extend(named.teams.iter().cloned());
                }
                gathered.membership = Some(probe_all(client, &all, probes, cache, wave));
                crate::timings::mark("membership probed");
            }
            Some(Needs::Owners(owners)) => {
                if gathered.named_teams.is_some() || gathered.pull_request.is_none() {
                    break decision;
                }
                let reading = TeamReading { token_env: gate.token_env, client };
                gathered.named_teams = Some(reading.resolve_with(&owners.teams, &owners.users, named_early.take())?);
                crate::timings::mark("named teams resolved");
            }
            Some(Needs::Changes(asked)) => {
                let unanswered = |h: &&mut PullHistory| h.changes.is_empty() && h.ancestry.is_empty();
                let Some(history) = gathered.history.as_mut().filter(unanswered) else { break decision };
                let Some(client) = client else { break decision };
                let repo = run_repository(run, "the pull request's commits live there")?;
                history.changes = trees::changes(client, &repo, &asked.compare);
                history.ancestry = ancestry::ancestries(client, &repo, &asked.ancestors);
                crate::timings::mark("trees and ancestries compared");
            }
            Some(Needs::PullRequest(_)) | None => break decision,
        }
    };
    let mut decision = decision;
    let asked = match (client, gathered.pull_request.as_ref().and_then(|pr| PullView::of(pr).number)) {
        (Some(client), Some(number)) => asking::send(client, run, number, &mut decision.verdict),
        _ => false,
    };
    let host_findings = gathered.policy.map(|p| p.findings).unwrap_or_default();
    let mut report = report(decision, Vec::new());
    if asked {
        report.raw = None;
    }
    if !host_findings.is_empty() {
        report.verdict.findings.extend(host_findings);
        report.raw = None;
    }
    Ok(report)
}
