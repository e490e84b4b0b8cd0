//! `gitea-gate approvals`, black-box, against the fake Gitea: qa-review /
//! security-review style gates — which token can and cannot read the teams — and
//! every way a review can look like an approval without being one.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use common::{assert_no_injected_commands, event, gitea_gate, run};
use fake_gitea::FakeGitea;
use fake_gitea::faults::FaultKind;
use serde_json::Value;
use world::*;

/// A commit the branch was at before it moved.
const OLD_COMMIT: &str = "ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12";

/// A waiver's reason.
const WHY: &str = "docs-only change, no auth code";

fn world() -> FakeGitea {
    let approved = Review::approved;
    // 60 rows over two pages: 54 comments, 5 pending rows of others (hidden from us, but counted
    // in X-Total-Count), and the only approval on page 2.
    let big = (0..54)
        .map(|i| Review::commented(1000 + i, "bob"))
        .chain((0..5).map(|i| Review::pending(1100 + i, "qa-dave")))
        .chain([approved(1200, "qa-carol")]);
    let waiver = |id, text: &str| Comment::new(id, "sec-erin", text);
    World::acme()
        .pull(Pull::new(1).review(approved(1, "qa-carol")))
        // Self-approval (Gitea refuses it via the API, but rows can exist from older versions).
        .pull(Pull::new(2).by("qa-carol").review(approved(2, "qa-carol")))
        // Approve, then request changes: Gitea dismisses the older row (docs/gitea.md §2.2).
        .pull(
            Pull::new(3)
                .review(approved(3, "qa-carol").dismissed().unofficial())
                .review(Review::changes_requested(4, "qa-carol")),
        )
        // Approve, then comment: the approval stands.
        .pull(Pull::new(4).reviews([approved(5, "qa-carol"), Review::commented(6, "qa-carol")]))
        // Dismissed by a maintainer.
        .pull(Pull::new(5).review(approved(7, "qa-carol").dismissed()))
        // Stale: approved an older head.
        .pull(Pull::new(6).review(approved(8, "qa-carol").stale()))
        .pull(Pull::new(7).reviews(big))
        .pull(Pull::new(8).reviews([approved(9, "qa-carol"), approved(10, "sec-erin")]))
        // Only a non-member approved, plus a team review-request row without a user.
        .pull(Pull::new(9).reviews([approved(11, "bob"), Review::team_request(12, "qa")]))
        // A team member requests changes, another approves.
        .pull(Pull::new(10).reviews([approved(13, "qa-carol"), Review::changes_requested(14, "qa-dave")]))
        // The race: qa-carol approved OLD_COMMIT, the branch then moved to sha(11), and Gitea has
        // not marked the approval stale yet (it does so asynchronously after the push).
        .pull(Pull::new(11).review(approved(40, "qa-carol").on(OLD_COMMIT)))
        // qa-carol approved, then the author re-requested her review: Gitea clears `official` on
        // the approval; it no longer counts until she reviews again.
        .pull(Pull::new(12).reviews([
            approved(41, "qa-carol").unofficial(),
            Review::new(42, "qa-carol", "REQUEST_REVIEW").unofficial(),
        ]))
        // No approval; a security lead waives the gate named `security` (docs-only change).
        .pull(Pull::new(13).comment(waiver(60, &format!("/sop-n/a security {WHY}"))))
        // The same waiver, hidden: in a code fence, in an HTML comment, quoted; and by the author.
        .pull(Pull::new(14).comments([
            waiver(61, &format!("not yet:\n```\n/sop-n/a security {WHY}\n```")),
            waiver(62, &format!("<!--\n/sop-n/a security {WHY}\n-->")),
            waiver(63, &format!("> /sop-n/a security {WHY}")),
            Comment::new(64, "alice", &format!("/sop-n/a security {WHY}")),
        ]))
        // qa-carol approved, 99 other users left PENDING drafts (hidden from us: Gitea drops them
        // after paging, so page 2 comes back empty), then qa-carol requested changes on page 3.
        .pull(
            Pull::new(15)
                .review(approved(70, "qa-carol"))
                .reviews((0..99).map(|i| Review::pending(71 + i, &format!("drafter{i}"))))
                .review(Review::changes_requested(170, "qa-carol")),
        )
        .pull(
            Pull::new(2189)
                .title("same-repo PR")
                .head_at("acme/core", "feature", &sha(2189))
                .review(approved(20, "qa-dave")),
        )
        .pull(Pull::from_fork(2190).review(approved(21, "qa-dave")))
        .start()
}

/// `gitea-gate approvals` on a push run of acme/core (trusted), token in REVIEW_TOKEN.
fn approvals(fake: &FakeGitea, token: Option<&str>, args: &[&str]) -> common::Run {
    approvals_on(fake, "push", "push", token, args)
}

fn approvals_on(fake: &FakeGitea, event_name: &str, payload: &str, token: Option<&str>, args: &[&str]) -> common::Run {
    let mut command = gitea_gate();
    command
        .arg("approvals")
        .args(["--token-env", "REVIEW_TOKEN", "--retries", "1", "--timeout", "5"])
        .args(args)
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_SERVER_URL", fake.api_url().trim_end_matches("/api/v1"))
        .env("GITHUB_RUN_NUMBER", "77")
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", event(payload))
        .env("GITHUB_REPOSITORY", "acme/core");
    if let Some(token) = token {
        command.env("REVIEW_TOKEN", token);
    }
    let run = run(command);
    assert_no_injected_commands(&run.stdout);
    for secret in [TEAM_PAT, TEAM_PAT_READ_ONLY, OUTSIDER_PAT, JOB_TOKEN, TEAM_PAT_NO_ORG_SCOPE] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "a token leaked:\n{}", run.stdout);
    }
    run
}

#[test]
fn a_team_members_pat_sees_the_approval_and_posts_success() {
    let fake = world();
    let r = approvals(
        &fake,
        Some(TEAM_PAT),
        &["--team", "acme/qa", "--pr", "1", "--status-context", "qa-review / approved"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("verdict"), "pass");
    assert_eq!(r.output("approved-by"), "qa-carol");
    assert_eq!(r.output("approvals"), "1");
    let statuses = fake.statuses();
    assert_eq!(statuses.len(), 2, "pending, then the verdict: {statuses:?}");
    assert_eq!(statuses[0].state, "pending");
    let s = &statuses[1];
    assert_eq!((s.repo.as_str(), s.sha.as_str(), s.state.as_str()), ("acme/core", sha(1).as_str(), "success"));
    assert_eq!(s.context, "qa-review / approved");
    assert_eq!(s.description, "approved by qa-carol (qa)");
    assert!(s.target_url.ends_with("/acme/core/actions/runs/77"), "{}", s.target_url);
    // Only the approver was probed, on the one team asked for.
    let probes: Vec<String> =
        fake.requests().into_iter().filter(|q| q.path.contains("/members/")).map(|q| q.path).collect();
    assert_eq!(probes, vec!["/api/v1/teams/20/members/qa-carol"]);
}

#[test]
fn the_job_token_cannot_read_teams_and_says_what_is_needed() {
    let fake = world();
    let r = approvals(
        &fake,
        Some(JOB_TOKEN),
        &["--team", "acme/qa", "--pr", "1", "--status-context", "qa-review / approved"],
    );
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("verdict"), "error");
    assert!(r.stdout.contains("REVIEW_TOKEN"), "{}", r.stdout);
    assert!(r.stdout.contains("read:organization"), "{}", r.stdout);
    assert!(r.stdout.contains("acme/qa"), "{}", r.stdout);
    // The job token may write statuses on its own (non-fork) repository: the status says why.
    let statuses = fake.statuses();
    assert_eq!(statuses.len(), 2);
    assert_eq!((statuses[0].state.as_str(), statuses[1].state.as_str()), ("pending", "error"));
    assert!(statuses[1].description.starts_with("cannot verify acme/qa"), "{}", statuses[1].description);
}

#[test]
fn an_org_member_outside_the_team_gets_the_same_clear_error() {
    let fake = world();
    let r = approvals(&fake, Some(OUTSIDER_PAT), &["--team", "acme/qa", "--pr", "1"]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("REVIEW_TOKEN"), "{}", r.stdout);
    assert!(r.stdout.contains("Must be a team member"), "{}", r.stdout);
    // Without read:organization the team is unreadable too (403 on the scope check).
    let r = approvals(&fake, Some(TEAM_PAT_NO_ORG_SCOPE), &["--team", "20", "--pr", "1"]);
    assert_eq!(r.code, 3, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("read:organization"), "{}", r.stdout);
}

#[test]
fn confirmed_approvals_alone_can_pass_even_when_one_team_is_unreadable() {
    let fake = world();
    // bob's PAT cannot read qa (403) nor security (403); with ids it cannot confirm anyone.
    let r = approvals(&fake, Some(OUTSIDER_PAT), &["--team", "acme/qa", "--team", "acme/engineering", "--pr", "8"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    // ceo-bot reads qa and security; engineering is unreadable to it (403), but qa confirms.
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--team", "acme/engineering", "--pr", "8"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("team-unreadable"), "the unreadable team is still reported:\n{}", r.stdout);
}

#[test]
fn self_approval_dismissed_stale_and_non_members_never_count() {
    let fake = world();
    for (pr, why) in [("2", "author"), ("5", "dismissed"), ("6", "stale"), ("9", "not a member")] {
        let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", pr]);
        assert_eq!(r.code, 1, "PR {pr} ({why}):\n{}", r.stdout);
        assert_eq!(r.output("approvals"), "0", "PR {pr}");
        assert!(r.stdout.contains("0/1 qa approvals"), "PR {pr}:\n{}", r.stdout);
        assert!(r.stdout.contains(why), "PR {pr} must say why ({why}):\n{}", r.stdout);
    }
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "6", "--allow-stale"]);
    assert_eq!(r.code, 0, "--allow-stale counts the stale approval:\n{}", r.stdout);
}

#[test]
fn an_approval_of_an_older_commit_counts_only_with_allow_stale() {
    let fake = world();
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "11", "--status-context", "qa"]);
    assert_eq!(r.code, 1, "stale: false, but not of the head:\n{}", r.stdout);
    assert_eq!(r.output("approvals"), "0");
    let old = &OLD_COMMIT[..12];
    let head = &sha(11)[..12];
    let line = r.stdout.lines().find(|l| l.contains("review-not-counted")).unwrap_or_default().to_owned();
    assert!(
        line.contains("qa-carol") && line.contains(old) && line.contains(head) && line.contains("--allow-stale"),
        "whose approval, of which commit, what the head is:\n{}",
        r.stdout
    );
    assert_eq!(fake.statuses().last().map(|s| s.state.clone()).as_deref(), Some("failure"));
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "11", "--allow-stale"]);
    assert_eq!(r.code, 0, "--allow-stale counts it:\n{}", r.stdout);
    assert_eq!(r.output("approved-by"), "qa-carol");
}

#[test]
fn an_approval_whose_review_was_re_requested_is_void() {
    let fake = world();
    for extra in [&[][..], &["--allow-stale"][..]] {
        let r = approvals(&fake, Some(TEAM_PAT), &[&["--team", "acme/qa", "--pr", "12"][..], extra].concat());
        assert_eq!(r.code, 1, "{extra:?}:\n{}", r.stdout);
        assert_eq!(r.output("approvals"), "0");
        assert!(r.stdout.contains("qa-carol") && r.stdout.contains("re-requested"), "{}", r.stdout);
    }
    // Not even probed: nothing of hers could count.
    assert!(!fake.requests().iter().any(|q| q.path.ends_with("/members/qa-carol")));
}

#[test]
fn the_latest_review_per_reviewer_decides() {
    let fake = world();
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "3"]);
    assert_eq!(r.code, 1, "approve then request changes:\n{}", r.stdout);
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "4"]);
    assert_eq!(r.code, 0, "approve then comment:\n{}", r.stdout);
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "10"]);
    assert_eq!(r.code, 0, "one approval, one change request, not blocking by default:\n{}", r.stdout);
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "10", "--block-on-changes-requested"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("changes requested by qa-dave"), "{}", r.stdout);
}

#[test]
fn every_review_page_is_read_despite_hidden_pending_rows() {
    let fake = world();
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "7"]);
    assert_eq!(r.code, 0, "the approval is on page 2:\n{}\n{}", r.stdout, r.stderr);
    let pages: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|q| q.path.ends_with("/pulls/7/reviews"))
        .map(|q| q.query.get("page").cloned().unwrap_or_default())
        .collect();
    assert!(pages.contains(&"2".to_owned()) && pages.contains(&"3".to_owned()), "{pages:?}");
}

#[test]
fn an_empty_review_page_in_the_middle_does_not_end_the_list() {
    let fake = world();
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "15"]);
    assert_eq!(r.code, 1, "qa-carol's change request on page 3 replaces her approval:\n{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("approvals"), "0", "{}", r.stdout);
    let pages: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|q| q.path.ends_with("/pulls/15/reviews"))
        .map(|q| q.query.get("page").cloned().unwrap_or_default())
        .collect();
    // X-Total-Count (101, drafts included) promises 3 pages; page 4 is the empty one that ends it.
    for page in ["1", "2", "3", "4"] {
        assert!(pages.contains(&page.to_owned()), "page {page} read: {pages:?}");
    }
}

#[test]
fn team_names_resolve_in_any_case_and_min_counts_across_teams() {
    let fake = world();
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "ACME/QA", "--pr", "1"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let both = ["--team", "acme/qa", "--team", "acme/Security", "--pr", "8"];
    let r = approvals(&fake, Some(TEAM_PAT), &[&both[..], &["--min", "2"]].concat());
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.output("approvals"), "2");
    assert_eq!(r.output("approved-by"), "qa-carol,sec-erin");
    let r = approvals(&fake, Some(TEAM_PAT), &[&both[..], &["--min", "3"]].concat());
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("2/3"), "{}", r.stdout);
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/nope", "--pr", "1"]);
    assert_eq!(r.code, 2, "an unknown team is a configuration error:\n{}", r.stdout);
    assert!(r.stdout.contains("no team named") && r.stdout.contains("qa"), "{}", r.stdout);
}

#[test]
fn failures_to_read_are_never_a_pass() {
    let fake = world();
    fake.fault("/api/v1/repos/*/*/pulls/*/reviews", None, FaultKind::Status { status: 500, body: None });
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "1", "--status-context", "qa"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.stdout.contains("api-error") && r.stdout.contains("HTTP 500"), "{}", r.stdout);
    fake.clear_faults();
    fake.fault("/api/v1/teams/*/members/*", None, FaultKind::Status { status: 502, body: None });
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "1"]);
    assert_eq!(r.code, 3, "an unanswered probe never counts:\n{}", r.stdout);
    fake.clear_faults();
    // Pagination that never ends, and a total that lies in either direction.
    fake.fault("/api/v1/repos/*/*/pulls/*/reviews", None, FaultKind::SamePageForever);
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "7"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.stdout.contains("not paginating"), "{}", r.stdout);
    // Too small: pages are read until an empty one past it, so the approval on page 2 is found.
    fake.clear_faults();
    fake.fault("/api/v1/repos/*/*/pulls/*/reviews", None, FaultKind::TotalCount { value: 0 });
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "7"]);
    assert_eq!(r.code, 0, "an understated X-Total-Count never ends the list early:\n{}", r.stdout);
    // Too large: every promised page must be read, and a million rows are more than the gate
    // holds: refused, never decided on the pages read so far.
    fake.clear_faults();
    fake.fault("/api/v1/repos/*/*/pulls/*/reviews", None, FaultKind::TotalCount { value: 1_000_000 });
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "7"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
    assert!(r.stdout.contains("did not end within"), "{}", r.stdout);
    fake.clear_faults();
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "404"]);
    assert_eq!(r.code, 3, "{}", r.stdout);
}

#[test]
fn a_status_that_cannot_be_posted_is_a_warning_and_the_verdict_stands() {
    let fake = world();
    let r = approvals(&fake, Some(TEAM_PAT_READ_ONLY), &["--team", "acme/qa", "--pr", "1", "--status-context", "qa"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("status-not-posted") && r.stdout.contains("HTTP 403"), "{}", r.stdout);
    assert!(fake.statuses().is_empty());
    let r = approvals(&fake, Some(TEAM_PAT_READ_ONLY), &["--team", "acme/qa", "--pr", "2", "--status-context", "qa"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // Statuses carry the verdict's state.
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--pr", "2", "--status-context", "qa"]);
    assert_eq!(r.code, 1);
    let s = fake.statuses();
    let s = s.last().unwrap();
    assert_eq!((s.state.as_str(), s.description.as_str()), ("failure", "0/1 qa approvals"));
}

#[test]
fn the_pull_request_comes_from_the_event() {
    let fake = world();
    let r = approvals_on(
        &fake,
        "pull_request_review_approved",
        "pull_request_review_same_repo",
        Some(TEAM_PAT),
        &["--team", "acme/qa"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved-by"), "qa-dave");
    // A comment on the fork PR: the host fetches it, which also tells the guest it is a fork.
    let r = approvals_on(&fake, "issue_comment", "issue_comment_pull_request", Some(TEAM_PAT), &["--team", "acme/qa"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("trust"), "untrusted");
    // A push is about no pull request.
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
}

#[test]
fn a_missing_token_follows_the_trust_policy() {
    let fake = world();
    let r = approvals_on(&fake, "schedule", "schedule", None, &["--team", "acme/qa", "--pr", "1"]);
    assert_eq!(r.code, 1, "trusted run, token missing:\n{}", r.stdout);
    assert!(r.stdout.contains("REVIEW_TOKEN"), "{}", r.stdout);
    let r = approvals_on(&fake, "pull_request", "pull_request_fork", None, &["--team", "acme/qa"]);
    assert_eq!(r.code, 0, "untrusted run, token missing:\n{}", r.stdout);
    assert_eq!(r.output("verdict"), "skip");
    assert!(fake.requests().is_empty(), "nothing is fetched without the token");
}

#[test]
fn plain_http_only_to_loopback_unless_allowed() {
    let fake = world();
    let remote = ["--team", "acme/qa", "--pr", "1", "--api-url", "http://gitea.invalid/api/v1"];
    let r = approvals(&fake, Some(TEAM_PAT), &remote);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("--allow-http") && r.stdout.contains("gitea.invalid"), "{}", r.stdout);
    let r = approvals(&fake, Some(TEAM_PAT), &[&remote[..], &["--allow-http"]].concat());
    assert_eq!(r.code, 3, "allowed, then the unresolvable host is an API error:\n{}", r.stdout);
    assert!(fake.requests().is_empty());
}

/// `--waivable-by`: the gate is a one-rule policy whose rule (`--rule security`) a confirmed
/// member of the waivable team may waive with `/sop-n/a security <reason>`; the gate then passes
/// as waived — never as approved — and says so in the status.
#[test]
fn a_waiver_by_a_confirmed_lead_passes_as_waived_and_the_status_says_so() {
    let fake = world();
    let waivable = ["--team", "acme/qa", "--rule", "security", "--waivable-by", "acme/security"];
    let r = approvals(
        &fake,
        Some(TEAM_PAT),
        &[&waivable[..], &["--pr", "13", "--status-context", "security-review"]].concat(),
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("verdict"), "pass");
    assert_eq!(r.output("waived-by"), "sec-erin");
    assert_eq!(r.output("approved-by"), "", "a waiver is never an approval");
    assert_eq!(r.output("approvals"), "0");
    assert!(
        r.output("reason").starts_with("approvals-waived") && r.output("reason").contains(WHY),
        "{}",
        r.output("reason")
    );
    // The human line says waived, by whom and why — and never "approved by".
    assert!(r.stdout.contains("waived on #13 by sec-erin") && r.stdout.contains(WHY), "{}", r.stdout);
    assert!(!r.stdout.contains("approved by"), "{}", r.stdout);
    let statuses = fake.statuses();
    let last = statuses.last().expect("a status");
    assert_eq!(
        (last.state.as_str(), last.description.as_str()),
        ("success", format!("waived by sec-erin in comment #60: {WHY}").as_str())
    );
    // The waiver's author was probed in the waivable team only, in the one membership wave.
    let probes: Vec<String> =
        fake.requests().into_iter().filter(|q| q.path.contains("/members/")).map(|q| q.path).collect();
    assert_eq!(probes, vec!["/api/v1/teams/21/members/sec-erin"]);

    // The waiver names another gate: `--rule qa` is not waived by `/sop-n/a security`.
    let r = approvals(
        &fake,
        Some(TEAM_PAT),
        &["--team", "acme/qa", "--rule", "qa", "--waivable-by", "acme/security", "--pr", "13"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(r.output("waived-by"), "");

    // Without --waivable-by, /sop-n/a changes nothing, and the comments are not even read.
    let fake = world();
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--rule", "security", "--pr", "13"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.output("reason").starts_with("approvals-missing"), "{}", r.output("reason"));
    assert!(!fake.requests().iter().any(|q| q.path.contains("/comments")), "comments were read");
}

#[test]
fn a_hidden_or_self_written_waiver_does_not_count() {
    let fake = world();
    let r = approvals(
        &fake,
        Some(TEAM_PAT),
        &[
            "--team",
            "acme/qa",
            "--rule",
            "security",
            "--waivable-by",
            "acme/security",
            "--pr",
            "14",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    let verdict: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(verdict["code"], "approvals-missing");
    assert_eq!(verdict["outputs"]["waived-by"], "");
    // Hidden ones are not commands at all; the author's is read and refused, and said so.
    let refused: Vec<&str> = verdict["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "waiver-not-counted")
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("alice") && refused[0].contains("author"), "{refused:?}");
}

#[test]
fn a_waiver_whose_membership_cannot_be_confirmed_is_undecided() {
    let fake = world();
    fake.fault("/api/v1/teams/21/members/*", None, FaultKind::Status { status: 502, body: None });
    let r = approvals(
        &fake,
        Some(TEAM_PAT),
        &[
            "--team",
            "acme/qa",
            "--rule",
            "security",
            "--waivable-by",
            "acme/security",
            "--pr",
            "13",
            "--status-context",
            "security-review",
        ],
    );
    assert_eq!(r.code, 3, "an unconfirmed waiver is never a pass:\n{}", r.stdout);
    assert_eq!(r.output("verdict"), "error");
    assert_eq!(r.output("waived-by"), "");
    let statuses = fake.statuses();
    assert_eq!(statuses.last().map(|s| s.state.as_str()), Some("error"), "{statuses:?}");
}

#[test]
fn a_rule_name_is_lower_case_letters_digits_and_dashes() {
    let fake = world();
    let r = approvals(&fake, Some(TEAM_PAT), &["--team", "acme/qa", "--rule", "Security!", "--pr", "13"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(fake.requests().is_empty(), "nothing is fetched for a usage error");
}
