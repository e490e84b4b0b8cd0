//! The policy decision, without a word of prose: which reviews stand, which waivers count, whose
//! membership to probe, each rule's outcome (who counted, what is missing), and the call.

use std::collections::HashMap;

use serde_json::Value;

use crate::commands::{Verb, for_each_command, has_visible_text};
use crate::membership::Standing;
use crate::policy::codeowners::{CodeOwners, Owner};
use crate::policy::eval::{self, Directory, Outcome as RuleOutcome, RuleResult, Subject, Tree, Waiver};
use crate::policy::file::Policy;
use crate::reviews::{Decision as ReviewDecision, LatestReview, exclusion, latest_decisions, login_of, review_stands};
use crate::text::one_line;

use super::Pull;

/// The reviews as they stand on the head (the approvals gate's semantics), before anyone's
/// membership is known.
pub struct Reviews<'f> {
    pub latest: Vec<LatestReview<'f>>,
    /// Why each reviewer's latest review does not count (author, system account, stale, …).
    pub excluded: Vec<String>,
    /// Deciding rows without a usable user.
    pub malformed: usize,
    /// Indexes into `latest` of the standing approvals.
    approved: Vec<usize>,
    /// Indexes into `latest` of the change requests that fail a `disapproval` rule.
    requested: Vec<usize>,
}

impl<'f> Reviews<'f> {
    pub fn approvals(&self) -> Vec<&LatestReview<'f>> {
        self.approved.iter().filter_map(|i| self.latest.get(*i)).collect()
    }

    pub fn change_requests(&self) -> Vec<&LatestReview<'f>> {
        self.requested.iter().filter_map(|i| self.latest.get(*i)).collect()
    }
}

/// Which reviews stand for `pull`.
pub fn reviews<'f>(rows: &'f [Value], policy: &Policy, pull: &Pull<'_>) -> Reviews<'f> {
    let (latest, malformed) = latest_decisions(rows);
    let mut excluded = Vec::new();
    let mut approved = Vec::new();
    for (i, review) in latest.iter().enumerate() {
        match exclusion(review, &pull.author, pull.head, false) {
            Some(why) => excluded.push(why),
            None if review.decision == ReviewDecision::Approved => approved.push(i),
            None => {}
        }
    }
    // A change request blocks whether or not it is stale or of the head (as in Gitea's own merge
    // check); only rules with `disapproval` look at them.
    let requested = if policy.rules.iter().any(|r| r.disapproval) {
        (0..latest.len())
            .filter(|i| {
                latest.get(*i).is_some_and(|r| {
                    r.decision == ReviewDecision::ChangesRequested
                        && exclusion(r, &pull.author, pull.head, true).is_none()
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Reviews { latest, excluded, malformed, approved, requested }
}

/// A `/sop-n/a <rule> <reason>` that does not count, and why.
pub struct Rejected {
    pub login: String,
    pub rule: String,
    /// `comment #12`, `review #4`.
    pub source: String,
    pub why: String,
}

/// The waivers read from comments and reviews: those that may count (per rule, in order; a
/// member of the rule's `waivable_by` must still have written one) and those that cannot.
#[derive(Default)]
pub struct Waivers {
    pub by_rule: HashMap<String, Vec<Waiver>>,
    pub rejected: Vec<Rejected>,
}

/// What a waiver is checked against while the bodies are read.
struct Reader<'p> {
    rule_names: Vec<&'p str>,
    waivable: Vec<&'p str>,
    author: &'p str,
    out: Waivers,
}

impl Reader<'_> {
    /// Every `/sop-n/a` in `body` naming a rule of the policy; `counts` is whether the comment or
    /// review it is in can count at all.
    fn read(&mut self, body: &str, login: &str, source: String, counts: Result<(), String>) {
        for_each_command(body, |command| {
            if command.verb != Verb::Waive {
                return;
            }
            let Some(target) = command.target.filter(|t| self.rule_names.contains(t)) else { return };
            let why = if let Err(why) = &counts {
                why.clone()
            } else if login.eq_ignore_ascii_case(self.author) {
                "the author cannot waive a rule".to_owned()
            } else if !self.waivable.contains(&target) {
                "the rule has no waivable_by".to_owned()
            } else if !has_visible_text(command.reason) {
                "no visible reason".to_owned()
            } else {
                let waiver =
                    Waiver { login: login.to_owned(), reason: one_line(command.reason), source: source.clone() };
                self.out.by_rule.entry(target.to_owned()).or_default().push(waiver);
                return;
            };
            let (login, rule, source) = (login.to_owned(), target.to_owned(), source.clone());
            self.out.rejected.push(Rejected { login, rule, source, why });
        });
    }
}

/// The waivers in comments (not edited after posting) and in reviews that stand.
pub fn waivers(comments: &[Value], reviews: &[Value], policy: &Policy, pull: &Pull<'_>) -> Waivers {
    let waivable: Vec<&str> =
        policy.rules.iter().filter(|r| !r.waivable_by.is_empty()).map(|r| r.name.as_str()).collect();
    let mentioned = comments
        .iter()
        .chain(reviews)
        .any(|v| v.get("body").and_then(Value::as_str).is_some_and(|b| b.contains("/sop-n/a")));
    if waivable.is_empty() && !mentioned {
        return Waivers::default();
    }
    let rule_names = policy.rules.iter().map(|r| r.name.as_str()).collect();
    let mut reader = Reader { rule_names, waivable, author: &pull.author, out: Waivers::default() };
    let body_and_id = |row: &Value| {
        let body = row.get("body").and_then(Value::as_str).unwrap_or("").to_owned();
        (body, row.get("id").and_then(Value::as_i64).unwrap_or(0))
    };
    for comment in comments {
        let Some((login, _)) = login_of(comment) else { continue };
        let (body, id) = body_and_id(comment);
        let edited = comment.get("updated_at") != comment.get("created_at");
        let counts = if edited { Err("the comment was edited after posting".to_owned()) } else { Ok(()) };
        reader.read(&body, login, format!("comment #{id}"), counts);
    }
    for review in reviews {
        let Some((login, _)) = login_of(review) else { continue };
        let (body, id) = body_and_id(review);
        let counts = review_stands(review, pull.head, false).map_err(|why| format!("the review {}", why.describe()));
        reader.read(&body, login, format!("review #{id}"), counts);
    }
    reader.out
}

/// Everyone whose membership could decide something, each once: approvers, change requesters,
/// waivers (in the policy's rule order), and the author when an `if` names people.
pub fn to_probe(policy: &Policy, pull: &Pull<'_>, reviews: &Reviews<'_>, waivers: &Waivers) -> Vec<String> {
    let mut logins: Vec<String> = Vec::new();
    let mut add = |login: &str| {
        if !logins.iter().any(|l| l.eq_ignore_ascii_case(login)) {
            logins.push(login.to_owned());
        }
    };
    reviews.approvals().iter().for_each(|r| add(&r.login));
    reviews.change_requests().iter().for_each(|r| add(&r.login));
    let waiving = policy.rules.iter().filter_map(|r| waivers.by_rule.get(&r.name)).flatten();
    waiving.for_each(|w| add(&w.login));
    let names_author =
        policy.rules.iter().any(|r| r.condition.as_ref().is_some_and(|c| c.author.is_some() || c.not_author.is_some()));
    if names_author && !pull.author.is_empty() {
        add(&pull.author);
    }
    logins
}

/// The call the gate makes, from the tree's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// The tree passes (its rules pass or are waived).
    Met,
    /// Every rule was skipped: a policy that requires nothing must say so.
    NoRuleApplies,
    /// Rules keep the tree from passing.
    Failed,
    /// A membership that could decide the tree is unconfirmed.
    Undecided,
}

/// Each rule's outcome, the tree's, what is missing, and the call.
pub struct Decision {
    pub results: Vec<RuleResult>,
    pub tree: Tree,
    /// What keeps the tree from passing (`security (auth/**)`, `(a or b)`).
    pub needs: Vec<String>,
    /// Waivers of a waivable rule that did not waive it: not a member of its `waivable_by`.
    pub not_members: Vec<Rejected>,
    /// CODEOWNERS owners that do not resolve (Gitea skips them), each once with every line that
    /// names it: `(lines, @owner)`.
    pub unresolved_owners: Vec<(Vec<usize>, String)>,
    /// CODEOWNERS lines that apply to a changed file but have no owner left that resolves:
    /// Gitea drops them, so they require nothing — reported loudly.
    pub dropped_lines: Vec<DroppedLine>,
    pub call: Call,
}

impl Decision {
    /// The names of the rules with outcome `o`, in policy order.
    pub fn names(&self, o: RuleOutcome) -> Vec<String> {
        self.results.iter().filter(|r| r.outcome == o).map(|r| r.name.clone()).collect()
    }
}

/// Evaluate the policy against everything known.
pub fn decide(
    policy: &Policy,
    pull: &Pull<'_>,
    reviews: &Reviews<'_>,
    waivers: &Waivers,
    owners: Option<&CodeOwners>,
    directory: &Directory<'_>,
) -> Decision {
    let subject = Subject {
        author: &pull.author,
        labels: &pull.labels,
        base_ref: &pull.base_ref,
        changed: &pull.changed,
        approvals: reviews.approvals(),
        change_requests: reviews.change_requests(),
        waivers: &waivers.by_rule,
        codeowners: owners,
        directory,
    };
    let (results, tree) = eval::evaluate(policy, &subject);
    let needs = eval::tree_needs(&tree, &results);
    let not_members = not_members(policy, &results, waivers, directory);
    let unresolved_owners = owners.map(|o| unresolved_owners(o, directory)).unwrap_or_default();
    let dropped_lines = owners.map(|o| dropped_lines(o, &pull.changed, directory)).unwrap_or_default();
    let call = match tree.outcome() {
        RuleOutcome::Pass | RuleOutcome::Waived => Call::Met,
        RuleOutcome::Skip => Call::NoRuleApplies,
        RuleOutcome::Fail => Call::Failed,
        RuleOutcome::Undecided => Call::Undecided,
    };
    Decision { results, tree, needs, not_members, unresolved_owners, dropped_lines, call }
}

/// Waivers that named a waivable rule but did not waive it because their author is not a member
/// of its `waivable_by` teams.
fn not_members(policy: &Policy, results: &[RuleResult], waivers: &Waivers, directory: &Directory<'_>) -> Vec<Rejected> {
    let mut out = Vec::new();
    for r in &policy.rules {
        let waived_by = results.iter().find(|x| x.name == r.name).and_then(|x| x.waived_by.as_ref());
        for w in waivers.by_rule.get(&r.name).map(Vec::as_slice).unwrap_or(&[]) {
            if waived_by == Some(w) {
                continue;
            }
            if let Standing::NotMember = directory.standing(&w.login, &r.waivable_by) {
                out.push(Rejected {
                    login: w.login.clone(),
                    rule: r.name.clone(),
                    source: w.source.clone(),
                    why: format!("not a member of {}", r.waivable_by.join(", ")),
                });
            }
        }
    }
    out
}

/// CODEOWNERS owners (teams and users) the host found do not resolve, each once, with every
/// line that names it.
fn unresolved_owners(owners: &CodeOwners, directory: &Directory<'_>) -> Vec<(Vec<usize>, String)> {
    let mut out: Vec<(Vec<usize>, String)> = Vec::new();
    for line in &owners.lines {
        for owner in line.owners.iter().filter(|o| !eval::owner_resolves(o, directory)) {
            let label = owner.label();
            // Users are one login whatever the case; team names keep theirs.
            let same = |seen: &String| {
                *seen == label || (matches!(owner, Owner::User(_)) && seen.eq_ignore_ascii_case(&label))
            };
            match out.iter_mut().find(|(_, seen)| same(seen)) {
                Some((lines, _)) => {
                    if !lines.contains(&line.number) {
                        lines.push(line.number);
                    }
                }
                None => out.push((vec![line.number], label)),
            }
        }
    }
    out
}

/// A CODEOWNERS line that applies but whose owners all fail to resolve.
pub struct DroppedLine {
    pub number: usize,
    /// The pattern as written (`!` included).
    pub pattern: String,
    /// A changed file it applies to.
    pub path: String,
    /// Its owners, as written (`@ghost`, `@acme/QA`).
    pub owners: Vec<String>,
}

/// The lines that apply to a changed file and have no owner left that resolves.
fn dropped_lines(owners: &CodeOwners, changed: &[String], directory: &Directory<'_>) -> Vec<DroppedLine> {
    owners
        .lines
        .iter()
        .filter(|line| line.owners.iter().all(|o| !eval::owner_resolves(o, directory)))
        .filter_map(|line| {
            let path = changed.iter().find(|p| line.applies_to(p))?;
            Some(DroppedLine {
                number: line.number,
                pattern: line.shown(),
                path: path.clone(),
                owners: line.owners.iter().map(Owner::label).collect(),
            })
        })
        .collect()
}
