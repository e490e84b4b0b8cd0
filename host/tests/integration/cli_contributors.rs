//! Two rules that come from how Gitea records pushes, black-box against the fake Gitea with its
//! real timeline (`pull_push` entries) and `/pulls/{n}/commits` shapes (docs/gitea.md §6.3, §6.5):
//!
//! - **No one approves their own code.** Whoever pushed to the pull request, or whose account
//!   authored or committed one of its commits, neither approves, acknowledges nor waives it —
//!   like the author — unless the gate allows contributors.
//! - **A waiver is for the code it saw.** A `/sop-n/a` or `/sop-ack` comment written before the
//!   latest push does not count for the head; nor does any comment when the head is not where
//!   the latest recorded push left it (a push Gitea has not recorded yet).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use common::{event, run};
use fake_gitea::FakeGitea;
use serde_json::{Value, json};
use world::*;

const WHY: &str = "docs-only change, no auth code";
/// Where the branch was before the latest push.
const BEFORE: &str = "be40be40be40be40be40be40be40be40be40be40";

/// Pull request `number` by alice; `who` pushed commits ending at `head` (timeline id `id`).
fn pushed(number: u64, id: i64, who: &str, head: &str) -> Pull {
    Pull::new(number).force_push(id, who, BEFORE, head)
}

fn waiver(id: i64) -> Comment {
    Comment::new(id, "sec-erin", &format!("/sop-n/a security {WHY}"))
}

fn world() -> FakeGitea {
    World::acme()
        // qa-carol pushed a commit onto alice's pull request, then approved it.
        .pull(pushed(20, 5, "qa-carol", &sha(20)).review(Review::approved(1, "qa-carol")))
        // Gitea links qa-carol's e-mail to a commit she authored / committed; she approves.
        .pull(
            Pull::new(21)
                .review(Review::approved(2, "qa-carol"))
                .commit(&sha(21), "alice", "alice")
                .commit_authored_by(BEFORE, "qa-carol"),
        )
        .pull(Pull::new(22).review(Review::approved(3, "qa-carol")).commit(&sha(22), "alice", "qa-carol"))
        // The author pushed; a qa member who never touched the code approves: it counts.
        .pull(pushed(23, 5, "alice", &sha(23)).review(Review::approved(4, "qa-dave")))
        // A lead waived `security` (comment 60), then the author pushed (entry 70).
        .pull(pushed(24, 70, "alice", &sha(24)).comment(waiver(60)))
        // The same, but the lead waived again after the push (comment 80).
        .pull(pushed(25, 70, "alice", &sha(25)).comments([waiver(60), waiver(80)]))
        // A waiver after the latest *recorded* push, but the head moved on since: Gitea has not
        // recorded the push that made the head yet.
        .pull(pushed(26, 70, "alice", BEFORE).comment(waiver(80)))
        // The waiver written before the push, edited afterwards to look new.
        .pull(pushed(27, 70, "alice", &sha(27)).comment(waiver(60).edited_at("2026-06-07T10:00:00Z")))
        // A lead who pushed to the pull request waives it.
        .pull(pushed(28, 70, "sec-erin", &sha(28)).comment(waiver(80)))
        .start()
}

fn gate(fake: &FakeGitea, args: &[&str]) -> common::Run {
    let dir = tempfile::tempdir().expect("tempdir");
    gate_on(fake, args, "push", &event("push"), dir.path())
}

/// A run on `event_name` with the payload at `payload`, in the checkout `workspace`.
fn gate_on(
    fake: &FakeGitea,
    args: &[&str],
    event_name: &str,
    payload: &std::path::Path,
    workspace: &std::path::Path,
) -> common::Run {
    let mut command = gate_command(fake, workspace, event_name, payload);
    command.args(args).args(GATE_FLAGS);
    run(command)
}

/// `gitea-gate policy` on a `pull_request` event about `number` (base at sha(1)).
fn policy_run(fake: &FakeGitea, number: u64) -> common::Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = pull_request_event(dir.path(), "pull_request_same_repo", number, &sha(number), &sha(1));
    gate_on(fake, &["policy", "--config", ".gitea/policy.yml"], "pull_request", &path, dir.path())
}

fn approvals(fake: &FakeGitea, pr: u64, more: &[&str]) -> common::Run {
    let pr = pr.to_string();
    gate(fake, &[&["approvals", "--team", "acme/qa", "--pr", pr.as_str()][..], more].concat())
}

const WAIVABLE: [&str; 4] = ["--rule", "security", "--waivable-by", "acme/security"];

#[test]
fn a_member_who_pushed_to_the_pull_request_does_not_approve_it() {
    let fake = world();
    let r = approvals(&fake, 20, &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.output("reason").starts_with("approvals-missing"), "{}", r.output("reason"));
    assert!(r.stdout.contains("contributor-not-counted"), "{}", r.stdout);
    assert!(
        r.stdout.contains(&format!("qa-carol pushed commit {} to the pull request", &sha(20)[..12])),
        "the finding names the commit:\n{}",
        r.stdout
    );
    // The history is read in the first wave, beside the pull request.
    let paths: Vec<String> = fake.requests().into_iter().map(|q| q.path).collect();
    assert!(paths.iter().any(|p| p.ends_with("/issues/20/timeline")), "{paths:?}");
    assert!(paths.iter().any(|p| p.ends_with("/pulls/20/commits")), "{paths:?}");

    // --allow-contributors counts her, as policy-bot's option does.
    let r = approvals(&fake, 20, &["--allow-contributors"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("approved-by"), "qa-carol");
}

#[test]
fn an_account_linked_to_a_commit_as_author_or_committer_does_not_approve_it() {
    let fake = world();
    for (pr, how) in [(21, "is the author of its commit"), (22, "is the committer of its commit")] {
        let r = approvals(&fake, pr, &[]);
        assert_eq!(r.code, 1, "#{pr}: {}", r.stdout);
        assert!(r.stdout.contains(&format!("qa-carol {how}")), "#{pr}: {}", r.stdout);
    }
}

#[test]
fn a_reviewer_who_wrote_nothing_still_counts() {
    let r = approvals(&world(), 23, &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("approved-by"), "qa-dave");
    assert!(!r.stdout.contains("contributor-not-counted"), "{}", r.stdout);
}

#[test]
fn a_waiver_written_before_the_latest_push_does_not_count() {
    let fake = world();
    let r = approvals(&fake, 24, &WAIVABLE);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("waived-by"), "");
    assert!(r.stdout.contains("waiver-outdated"), "{}", r.stdout);
    assert!(r.stdout.contains("written before the latest push: alice pushed commit"), "{}", r.stdout);

    // Written again after the push, it counts, and says for which head.
    let r = approvals(&fake, 25, &WAIVABLE);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("waived-by"), "sec-erin");
    assert!(r.stdout.contains(&format!("in comment #80 for head {}", &sha(25)[..12])), "{}", r.stdout);
}

#[test]
fn a_head_no_recorded_push_left_counts_no_comment_waiver() {
    let r = approvals(&world(), 26, &WAIVABLE);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("waiver-outdated") && r.stdout.contains("has not recorded"), "{}", r.stdout);
}

#[test]
fn editing_an_old_waiver_does_not_make_it_new() {
    let r = approvals(&world(), 27, &WAIVABLE);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("written before the latest push"), "{}", r.stdout);
}

#[test]
fn a_lead_who_pushed_cannot_waive() {
    let r = approvals(&world(), 28, &WAIVABLE);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("sec-erin's waiver (comment #80) does not count: sec-erin pushed commit"),
        "{}",
        r.stdout
    );
    assert_eq!(run_allowing(28).code, 0);
}

fn run_allowing(pr: u64) -> common::Run {
    approvals(&world(), pr, &[&WAIVABLE[..], &["--allow-contributors"]].concat())
}

/// The checklist: two items, acks by qa members.
fn checklist(fake: &FakeGitea, pr: u64, config: &Value) -> common::Run {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("checklist.json"), config.to_string()).expect("config");
    let pr = pr.to_string();
    let args = ["checklist", "--config", "checklist.json", "--pr", pr.as_str()];
    gate_on(fake, &args, "push", &event("push"), dir.path())
}

fn checklist_config(extra: &[(&str, bool)]) -> Value {
    let mut config = json!({"items": [{"id": "testing", "title": "Testing"}], "ack_teams": ["acme/qa"]});
    for (key, on) in extra {
        config[*key] = json!(on);
    }
    config
}

#[test]
fn checklist_acks_follow_both_rules() {
    let ack = |id: i64, who: &str| Comment::new(id, who, "/sop-ack testing");
    let fake = World::acme()
        // Acked, then the author pushed.
        .pull(pushed(30, 70, "alice", &sha(30)).comment(ack(60, "qa-dave")))
        // Acked by the qa member who pushed.
        .pull(pushed(31, 70, "qa-carol", &sha(31)).comment(ack(80, "qa-carol")))
        .start();
    let r = checklist(&fake, 30, &checklist_config(&[]));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("waiver-outdated"), "{}", r.stdout);
    let r = checklist(&fake, 30, &checklist_config(&[("keep_acks_across_pushes", true)]));
    assert_eq!(r.code, 0, "keep_acks_across_pushes keeps it:\n{}", r.stdout);

    let r = checklist(&fake, 31, &checklist_config(&[]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("contributor-not-counted") && r.stdout.contains("qa-carol pushed commit"),
        "{}",
        r.stdout
    );
    let r = checklist(&fake, 31, &checklist_config(&[("allow_contributors", true)]));
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn policy_rules_follow_both_rules_and_allow_contributors_per_rule() {
    let policy = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n  - name: security\n    requires: { count: 1, teams: [acme/security] }\n    waivable_by: [acme/security]\n";
    let lenient = policy.replace("  - name: security\n", "  - name: security\n    allow_contributors: true\n");
    // qa-carol pushed and approved; sec-erin's waiver predates the push.
    let fake = World::acme()
        .pull(
            pushed(40, 70, "qa-carol", &sha(40))
                .reviews([Review::approved(1, "qa-carol"), Review::approved(2, "ceo-bot")])
                .comment(waiver(60))
                .file("src/lib.rs"),
        )
        .branch_policy("main", sha(1), policy)
        .start();
    let r = policy_run(&fake, 40);
    // qa passes (ceo-bot, a qa member who wrote nothing); security: ceo-bot is in security too.
    assert!(r.stdout.contains("rule qa: qa-carol's approval (review #1) does not count"), "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("waiver-outdated"), "{}", r.stdout);
    assert_eq!(r.code, 0, "ceo-bot's approval carries both rules:\n{}", r.stdout);

    // Only a contributor approves security: the strict rule fails, the lenient one counts her.
    let world = World::acme().pull(
        pushed(41, 70, "sec-erin", &sha(41))
            .reviews([Review::approved(1, "sec-erin"), Review::approved(2, "qa-dave")])
            .file("src/lib.rs"),
    );
    let strict = world.clone().branch_policy("main", sha(1), policy).start();
    let r = policy_run(&strict, 41);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("rule security: sec-erin's approval (review #1) does not count: sec-erin pushed commit"),
        "{}",
        r.stdout
    );
    let lenient = world.branch_policy("main", sha(1), &lenient).start();
    let r = policy_run(&lenient, 41);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn an_unreadable_history_is_never_a_pass() {
    use fake_gitea::faults::FaultKind;
    for path in ["/api/v1/repos/*/*/pulls/*/commits", "/api/v1/repos/*/*/issues/*/timeline"] {
        let fake = world();
        fake.fault(path, None, FaultKind::Status { status: 500, body: None });
        let r = approvals(&fake, 23, &[]);
        assert_eq!(r.code, 3, "{path}: {}", r.stdout);
    }
}

#[test]
fn a_reopen_or_a_target_change_outdates_earlier_comments() {
    let fake = World::acme()
        // Closed, pushed while closed (Gitea records no push), reopened: the waiver saw other code.
        .pull(Pull::new(50).comment(waiver(60)).event(65, "close", "alice").event(70, "reopen", "alice"))
        // The same waiver written after the reopen counts.
        .pull(Pull::new(51).comment(waiver(80)).event(70, "reopen", "alice"))
        // The target branch changed after the waiver: the diff is another one.
        .pull(pushed(52, 50, "alice", &sha(52)).comment(waiver(60)).event(70, "change_target_branch", "alice"))
        .start();
    let r = approvals(&fake, 50, &WAIVABLE);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("reopened (timeline #70)"), "{}", r.stdout);
    let r = approvals(&fake, 51, &WAIVABLE);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = approvals(&fake, 52, &WAIVABLE);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("target branch was changed (timeline #70)"), "{}", r.stdout);
}

#[test]
fn while_the_heads_push_is_unrecorded_no_approval_counts() {
    // qa-dave wrote nothing, but the head is not where the latest recorded push left it: whoever
    // pushed it is not known yet, so nobody is shown not to be its author.
    let fake = World::acme().pull(pushed(53, 5, "alice", BEFORE).review(Review::approved(1, "qa-dave"))).start();
    let r = approvals(&fake, 53, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("contributor-not-counted") && r.stdout.contains("may have pushed it"), "{}", r.stdout);
}

#[test]
fn a_contributor_does_not_set_the_tier_of_their_own_code() {
    let pr = pushed(54, 5, "qa-carol", &sha(54)).labels(&["tier:low"]).label_added(6, "qa-carol", "tier:low");
    let fake = World::acme().pull(pr).start();
    let config = json!({"items": [{"id": "testing", "title": "Testing"}], "ack_teams": ["acme/qa"],
                        "tier_label_from_ack_teams": true});
    let r = checklist(&fake, 54, &config);
    assert_eq!((r.code, r.output("tier")), (1, "high"), "{}", r.stdout);
    assert!(
        r.stdout.contains("tier-label-distrusted") && r.stdout.contains("qa-carol added it and pushed commit"),
        "{}",
        r.stdout
    );
}
