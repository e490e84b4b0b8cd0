//! `gitea-gate checklist`, black-box, against the fake Gitea: the seed's `sop-checklist /
//! all-items-acked` gate (`acked: 0/7 — missing: …`, `/sop-ack`, `/sop-n/a`, `tier:low`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

mod common;
mod pull_world;

use std::fs;

use common::{assert_no_injected_commands, event, gitea_gate, run};
use fake_gitea::FakeGitea;
use pull_world::*;
use serde_json::{Value, json};

const ITEMS: [(&str, &str); 7] = [
    ("comprehensive-testing", "Comprehensive testing performed"),
    ("local-postgres-e2e", "Local Postgres end-to-end run"),
    ("staging-smoke", "Staging smoke test passed"),
    ("rollback-plan", "Rollback plan written"),
    ("security-review", "Security review done"),
    ("docs-updated", "Docs updated"),
    ("observability", "Dashboards and alerts in place"),
];

fn all_acks() -> String {
    ITEMS.iter().map(|(id, _)| format!("/sop-ack {id}")).collect::<Vec<_>>().join("\n")
}

fn body() -> String {
    let mut body = "## SOP checklist\n".to_owned();
    for (_, title) in ITEMS {
        body.push_str(&format!("- [ ] **{title}**\n"));
    }
    body
}

fn checklist_pull(number: u64, labels: &[&str], comments: Vec<Value>, reviews: Vec<Value>) -> Value {
    let mut pr = pull(number, "alice", reviews);
    pr["labels"] = json!(labels);
    pr["comments"] = Value::Array(comments);
    pr["body"] = json!(body());
    pr
}

fn world() -> FakeGitea {
    let pulls = vec![
        checklist_pull(20, &["tier:high"], vec![comment(1, "qa-carol", &all_acks())], vec![]),
        checklist_pull(21, &["tier:low"], vec![], vec![]),
        checklist_pull(22, &["tier:medium"], vec![], vec![]),
        checklist_pull(23, &[], vec![], vec![]),
        checklist_pull(24, &["tier:low", "tier:high", "bug"], vec![], vec![]),
        // Everything is acked, but by the author, mid-line, by a non-member, or in an edited comment.
        checklist_pull(
            25,
            &["tier:high"],
            vec![
                comment(2, "alice", "/sop-ack comprehensive-testing"),
                comment(3, "qa-carol", "looks good /sop-ack local-postgres-e2e"),
                comment(4, "qa-carol", "> /sop-ack staging-smoke"),
                comment(5, "bob", "/sop-ack rollback-plan"),
                json!({"id": 6, "user": "qa-dave", "body": "/sop-ack security-review",
                       "created_at": "2026-06-05T10:00:00Z", "updated_at": "2026-06-05T11:00:00Z"}),
                comment(7, "qa-carol", "/sop-ack no-such-item"),
            ],
            vec![],
        ),
        // Acks in a review body; N/A with and without a reason; the rest acked in a comment.
        checklist_pull(
            26,
            &["tier:high"],
            vec![
                comment(8, "alice", "/sop-n/a local-postgres-e2e no database in this change"),
                comment(9, "alice", "/sop-n/a staging-smoke"),
                comment(
                    10,
                    "sec-erin",
                    "/sop-ack rollback-plan\n/sop-ack security-review\n/sop-ack docs-updated\n/sop-ack observability",
                ),
            ],
            vec![json!({"id": 30, "user": "qa-carol", "state": "COMMENT", "body": "/sop-ack comprehensive-testing"})],
        ),
    ];
    let mut pulls = pulls;
    // 27–30: six items acked in a comment, the seventh only in a review that no longer stands
    // (dismissed, stale, pending, made on an older commit); 31: the same review, standing.
    let six = ITEMS[..6].iter().map(|(id, _)| format!("/sop-ack {id}")).collect::<Vec<_>>().join("\n");
    let seventh = format!("/sop-ack {}", ITEMS[6].0);
    for (number, review) in [
        (27, json!({"id": 40, "user": "qa-carol", "state": "APPROVED", "dismissed": true})),
        (28, json!({"id": 41, "user": "qa-carol", "state": "COMMENT", "stale": true, "commit_id": sha(1028)})),
        (29, json!({"id": 42, "user": "ceo-bot", "state": "PENDING"})),
        (
            30,
            json!({"id": 43, "user": "qa-carol", "state": "APPROVED", "commit_id": "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12", "stale": false}),
        ),
        (31, json!({"id": 44, "user": "qa-carol", "state": "COMMENT"})),
    ] {
        let mut review = review;
        review["body"] = json!(seventh);
        pulls.push(checklist_pull(
            number,
            &["tier:high"],
            vec![comment(100 + number as i64, "sec-erin", &six)],
            vec![review],
        ));
    }
    // 40–44: tier:low and nothing acked; who added the label differs.
    let added = |id: i64, user: &str| json!({"id": id, "user": user, "label": "tier:low"});
    for (number, events) in [
        (40, vec![added(1, "bob")]),
        (41, vec![added(1, "qa-carol")]),
        (42, vec![added(1, "qa-dave")]),
        (43, vec![added(1, "qa-carol")]),
    ] {
        let mut pr = checklist_pull(number, &["tier:low"], vec![], vec![]);
        pr["label_events"] = json!(events);
        pulls.push(pr);
    }
    pulls.last_mut().expect("43")["user"] = json!("qa-carol");
    // 44: qa-carol added tier:low; 60 comments later bob removed it and added it again (page 2).
    let chatter: Vec<Value> = (0..60).map(|i| comment(100 + i, "bob", "looks fine")).collect();
    let mut pr = checklist_pull(44, &["tier:low"], chatter, vec![]);
    pr["label_events"] = json!([
        added(1, "qa-carol"),
        {"id": 200, "user": "bob", "label": "tier:low", "added": false},
        added(201, "bob"),
    ]);
    pulls.push(pr);
    start(base_fixture(pulls))
}

struct Checklist {
    fake: FakeGitea,
    dir: tempfile::TempDir,
}

impl Checklist {
    fn new() -> Checklist {
        let dir = tempfile::tempdir().expect("tempdir");
        let items: Vec<Value> = ITEMS.iter().map(|(id, title)| json!({"id": id, "title": title})).collect();
        let config = json!({"items": items, "ack_teams": ["acme/qa", "acme/security"], "count_edited_comments": false});
        fs::write(dir.path().join("sop.json"), config.to_string()).expect("config");
        Checklist { fake: world(), dir }
    }

    fn run(&self, config: &str, args: &[&str]) -> common::Run {
        let mut command = gitea_gate();
        command
            .current_dir(self.dir.path())
            .args(["checklist", "--config", config, "--token-env", "SOP_CHECKLIST_GATE_TOKEN"])
            .args(["--retries", "1", "--timeout", "5"])
            .args(args)
            .env("GITHUB_API_URL", self.fake.api_url())
            .env("GITHUB_EVENT_NAME", "pull_request_target")
            .env("GITHUB_EVENT_PATH", event("pull_request_target_same_repo"))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("SOP_CHECKLIST_GATE_TOKEN", TEAM_PAT);
        let run = run(command);
        assert_no_injected_commands(&run.stdout);
        assert!(!run.stdout.contains(TEAM_PAT) && !run.stderr.contains(TEAM_PAT));
        run
    }

    fn pr(&self, number: u64) -> common::Run {
        self.run("sop.json", &["--pr", &number.to_string(), "--status-context", "sop-checklist / all-items-acked"])
    }

    fn last_status(&self) -> (String, String) {
        let statuses = self.fake.statuses();
        let s = statuses.last().expect("a status was posted");
        (s.state.clone(), s.description.clone())
    }
}

#[test]
fn all_items_acked_passes() {
    let c = Checklist::new();
    let r = c.pr(20);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!((r.output("acked"), r.output("missing"), r.output("tier")), ("7/7", "", "high"));
    assert_eq!(c.last_status(), ("success".to_owned(), "acked: 7/7".to_owned()));
}

#[test]
fn missing_items_at_each_tier() {
    let c = Checklist::new();
    let missing = "acked: 0/7 — missing: comprehensive-testing, local-postgres-e2e, staging-smoke, +4";

    let r = c.pr(21);
    assert_eq!(r.code, 0, "tier:low is informational:\n{}", r.stdout);
    assert_eq!(r.output("tier"), "low");
    assert_eq!(c.last_status(), ("success".to_owned(), format!("[info tier:low] {missing}")));

    for (pr, tier) in [(22, "medium"), (24, "high")] {
        let r = c.pr(pr);
        assert_eq!(r.code, 1, "tier:{tier} blocks:\n{}", r.stdout);
        assert_eq!(r.output("tier"), tier);
        assert_eq!(c.last_status(), ("failure".to_owned(), missing.to_owned()));
    }

    let r = c.pr(23);
    assert_eq!(r.code, 1, "no tier label counts as high:\n{}", r.stdout);
    assert_eq!(r.output("tier"), "high");
    assert!(r.stdout.contains("no tier"), "the report says the tier was defaulted:\n{}", r.stdout);
    // The PR body's unchecked boxes are reported too.
    assert!(r.stdout.contains("Comprehensive testing performed"), "{}", r.stdout);
}

#[test]
fn acks_that_do_not_count() {
    let c = Checklist::new();
    let r = c.pr(25);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.output("acked"), "0/7");
    for why in ["alice", "edited", "no-such-item", "bob"] {
        assert!(r.stdout.contains(why), "the report explains {why}:\n{}", r.stdout);
    }
}

#[test]
fn review_bodies_and_not_applicable_declarations() {
    let c = Checklist::new();
    let r = c.pr(26);
    // staging-smoke's N/A has no reason, so it does not count.
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.output("acked"), "6/7");
    assert_eq!(r.output("missing"), "staging-smoke");
    assert!(r.stdout.contains("reason"), "{}", r.stdout);
}

#[test]
fn acks_in_reviews_that_no_longer_stand_do_not_count() {
    let c = Checklist::new();
    let seventh = ITEMS[6].0;
    for (pr, why) in [(27, "was dismissed"), (28, "is stale"), (29, "pending"), (30, "made on commit")] {
        let r = c.pr(pr);
        assert_eq!(r.code, 1, "#{pr} ({why}):\n{}", r.stdout);
        assert_eq!((r.output("acked"), r.output("missing")), ("6/7", seventh), "#{pr}");
        let line = r.stdout.lines().find(|l| l.contains("review-ack-not-counted")).unwrap_or_default().to_owned();
        assert!(line.contains(why), "#{pr} must say why ({why}):\n{}", r.stdout);
    }
    let r = c.pr(30);
    assert!(r.stdout.contains("made on commit ab12cd34ef56, but the head is 000000000000"), "{}", r.stdout);
    let r = c.pr(31);
    assert_eq!(r.code, 0, "a standing review's ack counts:\n{}", r.stdout);
    assert_eq!(r.output("acked"), "7/7");
}

impl Checklist {
    /// `sop.json` with `tier_label_from_ack_teams` on.
    fn trusting_tier_labels_from_ack_teams(&self) -> &'static str {
        let items: Vec<Value> = ITEMS.iter().map(|(id, title)| json!({"id": id, "title": title})).collect();
        let config = json!({"items": items, "ack_teams": ["acme/qa", "acme/security"],
                            "tier_label_from_ack_teams": true});
        fs::write(self.dir.path().join("sop-tier.json"), config.to_string()).expect("config");
        "sop-tier.json"
    }
}

#[test]
fn a_tier_label_added_by_a_non_member_is_ignored_when_configured() {
    let c = Checklist::new();
    let config = c.trusting_tier_labels_from_ack_teams();
    let gate = |config: &str, pr: u64| c.run(config, &["--pr", &pr.to_string(), "--status-context", "sop"]);

    // Off (the default): any tier:low counts, and the timeline is not read.
    let r = gate("sop.json", 40);
    assert_eq!((r.code, r.output("tier")), (0, "low"), "{}", r.stdout);
    assert!(!c.fake.requests().iter().any(|q| q.path.ends_with("/timeline")));

    // On: bob (an org member outside the ack teams) added it → ignored, tier:high, blocks.
    let r = gate(config, 40);
    assert_eq!((r.code, r.output("tier")), (1, "high"), "{}", r.stdout);
    let line = r.stdout.lines().find(|l| l.contains("tier-label-distrusted")).unwrap_or_default().to_owned();
    assert!(line.contains("bob") && line.contains("tier:low"), "names who added it:\n{}", r.stdout);
    assert_eq!(c.last_status().0, "failure");

    // On: a member of qa or security added it → honoured.
    for pr in [41, 42] {
        let r = gate(config, pr);
        assert_eq!((r.code, r.output("tier")), (0, "low"), "#{pr}:\n{}", r.stdout);
        assert!(r.stdout.contains("[info tier:low]") || r.stdout.contains("tier:low"), "{}", r.stdout);
    }
    // On: a member of the ack teams who is the pull request's author (qa-carol on #43) added it.
    let r = gate(config, 43);
    assert_eq!((r.code, r.output("tier")), (1, "high"), "the author cannot lower their own tier:\n{}", r.stdout);
    assert!(r.stdout.contains("author"), "{}", r.stdout);
    // The adder's membership was probed with the rest.
    assert!(c.fake.requests().iter().any(|q| q.path.ends_with("/members/qa-dave")));
}

#[test]
fn the_last_label_event_decides_even_on_a_later_timeline_page() {
    let c = Checklist::new();
    let config = c.trusting_tier_labels_from_ack_teams();
    let r = c.run(config, &["--pr", "44"]);
    assert_eq!((r.code, r.output("tier")), (1, "high"), "bob re-added it on page 2:\n{}", r.stdout);
    assert!(r.stdout.contains("bob"), "{}", r.stdout);
    let pages: Vec<String> = c
        .fake
        .requests()
        .into_iter()
        .filter(|q| q.path.ends_with("/issues/44/timeline"))
        .map(|q| q.query.get("page").cloned().unwrap_or_default())
        .collect();
    assert!(pages.contains(&"2".to_owned()) && pages.contains(&"3".to_owned()), "{pages:?}");
}

#[test]
fn a_bad_config_is_a_usage_error_naming_the_file() {
    let c = Checklist::new();
    for (name, text, expect) in [
        ("empty.json", r#"{"items": [], "ack_teams": ["acme/qa"]}"#, "\"items\" is empty"),
        ("typo.json", r#"{"items": [{"id": "a", "title": "A"}], "ack_team": ["acme/qa"]}"#, "unknown field"),
        (
            "dup.json",
            r#"{"items": [{"id": "a", "title": "A"}, {"id": "A", "title": "B"}], "ack_teams": ["acme/qa"]}"#,
            "twice",
        ),
        ("space.json", r#"{"items": [{"id": "a b", "title": "A"}], "ack_teams": ["acme/qa"]}"#, "one word"),
        ("team.json", r#"{"items": [{"id": "a", "title": "A"}], "ack_teams": ["qa"]}"#, "ORG/NAME"),
        ("nojson.json", "items: [a]", "not valid"),
    ] {
        fs::write(c.dir.path().join(name), text).expect("write");
        let r = c.run(name, &["--pr", "20"]);
        assert_eq!(r.code, 2, "{name}:\n{}", r.stdout);
        assert!(r.stdout.contains(name) && r.stdout.contains(expect), "{name}: {expect}\n{}", r.stdout);
    }
    let r = c.run("missing.json", &["--pr", "20"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("missing.json"), "{}", r.stdout);
}
