//! Approvals: has at least `min` member of the named teams (any of them) approved the pull
//! request? The gate behind statuses such as `qa-review` and `security-review`.
//!
//! Three phases, each a pure function of its input:
//! 1. no pull request yet → ask the host for it (number from `--pr` or the event payload);
//! 2. pull request, all reviews (and, when the gate is waivable, its comments), no membership
//!    yet → name the reviewers worth probing (only those whose latest review could count) and the
//!    authors of waivers that could count, and ask the host to probe exactly those, in one wave;
//! 3. everything known → decide. The gate is a one-rule policy decided by the policy engine
//!    (`rules/eval.rs`, no second tally). An unconfirmed membership never counts: if confirmed
//!    approvals alone reach `min`, the gate passes; if the shortfall could be an unconfirmed
//!    member (or an unconfirmed waiver could decide it), the gate cannot decide (exit 3) and says
//!    what the token's owner needs; a waiver by a confirmed member of a `--waivable-by` team
//!    passes it as waived, never as approved.
//!
//! The decision is `decide.rs` (the rule, the engine's result read back as the call); its words
//! are `render.rs`; what approvals shares with the checklist is `checks/pull_request.rs`.

mod decide;
mod render;

use crate::InvalidInput;
use crate::checks::pull_request::{
    ask_for_membership_in, ask_for_pull_request, kept_across_base_merges, missing_token, token_name,
};
use crate::checks::requests;
use crate::checks::trust::classify;
use crate::membership::TeamFact;
use crate::protocol::Verdict;
use crate::rules::eval::Directory;

pub use gitea_gate_protocol::ApprovalFacts;

pub fn evaluate(facts: ApprovalFacts) -> Result<Verdict, InvalidInput> {
    let c = classify(&facts.context);
    if facts.teams.is_empty() {
        return Err(InvalidInput("no teams to count approvals from".to_owned()));
    }
    let rule_name = facts.rule.as_deref().unwrap_or(decide::DEFAULT_RULE);
    if !decide::valid_rule_name(rule_name) {
        return Err(InvalidInput(format!("rule name {rule_name:?} is not [a-z0-9-]+")));
    }
    let team_names = facts.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
    let purpose = format!("counting {team_names} approvals");
    if let Some(verdict) = missing_token("approvals", &c, facts.token.as_ref(), &purpose) {
        return Ok(verdict);
    }
    // The pull request travels with its history (pushes and commits); one without the other
    // is not enough to decide.
    let (Some(pr), Some(history)) = (facts.pull_request.as_ref(), facts.history.as_ref()) else {
        return Ok(ask_for_pull_request(&c, "approvals", facts.pr_number, &facts.context));
    };
    let wanted = facts.keep_across_base_merges;
    let kept = match kept_across_base_merges(&c, "approvals", pr, history, &facts.reviews, wanted) {
        Ok(kept) => kept,
        Err(ask) => return Ok(*ask),
    };
    let rule = decide::rule(&facts, rule_name);
    let gathered = decide::gather(&facts, pr, &rule, history, &kept);
    let what = "team membership of the reviewers is not known yet";
    let known = facts.membership.is_some();
    let groups =
        [(facts.teams.as_slice(), gathered.reviewers()), (facts.waivable_by.as_slice(), gathered.waiver_logins(&rule))];
    if let Some(ask) = ask_for_membership_in(&c, "approvals", what, known, &groups) {
        return Ok(ask);
    }
    // The gate's teams and the waivable ones, each once: one directory for the engine.
    let mut all_teams: Vec<TeamFact> = facts.teams.clone();
    for t in &facts.waivable_by {
        if !all_teams.iter().any(|a| a.reference == t.reference) {
            all_teams.push(t.clone());
        }
    }
    let directory = Directory::new(&all_teams, &[], facts.membership.as_deref().unwrap_or(&[]));
    let tally = decide::decide(&rule, &gathered, &directory, facts.min);
    let asking = requests::Asking {
        wanted: facts.request_reviews,
        trust: c.trust,
        repository: facts.context.repository.as_deref().unwrap_or(""),
        pull_request: pr,
        review_rows: &facts.reviews,
        author: &gathered.author,
        reviews: &gathered.reviews,
        contributors: &gathered.contributors,
        directory: &directory,
    };
    let asked = requests::choose(&asking, std::slice::from_ref(&tally.result));
    let words = render::Words {
        c: &c,
        teams: &facts.teams,
        all_teams: &all_teams,
        waivable: &facts.waivable_by,
        rule: rule_name,
        team_names,
        token_name: token_name(facts.token.as_ref()),
        asked,
    };
    Ok(render::verdict(&words, &gathered, &tally))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::findings::{Code, Level};
    use crate::history::PullHistory;
    use crate::membership::{MembershipFact, TeamFact};
    use crate::protocol::{EventFacts, MembershipProbe, Needs, Outcome, RunContext, SecretFact};
    use gitea_gate_protocol::{Account, Push};
    use serde_json::Value;

    fn team(readable: bool) -> TeamFact {
        TeamFact {
            reference: "acme/qa".into(),
            name: "qa".into(),
            org: Some("acme".into()),
            id: Some(20),
            readable,
            unreadable_reason: (!readable).then(|| "HTTP 404 for the job token".into()),
        }
    }

    const HEAD: &str = "0000000000000000000000000000000000000007";

    fn review(id: i64, login: &str, state: &str) -> Value {
        json!({"id": id, "user": {"login": login, "id": id + 100}, "state": state, "commit_id": HEAD,
               "dismissed": false, "stale": false, "official": true})
    }

    fn member(login: &str, member: Option<bool>) -> MembershipFact {
        MembershipFact { login: login.into(), team: "acme/qa".into(), member, detail: None }
    }

    struct Case {
        reviews: Vec<Value>,
        min: u32,
        readable: bool,
        membership: Option<Vec<MembershipFact>>,
        allow_stale: bool,
        block: bool,
        history: PullHistory,
        allow_contributors: bool,
    }

    impl Default for Case {
        fn default() -> Case {
            Case {
                reviews: vec![],
                min: 1,
                readable: true,
                membership: Some(vec![]),
                allow_stale: false,
                block: false,
                history: PullHistory::default(),
                allow_contributors: false,
            }
        }
    }

    fn run(case: Case) -> Verdict {
        let facts = ApprovalFacts {
            context: RunContext {
                event_name: Some("pull_request_target".into()),
                event: EventFacts::Payload(json!({"pull_request": {"number": 7}})),
                ..RunContext::default()
            },
            token: Some(SecretFact { name: "SOP_TIER_CHECK_TOKEN".into(), present: true }),
            pr_number: None,
            pull_request: Some(json!({"number": 7, "user": {"login": "author"}, "head": {"sha": HEAD}})),
            reviews: case.reviews,
            history: Some(case.history),
            teams: vec![team(case.readable)],
            min: case.min,
            allow_stale: case.allow_stale,
            keep_across_base_merges: false,
            request_reviews: false,
            block_on_changes_requested: case.block,
            allow_contributors: case.allow_contributors,
            rule: None,
            waivable_by: vec![],
            comments: vec![],
            membership: case.membership,
        };
        evaluate(facts).expect("valid")
    }

    fn pushed_by(login: &str) -> PullHistory {
        let pusher = Account { login: login.into(), id: 77 };
        let push = Push { id: 50, pusher, force: false, commit_ids: vec![HEAD.into()], created_at: "t".into() };
        PullHistory { pushes: vec![push], ..PullHistory::default() }
    }

    #[test]
    fn a_member_who_pushed_to_the_pull_request_does_not_approve_it() {
        let approved = || Case {
            reviews: vec![review(1, "alice", "APPROVED")],
            membership: Some(vec![member("alice", Some(true))]),
            history: pushed_by("Alice"),
            ..Case::default()
        };
        let verdict = run(approved());
        assert_eq!(verdict.verdict, Outcome::Fail, "{}", verdict.reason);
        let refused = verdict.findings.iter().find(|f| f.code == Code::ContributorNotCounted).expect("named");
        assert!(
            refused.summary.contains("alice pushed commit 000000000000 to the pull request"),
            "{}",
            refused.summary
        );
        // The option restores the vote; a push by someone else takes nothing away.
        assert_eq!(run(Case { allow_contributors: true, ..approved() }).verdict, Outcome::Pass);
        assert_eq!(run(Case { history: pushed_by("carol"), ..approved() }).verdict, Outcome::Pass);
    }

    #[test]
    fn a_pull_request_without_its_history_is_not_decided() {
        let facts = |history| ApprovalFacts {
            context: RunContext { event_name: Some("pull_request_target".into()), ..RunContext::default() },
            token: None,
            pr_number: Some(7),
            pull_request: Some(json!({"number": 7, "user": {"login": "author"}, "head": {"sha": HEAD}})),
            reviews: vec![review(1, "alice", "APPROVED")],
            history,
            teams: vec![team(true)],
            min: 1,
            allow_stale: false,
            keep_across_base_merges: false,
            request_reviews: false,
            block_on_changes_requested: false,
            allow_contributors: false,
            rule: None,
            waivable_by: vec![],
            comments: vec![],
            membership: Some(vec![member("alice", Some(true))]),
        };
        let verdict = evaluate(facts(None)).expect("valid");
        assert_eq!(verdict.verdict, Outcome::Error);
        assert_eq!(verdict.needs, Some(Needs::PullRequestData(7)));
        assert_eq!(evaluate(facts(Some(PullHistory::default()))).expect("valid").verdict, Outcome::Pass);
    }

    #[test]
    fn tally_table() {
        let alice = || member("alice", Some(true));
        let cases: Vec<(&str, Case, Outcome, Code)> = vec![
            (
                "member approves",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED")],
                    membership: Some(vec![alice()]),
                    ..Case::default()
                },
                Outcome::Pass,
                Code::ApprovalsMet,
            ),
            ("no reviews", Case::default(), Outcome::Fail, Code::ApprovalsMissing),
            (
                "self approval",
                Case { reviews: vec![review(1, "Author", "APPROVED")], ..Case::default() },
                Outcome::Fail,
                Code::ApprovalsMissing,
            ),
            (
                "approve then request changes",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED"), review(2, "alice", "REQUEST_CHANGES")],
                    membership: Some(vec![alice()]),
                    ..Case::default()
                },
                Outcome::Fail,
                Code::ApprovalsMissing,
            ),
            (
                "approve then comment",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED"), review(2, "alice", "COMMENT")],
                    membership: Some(vec![alice()]),
                    ..Case::default()
                },
                Outcome::Pass,
                Code::ApprovalsMet,
            ),
            (
                "non-member",
                Case {
                    reviews: vec![review(1, "bob", "APPROVED")],
                    membership: Some(vec![member("bob", Some(false))]),
                    ..Case::default()
                },
                Outcome::Fail,
                Code::ApprovalsMissing,
            ),
            (
                "unconfirmed",
                Case {
                    reviews: vec![review(1, "bob", "APPROVED")],
                    membership: Some(vec![member("bob", None)]),
                    ..Case::default()
                },
                Outcome::Error,
                Code::MembershipUnverified,
            ),
            (
                "unreadable team",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED")],
                    readable: false,
                    membership: None,
                    ..Case::default()
                },
                Outcome::Error,
                Code::TeamUnreadable,
            ),
            (
                "unreadable team, no approvals",
                Case { readable: false, membership: None, ..Case::default() },
                Outcome::Fail,
                Code::ApprovalsMissing,
            ),
            (
                "min 2 with one",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED")],
                    min: 2,
                    membership: Some(vec![alice()]),
                    ..Case::default()
                },
                Outcome::Fail,
                Code::ApprovalsMissing,
            ),
            (
                "confirmed alone meet min",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED"), review(2, "bob", "APPROVED")],
                    membership: Some(vec![alice(), member("bob", None)]),
                    ..Case::default()
                },
                Outcome::Pass,
                Code::ApprovalsMet,
            ),
            (
                // Even if bob were a member, 1 < 2: the engine calls it a fail, not undecided.
                "unconfirmed cannot close the shortfall",
                Case {
                    reviews: vec![review(1, "bob", "APPROVED")],
                    min: 2,
                    membership: Some(vec![member("bob", None)]),
                    ..Case::default()
                },
                Outcome::Fail,
                Code::ApprovalsMissing,
            ),
            (
                "unconfirmed change requester keeps a pass undecided",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED"), review(2, "carol", "REQUEST_CHANGES")],
                    membership: Some(vec![alice(), member("carol", None)]),
                    block: true,
                    ..Case::default()
                },
                Outcome::Error,
                Code::MembershipUnverified,
            ),
            (
                "changes requested blocks",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED"), review(2, "carol", "REQUEST_CHANGES")],
                    membership: Some(vec![alice(), member("carol", Some(true))]),
                    block: true,
                    ..Case::default()
                },
                Outcome::Fail,
                Code::ChangesRequested,
            ),
            (
                "non-member change request does not block",
                Case {
                    reviews: vec![review(1, "alice", "APPROVED"), review(2, "carol", "REQUEST_CHANGES")],
                    membership: Some(vec![alice(), member("carol", Some(false))]),
                    block: true,
                    ..Case::default()
                },
                Outcome::Pass,
                Code::ApprovalsMet,
            ),
        ];
        for (name, case, outcome, code) in cases {
            let v = run(case);
            assert_eq!((v.verdict, v.code), (outcome, code), "{name}: {}", v.reason);
        }
    }

    #[test]
    fn dismissed_and_stale() {
        let mut dismissed = review(1, "alice", "APPROVED");
        dismissed["dismissed"] = json!(true);
        let v = run(Case {
            reviews: vec![dismissed],
            membership: Some(vec![member("alice", Some(true))]),
            ..Case::default()
        });
        assert_eq!(v.code, Code::ApprovalsMissing);
        let mut stale = review(1, "alice", "APPROVED");
        stale["stale"] = json!(true);
        let strict = run(Case {
            reviews: vec![stale.clone()],
            membership: Some(vec![member("alice", Some(true))]),
            ..Case::default()
        });
        assert_eq!(strict.code, Code::ApprovalsMissing);
        let lenient = run(Case {
            reviews: vec![stale],
            membership: Some(vec![member("alice", Some(true))]),
            allow_stale: true,
            ..Case::default()
        });
        assert_eq!(lenient.code, Code::ApprovalsMet);
    }

    #[test]
    fn approvals_of_another_commit_and_re_requested_ones() {
        let alice = || Some(vec![member("alice", Some(true))]);
        // The race: the branch moved to HEAD, Gitea has not marked the approval stale yet.
        let mut old = review(1, "alice", "APPROVED");
        old["commit_id"] = json!("0000000000000000000000000000000000000006");
        let strict = run(Case { reviews: vec![old.clone()], membership: alice(), ..Case::default() });
        assert_eq!(strict.code, Code::ApprovalsMissing);
        let why = strict.findings.iter().find(|f| f.code == Code::ReviewNotCounted).expect("explained");
        assert!(
            why.message.contains("alice")
                && why.message.contains("000000000000")
                && why.message.contains("--allow-stale"),
            "{}",
            why.message
        );
        let lenient = run(Case { reviews: vec![old], membership: alice(), allow_stale: true, ..Case::default() });
        assert_eq!(lenient.code, Code::ApprovalsMet);
        // Re-requested: void, with or without --allow-stale, and alice is not even probed.
        let rows = vec![review(1, "alice", "APPROVED"), review(2, "alice", "REQUEST_REVIEW")];
        let v = run(Case { reviews: rows.clone(), membership: alice(), allow_stale: true, ..Case::default() });
        assert_eq!(v.code, Code::ApprovalsMissing);
        assert!(v.findings.iter().any(|f| f.code == Code::ReviewNotCounted && f.message.contains("re-requested")));
        let v = run(Case { reviews: rows, membership: None, ..Case::default() });
        assert_eq!(v.needs, None, "nobody left to probe");
        // A re-requested change request still blocks until the reviewer reviews again.
        let v = run(Case {
            reviews: vec![
                review(1, "alice", "APPROVED"),
                review(2, "carol", "REQUEST_CHANGES"),
                review(3, "carol", "REQUEST_REVIEW"),
            ],
            membership: Some(vec![member("alice", Some(true)), member("carol", Some(true))]),
            block: true,
            ..Case::default()
        });
        assert_eq!(v.code, Code::ChangesRequested);
    }

    #[test]
    fn phases_ask_for_exactly_the_candidates() {
        let v = run(Case {
            reviews: vec![review(1, "alice", "APPROVED"), review(2, "author", "APPROVED"), review(3, "bob", "COMMENT")],
            membership: None,
            ..Case::default()
        });
        assert_eq!(v.verdict, Outcome::Error, "an interim verdict is fail-closed");
        assert_eq!(
            v.needs,
            Some(Needs::Membership(vec![MembershipProbe { login: "alice".into(), teams: vec!["acme/qa".into()] }]))
        );
    }

    #[test]
    fn status_texts() {
        let pass = run(Case {
            reviews: vec![review(1, "alice", "APPROVED")],
            membership: Some(vec![member("alice", Some(true))]),
            ..Case::default()
        });
        assert_eq!(pass.status.expect("status").description, "approved by alice (qa)");
        let fail = run(Case::default());
        let status = fail.status.expect("status");
        assert_eq!((status.state.as_str(), status.description.as_str()), ("failure", "0/1 qa approvals"));
        let error = run(Case {
            reviews: vec![review(1, "alice", "APPROVED")],
            readable: false,
            membership: None,
            ..Case::default()
        });
        let status = error.status.expect("status");
        assert_eq!(status.state, "error");
        assert!(
            status.description.starts_with("cannot verify acme/qa: SOP_TIER_CHECK_TOKEN"),
            "{}",
            status.description
        );
        let finding =
            error.findings.iter().find(|f| f.code == Code::TeamUnreadable && f.level == Level::Error).expect("finding");
        assert!(
            finding
                .help
                .as_deref()
                .is_some_and(|h| h.contains("read:organization") && h.contains("SOP_TIER_CHECK_TOKEN"))
        );
    }

    /// The waiver corpus cases (tests/corpus/approvals), decided natively: the outcome, code and
    /// `waived-by` each case is about, independent of the blessed verdict files.
    #[test]
    fn waiver_corpus_cases_decide_what_they_are_named_for() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/approvals");
        let expected: &[(&str, &str, &str, Option<&str>)] = &[
            ("waived-by-member", "pass", "approvals-waived", Some("lead-dave")),
            ("waiver-by-author-not-counted", "fail", "approvals-missing", Some("")),
            ("waiver-by-non-member-not-counted", "fail", "approvals-missing", Some("")),
            ("waiver-without-reason-not-counted", "fail", "approvals-missing", Some("")),
            ("waiver-in-code-fence-or-html-comment-not-counted", "fail", "approvals-missing", Some("")),
            ("waiver-in-edited-comment-not-counted", "fail", "approvals-missing", Some("")),
            ("waiver-in-stale-review-not-counted", "fail", "approvals-missing", Some("")),
            ("waiver-of-another-rule-not-counted", "fail", "approvals-missing", Some("")),
            ("waiver-membership-unconfirmed-undecided", "error", "membership-unverified", Some("")),
            ("waiver-without-waivable-by-changes-nothing", "fail", "approvals-missing", None),
        ];
        for (name, verdict, code, waived_by) in expected {
            let input = std::fs::read(dir.join(format!("{name}.input.json"))).expect(name);
            let v: Value = serde_json::from_slice(&crate::evaluate_bytes(&input)).expect("json");
            assert_eq!(v["verdict"], *verdict, "{name}: {}", v["reason"]);
            assert_eq!(v["code"], *code, "{name}: {}", v["reason"]);
            assert_eq!(v["outputs"]["waived-by"].as_str(), *waived_by, "{name}: {}", v["outputs"]);
            assert_eq!(v["outputs"]["approved-by"], "", "{name}: a waiver is never an approval");
        }
        let status = |name: &str| {
            let input = std::fs::read(dir.join(format!("{name}.input.json"))).expect("input");
            let v: Value = serde_json::from_slice(&crate::evaluate_bytes(&input)).expect("json");
            (
                v["status"]["description"].as_str().unwrap_or("").to_owned(),
                v["summary"].as_str().unwrap_or("").to_owned(),
            )
        };
        let (description, summary) = status("waived-by-member");
        assert_eq!(description, "waived by lead-dave in comment #6: docs-only change, no auth code");
        assert!(
            summary.contains(
                "| `waived` | `lead-dave` | `leads` | `security in comment #6 for head 000000000000: docs-only change"
            ),
            "{summary}"
        );
        // The waiver's author is probed in the waivable teams, in the same wave as the approvers.
        let input = std::fs::read(dir.join("asks-membership-of-approvers-and-waivers.input.json")).expect("input");
        let v: Value = serde_json::from_slice(&crate::evaluate_bytes(&input)).expect("json");
        assert_eq!(
            v["needs"]["membership"],
            json!([{"login": "carol", "teams": ["acme/qa"]}, {"login": "lead-dave", "teams": ["acme/leads"]}]),
            "{}",
            v["needs"]
        );
    }
}
