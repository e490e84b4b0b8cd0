//! The token's value never leaves the host: not on stdout, stderr, `$GITHUB_OUTPUT`, the
//! `--report` file, the guest's input (traced with GITEA_GATE_TRACE_GUEST_INPUT), nor in error
//! messages — including a server that echoes the `Authorization` header back, and an API URL
//! that tries to carry credentials.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use common::event;
use fake_gitea::FakeGitea;
use fake_gitea::faults::FaultKind;
use serde_json::json;
use world::*;

const SECRET_REQUIRED: &str = "deploy-key-VALUE-5e5e5e";

fn world() -> FakeGitea {
    // ceo-bot, the team PAT's account, is a write collaborator of acme/core: it posts statuses.
    World::acme()
        .pull(Pull::new(1).review(Review::approved(1, "qa-carol")).comment(Comment::new(2, "qa-carol", "/sop-ack a")))
        .commit(Commit::new(sha(1)).text("f.txt", "same\n"))
        .start()
}

/// Run one gate and return everything it produced, concatenated.
fn everything(dir: &Path, fake: &FakeGitea, args: &[&str], event_name: &str, payload: &str) -> (i32, String, bool) {
    let out_file = dir.join("github_output");
    let report = dir.join("report.json");
    let trace = dir.join("trace.jsonl");
    for f in [&out_file, &report, &trace] {
        let _ = fs::remove_file(f);
    }
    let output = Command::new(common::binary())
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &out_file)
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", event(payload))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITEA_GATE_TRACE_GUEST_INPUT", &trace)
        .env("REVIEW_TOKEN", TEAM_PAT)
        .env("DEPLOY_KEY", SECRET_REQUIRED)
        .args(["--report", "report.json", "--retries", "0", "--timeout", "3"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let mut all = String::from_utf8_lossy(&output.stdout).into_owned();
    all.push_str(&String::from_utf8_lossy(&output.stderr));
    for f in [&out_file, &report, &trace] {
        all.push_str(&fs::read_to_string(f).unwrap_or_default());
    }
    let traced = fs::metadata(&trace).is_ok_and(|m| m.len() > 0);
    (output.status.code().unwrap_or(-1), all, traced)
}

#[test]
fn no_gate_ever_shows_a_secret() {
    let fake = world();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("f.txt"), "same\n").unwrap();
    fs::write(
        dir.path().join("sop.json"),
        json!({"items": [{"id": "a", "title": "A"}], "ack_teams": ["acme/qa"]}).to_string(),
    )
    .unwrap();
    let gates: &[(&[&str], &str, &str)] = &[
        (
            &["trust", "--require-secret", "DEPLOY_KEY", "--token-env", "REVIEW_TOKEN"],
            "issue_comment",
            "issue_comment_pull_request",
        ),
        (
            &["drift", "--token-env", "REVIEW_TOKEN", "--canonical", "acme/core@main:f.txt", "--local", "f.txt"],
            "push",
            "push",
        ),
        (
            &["approvals", "--token-env", "REVIEW_TOKEN", "--team", "acme/qa", "--pr", "1", "--status-context", "qa"],
            "push",
            "push",
        ),
        (
            &[
                "checklist",
                "--token-env",
                "REVIEW_TOKEN",
                "--config",
                "sop.json",
                "--pr",
                "1",
                "--status-context",
                "sop",
            ],
            "push",
            "push",
        ),
    ];
    // A server (or proxy) that quotes the Authorization header back in its error message.
    let echo = json!({"message": format!("bad request: Authorization: token {TEAM_PAT}")}).to_string();
    let mut runs = 0;
    for (args, event_name, payload) in gates {
        for fault in [false, true] {
            fake.clear_faults();
            if fault {
                fake.fault("/api/v1/**", None, FaultKind::Status { status: 400, body: Some(echo.clone()) });
            }
            let (code, all, traced) = everything(dir.path(), &fake, args, event_name, payload);
            runs += 1;
            assert!(traced || fault, "{args:?}: the guest input was not traced, so this test proves nothing");
            assert!(!all.contains(TEAM_PAT), "{args:?} (fault: {fault}) leaked the token:\n{all}");
            assert!(!all.contains(SECRET_REQUIRED), "{args:?} (fault: {fault}) leaked the secret:\n{all}");
            if fault {
                // trust with DEPLOY_KEY present passes either way (a failed lookup means trusted).
                assert!(code != 0 || args[0] == "trust", "{args:?} passed despite the API failing:\n{all}");
                assert!(all.contains("bad request: Authorization: token ***"), "the message is kept, redacted:\n{all}");
            }
        }
    }
    assert_eq!(runs, 8);
    // Credentials in the URL are refused before anything is sent, and not repeated.
    let url = fake.api_url().replace("http://", &format!("http://bot:{TEAM_PAT}@"));
    let output = Command::new(common::binary())
        .env_clear()
        .args(["--api-url", &url, "--event-name", "push", "--repository", "acme/core"])
        .args(["approvals", "--team", "acme/qa", "--pr", "1"])
        .output()
        .unwrap();
    let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{all}");
    assert!(!all.contains(TEAM_PAT) && all.contains("credentials"), "{all}");
    assert!(fake.requests().iter().all(|r| r.path.starts_with("/api/v1/")), "nothing odd was requested");
}
