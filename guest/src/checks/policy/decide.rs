//! The policy decision, without a word of prose: which reviews stand, which waivers count, whose
//! membership to probe, each rule's outcome (who counted, what is missing), and the call.

use serde_json::Value;

use crate::history::{Contributors, Freshness};
use crate::reviews::Kept;
use crate::rules::codeowners::{CodeOwners, Owner};
use crate::rules::eval::{self, Directory, RuleOutcome, RuleResult, Subject, Tree};
use crate::rules::file::Policy;
use crate::rules::standing::{self, Allowed};

use super::Pull;

pub use crate::rules::standing::{Rejected, Reviews, Waivers};

/// Which reviews stand for `pull` (the approvals gate's semantics, never `--allow-stale`; approvals of earlier commits
/// only as `--keep-across-base-merges` keeps them); change
/// requests only when a rule has `disapproval`.
pub fn reviews<'f>(rows: &'f [Value], policy: &Policy, pull: &Pull<'_>, kept: &Kept) -> Reviews<'f> {
    let blockers = policy.rules.iter().any(|r| r.disapproval);
    standing::reviews(rows, &pull.author, pull.head, Allowed { stale: false, kept }, blockers)
}

/// The waivers in comments (not edited after posting, written after the latest push) and in
/// reviews that stand.
pub fn waivers(
    comments: &[Value],
    reviews: &[Value],
    policy: &Policy,
    pull: &Pull<'_>,
    fresh: &Freshness<'_>,
) -> Waivers {
    standing::waivers(comments, reviews, &policy.rules, &pull.author, pull.head, fresh)
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
    waivers.logins(&policy.rules).into_iter().for_each(&mut add);
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
    contributors: &Contributors,
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
        contributors,
    };
    let (results, tree) = eval::evaluate(policy, &subject);
    let needs = eval::tree_needs(&tree, &results);
    let not_members = standing::not_members(&policy.rules, &results, waivers, directory);
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
