//! `--open-prs`: the sweep. Every open pull request of the repository is evaluated exactly as
//! `--pr N` evaluates one (pull_gate/), and each gets its status on its head commit.
//!
//! Why a sweep: a review or a comment changes a gate's answer, but the runs those events start
//! cannot be trusted with the answer on Gitea. On a fork's pull request a comment run gets no
//! secrets, and a review run executes the *head's* workflow file with secrets (docs/gitea.md
//! §9.2). So the status is posted from a trusted run — `schedule`, `workflow_dispatch` or
//! `push`, whose workflow comes from the repository itself — that re-evaluates every open pull
//! request from the base. Per-event runs keep working for same-repository pull requests; on a
//! fork's review or comment run the gate skips ([`defer_untrusted_run`]) and the sweep posts.
//!
//! Exit: 0 when every pull request was decided (pass or fail: the statuses carry the verdicts),
//! 3 when any could not be (that one got an `error` status, the others were still posted), 2 for
//! a usage error. More open pull requests than `--max-prs` is exit 3 before anything is posted.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cli::{Cli, PullGateArgs};
use crate::commands::commit_status::{self, final_state};
use crate::commands::pull_gate::{self, PullGate, Shared};
use crate::commands::session::{GateToken, api_client};
use crate::commands::shared_head;
use crate::commands::{Problem, check_token_env, run_repository};
use crate::exit;
use crate::facts::RunFacts;
use crate::gitea;
use crate::output::Report;
use crate::parallel;
use crate::protocol::Code;
use crate::protocol::{Finding, Level, Outcome, PROTOCOL_VERSION, Trust, Verdict};
use crate::sandbox::Sandbox;

/// Pull requests evaluated at once. Each one's own requests run concurrently too (reviews and
/// comments, membership probes), all over the client's one connection pool.
const CONCURRENT_PRS: usize = 8;

/// Events a sweep may run on: the repository's own workflow, with its secrets (docs/gitea.md §9.1).
pub const TRUSTED_EVENTS: &[&str] = &["schedule", "workflow_dispatch", "push"];

/// `approvals`/`checklist`: one pull request, or (`--open-prs`) all open ones.
pub fn run_gate(
    cli: &Cli,
    args: &PullGateArgs,
    gate: &PullGate<'_>,
    sandbox: Result<&Sandbox, Problem>,
) -> Result<Report, Problem> {
    if let Some(context) = gate.status_context {
        commit_status::refuse_the_jobs_own_context(context, cli.facts.given().event_name().as_deref())?;
    }
    if args.open_prs { run(cli, gate, args.max_prs, sandbox) } else { pull_gate::run(cli, gate, sandbox) }
}

/// One row of the sweep.
struct Row {
    number: u64,
    head: String,
    report: Report,
    /// The state posted on a head this pull request shares with others (the worst of theirs).
    head_state: Option<&'static str>,
}

pub fn run(
    cli: &Cli,
    gate: &PullGate<'_>,
    max_prs: usize,
    sandbox: Result<&Sandbox, Problem>,
) -> Result<Report, Problem> {
    let run = RunFacts::gather(&cli.facts.given());
    check_token_env(gate.token_env)?;
    require_trusted_event(&run)?;
    let repo = run_repository(&run, "the sweep reads its open pull requests")?;
    if max_prs == 0 {
        return Err(Problem::usage_with_help("--max-prs 0 would evaluate nothing", "use --max-prs 1 or more"));
    }
    let token = GateToken::from_env(gate.token_env);
    if token.as_ref().is_some_and(GateToken::missing) {
        // The guest's trust policy decides what a missing token means (a trusted run: fail).
        let mut single = gate.clone();
        single.status_context = None;
        return pull_gate::run(cli, &single, sandbox);
    }
    let token_fact = token.as_ref().map(GateToken::fact);
    let client = api_client(cli, &run, "read the open pull requests from", token.and_then(|t| t.token()))?;

    let pulls =
        gitea::pulls::list_open(&client, &repo).map_err(|e| Problem::api(&e, "cannot list the open pull requests"))?;
    crate::timings::mark("open pull requests listed");
    // Most recently updated first: with more open pull requests than --max-prs, those are the
    // ones evaluated; every other one gets `error` (never keeps an old `success`) and is listed.
    let mut listed: Vec<(u64, String, String)> = pulls
        .iter()
        .filter_map(|pr| Some((pr.number?, pr.head_sha()?.to_owned(), pr.updated_at.clone().unwrap_or_default())))
        .collect();
    listed.sort_by(|a, b| b.2.cmp(&a.2).then(b.0.cmp(&a.0)));
    let open = listed.len();
    let (targets, left) = listed.split_at(open.min(max_prs));
    crate::log_line!("gitea-gate: sweeping {} open pull request(s) of {repo} …", targets.len());

    // The server's version once for the whole sweep (the policy gate reads CODEOWNERS by it).
    let server = gate.reads_server_version().then(|| gitea::version::read(&client));
    let teams = pull_gate::resolve_teams(gate, Some(&client));
    let shared = Shared { teams, memberships: Default::default(), server };
    crate::timings::mark("teams resolved");
    // A head shared by pull requests gets one status, posted after all of them are decided
    // (shared_head.rs); the others post their own, as soon as each is decided.
    let mut per_head: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, head, _) in &listed {
        *per_head.entry(head.as_str()).or_default() += 1;
    }
    let shared_heads: Vec<String> = per_head.into_iter().filter(|(_, n)| *n > 1).map(|(h, _)| h.to_owned()).collect();
    let mut rows: Vec<Row> = parallel::map(targets, CONCURRENT_PRS, |(number, head, _)| {
        let mut one = gate.clone();
        one.pr = Some(*number);
        if shared_heads.contains(head) {
            one.status_context = None;
        }
        let report = pull_gate::evaluate(
            &one,
            &run,
            Some(&client),
            token_fact.clone(),
            sandbox.clone(),
            Some(&shared),
            Some(head),
        )
        .unwrap_or_else(|problem| problem.into_report(gate.check(), Trust::Trusted));
        Row { number: *number, head: head.clone(), report, head_state: None }
    });
    if !left.is_empty() {
        crate::log_line!(
            "gitea-gate: {} more open pull request(s) than --max-prs {max_prs}: not evaluated, error posted",
            left.len()
        );
    }
    // Past --max-prs: not evaluated. A head of their own gets `error` now; a shared head gets
    // its one status with the others' below.
    let (left_shared, left_own): (Vec<_>, Vec<_>) = left.iter().partition(|(_, head, _)| shared_heads.contains(head));
    let too_many = || too_many(&repo.to_string(), open, max_prs);
    rows.extend(parallel::map(&left_own, CONCURRENT_PRS, |(number, head, _)| {
        let mut one = gate.clone();
        one.pr = Some(*number);
        let report = pull_gate::not_evaluated(&one, &run, &client, head, too_many());
        Row { number: *number, head: head.clone(), report, head_state: None }
    }));
    rows.extend(left_shared.iter().map(|(number, head, _)| {
        let report = too_many().into_report(gate.check(), Trust::Trusted);
        Row { number: *number, head: head.clone(), report, head_state: None }
    }));
    rows.sort_by_key(|row| row.number);
    post_shared_heads(gate, &run, &client, &shared_heads, &mut rows);
    crate::timings::mark("pull requests evaluated");
    Ok(summarize(gate, &repo.to_string(), &rows))
}

/// Why a pull request past `--max-prs` was not evaluated.
fn too_many(repo: &str, open: usize, max_prs: usize) -> Problem {
    Problem::Undecided {
        code: Code::SweepTooManyPullRequests,
        message: format!(
            "not evaluated: {repo} has {open} open pull requests, more than --max-prs {max_prs}; the {max_prs} most \
             recently updated were"
        ),
        help: Some(format!("raise --max-prs (action input max-prs) to at least {open}")),
    }
}

/// One status per shared head: the worst of its pull requests' verdicts (failure, then error,
/// then success), naming the pull request it comes from, `pending` first like every status.
fn post_shared_heads(gate: &PullGate<'_>, run: &RunFacts, client: &gitea::Client, heads: &[String], rows: &mut [Row]) {
    if gate.status_context.is_none() {
        return;
    }
    for head in heads {
        let group: Vec<(u64, &Report)> =
            rows.iter().filter(|r| &r.head == head).map(|r| (r.number, &r.report)).collect();
        let Some((worst, report)) = shared_head::combine(&group) else { continue };
        let (state, description) = final_state(&report.verdict);
        let numbers: Vec<String> = group.iter().map(|(n, _)| format!("#{n}")).collect();
        let mut posted = report.clone();
        pull_gate::post_head_state(
            gate,
            run,
            client,
            head,
            &mut posted,
            (state, shared_head::describe(worst, &description)),
        );
        let not_posted: Vec<_> =
            posted.verdict.findings.iter().filter(|f| f.code == Code::StatusNotPosted).cloned().collect();
        for row in rows.iter_mut().filter(|r| &r.head == head) {
            row.head_state = Some(state);
            row.report.verdict.findings.push(Finding::new(
                Code::SharedHead,
                if state == "success" { Level::Notice } else { Level::Warning },
                format!("the head is shared by {}; its status is {state}, from #{worst}", numbers.join(", ")),
            ));
            row.report.verdict.findings.extend(not_posted.iter().cloned());
        }
    }
}

/// `--open-prs` only on a trusted event, else a usage error that says why.
fn require_trusted_event(run: &RunFacts) -> Result<(), Problem> {
    let event = run.event_name.as_deref().unwrap_or("");
    if TRUSTED_EVENTS.contains(&event) {
        return Ok(());
    }
    let shown = if event.is_empty() { "unset".to_owned() } else { crate::output::workflow::printable(event) };
    Err(Problem::usage_with_help(
        format!(
            "--open-prs posts the statuses of every open pull request, so it runs only on a trusted event \
             (schedule, workflow_dispatch or push), and this run's event is {shown}: a pull request, review or \
             comment run may carry a fork's workflow or no secrets (docs/gitea.md §9.2)"
        ),
        "start the sweep from `on: schedule` or `on: workflow_dispatch` (README, \"Statuses that follow the \
         reviews\"); outside Actions pass --event-name workflow_dispatch; per-event runs use the event's own \
         pull request (or --pr N) instead",
    ))
}

/// The sweep's own report: one line per pull request, a summary table, and every verdict.
fn summarize(gate: &PullGate<'_>, repo: &str, rows: &[Row]) -> Report {
    let mut lines = Vec::new();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut findings = Vec::new();
    let mut entries = Vec::new();
    let mut worst = exit::PASS;
    for row in rows {
        let v = &row.report.verdict;
        let outcome = v.verdict.as_str();
        *counts.entry(outcome).or_default() += 1;
        let code = row.report.exit;
        worst = match (worst, code) {
            (_, exit::USAGE) | (exit::USAGE, _) => exit::USAGE,
            (_, exit::UNDECIDED) | (exit::UNDECIDED, _) => exit::UNDECIDED,
            (w, _) => w,
        };
        let status = swept_status(gate, row);
        lines.push(row_line(row, status.as_ref()));
        if matches!(code, exit::USAGE | exit::UNDECIDED) {
            findings.push(Finding::new(
                Code::SweepUndecided,
                Level::Error,
                format!("#{}: {}", row.number, crate::commands::commit_status::bounded(&v.reason)),
            ));
        }
        entries.push(SweptPull { exit: code, head_sha: &row.head, number: row.number, status, verdict: v });
    }
    lines.extend(count_table(&counts, rows.len()));

    let undecided = findings.len();
    let (outcome, code, reason) = if undecided == 0 {
        (
            Outcome::Pass,
            Code::SweepDecided,
            format!("all {} open pull request(s) of {repo} decided; their statuses carry the verdicts", rows.len()),
        )
    } else {
        (
            Outcome::Error,
            Code::SweepUndecided,
            format!(
                "{undecided} of {} open pull request(s) of {repo} could not be decided (error status); the others \
                 were posted",
                rows.len()
            ),
        )
    };
    if undecided == 0 {
        findings.push(Finding::new(code.to_owned(), Level::Notice, reason.clone()));
    }
    let count = |key: &str| counts.get(key).copied().unwrap_or(0).to_string();
    let outputs = BTreeMap::from([
        ("pull-requests".to_owned(), rows.len().to_string()),
        ("passed".to_owned(), count("pass")),
        ("failed".to_owned(), count("fail")),
        ("undecided".to_owned(), undecided.to_string()),
    ]);
    let verdict = Verdict {
        version: PROTOCOL_VERSION,
        check: gate.check().to_owned(),
        verdict: outcome,
        trust: Trust::Trusted,
        code: code.to_owned(),
        reason: format!("{code}: {reason}"),
        findings,
        outputs,
        status: None,
        needs: None,
        details: serde_json::to_value(SweepDetails { mode: "sweep", pull_requests: entries, repository: repo })
            .unwrap_or_default(),
        summary: None,
        review_request: None,
    };
    let exit = if worst == exit::USAGE { exit::USAGE } else { exit::for_verdict(&verdict) };
    Report { verdict, raw: None, exit, details: lines }
}

/// The status the sweep posted (or meant to post) on `row`'s head, with a status context.
fn swept_status<'a>(gate: &PullGate<'a>, row: &Row) -> Option<SweptStatus<'a>> {
    let not_posted = row.report.verdict.findings.iter().any(|f| f.code == Code::StatusNotPosted);
    gate.status_context.map(|context| {
        let (state, description) = final_state(&row.report.verdict);
        let state = row.head_state.unwrap_or(state);
        SweptStatus { context, description, posted: !not_posted, state }
    })
}

/// `#12    3f9c0a1b2c PASS  → success        policy met: …`
fn row_line(row: &Row, status: Option<&SweptStatus<'_>>) -> String {
    let v = &row.report.verdict;
    let shown_status = match status {
        Some(s) if !s.posted => format!("{} NOT POSTED", s.state),
        Some(s) => format!("→ {}", s.state),
        None => "(no --status-context)".to_owned(),
    };
    let short = row.head.get(..10).unwrap_or(&row.head);
    format!(
        "#{:<5} {short} {:<5} {shown_status:<16} {}",
        row.number,
        v.verdict.as_str().to_uppercase(),
        crate::commands::commit_status::bounded(&v.reason)
    )
}

/// The count of verdicts, one line each, after a blank line.
fn count_table(counts: &BTreeMap<&'static str, usize>, total: usize) -> Vec<String> {
    let mut lines = vec![String::new(), format!("{:<10} {:>5}", "verdict", "pull requests")];
    for outcome in ["pass", "skip", "fail", "error"] {
        lines.push(format!("{outcome:<10} {:>5}", counts.get(outcome).copied().unwrap_or(0)));
    }
    lines.push(format!("{:<10} {:>5}", "total", total));
    lines
}

/// The sweep's `details`: every pull request it evaluated (fields in name order, as on the wire
/// before they were typed).
#[derive(Serialize)]
struct SweepDetails<'a> {
    mode: &'static str,
    pull_requests: Vec<SweptPull<'a>>,
    repository: &'a str,
}

#[derive(Serialize)]
struct SweptPull<'a> {
    exit: u8,
    head_sha: &'a str,
    number: u64,
    status: Option<SweptStatus<'a>>,
    verdict: &'a Verdict,
}

/// The status the sweep posted (or meant to) on a pull request's head.
#[derive(Serialize)]
struct SweptStatus<'a> {
    context: &'a str,
    description: String,
    posted: bool,
    state: &'static str,
}
