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
use crate::commands::policy_files::{PolicyGathered, PolicyRead, PolicySource};
use crate::commands::session::{GateToken, api_client};
use crate::commands::{Problem, check_token_env, deferral, report, run_repository, shared_head};
use crate::env;
use crate::facts::RunFacts;
use crate::gitea::teams::{self, ResolveError, Team, TeamRef};
use crate::gitea::{self, ApiError, Client};
use crate::output::Report;
use crate::parallel;
use crate::protocol::{
    ApprovalFacts, ChangedFile, ChecklistFacts, Facts, Item, Lookup, MembershipFact, MembershipProbe, Needs, Outcome,
    PolicyFacts, PullHistory, Request, SecretFact, Server, TeamFact, Trust, decide,
};
use crate::sandbox::Sandbox;

/// Membership probes in flight at once for one pull request: every probe the guest asks for goes
/// out in one wave (a policy with three teams and fifty approvers is 150 small GETs, one round
/// trip), up to this bound.
const CONCURRENT_PROBES: usize = 256;
/// …and per pull request in a sweep, which evaluates several pull requests at once
/// (sweep.rs: the whole sweep keeps to a few hundred requests in flight).
const SWEEP_PROBES: usize = 32;

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
    /// Pushes and commits, read with the pull request.
    history: Option<PullHistory>,
    /// The server's version (policy gate), read with the pull request.
    server: Option<Server>,
    membership: Option<Vec<MembershipFact>>,
    lookup: Option<Lookup>,
    /// The policy gate's facts, once the pull request was read.
    policy: Option<PolicyGathered>,
    /// Teams and CODEOWNERS users the guest named after reading the pull request, once resolved.
    named_teams: Option<NamedOwners>,
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
    /// The server's version, asked once per sweep (the policy gate; `None` for the others).
    pub server: Option<Result<Server, ApiError>>,
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
///
/// Round trips are what a gate's run costs (docs/architecture.md §3): whatever can be read
/// before the guest asks for it is read at once. The gate's own teams resolve while the pull
/// request the guest is going to ask for is read; the policy's teams resolve while the pull
/// request's pages are read; every membership probe goes out in one wave.
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
    let mut gathered = Gathered {
        pull_request: None,
        reviews: Vec::new(),
        comments: Vec::new(),
        timeline: None,
        history: None,
        server: None,
        membership: None,
        lookup: None,
        policy: None,
        named_teams: None,
    };
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
                if let Some(named) = &gathered.named_teams {
                    all.extend(named.teams.iter().cloned());
                }
                gathered.membership = Some(probe_all(client, &all, probes, cache, wave));
                crate::timings::mark("membership probed");
            }
            Some(Needs::PullRequest(_)) => break decision,
            None => match teams_needed(&decision.verdict) {
                Some((needed, users)) if gathered.named_teams.is_none() && gathered.pull_request.is_some() => {
                    let reading = TeamReading { token_env: gate.token_env, client };
                    gathered.named_teams = Some(reading.resolve_with(&needed, &users, named_early.take())?);
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

/// The gate's teams, resolved; meanwhile the pull request the guest is going to ask for (the
/// one `--pr` or the event names) is read, so the two cost one round of requests, not two.
/// Only a gate that names teams reads ahead: the policy gate first lets the guest check its
/// file (a broken policy is exit 2 before any request).
fn resolve_teams_reading_ahead(
    gate: &PullGate<'_>,
    run: &RunFacts,
    client: Option<&Client>,
) -> Result<(Vec<Team>, Option<ReadAhead>), Problem> {
    let number = gate.pr.or_else(|| run.event.pull_request_number());
    let (Some(client), Some(number), false) = (client, number, gate.teams.is_empty()) else {
        return Ok((resolve_teams(gate, client)?, None));
    };
    let (teams, fetched) = std::thread::scope(|scope| {
        let fetched = scope.spawn(|| fetch_pull_request(client, run, gate, number, None));
        let teams = resolve_teams(gate, Some(client));
        let fetched = fetched.join().unwrap_or_else(|_| Err(thread_panicked("cannot read the pull request")));
        (teams, fetched)
    });
    Ok((teams?, Some(fetched)))
}

/// A pull request read before the guest asked for it (its errors count only if it does).
type ReadAhead = Result<Fetched, Problem>;

/// Reading one pull request once the guest asked for it.
struct PullReading<'a> {
    client: &'a Client,
    run: &'a RunFacts,
    gate: &'a PullGate<'a>,
    sandbox: &'a Sandbox,
    token: Option<&'a SecretFact>,
    /// The server's version when the sweep already asked for it.
    server: Option<&'a Result<Server, ApiError>>,
}

/// What one round of reading a pull request returns: the pull request, the policy files read at
/// the payload's base (when it names it), and the teams the policy names, already resolved.
type PullRound = (Result<Fetched, Problem>, Option<Result<PolicyRead, Problem>>, Option<NamedOwners>);

impl PullReading<'_> {
    /// Pull request `number` (unless `ahead` already holds it), and for the policy gate in the
    /// same round: the policy and CODEOWNERS at the base the payload names, and the teams they
    /// name (`named`: what the guest said of a workspace policy; otherwise the guest is asked once
    /// the base's files are in), resolved while the pull request's pages are still coming.
    fn read(&self, number: u64, ahead: Option<ReadAhead>, named: Option<Names>) -> PullRound {
        let GateFacts::Policy { source } = &self.gate.facts else {
            let fetched =
                ahead.unwrap_or_else(|| fetch_pull_request(self.client, self.run, self.gate, number, self.server));
            return (fetched, None, None);
        };
        std::thread::scope(|scope| {
            let fetched = scope.spawn(|| {
                ahead.unwrap_or_else(|| fetch_pull_request(self.client, self.run, self.gate, number, self.server))
            });
            let early_base = payload_base_sha(self.run, number);
            let repo = run_repository(self.run, "the pull request and its statuses live there").ok();
            let early = match (&repo, early_base.as_deref()) {
                (Some(repo), Some(base)) => Some(source.read(self.client, repo, Some(base))),
                _ => None,
            };
            let named = named.or_else(|| match &early {
                Some(Ok(read)) => self.teams_named_by(read),
                _ => None,
            });
            let reading = TeamReading { token_env: self.gate.token_env, client: Some(self.client) };
            let resolved = named.and_then(|(teams, users)| reading.resolve_named(&teams, &users).ok());
            let fetched = fetched.join().unwrap_or_else(|_| Err(thread_panicked("cannot read the pull request")));
            (fetched, early, resolved)
        })
    }

    /// The teams the base's policy and CODEOWNERS name, as the guest reads them (it is the one
    /// that parses the policy): asked before the pull request is in.
    fn teams_named_by(&self, read: &PolicyRead) -> Option<Names> {
        let facts = Facts::Policy(PolicyFacts {
            context: self.run.context(None),
            token: self.token.cloned(),
            pr_number: self.gate.pr,
            policy: Some(read.policy.clone()),
            pull_request: None,
            reviews: Vec::new(),
            comments: Vec::new(),
            history: None,
            server: None,
            changed_files: None,
            codeowners: read.codeowners.clone(),
            teams: Vec::new(),
            missing_teams: Vec::new(),
            users: Vec::new(),
            missing_users: Vec::new(),
            membership: None,
        });
        let decision = decide(self.sandbox, &Request::new(facts)).ok()?;
        teams_named(&decision.verdict)
    }
}

fn thread_panicked(what: &str) -> Problem {
    Problem::api(&ApiError::shape("(internal)".to_owned(), "a request thread panicked"), what)
}

/// Team references and CODEOWNERS user logins the guest named.
type Names = (Vec<String>, Vec<String>);

/// The teams and CODEOWNERS users a guest verdict says it needs resolved before it can go on
/// (`facts-needed` with `details.teams_needed` and `details.users_needed`, the policy gate:
/// docs/policy.md), answered together in one step.
fn teams_needed(verdict: &crate::protocol::Verdict) -> Option<Names> {
    names(verdict, "teams_needed", "users_needed")
}

/// Every team and CODEOWNERS user the policy names (`details.teams_named`, `users_named` of the
/// policy gate's request for the pull request): the host may resolve them while it reads it.
fn teams_named(verdict: &crate::protocol::Verdict) -> Option<Names> {
    names(verdict, "teams_named", "users_named")
}

fn names(verdict: &crate::protocol::Verdict, teams: &str, users: &str) -> Option<Names> {
    if verdict.code != "facts-needed" {
        return None;
    }
    let list = |key: &str| -> Vec<String> {
        let items = verdict.details.get(key).and_then(Value::as_array);
        items.into_iter().flatten().filter_map(|t| t.as_str().map(str::to_owned)).collect()
    };
    let (teams, users) = (list(teams), list(users));
    (!teams.is_empty() || !users.is_empty()).then_some((teams, users))
}

/// The teams and users the guest named, as the host found them.
#[derive(Default)]
struct NamedOwners {
    /// Teams that exist (a CODEOWNERS `@org/team` only with the team name's exact case).
    teams: Vec<Team>,
    /// References that do not, as the guest wrote them.
    missing: Vec<String>,
    /// CODEOWNERS user owners that are Gitea users, and those that are not.
    users: Vec<String>,
    missing_users: Vec<String>,
}

impl NamedOwners {
    /// What of `self` answers `teams` and `users`, and what it does not know yet.
    fn answering(&self, teams: &[String], users: &[String]) -> (NamedOwners, Names) {
        let mut out = NamedOwners::default();
        let mut rest: Names = (Vec::new(), Vec::new());
        for raw in teams {
            if let Some(team) = self.teams.iter().find(|t| t.reference == *raw) {
                out.teams.push(team.clone());
            } else if self.missing.contains(raw) {
                out.missing.push(raw.clone());
            } else {
                rest.0.push(raw.clone());
            }
        }
        let known = |list: &[String], login: &str| list.iter().any(|u| u.eq_ignore_ascii_case(login));
        for login in users {
            if known(&self.users, login) {
                out.users.push(login.clone());
            } else if known(&self.missing_users, login) {
                out.missing_users.push(login.clone());
            } else {
                rest.1.push(login.clone());
            }
        }
        (out, rest)
    }

    fn extend(&mut self, more: NamedOwners) {
        self.teams.extend(more.teams);
        self.missing.extend(more.missing);
        self.users.extend(more.users);
        self.missing_users.extend(more.missing_users);
    }

    /// One fact per team: a CODEOWNERS `@org/team` that is also the policy's team is found by
    /// the guest through the policy's fact, by name (so every membership is probed once). A
    /// policy's fact is never dropped: the guest finds it by its reference.
    fn one_fact_per_team(mut self) -> NamedOwners {
        self.teams.sort_by_key(|t| t.reference.starts_with('@'));
        let mut seen = Vec::new();
        self.teams.retain(|t| match t.id {
            Some(id) if t.reference.starts_with('@') && seen.contains(&id) => false,
            Some(id) => {
                seen.push(id);
                true
            }
            None => true,
        });
        self
    }
}

/// Resolving the teams a policy or its CODEOWNERS name.
struct TeamReading<'a> {
    token_env: Option<&'a str>,
    client: Option<&'a Client>,
}

impl TeamReading<'_> {
    /// `teams` and `users`, answered from `early` (resolved in the pull request's round) where
    /// it can; the rest resolved now.
    fn resolve_with(
        &self,
        teams: &[String],
        users: &[String],
        early: Option<NamedOwners>,
    ) -> Result<NamedOwners, Problem> {
        let (mut named, (rest_teams, rest_users)) = match early {
            Some(early) => early.answering(teams, users),
            None => (NamedOwners::default(), (teams.to_vec(), users.to_vec())),
        };
        if !rest_teams.is_empty() || !rest_users.is_empty() {
            named.extend(self.resolve_named(&rest_teams, &rest_users)?);
        }
        Ok(named.one_fact_per_team())
    }

    /// Every reference resolved at once, and every CODEOWNERS user looked up in the same step:
    /// the teams that exist, and those that do not (an unknown organisation or team name; for a
    /// CODEOWNERS `@org/team`, also a team whose name differs in case). A failed request is an
    /// error, never a missing team or user.
    fn resolve_named(&self, needed: &[String], users: &[String]) -> Result<NamedOwners, Problem> {
        let mut refs = Vec::new();
        let mut named = NamedOwners::default();
        for raw in needed {
            match TeamRef::parse(raw.strip_prefix('@').unwrap_or(raw)) {
                Ok(team) => refs.push((raw.clone(), team)),
                Err(_) => named.missing.push(raw.clone()),
            }
        }
        let Some(client) = self.client else {
            let why = format!("{} is not set", self.token_env.unwrap_or("the token"));
            for (raw, t) in &refs {
                let mut team = Team::unresolved(t, &why);
                team.reference.clone_from(raw);
                named.teams.push(team);
            }
            return Ok(named);
        };
        let (resolved, looked_up) = std::thread::scope(|scope| {
            let looked_up = scope.spawn(|| gitea::users::partition(client, users));
            let resolved = parallel::map(&refs, refs.len().max(1), |(_, t)| teams::resolve(client, t));
            let looked_up = looked_up
                .join()
                .unwrap_or_else(|_| Err(ApiError::shape("(internal)".to_owned(), "a request thread panicked")));
            (resolved, looked_up)
        });
        for ((raw, asked), result) in refs.iter().zip(resolved) {
            match result {
                Ok(team) if !teams::names_exactly(raw, asked, &team) => named.missing.push(raw.clone()),
                Ok(mut team) => {
                    team.reference.clone_from(raw);
                    named.teams.push(team);
                }
                Err(ResolveError::NoSuchTeam(_)) => named.missing.push(raw.clone()),
                Err(ResolveError::Api(e)) => return Err(Problem::api(&e, &format!("cannot resolve team {raw}"))),
            }
        }
        let (found, missing) = looked_up.map_err(|e| Problem::api(&e, "cannot look up the CODEOWNERS users"))?;
        (named.users, named.missing_users) = (found, missing);
        Ok(named)
    }
}

fn request(gate: &PullGate<'_>, run: &RunFacts, shared: &RunShared, gathered: &Gathered) -> Request {
    let context = run.context(gathered.lookup.as_ref());
    // The pull request's rows travel only once the guest asked for them.
    let (reviews, comments, timeline, history) = match &gathered.pull_request {
        Some(_) => {
            (gathered.reviews.clone(), gathered.comments.clone(), gathered.timeline.clone(), gathered.history.clone())
        }
        None => (Vec::new(), Vec::new(), None, None),
    };
    let facts = match &gate.facts {
        GateFacts::Approvals {
            min,
            allow_stale,
            block_on_changes_requested,
            approval_teams,
            waivable,
            rule,
            allow_contributors,
        } => Facts::Approvals(ApprovalFacts {
            context,
            token: shared.token.clone(),
            pr_number: gate.pr,
            pull_request: gathered.pull_request.clone(),
            reviews,
            history,
            allow_contributors: *allow_contributors,
            teams: shared.teams.iter().take(*approval_teams).cloned().collect(),
            min: *min,
            allow_stale: *allow_stale,
            block_on_changes_requested: *block_on_changes_requested,
            rule: (rule != "approvals").then(|| rule.clone()),
            waivable_by: waivable.iter().filter_map(|i| shared.teams.get(*i).cloned()).collect(),
            comments: if gate.with_comments { comments } else { Vec::new() },
            membership: gathered.membership.clone(),
        }),
        GateFacts::Checklist {
            items,
            count_edited_comments,
            tier_label_from_ack_teams,
            allow_contributors,
            keep_acks_across_pushes,
        } => Facts::Checklist(ChecklistFacts {
            context,
            token: shared.token.clone(),
            pr_number: gate.pr,
            items: items.clone(),
            teams: shared.teams.clone(),
            count_edited_comments: *count_edited_comments,
            pull_request: gathered.pull_request.clone(),
            comments: if gate.with_comments { comments } else { Vec::new() },
            reviews,
            history,
            membership: gathered.membership.clone(),
            allow_contributors: *allow_contributors,
            keep_acks_across_pushes: *keep_acks_across_pushes,
            tier_label_from_ack_teams: *tier_label_from_ack_teams,
            timeline,
        }),
        GateFacts::Policy { source } => {
            let mut teams = shared.teams.clone();
            let mut missing_teams = Vec::new();
            let (mut users, mut missing_users) = (Vec::new(), Vec::new());
            if let Some(named) = &gathered.named_teams {
                teams.extend(named.teams.iter().map(Team::fact));
                missing_teams.clone_from(&named.missing);
                users.clone_from(&named.users);
                missing_users.clone_from(&named.missing_users);
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
                history,
                server: gathered.server.clone().filter(|_| gathered.pull_request.is_some()),
                changed_files: fetched.map(|p| p.changed_files.clone()),
                codeowners: fetched.and_then(|p| p.codeowners.clone()),
                teams,
                missing_teams,
                users,
                missing_users,
                membership: gathered.membership.clone(),
            })
        }
    };
    Request::new(facts)
}

/// One pull request as read before the guest looks at it: the object, every review, (for the
/// checklist and the policy) every comment, the label timeline, its pushes and commits, (for the
/// policy) every changed file.
struct Fetched {
    number: u64,
    pr: Value,
    reviews: Vec<Value>,
    comments: Vec<Value>,
    timeline: Option<Vec<Value>>,
    history: PullHistory,
    files: Option<Vec<ChangedFile>>,
    /// The server's version (the policy gate: its CODEOWNERS rules follow it).
    server: Option<Server>,
}

/// The pull request, all its reviews, comments, timeline, commits and changed files, fetched at
/// once: one round trip (each list's pages in parallel).
/// `known`: the server's version when the sweep already asked for it (else the policy gate asks).
fn fetch_pull_request(
    client: &Client,
    run: &RunFacts,
    gate: &PullGate<'_>,
    number: u64,
    known: Option<&Result<Server, ApiError>>,
) -> Result<Fetched, Problem> {
    let repo = run_repository(run, "the pull request and its statuses live there")?;
    crate::log_line!("gitea-gate: reading pull request {repo}#{number} …");
    let with_files = matches!(gate.facts, GateFacts::Policy { .. });
    let (pr, reviews, comments, timeline, commits, (files, server)) = std::thread::scope(|scope| {
        let files =
            scope.spawn(|| if with_files { gitea::pulls::files(client, &repo, number).map(Some) } else { Ok(None) });
        let server = scope.spawn(|| match known {
            Some(known) => known.clone().map(Some),
            None if with_files => gitea::version::read(client).map(Some),
            None => Ok(None),
        });
        let reviews = scope.spawn(|| gitea::reviews::list(client, &repo, number));
        let comments = scope
            .spawn(|| if gate.with_comments { gitea::comments::list(client, &repo, number) } else { Ok(Vec::new()) });
        let timeline = scope.spawn(|| gitea::timeline::read(client, &repo, number));
        let commits = scope.spawn(|| gitea::pulls::commits(client, &repo, number));
        let pr = gitea::pulls::get(client, &repo, number);
        (pr, join(reviews), join(comments), join(timeline), join(commits), (join(files), join(server)))
    });
    let read = |what: &str| format!("cannot read the {what} of #{number}");
    let timeline = timeline.map_err(|e| Problem::api(&e, &read("timeline")))?;
    Ok(Fetched {
        number,
        pr: pr.map_err(|e| Problem::api(&e, &format!("cannot read pull request #{number}")))?,
        reviews: reviews.map_err(|e| Problem::api(&e, &read("reviews")))?,
        comments: comments.map_err(|e| Problem::api(&e, &read("comments")))?,
        history: PullHistory {
            pushes: timeline.pushes,
            commits: commits.map_err(|e| Problem::api(&e, &read("commits")))?,
            reopens: timeline.reopens,
            retargets: timeline.retargets,
        },
        timeline: gate.with_timeline.then_some(timeline.label_events),
        files: files.map_err(|e| Problem::api(&e, &read("changed files")))?,
        server: server.map_err(|e| Problem::api(&e, "cannot read the server's version"))?,
    })
}

/// Hand a fetched pull request to the guest's facts; the policy gate's files come with it,
/// read at the base commit (`early`: already read at the payload's base, in the same round trip).
fn take_pull_request(
    client: &Client,
    run: &RunFacts,
    gate: &PullGate<'_>,
    fetched: Fetched,
    early: Option<Result<PolicyRead, Problem>>,
    gathered: &mut Gathered,
) -> Result<(), Problem> {
    let Fetched { pr, reviews, comments, timeline, history, files, server, .. } = fetched;
    if let (GateFacts::Policy { source }, Some(changed_files)) = (&gate.facts, files) {
        let read = match early {
            Some(read) => read?,
            None => {
                let repo = run_repository(run, "the pull request and its statuses live there")?;
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
    gathered.history = Some(history);
    gathered.server = server;
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
    wave: usize,
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
    parallel::map(&pairs, wave, |(login, team)| match cache {
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
