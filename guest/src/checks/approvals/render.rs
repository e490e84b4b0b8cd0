//! The approvals verdict in words: findings, the deciding finding with its fix, the commit status
//! line, step outputs and `details`. Decides nothing (decide.rs does).

use serde_json::json;

use crate::checks::pull_request::{status, teams_needing};
use crate::checks::summary;
use crate::checks::trust::Classification;
use crate::findings::{Code, Finding, Level};
use crate::membership::{TeamFact, team_label, token_fix};
use crate::protocol::{Outcome, Verdict};
use crate::text::{join_bounded, one_line};

use super::decide::{Call, Reviews, Tally};

/// Everything the words need besides the decision.
pub struct Words<'a> {
    pub c: &'a Classification,
    pub teams: &'a [TeamFact],
    /// The teams' short names, joined (`qa, security`).
    pub team_names: String,
    pub token_name: String,
}

/// `alice (qa), bob (qa), +2`
fn shown(list: &[(String, String)]) -> String {
    join_bounded(&list.iter().map(|(l, t)| format!("{} ({t})", one_line(l))).collect::<Vec<_>>(), 3)
}

/// The findings before the deciding one: trust, dropped reviews, non-members, unreadable teams.
fn notes(w: &Words<'_>, reviews: &Reviews<'_>, tally: &Tally) -> Vec<Finding> {
    let teams = &w.team_names;
    let mut findings = vec![w.c.basis.clone()];
    findings.extend(w.c.warnings.iter().cloned());
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
    let unreadable: Vec<&TeamFact> = w.teams.iter().filter(|t| !t.readable).collect();
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
fn decisive(w: &Words<'_>, number: u64, tally: &Tally) -> (Outcome, Finding, String) {
    let (teams, token_name) = (&w.team_names, &w.token_name);
    let (count, min) = (tally.confirmed.len(), tally.min);
    match tally.call {
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
        Call::Unverifiable => {
            let undecided = || tally.unknown.iter().chain(&tally.blocking_unknown);
            let whys: Vec<String> = undecided().map(|(_, why)| why.clone()).collect();
            let logins: Vec<String> = undecided().map(|(l, _)| one_line(l)).collect();
            let (code, needing) = teams_needing(w.teams);
            let verify = if code == Code::MembershipUnverified {
                "membership".to_owned()
            } else {
                needing.iter().map(|t| team_label(t)).collect::<Vec<_>>().join(", ")
            };
            let finding = Finding::new(
                code,
                Level::Error,
                format!(
                    "cannot verify {teams} membership for {} with {token_name}; {count}/{min} confirmed",
                    join_bounded(&logins, 3)
                ),
            )
            .message(format!(
                "{count} of the {min} required {teams} approvals are confirmed, and the rest cannot be decided: {}. \
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
pub fn verdict(w: &Words<'_>, reviews: &Reviews<'_>, tally: &Tally) -> Verdict {
    let (outcome, decisive, description) = decisive(w, reviews.number, tally);
    let mut verdict = Verdict::new("approvals", outcome, w.c.trust, &decisive);
    verdict.findings = notes(w, reviews, tally);
    verdict.findings.push(decisive);
    verdict.status = Some(status(outcome, &description));
    let confirmed: Vec<&str> = tally.confirmed.iter().map(|(l, _)| l.as_str()).collect();
    verdict.outputs.insert("approved-by".to_owned(), confirmed.join(","));
    verdict.outputs.insert("approvals".to_owned(), confirmed.len().to_string());
    let pairs = |list: &[(String, String)], key: &str| -> Vec<serde_json::Value> {
        list.iter().map(|(l, v)| json!({"login": l, key: v})).collect()
    };
    verdict.details = json!({
        "pull_request": reviews.number,
        "author": reviews.author,
        "min": tally.min,
        "teams": w.teams.iter().map(|t| json!({"team": team_label(t), "readable": t.readable})).collect::<Vec<_>>(),
        "approved_by": pairs(&tally.confirmed, "team"),
        "not_members": tally.not_members,
        "unconfirmed": pairs(&tally.unknown, "why"),
        "changes_requested_by": pairs(&tally.blocking, "team"),
        "latest_reviews": reviews.latest,
    });
    summary::attach(&mut verdict, &["", "reviewer", "team", "why"], rows(w, reviews, tally));
    verdict
}

/// The job summary's table: who counted, who blocks, who is unconfirmed or not counted and why,
/// and how many approvals are missing.
fn rows(w: &Words<'_>, reviews: &Reviews<'_>, tally: &Tally) -> Vec<Vec<String>> {
    let row = |what: &str, login: &str, team: &str, why: &str| {
        vec![what.to_owned(), login.to_owned(), team.to_owned(), why.to_owned()]
    };
    let mut rows: Vec<Vec<String>> = tally.confirmed.iter().map(|(l, t)| row("counted", l, t, "")).collect();
    rows.extend(tally.blocking.iter().map(|(l, t)| row("changes requested", l, t, "")));
    let unknown = tally.unknown.iter().chain(&tally.blocking_unknown);
    rows.extend(unknown.map(|(l, why)| row("unconfirmed", l, "", why)));
    let not_member = format!("not a member of {}", w.team_names);
    rows.extend(tally.not_members.iter().map(|l| row("not counted", l, "", &not_member)));
    rows.extend(reviews.excluded.iter().map(|(l, why)| row("not counted", l, "", why)));
    if let Some(short) = tally.min.checked_sub(tally.confirmed.len()).filter(|n| *n > 0) {
        let more = if short == 1 { "1 more approval".to_owned() } else { format!("{short} more approvals") };
        rows.push(row("missing", "", &w.team_names, &more));
    }
    rows
}
