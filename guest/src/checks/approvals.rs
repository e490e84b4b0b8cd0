//! Approvals: has at least `min` member of the named teams (any of them) approved the pull
//! request? The seed's `qa-review` / `security-review` gates (molecule-core#1363).
//!
//! Three phases, each a pure function of its input:
//! 1. no pull request yet → ask the host for it (number from `--pr` or the event payload);
//! 2. pull request and all reviews, no membership yet → name the reviewers worth probing (only
//!    those whose latest review could count) and ask the host to probe exactly those;
//! 3. everything known → tally. An unconfirmed membership never counts: if confirmed approvals
//!    alone reach `min`, the gate passes; if the shortfall could be an unconfirmed member, the
//!    gate cannot decide (exit 3) and says what the token's owner needs.

use serde_json::{Value, json};

use crate::InvalidInput;
use crate::checks::trust::{Classification, classify, secret_policy};
use crate::findings::{Code, Finding, Level};
use crate::membership::{Memberships, Standing, TeamFact, team_label, token_fix};
use crate::protocol::{MembershipProbe, Needs, Outcome, RunContext, StatusText, Verdict};
use crate::pulls::{author_login, pull_request_number};
use crate::reviews::{Decision, exclusion, head_sha, latest_decisions};
use crate::text::{join_bounded, one_line};

pub use gitea_gate_protocol::ApprovalFacts;

pub fn evaluate(facts: ApprovalFacts) -> Result<Verdict, InvalidInput> {
    let c = classify(&facts.context);
    if facts.teams.is_empty() {
        return Err(InvalidInput("no teams to count approvals from".to_owned()));
    }
    let teams = facts.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");

    if let Some(token) = facts.token.as_ref().filter(|t| !t.present) {
        let purpose = format!("counting {teams} approvals");
        let policy = secret_policy(&c, &[token.name.as_str()], &purpose);
        let status = format!("{} is not set", one_line(&token.name));
        return Ok(policy_verdict("approvals", &c, policy.outcome, policy.decisive, &status));
    }
    let Some(pr) = facts.pull_request.as_ref() else {
        return Ok(ask_for_pull_request(&c, "approvals", facts.pr_number, &facts.context));
    };
    let author = author_login(pr).unwrap_or_default();
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or(0);
    let head = head_sha(pr);

    // An approval counts only if it stands: of the head (or --allow-stale), not dismissed, not
    // re-requested (reviews.rs).
    let (latest, malformed) = latest_decisions(&facts.reviews);
    let mut excluded = Vec::new();
    let mut candidates = Vec::new();
    for review in &latest {
        match exclusion(review, &author, head, facts.allow_stale) {
            Some(why) => excluded.push(why),
            None => candidates.push(review),
        }
    }
    let approvers: Vec<&str> =
        candidates.iter().filter(|r| r.decision == Decision::Approved).map(|r| r.login.as_str()).collect();
    let blockers: Vec<&str> = if facts.block_on_changes_requested {
        // A change request blocks whether or not it is stale or of the head (as in Gitea's own
        // merge check), and until the reviewer reviews again even when re-requested.
        latest
            .iter()
            .filter(|r| r.decision == Decision::ChangesRequested && exclusion(r, &author, head, true).is_none())
            .map(|r| r.login.as_str())
            .collect()
    } else {
        Vec::new()
    };

    let to_probe: Vec<&str> = approvers.iter().chain(&blockers).copied().collect();
    if facts.membership.is_none() && !to_probe.is_empty() {
        let readable: Vec<String> = facts.teams.iter().filter(|t| t.readable).map(|t| t.reference.clone()).collect();
        if !readable.is_empty() {
            let mut probes: Vec<MembershipProbe> = to_probe
                .iter()
                .map(|login| MembershipProbe { login: (*login).to_owned(), teams: readable.clone() })
                .collect();
            probes.dedup_by(|a, b| a.login.eq_ignore_ascii_case(&b.login));
            let mut verdict = pending(&c, "approvals", "team membership of the reviewers is not known yet");
            verdict.needs = Some(Needs::Membership(probes));
            return Ok(verdict);
        }
    }

    let m = Memberships::new(&facts.teams, facts.membership.as_deref().unwrap_or(&[]));
    let mut confirmed = Vec::new();
    let mut not_members = Vec::new();
    let mut unknown = Vec::new();
    for login in &approvers {
        match m.standing(login) {
            Standing::Member(team) => confirmed.push((*login, team)),
            Standing::NotMember => not_members.push(*login),
            Standing::Unknown(why) => unknown.push((*login, why)),
        }
    }
    let mut blocking = Vec::new();
    let mut blocking_unknown = Vec::new();
    for login in &blockers {
        match m.standing(login) {
            Standing::Member(team) => blocking.push((*login, team)),
            Standing::NotMember => {}
            Standing::Unknown(why) => blocking_unknown.push((*login, why)),
        }
    }

    let shown = |list: &[(&str, String)]| {
        join_bounded(&list.iter().map(|(l, t)| format!("{} ({t})", one_line(l))).collect::<Vec<_>>(), 3)
    };
    let token_name = facts.token.as_ref().map_or("the token".to_owned(), |t| one_line(&t.name));
    let unreadable: Vec<&TeamFact> = facts.teams.iter().filter(|t| !t.readable).collect();
    let count = confirmed.len();
    let min = facts.min as usize;

    let mut findings = vec![c.basis.clone()];
    findings.extend(c.warnings.iter().cloned());
    for why in &excluded {
        findings.push(Finding::new(Code::ReviewNotCounted, Level::Notice, why.clone()));
    }
    for login in &not_members {
        findings.push(Finding::new(
            Code::ReviewNotCounted,
            Level::Notice,
            format!("{} approved but is not a member of {teams}", one_line(login)),
        ));
    }
    if malformed > 0 {
        findings.push(Finding::new(
            Code::ReviewNotCounted,
            Level::Warning,
            format!("{malformed} approving review rows without a user were ignored"),
        ));
    }
    if !unreadable.is_empty() {
        findings.push(
            Finding::new(
                Code::TeamUnreadable,
                Level::Warning,
                format!(
                    "{token_name} cannot read {}",
                    unreadable
                        .iter()
                        .map(|t| format!(
                            "{} ({})",
                            team_label(t),
                            t.unreadable_reason.as_deref().map_or(String::new(), one_line)
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .help(token_fix(&token_name, &unreadable)),
        );
    }

    let (outcome, decisive, description) = if !blocking.is_empty() {
        let who = shown(&blocking);
        (
            Outcome::Fail,
            Finding::new(Code::ChangesRequested, Level::Error, format!("changes requested by {who} on #{number}"))
                .help("address the review, then ask the reviewer to approve (--block-on-changes-requested)"),
            format!("changes requested by {who}"),
        )
    } else if count >= min && blocking_unknown.is_empty() {
        let who = shown(&confirmed);
        (
            Outcome::Pass,
            Finding::new(
                Code::ApprovalsMet,
                Level::Notice,
                format!("{count}/{min} {teams} approvals on #{number}: {who}"),
            ),
            format!("approved by {who}"),
        )
    } else if !unknown.is_empty() || !blocking_unknown.is_empty() {
        let whys: Vec<String> = unknown.iter().chain(&blocking_unknown).map(|(_, why)| why.clone()).collect();
        let verify = if unreadable.is_empty() {
            "membership".to_owned()
        } else {
            unreadable.iter().map(|t| team_label(t)).collect::<Vec<_>>().join(", ")
        };
        let code = if unreadable.is_empty() { Code::MembershipUnverified } else { Code::TeamUnreadable };
        let teams_needing: Vec<&TeamFact> =
            if unreadable.is_empty() { facts.teams.iter().collect() } else { unreadable.clone() };
        (
            Outcome::Error,
            Finding::new(
                code,
                Level::Error,
                format!(
                    "cannot verify {teams} membership for {} with {token_name}; {count}/{min} confirmed",
                    join_bounded(
                        &unknown.iter().chain(&blocking_unknown).map(|(l, _)| one_line(l)).collect::<Vec<_>>(),
                        3
                    )
                ),
            )
            .message(format!(
                "{count} of the {min} required {teams} approvals are confirmed, and the rest cannot be decided: {}. \
                 An unconfirmed membership never counts.",
                join_bounded(&whys, 2)
            ))
            .help(token_fix(&token_name, &teams_needing)),
            format!("cannot verify {verify}: {token_name} cannot read team membership"),
        )
    } else {
        (
            Outcome::Fail,
            Finding::new(Code::ApprovalsMissing, Level::Error, format!("{count}/{min} {teams} approvals on #{number}"))
                .help(format!("ask a member of {teams} to review and approve the pull request")),
            format!("{count}/{min} {teams} approvals"),
        )
    };

    let mut verdict = Verdict::new("approvals", outcome, c.trust, &decisive);
    verdict.findings = findings;
    verdict.findings.push(decisive);
    let state = match outcome {
        Outcome::Pass | Outcome::Skip => "success",
        Outcome::Fail => "failure",
        Outcome::Error => "error",
    };
    verdict.status = Some(StatusText { state: state.to_owned(), description: bounded(&description) });
    verdict
        .outputs
        .insert("approved-by".to_owned(), confirmed.iter().map(|(l, _)| l.to_string()).collect::<Vec<_>>().join(","));
    verdict.outputs.insert("approvals".to_owned(), count.to_string());
    verdict.details = json!({
        "pull_request": number,
        "author": author,
        "min": min,
        "teams": facts.teams.iter().map(|t| json!({"team": team_label(t), "readable": t.readable})).collect::<Vec<_>>(),
        "approved_by": confirmed.iter().map(|(l, t)| json!({"login": l, "team": t})).collect::<Vec<_>>(),
        "not_members": not_members,
        "unconfirmed": unknown.iter().map(|(l, why)| json!({"login": l, "why": why})).collect::<Vec<_>>(),
        "changes_requested_by": blocking.iter().map(|(l, t)| json!({"login": l, "team": t})).collect::<Vec<_>>(),
        "latest_reviews": latest,
    });
    Ok(verdict)
}

/// Commit-status descriptions are short one-liners.
pub fn bounded(description: &str) -> String {
    let line = one_line(description);
    if line.chars().count() <= 140 { line } else { format!("{}…", line.chars().take(139).collect::<String>()) }
}

/// The verdict for a missing token (trust policy).
pub fn policy_verdict(
    check: &str,
    c: &Classification,
    outcome: Outcome,
    decisive: Option<Finding>,
    status: &str,
) -> Verdict {
    let decisive = decisive.unwrap_or_else(|| c.basis.clone());
    let mut verdict = Verdict::new(check, outcome, c.trust, &decisive);
    verdict.findings.push(c.basis.clone());
    verdict.findings.extend(c.warnings.iter().cloned());
    verdict.findings.push(decisive);
    if outcome == Outcome::Fail {
        verdict.status = Some(StatusText { state: "failure".to_owned(), description: bounded(status) });
    }
    verdict
}

/// A fail-closed interim verdict that asks the host for more facts.
pub fn pending(c: &Classification, check: &str, what: &str) -> Verdict {
    let finding = Finding::new(Code::FactsNeeded, Level::Error, what.to_owned());
    let mut verdict = Verdict::new(check, Outcome::Error, c.trust, &finding);
    verdict.findings.push(finding);
    verdict
}

/// Ask for the pull request the run is about, or say that there is none.
pub fn ask_for_pull_request(c: &Classification, check: &str, explicit: Option<u64>, context: &RunContext) -> Verdict {
    match explicit.or_else(|| pull_request_number(context)) {
        Some(number) => {
            let mut verdict = pending(c, check, &format!("pull request #{number} has not been fetched yet"));
            verdict.needs = Some(Needs::PullRequestData(number));
            verdict
        }
        None => {
            let event = &c.event;
            let finding = Finding::new(Code::NoPullRequest, Level::Error, format!("this {event} run is not about a pull request"))
                .help("run the gate on pull_request, pull_request_target, pull_request_review or issue_comment events, or pass --pr N");
            let mut verdict = Verdict::new(check, Outcome::Error, c.trust, &finding);
            verdict.findings.push(finding);
            verdict
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::membership::MembershipFact;
    use crate::protocol::EventFacts;
    use crate::protocol::SecretFact;

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
    }

    impl Default for Case {
        fn default() -> Case {
            Case { reviews: vec![], min: 1, readable: true, membership: Some(vec![]), allow_stale: false, block: false }
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
            teams: vec![team(case.readable)],
            min: case.min,
            allow_stale: case.allow_stale,
            block_on_changes_requested: case.block,
            membership: case.membership,
        };
        evaluate(facts).expect("valid")
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
}
