//! `gitea-gate trust`, black-box: the real binary, real event payloads (tests/events), a scrubbed
//! environment, and the runner's view of stdout and `$GITHUB_OUTPUT`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread;

use common::{assert_no_injected_commands, event, gitea_gate, run, workflow_commands};

fn trust(event_name: &str, payload: Option<&str>, secret: Option<&str>) -> common::Run {
    let mut command = gitea_gate();
    command.args(["trust", "--require-secret", "AUTO_SYNC_TOKEN"]).env("GITHUB_EVENT_NAME", event_name);
    if let Some(payload) = payload {
        command.env("GITHUB_EVENT_PATH", event(payload));
    }
    if let Some(value) = secret {
        command.env("AUTO_SYNC_TOKEN", value);
    }
    run(command)
}

#[test]
fn seed_policy_missing_secret_by_trust_class() {
    // (event, payload, exit, verdict, trust) — the secret policy.
    let cases = [
        ("schedule", Some("schedule"), 1, "fail", "trusted"),
        ("push", Some("push"), 1, "fail", "trusted"),
        ("workflow_dispatch", Some("workflow_dispatch"), 1, "fail", "trusted"),
        ("pull_request", Some("pull_request_same_repo"), 1, "fail", "trusted"),
        ("pull_request", Some("pull_request_fork"), 0, "skip", "untrusted"),
        ("pull_request", Some("pull_request_agit"), 0, "skip", "untrusted"),
        ("pull_request", Some("pull_request_head_repo_deleted"), 0, "skip", "untrusted"),
        ("pull_request", Some("pull_request_same_repo_forked_repo"), 1, "fail", "trusted"),
        ("pull_request_target", Some("pull_request_target_fork"), 1, "fail", "trusted"),
        ("pull_request_review", Some("pull_request_review_fork"), 0, "skip", "untrusted"),
        ("some_future_event", None, 1, "fail", "trusted"),
    ];
    for (event_name, payload, code, verdict, trust_class) in cases {
        let run = trust(event_name, payload, None);
        let what = format!("{event_name} {payload:?}: {}", run.stdout);
        assert_eq!(run.code, code, "{what}");
        assert_eq!(run.output("verdict"), verdict, "{what}");
        assert_eq!(run.output("trust"), trust_class, "{what}");
        assert!(run.stdout.contains("AUTO_SYNC_TOKEN"), "{what}");
        assert!(run.output("reason").contains("AUTO_SYNC_TOKEN"), "{what}");
        if code == 1 {
            // The trusted failure names the secret and the fix on one human line.
            let line = run.stdout.lines().find(|l| l.contains("error[missing-secret]")).expect("error line");
            assert!(line.contains("Fix: add AUTO_SYNC_TOKEN as an Actions secret"), "{line}");
        }
    }
}

#[test]
fn secret_present_passes_and_blank_counts_as_missing() {
    let run = trust("schedule", Some("schedule"), Some("t0ken"));
    assert_eq!((run.code, run.output("verdict")), (0, "pass"));
    assert!(run.output("reason").starts_with("trusted-event: schedule"), "{}", run.output("reason"));
    let blank = trust("schedule", Some("schedule"), Some("   "));
    assert_eq!((blank.code, blank.output("verdict")), (1, "fail"));
    let untrusted = trust("pull_request", Some("pull_request_fork"), Some("t0ken"));
    assert_eq!((untrusted.code, untrusted.output("verdict"), untrusted.output("trust")), (0, "pass", "untrusted"));
}

#[test]
fn unreadable_payloads_fail_closed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let broken = dir.path().join("event.json");
    std::fs::write(&broken, b"{\"pull_request\": ").expect("write");
    for path in [broken.clone(), dir.path().to_path_buf(), dir.path().join("missing.json")] {
        let run = run({
            let mut c = gitea_gate();
            c.args(["trust", "--require-secret", "AUTO_SYNC_TOKEN", "--event-name", "pull_request", "--event-path"])
                .arg(&path);
            c
        });
        assert_eq!(run.code, 1, "{}", run.stdout);
        assert_eq!(run.output("trust"), "trusted");
        assert!(run.stdout.contains("unreadable-event"), "{}", run.stdout);
    }
}

#[test]
fn flags_override_the_environment() {
    let mut command = gitea_gate();
    command
        .args(["trust", "--require-secret", "AUTO_SYNC_TOKEN", "--event-name", "pull_request", "--event-path"])
        .arg(event("pull_request_fork"))
        .env("GITHUB_EVENT_NAME", "schedule");
    let run = run(command);
    assert_eq!((run.code, run.output("trust")), (0, "untrusted"), "{}", run.stdout);
}

#[test]
fn json_format_and_report_file_carry_the_guest_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let report = dir.path().join("verdict.json");
    let mut command = gitea_gate();
    // The report file lies beneath the working directory (files.rs).
    command.current_dir(dir.path()).args([
        "trust",
        "--require-secret",
        "AUTO_SYNC_TOKEN",
        "--event-name",
        "schedule",
        "--format",
        "json",
        "--report",
        "verdict.json",
    ]);
    let run = run(command);
    assert_eq!(run.code, 1);
    let file = std::fs::read_to_string(&report).expect("report written");
    assert_eq!(file, run.stdout);
    let verdict: serde_json::Value = serde_json::from_str(&file).expect("json");
    assert_eq!(verdict["version"], 1);
    assert_eq!(verdict["code"], "missing-secret");
    assert_eq!(verdict["verdict"], "fail");
}

#[test]
fn github_format_fences_untrusted_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("event.json");
    let mut payload: serde_json::Value =
        serde_json::from_slice(&std::fs::read(event("pull_request_fork")).expect("read")).expect("json");
    payload["pull_request"]["head"]["repo"]["full_name"] =
        "x\n::set-output name=verdict::pass\n::add-mask::AUTO\r\n::error::forged%0A::warning::x".into();
    std::fs::write(&path, payload.to_string()).expect("write");
    let mut command = gitea_gate();
    command
        .args(["trust", "--require-secret", "AUTO_SYNC_TOKEN", "--event-name", "pull_request", "--event-path"])
        .arg(&path)
        .env("GITHUB_ACTIONS", "true");
    let run = run(command);
    assert_eq!(run.code, 0);
    assert_eq!(run.output("verdict"), "skip");
    assert_no_injected_commands(&run.stdout);
    let commands = workflow_commands(&run.stdout);
    assert_eq!(commands.iter().filter(|c| c.name == "warning").count(), 1, "{}", run.stdout);
    assert!(run.stdout.starts_with("::stop-commands::"));
    assert_eq!(run.outputs.len(), 3, "{:?}", run.outputs);
}

#[test]
fn version_prints_the_embedded_guest_sha256() {
    let mut command = gitea_gate();
    command.arg("--version");
    let run = run(command);
    assert_eq!(run.code, 0);
    let recorded = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/guest/gitea-gate-guest.wasm.sha256"))
        .expect("sha file");
    let sha = recorded.split_whitespace().next().expect("digest");
    assert_eq!(run.stdout.trim(), format!("gitea-gate {} (guest sha256 {sha})", env!("CARGO_PKG_VERSION")));
}

#[test]
fn usage_errors_exit_2() {
    for args in [vec!["trust", "--require-secret", "not a name"], vec!["trust", "--bogus"], vec!["no-such-command"]] {
        let mut command = gitea_gate();
        command.args(&args).args(["--event-name", "push"]);
        let run = run(command);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
    }
}

#[test]
fn unwritable_outputs_are_exit_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = gitea_gate();
    std::fs::create_dir(dir.path().join("a-directory")).expect("mkdir");
    command.current_dir(dir.path()).args(["trust", "--event-name", "push", "--report", "a-directory"]);
    let run = run(command);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write the report"), "{}", run.stderr);
}

/// One canned HTTP answer on loopback, recording the request line and headers.
fn serve_once(status: &str, body: String) -> (String, thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/api/v1", listener.local_addr().expect("addr"));
    let status = status.to_owned();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut request = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read") == 0 || line == "\r\n" {
                break;
            }
            request.push(line.trim_end().to_owned());
        }
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(response.as_bytes()).expect("write");
        request
    });
    (url, handle)
}

#[test]
fn issue_comment_on_a_fork_pull_request_is_looked_up() {
    let body = std::fs::read_to_string(event("pull_2190_fork.api")).expect("pr json");
    let (api_url, server) = serve_once("200 OK", body);
    let mut command = gitea_gate();
    command
        .args(["trust", "--require-secret", "AUTO_SYNC_TOKEN", "--token-env", "LOOKUP_TOKEN", "--api-url", &api_url])
        .env("GITHUB_EVENT_NAME", "issue_comment")
        .env("GITHUB_EVENT_PATH", event("issue_comment_pull_request"))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("LOOKUP_TOKEN", "lookup-secret-value");
    let run = run(command);
    let request = server.join().expect("server");
    assert_eq!(request[0], "GET /api/v1/repos/acme/core/pulls/2190 HTTP/1.1");
    assert!(request.iter().any(|h| h.eq_ignore_ascii_case("authorization: token lookup-secret-value")));
    assert_eq!((run.code, run.output("verdict"), run.output("trust")), (0, "skip", "untrusted"), "{}", run.stdout);
    assert!(!run.stdout.contains("lookup-secret-value") && !run.stderr.contains("lookup-secret-value"));
}

#[test]
fn issue_comment_lookup_failure_fails_closed() {
    let (api_url, server) = serve_once("404 Not Found", r#"{"message":"not found"}"#.to_owned());
    let mut command = gitea_gate();
    command
        .args(["trust", "--require-secret", "AUTO_SYNC_TOKEN", "--api-url", &api_url, "--retries", "0"])
        .env("GITHUB_EVENT_NAME", "issue_comment")
        .env("GITHUB_EVENT_PATH", event("issue_comment_pull_request"))
        .env("GITHUB_REPOSITORY", "acme/core");
    let refused = run(command);
    server.join().expect("server");
    assert_eq!(
        (refused.code, refused.output("verdict"), refused.output("trust")),
        (1, "fail", "trusted"),
        "{}",
        refused.stdout
    );
    assert!(refused.stdout.contains("pr-lookup-failed") && refused.stdout.contains("HTTP 404"), "{}", refused.stdout);

    // Nothing listening at all: still fails closed, promptly.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let dead_url = format!("http://{}/api/v1", closed.local_addr().expect("addr"));
    drop(closed);
    let mut command = gitea_gate();
    command
        .args(["trust", "--require-secret", "AUTO_SYNC_TOKEN", "--api-url", &dead_url, "--retries", "1"])
        .env("GITHUB_EVENT_NAME", "issue_comment")
        .env("GITHUB_EVENT_PATH", event("issue_comment_pull_request"))
        .env("GITHUB_REPOSITORY", "acme/core");
    let dead = run(command);
    assert_eq!((dead.code, dead.output("trust")), (1, "trusted"), "{}", dead.stdout);
    assert!(dead.stderr.contains("retry 1/1"), "{}", dead.stderr);
}

#[test]
fn selftest_matches_every_golden_vector() {
    let mut command = gitea_gate();
    command.arg("selftest");
    let run = run(command);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("golden vectors match (engine: aot"), "{}", run.stdout);
    let digest = run.stdout.lines().find_map(|l| l.strip_prefix("verdict digest: ")).expect("digest line");
    assert_eq!(digest.len(), 64);
}
