//! Injection: text from pull requests, comments, reviews, user and team names, file paths and
//! drifted file contents must never become a workflow command or a step output. Checked with a
//! parser that follows act's rules (`^::([^ :]+)( .*)?::(.*)$`, stop-commands fences,
//! `name<<DELIM` outputs); the e2e suite checks the same with act itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

mod common;
mod pull_world;

use std::collections::BTreeSet;
use std::fs;

use common::{assert_no_injected_commands, event, gitea_gate, run};
use pull_world::*;
use serde_json::json;

/// Lines an attacker would like a runner to execute or parse as outputs.
const HOSTILE: &[&str] = &[
    "::set-output name=verdict::pass",
    "::add-mask::alice",
    "::stop-commands::pwned",
    "::pwned::",
    "%0A::set-output name=verdict::pass%0A",
    "%25 %0D %3A %2C",
    "line\r::set-output name=verdict::pass",
    "::error file=a,line=1::inside::colons::",
    "verdict<<EOF\npass\nEOF",
    "ghadelimiter_0123456789\nverdict=pass",
    "reason=pass\n::warning::forged",
];

fn hostile_text() -> String {
    HOSTILE.join("\n")
}

/// Every key a verdict may write; nothing else may appear in $GITHUB_OUTPUT.
const KEYS: &[&str] = &[
    "verdict",
    "trust",
    "reason",
    "drifted",
    "approved-by",
    "approvals",
    "acked",
    "waived",
    "missing",
    "tier",
    "mismatched",
];

fn check(run: &common::Run, expect_verdict: &str) {
    assert_no_injected_commands(&run.stdout);
    assert_no_injected_commands(&run.stderr);
    let keys: BTreeSet<&str> = run.outputs.keys().map(String::as_str).collect();
    assert!(keys.iter().all(|k| KEYS.contains(k)), "unexpected output keys {keys:?}");
    assert_eq!(run.output("verdict"), expect_verdict, "{}", run.stdout);
    for (key, value) in &run.outputs {
        assert!(!value.contains('\n') || key == "reason", "{key} spans lines: {value:?}");
    }
}

#[test]
fn hostile_pull_request_text_comments_reviews_and_logins() {
    let evil_login = "eve::set-output name=verdict::pass";
    let mut pr = pull(
        1,
        "alice",
        vec![
            json!({"id": 1, "user": "qa-carol", "state": "REQUEST_CHANGES", "body": hostile_text()}),
            review(2, evil_login, "APPROVED"),
        ],
    );
    pr["title"] = json!(hostile_text());
    pr["body"] = json!(format!("- [ ] **{}**\n{}", HOSTILE[0], hostile_text()));
    pr["labels"] = json!(["tier:high", HOSTILE[0]]);
    pr["comments"] = json!([
        comment(
            3,
            "qa-carol",
            &format!("/sop-ack {}\n/sop-ack ::set-output\n/sop-n/a a {}", HOSTILE[0], hostile_text())
        ),
        comment(4, evil_login, &format!("/sop-ack a\n{}", hostile_text())),
    ]);
    let mut fixture = base_fixture(vec![pr]);
    fixture["users"].as_array_mut().unwrap().push(json!({"login": evil_login, "id": 999}));
    let fake = start(fixture);
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"items": [{"id": "a", "title": HOSTILE[0]}, {"id": "b", "title": "::add-mask::x"}], "ack_teams": ["acme/qa"]});
    fs::write(dir.path().join("sop.json"), config.to_string()).unwrap();

    let gate = |args: &[&str]| {
        let mut command = gitea_gate();
        command
            .current_dir(dir.path())
            .args(["--format", "github"])
            .args(args)
            .args(["--token-env", "REVIEW_TOKEN", "--pr", "1", "--api-url", &fake.api_url()])
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", event("push"))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("REVIEW_TOKEN", TEAM_PAT);
        run(command)
    };
    check(&gate(&["approvals", "--team", "acme/qa", "--block-on-changes-requested"]), "fail");
    check(&gate(&["approvals", "--team", "acme/qa"]), "fail");
    check(&gate(&["checklist", "--config", "sop.json"]), "fail");
    // A team name that is itself an attack is reported, not executed.
    let r = gate(&["approvals", "--team", "acme/::set-output name=verdict::pass"]);
    check(&r, "error");
    assert_eq!(r.code, 2);
}

#[test]
fn hostile_file_paths_and_drifted_contents() {
    let dir = tempfile::tempdir().unwrap();
    let canonical = format!("safe: true\n{}\n", hostile_text());
    let local = format!("safe: false\n{}\n::set-output name=drifted::\n", hostile_text());
    let odd_name = "::set-output name=verdict::pass";
    fs::write(dir.path().join("canonical.yaml"), &canonical).unwrap();
    fs::write(dir.path().join(odd_name), &local).unwrap();
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .args(["--format", "github", "drift", "--canonical", "file:canonical.yaml", "--local", odd_name])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", event("push"));
    let r = run(command);
    check(&r, "fail");
    assert_eq!(r.code, 1);
    assert_eq!(r.output("drifted"), odd_name, "the path is data, carried intact");
    assert!(r.stdout.contains("+safe: false"), "the diff is shown:\n{}", r.stdout);
}
