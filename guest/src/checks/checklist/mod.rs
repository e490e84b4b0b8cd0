//! The SOP checklist: is every item of the checklist acknowledged (or waived) by someone allowed
//! to? The gate behind a `sop-checklist / all-items-acked` status, which reads for example
//! `[info tier:low] acked: 0/7 — missing: comprehensive-testing, local-postgres-e2e, staging-smoke, +4`.
//!
//! One rule for acks and waivers: a command counts only from a confirmed member of one of the
//! `ack_teams` who is **not the pull request's author**.
//!
//! - `/sop-ack <id>` acknowledges item `<id>`;
//! - `/sop-n/a <id> <reason>` waives it (declares it not applicable); the reason must show
//!   something once white space and invisible characters are removed
//!   ([`crate::sop_commands::has_visible_text`]). The author's own acks and waivers are reported
//!   (`ack-not-counted`, `author-waiver`) and never counted;
//! - what counts as a command in a comment or review body is [`crate::sop_commands`]: lines at column
//!   0 of a paragraph, not in code blocks, HTML comments or blocks, or quotes;
//! - comments edited after posting do not count unless `count_edited_comments`;
//! - the tier label decides whether a gap blocks: `tier:low` is informational, `tier:medium` and
//!   `tier:high` block, several labels → the highest, no label → high.
//!
//! The status line, `reason`, outputs and `details` give waived items apart from acked ones, with
//! who waived (`acked: 2/4, waived: 1 by qa-bot — missing: smoke`). Findings about commands that
//! do not count are one per person × reason, with counts, so a flood of commands costs a handful
//! of findings; the tally is linear (maps by login and item id, bounded by people × items).
//!
//! Same phases as approvals: pull request → membership of the people who issued commands → tally.
//! Reading the commands is `gather.rs`; the decision (each item's state, who gave it, whose
//! commands did not count, the call) is `decide.rs`; its words are `render.rs`.

mod decide;
mod gather;
mod render;
mod tier;

use serde_json::Value;

use crate::InvalidInput;
use crate::checks::pull_request::{ask_for_membership, ask_for_pull_request, missing_token, token_name};
use crate::checks::trust::classify;
use crate::history::{Contributors, Freshness};
use crate::membership::Memberships;
use crate::protocol::Verdict;
use crate::pulls::author_login;

pub use gitea_gate_protocol::{ChecklistFacts, Item};

pub fn evaluate(facts: ChecklistFacts) -> Result<Verdict, InvalidInput> {
    let c = classify(&facts.context);
    if facts.items.is_empty() {
        return Err(InvalidInput("the checklist has no items".to_owned()));
    }
    if facts.teams.is_empty() {
        return Err(InvalidInput("the checklist has no ack_teams".to_owned()));
    }
    if let Some(verdict) = missing_token("checklist", &c, facts.token.as_ref(), "the SOP checklist gate") {
        return Ok(verdict);
    }
    // The pull request travels with its history (pushes and commits): both, or ask again.
    let (Some(pr), Some(history)) = (facts.pull_request.as_ref(), facts.history.as_ref()) else {
        return Ok(ask_for_pull_request(&c, "checklist", facts.pr_number, &facts.context));
    };
    let author = author_login(pr).unwrap_or_default();
    let fresh = Freshness::of(history, crate::reviews::head_sha(pr));
    let contributors = Contributors::of(history, &fresh, facts.allow_contributors);
    let gathered = decide::gather(&facts, pr, &author, &fresh, &contributors);
    let to_probe = decide::to_probe(&gathered, &facts, pr, &author);
    let to_probe: Vec<&str> = to_probe.iter().map(String::as_str).collect();
    let what = "team membership of the people who acknowledged items is not known yet";
    let known = facts.membership.is_some();
    if let Some(ask) = ask_for_membership(&c, "checklist", what, &facts.teams, known, &to_probe) {
        return Ok(ask);
    }
    let m = Memberships::new(&facts.teams, facts.membership.as_deref().unwrap_or(&[]));
    let decision = decide::decide(&facts, pr, &author, &gathered, &m);
    let context = render::Context {
        c: &c,
        facts: &facts,
        number: pr.get("number").and_then(Value::as_u64).unwrap_or(0),
        body: pr.get("body").and_then(Value::as_str).unwrap_or(""),
        teams: facts.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "),
        token_name: token_name(facts.token.as_ref()),
    };
    Ok(render::verdict(&context, &decision, &gathered.tally.problems, &gathered.dropped_reviews))
}

/// Titles of unchecked `- [ ] **Title**` boxes in a pull request body.
pub fn unchecked_boxes(body: &str) -> Vec<String> {
    body.lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("- [ ]").or_else(|| line.trim_start().strip_prefix("* [ ]"))?;
            let rest = rest.trim_start().strip_prefix("**")?;
            let (title, _) = rest.split_once("**")?;
            Some(title.trim().to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::tier::{Tier, tier};
    use super::*;
    use crate::findings::{Code, Finding};
    use crate::history::PullHistory;
    use crate::membership::{MembershipFact, TeamFact};
    use crate::protocol::{MembershipProbe, Needs, Outcome, RunContext, SecretFact};

    #[test]
    fn tiers() {
        let l = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(tier(&l(&["tier:low"])), Some(Tier::Low));
        assert_eq!(tier(&l(&["tier:low", "tier:high", "bug"])), Some(Tier::High));
        assert_eq!(tier(&l(&["Tier:Medium"])), Some(Tier::Medium));
        assert_eq!(tier(&l(&["bug"])), None);
    }

    #[test]
    fn unchecked_boxes_in_the_body() {
        let body = "## SOP Checklist\n- [x] **Comprehensive testing performed** — done\n- [ ] **Local-postgres E2E run** — N/A\n* [ ] **Staging-smoke verified or pending**\n- [ ] not bold";
        assert_eq!(unchecked_boxes(body), vec!["Local-postgres E2E run", "Staging-smoke verified or pending"]);
    }

    fn facts(
        labels: &[&str],
        comments: Vec<Value>,
        reviews: Vec<Value>,
        membership: Vec<(&str, Option<bool>)>,
    ) -> ChecklistFacts {
        ChecklistFacts {
            context: RunContext::default(),
            token: Some(SecretFact { name: "SOP_CHECKLIST_GATE_TOKEN".into(), present: true }),
            pr_number: None,
            items: ["testing", "e2e", "smoke", "root-cause"]
                .iter()
                .map(|id| Item { id: (*id).into(), title: format!("Title of {id}") })
                .collect(),
            teams: vec![TeamFact {
                reference: "acme/qa".into(),
                name: "qa".into(),
                org: Some("acme".into()),
                id: Some(20),
                readable: true,
                unreadable_reason: None,
            }],
            count_edited_comments: false,
            pull_request: Some(json!({"number": 7, "user": {"login": "author"},
                "labels": labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(), "body": "",
                "head": {"sha": HEAD}})),
            comments,
            reviews,
            history: Some(PullHistory::default()),
            allow_contributors: false,
            keep_acks_across_pushes: false,
            membership: Some(
                membership
                    .into_iter()
                    .map(|(login, member)| MembershipFact {
                        login: login.into(),
                        team: "acme/qa".into(),
                        member,
                        detail: None,
                    })
                    .collect(),
            ),
            tier_label_from_ack_teams: false,
            timeline: None,
        }
    }

    fn comment(id: i64, login: &str, body: &str, edited: bool) -> Value {
        json!({"id": id, "user": {"login": login}, "body": body, "created_at": "2026-06-05T10:00:00Z",
               "updated_at": if edited { "2026-06-05T11:00:00Z" } else { "2026-06-05T10:00:00Z" }})
    }

    const HEAD: &str = "0000000000000000000000000000000000000007";

    const ALL: &str = "/sop-ack testing\n/sop-ack e2e\n/sop-ack smoke\n/sop-ack root-cause";

    #[test]
    fn tally_table() {
        let qa = vec![("qa-bot", Some(true))];
        let cases: Vec<(&str, ChecklistFacts, Outcome, Code, &str)> = vec![
            (
                "all acked",
                facts(&["tier:high"], vec![comment(1, "qa-bot", ALL, false)], vec![], qa.clone()),
                Outcome::Pass,
                Code::ChecklistComplete,
                "acked: 4/4",
            ),
            (
                "missing, tier:low",
                facts(&["tier:low"], vec![], vec![], qa.clone()),
                Outcome::Pass,
                Code::ChecklistInformational,
                "[info tier:low] acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "missing, tier:medium",
                facts(&["tier:medium"], vec![comment(1, "qa-bot", "/sop-ack testing", false)], vec![], qa.clone()),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 1/4 — missing: e2e, smoke, root-cause",
            ),
            (
                "missing, no tier label",
                facts(&[], vec![], vec![], qa.clone()),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "highest tier wins",
                facts(&["tier:low", "tier:high"], vec![], vec![], qa.clone()),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "author ack ignored",
                facts(&["tier:high"], vec![comment(1, "author", ALL, false)], vec![], vec![]),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "ack not at line start",
                facts(
                    &["tier:high"],
                    vec![comment(1, "qa-bot", &ALL.replace("/sop", " /sop"), false)],
                    vec![],
                    qa.clone(),
                ),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "ack in a review body",
                facts(
                    &["tier:high"],
                    vec![],
                    vec![
                        json!({"id": 3, "user": {"login": "qa-bot"}, "state": "APPROVED", "body": ALL, "commit_id": HEAD}),
                    ],
                    qa.clone(),
                ),
                Outcome::Pass,
                Code::ChecklistComplete,
                "acked: 4/4",
            ),
            (
                "edited comment ignored",
                facts(&["tier:high"], vec![comment(1, "qa-bot", ALL, true)], vec![], qa.clone()),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "the author cannot waive",
                facts(
                    &["tier:high"],
                    vec![
                        comment(1, "author", "/sop-n/a e2e no database\n/sop-n/a smoke not deployed", false),
                        comment(2, "qa-bot", "/sop-ack testing\n/sop-ack root-cause", false),
                    ],
                    vec![],
                    qa.clone(),
                ),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 2/4 — missing: e2e, smoke",
            ),
            (
                "the author cannot waive everything, even in a hidden comment of a review",
                facts(
                    &["tier:high"],
                    vec![],
                    vec![json!({"id": 3, "user": {"login": "author"}, "state": "COMMENT",
                        "body": "<!--\n/sop-n/a testing x\n/sop-n/a e2e x\n/sop-n/a smoke x\n/sop-n/a root-cause x\n-->\n/sop-n/a testing y\n/sop-n/a e2e y\n/sop-n/a smoke y\n/sop-n/a root-cause y"})],
                    vec![],
                ),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "a member waives with a reason, not with an invisible one",
                facts(
                    &["tier:high"],
                    vec![
                        comment(
                            1,
                            "qa-bot",
                            "/sop-n/a e2e no database in this change\n/sop-n/a smoke \u{200B}\u{00A0}\u{FEFF}",
                            false,
                        ),
                        comment(2, "qa-bot", "/sop-ack testing\n/sop-ack root-cause", false),
                    ],
                    vec![],
                    qa.clone(),
                ),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 2/4, waived: 1 by qa-bot — missing: smoke",
            ),
            (
                "acks in code blocks and comments do not count",
                facts(
                    &["tier:high"],
                    vec![comment(
                        1,
                        "qa-bot",
                        &format!(
                            "to ack, type\n```\n{ALL}\n```\n~~~\n{ALL}\n~~~\n<!-- {ALL} -->\n\n    {}",
                            ALL.replace('\n', "\n    ")
                        ),
                        false,
                    )],
                    vec![],
                    qa.clone(),
                ),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "non-member ack ignored",
                facts(&["tier:high"], vec![comment(1, "visitor", ALL, false)], vec![], vec![("visitor", Some(false))]),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 0/4 — missing: testing, e2e, smoke, +1",
            ),
            (
                "unverified ack",
                facts(&["tier:high"], vec![comment(1, "visitor", ALL, false)], vec![], vec![("visitor", None)]),
                Outcome::Error,
                Code::MembershipUnverified,
                "",
            ),
        ];
        for (name, facts, outcome, code, description) in cases {
            let v = evaluate(facts).expect("valid");
            assert_eq!((v.verdict, v.code), (outcome, code), "{name}: {}", v.reason);
            if !description.is_empty() {
                assert_eq!(v.status.expect("status").description, description, "{name}");
            }
        }
    }

    #[test]
    fn edited_comments_count_when_configured_and_unknown_ids_are_reported() {
        let mut f = facts(
            &["tier:high"],
            vec![comment(1, "qa-bot", ALL, true), comment(2, "qa-bot", "/sop-ack no-such-item", false)],
            vec![],
            vec![("qa-bot", Some(true))],
        );
        f.count_edited_comments = true;
        let v = evaluate(f).expect("valid");
        assert_eq!(v.code, Code::ChecklistComplete);
        assert!(v.findings.iter().any(|f| f.code == Code::UnknownChecklistItem && f.summary.contains("no-such-item")));
        assert_eq!(
            (v.outputs["acked"].as_str(), v.outputs["missing"].as_str(), v.outputs["tier"].as_str()),
            ("4/4", "", "high")
        );
    }

    #[test]
    fn acks_in_reviews_that_no_longer_stand_do_not_count() {
        let review = |id: i64, state: &str, extra: Value| {
            let mut r = json!({"id": id, "user": {"login": "qa-bot"}, "state": state, "body": ALL, "commit_id": HEAD});
            if let (Some(r), Some(extra)) = (r.as_object_mut(), extra.as_object()) {
                r.extend(extra.clone());
            }
            r
        };
        for (name, r, why) in [
            ("dismissed", review(3, "APPROVED", json!({"dismissed": true})), "was dismissed"),
            ("stale", review(4, "COMMENT", json!({"stale": true})), "is stale"),
            ("pending", review(5, "PENDING", json!({})), "pending draft"),
            (
                "old commit",
                review(6, "APPROVED", json!({"commit_id": "0000000000000000000000000000000000000006"})),
                "made on commit 000000000000",
            ),
        ] {
            let v = evaluate(facts(&["tier:high"], vec![], vec![r], vec![("qa-bot", Some(true))])).expect("valid");
            assert_eq!(v.code, Code::ChecklistIncomplete, "{name}: {}", v.reason);
            let f = v.findings.iter().find(|f| f.code == Code::ReviewAckNotCounted).expect("explained");
            assert!(f.message.contains(why) && f.message.contains("review #"), "{name}: {}", f.message);
        }
        let standing = review(7, "COMMENT", json!({}));
        let v = evaluate(facts(&["tier:high"], vec![], vec![standing], vec![("qa-bot", Some(true))])).expect("valid");
        assert_eq!(v.code, Code::ChecklistComplete, "{}", v.reason);
    }

    #[test]
    fn a_tier_label_from_a_non_member_is_ignored_when_configured() {
        let label = |login: &str| json!({"type": "label", "body": "1", "user": {"login": login}, "label": {"name": "tier:low"}});
        let mut f = facts(&["tier:low"], vec![], vec![], vec![("bob", Some(false)), ("qa-bot", Some(true))]);
        f.tier_label_from_ack_teams = true;
        f.timeline = Some(vec![label("bob")]);
        let v = evaluate(f).expect("valid");
        assert_eq!((v.code, v.outputs["tier"].as_str()), (Code::ChecklistIncomplete, "high"), "{}", v.reason);
        assert!(v.findings.iter().any(|f| f.code == Code::TierLabelDistrusted && f.message.contains("bob")));
        assert!(!v.findings.iter().any(|f| f.code == Code::NoTierLabel), "the PR has a label; it is distrusted");
        let mut f = facts(&["tier:low"], vec![], vec![], vec![("qa-bot", Some(true))]);
        f.tier_label_from_ack_teams = true;
        f.timeline = Some(vec![label("qa-bot")]);
        let v = evaluate(f).expect("valid");
        assert_eq!((v.code, v.outputs["tier"].as_str()), (Code::ChecklistInformational, "low"));
        // The adder joins the membership probes.
        let mut f = facts(&["tier:low"], vec![comment(1, "qa-bot", "/sop-ack testing", false)], vec![], vec![]);
        f.tier_label_from_ack_teams = true;
        f.timeline = Some(vec![label("bob")]);
        f.membership = None;
        let v = evaluate(f).expect("valid");
        let Some(Needs::Membership(probes)) = v.needs else { panic!("asks for membership") };
        assert_eq!(probes.iter().map(|p| p.login.as_str()).collect::<Vec<_>>(), vec!["qa-bot", "bob"]);
    }

    #[test]
    fn asks_for_membership_of_everyone_but_the_author() {
        let mut f = facts(
            &["tier:high"],
            vec![
                comment(1, "author", "/sop-n/a e2e none", false),
                comment(2, "QA-Bot", "/sop-ack testing", false),
                comment(3, "qa-bot", "/sop-ack smoke", false),
            ],
            vec![],
            vec![],
        );
        f.membership = None;
        let v = evaluate(f).expect("valid");
        assert_eq!(
            v.needs,
            Some(Needs::Membership(vec![MembershipProbe { login: "QA-Bot".into(), teams: vec!["acme/qa".into()] }]))
        );
    }

    #[test]
    fn waivers_are_reported_apart_from_acks() {
        let v = evaluate(facts(
            &["tier:high"],
            vec![
                comment(1, "author", "/sop-n/a smoke not deployed", false),
                comment(2, "qa-bot", "/sop-ack testing\n/sop-n/a e2e no database\n/sop-n/a smoke not deployed", false),
                comment(3, "qa-bot", "/sop-ack root-cause\n/sop-n/a root-cause also acked", false),
            ],
            vec![],
            vec![("qa-bot", Some(true))],
        ))
        .expect("valid");
        assert_eq!(v.code, Code::ChecklistComplete, "{}", v.reason);
        assert_eq!(v.status.expect("status").description, "acked: 2/4, waived: 2 by qa-bot");
        assert_eq!(
            (v.outputs["acked"].as_str(), v.outputs["waived"].as_str(), v.outputs["missing"].as_str()),
            ("2/4", "e2e,smoke", "")
        );
        assert_eq!(v.details["items"][1]["status"], "waived");
        assert_eq!(
            v.details["items"][1]["waived_by"],
            json!({"login": "qa-bot", "team": "qa", "reason": "no database", "source": "comment #2"})
        );
        assert_eq!(v.details["items"][3]["status"], "acked");
        let decisive = v.findings.last().expect("decisive");
        assert!(decisive.message.contains("e2e by qa-bot (comment #2): no database"), "{}", decisive.message);
        let author: Vec<&Finding> = v.findings.iter().filter(|f| f.code == Code::AuthorWaiver).collect();
        assert_eq!(author.len(), 1, "{:?}", v.findings);
        assert!(author[0].summary.contains("author") && author[0].summary.contains("smoke"));
    }

    #[test]
    fn a_flood_of_commands_decides_with_few_findings() {
        // 5 MiB of comments: an outsider's 300 KiB of acks, the author's waivers, commands without
        // ids, unknown ids and plain chatter, and one member's real acks at the end.
        let mut comments = Vec::new();
        let mut size = 0;
        let push = |login: &str, body: String, comments: &mut Vec<Value>| -> usize {
            comments.push(comment(comments.len() as i64 + 1, login, &body, false));
            body.len()
        };
        size += push("outsider", "/sop-ack testing\n".repeat(300 * 1024 / 17), &mut comments);
        size += push("author", "/sop-n/a e2e because\n/sop-ack smoke\n".repeat(10_000), &mut comments);
        size += push("outsider", "/sop-ack\n/sop-ack no-such-item\n".repeat(10_000), &mut comments);
        for _ in 0..5 {
            size += push("chatter", "plain text that mentions nothing at all. ".repeat(20_000), &mut comments);
        }
        while size < 5 << 20 {
            size += push("outsider", "/sop-ack e2e\n/sop-n/a smoke x\n".repeat(5_000), &mut comments);
        }
        push("qa-bot", ALL.to_owned(), &mut comments);
        let v =
            evaluate(facts(&["tier:high"], comments, vec![], vec![("qa-bot", Some(true)), ("outsider", Some(false))]))
                .expect("valid");
        assert_eq!(v.code, Code::ChecklistComplete, "{}", v.reason);
        assert!(v.findings.len() < 12, "{} findings: {:?}", v.findings.len(), v.findings);
        let by_author: Vec<&Finding> = v.findings.iter().filter(|f| f.summary.contains("author")).collect();
        assert_eq!(by_author.len(), 2, "one per person × reason: {by_author:?}");
        assert!(by_author.iter().any(|f| f.summary.contains("10000 commands")), "{by_author:?}");
    }
}
