//! The fault matrix: every network-using gate × every route it calls × every fault the fake
//! Gitea can inject. Prints the matrix and counts **false passes** — exit 0 while a fact the gate
//! needed was refused, cut short, malformed or never arrived. There must be none.
//!
//! Faults that leave the data intact (a lying `X-Total-Count`, a 5xx that recovers on retry)
//! must still give the fault-free verdict; they are checked too.
//!
//! The pull-request gates run on a `pull_request` event (so the head is known from the start)
//! with a status context: every run must leave its verdict as the latest status — `error`
//! (after `pending`) for every run that could not decide, so that an earlier `success` on the
//! same head never outlives it. The sweep (`--open-prs`, on a schedule run) holds to the same
//! rule for every pull request it lists; when the list itself cannot be read it posts nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use std::fs;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::{event, gitea_gate, run};
use fake_gitea::FakeGitea;
use fake_gitea::faults::FaultKind;
use serde_json::json;
use world::*;

const CANONICAL: &str = "providers:\n  - name: openai\n";
/// The policy at the base: qa, and the code owners of src/ (the qa team).
const POLICY: &str =
    "rules:\n  - name: qa\n    requires: { teams: [acme/qa] }\n  - name: owners\n    requires: { codeowners: any }\n";
/// A policy of code owners alone, for pull request #2 (lib/, owned by the user qa-carol alone):
/// a fault on the user lookup can only drop the line, and a policy left with no rule fails.
const OWNERS_POLICY: &str = "rules:\n  - name: owners\n    requires: { codeowners: any }\n";
const CONTEXT: &str = "gate / matrix";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Gate {
    Drift,
    Approvals,
    Checklist,
    TrustLookup,
    /// `policy` on a pull_request event: the policy and CODEOWNERS at the base, the changed files.
    Policy,
    /// `approvals --open-prs` on a schedule run: the list of open pull requests, then each one.
    Sweep,
    /// `policy` of code owners alone on #2, whose only CODEOWNERS owner is a user: the lookup
    /// whether that user exists (`GET /users/{login}`, docs/gitea.md §11).
    PolicyOwners,
}

/// The sweep's own route: the open pull requests, paginated.
const PULL_LIST: &str = "/api/v1/repos/*/*/pulls";

impl Gate {
    /// Every gate the matrix covers: a new gate added here gets every fault row and the
    /// connection-refused row.
    const ALL: [Gate; 7] = [
        Gate::Drift,
        Gate::Approvals,
        Gate::Checklist,
        Gate::TrustLookup,
        Gate::Policy,
        Gate::Sweep,
        Gate::PolicyOwners,
    ];

    /// The routes the gate calls, as fault globs.
    fn routes(self) -> &'static [&'static str] {
        match self {
            Gate::Drift => &["/api/v1/repos/*/*/contents/**"],
            // PULL_LIST: with a status context, the open pull requests that may share the head.
            Gate::Approvals => &[
                "/api/v1/orgs/*/teams",
                "/api/v1/teams/*",
                "/api/v1/repos/*/*/pulls/*",
                "/api/v1/repos/*/*/pulls/*/reviews",
                HISTORY_PUSHES,
                HISTORY_COMMITS,
                "/api/v1/teams/*/members/*",
                PULL_LIST,
            ],
            Gate::Checklist => &[
                "/api/v1/orgs/*/teams",
                "/api/v1/teams/*",
                "/api/v1/repos/*/*/pulls/*",
                "/api/v1/repos/*/*/pulls/*/reviews",
                "/api/v1/repos/*/*/issues/*/comments",
                HISTORY_PUSHES,
                HISTORY_COMMITS,
                "/api/v1/teams/*/members/*",
                PULL_LIST,
            ],
            Gate::TrustLookup => &["/api/v1/repos/*/*/pulls/*"],
            Gate::Policy => &[
                "/api/v1/repos/*/*/contents/**",
                "/api/v1/repos/*/*/pulls/*",
                "/api/v1/repos/*/*/pulls/*/reviews",
                "/api/v1/repos/*/*/pulls/*/files",
                "/api/v1/repos/*/*/issues/*/comments",
                "/api/v1/version",
                HISTORY_PUSHES,
                HISTORY_COMMITS,
                "/api/v1/orgs/*/teams",
                "/api/v1/teams/*",
                "/api/v1/teams/*/members/*",
                PULL_LIST,
            ],
            Gate::Sweep => &[PULL_LIST, "/api/v1/repos/*/*/pulls/*/reviews", "/api/v1/teams/*/members/*"],
            Gate::PolicyOwners => &["/api/v1/users/*"],
        }
    }

    /// The head of the pull request the gate decides (statuses land there).
    fn head(self) -> String {
        if self == Gate::PolicyOwners { sha(2) } else { sha(1) }
    }

    /// The fault-free exit code of the scenario (checked first).
    fn clean_exit(self) -> i32 {
        0
    }
}

/// Who pushed to the pull request (the timeline's push entries) and who wrote its commits: every
/// pull-request gate reads both beside the pull request.
const HISTORY_PUSHES: &str = "/api/v1/repos/*/*/issues/*/timeline";
const HISTORY_COMMITS: &str = "/api/v1/repos/*/*/pulls/*/commits";

fn is_list(route: &str) -> bool {
    route.ends_with("/teams")
        || route.ends_with("/reviews")
        || route.ends_with("/files")
        || route == HISTORY_COMMITS
        || route == PULL_LIST
}

/// (label, fault, times, data intact?)
fn faults(route: &str) -> Vec<(String, FaultKind, Option<u32>, bool)> {
    let mut faults: Vec<(String, FaultKind, Option<u32>, bool)> = [401, 403, 404, 422, 429, 500, 502, 503]
        .into_iter()
        .map(|status| (format!("{status}"), FaultKind::Status { status, body: None }, None, false))
        .collect();
    faults.extend([
        ("500 once".to_owned(), FaultKind::Status { status: 500, body: None }, Some(1), true),
        ("hang".to_owned(), FaultKind::Hang { ms: Some(4_000) }, None, false),
        ("reset".to_owned(), FaultKind::Reset, None, false),
        ("truncate".to_owned(), FaultKind::Truncate, None, false),
        ("invalid json".to_owned(), FaultKind::InvalidJson, None, false),
        ("wrong shape".to_owned(), FaultKind::WrongShape, None, false),
        ("oversized".to_owned(), FaultKind::Oversized { bytes: 40 << 20 }, None, false),
    ]);
    // The changed-files count is exact (docs/gitea.md §12): a list that disagrees with it is
    // refused, never decided on. An understated total never ends a list early (pages are read
    // until an empty one past it); an overstated one promises pages that must all be read, and a
    // million rows are more than any list the gate holds: refused, never decided on a part.
    let count_is_exact = route.ends_with("/files") || route == HISTORY_COMMITS;
    if is_list(route) {
        faults.extend([
            ("total 0".to_owned(), FaultKind::TotalCount { value: 0 }, None, !count_is_exact),
            ("total 10^6".to_owned(), FaultKind::TotalCount { value: 1_000_000 }, None, false),
            ("same page forever".to_owned(), FaultKind::SamePageForever, None, false),
        ]);
    }
    faults
}

fn world() -> FakeGitea {
    World::acme()
        .pull(
            Pull::new(1)
                .review(Review::approved(1, "qa-carol"))
                .labels(&["tier:high"])
                .comment(Comment::new(5, "qa-carol", "/sop-ack a\n/sop-ack b"))
                .file("src/lib.rs"),
        )
        .pull(Pull::new(2).review(Review::approved(2, "qa-carol")).file("lib/util.rs"))
        .pull(Pull::from_fork(2190))
        .commit(
            Commit::new(sha(1))
                .text("providers.yaml", CANONICAL)
                .text("policy.yml", POLICY)
                .text("owners.yml", OWNERS_POLICY)
                .text("CODEOWNERS", "src/.* @acme/qa\nlib/.* @qa-carol\n"),
        )
        .start()
}

fn run_gate(gate: Gate, fake: &FakeGitea, dir: &std::path::Path, api_url: &str) -> common::Run {
    let mut command = gitea_gate();
    command
        .current_dir(dir)
        .args(["--timeout", "1", "--retries", "1", "--api-url", api_url])
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    match gate {
        Gate::Drift => {
            command.env("GITHUB_EVENT_NAME", "push").env("GITHUB_EVENT_PATH", event("push"));
            command.args(["drift", "--token-env", "REVIEW_TOKEN", "--canonical", "acme/core@main:providers.yaml"]);
            command.args(["--local", "providers.yaml"]);
        }
        Gate::Approvals => {
            command.env("GITHUB_EVENT_NAME", "pull_request").env("GITHUB_EVENT_PATH", dir.join("event-1.json"));
            command.args(["approvals", "--token-env", "REVIEW_TOKEN", "--team", "acme/qa", "--pr", "1"]);
            command.args(["--status-context", CONTEXT]);
        }
        Gate::Checklist => {
            command.env("GITHUB_EVENT_NAME", "pull_request").env("GITHUB_EVENT_PATH", dir.join("event-1.json"));
            command.args(["checklist", "--token-env", "REVIEW_TOKEN", "--config", "sop.json", "--pr", "1"]);
            command.args(["--status-context", CONTEXT]);
        }
        Gate::Policy => {
            command.env("GITHUB_EVENT_NAME", "pull_request").env("GITHUB_EVENT_PATH", dir.join("event-1.json"));
            command.args(["policy", "--token-env", "REVIEW_TOKEN", "--config", "policy.yml"]);
            command.args(["--status-context", CONTEXT]);
        }
        Gate::PolicyOwners => {
            command.env("GITHUB_EVENT_NAME", "pull_request").env("GITHUB_EVENT_PATH", dir.join("event-2.json"));
            command.args(["policy", "--token-env", "REVIEW_TOKEN", "--config", "owners.yml"]);
            command.args(["--status-context", CONTEXT]);
        }
        Gate::Sweep => {
            command.env("GITHUB_EVENT_NAME", "schedule").env("GITHUB_EVENT_PATH", event("schedule"));
            command.args(["approvals", "--token-env", "REVIEW_TOKEN", "--team", "acme/qa", "--open-prs"]);
            command.args(["--status-context", CONTEXT]);
        }
        Gate::TrustLookup => {
            // A comment on the fork PR with the secret missing: the lookup proves the run is
            // untrusted (skip, exit 0); without it the run must be treated as trusted (exit 1).
            command
                .env("GITHUB_EVENT_NAME", "issue_comment")
                .env("GITHUB_EVENT_PATH", event("issue_comment_pull_request"));
            command.args(["trust", "--require-secret", "DEPLOY_KEY", "--token-env", "REVIEW_TOKEN"]);
        }
    }
    let _ = fake;
    run(command)
}

fn uses_status(gate: Gate) -> bool {
    matches!(gate, Gate::Approvals | Gate::Checklist | Gate::Policy | Gate::Sweep | Gate::PolicyOwners)
}

/// The states posted for the matrix's context since the `before`-th status, for a gate that posts.
fn posted_states(gate: Gate, fake: &FakeGitea, before: usize) -> Option<Vec<String>> {
    let all = fake.statuses();
    let recent = all.get(before..).unwrap_or_default();
    uses_status(gate).then(|| {
        recent.iter().filter(|s| s.context == CONTEXT && s.sha == gate.head()).map(|s| s.state.clone()).collect()
    })
}

#[test]
fn no_fault_ever_turns_into_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("providers.yaml"), CANONICAL).unwrap();
    let config = json!({"items": [{"id": "a", "title": "A"}, {"id": "b", "title": "B"}], "ack_teams": ["acme/qa"]});
    fs::write(dir.path().join("sop.json"), config.to_string()).unwrap();
    // Same-repository pull_request runs about #1 and #2 (heads sha(1) and sha(2), base sha(1)).
    for number in [1, 2] {
        pull_request_event(dir.path(), "pull_request_same_repo", number, &sha(number), &sha(1));
    }

    let mut cases = Vec::new();
    for gate in Gate::ALL {
        for route in gate.routes() {
            for (label, fault, times, intact) in faults(route) {
                cases.push((gate, *route, label, fault, times, intact));
            }
        }
    }
    let rows = Mutex::new(Vec::new());
    let started = Instant::now();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..6 {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((gate, route, label, fault, times, intact)) = cases.get(i) else { break };
                    let fake = world();
                    let clean = run_gate(*gate, &fake, dir.path(), &fake.api_url());
                    assert_eq!(clean.code, gate.clean_exit(), "{gate:?} without faults:\n{}", clean.stdout);
                    let before = fake.statuses().len();
                    fake.fault(route, *times, fault.clone());
                    let r = run_gate(*gate, &fake, dir.path(), &fake.api_url());
                    let posted = posted_states(*gate, &fake, before);
                    let output = format!("{}\n{}", r.stdout, r.stderr);
                    rows.lock().unwrap().push((
                        *gate,
                        *route,
                        label.clone(),
                        *intact,
                        r.code,
                        r.elapsed,
                        output,
                        posted,
                    ));
                }
            });
        }
    });
    // Connection refused: nothing listens at the API URL.
    for gate in Gate::ALL {
        let fake = world();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let r = run_gate(gate, &fake, dir.path(), &format!("http://127.0.0.1:{port}/api/v1"));
        // Nothing listens, so no status can be posted; the log must say so. (The sweep cannot
        // even list the pull requests, so it never gets as far as a status.)
        if uses_status(gate) && gate != Gate::Sweep {
            assert!(
                r.stderr.lines().any(|l| l.starts_with("gitea-gate: error: status") && l.contains("pending")),
                "{gate:?}: a status that could not be posted is an error line:\n{}",
                r.stderr
            );
        }
        let output = format!("{}\n{}", r.stdout, r.stderr);
        rows.lock().unwrap().push((
            gate,
            "(any)",
            "connection refused".to_owned(),
            false,
            r.code,
            r.elapsed,
            output,
            None,
        ));
    }

    let mut rows = rows.into_inner().unwrap();
    rows.sort_by(|a, b| (format!("{:?}", a.0), a.1, &a.2).cmp(&(format!("{:?}", b.0), b.1, &b.2)));
    let mut false_passes = Vec::new();
    let mut broken_recoveries = Vec::new();
    let mut stale_statuses = Vec::new();
    let mut worst = Duration::ZERO;
    println!("{:<12} {:<38} {:<18} {:>4} {:>7}", "gate", "route", "fault", "exit", "time");
    for (gate, route, label, intact, code, elapsed, stdout, posted) in &rows {
        // The sweep exits 0 when every pull request was decided, pass or fail: its verdict on #1
        // (approved, so `success` without faults) is the status it left there. A sweep that
        // exits 0 must have decided #1 (never `error` on it).
        let swept = (*gate == Gate::Sweep).then(|| posted.as_ref().and_then(|p| p.last()).map(String::as_str));
        if let Some(state) = swept
            && *code == 0
            && !matches!(state, Some("success" | "failure"))
        {
            stale_statuses.push(format!("{gate:?} {route} {label}: exit 0 but #1 has {state:?}\n{stdout}"));
        }
        let code = &match swept {
            Some(Some("success")) => 0,
            Some(Some("failure")) => 1,
            Some(Some(_)) => 3,
            _ => *code,
        };
        // Every run of a gate with a status context leaves its own verdict as the latest status:
        // pending first, then success only for exit 0, failure for 1, error for 2 and 3.
        if let Some(posted) = posted {
            let last = match code {
                0 => "success",
                1 => "failure",
                _ => "error",
            };
            // A sweep that cannot list the open pull requests posts nothing (exit 3).
            let unlisted = *gate == Gate::Sweep && *route == PULL_LIST && *code != 0 && posted.is_empty();
            let shape = unlisted
                || (posted.first().map(String::as_str) == Some("pending")
                    && posted.last().map(String::as_str) == Some(last)
                    && posted.len() == 2);
            if !shape {
                stale_statuses.push(format!("{gate:?} {route} {label}: exit {code}, posted {posted:?}\n{stdout}"));
            }
        }
        println!("{:<12} {route:<38} {label:<18} {code:>4} {:>6.2}s", format!("{gate:?}"), elapsed.as_secs_f64());
        worst = worst.max(*elapsed);
        // Exit 0 is the clean verdict; with the data intact it must stay 0, otherwise it is a
        // false pass (for TrustLookup, exit 0 is the untrusted skip the lookup has to prove).
        match (intact, code) {
            (false, 0) => false_passes.push(format!("{gate:?} {route} {label}:\n{stdout}")),
            (true, c) if *c != 0 => broken_recoveries.push(format!("{gate:?} {route} {label}: exit {c}\n{stdout}")),
            _ => {}
        }
    }
    println!(
        "{} cases in {:.1}s; worst run {:.2}s; false passes: {}",
        rows.len(),
        started.elapsed().as_secs_f64(),
        worst.as_secs_f64(),
        false_passes.len()
    );
    assert!(false_passes.is_empty(), "false passes:\n{}", false_passes.join("\n"));
    assert!(
        stale_statuses.is_empty(),
        "runs that did not leave pending then their verdict as the latest status:\n{}",
        stale_statuses.join("\n")
    );
    assert!(
        broken_recoveries.is_empty(),
        "data-preserving faults changed the verdict:\n{}",
        broken_recoveries.join("\n")
    );
    assert!(worst < Duration::from_secs(20), "a run took {worst:?}: the total run time must stay bounded");
}
