//! The approvals decision, without a word of prose: the gate is a one-rule policy (count = `min`
//! from the teams, `disapproval` = `--block-on-changes-requested`, `waivable_by` =
//! `--waivable-by`), decided by the policy engine's rule evaluation (rules/eval.rs). Here: the
//! rule, which reviews and waivers stand, whose membership to probe, and the engine's result
//! read back as the gate's call.

use serde_json::Value;

use crate::history::{Contributors, Freshness, PullHistory};
use crate::membership::TeamFact;
use crate::reviews::{Kept, head_sha};
use crate::rules::eval::{self, ByContributor, Directory, RuleOutcome, RuleResult, Subject, Unconfirmed, Waiver};
use crate::rules::file::{People, Requirement, Rule};
use crate::rules::standing::{self, Allowed, Rejected, Reviews, Waivers};

use super::ApprovalFacts;

/// The rule name a waiver gives when `--rule` is not: `/sop-n/a approvals <reason>`.
pub const DEFAULT_RULE: &str = "approvals";

/// Whether `name` is a rule name (`[a-z0-9-]+`, as in a policy file).
pub fn valid_rule_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The gate as a one-rule policy.
pub fn rule(facts: &ApprovalFacts, name: &str) -> Rule {
    let references = |teams: &[TeamFact]| teams.iter().map(|t| t.reference.clone()).collect::<Vec<_>>();
    Rule {
        name: name.to_owned(),
        line: None,
        condition: None,
        requires: Requirement::Approvals {
            count: facts.min,
            from: People { teams: references(&facts.teams), users: Vec::new() },
        },
        disapproval: facts.block_on_changes_requested,
        waivable_by: references(&facts.waivable_by),
        allow_contributors: facts.allow_contributors,
    }
}

/// The pull request, its standing reviews and waivers, before anyone's membership is known.
pub struct Gathered<'f> {
    pub number: u64,
    pub author: String,
    /// The head commit every standing review and counted waiver is about.
    pub head: &'f str,
    pub reviews: Reviews<'f>,
    pub waivers: Waivers,
    /// Who pushed or wrote a commit (empty with `--allow-contributors`).
    pub contributors: Contributors,
}

/// Which reviews and waivers stand for `pr`. Waivers are read only when the gate is waivable:
/// without `--waivable-by`, `/sop-n/a` changes nothing; a waiver written before the latest push
/// was for other code and does not count.
pub fn gather<'f>(
    facts: &'f ApprovalFacts,
    pr: &'f Value,
    rule: &Rule,
    history: &PullHistory,
    kept: &Kept,
) -> Gathered<'f> {
    let author = crate::pulls::author_login(pr).unwrap_or_default();
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or(0);
    let head = head_sha(pr);
    let allowed = Allowed { stale: facts.allow_stale, kept };
    let reviews = standing::reviews(&facts.reviews, &author, head, allowed, facts.block_on_changes_requested);
    let fresh = Freshness::of(history, head);
    let waivers = if rule.waivable_by.is_empty() {
        Waivers::default()
    } else {
        standing::waivers(&facts.comments, &facts.reviews, std::slice::from_ref(rule), &author, head, &fresh)
    };
    let contributors = Contributors::of(history, &fresh, facts.allow_contributors);
    Gathered { number, author, head, reviews, waivers, contributors }
}

impl Gathered<'_> {
    /// Whose membership of the gate's teams decides something: approvers who are not
    /// contributors, then blockers (a contributor's change request still blocks).
    pub fn reviewers(&self) -> Vec<&str> {
        let approvals = self.reviews.approvals().into_iter().filter(|r| self.contributors.find(&r.login).is_none());
        let blockers = self.reviews.change_requests();
        approvals.chain(blockers).map(|r| r.login.as_str()).collect()
    }

    /// Whose membership of the waivable teams decides something: the waivers' authors who are
    /// not contributors.
    pub fn waiver_logins(&self, rule: &Rule) -> Vec<&str> {
        let logins = self.waivers.logins(std::slice::from_ref(rule));
        logins.into_iter().filter(|l| self.contributors.find(l).is_none()).collect()
    }
}

/// The call the gate makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    /// A member of the teams requested changes (`--block-on-changes-requested`).
    Blocked,
    /// Confirmed approvals alone reach `min`, and no change request is unconfirmed.
    Met,
    /// It would not pass, and a confirmed member of a `--waivable-by` team waived it.
    Waived(Waiver),
    /// The shortfall could be an unconfirmed member (or an unconfirmed change requester or
    /// waiver could decide it): cannot decide.
    Unverifiable,
    /// Not enough confirmed approvals.
    Missing,
}

/// Who counted, who did not and why, and the call: the engine's rule result in the gate's terms
/// (each team by its short name).
pub struct Tally {
    /// Confirmed approvers and the team that confirmed each.
    pub confirmed: Vec<(String, String)>,
    /// Approvers confirmed not to be members.
    pub not_members: Vec<String>,
    /// Approvers whose membership could not be confirmed, and why.
    pub unknown: Vec<(String, String)>,
    /// Members who requested changes.
    pub blocking: Vec<(String, String)>,
    /// Change requesters whose membership could not be confirmed, and why.
    pub blocking_unknown: Vec<(String, String)>,
    /// Waivers whose membership of the waivable teams could not be confirmed, and why.
    pub waivers_unknown: Vec<(String, String)>,
    /// Waivers that do not count, and why (not a member, the author, hidden, edited, outdated, …).
    pub rejected: Vec<Rejected>,
    /// Approvals and waivers by contributors, which do not count.
    pub contributors: Vec<ByContributor>,
    pub min: usize,
    pub call: Call,
    /// The engine's result for the rule (whom `--request-reviews` may ask).
    pub result: RuleResult,
}

/// Decide the rule with the policy engine against what is known about membership.
pub fn decide(rule: &Rule, gathered: &Gathered<'_>, directory: &Directory<'_>, min: u32) -> Tally {
    let subject = Subject {
        author: &gathered.author,
        labels: &[],
        base_ref: "",
        changed: &[],
        approvals: gathered.reviews.approvals(),
        change_requests: gathered.reviews.change_requests(),
        waivers: &gathered.waivers.by_rule,
        codeowners: None,
        directory,
        contributors: &gathered.contributors,
    };
    let result = eval::evaluate_rule(rule, &subject);
    let mut rejected = gathered.waivers.rejected.clone();
    let rules = std::slice::from_ref(rule);
    rejected.extend(standing::not_members(rules, std::slice::from_ref(&result), &gathered.waivers, directory));
    read_back(result, directory, rejected, min)
}

fn read_back(result: RuleResult, directory: &Directory<'_>, rejected: Vec<Rejected>, min: u32) -> Tally {
    let short = |via: &str| directory.find(via).map_or_else(|| via.to_owned(), |t| t.name.clone());
    let pairs = |list: &[eval::Counted]| list.iter().map(|c| (c.login.clone(), short(&c.via))).collect::<Vec<_>>();
    let whys = |list: &[Unconfirmed]| list.iter().map(|u| (u.login.clone(), u.why.clone())).collect::<Vec<_>>();
    let call = match result.outcome {
        RuleOutcome::Waived => match &result.waived_by {
            Some(w) => Call::Waived(w.clone()),
            None => Call::Unverifiable,
        },
        RuleOutcome::Pass => Call::Met,
        RuleOutcome::Fail if !result.changes_requested_by.is_empty() => Call::Blocked,
        RuleOutcome::Fail => Call::Missing,
        // The rule has no condition, so it is never skipped; undecided is never a pass.
        RuleOutcome::Undecided | RuleOutcome::Skip => Call::Unverifiable,
    };
    Tally {
        confirmed: pairs(&result.counted),
        not_members: result.not_members.clone(),
        unknown: whys(&result.approvers_unconfirmed),
        blocking: pairs(&result.changes_requested_by),
        blocking_unknown: whys(&result.blockers_unconfirmed),
        waivers_unknown: whys(&result.waivers_unconfirmed),
        rejected,
        contributors: result.contributors.clone(),
        min: min as usize,
        call,
        result,
    }
}
