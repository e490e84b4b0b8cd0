//! The commit status over a whole run (`--status-context`), black-box against the fake Gitea:
//! `pending` as soon as the head is known, then the final state after it; every run that cannot
//! decide posts `error`, so an earlier `success` on the same head never outlives it — not after
//! an API error, a sandbox error, a run that hangs past its timeout or one that is killed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{assert_no_injected_commands, event, gitea_gate, run};
use fake_gitea::faults::FaultKind;
use fake_gitea::{FakeGitea, PostedStatus};
use serde_json::{Value, json};
use wait_timeout::ChildExt;
use world::*;

const CONTEXT: &str = "qa-review / approved";

fn world() -> FakeGitea {
    World::acme()
        .pull(Pull::new(1).review(Review::approved(1, "qa-carol")))
        .pull(Pull::new(2).review(Review::approved(2, "bob")))
        .pull(Pull::new(3).labels(&["tier:high"]).comment(Comment::new(5, "qa-carol", "/sop-ack a")))
        .start()
}

/// A same-repository `pull_request` payload about pull request `number`, head `sha(number)`.
fn payload(dir: &Path, number: u64) -> PathBuf {
    let mut payload: Value =
        serde_json::from_str(&std::fs::read_to_string(event("pull_request_same_repo")).unwrap()).unwrap();
    payload["number"] = json!(number);
    payload["pull_request"]["number"] = json!(number);
    payload["pull_request"]["head"]["sha"] = json!(sha(number));
    let path = dir.join(format!("pull_request_{number}.json"));
    std::fs::write(&path, payload.to_string()).unwrap();
    path
}

struct Gate {
    fake: FakeGitea,
    dir: tempfile::TempDir,
}

impl Gate {
    fn new() -> Gate {
        let dir = tempfile::tempdir().unwrap();
        let config = json!({"items": [{"id": "a", "title": "A"}], "ack_teams": ["acme/qa"]});
        std::fs::write(dir.path().join("sop.json"), config.to_string()).unwrap();
        Gate { fake: world(), dir }
    }

    /// `gitea-gate CHECK … --status-context CONTEXT` on a `pull_request` run about `pr`.
    fn command(&self, check: &str, pr: u64, token: &str, extra: &[&str]) -> std::process::Command {
        let mut command = gitea_gate();
        command
            .current_dir(self.dir.path())
            .args(["--retries", "0"])
            .args(if extra.contains(&"--timeout") { &[][..] } else { &["--timeout", "2"][..] })
            .args(extra)
            .arg(check)
            .args(["--token-env", "REVIEW_TOKEN", "--status-context", CONTEXT])
            .env("GITHUB_API_URL", self.fake.api_url())
            .env("GITHUB_EVENT_NAME", "pull_request")
            .env("GITHUB_EVENT_PATH", payload(self.dir.path(), pr))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("REVIEW_TOKEN", token);
        match check {
            "approvals" => command.args(["--team", "acme/qa"]),
            _ => command.args(["--config", "sop.json"]),
        };
        command
    }

    fn run(&self, check: &str, pr: u64, extra: &[&str]) -> common::Run {
        let r = run(self.command(check, pr, TEAM_PAT, extra));
        assert_no_injected_commands(&r.stdout);
        r
    }

    /// Statuses posted for the gate's context on `sha(pr)`, oldest first.
    fn states(&self, pr: u64) -> Vec<PostedStatus> {
        self.fake.statuses().into_iter().filter(|s| s.context == CONTEXT && s.sha == sha(pr)).collect()
    }

    fn latest(&self, pr: u64) -> PostedStatus {
        self.states(pr).pop().expect("a status was posted")
    }
}

fn states(list: &[PostedStatus]) -> Vec<&str> {
    list.iter().map(|s| s.state.as_str()).collect()
}

#[test]
fn the_jobs_own_actions_status_is_not_a_gate_context() {
    let g = Gate::new();
    // `<workflow> / <job> (<event>)` names the status Gitea posts for the job itself: `success`
    // when the job ends, whatever the gate said.
    let gate = |check: &str, event: &str, job: &str, context: &str| {
        let mut command = gitea_gate();
        command
            .current_dir(g.dir.path())
            .args(["--retries", "0", "--timeout", "2", check, "--token-env", "REVIEW_TOKEN"])
            .args(["--status-context", context])
            .env("GITHUB_API_URL", g.fake.api_url())
            .env("GITHUB_EVENT_NAME", event)
            .env("GITHUB_EVENT_PATH", payload(g.dir.path(), 1))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("GITHUB_WORKFLOW", "qa-review")
            .env("GITHUB_JOB", job)
            .env("REVIEW_TOKEN", TEAM_PAT);
        match check {
            "approvals" => command.args(["--team", "acme/qa"]),
            _ => command.args(["--config", "sop.json"]),
        };
        run(command)
    };
    let r = gate("approvals", "pull_request", "review", "qa-review / review (pull_request)");
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("the status Gitea Actions posts for this job"), "{}", r.stdout);
    assert!(g.fake.statuses().is_empty(), "nothing posted");
    // On pull_request_target, Gitea 1.22 names the job's status `(pull_request)`, 1.25 by the
    // event; the comparison ignores case.
    for own in ["QA-Review / review (pull_request)", "qa-review / review (pull_request_target)"] {
        let r = gate("checklist", "pull_request_target", "review", own);
        assert_eq!(r.code, 2, "{own}:\n{}", r.stdout);
    }
    // The gate's own context, in the same job, is fine.
    let r = gate("approvals", "pull_request", "review", CONTEXT);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn pending_then_the_verdict_in_that_order() {
    let g = Gate::new();
    let r = g.run("approvals", 1, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(states(&g.states(1)), ["pending", "success"]);
    assert_eq!(g.states(1)[0].description, "gitea-gate is deciding…");
    let r = g.run("approvals", 2, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(states(&g.states(2)), ["pending", "failure"]);
    // A run on a push knows the head only once the pull request is read: still pending first.
    let mut command = g.command("approvals", 1, TEAM_PAT, &[]);
    command.args(["--pr", "1"]).env("GITHUB_EVENT_NAME", "push").env("GITHUB_EVENT_PATH", event("push"));
    assert_eq!(run(command).code, 0);
    assert_eq!(states(&g.states(1)), ["pending", "success", "pending", "success"]);
}

#[test]
fn an_earlier_success_is_overwritten_when_the_reviews_cannot_be_read() {
    let g = Gate::new();
    assert_eq!(g.run("approvals", 1, &[]).code, 0);
    assert_eq!(g.latest(1).state, "success");
    g.fake.fault("/api/v1/repos/*/*/pulls/*/reviews", None, FaultKind::Status { status: 500, body: None });
    let r = g.run("approvals", 1, &[]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(states(&g.states(1)), ["pending", "success", "pending", "error"]);
    let latest = g.latest(1);
    assert!(latest.description.starts_with("api-error: cannot read the reviews of #1"), "{}", latest.description);
    assert!(latest.description.contains("HTTP 500") && !latest.description.contains('\n'), "{}", latest.description);
    // The checklist's comments too.
    g.fake.clear_faults();
    assert_eq!(g.run("checklist", 3, &[]).code, 0);
    g.fake.fault("/api/v1/repos/*/*/issues/*/comments", None, FaultKind::Status { status: 500, body: None });
    assert_eq!(g.run("checklist", 3, &[]).code, 3);
    assert_eq!(states(&g.states(3)), ["pending", "success", "pending", "error"]);
}

#[test]
fn every_undecided_path_posts_error_once_the_head_is_known() {
    let g = Gate::new();
    // Team resolution fails before the pull request is read: the payload's head gets it.
    g.fake.fault("/api/v1/orgs/*/teams", None, FaultKind::Status { status: 502, body: None });
    let r = g.run("approvals", 1, &[]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(states(&g.states(1)), ["pending", "error"]);
    assert!(g.latest(1).description.contains("cannot resolve team acme/qa"), "{}", g.latest(1).description);
    g.fake.clear_faults();
    // An unanswered membership probe: the guest's own error verdict.
    g.fake.fault("/api/v1/teams/*/members/*", None, FaultKind::Status { status: 502, body: None });
    assert_eq!(g.run("approvals", 1, &[]).code, 3);
    assert_eq!(g.latest(1).state, "error");
    g.fake.clear_faults();
    // A hang past the request timeout.
    g.fake.fault("/api/v1/repos/*/*/pulls/*", None, FaultKind::Hang { ms: Some(4_000) });
    let r = g.run("approvals", 1, &[]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!((g.latest(1).state.as_str(), r.code), ("error", 3), "{}", g.latest(1).description);
    assert!(g.latest(1).description.contains("timed out"), "{}", g.latest(1).description);
    g.fake.clear_faults();
    // The sandbox cannot run the guest: no fuel, or no module at all.
    assert_eq!(g.run("approvals", 1, &[]).code, 0);
    let r = g.run("approvals", 1, &["--guest-fuel", "1000"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(g.latest(1).state, "error");
    assert!(g.latest(1).description.starts_with("sandbox-error:"), "{}", g.latest(1).description);
    assert_eq!(g.run("approvals", 1, &[]).code, 0);
    let r = g.run("approvals", 1, &["--guest-module", "/nonexistent/guest.wasm"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert_eq!(g.latest(1).state, "error");
    // A usage error found only after pending went out (a team that does not exist).
    let mut command = g.command("approvals", 1, TEAM_PAT, &[]);
    command.args(["--team", "acme/nope"]);
    assert_eq!(run(command).code, 2);
    assert_eq!(g.latest(1).state, "error");
    assert!(g.latest(1).description.contains("acme/nope"), "{}", g.latest(1).description);
    // Never a state that Gitea could count as success for a block.
    assert!(g.fake.statuses().iter().all(|s| ["pending", "success", "failure", "error"].contains(&s.state.as_str())));
}

#[test]
fn a_killed_run_leaves_pending_not_the_old_success() {
    let g = Gate::new();
    assert_eq!(g.run("approvals", 1, &[]).code, 0);
    assert_eq!(g.latest(1).state, "success");
    // The reviews never answer; the run is killed (a job timeout, a cancelled workflow) mid-way.
    g.fake.fault("/api/v1/repos/*/*/pulls/*/reviews", None, FaultKind::Hang { ms: Some(30_000) });
    let mut command = g.command("approvals", 1, TEAM_PAT, &["--timeout", "60"]);
    let mut child = command.stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let started = Instant::now();
    while g.states(1).len() < 3 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(states(&g.states(1)), ["pending", "success", "pending"], "the old success must not stay the latest");
}

#[test]
fn a_status_that_cannot_be_posted_is_an_error_line_and_a_finding() {
    let g = Gate::new();
    let r = run(g.command("approvals", 1, TEAM_PAT_READ_ONLY, &["--format", "json"]));
    assert_eq!(r.code, 0, "the verdict stands:\n{}", r.stdout);
    assert!(g.fake.statuses().is_empty());
    let error_lines: Vec<&str> = r.stderr.lines().filter(|l| l.starts_with("gitea-gate: error: status")).collect();
    assert_eq!(error_lines.len(), 2, "pending and the final state each say so:\n{}", r.stderr);
    assert!(error_lines.iter().all(|l| l.contains("HTTP 403")), "{}", r.stderr);
    let verdict: Value = serde_json::from_str(&r.stdout).unwrap();
    let findings = verdict["findings"].as_array().unwrap();
    let not_posted: Vec<&Value> = findings.iter().filter(|f| f["code"] == "status-not-posted").collect();
    assert_eq!(not_posted.len(), 2, "{}", r.stdout);
    assert!(not_posted[0]["message"].as_str().unwrap().contains("pending"), "{}", r.stdout);
}
