//! The job summary, black-box: every gate appends its Markdown summary to `$GITHUB_STEP_SUMMARY`
//! when the runner sets it (Gitea 1.27 renders it, older versions ignore the file), after what
//! earlier steps wrote, with hostile text from files and comments kept inert.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use std::fs;
use std::path::Path;

use common::{event, gitea_gate, run};
use serde_json::{Value, json};
use world::*;

/// The table rows of a summary (lines starting with `|`), each as its unescaped-pipe cell count.
fn table_rows(summary: &str) -> Vec<(usize, &str)> {
    summary.lines().filter(|l| l.starts_with('|')).map(|l| (l.replace("\\|", "").matches('|').count() - 1, l)).collect()
}

/// Nothing in `summary` can become markup, read as a Markdown renderer (GFM tables) reads it:
/// no HTML, no link or image, no bidi control; every name in `untrusted` only inside code spans
/// (Gitea links `www.`, URLs, mentions, `#123` and emoji in text, never in code); and every table
/// row with exactly `columns` cells.
fn assert_inert(summary: &str, columns: usize, untrusted: &[&str]) {
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let controls = ['\u{202e}', '\u{2066}', '\u{200f}', '\u{1b}'];
    assert!(!summary.contains(controls), "a control character reached the summary: {summary:?}");
    let mut text = String::new();
    for event in Parser::new_ext(summary, Options::ENABLE_TABLES) {
        match event {
            Event::Html(_) | Event::InlineHtml(_) => panic!("raw HTML in the summary:\n{summary}"),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => panic!("a link in the summary:\n{summary}"),
            Event::Text(t) => text.push_str(&t),
            _ => {}
        }
    }
    for name in untrusted {
        assert!(!text.contains(name), "{name:?} stands outside a code span:\n{summary}");
    }
    let rows = table_rows(summary);
    assert!(!rows.is_empty(), "no table:\n{summary}");
    for (cells, line) in rows {
        assert_eq!(cells, columns, "a row with {cells} cells instead of {columns}: {line}\n{summary}");
    }
}

fn summary_file(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("step_summary.md");
    fs::write(&path, "## earlier step\n").expect("earlier content");
    path
}

/// What this run appended (the earlier step's line must still be first).
fn appended(path: &Path) -> String {
    let text = fs::read_to_string(path).expect("summary written");
    text.strip_prefix("## earlier step\n").unwrap_or_else(|| panic!("the earlier content was lost:\n{text}")).to_owned()
}

#[test]
fn trust_pass_and_fail_name_the_secret_and_the_action_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = summary_file(dir.path());
    let trust = |value: Option<&str>| {
        let mut command = gitea_gate();
        command
            .current_dir(dir.path())
            .args(["trust", "--require-secret", "AUTO_SYNC_TOKEN"])
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_STEP_SUMMARY", &path);
        if let Some(value) = value {
            command.env("AUTO_SYNC_TOKEN", value);
        }
        run(command)
    };
    let pass = trust(Some("s3cret"));
    assert_eq!(pass.code, 0, "{}", pass.stdout);
    let after_pass = appended(&path);
    assert!(after_pass.starts_with("\n### gitea-gate trust: ✅ pass\n"), "{after_pass}");
    assert!(after_pass.contains("| `secret` | `AUTO_SYNC_TOKEN` | `present` |"), "{after_pass}");
    assert!(!after_pass.contains("s3cret"));

    let fail = trust(None);
    assert_eq!(fail.code, 1, "{}", fail.stdout);
    let both = appended(&path);
    let after_fail = both.strip_prefix(&after_pass).expect("appended after the pass, never truncated");
    assert!(after_fail.starts_with("\n### gitea-gate trust: ❌ fail\n"), "{after_fail}");
    assert!(after_fail.contains("| `secret` | `AUTO_SYNC_TOKEN` | `missing` |"), "{after_fail}");
    assert!(after_fail.contains("**Fix:**") && after_fail.contains("the action's `secret` input"), "{after_fail}");
    assert_inert(after_fail, 3, &[]);
}

#[test]
fn pin_pass_and_fail_keep_a_hostile_file_name_inert() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = summary_file(dir.path());
    let hostile = "a|b`c`<b>x<img src=y>\u{202e}gpj.txt";
    fs::write(dir.path().join(hostile), "pinned\n").expect("file");
    let pin = |args: &[&str]| {
        let mut command = gitea_gate();
        command.current_dir(dir.path()).arg("pin").args(args).env("GITHUB_STEP_SUMMARY", &path);
        run(command)
    };
    assert_eq!(pin(&["update", "--lock", "pins.sha256", hostile]).code, 0);
    let pass = pin(&["verify", "--lock", "pins.sha256"]);
    assert_eq!(pass.code, 0, "{}", pass.stdout);
    fs::write(dir.path().join(hostile), "changed\n").expect("file");
    let fail = pin(&["verify", "--lock", "pins.sha256"]);
    assert_eq!(fail.code, 1, "{}", fail.stdout);
    let text = appended(&path);
    let runs: Vec<&str> = text.split("\n### gitea-gate ").skip(1).collect();
    assert_eq!(runs.len(), 3, "one summary per run:\n{text}");
    assert!(runs[1].starts_with("pin: ✅ pass") && runs[2].starts_with("pin: ❌ fail"), "{text}");
    let cell = "``a\\|b`c`<b>x<img src=y>\\u{202e}gpj.txt``";
    assert!(runs[1].contains(&format!("| {cell} | `unchanged` |")), "{}", runs[1]);
    assert!(runs[2].contains(&format!("| {cell} | `mismatch` |")), "{}", runs[2]);
    for run in runs {
        assert_inert(run, 2, &["<b>", "<img"]);
    }
}

const ITEMS: [&str; 3] = ["testing", "rollback-plan", "docs-updated"];

fn checklist(fake: &fake_gitea::FakeGitea, dir: &Path, number: u64, summary: &Path) -> common::Run {
    let mut command = gitea_gate();
    command
        .current_dir(dir)
        .args(["checklist", "--config", "sop.json", "--token-env", "SOP_CHECKLIST_GATE_TOKEN"])
        .args(["--retries", "1", "--timeout", "5", "--pr", &number.to_string()])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "pull_request_target")
        .env("GITHUB_EVENT_PATH", event("pull_request_target_same_repo"))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("SOP_CHECKLIST_GATE_TOKEN", TEAM_PAT)
        .env("GITHUB_STEP_SUMMARY", summary);
    run(command)
}

#[test]
fn checklist_pass_and_fail_show_what_counted_with_hostile_reasons_inert() {
    let hostile_reason = "none | injected | row | <img src=x onerror=alert(1)> `code` \u{2066}[link](http://evil)";
    let pr = |number: u64, comment: Comment| Pull::new(number).labels(&["tier:high"]).comment(comment);
    let fake = World::acme()
        .pull(pr(20, Comment::new(1, "qa-carol", "/sop-ack testing\n/sop-ack rollback-plan\n/sop-ack docs-updated")))
        .pull(pr(
            21,
            Comment::new(2, "qa-carol", &format!("/sop-ack testing\n/sop-n/a rollback-plan {hostile_reason}")),
        ))
        .start();
    let dir = tempfile::tempdir().expect("tempdir");
    let items: Vec<Value> = ITEMS.iter().map(|id| json!({"id": id, "title": format!("Title of {id}")})).collect();
    fs::write(dir.path().join("sop.json"), json!({"items": items, "ack_teams": ["acme/qa"]}).to_string())
        .expect("config");

    let path = summary_file(dir.path());
    let pass = checklist(&fake, dir.path(), 20, &path);
    assert_eq!(pass.code, 0, "{}\n{}", pass.stdout, pass.stderr);
    let summary = appended(&path);
    assert!(summary.starts_with("\n### gitea-gate checklist: ✅ pass\n"), "{summary}");
    assert!(summary.contains("| item | state | by | note |"), "{summary}");
    for id in ITEMS {
        assert!(summary.contains(&format!("| `{id}` | `acked` | `qa-carol` |  |")), "{id}:\n{summary}");
    }
    assert_inert(&summary, 4, &[]);

    let path = summary_file(dir.path());
    let fail = checklist(&fake, dir.path(), 21, &path);
    assert_eq!(fail.code, 1, "{}\n{}", fail.stdout, fail.stderr);
    let summary = appended(&path);
    assert!(summary.starts_with("\n### gitea-gate checklist: ❌ fail\n"), "{summary}");
    assert!(summary.contains("| `testing` | `acked` | `qa-carol` |  |"), "{summary}");
    assert!(summary.contains("| `docs-updated` | `missing` |  |  |"), "{summary}");
    assert!(
        summary.contains("| `rollback-plan` | `waived` | `qa-carol` | `none \\| injected \\| row \\|"),
        "{summary}"
    );
    // The command parser keeps a reason's plain text (tags, code marks and link targets go); what
    // is left stays code, the isolate control shown as an escape.
    assert!(summary.contains("\\u{2066}link` |"), "{summary}");
    assert!(summary.contains("**Fix:**"), "{summary}");
    assert_inert(&summary, 4, &["injected"]);
}

/// Names that Gitea's renderer would turn into a link, a mention, a reference or an emoji if they
/// reached the summary as text (docs/gitea.md §8.4).
const HOSTILE_NAMES: [&str; 6] = [
    "www.evil-login.example/reset",
    "https://evil.example/login",
    "mallory@evil.example",
    "@acme/security",
    "#1",
    ":rocket:",
];

#[test]
fn a_policy_summary_keeps_file_names_and_logins_that_would_link_as_code() {
    let pr = Pull::new(40)
        .review(Review::approved(1, "www.evil-login.example"))
        .files(HOSTILE_NAMES.iter().map(|n| format!("auth/{n}")));
    let policy = "rules:\n  - name: security\n    if: { changed_files: { paths: [\"auth/**\"] } }\n    \
                  requires: { count: 1, teams: [acme/security] }\n";
    let fake = World::acme().pull(pr).start();
    let dir = tempfile::tempdir().expect("tempdir");
    // On a push run the policy is the workspace's.
    fs::create_dir_all(dir.path().join(".gitea")).expect("mkdir");
    fs::write(dir.path().join(".gitea/policy.yml"), policy).expect("policy");
    let path = summary_file(dir.path());
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .args(["policy", "--config", ".gitea/policy.yml", "--token-env", "REVIEW_TOKEN", "--pr", "40"])
        .args(["--retries", "1", "--timeout", "5"])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", event("push"))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT)
        .env("GITHUB_STEP_SUMMARY", &path);
    let r = run(command);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let summary = appended(&path);
    assert!(summary.contains("www.evil-login.example/reset"), "the file is named:\n{summary}");
    assert_inert(&summary, 5, &HOSTILE_NAMES);
}

#[test]
fn an_unwritable_summary_is_a_warning_not_a_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .args(["trust", "--require-secret", "AUTO_SYNC_TOKEN"])
        .env("GITHUB_EVENT_NAME", "push")
        .env("AUTO_SYNC_TOKEN", "x")
        .env("GITHUB_STEP_SUMMARY", dir.path());
    let r = run(command);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("verdict"), "pass");
    assert!(r.stderr.contains("gitea-gate: warning: cannot write the job summary"), "{}", r.stderr);
}
