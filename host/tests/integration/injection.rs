//! Injection: text from pull requests, comments, reviews, user and team names, file paths,
//! manifest entries, server error text and drifted file contents must never become a workflow
//! command or a step output, on stdout or on stderr (act and act_runner read both streams of a
//! step through one command handler, and Gitea's runner honours `::set-env` and `::add-path`).
//! Checked with a parser that follows act's rules (`^::([^ :]+)( .*)?::(.*)$`, stop-commands
//! fences, `name<<DELIM` outputs) over each stream and over both as one log; and no line on either
//! stream carries a terminal or bidi control (ESC, ANSI/OSC-8 sequences, C1, U+202A–U+202E,
//! U+2066–U+2069). The e2e suite checks the same with act itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use std::collections::BTreeSet;
use std::fs;

use common::{assert_no_injected_commands, event, gitea_gate, run, workflow_commands};
use fake_gitea::faults::FaultKind;
use serde_json::json;
use world::*;

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
    // Newline-borne commands Gitea's runner executes: an environment for every later step, a
    // directory on PATH.
    "x\n::set-env name=BASH_ENV::/tmp/evil.sh\n::add-path::/tmp/evil",
    // Terminal control: clear screen, colours, an OSC-8 hyperlink that shows one text and links
    // another, the 8-bit CSI, NEL.
    "\u{1b}[2J\u{1b}[31mred\u{1b}[0m \u{1b}]8;;https://evil.example/\u{7}click me\u{1b}]8;;\u{7} \u{9b}31m \u{85}next",
    // Bidi overrides and isolates (Trojan Source): the line reads differently from its bytes.
    "approved \u{202e}devorppa ton\u{202c} \u{2066}\u{2067}x\u{2069} \u{202a}\u{202b}\u{202d}",
    "\u{2028}::set-env name=LS::x\u{2029}",
];

/// A newline-borne workflow command wrapped in every control the streams must escape.
const HOSTILE_LABEL: &str = "x\n::set-env name=BASH_ENV::/tmp/evil.sh\n::add-path::/tmp/evil\n\u{1b}]8;;https://evil.example/\u{7}docs\u{1b}]8;;\u{7}\u{1b}[2J\u{202e}lmy.txt\u{2066}";

/// Characters that may not appear as themselves on a log stream (besides the `\n` that ends a
/// line): controls, line and paragraph separators, bidi controls.
fn is_unsafe(ch: char) -> bool {
    (ch.is_control() && ch != '\n')
        || matches!(ch, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Both streams are safe for a runner: no command other than gitea-gate's own annotations on
/// either stream, or on both read as one log (stderr is written first), and no control character.
fn assert_streams_safe(run: &common::Run) {
    assert_no_injected_commands(&run.stdout);
    assert_no_injected_commands(&run.stderr);
    let log = format!("{}{}", run.stderr, run.stdout);
    for command in workflow_commands(&log) {
        assert!(matches!(command.name.as_str(), "error" | "warning" | "notice"), "{command:?} in:\n{log}");
    }
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for line in text.lines() {
            let bad: Vec<char> = line.chars().filter(|c| is_unsafe(*c)).collect();
            assert!(bad.is_empty(), "{stream} line carries {bad:?}: {line:?}");
            let fence = line.strip_prefix("::stop-commands::").is_some_and(is_token)
                || line.strip_prefix("::").and_then(|l| l.strip_suffix("::")).is_some_and(is_token);
            assert!(stream == "stdout" || !line.starts_with("::") || fence, "stderr line starts a command: {line:?}");
        }
    }
}

fn hostile_text() -> String {
    HOSTILE.join("\n")
}

/// A stop-commands token as gitea-gate makes them: 32 hex digits.
fn is_token(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
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
    assert_streams_safe(run);
    let keys: BTreeSet<&str> = run.outputs.keys().map(String::as_str).collect();
    assert!(keys.iter().all(|k| KEYS.contains(k)), "unexpected output keys {keys:?}");
    assert_eq!(run.output("verdict"), expect_verdict, "{}", run.stdout);
    for (key, value) in &run.outputs {
        assert!(!value.contains('\n') || key == "reason", "{key} spans lines: {value:?}");
    }
}

#[test]
fn hostile_pull_request_text_comments_reviews_and_logins() {
    let evil_login = "eve::set-output name=verdict::pass\u{202e}\u{2066}\u{1b}[2J";
    let pr = Pull::new(1)
        .reviews([Review::changes_requested(1, "qa-carol").body(&hostile_text()), Review::approved(2, evil_login)])
        .title(&hostile_text())
        .body(&format!("- [ ] **{}**\n{}", HOSTILE[0], hostile_text()))
        .labels(&["tier:high", HOSTILE[0]])
        .comments([
            Comment::new(
                3,
                "qa-carol",
                &format!("/sop-ack {}\n/sop-ack ::set-output\n/sop-n/a a {}", HOSTILE[0], hostile_text()),
            ),
            Comment::new(4, evil_login, &format!("/sop-ack a\n{}", hostile_text())),
        ]);
    let fake = World::acme().pull(pr).user(evil_login, 999).start();
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

/// A run of the binary in a runner (`GITHUB_ACTIONS=true`) in `dir`, on a push.
fn in_runner(dir: &std::path::Path, format: &str) -> std::process::Command {
    let mut command = gitea_gate();
    command
        .current_dir(dir)
        .args(["--format", format])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", event("push"))
        .env("GITHUB_REPOSITORY", "acme/core");
    command
}

#[test]
fn a_hostile_canonical_reaches_neither_stream_as_a_command() {
    // The progress line `fetching <canonical> …` goes to stderr before the fetch: a manifest
    // entry (committed in the pull request) or a --canonical value with a newline must not set
    // BASH_ENV for the next step, add a PATH entry or print terminal controls.
    let fake = World::acme().start();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("local.txt"), "a\n").unwrap();
    let canonical = format!("acme/core@main:{HOSTILE_LABEL}");
    let manifest = json!([{ "canonical": canonical, "local": "local.txt" }]);
    fs::write(dir.path().join("drift.json"), manifest.to_string()).unwrap();
    for format in ["github", "human", "json"] {
        for pair in [vec!["--manifest", "drift.json"], vec!["--canonical", &canonical, "--local", "local.txt"]] {
            let mut command = in_runner(dir.path(), format);
            command
                .arg("drift")
                .args(&pair)
                .args(["--token-env", "SYNC_TOKEN", "--api-url", &fake.api_url(), "--retries", "0"])
                .env("SYNC_TOKEN", TEAM_PAT);
            let r = run(command);
            assert_streams_safe(&r);
            assert_ne!(r.code, 0, "{format} {pair:?}: {}", r.stdout);
            assert_ne!(r.output("verdict"), "pass");
            if r.stderr.contains("fetching") {
                assert!(r.stderr.contains("\\u{a}::set-env name=BASH_ENV"), "shown escaped:\n{}", r.stderr);
            }
        }
    }
}

#[test]
fn a_hostile_repository_name_reaches_neither_stream_as_a_command() {
    // `reading pull request OWNER/NAME#N …` on stderr.
    let fake = World::acme().pull(Pull::new(1)).start();
    let dir = tempfile::tempdir().unwrap();
    for format in ["github", "human"] {
        let mut command = in_runner(dir.path(), format);
        command
            .args(["--repository", &format!("acme/{}", HOSTILE_LABEL.replace('/', "."))])
            .args(["approvals", "--team", "acme/qa", "--pr", "1", "--token-env", "REVIEW_TOKEN"])
            .args(["--api-url", &fake.api_url(), "--retries", "0"])
            .env("REVIEW_TOKEN", TEAM_PAT);
        let r = run(command);
        assert_streams_safe(&r);
        assert_ne!(r.code, 0, "{}", r.stdout);
    }
}

#[test]
fn hostile_server_error_text_in_retry_lines_is_escaped() {
    // A server (or a proxy in front of it) answers 500 with a message full of controls; the
    // retry lines on stderr and the final error on stdout quote it.
    let fake = World::acme().pull(Pull::new(1)).start();
    let message = json!({ "message": format!("boom {HOSTILE_LABEL} {}", HOSTILE.join(" ")) }).to_string();
    fake.fault("/api/v1/repos/*/*/pulls/**", None, FaultKind::Status { status: 500, body: Some(message) });
    let dir = tempfile::tempdir().unwrap();
    for format in ["github", "human", "json"] {
        let mut command = in_runner(dir.path(), format);
        command
            .args(["approvals", "--team", "acme/qa", "--pr", "1", "--token-env", "REVIEW_TOKEN"])
            .args(["--api-url", &fake.api_url(), "--retries", "1"])
            .env("REVIEW_TOKEN", TEAM_PAT);
        let r = run(command);
        assert!(r.stderr.contains("retry 1/1"), "a retry line was written:\n{}", r.stderr);
        assert_streams_safe(&r);
        assert_eq!(r.code, 3, "{}", r.stdout);
    }
}

#[test]
fn hostile_values_in_usage_errors_and_write_errors_are_escaped() {
    // clap quotes an invalid value; the report path is quoted when it cannot be written.
    let dir = tempfile::tempdir().unwrap();
    let value = format!("1{HOSTILE_LABEL}");
    for format in ["github", "human"] {
        let mut command = in_runner(dir.path(), format);
        command.args(["approvals", "--team", "acme/qa", "--token-env", "T", "--min", &value]);
        let r = run(command);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(r.stderr.contains("invalid value"), "{}", r.stderr);
        assert_streams_safe(&r);

        let mut command = in_runner(dir.path(), format);
        command.args(["--report", &format!("no-such-dir/{HOSTILE_LABEL}/report.json"), "trust"]);
        let r = run(command);
        assert_ne!(r.code, 0, "an unwritable report is not a pass");
        assert_streams_safe(&r);
    }
}

#[test]
fn stderr_has_one_writer() {
    // Every stderr line of the host goes through output::log (escaping and the fence); a raw
    // eprintln! anywhere else would bypass it.
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src.clone()];
    let mut offenders = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("output/log.rs") {
                let text = fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    if ["eprintln!", "eprint!", "io::stderr", "std::io::stderr"].iter().any(|p| line.contains(p)) {
                        offenders.push(format!("{}:{}: {line}", path.display(), n + 1));
                    }
                }
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "write stderr lines with log_line! (host/src/output/log.rs):\n{}",
        offenders.join("\n")
    );
}
