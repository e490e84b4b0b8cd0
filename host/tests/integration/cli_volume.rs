//! Hostile volume cannot make the gate give up: a flood of commands or text in one outsider
//! comment, megabytes of comments, ten thousand reviews — each still reaches a verdict (exit 0 or
//! 1), never "could not decide" (exit 3) because the guest ran out of budget or the host stopped
//! paginating. Black-box against the fake Gitea. (Not timing tests: scripts/bench/run.py times
//! the same cases.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use common::{event, gitea_gate, run};
use fake_gitea::FakeGitea;
use serde_json::{Value, json};
use world::*;

const ITEMS: [&str; 3] = ["comprehensive-testing", "staging-smoke", "rollback-plan"];

/// A tier:high pull request fully acked by a qa member, plus `extra` comments.
fn acked_pull(number: u64, extra: Vec<Comment>) -> Pull {
    let acks = (1..).zip(ITEMS).map(|(id, item)| Comment::new(id, "qa-carol", &format!("/sop-ack {item}")));
    Pull::new(number).labels(&["tier:high"]).comments(acks).comments(extra)
}

fn checklist(fake: &FakeGitea, pr: u64) -> common::Run {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<Value> = ITEMS.iter().map(|id| json!({"id": id, "title": id})).collect();
    std::fs::write(dir.path().join("sop.json"), json!({"items": items, "ack_teams": ["acme/qa"]}).to_string()).unwrap();
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .args(["checklist", "--config", "sop.json", "--token-env", "REVIEW_TOKEN", "--pr", &pr.to_string()])
        .args(["--format", "json"])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", event("push"))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    run(command)
}

fn decided(r: &common::Run) {
    assert!(r.code == 0 || r.code == 1, "exit {}: the gate gave up\n{}\n{}", r.code, r.stdout, r.stderr);
    assert!(!r.stdout.contains("ran out of fuel") && !r.stdout.contains("beyond its cap"), "{}", r.stdout);
}

#[test]
fn a_300_kib_ack_flood_from_an_outsider_still_decides() {
    // ~300 KiB of `/sop-ack` lines in one comment by bob (not in the ack team), and ~800 KiB of
    // plain text by another outsider.
    let flood: String = (0..20_000).map(|i| format!("/sop-ack {} \n", ITEMS[i % 3])).collect();
    assert!(flood.len() >= 300 << 10, "{}", flood.len());
    let prose: String = "lorem ipsum dolor sit amet, consectetur adipiscing elit ".repeat(15_000);
    assert!(prose.len() >= 800 << 10);
    let fake = World::acme()
        .pull(acked_pull(1, vec![Comment::new(100, "bob", &flood)]))
        .pull(acked_pull(2, vec![Comment::new(101, "outsider", &prose)]))
        .start();
    for pr in [1, 2] {
        let r = checklist(&fake, pr);
        decided(&r);
        assert_eq!(r.code, 0, "the PR is fully acked by a member:\n{}", r.stdout);
    }
}

#[test]
fn five_mib_of_comments_still_decide() {
    // 5 MiB over 2 000 comments: acks, outsider acks, long lines, HTML and fences.
    let mut bodies = Vec::new();
    let line = format!("{}\n", "x".repeat(2_000));
    for i in 0..2_000 {
        let body = match i % 4 {
            0 => (0..100).map(|j| format!("/sop-ack {}\n", ITEMS[j % 3])).collect::<String>(),
            1 => line.clone(),
            2 => format!("<!-- {} -->\n```\n/sop-ack x\n```\n", "y".repeat(2_000)),
            _ => "thanks! ".repeat(300),
        };
        bodies.push(body);
    }
    let total: usize = bodies.iter().map(String::len).sum();
    assert!(total >= 4 << 20, "{total}");
    let extra = bodies
        .iter()
        .enumerate()
        .map(|(i, body)| Comment::new(1000 + i as i64, if i % 2 == 0 { "bob" } else { "mallory" }, body));
    let fake = World::acme().pull(acked_pull(1, extra.collect())).start();
    let r = checklist(&fake, 1);
    decided(&r);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn ten_thousand_reviews_are_read_completely_and_decide() {
    // 10 000 rows: comment and approval spam from outsiders, and the one member approval last,
    // on page 200 — the list must be read to its end.
    let outsiders = ["bob", "mallory", "outsider", "alice"];
    let mut reviews: Vec<Review> = (0..9_999)
        .map(|i| {
            let state = if i % 3 == 0 { "APPROVED" } else { "COMMENT" };
            Review::new(10 + i, outsiders[i as usize % 4], state)
        })
        .collect();
    reviews.push(Review::approved(20_000, "qa-carol"));
    assert_eq!(reviews.len(), 10_000);
    let fake = World::acme().pull(Pull::new(1).reviews(reviews)).start();
    let mut command = gitea_gate();
    command
        .args(["approvals", "--team", "acme/qa", "--token-env", "REVIEW_TOKEN", "--pr", "1"])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", event("push"))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    let r = run(command);
    decided(&r);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("approved-by"), "qa-carol");
}
