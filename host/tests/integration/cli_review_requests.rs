//! `gitea-gate policy --request-reviews`, black-box against the fake Gitea: when rules are short of
//! approvals, the teams and code owners that can close them are asked for a review
//! (`POST /pulls/{n}/requested_reviewers`) — once, however often the gate runs; never the author,
//! a contributor, someone whose approval stands, or anyone in an untrusted run — and the status
//! says who was asked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::Path;

use crate::common;
use crate::world;

use common::{event, run};
use fake_gitea::{FakeGitea, ReviewRequested};
use world::*;

/// Two security approvals for auth/, and CODEOWNERS for the rest.
const POLICY: &str = "rules:\n  - name: security\n    if:\n      changed_files: { paths: [\"auth/**\"] }\n    \
                      requires: { count: 2, teams: [acme/security] }\n  - name: owners\n    \
                      requires: { codeowners: any }\n";
/// db/ is owned by dba-dan, qa-carol and the author alice; docs/ by the qa team.
const CODEOWNERS: &str = "auth/.* @acme/security\ndb/.* @dba-dan @qa-carol @alice\ndocs/.* @acme/qa\n";

fn world() -> FakeGitea {
    let approved = Review::approved;
    World::acme()
        // auth/ with one of two security approvals (sec-erin's, which stands), db/ and docs/
        // without their owners; qa-carol pushed a commit, so she is a contributor.
        .pull(
            Pull::new(70)
                .review(approved(1, "sec-erin"))
                .files(["auth/login.rs", "db/schema.sql", "docs/guide.md"])
                .force_push(5, "qa-carol", "be40be40be40be40be40be40be40be40be40be40", &sha(70)),
        )
        // Everything approved: nobody is asked.
        .pull(
            Pull::new(71)
                .reviews([approved(2, "sec-erin"), approved(3, "sec-sid"), approved(4, "qa-dave")])
                .files(["auth/login.rs", "docs/guide.md"]),
        )
        // dba-dan already approved db/, but a second line needs qa: qa is asked, dba-dan is not
        // asked again (a new request would void his approval on Gitea).
        .pull(Pull::new(72).review(approved(5, "dba-dan")).files(["db/schema.sql", "docs/guide.md"]))
        .user("sec-sid", 300)
        .user("dba-dan", 301)
        .team_members("security", &["sec-erin", "sec-sid", "ceo-bot"])
        .commit(Commit::new(sha(1)).text(".gitea/policy.yml", POLICY).text("CODEOWNERS", CODEOWNERS))
        .start()
}

/// A `pull_request` event about `pr` in `dir`: from the same repository (a trusted run) or, with
/// `fork`, from a fork (untrusted).
fn event_about(dir: &Path, pr: u64, fork: bool) -> std::path::PathBuf {
    let name = if fork { "pull_request_fork" } else { "pull_request_same_repo" };
    pull_request_event(dir, name, pr, &sha(pr), &sha(1))
}

/// `gitea-gate policy ARGS` on that event, with the team PAT (or `token`).
fn policy_run(fake: &FakeGitea, pr: u64, fork: bool, token: &str, args: &[&str]) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let path = event_about(dir.path(), pr, fork);
    let mut command = gate_command(fake, dir.path(), "pull_request", &path);
    command.env("REVIEW_TOKEN", token).args(["policy", "--config", ".gitea/policy.yml"]).args(args).args(GATE_FLAGS);
    run(command)
}

/// `gitea-gate policy --request-reviews EXTRA` on an event about `pr`.
fn gate(fake: &FakeGitea, pr: u64, fork: bool, extra: &[&str]) -> common::Run {
    let mut args = vec!["--request-reviews"];
    args.extend_from_slice(extra);
    policy_run(fake, pr, fork, TEAM_PAT, &args)
}

fn asked(fake: &FakeGitea, pr: u64) -> Vec<(Option<String>, Option<String>)> {
    let requests: Vec<ReviewRequested> = fake.review_requests();
    requests.into_iter().filter(|r| r.number == pr).map(|r| (r.reviewer, r.team)).collect()
}

fn user(login: &str) -> (Option<String>, Option<String>) {
    (Some(login.to_owned()), None)
}

fn team(name: &str) -> (Option<String>, Option<String>) {
    (None, Some(name.to_owned()))
}

#[test]
fn the_reviews_that_can_close_the_rules_are_asked_for_once() {
    let fake = world();
    let r = gate(&fake, 70, false, &["--status-context", "review / policy"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    // security (the team, although sec-erin's approval stands: a team request voids nobody's),
    // dba-dan for db/ — not qa-carol (a contributor) nor alice (the author) — and the qa team
    // for docs/.
    let mut got = asked(&fake, 70);
    got.sort();
    let mut want = vec![team("security"), team("qa"), user("dba-dan")];
    want.sort();
    assert_eq!(got, want, "{}", r.stdout);
    assert!(fake.review_requests().iter().all(|q| q.by == "ceo-bot"));
    let status = fake.statuses().pop().unwrap();
    assert_eq!(status.state, "failure");
    assert!(status.description.contains("asked security (team), qa (team), @dba-dan"), "{}", status.description);
    assert!(r.stdout.contains("reviews-requested"), "{}", r.stdout);

    // Every later run (a review, a sweep every ten minutes) finds them asked and asks nobody.
    for _ in 0..2 {
        let r = gate(&fake, 70, false, &["--status-context", "review / policy"]);
        assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
        assert!(!r.stdout.contains("reviews-requested"), "{}", r.stdout);
    }
    assert_eq!(asked(&fake, 70).len(), 3, "asked once: {:?}", fake.review_requests());
    assert!(!fake.statuses().pop().unwrap().description.contains("asked"));
}

#[test]
fn nobody_whose_approval_stands_is_asked_and_a_passing_pull_request_asks_nobody() {
    let fake = world();
    let r = gate(&fake, 72, false, &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(asked(&fake, 72), vec![team("qa")], "dba-dan's approval stands: not asked again");
    let r = gate(&fake, 71, false, &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(asked(&fake, 71).is_empty());
}

#[test]
fn an_untrusted_run_or_a_run_without_the_flag_asks_nobody() {
    let fake = world();
    let r = gate(&fake, 70, true, &[]);
    assert!(asked(&fake, 70).is_empty(), "a fork's run asked: {}", r.stdout);
    let r = policy_run(&fake, 70, false, TEAM_PAT, &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(asked(&fake, 70).is_empty(), "asked without --request-reviews");
}

/// A token that may not change review requests (the read-only PAT): nobody is asked, the
/// verdict stands (exit 1, not a pass), a warning says why, and the status claims no one.
#[test]
fn a_refused_request_is_reported_and_decides_nothing() {
    let fake = world();
    let r =
        policy_run(&fake, 70, false, TEAM_PAT_READ_ONLY, &["--request-reviews", "--status-context", "review / policy"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("review-request-failed") && r.stdout.contains("HTTP 403"), "{}", r.stdout);
    assert!(asked(&fake, 70).is_empty());
}

/// The sweep asks for each open pull request, and a second sweep asks nobody again.
#[test]
fn a_sweep_asks_once_per_pull_request() {
    let fake = world();
    let sweep = || {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".gitea")).unwrap();
        std::fs::write(dir.path().join(".gitea/policy.yml"), POLICY).unwrap();
        let mut command = gate_command(&fake, dir.path(), "schedule", Path::new(&event("schedule")));
        command
            .args(["policy", "--config", ".gitea/policy.yml", "--request-reviews", "--open-prs"])
            .args(["--status-context", "review / policy"])
            .args(GATE_FLAGS);
        run(command)
    };
    // The sweep's own exit is its decisions' (each pull request's verdict is its status).
    let r = sweep();
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let first = fake.review_requests();
    assert_eq!(asked(&fake, 70).len(), 3, "{first:?}");
    assert_eq!(asked(&fake, 72), vec![team("qa")]);
    assert!(asked(&fake, 71).is_empty());
    let r = sweep();
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(fake.review_requests(), first, "the second sweep asked again");
}

/// The approvals gate asks its teams when it is short, once; never when it passes, never in a
/// fork's run; and a team of another organisation is not asked (Gitea asks teams by name in the
/// repository's organisation).
#[test]
fn the_approvals_gate_asks_its_teams_once() {
    let fake = world();
    let approvals = |pr: u64, fork: bool, teams: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let path = event_about(dir.path(), pr, fork);
        let mut command = gate_command(&fake, dir.path(), "pull_request", &path);
        command.args(["approvals", "--request-reviews", "--status-context", "qa-review"]);
        for team in teams {
            command.args(["--team", team]);
        }
        command.args(GATE_FLAGS);
        run(command)
    };
    // #70: sec-erin (security) approved, nobody of qa: qa is asked — not security, whose member's
    // approval counts toward nothing here but whose team is not the gate's.
    let r = approvals(70, false, &["acme/qa"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(asked(&fake, 70), vec![team("qa")], "{}", r.stdout);
    assert!(r.stdout.contains("reviews-requested"), "{}", r.stdout);
    let status = fake.statuses().pop().unwrap();
    assert!(status.description.ends_with("; asked qa (team)"), "{}", status.description);
    // Asked once, however often it runs.
    let r = approvals(70, false, &["acme/qa"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(asked(&fake, 70).len(), 1);
    // #71 passes (qa-dave approved): nobody is asked. A fork's run never asks.
    let r = approvals(71, false, &["acme/qa"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(asked(&fake, 71).is_empty());
    let r = approvals(72, true, &["acme/qa"]);
    assert!(asked(&fake, 72).is_empty(), "a fork's run asked: {}", r.stdout);
}
