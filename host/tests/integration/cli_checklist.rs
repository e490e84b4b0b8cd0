//! `gitea-gate checklist`, black-box, against the fake Gitea: a `sop-checklist /
//! all-items-acked` gate (`acked: 0/7 — missing: …`, `/sop-ack`, `/sop-n/a`, `tier:low`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use std::fs;

use common::{assert_no_injected_commands, event, gitea_gate, run};
use fake_gitea::FakeGitea;
use serde_json::{Value, json};
use world::*;

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

/// Pull request `number` by alice, with the checklist in its body and these labels.
fn checklist_pull(number: u64, labels: &[&str]) -> Pull {
    Pull::new(number).labels(labels).body(&body())
}

fn world() -> FakeGitea {
    let world = World::acme()
        .pull(checklist_pull(20, &["tier:high"]).comment(Comment::new(1, "qa-carol", &all_acks())))
        .pull(checklist_pull(21, &["tier:low"]))
        .pull(checklist_pull(22, &["tier:medium"]))
        .pull(checklist_pull(23, &[]))
        .pull(checklist_pull(24, &["tier:low", "tier:high", "bug"]))
        // Everything is acked, but by the author, mid-line, by a non-member, or in an edited comment.
        .pull(checklist_pull(25, &["tier:high"]).comments([
            Comment::new(2, "alice", "/sop-ack comprehensive-testing"),
            Comment::new(3, "qa-carol", "looks good /sop-ack local-postgres-e2e"),
            Comment::new(4, "qa-carol", "> /sop-ack staging-smoke"),
            Comment::new(5, "bob", "/sop-ack rollback-plan"),
            Comment::new(6, "qa-dave", "/sop-ack security-review").edited_at("2026-06-05T11:00:00Z"),
            Comment::new(7, "qa-carol", "/sop-ack no-such-item"),
        ]))
        // Acks in a review body; a member's N/A with a reason, the author's without; the rest acked.
        .pull(
            checklist_pull(26, &["tier:high"])
                .comments([
                    Comment::new(8, "sec-erin", "/sop-n/a local-postgres-e2e no database in this change"),
                    Comment::new(9, "alice", "/sop-n/a staging-smoke"),
                    Comment::new(
                        10,
                        "sec-erin",
                        "/sop-ack rollback-plan\n/sop-ack security-review\n/sop-ack docs-updated\n/sop-ack observability",
                    ),
                ])
                .review(Review::commented(30, "qa-carol").body("/sop-ack comprehensive-testing")),
        );
    // 27–30: six items acked in a comment, the seventh only in a review that no longer stands
    // (dismissed, stale, pending, made on an older commit); 31: the same review, standing.
    let six = ITEMS[..6].iter().map(|(id, _)| format!("/sop-ack {id}")).collect::<Vec<_>>().join("\n");
    let seventh = format!("/sop-ack {}", ITEMS[6].0);
    let world = world.pulls(
        [
            (27, Review::approved(40, "qa-carol").dismissed()),
            (28, Review::commented(41, "qa-carol").stale().on(&sha(1028))),
            (29, Review::pending(42, "ceo-bot")),
            (30, Review::approved(43, "qa-carol").on("ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12")),
            (31, Review::commented(44, "qa-carol")),
        ]
        .map(|(number, review)| {
            checklist_pull(number, &["tier:high"])
                .comment(Comment::new(100 + number as i64, "sec-erin", &six))
                .review(review.body(&seventh))
        }),
    );
    // 60–64: tier:low and nothing acked; who added the label differs.
    let low = |number| checklist_pull(number, &["tier:low"]);
    let world = world
        .pull(low(60).label_added(1, "bob", "tier:low"))
        .pull(low(61).label_added(1, "qa-carol", "tier:low"))
        .pull(low(62).label_added(1, "qa-dave", "tier:low"))
        .pull(low(63).label_added(1, "qa-carol", "tier:low").by("qa-carol"))
        // 64: qa-carol added tier:low; 60 comments later bob removed it and added it again (page 2).
        .pull(
            low(64)
                .comments((0..60).map(|i| Comment::new(1000 + i, "bob", "looks fine")))
                .label_added(1, "qa-carol", "tier:low")
                .label_removed(200, "bob", "tier:low")
                .label_added(201, "bob", "tier:low"),
        )
        // 65: qa-carol added tier:low; then the author left 100 inline code comments (the timeline
        // pages them and then drops them: a whole page comes back empty) and removed and re-added
        // the label himself, after them.
        .pull(
            (0..100)
                .fold(low(65), |pull, i| pull.code_comment(2 + i, "alice"))
                .label_added(1, "qa-carol", "tier:low")
                .label_removed(300, "alice", "tier:low")
                .label_added(301, "alice", "tier:low"),
        );
    world.pulls(hostile_pulls()).start()
}

/// Acks of every item but `skip`, as one comment body.
fn acks_except(skip: &[&str]) -> String {
    ITEMS
        .iter()
        .filter(|(id, _)| !skip.contains(id))
        .map(|(id, _)| format!("/sop-ack {id}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every item acked inside one Markdown construct that is not a command (issue 11, point 2).
const NOT_COMMANDS: [(u64, &str); 8] = [
    (43, "backtick-fence"),
    (44, "tilde-fence"),
    (45, "unterminated-fence"),
    (46, "indented-code"),
    (47, "html-comment"),
    (48, "unterminated-html-comment"),
    (49, "html-block"),
    (50, "quote-lazy-continuation"),
];

fn wrapped(form: &str, acks: &str) -> String {
    let indented = acks.replace('\n', "\n    ");
    match form {
        "backtick-fence" => format!("To ack, type:\n```\n{acks}\n```"),
        "tilde-fence" => format!("To ack, type:\n~~~~md\n{acks}\n~~~~"),
        "unterminated-fence" => format!("To ack, type:\n```\n{acks}"),
        "indented-code" => format!("To ack, type:\n\n    {indented}"),
        "html-comment" => format!("LGTM\n<!--\n{acks}\n-->"),
        "unterminated-html-comment" => format!("LGTM <!-- later\n\n{acks}"),
        "html-block" => format!("<details>\n{acks}\n</details>"),
        _ => format!("> the bot said to type\n{acks}"),
    }
}

/// The pull requests of the hostile review (issue 11, points 1, 2 and 6), numbered from 40.
fn hostile_pulls() -> Vec<Pull> {
    let waive_all =
        |reason: &str| ITEMS.iter().map(|(id, _)| format!("/sop-n/a {id} {reason}")).collect::<Vec<_>>().join("\n");
    let mut pulls = vec![
        // The author waives every item: in a comment, in a COMMENT review of their own PR, and
        // inside an HTML comment the page never shows.
        checklist_pull(40, &["tier:high"])
            .comments([
                Comment::new(40, "alice", &waive_all("not needed for this change")),
                Comment::new(41, "alice", &format!("<!--\n{}\n-->", waive_all("hidden"))),
            ])
            .review(Review::commented(40, "alice").body(&waive_all("covered elsewhere")).on(&sha(40))),
        // A member acks five items and waives two, with reasons.
        checklist_pull(41, &["tier:high"]).comments([
            Comment::new(42, "qa-carol", &acks_except(&["local-postgres-e2e", "staging-smoke"])),
            Comment::new(
                43,
                "sec-erin",
                "/sop-n/a local-postgres-e2e no database code in this change\n/sop-n/a staging-smoke docs only",
            ),
        ]),
        // A member waives two items with reasons that show nothing.
        checklist_pull(42, &["tier:high"]).comments([
            Comment::new(44, "qa-carol", &acks_except(&["local-postgres-e2e", "staging-smoke"])),
            Comment::new(
                45,
                "sec-erin",
                "/sop-n/a local-postgres-e2e \u{200B}\u{00A0}\u{2060}\u{FEFF}\u{202E}\n/sop-n/a staging-smoke &#8203;",
            ),
        ]),
    ];
    for (number, form) in NOT_COMMANDS {
        pulls.push(checklist_pull(number, &["tier:high"]).comment(Comment::new(
            number as i64 + 100,
            "qa-carol",
            &wrapped(form, &all_acks()),
        )));
    }
    // A real command right after each construct still counts.
    let mut body = String::new();
    for (_, form) in NOT_COMMANDS.iter().filter(|(_, f)| !f.starts_with("unterminated")) {
        body.push_str(&wrapped(form, "/sop-ack comprehensive-testing"));
        body.push_str("\n\n");
    }
    body.push_str(&all_acks());
    pulls.push(checklist_pull(51, &["tier:high"]).comment(Comment::new(151, "qa-carol", &body)));
    // Hostile volume: an outsider's ~300 KiB of acks and ~800 KiB of plain text, then the real acks.
    let flood = "/sop-ack comprehensive-testing\n".repeat(300 * 1024 / 31);
    let chatter = "nothing to see here, just a very long comment. ".repeat(800 * 1024 / 47);
    pulls.push(checklist_pull(52, &["tier:high"]).comments([
        Comment::new(152, "outsider", &flood),
        Comment::new(153, "outsider", &chatter),
        Comment::new(154, "alice", &"/sop-n/a staging-smoke mine\n".repeat(10_000)),
        Comment::new(155, "qa-carol", &all_acks()),
    ]));
    pulls
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
    // staging-smoke's N/A is the author's, without a reason: it does not count.
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!((r.output("acked"), r.output("waived")), ("5/7", "local-postgres-e2e"));
    assert_eq!(r.output("missing"), "staging-smoke");
    assert!(r.stdout.contains("author-waiver") && r.stdout.contains("no database in this change"), "{}", r.stdout);
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

    // Off (the default): any tier:low counts (the timeline is read for its pushes only).
    let r = gate("sop.json", 60);
    assert_eq!((r.code, r.output("tier")), (0, "low"), "{}", r.stdout);
    assert!(!r.stdout.contains("tier-label-distrusted"), "{}", r.stdout);

    // On: bob (an org member outside the ack teams) added it → ignored, tier:high, blocks.
    let r = gate(config, 60);
    assert_eq!((r.code, r.output("tier")), (1, "high"), "{}", r.stdout);
    let line = r.stdout.lines().find(|l| l.contains("tier-label-distrusted")).unwrap_or_default().to_owned();
    assert!(line.contains("bob") && line.contains("tier:low"), "names who added it:\n{}", r.stdout);
    assert_eq!(c.last_status().0, "failure");

    // On: a member of qa or security added it → honoured.
    for pr in [61, 62] {
        let r = gate(config, pr);
        assert_eq!((r.code, r.output("tier")), (0, "low"), "#{pr}:\n{}", r.stdout);
        assert!(r.stdout.contains("[info tier:low]") || r.stdout.contains("tier:low"), "{}", r.stdout);
    }
    // On: a member of the ack teams who is the pull request's author (qa-carol on #63) added it.
    let r = gate(config, 63);
    assert_eq!((r.code, r.output("tier")), (1, "high"), "the author cannot lower their own tier:\n{}", r.stdout);
    assert!(r.stdout.contains("author"), "{}", r.stdout);
    // The adder's membership was probed with the rest.
    assert!(c.fake.requests().iter().any(|q| q.path.ends_with("/members/qa-dave")));
}

#[test]
fn the_last_label_event_decides_even_on_a_later_timeline_page() {
    let c = Checklist::new();
    let config = c.trusting_tier_labels_from_ack_teams();
    let r = c.run(config, &["--pr", "64"]);
    assert_eq!((r.code, r.output("tier")), (1, "high"), "bob re-added it after 60 comments:\n{}", r.stdout);
    assert!(r.stdout.contains("bob"), "{}", r.stdout);
    // The timeline is read whole, in one answer without `page` (docs/gitea.md §3.1).
    let reads: Vec<Option<String>> = c
        .fake
        .requests()
        .into_iter()
        .filter(|q| q.path.ends_with("/issues/64/timeline"))
        .map(|q| q.query.get("page").cloned())
        .collect();
    assert_eq!(reads, vec![None], "{reads:?}");
}

#[test]
fn code_comments_dropped_after_paging_cannot_hide_a_later_label_change() {
    let c = Checklist::new();
    let config = c.trusting_tier_labels_from_ack_teams();
    let r = c.run(config, &["--pr", "65"]);
    assert_eq!((r.code, r.output("tier")), (1, "high"), "the author re-added tier:low himself:\n{}", r.stdout);
    assert!(r.stdout.contains("tier-label-distrusted"), "{}", r.stdout);
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

fn report(c: &Checklist, number: u64) -> (common::Run, Value) {
    // The gate runs in c.dir (its workspace) and writes only beneath it: a relative path.
    let name = format!("report-{number}.json");
    let report = c.dir.path().join(&name);
    let r = c.run(
        "sop.json",
        &["--pr", &number.to_string(), "--status-context", "sop-checklist / all-items-acked", "--report", &name],
    );
    let json =
        fs::read_to_string(&report).map(|t| serde_json::from_str(&t).expect("report json")).unwrap_or(Value::Null);
    (r, json)
}

fn codes(report: &Value) -> Vec<String> {
    report["findings"].as_array().into_iter().flatten().filter_map(|f| f["code"].as_str().map(str::to_owned)).collect()
}

/// Issue 11, point 1: the author's `/sop-n/a` for every item — in a comment, a COMMENT review of
/// their own PR, and inside an HTML comment — waives nothing; it is reported.
#[test]
fn the_author_cannot_waive() {
    let c = Checklist::new();
    let (r, report) = report(&c, 40);
    assert_eq!(r.code, 1, "a tier:high checklist with only the author's waivers fails:\n{}", r.stdout);
    assert_eq!((r.output("acked"), r.output("waived")), ("0/7", ""));
    assert_eq!(c.last_status().0, "failure");
    let author: Vec<&Value> =
        report["findings"].as_array().expect("findings").iter().filter(|f| f["code"] == "author-waiver").collect();
    assert_eq!(author.len(), 1, "one finding for the author, with counts: {report:#}");
    let message = author[0]["message"].as_str().expect("message");
    assert!(message.contains("alice") && message.contains("14 commands"), "{message}");
    assert!(r.stdout.contains("author-waiver"), "{}", r.stdout);
}

/// Issue 11, point 1: a member's waivers count, and are reported apart from acks, with who
/// waived and why (status line, outputs, reason, details).
#[test]
fn a_member_waiver_counts_and_is_reported_apart_from_acks() {
    let c = Checklist::new();
    let (r, report) = report(&c, 41);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        (r.output("acked"), r.output("waived"), r.output("missing")),
        ("5/7", "local-postgres-e2e,staging-smoke", "")
    );
    assert_eq!(c.last_status(), ("success".to_owned(), "acked: 5/7, waived: 2 by sec-erin".to_owned()));
    assert!(r.output("reason").contains("waived: 2 by sec-erin"), "{}", r.output("reason"));
    let item = &report["details"]["items"][1];
    assert_eq!(item["status"], "waived", "{report:#}");
    assert_eq!(item["waived_by"]["login"], "sec-erin");
    assert_eq!(item["waived_by"]["reason"], "no database code in this change");
    assert!(r.stdout.contains("no database code in this change"), "the log says why:\n{}", r.stdout);
}

/// Issue 11, point 1: a waiver's reason must show something once white space and invisible
/// characters (U+200B, U+00A0, U+2060, U+FEFF, bidi controls, an entity for U+200B) are removed.
#[test]
fn an_invisible_reason_waives_nothing() {
    let c = Checklist::new();
    let (r, report) = report(&c, 42);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!((r.output("acked"), r.output("waived")), ("5/7", ""));
    assert_eq!(r.output("missing"), "local-postgres-e2e,staging-smoke");
    assert!(codes(&report).iter().any(|c| c == "ack-not-counted"), "{report:#}");
    assert!(r.stdout.contains("without a visible reason"), "{}", r.stdout);
}

/// Issue 11, point 2: a member showing how to ack — in a fenced (``` or ~~~, also unclosed) or
/// indented code block, an HTML comment (also unclosed), an HTML block, or a quote — acks nothing.
#[test]
fn only_real_commands_count() {
    let c = Checklist::new();
    for (number, form) in NOT_COMMANDS {
        let r = c.pr(number);
        assert_eq!(r.code, 1, "{form}: acks that are not commands must not count:\n{}", r.stdout);
        assert_eq!(r.output("acked"), "0/7", "{form}");
    }
    // The same constructs, closed, followed by real commands: those count.
    let r = c.pr(51);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("acked"), "7/7");
}

/// Issue 11, point 6 (checklist half): an outsider's ~300 KiB of `/sop-ack` lines, ~800 KiB of
/// chatter and the author's 10 000 waivers do not exhaust the guest; the gate decides, and the
/// findings about them are aggregated (one per person × reason).
#[test]
fn a_flood_of_comments_still_decides() {
    let c = Checklist::new();
    let (r, report) = report(&c, 52);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("acked"), "7/7");
    let findings = report["findings"].as_array().expect("findings");
    assert!(findings.len() < 20, "{} findings", findings.len());
    let outsider: Vec<&Value> =
        findings.iter().filter(|f| f["message"].as_str().is_some_and(|m| m.contains("outsider"))).collect();
    assert_eq!(outsider.len(), 1, "{outsider:#?}");
}
