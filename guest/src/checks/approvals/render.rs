//! The approvals verdict in words: findings, the deciding finding with its fix, the commit status
//! line, step outputs and `details`. Decides nothing (decide.rs does).

use serde_json::json;

use crate::checks::pull_request::{status, teams_needing};
use crate::checks::summary;
use crate::checks::trust::Classification;
use crate::findings::{Code, Finding, Level};
use crate::membership::{TeamFact, team_label, token_fix};
use crate::protocol::{Outcome, ReviewRequest, Verdict};
use crate::text::{join_bounded, one_line};

use super::decide::{Call, Gathered, Tally};

/// Everything the words need besides the decision.
pub struct Words<'a> {
    pub c: &'a Classification,
    /// The teams whose approvals count.
    pub teams: &'a [TeamFact],
    /// Those and the waivable teams, each once.
    pub all_teams: &'a [TeamFact],
    /// `--waivable-by`: empty when the gate cannot be waived.
    pub waivable: &'a [TeamFact],
    /// `--rule`: the name a waiver gives.
    pub rule: &'a str,
    /// The teams' short names, joined (`qa, security`).
    pub team_names: String,
    pub token_name: String,
    /// Whom `--request-reviews` asks (requests.rs).
    pub asked: Option<ReviewRequest>,
}

/// `alice (qa), bob (qa), +2`
fn shown(list: &[(String, String)]) -> String {
    join_bounded(&list.iter().map(|(l, t)| format!("{} ({t})", one_line(l))).collect::<Vec<_>>(), 3)
}

/// `approval (review #4): pushed commit 3f2a… to the pull request`
fn contributed(x: &crate::rules::eval::ByContributor) -> String {
    format!("{}: {} (a contributor)", x.what, x.how)
}

/// `qa, security`
fn names(teams: &[TeamFact]) -> String {
    teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// The findings before the deciding one: trust, dropped reviews, non-members, waivers that do not
/// count, unreadable teams.
fn notes(w: &Words<'_>, g: &Gathered<'_>, tally: &Tally) -> Vec<Finding> {
    let reviews = &g.reviews;
    let teams = &w.team_names;
    let mut findings = vec![w.c.basis.clone()];
    findings.extend(w.c.warnings.iter().cloned());
    for how in &reviews.kept {
        findings.push(Finding::new(Code::ApprovalKeptAcrossBaseMerges, Level::Notice, how.clone()));
    }
    for (_, why) in &reviews.excluded {
        findings.push(Finding::new(Code::ReviewNotCounted, Level::Notice, why.clone()));
    }
    for login in &tally.not_members {
        findings.push(Finding::new(
            Code::ReviewNotCounted,
            Level::Notice,
            format!("{} approved but is not a member of {teams}", one_line(login)),
        ));
    }
    if reviews.malformed > 0 {
        findings.push(Finding::new(
            Code::ReviewNotCounted,
            Level::Warning,
            format!("{} approving review rows without a user were ignored", reviews.malformed),
        ));
    }
    for r in &tally.rejected {
        let code = if r.outdated { Code::WaiverOutdated } else { Code::WaiverNotCounted };
        findings.push(Finding::new(
            code,
            Level::Warning,
            format!("{}'s /sop-n/a {} in {} does not count: {}", one_line(&r.login), r.rule, r.source, r.why),
        ));
    }
    findings.extend(tally.contributors.iter().map(|x| crate::checks::pull_request::contributor_finding("", x)));
    let unreadable: Vec<&TeamFact> = w.all_teams.iter().filter(|t| !t.readable).collect();
    if !unreadable.is_empty() {
        let which = unreadable
            .iter()
            .map(|t| format!("{} ({})", team_label(t), t.unreadable_reason.as_deref().map_or(String::new(), one_line)))
            .collect::<Vec<_>>()
            .join(", ");
        findings.push(
            Finding::new(Code::TeamUnreadable, Level::Warning, format!("{} cannot read {which}", w.token_name))
                .help(token_fix(&w.token_name, &unreadable)),
        );
    }
    findings
}

/// The deciding finding and the commit-status description for the call.
fn decisive(w: &Words<'_>, g: &Gathered<'_>, tally: &Tally) -> (Outcome, Finding, String) {
    let number = g.number;
    let (teams, token_name) = (&w.team_names, &w.token_name);
    let (count, min) = (tally.confirmed.len(), tally.min);
    match &tally.call {
        Call::Blocked => {
            let who = shown(&tally.blocking);
            let finding =
                Finding::new(Code::ChangesRequested, Level::Error, format!("changes requested by {who} on #{number}"))
                    .help("address the review, then ask the reviewer to approve (--block-on-changes-requested)");
            (Outcome::Fail, finding, format!("changes requested by {who}"))
        }
        Call::Met => {
            let who = shown(&tally.confirmed);
            let finding = Finding::new(
                Code::ApprovalsMet,
                Level::Notice,
                format!("{count}/{min} {teams} approvals on #{number}: {who}"),
            );
            (Outcome::Pass, finding, format!("approved by {who}"))
        }
        Call::Waived(waiver) => {
            let who = one_line(&waiver.login);
            let finding = Finding::new(
                Code::ApprovalsWaived,
                Level::Notice,
                format!(
                    "{} waived on #{number} by {who} in {} for head {}: {}; {count}/{min} {teams} approvals",
                    w.rule,
                    waiver.source,
                    crate::reviews::short(g.head),
                    waiver.reason
                ),
            );
            (Outcome::Pass, finding, format!("waived by {who} in {}: {}", waiver.source, waiver.reason))
        }
        Call::Unverifiable => {
            let undecided = || tally.unknown.iter().chain(&tally.blocking_unknown).chain(&tally.waivers_unknown);
            let whys: Vec<String> = undecided().map(|(_, why)| why.clone()).collect();
            let logins: Vec<String> = undecided().map(|(l, _)| one_line(l)).collect();
            // Only a waiver's membership is unconfirmed: the waivable teams are the ones to read.
            let only_waiver = tally.unknown.is_empty() && tally.blocking_unknown.is_empty() && !w.waivable.is_empty();
            let (code, needing) = teams_needing(if only_waiver { w.waivable } else { w.all_teams });
            let verify = if code == Code::MembershipUnverified {
                "membership".to_owned()
            } else {
                needing.iter().map(|t| team_label(t)).collect::<Vec<_>>().join(", ")
            };
            let who = join_bounded(&logins, 3);
            let (whose, rest) = if only_waiver {
                (format!("{} membership of {who} (waiver of {})", names(w.waivable), w.rule), "the waiver")
            } else {
                (format!("{teams} membership for {who}"), "the rest")
            };
            let finding = Finding::new(
                code,
                Level::Error,
                format!("cannot verify {whose} with {token_name}; {count}/{min} confirmed"),
            )
            .message(format!(
                "{count} of the {min} required {teams} approvals are confirmed, and {rest} cannot be decided: {}. \
                 An unconfirmed membership never counts.",
                join_bounded(&whys, 2)
            ))
            .help(token_fix(token_name, &needing));
            (Outcome::Error, finding, format!("cannot verify {verify}: {token_name} cannot read team membership"))
        }
        Call::Missing => {
            let finding = Finding::new(
                Code::ApprovalsMissing,
                Level::Error,
                format!("{count}/{min} {teams} approvals on #{number}"),
            )
            .help(format!("ask a member of {teams} to review and approve the pull request"));
            (Outcome::Fail, finding, format!("{count}/{min} {teams} approvals"))
        }
    }
}

/// The final verdict.
pub fn verdict(w: &Words<'_>, g: &Gathered<'_>, tally: &Tally) -> Verdict {
    let (outcome, decisive, description) = decisive(w, g, tally);
    let mut verdict = Verdict::new("approvals", outcome, w.c.trust, &decisive);
    verdict.findings = notes(w, g, tally);
    crate::checks::requests::attach(&mut verdict, w.asked.as_ref());
    verdict.findings.push(decisive);
    verdict.status = Some(status(outcome, &description));
    let confirmed: Vec<&str> = tally.confirmed.iter().map(|(l, _)| l.as_str()).collect();
    verdict.outputs.insert("approved-by".to_owned(), confirmed.join(","));
    verdict.outputs.insert("approvals".to_owned(), confirmed.len().to_string());
    let waiver = match &tally.call {
        Call::Waived(waiver) => Some(waiver),
        _ => None,
    };
    if !w.waivable.is_empty() {
        verdict.outputs.insert("waived-by".to_owned(), waiver.map(|x| x.login.clone()).unwrap_or_default());
    }
    let pairs = |list: &[(String, String)], key: &str| -> Vec<serde_json::Value> {
        list.iter().map(|(l, v)| json!({"login": l, key: v})).collect()
    };
    verdict.details = json!({
        "pull_request": g.number,
        "author": g.author,
        "min": tally.min,
        "teams": w.teams.iter().map(|t| json!({"team": team_label(t), "readable": t.readable})).collect::<Vec<_>>(),
        "approved_by": pairs(&tally.confirmed, "team"),
        "not_members": tally.not_members,
        "unconfirmed": pairs(&tally.unknown, "why"),
        "changes_requested_by": pairs(&tally.blocking, "team"),
        "latest_reviews": g.reviews.latest,
    });
    if !tally.contributors.is_empty() {
        let refused: Vec<serde_json::Value> =
            tally.contributors.iter().map(|x| json!({"login": x.login, "what": x.what, "how": x.how})).collect();
        verdict.details["contributors_not_counted"] = json!(refused);
    }
    if !w.waivable.is_empty() {
        verdict.details["rule"] = json!(w.rule);
        verdict.details["waivable_by"] = json!(w.waivable.iter().map(team_label).collect::<Vec<_>>());
        verdict.details["waived_by"] = json!(waiver);
        let rejected: Vec<serde_json::Value> = tally
            .rejected
            .iter()
            .map(|r| json!({"login": r.login, "source": r.source, "why": r.why, "outdated": r.outdated}))
            .collect();
        verdict.details["waivers_not_counted"] = json!(rejected);
    }
    summary::attach(&mut verdict, &["", "reviewer", "team", "why"], rows(w, g, tally));
    verdict
}

/// The job summary's table: who counted, who blocks, who is unconfirmed or not counted and why,
/// and how many approvals are missing.
fn rows(w: &Words<'_>, g: &Gathered<'_>, tally: &Tally) -> Vec<Vec<String>> {
    let reviews = &g.reviews;
    let row = |what: &str, login: &str, team: &str, why: &str| {
        vec![what.to_owned(), login.to_owned(), team.to_owned(), why.to_owned()]
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    if let Call::Waived(waiver) = &tally.call {
        let why =
            format!("{} in {} for head {}: {}", w.rule, waiver.source, crate::reviews::short(g.head), waiver.reason);
        rows.push(row("waived", &waiver.login, &names(w.waivable), &why));
    }
    rows.extend(tally.confirmed.iter().map(|(l, t)| row("counted", l, t, "")));
    rows.extend(tally.blocking.iter().map(|(l, t)| row("changes requested", l, t, "")));
    let unknown = tally.unknown.iter().chain(&tally.blocking_unknown);
    rows.extend(unknown.map(|(l, why)| row("unconfirmed", l, "", why)));
    rows.extend(tally.waivers_unknown.iter().map(|(l, why)| row("waiver unconfirmed", l, "", why)));
    rows.extend(
        tally.rejected.iter().map(|r| row("waiver not counted", &r.login, "", &format!("{}: {}", r.source, r.why))),
    );
    rows.extend(tally.contributors.iter().map(|x| row("not counted", &x.login, "", &contributed(x))));
    let not_member = format!("not a member of {}", w.team_names);
    rows.extend(tally.not_members.iter().map(|l| row("not counted", l, "", &not_member)));
    rows.extend(reviews.excluded.iter().map(|(l, why)| row("not counted", l, "", why)));
    if let Some(short) = tally.min.checked_sub(tally.confirmed.len()).filter(|n| *n > 0) {
        let more = if short == 1 { "1 more approval".to_owned() } else { format!("{short} more approvals") };
        rows.push(row("missing", "", &w.team_names, &more));
    }
    rows
}
