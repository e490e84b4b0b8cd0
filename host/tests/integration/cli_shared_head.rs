//! One head, many pull requests: a `success` on a head commit means every open pull request with
//! that head passes its own gate (its own base's policy), in per-event runs in either order and
//! in the sweep; the status names the pull request that does not.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::{Path, PathBuf};

use crate::common;
use crate::world;

use common::{event, run};
use fake_gitea::FakeGitea;
use world::*;

const CONTEXT: &str = "gate / policy";
/// `main` needs security for auth/ (and for anything labelled `security`); `release/1.x` needs qa.
const MAIN_POLICY: &str = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n  - name: security\n    \
                           if: { changed_files: { paths: [\"auth/**\"] } }\n    requires: { count: 1, teams: [acme/security] }\n";
const RELEASE_POLICY: &str = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n";
const LABEL_POLICY: &str = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n  - name: security\n    \
                            if: { labels: [security] }\n    requires: { count: 1, teams: [acme/security] }\n";
/// The head both pull requests of a pair share.
fn head() -> String {
    sha(70)
}

/// #7 into main and #8 into release/1.x, one head, auth/ changed, approved by qa only; #9 and #10
/// into `labelled` (whose policy scopes security by label), one other head, #9 labelled.
fn world() -> FakeGitea {
    let pr = |number: u64, base: &str, head: &str| {
        Pull::new(number)
            .review(Review::approved(number as i64, "qa-carol"))
            .base(base)
            .head(head)
            .file("auth/login.rs")
    };
    World::acme()
        .pull(pr(7, "main", &head()))
        .pull(pr(8, "release/1.x", &head()))
        .pull(pr(9, "labelled", &sha(90)).labels(&["security"]))
        .pull(pr(10, "labelled", &sha(90)))
        .branch_policy("main", sha(1), MAIN_POLICY)
        .branch_policy("release/1.x", sha(5), RELEASE_POLICY)
        .branch_policy("labelled", sha(6), LABEL_POLICY)
        .start()
}

/// A same-repository `pull_request` event about `number`, from `head` into the branch at `base_sha`.
fn same_repo_event(dir: &Path, number: u64, base_sha: &str, head: &str) -> PathBuf {
    pull_request_event(dir, "pull_request_same_repo", number, head, base_sha)
}

fn policy_run(fake: &FakeGitea, event_name: &str, event_path: &Path, extra: &[&str]) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let mut command = gate_command(fake, dir.path(), event_name, event_path);
    command.args(["policy", "--config", ".gitea/policy.yml", "--status-context", CONTEXT]).args(GATE_FLAGS).args(extra);
    run(command)
}

fn last_status(fake: &FakeGitea, sha: &str) -> (String, String) {
    let s = fake.statuses().into_iter().rfind(|s| s.context == CONTEXT && s.sha == sha).expect("a status");
    (s.state, s.description)
}

#[test]
fn a_passing_pull_request_never_posts_success_on_a_head_another_fails() {
    for first in [7, 8] {
        let fake = world();
        let dir = tempfile::tempdir().unwrap();
        let event_7 = same_repo_event(dir.path(), 7, &sha(1), &head());
        let event_8 = same_repo_event(dir.path(), 8, &sha(5), &head());
        let order = if first == 7 { [(7, &event_7), (8, &event_8)] } else { [(8, &event_8), (7, &event_7)] };
        for (number, path) in order {
            let r = policy_run(&fake, "pull_request_target", path, &[]);
            // #8 passes its own gate, but its head is #7's too: the run says what its status says.
            assert_eq!(r.code, 1, "#{number}:\n{}\n{}", r.stdout, r.stderr);
            let (state, description) = last_status(&fake, &head());
            assert_eq!(state, "failure", "after #{number} (order {first} first): {description}\n{}", r.stdout);
            if number == 8 {
                assert!(description.starts_with("#7 (same head):"), "names #7: {description}");
                assert!(r.stdout.contains("shared-head"), "{}", r.stdout);
                assert!(r.stdout.contains("this pull request's own gate: policy-met"), "{}", r.stdout);
            }
        }
    }
}

#[test]
fn a_head_whose_pull_requests_all_pass_gets_success() {
    // sec-erin approves too: #7 and #8 both pass their own gates, so the shared head is success.
    let pr = |number: u64, base: &str| {
        let reviews = [Review::approved(1, "qa-carol"), Review::approved(2, "sec-erin")];
        Pull::new(number).reviews(reviews).base(base).head(&head()).file("auth/login.rs")
    };
    let fake = World::acme()
        .pull(pr(7, "main"))
        .pull(pr(8, "release/1.x"))
        .branch_policy("main", sha(1), MAIN_POLICY)
        .branch_policy("release/1.x", sha(5), RELEASE_POLICY)
        .start();
    let dir = tempfile::tempdir().unwrap();
    let r = policy_run(&fake, "pull_request_target", &same_repo_event(dir.path(), 8, &sha(5), &head()), &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(last_status(&fake, &head()).0, "success");
    assert!(r.stdout.contains("which pass their own gates too"), "{}", r.stdout);
}

#[test]
fn the_sweep_posts_one_status_per_head_the_worst_of_its_pull_requests() {
    let fake = world();
    let r = policy_run(&fake, "schedule", &event("schedule"), &["--open-prs"]);
    assert_eq!(r.code, 0, "every pull request was decided:\n{}\n{}", r.stdout, r.stderr);
    // Target-branch scoped: #7 (main) fails, #8 (release/1.x) passes: the head is failure.
    let (state, description) = last_status(&fake, &head());
    assert_eq!(state, "failure", "{description}");
    assert!(description.starts_with("#7 (same head):"), "{description}");
    // Label scoped: #9 (labelled security) fails, #10 passes: the head is failure, naming #9.
    let (state, description) = last_status(&fake, &sha(90));
    assert_eq!(state, "failure", "{description}");
    assert!(description.starts_with("#9 (same head):"), "{description}");
    // One pending and one final status per head, never a success in between.
    let states: Vec<String> =
        fake.statuses().into_iter().filter(|s| s.sha == head() && s.context == CONTEXT).map(|s| s.state).collect();
    assert_eq!(states, ["pending", "failure"], "{states:?}");
    // The server's version is asked once for the whole sweep, not once per pull request.
    let versions = fake.requests().into_iter().filter(|q| q.path == "/api/v1/version").count();
    assert_eq!(versions, 1, "GET /version per sweep");
    // #8 passes its own gate; what its head shows is #7's failure.
    assert!(
        r.stdout.lines().any(|l| l.trim_start().starts_with("#8") && l.contains("PASS  → failure")),
        "{}",
        r.stdout
    );
}
