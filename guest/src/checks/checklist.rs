//! The SOP checklist: is every item of the checklist acknowledged (or waived) by someone allowed
//! to? The seed's `sop-checklist / all-items-acked` gate, whose status reads
//! `[info tier:low] acked: 0/7 — missing: comprehensive-testing, local-postgres-e2e, staging-smoke, +4`.
//!
//! One rule for acks and waivers: a command counts only from a confirmed member of one of the
//! `ack_teams` who is **not the pull request's author**.
//!
//! - `/sop-ack <id>` acknowledges item `<id>`;
//! - `/sop-n/a <id> <reason>` waives it (declares it not applicable); the reason must show
//!   something once white space and invisible characters are removed
//!   ([`crate::commands::has_visible_text`]). The author's own acks and waivers are reported
//!   (`ack-not-counted`, `author-waiver`) and never counted;
//! - what counts as a command in a comment or review body is [`crate::commands`]: lines at column
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

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::InvalidInput;
use crate::checks::approvals::{ask_for_pull_request, bounded, pending, policy_verdict};
use crate::checks::trust::{classify, secret_policy};
use crate::commands::{Verb, for_each_command, has_visible_text};
use crate::findings::{Code, Finding, Level};
use crate::membership::{Memberships, Standing, TeamFact, team_label, token_fix};
use crate::protocol::{MembershipProbe, Needs, Outcome, StatusText, Verdict};
use crate::pulls::author_login;
use crate::reviews::{head_sha, login_of, review_stands};
use crate::text::{join_bounded, one_line};
use crate::tier;

pub use gitea_gate_protocol::{ChecklistFacts, Item};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Low,
    Medium,
    High,
}

impl Tier {
    fn as_str(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
        }
    }
}

/// The highest `tier:*` label, or `None` when there is none.
pub fn tier(labels: &[String]) -> Option<Tier> {
    labels
        .iter()
        .filter_map(|l| match l.trim().to_ascii_lowercase().as_str() {
            "tier:low" => Some(Tier::Low),
            "tier:medium" => Some(Tier::Medium),
            "tier:high" => Some(Tier::High),
            _ => None,
        })
        .max()
}

/// How many targets and sources one aggregated finding names before it only counts.
const SHOWN: usize = 3;

/// A waiver that can count: from someone who is not the author, with a visible reason.
#[derive(Debug, Clone)]
struct Waiver {
    order: usize,
    reason: String,
    source: String,
}

/// Everything one person (not the author) said that could count, per checklist item: the first
/// ack and the first waiver. Bounded by people × items, however many commands they wrote.
#[derive(Debug)]
struct Person {
    login: String,
    acks: Vec<Option<usize>>,
    waivers: Vec<Option<Waiver>>,
}

impl Person {
    fn said_anything(&self) -> bool {
        self.acks.iter().any(Option::is_some) || self.waivers.iter().any(Option::is_some)
    }
}

/// Why commands did not count; findings are one per person × problem, with counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Problem {
    AuthorAck,
    AuthorWaiver,
    NoTarget,
    NoReason,
    Edited,
    UnknownItem,
}

#[derive(Debug)]
struct Aggregate {
    problem: Problem,
    login: String,
    commands: usize,
    /// Distinct targets (item ids, or verbs for `NoTarget`), at most [`SHOWN`], then `more_targets`.
    targets: Vec<String>,
    more_targets: bool,
    sources: Vec<String>,
    source_count: usize,
    last_text: usize,
}

/// Gathers commands from every text, linearly: maps from login and item id, no rescans.
struct Tally<'f> {
    items: &'f [Item],
    item_index: BTreeMap<String, usize>,
    author: &'f str,
    people: Vec<Person>,
    people_index: BTreeMap<String, usize>,
    problems: Vec<Aggregate>,
    problem_index: BTreeMap<(String, Problem), usize>,
    order: usize,
    texts: usize,
}

impl<'f> Tally<'f> {
    fn new(items: &'f [Item], author: &'f str) -> Tally<'f> {
        let item_index = items.iter().enumerate().map(|(i, item)| (item.id.to_ascii_lowercase(), i)).collect();
        Tally {
            items,
            item_index,
            author,
            people: Vec::new(),
            people_index: BTreeMap::new(),
            problems: Vec::new(),
            problem_index: BTreeMap::new(),
            order: 0,
            texts: 0,
        }
    }

    fn problem(&mut self, login: &str, problem: Problem, target: &str, source: &str, text: usize, commands: usize) {
        let key = (login.to_ascii_lowercase(), problem);
        let index = match self.problem_index.get(&key) {
            Some(&i) => i,
            None => {
                self.problems.push(Aggregate {
                    problem,
                    login: login.to_owned(),
                    commands: 0,
                    targets: Vec::new(),
                    more_targets: false,
                    sources: Vec::new(),
                    source_count: 0,
                    last_text: usize::MAX,
                });
                self.problem_index.insert(key, self.problems.len() - 1);
                self.problems.len() - 1
            }
        };
        let Some(a) = self.problems.get_mut(index) else { return };
        a.commands += commands;
        if !target.is_empty() && !a.targets.iter().any(|t| t.eq_ignore_ascii_case(target)) {
            if a.targets.len() < SHOWN {
                a.targets.push(one_line(target));
            } else {
                a.more_targets = true;
            }
        }
        if a.last_text != text {
            a.last_text = text;
            a.source_count += 1;
            if a.sources.len() < SHOWN - 1 {
                a.sources.push(source.to_owned());
            }
        }
    }

    fn person(&mut self, login: &str) -> usize {
        let key = login.to_ascii_lowercase();
        if let Some(&i) = self.people_index.get(&key) {
            return i;
        }
        self.people.push(Person {
            login: login.to_owned(),
            acks: vec![None; self.items.len()],
            waivers: vec![None; self.items.len()],
        });
        self.people_index.insert(key, self.people.len() - 1);
        self.people.len() - 1
    }

    /// Read the commands of one text (a comment or a review body). `counts` is false for a text
    /// whose commands are reported but cannot count (an edited comment).
    fn text(&mut self, body: &str, login: &str, source: &str, counts: bool) {
        self.texts += 1;
        let text = self.texts;
        let is_author = login.eq_ignore_ascii_case(self.author);
        let mut uncounted = 0usize;
        let mut key = String::new();
        for_each_command(body, |command| {
            self.order += 1;
            if !counts {
                uncounted += 1;
                return;
            }
            let Some(target) = command.target else {
                self.problem(login, Problem::NoTarget, command.verb.as_str(), source, text, 1);
                return;
            };
            key.clear();
            key.extend(target.chars().map(|c| c.to_ascii_lowercase()));
            let Some(&item) = self.item_index.get(&key) else {
                self.problem(login, Problem::UnknownItem, target, source, text, 1);
                return;
            };
            let id = self.items.get(item).map_or("", |i| i.id.as_str());
            match command.verb {
                Verb::Ack if is_author => self.problem(login, Problem::AuthorAck, id, source, text, 1),
                Verb::Waive if is_author => self.problem(login, Problem::AuthorWaiver, id, source, text, 1),
                Verb::Waive if !has_visible_text(command.reason) => {
                    self.problem(login, Problem::NoReason, id, source, text, 1)
                }
                verb => {
                    let order = self.order;
                    let person = self.person(login);
                    let Some(person) = self.people.get_mut(person) else { return };
                    match verb {
                        Verb::Ack => {
                            if let Some(slot) = person.acks.get_mut(item) {
                                slot.get_or_insert(order);
                            }
                        }
                        Verb::Waive => {
                            if let Some(slot) = person.waivers.get_mut(item) {
                                slot.get_or_insert_with(|| Waiver {
                                    order,
                                    reason: one_line(command.reason),
                                    source: source.to_owned(),
                                });
                            }
                        }
                    }
                }
            }
        });
        if uncounted > 0 {
            self.problem(login, Problem::Edited, "", source, text, uncounted);
        }
    }
}

fn commands_word(n: usize) -> String {
    if n == 1 { "1 command".to_owned() } else { format!("{n} commands") }
}

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

    fn finding(&self, teams: &str) -> Finding {
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

/// How many reviews that no longer stand are named one by one before the rest are summed up.
const MAX_UNSTANDING_REVIEWS_SHOWN: usize = 10;

pub fn evaluate(facts: ChecklistFacts) -> Result<Verdict, InvalidInput> {
    let c = classify(&facts.context);
    if facts.items.is_empty() {
        return Err(InvalidInput("the checklist has no items".to_owned()));
    }
    if facts.teams.is_empty() {
        return Err(InvalidInput("the checklist has no ack_teams".to_owned()));
    }
    if let Some(token) = facts.token.as_ref().filter(|t| !t.present) {
        let policy = secret_policy(&c, &[token.name.as_str()], "the SOP checklist gate");
        let status = format!("{} is not set", one_line(&token.name));
        return Ok(policy_verdict("checklist", &c, policy.outcome, policy.decisive, &status));
    }
    let Some(pr) = facts.pull_request.as_ref() else {
        return Ok(ask_for_pull_request(&c, "checklist", facts.pr_number, &facts.context));
    };
    let author = author_login(pr).unwrap_or_default();
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or(0);
    let teams = facts.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");

    // Gather commands from comments and review bodies.
    let mut tally = Tally::new(&facts.items, &author);
    for comment in &facts.comments {
        let Some((login, _)) = login_of(comment) else { continue };
        let body = comment.get("body").and_then(Value::as_str).unwrap_or("");
        let id = comment.get("id").and_then(Value::as_i64).unwrap_or(0);
        let edited = comment.get("updated_at") != comment.get("created_at");
        tally.text(body, login, &format!("comment #{id}"), !edited || facts.count_edited_comments);
    }
    // Only a review that still stands speaks (reviews.rs): not a draft or request row, not
    // dismissed, not stale, and made on the head — there is no --allow-stale for acks.
    let mut unstanding_reviews = Vec::new();
    for review in &facts.reviews {
        let Some((login, _)) = login_of(review) else { continue };
        let body = review.get("body").and_then(Value::as_str).unwrap_or("");
        let id = review.get("id").and_then(Value::as_i64).unwrap_or(0);
        if let Err(why) = review_stands(review, head_sha(pr), false) {
            let mut found = 0usize;
            for_each_command(body, |_| found += 1);
            if found > 0 {
                unstanding_reviews.push(format!(
                    "the {found} command(s) in review #{id} by {} do not count: the review {}",
                    one_line(login),
                    why.describe(),
                ));
            }
            continue;
        }
        tally.text(body, login, &format!("review #{id}"), true);
    }

    // Membership is needed for everyone who said something that could count (never the author,
    // whose acks and waivers never count), and for whoever added the tier label when only
    // ack-team members may set it (tier.rs).
    let mut to_probe: Vec<String> =
        tally.people.iter().filter(|p| p.said_anything()).map(|p| p.login.clone()).collect();
    for login in tier::people_to_probe(facts.tier_label_from_ack_teams, pr, facts.timeline.as_deref(), &author) {
        if !to_probe.iter().any(|l| l.eq_ignore_ascii_case(&login)) {
            to_probe.push(login);
        }
    }
    if facts.membership.is_none() && !to_probe.is_empty() {
        let readable: Vec<String> = facts.teams.iter().filter(|t| t.readable).map(|t| t.reference.clone()).collect();
        if !readable.is_empty() {
            let mut verdict =
                pending(&c, "checklist", "team membership of the people who acknowledged items is not known yet");
            verdict.needs = Some(Needs::Membership(
                to_probe
                    .iter()
                    .map(|login| MembershipProbe { login: login.clone(), teams: readable.clone() })
                    .collect(),
            ));
            return Ok(verdict);
        }
    }
    let m = Memberships::new(&facts.teams, facts.membership.as_deref().unwrap_or(&[]));

    // Each person's standing, once; then the tally, item by item, in the configured order.
    let mut not_counted = Vec::new();
    let mut unverified_people = Vec::new();
    let standings: Vec<Standing> = tally.people.iter().map(|person| m.standing(&person.login)).collect();
    for (person, standing) in tally.people.iter().zip(&standings) {
        let ids = |f: &dyn Fn(usize) -> bool| -> Vec<&str> {
            facts.items.iter().enumerate().filter(|(i, _)| f(*i)).map(|(_, item)| item.id.as_str()).collect()
        };
        match standing {
            Standing::NotMember => {
                let acked = ids(&|i| person.acks.get(i).is_some_and(Option::is_some));
                let waived = ids(&|i| person.waivers.get(i).is_some_and(Option::is_some));
                if acked.is_empty() && waived.is_empty() {
                    continue;
                }
                let mut what = Vec::new();
                if !acked.is_empty() {
                    what.push(format!("/sop-ack of {}", join_bounded(&acked, SHOWN)));
                }
                if !waived.is_empty() {
                    what.push(format!("/sop-n/a of {}", join_bounded(&waived, SHOWN)));
                }
                not_counted.push(Finding::new(
                    Code::AckNotCounted,
                    Level::Notice,
                    format!(
                        "{} is not a member of {teams}: {} not counted",
                        one_line(&person.login),
                        what.join(" and ")
                    ),
                ));
            }
            Standing::Unknown(why) if person.said_anything() => unverified_people.push(why.clone()),
            _ => {}
        }
    }
    let mut rows = Vec::new();
    for (i, item) in facts.items.iter().enumerate() {
        let mut acked_by: Vec<(usize, &str, &str)> = Vec::new();
        let mut waived_by: Option<(&Waiver, &str, &str)> = None;
        let mut unverified = Vec::new();
        for (person, standing) in tally.people.iter().zip(&standings) {
            let ack = person.acks.get(i).copied().flatten();
            let waiver = person.waivers.get(i).and_then(Option::as_ref);
            if ack.is_none() && waiver.is_none() {
                continue;
            }
            match standing {
                Standing::Member(team) => {
                    if let Some(order) = ack {
                        acked_by.push((order, &person.login, team));
                    }
                    if let Some(w) = waiver
                        && waived_by.is_none_or(|(first, _, _)| w.order < first.order)
                    {
                        waived_by = Some((w, &person.login, team));
                    }
                }
                Standing::Unknown(_) => unverified.push(person.login.clone()),
                Standing::NotMember => {}
            }
        }
        acked_by.sort_by_key(|(order, _, _)| *order);
        let status = if !acked_by.is_empty() {
            "acked"
        } else if waived_by.is_some() {
            "waived"
        } else if !unverified.is_empty() {
            "unverified"
        } else {
            "missing"
        };
        rows.push((item, status, acked_by, waived_by, unverified));
    }
    let total = rows.len();
    let acked = rows.iter().filter(|r| r.1 == "acked").count();
    let waived: Vec<&str> = rows.iter().filter(|r| r.1 == "waived").map(|r| r.0.id.as_str()).collect();
    let mut waivers: Vec<String> = Vec::new();
    for (_, _, _, w, _) in &rows {
        if let Some((_, login, _)) = w
            && !waivers.iter().any(|l| l.eq_ignore_ascii_case(login))
        {
            waivers.push(one_line(login));
        }
    }
    let missing: Vec<&str> =
        rows.iter().filter(|r| r.1 != "acked" && r.1 != "waived").map(|r| r.0.id.as_str()).collect();
    let unverified_items: Vec<&str> = rows.iter().filter(|r| r.1 == "unverified").map(|r| r.0.id.as_str()).collect();

    let tier_trust = tier::decide(facts.tier_label_from_ack_teams, pr, facts.timeline.as_deref(), &author, &m);
    let found_tier = tier_trust.tier;
    let tier = found_tier.unwrap_or(Tier::High);
    let informational = tier == Tier::Low;
    let mut description = format!("acked: {acked}/{total}");
    if !waived.is_empty() {
        description.push_str(&format!(", waived: {} by {}", waived.len(), join_bounded(&waivers, 2)));
    }
    if !missing.is_empty() {
        description.push_str(&format!(" — missing: {}", join_bounded(&missing, 3)));
    }
    if informational {
        description = format!("[info tier:low] {description}");
    }

    let mut findings = vec![c.basis.clone()];
    findings.extend(c.warnings.iter().cloned());
    findings.extend(tier_trust.findings.iter().cloned());
    if tier_trust.labelled.is_none() {
        findings.push(
            Finding::new(
                Code::NoTierLabel,
                Level::Warning,
                format!("#{number} has no tier label; treating it as tier:high"),
            )
            .help("label the pull request tier:low, tier:medium or tier:high"),
        );
    }
    findings.extend(tally.problems.iter().map(|a| a.finding(&teams)));
    findings.extend(not_counted);
    // Bounded like every other finding list: a flood of dismissed reviews is one summary line.
    for note in unstanding_reviews.iter().take(MAX_UNSTANDING_REVIEWS_SHOWN) {
        findings.push(Finding::new(Code::ReviewAckNotCounted, Level::Notice, note.clone()));
    }
    if let Some(more) = unstanding_reviews.len().checked_sub(MAX_UNSTANDING_REVIEWS_SHOWN).filter(|n| *n > 0) {
        findings.push(Finding::new(
            Code::ReviewAckNotCounted,
            Level::Notice,
            format!("{more} more reviews that no longer stand carried commands; none of them count"),
        ));
    }
    for title in unchecked_boxes(pr.get("body").and_then(Value::as_str).unwrap_or("")) {
        let matched = facts.items.iter().find(|i| i.title.eq_ignore_ascii_case(&title));
        let label = matched.map_or_else(|| one_line(&title), |i| format!("{} ({})", one_line(&title), i.id));
        findings.push(Finding::new(
            Code::UncheckedBox,
            Level::Notice,
            format!("the pull request body leaves \"{label}\" unchecked"),
        ));
    }
    let unreadable: Vec<&TeamFact> = facts.teams.iter().filter(|t| !t.readable).collect();
    let token_name = facts.token.as_ref().map_or("the token".to_owned(), |t| one_line(&t.name));

    // Who waived what, and why: said in the deciding finding's message, apart from the acks.
    let waiver_story: Vec<String> = rows
        .iter()
        .filter_map(|(item, _, _, w, _)| {
            w.map(|(w, login, _)| format!("{} by {} ({}): {}", item.id, one_line(login), w.source, w.reason))
        })
        .collect();
    let with_waivers = |message: String| {
        if waiver_story.is_empty() {
            message
        } else {
            format!("{message}. Waived, not acknowledged: {}", waiver_story.join("; "))
        }
    };

    let (outcome, decisive) = if missing.is_empty() {
        (
            Outcome::Pass,
            Finding::new(Code::ChecklistComplete, Level::Notice, format!("#{number}: {description}"))
                .message(with_waivers(format!("#{number}: {description}"))),
        )
    } else if informational {
        (
            Outcome::Pass,
            Finding::new(Code::ChecklistInformational, Level::Warning, format!("#{number}: {description}")).message(
                with_waivers(format!("#{number} is tier:low, so the checklist is informational: {description}")),
            ),
        )
    } else if !unverified_items.is_empty() {
        let code = if unreadable.is_empty() { Code::MembershipUnverified } else { Code::TeamUnreadable };
        let teams_needing: Vec<&TeamFact> =
            if unreadable.is_empty() { facts.teams.iter().collect() } else { unreadable.clone() };
        description = format!("cannot verify {teams} membership for acks: {token_name} cannot read team membership");
        (
            Outcome::Error,
            Finding::new(
                code,
                Level::Error,
                format!("cannot verify who acknowledged {}", join_bounded(&unverified_items, 3)),
            )
            .message(format!(
                "Acknowledgements of {} come from people whose {teams} membership {token_name} cannot confirm: {}. \
                     An unconfirmed membership never counts.",
                join_bounded(&unverified_items, 3),
                join_bounded(&unverified_people, 2)
            ))
            .help(token_fix(&token_name, &teams_needing)),
        )
    } else {
        (
            Outcome::Fail,
            Finding::new(
                Code::ChecklistIncomplete,
                Level::Error,
                format!("#{number} (tier:{}): {description}", tier.as_str()),
            )
            .message(with_waivers(format!("#{number} (tier:{}): {description}", tier.as_str())))
            .help(format!(
                "a member of {teams} who is not the author comments `/sop-ack <id>` on its own line for each item, \
                 or waives it with `/sop-n/a <id> <reason>` (docs/commands.md: what counts as a command)"
            )),
        )
    };

    let mut verdict = Verdict::new("checklist", outcome, c.trust, &decisive);
    verdict.findings = findings;
    verdict.findings.push(decisive);
    let state = match outcome {
        Outcome::Pass | Outcome::Skip => "success",
        Outcome::Fail => "failure",
        Outcome::Error => "error",
    };
    verdict.status = Some(StatusText { state: state.to_owned(), description: bounded(&description) });
    verdict.outputs.insert("acked".to_owned(), format!("{acked}/{total}"));
    verdict.outputs.insert("waived".to_owned(), waived.join(","));
    verdict.outputs.insert("missing".to_owned(), missing.join(","));
    verdict.outputs.insert("tier".to_owned(), tier.as_str().to_owned());
    verdict.details = json!({
        "pull_request": number,
        "tier": tier,
        "tier_label_found": found_tier.is_some(),
        "tier_label_trust": tier_trust.details,
        "ack_teams": facts.teams.iter().map(team_label).collect::<Vec<_>>(),
        "items": rows.iter().map(|(item, status, acked_by, waived_by, unverified)| json!({
            "id": item.id,
            "title": item.title,
            "status": status,
            "acked_by": acked_by.iter().map(|(_, l, t)| json!({"login": l, "team": t})).collect::<Vec<_>>(),
            "waived_by": waived_by.map(|(w, l, t)| json!({"login": l, "team": t, "reason": w.reason, "source": w.source})),
            "unverified": unverified,
        })).collect::<Vec<_>>(),
    });
    Ok(verdict)
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
    use super::*;
    use crate::membership::MembershipFact;
    use crate::protocol::{RunContext, SecretFact};

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
