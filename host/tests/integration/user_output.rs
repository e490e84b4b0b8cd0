//! What users read, as snapshots: for each gate one passing and one failing run, in the human
//! format and in `--format github` (what a runner shows), with the exit code, stdout and stderr.
//! A change in wording, order or layout shows up as a snapshot diff in review.
//!
//! Snapshots live in `snapshots/` beside this file. After an intended change, run the tests
//! (`cargo test -p gitea-gate --test integration user_output::`), review the `.snap.new` files
//! insta writes next to the old ones, and accept them (`cargo insta review`, or rename each
//! `.snap.new` over its `.snap`). Under CI (`CI` set) insta writes nothing and a difference fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world::{Comment, Pull, Review, TEAM_PAT, World};

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{event, gitea_gate, run};
use fake_gitea::{FakeGitea, Fixture};
use serde_json::{Value, json};

/// The two formats a user reads: in a terminal, and in a runner's log.
const FORMATS: [&str; 2] = ["human", "github"];

/// Run `command` once per format (each must exit with `code`) and render what each run showed,
/// one section per stream.
fn shown(code: i32, command: impl Fn() -> Command) -> String {
    let mut text = String::new();
    for format in FORMATS {
        let mut command = command();
        command.args(["--format", format]);
        let run = run(command);
        assert_eq!(run.code, code, "--format {format}:\n{}{}", run.stdout, run.stderr);
        text.push_str(&format!("=== --format {format}: exit {}\n", run.code));
        text.push_str(&format!("--- stdout\n{}", run.stdout));
        text.push_str(&format!("--- stderr\n{}", run.stderr));
    }
    text
}

/// Assert the snapshot `name`, with what varies from run to run replaced by a placeholder.
fn assert_shown(name: &str, text: &str) {
    insta::with_settings!({
        filters => vec![
            // The per-run token of the `::stop-commands::` fence and its closing line.
            (r"::stop-commands::[0-9a-f]{32}", "::stop-commands::[fence]"),
            (r"(?m)^::[0-9a-f]{32}::$", "::[fence]::"),
            // Temporary directories and the fake Gitea's loopback port.
            (r"(?:/[^/\s'`]+)*/\.tmp[A-Za-z0-9]{6}", "[tmp]"),
            (r"127\.0\.0\.1:[0-9]+", "127.0.0.1:[port]"),
            // Durations (retries, timeouts, elapsed time).
            (r"\b[0-9]+(?:\.[0-9]+)? ?(?:ms|µs|s)\b", "[duration]"),
        ],
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn trust_pass_and_fail() {
    let trust = |secret: Option<&'static str>| {
        move || {
            let mut command = gitea_gate();
            command.args(["trust", "--require-secret", "AUTO_SYNC_TOKEN", "--event-name", "schedule"]);
            if let Some(value) = secret {
                command.env("AUTO_SYNC_TOKEN", value);
            }
            command
        }
    };
    assert_shown("trust_pass", &shown(0, trust(Some("t0ken"))));
    assert_shown("trust_fail", &shown(1, trust(None)));
}

const MAIN: &str = "5d41402abc4b2a76b9719d911017c592ae8f1b2c";
const PROVIDERS: &str = "providers:\n  - name: openai\n    region: us\n  - name: mistral\n    region: eu\n";
const SYNC_TOKEN: &str = "pat-sync-bot-0123456789";

fn drift_fake() -> FakeGitea {
    let fixture: Fixture = serde_json::from_value(json!({
        "users": [{"login": "sync-bot", "id": 30}],
        "tokens": [{"token": SYNC_TOKEN, "user": "sync-bot", "scopes": ["read:repository"]}],
        "repos": [{
            "owner": "acme", "name": "controlplane", "id": 5, "private": true, "collaborators": {"sync-bot": "read"},
            "branches": {"main": MAIN},
            "commits": [{"sha": MAIN, "files": {"internal/providers/providers.yaml": {"text": PROVIDERS}}}]
        }]
    }))
    .expect("fixture");
    FakeGitea::start(fixture).expect("fake gitea")
}

fn drift(fake: &FakeGitea, dir: &Path) -> impl Fn() -> Command {
    let api_url = fake.api_url();
    let dir = dir.to_path_buf();
    move || {
        let mut command = gitea_gate();
        command
            .current_dir(&dir)
            .args(["drift", "--token-env", "AUTO_SYNC_TOKEN", "--retries", "1", "--timeout", "5"])
            .args(["--canonical", "acme/controlplane@main:internal/providers/providers.yaml"])
            .args(["--local", "internal/providers/providers.yaml"])
            .env("GITHUB_API_URL", &api_url)
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", event("push"))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("AUTO_SYNC_TOKEN", SYNC_TOKEN);
        command
    }
}

#[test]
fn drift_pass_and_fail() {
    let fake = drift_fake();
    let dir = tempfile::tempdir().expect("tempdir");
    let local = dir.path().join("internal/providers/providers.yaml");
    fs::create_dir_all(local.parent().expect("parent")).expect("mkdir");
    fs::write(&local, PROVIDERS).expect("write");
    assert_shown("drift_pass", &shown(0, drift(&fake, dir.path())));
    fs::write(&local, PROVIDERS.replace("region: eu", "region: us")).expect("write");
    assert_shown("drift_fail", &shown(1, drift(&fake, dir.path())));
}

fn pin(dir: &Path, args: &'static [&'static str]) -> impl Fn() -> Command {
    let dir = dir.to_path_buf();
    move || {
        let mut command = gitea_gate();
        command.current_dir(&dir).arg("pin").args(args).args(["--event-name", "push"]);
        command
    }
}

#[test]
fn pin_pass_and_fail() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.txt"), "a\n").expect("write");
    fs::write(dir.path().join("b.txt"), "b\n").expect("write");
    let update = run(pin(dir.path(), &["update", "a.txt", "b.txt"])());
    assert_eq!(update.code, 0, "{}{}", update.stdout, update.stderr);
    assert_shown("pin_pass", &shown(0, pin(dir.path(), &["verify"])));
    fs::write(dir.path().join("b.txt"), "tampered\n").expect("write");
    assert_shown("pin_fail", &shown(1, pin(dir.path(), &["verify"])));
}

fn approvals(fake: &FakeGitea, pr: &'static str) -> impl Fn() -> Command {
    let api_url = fake.api_url();
    move || {
        let mut command = gitea_gate();
        command
            .args(["approvals", "--token-env", "REVIEW_TOKEN", "--retries", "1", "--timeout", "5"])
            .args(["--team", "acme/qa", "--pr", pr])
            .env("GITHUB_API_URL", &api_url)
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", event("push"))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("REVIEW_TOKEN", TEAM_PAT);
        command
    }
}

#[test]
fn approvals_pass_and_fail() {
    let fake = World::acme()
        .pull(Pull::new(1).review(Review::approved(1, "qa-carol")))
        // A non-member's approval, and a member's approval of an older head: neither counts.
        .pull(Pull::new(2).reviews([Review::approved(2, "bob"), Review::approved(3, "qa-dave").stale()]))
        .start();
    assert_shown("approvals_pass", &shown(0, approvals(&fake, "1")));
    assert_shown("approvals_fail", &shown(1, approvals(&fake, "2")));
}

const ITEMS: [(&str, &str); 3] = [
    ("comprehensive-testing", "Comprehensive testing performed"),
    ("staging-smoke", "Staging smoke test passed"),
    ("rollback-plan", "Rollback plan written"),
];

/// A tier:high pull request whose body lists the checklist.
fn checklist_pull(number: u64) -> Pull {
    let body: String = ITEMS.iter().map(|(_, title)| format!("- [ ] **{title}**\n")).collect();
    Pull::new(number).labels(&["tier:high"]).body(&body)
}

fn checklist(fake: &FakeGitea, dir: &Path, pr: &'static str) -> impl Fn() -> Command {
    let api_url = fake.api_url();
    let dir = dir.to_path_buf();
    move || {
        let mut command = gitea_gate();
        command
            .current_dir(&dir)
            .args(["checklist", "--config", "sop.json", "--token-env", "SOP_CHECKLIST_GATE_TOKEN"])
            .args(["--retries", "1", "--timeout", "5", "--pr", pr])
            .env("GITHUB_API_URL", &api_url)
            .env("GITHUB_EVENT_NAME", "pull_request_target")
            .env("GITHUB_EVENT_PATH", event("pull_request_target_same_repo"))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("SOP_CHECKLIST_GATE_TOKEN", TEAM_PAT);
        command
    }
}

#[test]
fn checklist_pass_and_fail() {
    let all = ITEMS.iter().map(|(id, _)| format!("/sop-ack {id}")).collect::<Vec<_>>().join("\n");
    let fake = World::acme()
        .pull(checklist_pull(20).comment(Comment::new(1, "qa-carol", &all)))
        // One item acked by a member, one by the author (does not count), one not at all.
        .pull(checklist_pull(21).comments([
            Comment::new(2, "qa-carol", "/sop-ack comprehensive-testing"),
            Comment::new(3, "alice", "/sop-ack staging-smoke"),
        ]))
        .start();
    let dir = tempfile::tempdir().expect("tempdir");
    let items: Vec<Value> = ITEMS.iter().map(|(id, title)| json!({"id": id, "title": title})).collect();
    let config = json!({"items": items, "ack_teams": ["acme/qa"]});
    fs::write(dir.path().join("sop.json"), config.to_string()).expect("config");
    assert_shown("checklist_pass", &shown(0, checklist(&fake, dir.path(), "20")));
    assert_shown("checklist_fail", &shown(1, checklist(&fake, dir.path(), "21")));
}
