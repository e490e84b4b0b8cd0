//! What the two pull-request gates (approvals, checklist) share: resolve the teams, then answer
//! the guest's questions — the pull request with its reviews (and comments), then the membership
//! of exactly the people whose reviews or commands could count — and finally post the verdict as
//! a commit status on the pull request's head.
//!
//! Every question is answered at most once; whatever the guest says after the last answer is the
//! verdict. A fact the host cannot obtain is an error verdict (exit 3), never a guess.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

use crate::cli::Cli;
use crate::commands::commit_status::{StatusLifecycle, payload_head_sha};
use crate::commands::policy_files::{PolicyGathered, PolicySource};
use crate::commands::session::{GateToken, api_client};
use crate::commands::{Problem, check_token_env, deferral, report, run_repository};
use crate::env;
use crate::facts::RunFacts;
use crate::gitea::teams::{self, ResolveError, Team, TeamRef};
use crate::gitea::{self, ApiError, Client};
use crate::output::Report;
use crate::parallel;
use crate::protocol::{
    ApprovalFacts, ChecklistFacts, Facts, Item, Lookup, MembershipFact, MembershipProbe, Needs, PolicyFacts, Request,
    SecretFact, TeamFact, Trust, decide,
};
use crate::sandbox::Sandbox;

/// Membership probes in flight at once (each is one small GET over the shared connection pool,
/// which keeps up to 32 connections): 50 approvers cost two round trips, not fifty.
const CONCURRENT_PROBES: usize = 32;

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
    },
    Checklist {
        items: Vec<Item>,
        count_edited_comments: bool,
        tier_label_from_ack_teams: bool,
    },
    /// The policy gate (policy.rs): where its file comes from.
    Policy {
        source: PolicySource,
    },
}

impl PullGate<'_> {
    /// The check's name in verdicts.
    pub fn check(&self) -> &'static str {
        match self.facts {
            GateFacts::Approvals { .. } => "approvals",
            GateFacts::Checklist { .. } => "checklist",
            GateFacts::Policy { .. } => "policy",
        }
    }
}

/// The facts every question of one run shares.
struct RunShared {
    token: Option<SecretFact>,
    teams: Vec<TeamFact>,
}

/// What the host has gathered so far.
struct Gathered {
    pull_request: Option<Value>,
    reviews: Vec<Value>,
    comments: Vec<Value>,
    /// Label events of the timeline, when the gate reads them.
    timeline: Option<Vec<Value>>,
    membership: Option<Vec<MembershipFact>>,
    lookup: Option<Lookup>,
    /// The policy gate's facts, once the pull request was read.
    policy: Option<PolicyGathered>,
    /// Teams the guest named after reading the pull request (the policy's, CODEOWNERS'), once
    /// resolved: those that exist, and the references that do not.
    named_teams: Option<(Vec<Team>, Vec<String>)>,
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

/// What one sweep (sweep.rs) shares across its pull requests: the teams, resolved once, and
/// every membership answer obtained so far.
pub struct Shared {
    pub teams: Result<Vec<Team>, Problem>,
    pub memberships: MembershipCache,
}

/// Membership answers by (team, login), each asked at most once per sweep: a second pull
/// request asking about the same person waits for the first answer instead of probing again.
#[derive(Default)]
pub struct MembershipCache(Mutex<HashMap<MembershipKey, Arc<OnceLock<MembershipFact>>>>);

/// (team reference, login in lower case).
type MembershipKey = (String, String);

impl MembershipCache {
    fn get(&self, team: &Team, login: &str, probe: impl FnOnce() -> MembershipFact) -> MembershipFact {
        let key = (team.reference.clone(), login.to_ascii_lowercase());
        let cell = {
            let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(map.entry(key).or_default())
        };
        let mut answer = cell.get_or_init(probe).clone();
        // The fact names the login as this pull request's guest asked for it.
        login.clone_into(&mut answer.login);
        answer
    }
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
    let mut lifecycle =
        match (gate.status_context, client, run_repository(run, "the pull request and its statuses live there")) {
            (Some(context), Some(client), Ok(repo)) => {
                let target = gate.target_url.map(str::to_owned).or_else(|| run_url(run));
                Some(StatusLifecycle::new(client, repo, context, target, gate.token_env.unwrap_or("the token")))
            }
            _ => None,
        };
    if let (Some(lifecycle), Some(sha)) = (&mut lifecycle, head) {
        lifecycle.head_known(sha);
    }
    let decided = decide_gate(gate, run, client, token_fact, sandbox, lifecycle.as_mut(), shared);
    let Some(lifecycle) = lifecycle else { return decided };
    let mut report = decided.unwrap_or_else(|problem| problem.into_report(gate.check(), Trust::Trusted));
    lifecycle.finish(&mut report);
    Ok(report)
}

/// The named teams, resolved (by name or id) with what the token can read of each.
pub fn resolve_teams(gate: &PullGate<'_>, client: Option<&Client>) -> Result<Vec<Team>, Problem> {
    let Some(client) = client else {
        let why = format!("{} is not set", gate.token_env.unwrap_or("the token"));
        return Ok(gate.teams.iter().map(|t| Team::unresolved(t, &why)).collect());
    };
    let resolved = parallel::map(&gate.teams, gate.teams.len(), |t| teams::resolve(client, t));
    let mut teams = Vec::with_capacity(resolved.len());
    for (reference, result) in gate.teams.iter().zip(resolved) {
        match result {
            Ok(team) => teams.push(team),
            Err(ResolveError::NoSuchTeam(why)) => {
                return Err(Problem::usage_with_help(
                    format!("team {}: {why}", reference.reference()),
                    "name teams as ORG/NAME exactly as in Gitea (any case) or by numeric id",
                ));
            }
            Err(ResolveError::Api(e)) => {
                return Err(Problem::api(&e, &format!("cannot resolve team {}", reference.reference())));
            }
        }
    }
    Ok(teams)
}

/// Everything between knowing the client and having a verdict.
fn decide_gate(
    gate: &PullGate<'_>,
    run: &RunFacts,
    client: Option<&Client>,
    token_fact: Option<SecretFact>,
    sandbox: Result<&Sandbox, Problem>,
    mut lifecycle: Option<&mut StatusLifecycle>,
    shared: Option<&Shared>,
) -> Result<Report, Problem> {
    let sandbox = sandbox?;
    let teams = match shared {
        Some(shared) => shared.teams.clone()?,
        None => resolve_teams(gate, client)?,
    };
    crate::timings::mark("teams resolved");

    let cache = shared.map(|s| &s.memberships);
    let shared = RunShared { token: token_fact, teams: teams.iter().map(Team::fact).collect() };
    let mut gathered = Gathered {
        pull_request: None,
        reviews: Vec::new(),
        comments: Vec::new(),
        timeline: None,
        membership: None,
        lookup: None,
        policy: None,
        named_teams: None,
    };

    let decision = loop {
        let decision = decide(sandbox, &request(gate, run, &shared, &gathered))?;
        match decision.verdict.needs.as_ref() {
            Some(Needs::PullRequestData(number)) => {
                let number = *number;
                if gathered.pull_request.is_some() {
                    break decision;
                }
                let Some(client) = client else { break decision };
                fetch_pull_request(client, run, gate, number, &mut gathered)?;
                crate::timings::mark("pull request, reviews and comments fetched");
                let head = gathered.pull_request.as_ref().and_then(|pr| pr.get("head")?.get("sha")?.as_str());
                if let (Some(lifecycle), Some(sha)) = (lifecycle.as_deref_mut(), head) {
                    lifecycle.head_known(sha);
                }
            }
            Some(Needs::Membership(probes)) => {
                if gathered.membership.is_some() {
                    break decision;
                }
                let Some(client) = client else { break decision };
                let mut all = teams.clone();
                if let Some((named, _)) = &gathered.named_teams {
                    all.extend(named.iter().cloned());
                }
                gathered.membership = Some(probe_all(client, &all, probes, cache));
                crate::timings::mark("membership probed");
            }
            Some(Needs::PullRequest(_)) => break decision,
            None => match teams_needed(&decision.verdict) {
                Some(needed) if gathered.named_teams.is_none() && gathered.pull_request.is_some() => {
                    let reading = TeamReading { token_env: gate.token_env, client };
                    gathered.named_teams = Some(reading.resolve_named(&needed)?);
                    crate::timings::mark("named teams resolved");
                }
                _ => break decision,
            },
        }
    };
    let host_findings = gathered.policy.map(|p| p.findings).unwrap_or_default();
    let mut report = report(decision, Vec::new());
    if !host_findings.is_empty() {
        report.verdict.findings.extend(host_findings);
        report.raw = None;
    }
    Ok(report)
}

/// The teams a guest verdict says it needs resolved before it can go on (`facts-needed` with
/// `details.teams_needed`, the policy gate: docs/policy.md).
fn teams_needed(verdict: &crate::protocol::Verdict) -> Option<Vec<String>> {
    if verdict.code != "facts-needed" {
        return None;
    }
    let needed: Vec<String> =
        verdict.details.get("teams_needed")?.as_array()?.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect();
    (!needed.is_empty()).then_some(needed)
}

/// Resolving the teams a policy or its CODEOWNERS name.
struct TeamReading<'a> {
    token_env: Option<&'a str>,
    client: Option<&'a Client>,
}

impl TeamReading<'_> {
    /// Every reference resolved at once: the teams that exist, and those that do not (an
    /// unknown organisation or team name). A failed request is an error, never a missing team.
    fn resolve_named(&self, needed: &[String]) -> Result<(Vec<Team>, Vec<String>), Problem> {
        let mut refs = Vec::new();
        let mut missing = Vec::new();
        for raw in needed {
            match TeamRef::parse(raw) {
                Ok(team) => refs.push((raw.clone(), team)),
                Err(_) => missing.push(raw.clone()),
            }
        }
        let Some(client) = self.client else {
            let why = format!("{} is not set", self.token_env.unwrap_or("the token"));
            let teams = refs
                .iter()
                .map(|(raw, t)| {
                    let mut team = Team::unresolved(t, &why);
                    team.reference.clone_from(raw);
                    team
                })
                .collect();
            return Ok((teams, missing));
        };
        let resolved = parallel::map(&refs, refs.len().max(1), |(_, t)| teams::resolve(client, t));
        let mut found = Vec::new();
        for ((raw, _), result) in refs.iter().zip(resolved) {
            match result {
                Ok(mut team) => {
                    team.reference.clone_from(raw);
                    found.push(team);
                }
                Err(ResolveError::NoSuchTeam(_)) => missing.push(raw.clone()),
                Err(ResolveError::Api(e)) => return Err(Problem::api(&e, &format!("cannot resolve team {raw}"))),
            }
        }
        Ok((found, missing))
    }
}

fn request(gate: &PullGate<'_>, run: &RunFacts, shared: &RunShared, gathered: &Gathered) -> Request {
    let context = run.context(gathered.lookup.as_ref());
    // The pull request's rows travel only once the guest asked for them.
    let (reviews, comments, timeline) = match &gathered.pull_request {
        Some(_) => (gathered.reviews.clone(), gathered.comments.clone(), gathered.timeline.clone()),
        None => (Vec::new(), Vec::new(), None),
    };
    let facts = match &gate.facts {
        GateFacts::Approvals { min, allow_stale, block_on_changes_requested, approval_teams, waivable, rule } => {
            Facts::Approvals(ApprovalFacts {
                context,
                token: shared.token.clone(),
                pr_number: gate.pr,
                pull_request: gathered.pull_request.clone(),
                reviews,
                teams: shared.teams.iter().take(*approval_teams).cloned().collect(),
                min: *min,
                allow_stale: *allow_stale,
                block_on_changes_requested: *block_on_changes_requested,
                rule: (rule != "approvals").then(|| rule.clone()),
                waivable_by: waivable.iter().filter_map(|i| shared.teams.get(*i).cloned()).collect(),
                comments: if gate.with_comments { comments } else { Vec::new() },
                membership: gathered.membership.clone(),
            })
        }
        GateFacts::Checklist { items, count_edited_comments, tier_label_from_ack_teams } => {
            Facts::Checklist(ChecklistFacts {
                context,
                token: shared.token.clone(),
                pr_number: gate.pr,
                items: items.clone(),
                teams: shared.teams.clone(),
                count_edited_comments: *count_edited_comments,
                pull_request: gathered.pull_request.clone(),
                comments: if gate.with_comments { comments } else { Vec::new() },
                reviews,
                membership: gathered.membership.clone(),
                tier_label_from_ack_teams: *tier_label_from_ack_teams,
                timeline,
            })
        }
        GateFacts::Policy { source } => {
            let mut teams = shared.teams.clone();
            let mut missing_teams = Vec::new();
            if let Some((named, missing)) = &gathered.named_teams {
                teams.extend(named.iter().map(Team::fact));
                missing_teams.clone_from(missing);
            }
            let fetched = gathered.policy.as_ref().filter(|_| gathered.pull_request.is_some());
            Facts::Policy(PolicyFacts {
                context,
                token: shared.token.clone(),
                pr_number: gate.pr,
                // A workspace file (push, dispatch) is checked before anything is fetched.
                policy: fetched.map(|p| p.policy.clone()).or_else(|| source.local_policy()),
                pull_request: gathered.pull_request.clone(),
                reviews,
                comments,
                changed_files: fetched.map(|p| p.changed_files.clone()),
                codeowners: fetched.and_then(|p| p.codeowners.clone()),
                teams,
                missing_teams,
                membership: gathered.membership.clone(),
            })
        }
    };
    Request::new(facts)
}

/// The pull request, all its reviews and (for the checklist) its comments, fetched at once.
fn fetch_pull_request(
    client: &Client,
    run: &RunFacts,
    gate: &PullGate<'_>,
    number: u64,
    gathered: &mut Gathered,
) -> Result<(), Problem> {
    let repo = run_repository(run, "the pull request and its statuses live there")?;
    crate::log_line!("gitea-gate: reading pull request {repo}#{number} …");
    let policy_source = match &gate.facts {
        GateFacts::Policy { source } => Some(source),
        _ => None,
    };
    // The base commit, when the event payload already names it for this pull request: then the
    // policy file and CODEOWNERS are read in the same round trip as the pull request.
    let early_base = policy_source.and_then(|_| payload_base_sha(run, number));
    let (pr, reviews, comments, timeline, files, early) = std::thread::scope(|scope| {
        let files = scope.spawn(|| match policy_source {
            Some(_) => gitea::pulls::files(client, &repo, number).map(Some),
            None => Ok(None),
        });
        let early = scope.spawn(|| match (policy_source, early_base.as_deref()) {
            (Some(source), Some(base)) => Some(source.read(client, &repo, Some(base))),
            _ => None,
        });
        let reviews = scope.spawn(|| gitea::reviews::list(client, &repo, number));
        let comments = scope
            .spawn(|| if gate.with_comments { gitea::comments::list(client, &repo, number) } else { Ok(Vec::new()) });
        let timeline = scope.spawn(|| {
            if gate.with_timeline { gitea::timeline::label_events(client, &repo, number).map(Some) } else { Ok(None) }
        });
        let pr = gitea::pulls::get(client, &repo, number);
        let early = early.join().unwrap_or_else(|_| {
            Some(Err(Problem::api(
                &ApiError::shape("(internal)".to_owned(), "a request thread panicked"),
                "cannot read the policy",
            )))
        });
        (pr, join(reviews), join(comments), join(timeline), join(files), early)
    });
    let pr = pr.map_err(|e| Problem::api(&e, &format!("cannot read pull request #{number}")))?;
    let reviews = reviews.map_err(|e| Problem::api(&e, &format!("cannot read the reviews of #{number}")))?;
    let comments = comments.map_err(|e| Problem::api(&e, &format!("cannot read the comments of #{number}")))?;
    let timeline = timeline.map_err(|e| Problem::api(&e, &format!("cannot read the timeline of #{number}")))?;
    let files = files.map_err(|e| Problem::api(&e, &format!("cannot read the changed files of #{number}")))?;
    if let (Some(source), Some(changed_files)) = (policy_source, files) {
        let read = match early {
            Some(read) => read?,
            None => {
                let base = pr.get("base").and_then(|b| b.get("sha")).and_then(Value::as_str).filter(|s| !s.is_empty());
                source.read(client, &repo, base)?
            }
        };
        gathered.policy = Some(PolicyGathered::new(read, changed_files));
    }
    // An issue_comment run learns where the pull request's head lives from this object (the
    // payload does not say), exactly as the trust gate's own lookup would (docs/gitea.md §9.2).
    if gate.pr.is_none() || gate.pr == payload_issue_number(run) {
        gathered.lookup = Some(Lookup::Found(pr.clone()));
    }
    gathered.pull_request = Some(pr);
    gathered.reviews = reviews.into_iter().map(slim_user).collect();
    gathered.comments = comments.into_iter().map(slim_user).collect();
    gathered.timeline = timeline;
    Ok(())
}

/// A review or comment row with its `user` cut down to what the guest reads (`id`, `login`).
/// Gitea's user object is most of a row (about 600 of 900 bytes); ten thousand rows travel to
/// the guest on every question, so this is most of the guest's parsing work.
fn slim_user(mut row: Value) -> Value {
    if let Some(user) = row.get_mut("user").filter(|u| u.is_object()) {
        let slim = json!({ "id": user.get("id").cloned().unwrap_or(Value::Null),
                           "login": user.get("login").cloned().unwrap_or(Value::Null) });
        *user = slim;
    }
    row
}

/// The pull request's base commit from the event payload, when the payload is about `number`.
fn payload_base_sha(run: &RunFacts, number: u64) -> Option<String> {
    let pr = run.payload()?.get("pull_request")?;
    if pr.get("number")?.as_u64()? != number {
        return None;
    }
    pr.get("base")?.get("sha")?.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn payload_issue_number(run: &RunFacts) -> Option<u64> {
    run.payload()?.get("issue")?.get("number")?.as_u64()
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T, ApiError>>) -> Result<T, ApiError> {
    handle.join().unwrap_or_else(|_| Err(ApiError::shape("(internal)".to_owned(), "a request thread panicked")))
}

/// Probe each (login, team) pair the guest asked about, concurrently.
fn probe_all(
    client: &Client,
    teams: &[Team],
    probes: &[MembershipProbe],
    cache: Option<&MembershipCache>,
) -> Vec<MembershipFact> {
    let mut pairs: Vec<(String, &Team)> = Vec::new();
    for probe in probes {
        for reference in &probe.teams {
            if let Some(team) = teams.iter().find(|t| t.reference == *reference) {
                pairs.push((probe.login.clone(), team));
            }
        }
    }
    crate::log_line!("gitea-gate: checking {} team membership(s) …", pairs.len());
    parallel::map(&pairs, CONCURRENT_PROBES, |(login, team)| match cache {
        Some(cache) => cache.get(team, login, || teams::probe(client, team, login)),
        None => teams::probe(client, team, login),
    })
}

/// The run's web page (`GITHUB_SERVER_URL/OWNER/REPO/actions/runs/N`). Gitea 1.25's web routes
/// take the per-repository run number; later versions take the run id and still accept it.
fn run_url(run: &RunFacts) -> Option<String> {
    let server = env::get(env::SERVER_URL)?;
    let number = env::get(env::RUN_NUMBER)?;
    let repo = run.repository.as_deref()?;
    Some(format!("{}/{repo}/actions/runs/{number}", server.trim_end_matches('/')))
}
