//! `gitea-gate policy`, black-box, against the fake Gitea: the README's example policy (qa, two
//! security approvals on auth/ and migrations/, code owners) passing and failing; the policy and
//! CODEOWNERS read at the base commit, never from the pull request; CODEOWNERS `any` and
//! `each-file`; changed files across pages; a changed-files list that cannot be read (exit 3,
//! `error` status); a broken policy file (exit 2 with its line); `policy test DIR` offline.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::Path;

use crate::common;
use crate::world;

use common::{assert_no_injected_commands, event, gitea_gate, run};
use fake_gitea::FakeGitea;
use fake_gitea::faults::FaultKind;
use serde_json::Value;
use world::*;

/// The README's example policy, as committed at the base.
const POLICY: &str = include_str!("../../../examples/policy/policy.yml");
/// The same policy weakened by a pull request: one security approval.
const WEAKENED: &str = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n  - name: security\n    \
                        requires: { count: 1, teams: [acme/security] }\npolicy:\n  all: [qa, security]\n";
const ANY: &str = "rules:\n  - name: owners\n    requires: { codeowners: any }\n";
const EACH_FILE: &str = "rules:\n  - name: owners\n    requires: { codeowners: each-file }\n";
/// At the base: security owns auth/, dba-dan owns db/, qa-dave also owns db/seed.sql.
const CODEOWNERS: &str = "# owners\nauth/.* @acme/security\ndb/.* @dba-dan\ndb/seed\\\\.sql @qa-dave\n";

fn world() -> FakeGitea {
    let approved = Review::approved;
    let mut many: Vec<String> = (0..120).map(|i| format!("src/f{i:03}.rs")).collect();
    "migrations/001_init.sql".clone_into(&mut many[110]);
    World::acme()
        // Nothing security-relevant, no owners: qa decides.
        .pull(Pull::new(31).review(approved(1, "qa-carol")).file("src/lib.rs"))
        // auth/ changed: one of two security approvals.
        .pull(Pull::new(32).reviews([approved(2, "qa-carol"), approved(3, "sec-erin")]).file("auth/login.rs"))
        .pull(
            Pull::new(33)
                .reviews([approved(4, "qa-carol"), approved(5, "sec-erin"), approved(6, "sec-sid")])
                .file("auth/login.rs"),
        )
        // db/: the owner's approval is missing, then given.
        .pull(Pull::new(34).review(approved(7, "qa-carol")).file("db/schema.sql"))
        // dba-dan owns both files, but the db/seed.sql line also needs qa-dave (`any`).
        .pull(Pull::new(36).review(approved(9, "dba-dan")).files(["db/schema.sql", "db/seed.sql"]))
        // 120 files over three pages; the one under migrations/ is on page 3.
        .pull(Pull::new(37).review(approved(10, "qa-carol")).files(many))
        // A rename out of auth/ counts both names; a binary change (`unchanged`) counts too.
        .pull(
            Pull::new(38)
                .review(approved(11, "qa-carol"))
                .renamed("auth/session.rs", "lib/session.rs")
                .file_with_status("docs/logo.png", "unchanged"),
        )
        // A type change: auth/token became a symlink. Git's diff lists the path twice (the old
        // file deleted, the link added), and X-Total-Count counts both rows.
        .pull(
            Pull::new(39)
                .review(approved(12, "qa-carol"))
                .file_with_status("auth/token", "deleted")
                .file_with_status("auth/token", "added"),
        )
        .user("sec-sid", 300)
        .user("dba-dan", 301)
        .user("lead-lee", 302)
        // The token's account (ceo-bot) belongs to every team it must read.
        .team_members("security", &["sec-erin", "sec-sid", "ceo-bot"])
        .team(23, "leads", &["lead-lee", "ceo-bot"])
        .commit(
            Commit::new(sha(1))
                .text(".gitea/policy.yml", POLICY)
                .text(".gitea/any.yml", ANY)
                .text(".gitea/each-file.yml", EACH_FILE)
                .text("CODEOWNERS", CODEOWNERS),
        )
        .start()
}

/// A `pull_request` event of acme/core about `number` (head on acme/core, base at sha(1)).
fn pull_request_event_about(dir: &Path, number: u64) -> std::path::PathBuf {
    pull_request_event(dir, "pull_request_same_repo", number, &sha(number), &sha(1))
}

/// `gitea-gate policy` in `workspace` (the job's checkout), on a pull_request event about `pr`
/// (`event_path` given) or a push run with `--pr`.
fn policy(fake: &FakeGitea, workspace: &Path, event_path: Option<&Path>, args: &[&str]) -> common::Run {
    let mut command = gitea_gate();
    command
        .current_dir(workspace)
        .arg("policy")
        .args(["--token-env", "REVIEW_TOKEN", "--retries", "0", "--timeout", "5"])
        .args(args)
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    match event_path {
        Some(path) => command.env("GITHUB_EVENT_NAME", "pull_request").env("GITHUB_EVENT_PATH", path),
        None => command.env("GITHUB_EVENT_NAME", "push").env("GITHUB_EVENT_PATH", event("push")),
    };
    let run = run(command);
    assert_no_injected_commands(&run.stdout);
    assert!(!run.stdout.contains(TEAM_PAT) && !run.stderr.contains(TEAM_PAT), "the token leaked");
    run
}

/// On a pull_request event about `pr`, with the policy at `config` (read at the base).
fn on_pull_request(fake: &FakeGitea, pr: u64, config: &str, extra: &[&str]) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let event_path = pull_request_event_about(dir.path(), pr);
    let mut args = vec!["--config", config, "--format", "json"];
    args.extend_from_slice(extra);
    policy(fake, dir.path(), Some(&event_path), &args)
}

fn rule_outcome(stdout: &str, rule: &str) -> String {
    let verdict: Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let rules = &verdict["details"]["rules"];
    let found = match rules {
        Value::Array(list) => list.iter().find(|r| r["name"] == rule).cloned(),
        Value::Object(map) => map.get(rule).cloned(),
        _ => None,
    };
    let found = found.unwrap_or_else(|| panic!("no rule {rule} in {rules}"));
    found["outcome"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn the_example_policy_passes_when_qa_alone_is_needed_and_posts_success() {
    let fake = world();
    let r = on_pull_request(&fake, 31, ".gitea/policy.yml", &["--status-context", "review / policy"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(rule_outcome(&r.stdout, "qa"), "pass");
    assert_eq!(rule_outcome(&r.stdout, "security"), "skip");
    let statuses = fake.statuses();
    assert_eq!(statuses.last().map(|s| s.state.as_str()), Some("success"), "{statuses:?}");
    assert_eq!(statuses.last().unwrap().sha, sha(31));
    // The policy was read at the base commit, CODEOWNERS on the default branch (no `ref`, as
    // Gitea reads it); never anything at the head.
    let contents: Vec<_> = fake.requests().into_iter().filter(|q| q.path.contains("/contents/")).collect();
    assert!(contents.iter().any(|q| q.path.ends_with("/contents/.gitea/policy.yml")), "{contents:?}");
    for q in &contents {
        let wanted = if q.path.contains("CODEOWNERS") { None } else { Some(sha(1)) };
        assert_eq!(q.query.get("ref").cloned(), wanted, "{q:?}");
    }
}

#[test]
fn the_example_policy_fails_without_two_security_approvals_and_says_what_is_missing() {
    let fake = world();
    let r = on_pull_request(&fake, 32, ".gitea/policy.yml", &["--status-context", "review / policy"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(rule_outcome(&r.stdout, "qa"), "pass");
    assert_eq!(rule_outcome(&r.stdout, "security"), "fail");
    assert_eq!(rule_outcome(&r.stdout, "owners"), "pass", "one security approval satisfies the auth/ owners");
    let last = fake.statuses().pop().unwrap();
    assert_eq!(last.state, "failure");
    assert!(last.description.contains("security"), "{}", last.description);

    let r = on_pull_request(&fake, 33, ".gitea/policy.yml", &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(rule_outcome(&r.stdout, "security"), "pass");
}

#[test]
fn a_pull_request_that_weakens_the_policy_is_still_judged_by_the_base() {
    let fake = world();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".gitea")).unwrap();
    std::fs::write(dir.path().join(".gitea/policy.yml"), WEAKENED).unwrap();
    std::fs::write(dir.path().join("CODEOWNERS"), "").unwrap();
    let event_path = pull_request_event_about(dir.path(), 32);
    let r = policy(&fake, dir.path(), Some(&event_path), &["--config", ".gitea/policy.yml"]);
    assert_eq!(r.code, 1, "the weakened copy would pass:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("policy-differs-from-base"), "{}", r.stdout);
    // A policy only the pull request adds is not a policy yet: usage error, nothing passes.
    std::fs::write(dir.path().join(".gitea/new.yml"), WEAKENED).unwrap();
    let r = policy(&fake, dir.path(), Some(&event_path), &["--config", ".gitea/new.yml"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("base commit"), "{}", r.stdout);
}

#[test]
fn codeowners_any_needs_every_line_and_each_file_needs_every_file() {
    let fake = world();
    let r = on_pull_request(&fake, 34, ".gitea/policy.yml", &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(rule_outcome(&r.stdout, "owners"), "fail");
    assert!(r.stdout.contains("db/schema.sql"), "what is missing names the file:\n{}", r.stdout);
    // dba-dan approved both files; the db/seed.sql line also names qa-dave.
    let r = on_pull_request(&fake, 36, ".gitea/any.yml", &[]);
    assert_eq!(r.code, 1, "any: the qa-dave line has no approval:\n{}", r.stdout);
    let r = on_pull_request(&fake, 36, ".gitea/each-file.yml", &[]);
    assert_eq!(r.code, 0, "each-file: every file has one owner's approval:\n{}\n{}", r.stdout, r.stderr);
}

#[test]
fn changed_files_are_read_across_every_page_and_renames_count_both_names() {
    let fake = world();
    let r = on_pull_request(&fake, 37, ".gitea/policy.yml", &[]);
    assert_eq!(r.code, 1, "migrations/ is on page 3:\n{}\n{}", r.stdout, r.stderr);
    assert_eq!(rule_outcome(&r.stdout, "security"), "fail");
    let pages: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|q| q.path.ends_with("/pulls/37/files"))
        .filter_map(|q| q.query.get("page").cloned())
        .collect();
    for page in ["1", "2", "3"] {
        assert!(pages.contains(&page.to_owned()), "page {page} not read: {pages:?}");
    }
    let r = on_pull_request(&fake, 38, ".gitea/policy.yml", &[]);
    assert_eq!(r.code, 1, "the rename's old name is under auth/:\n{}", r.stdout);
    assert_eq!(rule_outcome(&r.stdout, "security"), "fail");
}

#[test]
fn a_type_change_listed_twice_is_two_rows_and_decides() {
    let fake = world();
    let r = on_pull_request(&fake, 39, ".gitea/policy.yml", &[]);
    assert_eq!(r.code, 1, "decided (never undecided on a count that holds):\n{}\n{}", r.stdout, r.stderr);
    assert_eq!(rule_outcome(&r.stdout, "security"), "fail");
    assert!(r.stdout.contains("auth/token"), "{}", r.stdout);
}

#[test]
fn a_changed_files_list_that_cannot_be_read_is_undecided_with_an_error_status() {
    let fake = world();
    fake.fault("/api/v1/repos/*/*/pulls/*/files", None, FaultKind::Status { status: 500, body: None });
    let r = on_pull_request(&fake, 31, ".gitea/policy.yml", &["--status-context", "review / policy"]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("changed files"), "{}", r.stdout);
    assert_eq!(fake.statuses().last().map(|s| s.state.clone()).as_deref(), Some("error"));

    // A lying X-Total-Count (more files than the pages hold) is no partial pass either.
    let fake = world();
    fake.fault("/api/v1/repos/*/*/pulls/*/files", None, FaultKind::TotalCount { value: 500 });
    let r = on_pull_request(&fake, 31, ".gitea/policy.yml", &[]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn a_broken_policy_file_is_a_usage_error_with_its_line() {
    let fake = world();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yml"), "rules:\n  - name: qa\n    requirez: { teams: [acme/qa] }\n")
        .unwrap();
    let r = policy(&fake, dir.path(), None, &["--config", "policy.yml", "--pr", "31"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("line 3"), "{}", r.stdout);
    assert!(r.stdout.contains("policy-invalid"), "{}", r.stdout);
    // On a push run the workspace policy is used; it is checked before anything is fetched.
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // A valid workspace policy on a push run decides like the base's would.
    std::fs::write(dir.path().join("policy.yml"), POLICY).unwrap();
    std::fs::write(dir.path().join("CODEOWNERS"), CODEOWNERS).unwrap();
    let r = policy(&fake, dir.path(), None, &["--config", "policy.yml", "--pr", "31"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn a_policy_that_needs_code_owners_without_a_usable_codeowners_is_a_configuration_error() {
    let fake = world();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("policy.yml"), POLICY).unwrap();
    // No CODEOWNERS anywhere Gitea looks: deleting or renaming it must not remove the rule.
    let r = policy(&fake, dir.path(), None, &["--config", "policy.yml", "--pr", "31", "--status-context", "gate"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("codeowners-missing"), "{}", r.stdout);
    assert!(r.stdout.contains("CODEOWNERS, docs/CODEOWNERS, .gitea/CODEOWNERS"), "says where it looked:\n{}", r.stdout);
    let posted: Vec<String> = fake.statuses().into_iter().map(|s| s.state).collect();
    assert_eq!(posted.last().map(String::as_str), Some("error"), "{posted:?}");
    // A CODEOWNERS whose every owner is unknown: every line is dropped, as Gitea drops it.
    std::fs::create_dir_all(dir.path().join(".gitea")).unwrap();
    std::fs::write(dir.path().join(".gitea/CODEOWNERS"), "src/.* @ghost\nauth/.* @acme/no-such-team\n").unwrap();
    let r = policy(&fake, dir.path(), None, &["--config", "policy.yml", "--pr", "31"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("every line is dropped"), "{}", r.stdout);
}

/// `gitea-gate policy test ARGS…` run in `dir`.
fn policy_test(dir: impl AsRef<Path>, args: &[&str]) -> common::Run {
    let mut command = gitea_gate();
    command.current_dir(dir).args(["policy", "test"]).args(args);
    run(command)
}

#[test]
fn policy_test_runs_the_recorded_cases_offline() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let r = policy_test(&root, &["examples/policy"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("policy test cases decided as expected"), "{}", r.stdout);
    // …and from the policy's own directory, the first thing anyone types: `policy test .`.
    let r = policy_test(root.join("examples/policy"), &["."]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("./auth-change-approved/case.json") || r.stdout.contains("auth-change-approved/case.json")
    );
    // Offline: the headline says nothing about a run's trust, which decided nothing here.
    assert!(r.stdout.contains("gitea-gate policy-test: PASS policy-test-passed: all "), "{}", r.stdout);
    assert!(!r.stdout.contains("trusted run"), "{}", r.stdout);

    // `--policy` names a file in DIR; a path from the working directory into DIR works too, and
    // a missing one says where it was looked for and how to name it.
    for policy in ["policy.yml", "examples/policy/policy.yml"] {
        let r = policy_test(&root, &["examples/policy", "--policy", policy]);
        assert_eq!(r.code, 0, "--policy {policy}: {}\n{}", r.stdout, r.stderr);
    }
    let r = policy_test(&root, &["examples/policy", "--policy", "nope.yml"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("the policy file examples/policy/nope.yml does not exist"), "{}", r.stdout);
    assert!(r.stdout.contains("--policy names a file in examples/policy"), "{}", r.stdout);

    // A case whose expectation the policy does not meet fails the run.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("cases/wrong")).unwrap();
    std::fs::write(dir.path().join("cases/policy.yml"), POLICY).unwrap();
    std::fs::write(
        dir.path().join("cases/wrong/case.json"),
        r#"{"author": "alice", "changed_files": ["auth/x.rs"], "memberships": {"acme/qa": ["carol"]},
            "reviews": [{"login": "carol", "state": "APPROVED"}], "expect": {"verdict": "pass"}}"#,
    )
    .unwrap();
    let r = policy_test(dir.path(), &["cases"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("wrong/case.json"), "{}", r.stdout);

    // A case file that is no case (a typo'd key) is a configuration error, exit 2, naming it —
    // not "decided otherwise".
    std::fs::create_dir_all(dir.path().join("cases/typo")).unwrap();
    std::fs::write(dir.path().join("cases/typo/case.json"), r#"{"autor": "alice", "expect": {"verdict": "pass"}}"#)
        .unwrap();
    let r = policy_test(dir.path(), &["cases"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("policy-test-case-invalid"), "{}", r.stdout);
    assert!(r.stdout.contains("typo/case.json: not a valid case: unknown field `autor`"), "{}", r.stdout);
    assert!(r.stdout.contains("wrong/case.json"), "the valid cases are still reported:\n{}", r.stdout);
    std::fs::remove_dir_all(dir.path().join("cases/typo")).unwrap();

    // `count: one` says what count is, in the policy's words, with its line.
    std::fs::write(dir.path().join("cases/policy.yml"), POLICY.replacen("count: 1", "count: one", 1)).unwrap();
    let r = policy_test(dir.path(), &["cases"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("count must be a whole number, the approvals required"), "{}", r.stdout);

    // A broken policy is exit 2.
    std::fs::write(dir.path().join("cases/policy.yml"), "rules: [{name: Bad Name}]\n").unwrap();
    let r = policy_test(dir.path(), &["cases"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
}

/// CODEOWNERS as Gitea reads it: `@acme/QA` is not the team `qa` (the team name keeps its case,
/// while a policy's `acme/QA` would name it), and `@ghost` is no Gitea user. Both owners are
/// skipped and reported with their lines; the line left with no owner is dropped — and said so
/// in a warning and in the status. The users are looked up in the step that resolves the teams.
#[test]
fn codeowners_owners_that_do_not_resolve_are_skipped_and_reported() {
    // The policy's own `acme/QA` names the team `qa` (policy teams compare without case).
    let policy = "rules:\n  - name: qa\n    requires: { teams: [acme/QA] }\n  - name: owners\n    \
                  requires: { codeowners: any }\n";
    let codeowners = "auth/.* @acme/QA @sec-erin\ndocs/.* @ghost\nsrc/.* @acme/qa\n";
    let files = ["auth/login.rs", "docs/guide.md", "src/lib.rs"];
    let fake = World::acme()
        // A qa member approves: enough for src/ (`@acme/qa`), not for auth/ (`@acme/QA`).
        .pull(Pull::new(41).review(Review::approved(1, "qa-carol")).files(files))
        .pull(Pull::new(42).reviews([Review::approved(2, "qa-carol"), Review::approved(3, "sec-erin")]).files(files))
        .commit(Commit::new(sha(1)).text(".gitea/owners.yml", policy).text("CODEOWNERS", codeowners))
        .start();

    let r = on_pull_request(&fake, 41, ".gitea/owners.yml", &["--status-context", "review / policy"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let verdict: Value = serde_json::from_str(&r.stdout).unwrap();
    let messages: Vec<(String, String)> = verdict["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap().to_owned(), f["message"].as_str().unwrap().to_owned()))
        .collect();
    let has =
        |code: &str, words: &[&str]| messages.iter().any(|(c, m)| c == code && words.iter().all(|w| m.contains(w)));
    assert!(has("codeowner-unresolved", &["line 1:", "@acme/QA", "the team name with case"]), "{messages:#?}");
    assert!(has("codeowner-unresolved", &["line 2:", "@ghost", "not a Gitea user"]), "{messages:#?}");
    assert!(has("codeowners-line-dropped", &["line 2 (docs/.*)", "docs/guide.md", "@ghost"]), "{messages:#?}");
    assert!(!messages.iter().any(|(_, m)| m.contains("@sec-erin") && m.contains("not a Gitea user")), "{messages:#?}");
    assert_eq!(rule_outcome(&r.stdout, "qa"), "pass", "the policy's acme/QA is the team qa");
    assert_eq!(fake.statuses().last().unwrap().description, "needs: code owners of auth/login.rs");

    let r = on_pull_request(&fake, 42, ".gitea/owners.yml", &["--status-context", "review / policy"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let last = fake.statuses().pop().unwrap();
    assert_eq!(last.state, "success");
    assert_eq!(last.description, "policy met: qa, owners (warning: CODEOWNERS line 2 dropped, no owner resolves)");

    // Each user owner of the lines that apply was looked up, once per run, not the teams' owners.
    let users: Vec<String> =
        fake.requests().into_iter().filter(|q| q.path.starts_with("/api/v1/users/")).map(|q| q.path).collect();
    assert_eq!(users.iter().filter(|p| p.ends_with("/ghost")).count(), 2, "{users:?}");
    assert_eq!(users.iter().filter(|p| p.ends_with("/sec-erin")).count(), 2, "{users:?}");
    assert_eq!(users.len(), 4, "{users:?}");
}

/// A user lookup that Gitea does not answer with 200 or 404 is no answer: undecided (exit 3,
/// an `error` status), never a skipped owner.
#[test]
fn a_user_lookup_that_fails_is_undecided() {
    let fake = world();
    fake.fault("/api/v1/users/*", None, FaultKind::Status { status: 500, body: None });
    let r = on_pull_request(&fake, 34, ".gitea/policy.yml", &["--status-context", "review / policy"]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("CODEOWNERS users"), "{}", r.stdout);
    assert_eq!(fake.statuses().last().map(|s| s.state.clone()).as_deref(), Some("error"));
}
