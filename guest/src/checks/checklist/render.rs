//! The checklist verdict in words: the status line, findings (commands that did not count, who
//! waived what and why), the deciding finding with its fix, step outputs and `details`. Decides
//! nothing (decide.rs does).

use serde_json::json;

use crate::checks::pull_request::{status, teams_needing};
use crate::checks::summary;
use crate::checks::trust::Classification;
use crate::findings::{Code, Finding, Level};
use crate::membership::{team_label, token_fix};
use crate::protocol::{Outcome, Verdict};
use crate::text::{join_bounded, one_line};

use super::ChecklistFacts;
use super::decide::{Call, Decision, DroppedReview, ItemState, NotCounted};
use super::gather::{Aggregate, Problem, SHOWN};
use super::tier::Tier;
use super::unchecked_boxes;

/// How many reviews that no longer stand are named one by one before the rest are summed up.
const MAX_UNSTANDING_REVIEWS_SHOWN: usize = 10;

/// Everything the words need besides the decision.
pub struct Context<'a> {
    pub c: &'a Classification,
    pub facts: &'a ChecklistFacts,
    pub number: u64,
    pub body: &'a str,
    /// The ack teams' short names, joined (`qa, security`).
    pub teams: String,
    pub token_name: String,
}

fn commands_word(n: usize) -> String {
    if n == 1 { "1 command".to_owned() } else { format!("{n} commands") }
}

/// Findings about commands that did not count: one per person × problem.
impl Aggregate {
    fn targets(&self) -> String {
        let mut shown = self.targets.join(", ");
        if self.more_targets {
            shown.push_str(", …");
        }
        shown
    }

    fn sources(&self) -> String {
        let mut shown = self.sources.join(", ");
        if self.source_count > self.sources.len() {
            shown.push_str(&format!(", +{} more", self.source_count - self.sources.len()));
        }
        shown
    }

    pub fn finding(&self, teams: &str) -> Finding {
        let who = one_line(&self.login);
        let (n, targets, sources) = (commands_word(self.commands), self.targets(), self.sources());
        match self.problem {
            Problem::UnknownItem => Finding::new(
                Code::UnknownChecklistItem,
                Level::Warning,
                format!("unknown checklist item {targets} ({who}, {n} in {sources})"),
            ),
            Problem::AuthorWaiver => Finding::new(
                Code::AuthorWaiver,
                Level::Warning,
                format!("{who} (the author) cannot waive {targets}: {n} not counted ({sources})"),
            )
            .message(format!(
                "{who} is the pull request's author and declared {targets} not applicable ({n} in {sources}). \
                 Only a member of {teams} who is not the author can waive an item, so this does not count."
            ))
            .help(format!(
                "ask a member of {teams} to acknowledge the items, or to waive them with `/sop-n/a <id> <reason>`"
            )),
            Problem::Contributor => Finding::new(
                Code::ContributorNotCounted,
                Level::Notice,
                format!("{who} {}, so {who}'s commands for {targets} do not count: {n} ({sources})", self.detail),
            )
            .message(format!(
                "{who} {}. Like the author, someone who pushed to a pull request or wrote one of its commits \
                 does not acknowledge or waive its items ({n} in {sources}).",
                self.detail
            ))
            .help(format!(
                "ask a member of {teams} who did not contribute to acknowledge the items; or set \
                 allow_contributors in the checklist configuration"
            )),
            Problem::Outdated => Finding::new(
                Code::WaiverOutdated,
                Level::Notice,
                format!("{sources} by {who} does not count for the head: {}; its {n} do not count", self.detail),
            )
            .help("ask for the acknowledgements again after the latest push (or set keep_acks_across_pushes)"),
            problem => {
                let summary = match problem {
                    Problem::AuthorAck => {
                        format!("{who} (the author) cannot acknowledge {targets}: {n} not counted ({sources})")
                    }
                    Problem::NoTarget => {
                        format!("{who} wrote {targets} without an item id: {n} not counted ({sources})")
                    }
                    Problem::NoReason => {
                        format!("{who} waived {targets} without a visible reason: {n} not counted ({sources})")
                    }
                    _ => format!(
                        "{sources} by {who} was edited after posting, so its {n} do not count (count_edited_comments is off)"
                    ),
                };
                Finding::new(Code::AckNotCounted, Level::Notice, summary)
            }
        }
    }
}

/// The commit-status line: `[info tier:low] acked: 2/4, waived: 1 by qa-bot — missing: smoke`.
fn description(d: &Decision<'_>) -> String {
    let acked = d.ids(|s| s == ItemState::Acked).len();
    let waived = d.ids(|s| s == ItemState::Waived);
    let missing = d.missing();
    let mut waivers: Vec<String> = Vec::new();
    for (_, login, _) in d.rows.iter().filter_map(|r| r.waived_by.as_ref()) {
        if !waivers.iter().any(|l| l.eq_ignore_ascii_case(login)) {
            waivers.push(one_line(login));
        }
    }
    let mut description = format!("acked: {acked}/{}", d.rows.len());
    if !waived.is_empty() {
        description.push_str(&format!(", waived: {} by {}", waived.len(), join_bounded(&waivers, 2)));
    }
    if !missing.is_empty() {
        description.push_str(&format!(" — missing: {}", join_bounded(&missing, 3)));
    }
    if d.tier == Tier::Low {
        description = format!("[info tier:low] {description}");
    }
    description
}

fn not_counted(n: &NotCounted, teams: &str) -> Finding {
    let mut what = Vec::new();
    if !n.acked.is_empty() {
        what.push(format!("/sop-ack of {}", join_bounded(&n.acked, SHOWN)));
    }
    if !n.waived.is_empty() {
        what.push(format!("/sop-n/a of {}", join_bounded(&n.waived, SHOWN)));
    }
    Finding::new(
        Code::AckNotCounted,
        Level::Notice,
        format!("{} is not a member of {teams}: {} not counted", one_line(&n.login), what.join(" and ")),
    )
}

fn dropped_reviews(dropped: &[DroppedReview], findings: &mut Vec<Finding>) {
    // Bounded like every other finding list: a flood of dismissed reviews is one summary line.
    for r in dropped.iter().take(MAX_UNSTANDING_REVIEWS_SHOWN) {
        let note = format!(
            "the {} command(s) in review #{} by {} do not count: the review {}",
            r.commands,
            r.id,
            one_line(&r.login),
            r.why.describe(),
        );
        findings.push(Finding::new(Code::ReviewAckNotCounted, Level::Notice, note));
    }
    if let Some(more) = dropped.len().checked_sub(MAX_UNSTANDING_REVIEWS_SHOWN).filter(|n| *n > 0) {
        findings.push(Finding::new(
            Code::ReviewAckNotCounted,
            Level::Notice,
            format!("{more} more reviews that no longer stand carried commands; none of them count"),
        ));
    }
}

/// The findings before the deciding one.
fn notes(x: &Context<'_>, d: &Decision<'_>, problems: &[Aggregate], dropped: &[DroppedReview]) -> Vec<Finding> {
    let mut findings = vec![x.c.basis.clone()];
    findings.extend(x.c.warnings.iter().cloned());
    findings.extend(d.tier_trust.findings.iter().cloned());
    if d.tier_trust.labelled.is_none() {
        findings.push(
            Finding::new(
                Code::NoTierLabel,
                Level::Warning,
                format!("#{} has no tier label; treating it as tier:high", x.number),
            )
            .help("label the pull request tier:low, tier:medium or tier:high"),
        );
    }
    findings.extend(problems.iter().map(|a| a.finding(&x.teams)));
    findings.extend(d.not_counted.iter().map(|n| not_counted(n, &x.teams)));
    dropped_reviews(dropped, &mut findings);
    for title in unchecked_boxes(x.body) {
        let matched = x.facts.items.iter().find(|i| i.title.eq_ignore_ascii_case(&title));
        let label = matched.map_or_else(|| one_line(&title), |i| format!("{} ({})", one_line(&title), i.id));
        findings.push(Finding::new(
            Code::UncheckedBox,
            Level::Notice,
            format!("the pull request body leaves \"{label}\" unchecked"),
        ));
    }
    findings
}

/// Who waived what, and why: said in the deciding finding's message, apart from the acks.
fn with_waivers(d: &Decision<'_>, message: String) -> String {
    let story: Vec<String> = d
        .rows
        .iter()
        .filter_map(|r| {
            let (w, login, _) = r.waived_by.as_ref()?;
            Some(format!("{} by {} ({}): {}", r.item.id, one_line(login), w.source, w.reason))
        })
        .collect();
    if story.is_empty() { message } else { format!("{message}. Waived, not acknowledged: {}", story.join("; ")) }
}

/// The deciding finding and the commit-status description for the call.
fn decisive(x: &Context<'_>, d: &Decision<'_>) -> (Outcome, Finding, String) {
    let (number, teams) = (x.number, &x.teams);
    let description = description(d);
    match d.call {
        Call::Complete => {
            let finding = Finding::new(Code::ChecklistComplete, Level::Notice, format!("#{number}: {description}"))
                .message(with_waivers(d, format!("#{number}: {description}")));
            (Outcome::Pass, finding, description)
        }
        Call::Informational => {
            let message = format!("#{number} is tier:low, so the checklist is informational: {description}");
            let finding =
                Finding::new(Code::ChecklistInformational, Level::Warning, format!("#{number}: {description}"))
                    .message(with_waivers(d, message));
            (Outcome::Pass, finding, description)
        }
        Call::Unverifiable => {
            let unverified = d.ids(|s| s == ItemState::Unverified);
            let (code, needing) = teams_needing(&x.facts.teams);
            let token_name = &x.token_name;
            let finding = Finding::new(
                code,
                Level::Error,
                format!("cannot verify who acknowledged {}", join_bounded(&unverified, 3)),
            )
            .message(format!(
                "Acknowledgements of {} come from people whose {teams} membership {token_name} cannot confirm: {}. \
                     An unconfirmed membership never counts.",
                join_bounded(&unverified, 3),
                join_bounded(&d.unverified_people, 2)
            ))
            .help(token_fix(token_name, &needing));
            let description =
                format!("cannot verify {teams} membership for acks: {token_name} cannot read team membership");
            (Outcome::Error, finding, description)
        }
        Call::Incomplete => {
            let tier = d.tier.as_str();
            let finding = Finding::new(
                Code::ChecklistIncomplete,
                Level::Error,
                format!("#{number} (tier:{tier}): {description}"),
            )
            .message(with_waivers(d, format!("#{number} (tier:{tier}): {description}")))
            .help(format!(
                "a member of {teams} who is not the author comments `/sop-ack <id>` on its own line for each item, \
                 or waives it with `/sop-n/a <id> <reason>` (docs/commands.md: what counts as a command)"
            ));
            (Outcome::Fail, finding, description)
        }
    }
}

/// The final verdict.
pub fn verdict(x: &Context<'_>, d: &Decision<'_>, problems: &[Aggregate], dropped: &[DroppedReview]) -> Verdict {
    let (outcome, decisive, description) = decisive(x, d);
    let mut verdict = Verdict::new("checklist", outcome, x.c.trust, &decisive);
    verdict.findings = notes(x, d, problems, dropped);
    verdict.findings.push(decisive);
    verdict.status = Some(status(outcome, &description));
    let acked = d.ids(|s| s == ItemState::Acked).len();
    verdict.outputs.insert("acked".to_owned(), format!("{acked}/{}", d.rows.len()));
    verdict.outputs.insert("waived".to_owned(), d.ids(|s| s == ItemState::Waived).join(","));
    verdict.outputs.insert("missing".to_owned(), d.missing().join(","));
    verdict.outputs.insert("tier".to_owned(), d.tier.as_str().to_owned());
    verdict.details = details(x, d);
    summary::attach(&mut verdict, &["item", "state", "by", "note"], rows(d));
    verdict
}

/// The job summary's table: each item, its state, who acked or waived it, and the waiver's reason
/// or who could not be confirmed.
fn rows(d: &Decision<'_>) -> Vec<Vec<String>> {
    d.rows
        .iter()
        .map(|r| {
            let (by, note) = match (&r.waived_by, r.state) {
                (_, ItemState::Acked) => {
                    (r.acked_by.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>().join(", "), "")
                }
                (Some((w, login, _)), ItemState::Waived) => (login.clone(), w.reason.as_str()),
                (_, ItemState::Unverified) => (r.unverified.join(", "), "membership not confirmed"),
                _ => (String::new(), ""),
            };
            vec![r.item.id.clone(), r.state.as_str().to_owned(), by, note.to_owned()]
        })
        .collect()
}

fn details(x: &Context<'_>, d: &Decision<'_>) -> serde_json::Value {
    let pairs = |list: &[(String, String)]| -> Vec<serde_json::Value> {
        list.iter().map(|(l, t)| json!({"login": l, "team": t})).collect()
    };
    json!({
        "pull_request": x.number,
        "tier": d.tier,
        "tier_label_found": d.tier_trust.tier.is_some(),
        "tier_label_trust": d.tier_trust.details,
        "ack_teams": x.facts.teams.iter().map(team_label).collect::<Vec<_>>(),
        "items": d.rows.iter().map(|r| json!({
            "id": r.item.id,
            "title": r.item.title,
            "status": r.state.as_str(),
            "acked_by": pairs(&r.acked_by),
            "waived_by": r.waived_by.as_ref().map(|(w, l, t)| json!({"login": l, "team": t, "reason": w.reason, "source": w.source})),
            "unverified": r.unverified,
        })).collect::<Vec<_>>(),
    })
}
