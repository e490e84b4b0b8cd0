//! The SOP checklist: is every item of the checklist acknowledged (or declared not applicable)
//! by someone allowed to? The seed's `sop-checklist / all-items-acked` gate, whose status reads
//! `[info tier:low] acked: 0/7 — missing: comprehensive-testing, local-postgres-e2e, staging-smoke, +4`.
//!
//! - `/sop-ack <id>` at the start of a line of a PR comment or a review body, by a member of one
//!   of the `ack_teams` who is not the PR's author, acknowledges item `<id>`;
//! - `/sop-n/a <id> <reason>` by the author or such a member declares it not applicable (the
//!   reason is required);
//! - comments edited after posting do not count unless `count_edited_comments`;
//! - the tier label decides whether a gap blocks: `tier:low` is informational, `tier:medium` and
//!   `tier:high` block, several labels → the highest, no label → high.
//!
//! Same phases as approvals: pull request → membership of the people who issued commands → tally.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::InvalidInput;
use crate::checks::approvals::{ask_for_pull_request, bounded, pending, policy_verdict};
use crate::checks::trust::{classify, secret_policy};
use crate::findings::{Code, Finding, Level};
use crate::membership::{MembershipFact, Memberships, Standing, TeamFact, team_label, token_fix};
use crate::protocol::{MembershipProbe, Needs, Outcome, RunContext, SecretFact, StatusText, Verdict};
use crate::pulls::author_login;
use crate::reviews::{head_sha, login_of, review_stands};
use crate::text::{join_bounded, one_line};
use crate::tier;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistFacts {
    pub context: RunContext,
    #[serde(default)]
    pub token: Option<SecretFact>,
    #[serde(default)]
    pub pr_number: Option<u64>,
    pub items: Vec<Item>,
    /// The resolved `ack_teams`.
    pub teams: Vec<TeamFact>,
    #[serde(default)]
    pub count_edited_comments: bool,
    #[serde(default)]
    pub pull_request: Option<Value>,
    #[serde(default)]
    pub comments: Vec<Value>,
    #[serde(default)]
    pub reviews: Vec<Value>,
    #[serde(default)]
    pub membership: Option<Vec<MembershipFact>>,
    /// Accept a `tier:*` label only from a confirmed ack-team member (tier.rs).
    #[serde(default)]
    pub tier_label_from_ack_teams: bool,
    /// The issue timeline's label events (the host reads them when the option above is on).
    #[serde(default)]
    pub timeline: Option<Vec<Value>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub title: String,
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Ack,
    NotApplicable { reason: String },
}

/// One command, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Command {
    kind: Kind,
    item: String,
    login: String,
    source: String,
}

/// Commands in one text: lines that start with `/sop-ack ` or `/sop-n/a `.
fn commands_in(body: &str, login: &str, source: &str) -> (Vec<Command>, Vec<String>) {
    let mut commands = Vec::new();
    let mut problems = Vec::new();
    for line in body.split('\n').map(|l| l.trim_end_matches('\r')) {
        let mut words = line.split_whitespace();
        let first = words.next();
        // `starts_with` on the raw line: an indented or quoted command does not count.
        let kind = match first {
            Some("/sop-ack") if line.starts_with("/sop-ack") => Kind::Ack,
            Some("/sop-n/a") if line.starts_with("/sop-n/a") => {
                let rest = line["/sop-n/a".len()..].trim_start();
                let reason = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r.trim());
                Kind::NotApplicable { reason: reason.to_owned() }
            }
            _ => continue,
        };
        match words.next() {
            Some(item) => commands.push(Command {
                kind,
                item: item.to_owned(),
                login: login.to_owned(),
                source: source.to_owned(),
            }),
            None => problems.push(format!(
                "{} wrote {} without an item id in {source}",
                one_line(login),
                first.unwrap_or_default()
            )),
        }
    }
    (commands, problems)
}

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
    let mut commands = Vec::new();
    let mut notes = Vec::new();
    for comment in &facts.comments {
        let Some((login, _)) = login_of(comment) else { continue };
        let body = comment.get("body").and_then(Value::as_str).unwrap_or("");
        let id = comment.get("id").and_then(Value::as_i64).unwrap_or(0);
        let source = format!("comment #{id}");
        let (found, problems) = commands_in(body, login, &source);
        notes.extend(problems);
        let edited = comment.get("updated_at") != comment.get("created_at");
        if edited && !facts.count_edited_comments && !found.is_empty() {
            notes.push(format!(
                "{source} by {} was edited after posting, so its commands do not count (count_edited_comments is off)",
                one_line(login)
            ));
            continue;
        }
        commands.extend(found);
    }
    // Only a review that still stands speaks (reviews.rs): not a draft or request row, not
    // dismissed, not stale, and made on the head — there is no --allow-stale for acks.
    let mut unstanding_reviews = Vec::new();
    for review in &facts.reviews {
        let Some((login, _)) = login_of(review) else { continue };
        let body = review.get("body").and_then(Value::as_str).unwrap_or("");
        let id = review.get("id").and_then(Value::as_i64).unwrap_or(0);
        let (found, problems) = commands_in(body, login, &format!("review #{id}"));
        if let Err(why) = review_stands(review, head_sha(pr), false) {
            if !found.is_empty() {
                unstanding_reviews.push(format!(
                    "review #{id} by {} {}, so its {} command(s) do not count",
                    one_line(login),
                    why.describe(),
                    found.len()
                ));
            }
            continue;
        }
        notes.extend(problems);
        commands.extend(found);
    }

    // Unknown ids are reported, not fatal.
    let known = |id: &str| facts.items.iter().find(|i| i.id.eq_ignore_ascii_case(id)).map(|i| i.id.clone());
    let mut unknown_ids = Vec::new();
    commands.retain_mut(|command| match known(&command.item) {
        Some(id) => {
            command.item = id;
            true
        }
        None => {
            unknown_ids.push(format!(
                "{} ({} in {})",
                one_line(&command.item),
                one_line(&command.login),
                command.source
            ));
            false
        }
    });

    // Membership is needed for everyone but the author (whose acks never count and whose N/A
    // declarations always do).
    let mut issuers: Vec<String> = Vec::new();
    for command in &commands {
        if !command.login.eq_ignore_ascii_case(&author)
            && !issuers.iter().any(|l| l.eq_ignore_ascii_case(&command.login))
        {
            issuers.push(command.login.clone());
        }
    }
    for login in tier::people_to_probe(facts.tier_label_from_ack_teams, pr, facts.timeline.as_deref(), &author) {
        if !issuers.iter().any(|l| l.eq_ignore_ascii_case(&login)) {
            issuers.push(login);
        }
    }
    if facts.membership.is_none() && !issuers.is_empty() {
        let readable: Vec<String> = facts.teams.iter().filter(|t| t.readable).map(|t| t.reference.clone()).collect();
        if !readable.is_empty() {
            let mut verdict =
                pending(&c, "checklist", "team membership of the people who acknowledged items is not known yet");
            verdict.needs = Some(Needs::Membership(
                issuers.iter().map(|login| MembershipProbe { login: login.clone(), teams: readable.clone() }).collect(),
            ));
            return Ok(verdict);
        }
    }
    let m = Memberships { teams: &facts.teams, facts: facts.membership.as_deref().unwrap_or(&[]) };

    // Tally, item by item, in the configured order.
    let mut rows = Vec::new();
    let mut not_counted = Vec::new();
    let mut unverified_people = Vec::new();
    for item in &facts.items {
        let mut acked_by = Vec::new();
        let mut na = None;
        let mut unverified = Vec::new();
        for command in commands.iter().filter(|c| c.item == item.id) {
            let is_author = command.login.eq_ignore_ascii_case(&author);
            let who = one_line(&command.login);
            let standing = if is_author { Standing::NotMember } else { m.standing(&command.login) };
            match (&command.kind, is_author, standing) {
                (Kind::Ack, true, _) => {
                    not_counted.push(format!("{who} (the author) cannot acknowledge {} ({})", item.id, command.source));
                }
                (Kind::NotApplicable { reason }, _, _) if reason.is_empty() => {
                    not_counted.push(format!("{who} declared {} N/A without a reason ({})", item.id, command.source));
                }
                (Kind::NotApplicable { reason }, true, _)
                | (Kind::NotApplicable { reason }, false, Standing::Member(_)) => {
                    na.get_or_insert((command.login.clone(), reason.clone()));
                }
                (Kind::Ack, false, Standing::Member(team)) => {
                    if !acked_by.iter().any(|(l, _): &(String, String)| l.eq_ignore_ascii_case(&command.login)) {
                        acked_by.push((command.login.clone(), team));
                    }
                }
                (_, false, Standing::NotMember) => {
                    not_counted.push(format!(
                        "{who} is not a member of {teams}: {} on {} not counted ({})",
                        kind_word(&command.kind),
                        item.id,
                        command.source
                    ));
                }
                (_, false, Standing::Unknown(why)) => {
                    unverified.push(command.login.clone());
                    unverified_people.push(why);
                }
            }
        }
        let status = if !acked_by.is_empty() {
            "acked"
        } else if na.is_some() {
            "n/a"
        } else if !unverified.is_empty() {
            "unverified"
        } else {
            "missing"
        };
        rows.push((item, status, acked_by, na, unverified));
    }
    let total = rows.len();
    let satisfied = rows.iter().filter(|r| r.1 == "acked" || r.1 == "n/a").count();
    let missing: Vec<&str> = rows.iter().filter(|r| r.1 != "acked" && r.1 != "n/a").map(|r| r.0.id.as_str()).collect();
    let unverified_items: Vec<&str> = rows.iter().filter(|r| r.1 == "unverified").map(|r| r.0.id.as_str()).collect();

    let tier_trust = tier::decide(facts.tier_label_from_ack_teams, pr, facts.timeline.as_deref(), &author, &m);
    let found_tier = tier_trust.tier;
    let tier = found_tier.unwrap_or(Tier::High);
    let informational = tier == Tier::Low;
    let mut description = format!("acked: {satisfied}/{total}");
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
    for id in &unknown_ids {
        findings.push(Finding::new(Code::UnknownChecklistItem, Level::Warning, format!("unknown checklist item {id}")));
    }
    for note in notes.iter().chain(&not_counted) {
        findings.push(Finding::new(Code::AckNotCounted, Level::Notice, note.clone()));
    }
    for note in &unstanding_reviews {
        findings.push(Finding::new(Code::ReviewAckNotCounted, Level::Notice, note.clone()));
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

    let (outcome, decisive) = if missing.is_empty() {
        (Outcome::Pass, Finding::new(Code::ChecklistComplete, Level::Notice, format!("#{number}: {description}")))
    } else if informational {
        (
            Outcome::Pass,
            Finding::new(Code::ChecklistInformational, Level::Warning, format!("#{number}: {description}"))
                .message(format!("#{number} is tier:low, so the checklist is informational: {description}.")),
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
            .help(format!(
                "a member of {teams} comments `/sop-ack <id>` on its own line for each item, or the author or an \
                     acker writes `/sop-n/a <id> <reason>`"
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
    verdict.status = Some(StatusText { state, description: bounded(&description) });
    verdict.outputs.insert("acked".to_owned(), format!("{satisfied}/{total}"));
    verdict.outputs.insert("missing".to_owned(), missing.join(","));
    verdict.outputs.insert("tier".to_owned(), tier.as_str().to_owned());
    verdict.details = json!({
        "pull_request": number,
        "tier": tier,
        "tier_label_found": found_tier.is_some(),
        "tier_label_trust": tier_trust.details,
        "ack_teams": facts.teams.iter().map(team_label).collect::<Vec<_>>(),
        "items": rows.iter().map(|(item, status, acked_by, na, unverified)| json!({
            "id": item.id,
            "title": item.title,
            "status": status,
            "acked_by": acked_by.iter().map(|(l, t)| json!({"login": l, "team": t})).collect::<Vec<_>>(),
            "not_applicable": na.as_ref().map(|(l, reason)| json!({"login": l, "reason": reason})),
            "unverified": unverified,
        })).collect::<Vec<_>>(),
    });
    Ok(verdict)
}

fn kind_word(kind: &Kind) -> &'static str {
    match kind {
        Kind::Ack => "/sop-ack",
        Kind::NotApplicable { .. } => "/sop-n/a",
    }
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

    #[test]
    fn commands_must_start_the_line() {
        let body = "LGTM\n/sop-ack testing\n  /sop-ack indented\n> /sop-ack quoted\nsee /sop-ack inline\r\n/sop-n/a e2e no database touched\n/sop-n/a smoke\n/sop-ack\n/sop-acknowledge x";
        let (commands, problems) = commands_in(body, "alice", "comment #1");
        let summary: Vec<(String, Kind)> = commands.iter().map(|c| (c.item.clone(), c.kind.clone())).collect();
        assert_eq!(
            summary,
            vec![
                ("testing".to_owned(), Kind::Ack),
                ("e2e".to_owned(), Kind::NotApplicable { reason: "no database touched".to_owned() }),
                ("smoke".to_owned(), Kind::NotApplicable { reason: String::new() }),
            ]
        );
        assert_eq!(problems.len(), 1);
    }

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
                "n/a with and without reason",
                facts(
                    &["tier:high"],
                    vec![
                        comment(1, "author", "/sop-n/a e2e no database\n/sop-n/a smoke", false),
                        comment(2, "qa-bot", "/sop-ack testing\n/sop-ack root-cause", false),
                    ],
                    vec![],
                    qa.clone(),
                ),
                Outcome::Fail,
                Code::ChecklistIncomplete,
                "acked: 3/4 — missing: smoke",
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
}
