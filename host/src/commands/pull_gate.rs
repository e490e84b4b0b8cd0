//! What the two pull-request gates (approvals, checklist) share: resolve the teams, then answer
//! the guest's questions — the pull request with its reviews (and comments), then the membership
//! of exactly the people whose reviews or commands could count — and finally post the verdict as
//! a commit status on the pull request's head.
//!
//! Every question is answered at most once; whatever the guest says after the last answer is the
//! verdict. A fact the host cannot obtain is an error verdict (exit 3), never a guess.

use serde_json::{Value, json};

use crate::cli::Cli;
use crate::codes;
use crate::commands::{Problem, api_client, check_token_env, report};
use crate::env;
use crate::facts::{self, RunFacts};
use crate::gitea::statuses::{self, Status};
use crate::gitea::teams::{self, ResolveError, Team, TeamRef};
use crate::gitea::{self, ApiError, Client, RepoName, Token};
use crate::output::Report;
use crate::parallel;
use crate::protocol::{Finding, Level, Request, decide};
use crate::sandbox::Sandbox;

/// Membership probes in flight at once (each is one small GET over the shared connection pool,
/// which keeps up to 32 connections): 50 approvers cost two round trips, not fifty.
const CONCURRENT_PROBES: usize = 32;

/// One pull-request gate run.
pub struct PullGate<'a> {
    pub check: &'static str,
    pub teams: Vec<TeamRef>,
    pub token_env: Option<&'a str>,
    pub pr: Option<u64>,
    /// The checklist reads the pull request's comments too.
    pub with_comments: bool,
    /// …and, with `tier_label_from_ack_teams`, the label events of its timeline.
    pub with_timeline: bool,
    pub status_context: Option<&'a str>,
    pub target_url: Option<&'a str>,
    /// The check's own facts (`min`, `items`, …), merged into the request.
    pub facts: Value,
}

/// What the host has gathered so far.
struct Gathered {
    pull_request: Option<Value>,
    reviews: Vec<Value>,
    comments: Vec<Value>,
    /// Label events of the timeline, when the gate reads them.
    timeline: Option<Vec<Value>>,
    membership: Option<Vec<Value>>,
    lookup: Option<Value>,
}

pub fn run(cli: &Cli, gate: &PullGate<'_>, sandbox: &Sandbox) -> Result<Report, Problem> {
    let run = RunFacts::gather(&cli.facts);
    check_token_env(gate.token_env)?;
    // A malformed repository name is a usage error before any request (it would address another path).
    if run.repository.is_some() {
        run_repository(&run)?;
    }
    let token = gate.token_env.and_then(|name| facts::secret_value(name).map(|value| Token::new(name, value)));
    let token_missing = gate.token_env.is_some() && token.is_none();
    let token_fact = gate.token_env.map(|name| json!({ "name": name, "present": token.is_some() }));

    // Without the token the guest decides from the trust policy alone; nothing is fetched.
    let (client, teams) = if token_missing {
        let why = format!("{} is not set", gate.token_env.unwrap_or("the token"));
        (None, gate.teams.iter().map(|t| Team::unresolved(t, &why)).collect::<Vec<_>>())
    } else {
        let client = api_client(cli, &run, "read the pull request from", token)?;
        let resolved = parallel::map(&gate.teams, gate.teams.len(), |t| teams::resolve(&client, t));
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
        (Some(client), teams)
    };
    crate::timings::mark("teams resolved");

    let mut facts = gate.facts.clone();
    facts["token"] = token_fact.unwrap_or(Value::Null);
    facts["pr_number"] = json!(gate.pr);
    facts["teams"] = Value::Array(teams.iter().map(Team::fact).collect());
    let mut gathered = Gathered {
        pull_request: None,
        reviews: Vec::new(),
        comments: Vec::new(),
        timeline: None,
        membership: None,
        lookup: None,
    };

    let decision = loop {
        let decision = decide(sandbox, &request(gate, &run, &facts, &gathered))?;
        let needs = decision.verdict.needs.clone().unwrap_or(Value::Null);
        if let Some(number) = needs.get("pull_request_data").and_then(Value::as_u64) {
            if gathered.pull_request.is_some() {
                break decision;
            }
            let Some(client) = &client else { break decision };
            fetch_pull_request(client, &run, gate, number, &mut gathered)?;
            crate::timings::mark("pull request, reviews and comments fetched");
        } else if let Some(probes) = needs.get("membership").and_then(Value::as_array) {
            if gathered.membership.is_some() {
                break decision;
            }
            let Some(client) = &client else { break decision };
            gathered.membership = Some(probe_all(client, &teams, probes));
            crate::timings::mark("membership probed");
        } else {
            break decision;
        }
    };

    let mut report = report(decision, Vec::new());
    if let (Some(context), Some(client)) = (gate.status_context, &client) {
        post_status(client, &run, gate, context, gathered.pull_request.as_ref(), &mut report);
    }
    Ok(report)
}

fn request(gate: &PullGate<'_>, run: &RunFacts, facts: &Value, gathered: &Gathered) -> Request {
    let mut facts = facts.clone();
    facts["context"] = run.context(gathered.lookup.as_ref());
    if let Some(pr) = &gathered.pull_request {
        facts["pull_request"] = pr.clone();
        facts["reviews"] = Value::Array(gathered.reviews.clone());
        if gate.with_comments {
            facts["comments"] = Value::Array(gathered.comments.clone());
        }
        if let Some(timeline) = &gathered.timeline {
            facts["timeline"] = Value::Array(timeline.clone());
        }
    }
    if let Some(membership) = &gathered.membership {
        facts["membership"] = Value::Array(membership.clone());
    }
    Request::new(gate.check, facts)
}

/// The run's repository: where the pull request lives and where its statuses go (docs/gitea.md §5.4).
fn run_repository(run: &RunFacts) -> Result<RepoName, Problem> {
    let raw = run.repository.as_deref().ok_or_else(|| {
        Problem::usage_with_help(
            "the run's repository is unknown",
            "set GITHUB_REPOSITORY or pass --repository OWNER/NAME",
        )
    })?;
    RepoName::parse(raw).map_err(|why| Problem::usage(format!("--repository: {why}")))
}

/// The pull request, all its reviews and (for the checklist) its comments, fetched at once.
fn fetch_pull_request(
    client: &Client,
    run: &RunFacts,
    gate: &PullGate<'_>,
    number: u64,
    gathered: &mut Gathered,
) -> Result<(), Problem> {
    let repo = run_repository(run)?;
    crate::log_line!("gitea-gate: reading pull request {repo}#{number} …");
    let (pr, reviews, comments, timeline) = std::thread::scope(|scope| {
        let reviews = scope.spawn(|| gitea::reviews::list(client, &repo, number));
        let comments = scope
            .spawn(|| if gate.with_comments { gitea::comments::list(client, &repo, number) } else { Ok(Vec::new()) });
        let timeline = scope.spawn(|| {
            if gate.with_timeline { gitea::timeline::label_events(client, &repo, number).map(Some) } else { Ok(None) }
        });
        let pr = gitea::pulls::get(client, &repo, number);
        (pr, join(reviews), join(comments), join(timeline))
    });
    let pr = pr.map_err(|e| Problem::api(&e, &format!("cannot read pull request #{number}")))?;
    let reviews = reviews.map_err(|e| Problem::api(&e, &format!("cannot read the reviews of #{number}")))?;
    let comments = comments.map_err(|e| Problem::api(&e, &format!("cannot read the comments of #{number}")))?;
    let timeline = timeline.map_err(|e| Problem::api(&e, &format!("cannot read the timeline of #{number}")))?;
    // An issue_comment run learns where the pull request's head lives from this object (the
    // payload does not say), exactly as the trust gate's own lookup would (docs/gitea.md §9.2).
    if gate.pr.is_none() || gate.pr == payload_issue_number(run) {
        gathered.lookup = Some(json!({ "found": pr }));
    }
    gathered.pull_request = Some(pr);
    gathered.reviews = reviews;
    gathered.comments = comments;
    gathered.timeline = timeline;
    Ok(())
}

fn payload_issue_number(run: &RunFacts) -> Option<u64> {
    run.payload()?.get("issue")?.get("number")?.as_u64()
}

fn join<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T, ApiError>>) -> Result<T, ApiError> {
    handle.join().unwrap_or_else(|_| Err(ApiError::shape("(internal)".to_owned(), "a request thread panicked")))
}

/// Probe each (login, team) pair the guest asked about, concurrently.
fn probe_all(client: &Client, teams: &[Team], probes: &[Value]) -> Vec<Value> {
    let mut pairs: Vec<(String, &Team)> = Vec::new();
    for probe in probes {
        let Some(login) = probe.get("login").and_then(Value::as_str) else { continue };
        for reference in probe.get("teams").and_then(Value::as_array).into_iter().flatten() {
            if let Some(team) = teams.iter().find(|t| Some(t.reference.as_str()) == reference.as_str()) {
                pairs.push((login.to_owned(), team));
            }
        }
    }
    crate::log_line!("gitea-gate: checking {} team membership(s) …", pairs.len());
    parallel::map(&pairs, CONCURRENT_PROBES, |(login, team)| teams::probe(client, team, login))
}

/// Post the verdict's status on the pull request's head. A failure to post is a warning: the
/// gate's exit code still reflects its verdict (and Gitea's own job status reflects that).
fn post_status(
    client: &Client,
    run: &RunFacts,
    gate: &PullGate<'_>,
    context: &str,
    pull_request: Option<&Value>,
    report: &mut Report,
) {
    let Some(text) = report.verdict.status.clone() else { return };
    let warn = |report: &mut Report, message: String, help: Option<String>| {
        report.verdict.findings.push(Finding {
            code: codes::STATUS_NOT_POSTED.to_owned(),
            level: Level::Warning,
            message,
            help,
        });
        report.raw = None;
    };
    let Some(sha) = pull_request.and_then(|pr| pr.get("head")?.get("sha")?.as_str()).filter(|s| !s.is_empty()) else {
        warn(report, format!("status {context:?} not posted: the pull request's head commit is unknown"), None);
        return;
    };
    let repo = match run_repository(run) {
        Ok(repo) => repo,
        Err(_) => return,
    };
    let target = gate.target_url.map(str::to_owned).or_else(|| run_url(run));
    let status = Status { state: &text.state, context, description: &text.description, target_url: target.as_deref() };
    match statuses::post(client, &repo, sha, &status) {
        Ok(()) => crate::log_line!("gitea-gate: posted status {context:?} = {} on {sha}", text.state),
        Err(e) => {
            let token = gate.token_env.unwrap_or("the token");
            let help = match e.status() {
                Some(403) => Some(format!(
                    "{token} cannot write statuses to {repo}: a personal access token needs the write:repository \
                     scope and write access to the repository, and the job token of fork pull request runs \
                     (pull_request_target from a fork and AGit too) is read-only; this job's own status still \
                     carries the verdict"
                )),
                Some(401) => Some(format!("{token} was rejected (HTTP 401); replace the secret")),
                _ => None,
            };
            warn(report, format!("status {context:?} not posted on {sha}: {e}"), help);
        }
    }
}

/// The run's web page (`GITHUB_SERVER_URL/OWNER/REPO/actions/runs/N`). Gitea 1.25's web routes
/// take the per-repository run number; later versions take the run id and still accept it.
fn run_url(run: &RunFacts) -> Option<String> {
    let server = env::get(env::SERVER_URL)?;
    let number = env::get(env::RUN_NUMBER)?;
    let repo = run.repository.as_deref()?;
    Some(format!("{}/{repo}/actions/runs/{number}", server.trim_end_matches('/')))
}
