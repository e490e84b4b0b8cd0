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

/// A push entry: `who` pushed commits ending at `head` (timeline id `id`).
fn push(id: i64, who: &str, head: &str) -> Value {
    json!({"id": id, "user": who, "commits": [BEFORE, head], "force": true})
}

fn with(mut pull: Value, key: &str, value: Value) -> Value {
    pull[key] = value;
    pull
}

fn waiver(id: i64) -> Value {
    comment(id, "sec-erin", &format!("/sop-n/a security {WHY}"))
}

fn pulls() -> Vec<Value> {
    vec![
        // qa-carol pushed a commit onto alice's pull request, then approved it.
        with(
            pull(20, "alice", vec![review(1, "qa-carol", "APPROVED")]),
            "pushes",
            json!([push(5, "qa-carol", &sha(20))]),
        ),
        // Gitea links qa-carol's e-mail to a commit she authored / committed; she approves.
        with(
            pull(21, "alice", vec![review(2, "qa-carol", "APPROVED")]),
            "commits",
            json!([{"sha": sha(21), "author": "alice", "committer": "alice"}, {"sha": BEFORE, "author": "qa-carol"}]),
        ),
        with(
            pull(22, "alice", vec![review(3, "qa-carol", "APPROVED")]),
            "commits",
            json!([{"sha": sha(22), "author": "alice", "committer": "qa-carol"}]),
        ),
        // The author pushed; a qa member who never touched the code approves: it counts.
        with(pull(23, "alice", vec![review(4, "qa-dave", "APPROVED")]), "pushes", json!([push(5, "alice", &sha(23))])),
        // A lead waived `security` (comment 60), then the author pushed (entry 70).
        with(
            with(pull(24, "alice", vec![]), "comments", json!([waiver(60)])),
            "pushes",
            json!([push(70, "alice", &sha(24))]),
        ),
        // The same, but the lead waived again after the push (comment 80).
        with(
            with(pull(25, "alice", vec![]), "comments", json!([waiver(60), waiver(80)])),
            "pushes",
            json!([push(70, "alice", &sha(25))]),
        ),
        // A waiver after the latest *recorded* push, but the head moved on since: Gitea has not
        // recorded the push that made the head yet.
        with(
            with(pull(26, "alice", vec![]), "comments", json!([waiver(80)])),
            "pushes",
            json!([push(70, "alice", BEFORE)]),
        ),
        // The waiver written before the push, edited afterwards to look new.
        with(
            with(
                pull(27, "alice", vec![]),
                "comments",
                json!([{"id": 60, "user": "sec-erin", "body": format!("/sop-n/a security {WHY}"),
                        "created_at": "2026-06-05T10:00:00Z", "updated_at": "2026-06-07T10:00:00Z"}]),
            ),
            "pushes",
            json!([push(70, "alice", &sha(27))]),
        ),
        // A lead who pushed to the pull request waives it.
        with(
            with(pull(28, "alice", vec![]), "comments", json!([waiver(80)])),
            "pushes",
            json!([push(70, "sec-erin", &sha(28))]),
        ),
    ]
}

fn world() -> FakeGitea {
    start(base_fixture(pulls()))
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
    let mut payload: Value =
        serde_json::from_str(&std::fs::read_to_string(event("pull_request_same_repo")).expect("event")).expect("json");
    payload["number"] = json!(number);
    payload["pull_request"]["number"] = json!(number);
    payload["pull_request"]["head"]["sha"] = json!(sha(number));
    payload["pull_request"]["base"]["sha"] = json!(sha(1));
    let path = dir.path().join("event.json");
    std::fs::write(&path, payload.to_string()).expect("event");
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
    let ack = |id: i64, who: &str| comment(id, who, "/sop-ack testing");
    let pulls = vec![
        // Acked, then the author pushed.
        with(
            with(pull(30, "alice", vec![]), "comments", json!([ack(60, "qa-dave")])),
            "pushes",
            json!([push(70, "alice", &sha(30))]),
        ),
        // Acked by the qa member who pushed.
        with(
            with(pull(31, "alice", vec![]), "comments", json!([ack(80, "qa-carol")])),
            "pushes",
            json!([push(70, "qa-carol", &sha(31))]),
        ),
    ];
    let fake = start(base_fixture(pulls));
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
    let pulls = vec![
        // qa-carol pushed and approved; sec-erin's waiver predates the push.
        with(
            with(
                with(
                    pull(40, "alice", vec![review(1, "qa-carol", "APPROVED"), review(2, "ceo-bot", "APPROVED")]),
                    "comments",
                    json!([waiver(60)]),
                ),
                "pushes",
                json!([push(70, "qa-carol", &sha(40))]),
            ),
            "files",
            json!(["src/lib.rs"]),
        ),
    ];
    let mut fixture = base_fixture(pulls);
    fixture = with_branch_policies(fixture, &[("main", sha(1), policy)]);
    let fake = start(fixture);
    let r = policy_run(&fake, 40);
    // qa passes (ceo-bot, a qa member who wrote nothing); security: ceo-bot is in security too.
    assert!(r.stdout.contains("rule qa: qa-carol's approval (review #1) does not count"), "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("waiver-outdated"), "{}", r.stdout);
    assert_eq!(r.code, 0, "ceo-bot's approval carries both rules:\n{}", r.stdout);

    // Only a contributor approves security: the strict rule fails, the lenient one counts her.
    let pulls = vec![with(
        with(
            pull(41, "alice", vec![review(1, "sec-erin", "APPROVED"), review(2, "qa-dave", "APPROVED")]),
            "pushes",
            json!([push(70, "sec-erin", &sha(41))]),
        ),
        "files",
        json!(["src/lib.rs"]),
    )];
    let strict = start(with_branch_policies(base_fixture(pulls.clone()), &[("main", sha(1), policy)]));
    let r = policy_run(&strict, 41);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains("rule security: sec-erin's approval (review #1) does not count: sec-erin pushed commit"),
        "{}",
        r.stdout
    );
    let lenient = start(with_branch_policies(base_fixture(pulls), &[("main", sha(1), &lenient)]));
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
    let event = |id: i64, kind: &str| json!({"id": id, "type": kind, "user": "alice"});
    let pulls = vec![
        // Closed, pushed while closed (Gitea records no push), reopened: the waiver saw other code.
        with(
            with(pull(50, "alice", vec![]), "comments", json!([waiver(60)])),
            "events",
            json!([event(65, "close"), event(70, "reopen")]),
        ),
        // The same waiver written after the reopen counts.
        with(with(pull(51, "alice", vec![]), "comments", json!([waiver(80)])), "events", json!([event(70, "reopen")])),
        // The target branch changed after the waiver: the diff is another one.
        with(
            with(
                with(pull(52, "alice", vec![]), "comments", json!([waiver(60)])),
                "pushes",
                json!([push(50, "alice", &sha(52))]),
            ),
            "events",
            json!([event(70, "change_target_branch")]),
        ),
    ];
    let fake = start(base_fixture(pulls));
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
    let pulls = vec![with(
        pull(53, "alice", vec![review(1, "qa-dave", "APPROVED")]),
        "pushes",
        json!([push(5, "alice", BEFORE)]),
    )];
    let r = approvals(&start(base_fixture(pulls)), 53, &[]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("contributor-not-counted") && r.stdout.contains("may have pushed it"), "{}", r.stdout);
}

#[test]
fn a_contributor_does_not_set_the_tier_of_their_own_code() {
    let mut pr = with(pull(54, "alice", vec![]), "pushes", json!([push(5, "qa-carol", &sha(54))]));
    pr["labels"] = json!(["tier:low"]);
    pr["label_events"] = json!([{"id": 6, "user": "qa-carol", "label": "tier:low"}]);
    let fake = start(base_fixture(vec![pr]));
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
