//! Evaluating a parsed policy against what is known about one pull request.
//!
//! Approval semantics are the approvals gate's (reviews.rs): per reviewer only the latest
//! APPROVED/REQUEST_CHANGES row, which must stand (of the head, not dismissed, not stale, not
//! re-requested), never the author's or a system account's. Membership must be confirmed: an
//! unconfirmed membership never counts, and when it could decide the outcome the rule is
//! `undecided` (exit 3), never a pass.
//!
//! A rule is `skipped` when its `if` does not hold (or, for a `codeowners` requirement, when there
//! is no CODEOWNERS file or no line applies to a changed file); `waived` when it would not pass but
//! a member of its `waivable_by` teams declared it not applicable. In the tree, `all` and `any`
//! ignore skipped children and a node whose children are all skipped is skipped.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::history::Contributors;
use crate::membership::{MembershipFact, Memberships, Standing, TeamFact};
use crate::reviews::LatestReview;
use crate::rules::codeowners::{CodeOwners, Owner};
use crate::rules::file::{CodeownersMode, Condition, Node, People, Policy, Requirement, Rule};
use crate::text::{join_bounded, one_line};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleOutcome {
    Pass,
    Fail,
    Skip,
    Waived,
    /// A membership that could decide it is unconfirmed.
    Undecided,
}

impl RuleOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleOutcome::Pass => "pass",
            RuleOutcome::Fail => "fail",
            RuleOutcome::Skip => "skip",
            RuleOutcome::Waived => "waived",
            RuleOutcome::Undecided => "undecided",
        }
    }
}

/// Who is in which team: one [`Memberships`] per known team, the teams known not to exist, and
/// which CODEOWNERS user owners exist.
///
/// A team reference is either a policy's `org/team` (the host resolved it without case and sent
/// it back under that exact reference) or a CODEOWNERS owner, written `@org/team`: that one is
/// found by the organisation without case and the team name as the server compares it
/// (docs/gitea.md §11): **with** case up to Gitea 1.26 and on Forgejo, so there `@acme/QA`
/// never finds the team `qa` ([`Directory::codeowner_teams_with_case`]).
pub struct Directory<'a> {
    teams: Vec<(&'a TeamFact, Memberships<'a>)>,
    missing: Vec<String>,
    users: Vec<String>,
    missing_users: Vec<String>,
    /// CODEOWNERS team names compare with case (the server's dialect).
    owner_names_with_case: bool,
}

/// A CODEOWNERS owner team as a reference: `@org/team`.
pub fn owner_reference(org: &str, team: &str) -> String {
    format!("@{org}/{team}")
}

impl<'a> Directory<'a> {
    pub fn new(teams: &'a [TeamFact], missing: &[String], facts: &'a [MembershipFact]) -> Directory<'a> {
        Directory {
            teams: teams.iter().enumerate().map(|(i, t)| (t, Memberships::new(&teams[i..=i], facts))).collect(),
            missing: missing.to_vec(),
            users: Vec::new(),
            missing_users: Vec::new(),
            owner_names_with_case: false,
        }
    }

    /// CODEOWNERS `@org/team` owners name a team only with the team name's exact case, as Gitea up
    /// to 1.26 and Forgejo resolve them: a team the host found for `@acme/QA` whose name is `qa`
    /// is a missing team there.
    #[must_use]
    pub fn codeowner_teams_with_case(mut self, with_case: bool) -> Directory<'a> {
        self.owner_names_with_case = with_case;
        if with_case {
            for (team, _) in &self.teams {
                let named = team.reference.strip_prefix('@').and_then(|owner| owner.split_once('/'));
                if let Some((_, name)) = named
                    && team.name != name
                    && !self.missing.contains(&team.reference)
                {
                    self.missing.push(team.reference.clone());
                }
            }
        }
        self
    }

    /// With what the host found about the CODEOWNERS user owners.
    #[must_use]
    pub fn with_users(mut self, users: &[String], missing: &[String]) -> Directory<'a> {
        self.users = users.to_vec();
        self.missing_users = missing.to_vec();
        self
    }

    /// The team a reference names: a policy reference exactly as the host sent it back; a
    /// CODEOWNERS `@org/team` by the organisation without case and the team name as the server
    /// compares it.
    pub fn find(&self, reference: &str) -> Option<&'a TeamFact> {
        let Some(owner) = reference.strip_prefix('@') else {
            return self.teams.iter().find(|(t, _)| t.reference == reference).map(|(t, _)| *t);
        };
        let (org, name) = owner.split_once('/')?;
        self.teams
            .iter()
            .find(|(t, _)| {
                let t_org = t.org.as_deref().or_else(|| t.reference.split_once('/').map(|(o, _)| o)).unwrap_or("");
                let t_org = t_org.strip_prefix('@').unwrap_or(t_org);
                let same_name =
                    if self.owner_names_with_case { t.name == name } else { t.name.eq_ignore_ascii_case(name) };
                t_org.eq_ignore_ascii_case(org) && same_name
            })
            .map(|(t, _)| *t)
    }

    /// Whether the host found that this team does not exist (a reference as the guest asked).
    pub fn is_missing(&self, reference: &str) -> bool {
        self.missing.iter().any(|m| m == reference)
    }

    /// Whether the host told anything about this team (it exists, or it does not).
    pub fn knows(&self, reference: &str) -> bool {
        self.find(reference).is_some() || self.is_missing(reference)
    }

    /// Whether the host found that this CODEOWNERS user owner is no Gitea user.
    pub fn user_missing(&self, login: &str) -> bool {
        self.missing_users.iter().any(|u| u.eq_ignore_ascii_case(login))
    }

    /// Whether the host told whether this CODEOWNERS user owner exists.
    pub fn knows_user(&self, login: &str) -> bool {
        self.user_missing(login) || self.users.iter().any(|u| u.eq_ignore_ascii_case(login))
    }

    /// `login`'s standing in any of `teams`.
    pub fn standing(&self, login: &str, teams: &[String]) -> Standing {
        let mut unknown = None;
        for reference in teams {
            if self.is_missing(reference) {
                continue;
            }
            let Some(team) = self.find(reference) else {
                unknown.get_or_insert_with(|| format!("team {} was not resolved", one_line(reference)));
                continue;
            };
            let Some((_, m)) = self.teams.iter().find(|(t, _)| std::ptr::eq(*t, team)) else { continue };
            match m.standing(login) {
                Standing::Member(_) => return Standing::Member(reference.clone()),
                Standing::NotMember => {}
                Standing::Unknown(why) => {
                    unknown.get_or_insert(why);
                }
            }
        }
        unknown.map_or(Standing::NotMember, Standing::Unknown)
    }
}

/// Someone whose review or waiver counted, and through what (`acme/qa`, `user`, `@acme/dba`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counted {
    pub login: String,
    pub via: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unconfirmed {
    pub login: String,
    pub why: String,
}

/// A `/sop-n/a <rule> <reason>` that counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiver {
    pub login: String,
    pub reason: String,
    /// `comment #12`, `review #4`.
    pub source: String,
}

/// One evaluated rule: its outcome, why it applied or not, who counted and what is missing.
#[derive(Debug, Clone, Serialize)]
pub struct RuleResult {
    pub name: String,
    pub outcome: RuleOutcome,
    /// What the rule requires, in words (`2 approvals from acme/security`).
    pub requires: String,
    /// Why it applies or was skipped.
    pub condition: String,
    pub counted: Vec<Counted>,
    pub missing: Vec<String>,
    /// Eligible reviewers whose current change request fails the rule (`disapproval`).
    pub changes_requested_by: Vec<Counted>,
    pub unconfirmed: Vec<Unconfirmed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived_by: Option<Waiver>,
    /// CODEOWNERS lines (or files) whose only owner is the author: waived, reported.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub author_only: Vec<String>,
    /// For the status line: `security (auth/**)`, `code owners of db/schema.sql`.
    #[serde(skip)]
    pub needs: Vec<String>,
    /// Standing approvers confirmed not to be eligible (a `count` requirement).
    #[serde(skip)]
    pub not_members: Vec<String>,
    /// Every standing approver whose eligibility is unconfirmed, and why, whether or not it
    /// decides the rule (`unconfirmed` lists only those that do).
    #[serde(skip)]
    pub approvers_unconfirmed: Vec<Unconfirmed>,
    /// Change requesters (`disapproval`) whose eligibility is unconfirmed, and why.
    #[serde(skip)]
    pub blockers_unconfirmed: Vec<Unconfirmed>,
    /// Waivers whose author's membership of `waivable_by` is unconfirmed, and why.
    #[serde(skip)]
    pub waivers_unconfirmed: Vec<Unconfirmed>,
    /// Approvals and waivers by contributors, which the rule does not count.
    #[serde(skip)]
    pub contributors: Vec<ByContributor>,
    /// Who could close the rule's shortfall of approvals: its teams and users, or the owners of
    /// each CODEOWNERS requirement nobody met (`@org/team` for their teams). Whom to ask for a
    /// review (`--request-reviews`) is chosen from these.
    #[serde(skip)]
    pub could_close: People,
}

/// An approval or waiver that does not count because its author contributed to the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByContributor {
    pub login: String,
    /// `approval (review #4)`, `waiver (comment #12)`.
    pub what: String,
    /// How they contributed (history.rs): `pushed commit 3f2a… to the pull request`.
    pub how: String,
}

/// The evaluated tree.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tree {
    Rule { rule: String, outcome: RuleOutcome },
    All { outcome: RuleOutcome, all: Vec<Tree> },
    Any { outcome: RuleOutcome, any: Vec<Tree> },
}

impl Tree {
    pub fn outcome(&self) -> RuleOutcome {
        match self {
            Tree::Rule { outcome, .. } | Tree::All { outcome, .. } | Tree::Any { outcome, .. } => *outcome,
        }
    }
}

/// Everything a rule is evaluated against.
pub struct Subject<'a> {
    pub author: &'a str,
    pub labels: &'a [String],
    pub base_ref: &'a str,
    pub changed: &'a [String],
    /// Latest reviews that stand (not the author's, not excluded): approvals and change requests.
    pub approvals: Vec<&'a LatestReview<'a>>,
    /// Latest change requests that stand for blocking (stale ones too, as in Gitea's merge check).
    pub change_requests: Vec<&'a LatestReview<'a>>,
    /// Waivers per rule name, in order, already checked for author and visible reason.
    pub waivers: &'a HashMap<String, Vec<Waiver>>,
    pub codeowners: Option<&'a CodeOwners>,
    pub directory: &'a Directory<'a>,
    /// Who pushed or wrote a commit of the pull request (history.rs): they neither approve nor
    /// waive a rule that does not set `allow_contributors`.
    pub contributors: &'a Contributors,
}

/// Whether Gitea would resolve this CODEOWNERS owner (as far as the host found out: an owner it
/// was not asked about counts as live, and the guest asks before it decides).
pub fn owner_resolves(owner: &Owner, directory: &Directory<'_>) -> bool {
    match owner {
        Owner::Team { org, team } => !directory.is_missing(&owner_reference(org, team)),
        Owner::User(login) => !directory.user_missing(login),
    }
}

/// The CODEOWNERS owners after dropping those that do not resolve (Gitea skips them).
pub fn live_owners(owners: &[Owner], directory: &Directory<'_>) -> Vec<Owner> {
    owners.iter().filter(|o| owner_resolves(o, directory)).cloned().collect()
}

/// The owner teams as CODEOWNERS references (`@org/team`: the team name with case).
fn owner_teams(owners: &[Owner]) -> Vec<String> {
    owners
        .iter()
        .filter_map(|o| match o {
            Owner::Team { org, team } => Some(owner_reference(org, team)),
            Owner::User(_) => None,
        })
        .collect()
}

/// Whether the owners are the author alone (`@author`, perhaps listed twice).
fn author_only(owners: &[Owner], author: &str) -> bool {
    !owners.is_empty() && owners.iter().all(|o| matches!(o, Owner::User(u) if u.eq_ignore_ascii_case(author)))
}

/// Whether `login` is one of `people`: `Member(via)`, not, or unknown.
fn eligible(login: &str, users: &[String], teams: &[String], directory: &Directory<'_>) -> Standing {
    if users.iter().any(|u| u.eq_ignore_ascii_case(login)) {
        return Standing::Member("user".to_owned());
    }
    if teams.is_empty() {
        return Standing::NotMember;
    }
    directory.standing(login, teams)
}

enum Holds {
    Yes(String),
    No(String),
    Unknown(String),
}

fn condition_holds(c: &Condition, s: &Subject<'_>) -> Holds {
    let mut because = Vec::new();
    let mut unknown = None;
    if let Some(cf) = &c.changed_files {
        let hit = s.changed.iter().find_map(|p| {
            if cf.ignore.iter().any(|g| g.matches(p)) {
                return None;
            }
            cf.paths.iter().find(|g| g.matches(p)).map(|g| (p, g.as_str()))
        });
        match hit {
            Some((path, glob)) => because.push(format!("{} matches {glob}", one_line(path))),
            None => {
                let globs = cf.paths.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ");
                return Holds::No(format!("no changed file matches {globs}"));
            }
        }
    }
    if let Some(labels) = &c.labels {
        match labels.iter().find(|l| s.labels.iter().any(|x| x == *l)) {
            Some(l) => because.push(format!("label {}", one_line(l))),
            None => return Holds::No(format!("none of the labels {}", one_line(&labels.join(", ")))),
        }
    }
    if let Some(branches) = &c.target_branches {
        match branches.iter().find(|g| g.matches(s.base_ref)) {
            Some(g) => because.push(format!("target {} matches {}", one_line(s.base_ref), g.as_str())),
            None => {
                return Holds::No(format!(
                    "target branch {} is not {}",
                    one_line(s.base_ref),
                    branches.iter().map(|g| g.as_str()).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    for (negated, people) in [(false, &c.author), (true, &c.not_author)] {
        let Some(people) = people else { continue };
        let standing = eligible(s.author, &people.users, &people.teams, s.directory);
        let who = one_line(s.author);
        match (standing, negated) {
            (Standing::Member(via), false) => because.push(format!("author {who} is in {via}")),
            (Standing::NotMember, true) => because.push(format!("author {who} is not in {}", people.label())),
            (Standing::Member(via), true) => return Holds::No(format!("author {who} is in {via}")),
            (Standing::NotMember, false) => return Holds::No(format!("author {who} is not in {}", people.label())),
            (Standing::Unknown(why), _) => {
                unknown.get_or_insert(why);
            }
        }
    }
    match unknown {
        Some(why) => Holds::Unknown(why),
        None if because.is_empty() => Holds::Yes("always applies".to_owned()),
        None => Holds::Yes(because.join("; ")),
    }
}

fn blank(rule: &Rule, outcome: RuleOutcome, requires: String, condition: String) -> RuleResult {
    RuleResult {
        name: rule.name.clone(),
        outcome,
        requires,
        condition,
        counted: Vec::new(),
        missing: Vec::new(),
        changes_requested_by: Vec::new(),
        unconfirmed: Vec::new(),
        waived_by: None,
        author_only: Vec::new(),
        needs: Vec::new(),
        not_members: Vec::new(),
        approvers_unconfirmed: Vec::new(),
        blockers_unconfirmed: Vec::new(),
        waivers_unconfirmed: Vec::new(),
        contributors: Vec::new(),
        could_close: People::default(),
    }
}

fn requires_text(rule: &Rule) -> String {
    match &rule.requires {
        Requirement::Approvals { count, from } => {
            format!("{count} approval{} from {}", if *count == 1 { "" } else { "s" }, from.label())
        }
        Requirement::CodeOwners(CodeownersMode::Any) => {
            "an approval from the owners of each matching CODEOWNERS line".to_owned()
        }
        Requirement::CodeOwners(CodeownersMode::EachFile) => {
            "an approval from an owner of each changed file".to_owned()
        }
    }
}

/// The standing approvers against (users, teams): counted, confirmed not eligible, unconfirmed.
struct Tally {
    counted: Vec<Counted>,
    not_members: Vec<String>,
    unconfirmed: Vec<Unconfirmed>,
}

fn tally(s: &Subject<'_>, users: &[String], teams: &[String]) -> Tally {
    let mut t = Tally { counted: Vec::new(), not_members: Vec::new(), unconfirmed: Vec::new() };
    for r in &s.approvals {
        match eligible(&r.login, users, teams, s.directory) {
            Standing::Member(via) => t.counted.push(Counted { login: r.login.clone(), via }),
            Standing::NotMember => t.not_members.push(r.login.clone()),
            Standing::Unknown(why) => t.unconfirmed.push(Unconfirmed { login: r.login.clone(), why }),
        }
    }
    t
}

pub fn evaluate_rule(rule: &Rule, s: &Subject<'_>) -> RuleResult {
    if rule.allow_contributors || s.contributors.is_empty() {
        return evaluate_for(rule, s);
    }
    // The rule sees neither approvals nor waivers by contributors; each is reported. Their
    // change requests still block (`disapproval`): refusing a vote never adds one.
    let mut refused = Vec::new();
    let mut approvals = Vec::new();
    for review in &s.approvals {
        match s.contributors.find(&review.login) {
            Some(how) => refused.push(ByContributor {
                login: review.login.clone(),
                what: format!("approval (review #{})", review.review_id),
                how: how.describe(),
            }),
            None => approvals.push(*review),
        }
    }
    let mut waivers = s.waivers.clone();
    if let Some(list) = waivers.get_mut(&rule.name) {
        list.retain(|w| match s.contributors.find(&w.login) {
            Some(how) => {
                let what = format!("waiver ({})", w.source);
                refused.push(ByContributor { login: w.login.clone(), what, how: how.describe() });
                false
            }
            None => true,
        });
    }
    let narrowed = Subject {
        author: s.author,
        labels: s.labels,
        base_ref: s.base_ref,
        changed: s.changed,
        approvals,
        change_requests: s.change_requests.clone(),
        waivers: &waivers,
        codeowners: s.codeowners,
        directory: s.directory,
        contributors: s.contributors,
    };
    let mut result = evaluate_for(rule, &narrowed);
    if result.outcome != RuleOutcome::Skip {
        result.contributors = refused;
    }
    result
}

/// [`evaluate_rule`] once the subject holds only the votes the rule counts.
fn evaluate_for(rule: &Rule, s: &Subject<'_>) -> RuleResult {
    let requires = requires_text(rule);
    let mut trigger = String::new();
    let condition = match &rule.condition {
        None => "always applies".to_owned(),
        Some(c) => match condition_holds(c, s) {
            Holds::Yes(why) => {
                if let Some(cf) = &c.changed_files {
                    trigger = s
                        .changed
                        .iter()
                        .filter(|p| !cf.ignore.iter().any(|g| g.matches(p)))
                        .find_map(|p| cf.paths.iter().find(|g| g.matches(p)))
                        .map(|g| g.as_str().to_owned())
                        .unwrap_or_default();
                }
                why
            }
            Holds::No(why) => return blank(rule, RuleOutcome::Skip, requires, why),
            Holds::Unknown(why) => {
                let mut r =
                    blank(rule, RuleOutcome::Undecided, requires, format!("cannot tell whether it applies: {why}"));
                r.needs.push(format!("{} (unconfirmed author membership)", rule.name));
                return r;
            }
        },
    };
    let mut result = blank(rule, RuleOutcome::Fail, requires, condition);
    let hint = if trigger.is_empty() { rule.name.clone() } else { format!("{} ({trigger})", rule.name) };
    match &rule.requires {
        Requirement::Approvals { count, from } => approvals(&mut result, *count, from, s, &hint),
        Requirement::CodeOwners(mode) => {
            if !codeowners(&mut result, *mode, s) {
                return result;
            }
        }
    }
    if rule.disapproval && result.outcome != RuleOutcome::Skip {
        let (users, teams) = eligible_people(rule, s);
        let mut unknown_blockers = Vec::new();
        for r in &s.change_requests {
            match eligible(&r.login, &users, &teams, s.directory) {
                Standing::Member(via) => result.changes_requested_by.push(Counted { login: r.login.clone(), via }),
                Standing::NotMember => {}
                Standing::Unknown(why) => unknown_blockers.push(Unconfirmed { login: r.login.clone(), why }),
            }
        }
        result.blockers_unconfirmed.clone_from(&unknown_blockers);
        if !result.changes_requested_by.is_empty() {
            let who = result.changes_requested_by.iter().map(|c| one_line(&c.login)).collect::<Vec<_>>();
            result.outcome = RuleOutcome::Fail;
            result.missing.push(format!("changes requested by {}", join_bounded(&who, 3)));
            result.needs = vec![format!("{} (changes requested)", rule.name)];
        } else if !unknown_blockers.is_empty() && result.outcome == RuleOutcome::Pass {
            result.outcome = RuleOutcome::Undecided;
            result.missing.push("a change request from someone whose membership is unconfirmed".to_owned());
            result.unconfirmed.extend(unknown_blockers);
        }
    }
    if matches!(result.outcome, RuleOutcome::Fail | RuleOutcome::Undecided) {
        waive(&mut result, rule, s);
    }
    result
}

/// Who could approve the rule (for `disapproval`): its users and teams, or for a codeowners
/// rule the owners of the lines that apply.
fn eligible_people(rule: &Rule, s: &Subject<'_>) -> (Vec<String>, Vec<String>) {
    match &rule.requires {
        Requirement::Approvals { from, .. } => (from.users.clone(), from.teams.clone()),
        Requirement::CodeOwners(_) => {
            let mut users = BTreeSet::new();
            let mut teams = BTreeSet::new();
            for line in s.codeowners.map(|c| c.lines.as_slice()).unwrap_or(&[]) {
                if s.changed.iter().any(|p| line.applies_to(p)) {
                    for o in live_owners(&line.owners, s.directory) {
                        match o {
                            Owner::User(u) => {
                                users.insert(u);
                            }
                            Owner::Team { org, team } => {
                                teams.insert(owner_reference(&org, &team));
                            }
                        }
                    }
                }
            }
            (users.into_iter().collect(), teams.into_iter().collect())
        }
    }
}

fn approvals(result: &mut RuleResult, count: u32, from: &People, s: &Subject<'_>, hint: &str) {
    let Tally { counted, not_members, unconfirmed } = tally(s, &from.users, &from.teams);
    let have = counted.len();
    let need = count as usize;
    result.counted = counted;
    result.not_members = not_members;
    result.approvers_unconfirmed.clone_from(&unconfirmed);
    if have >= need {
        result.outcome = RuleOutcome::Pass;
        return;
    }
    let short = need - have;
    result.could_close = from.clone();
    result.missing.push(format!("{short} more approval{} from {}", if short == 1 { "" } else { "s" }, from.label()));
    result.needs.push(hint.to_owned());
    result.outcome = if have + unconfirmed.len() >= need { RuleOutcome::Undecided } else { RuleOutcome::Fail };
    result.unconfirmed = unconfirmed;
}

/// What CODEOWNERS requires of the changed files, as (what, owners, first file it covers): one
/// requirement per applying line (`any`), or per changed file with every owner of it (`each-file`).
/// Lines whose owners all failed to resolve are dropped, as Gitea drops them.
fn owner_requirements(file: &CodeOwners, mode: CodeownersMode, s: &Subject<'_>) -> Vec<(String, Vec<Owner>, String)> {
    let mut requirements: Vec<(String, Vec<Owner>, String)> = Vec::new();
    match mode {
        CodeownersMode::Any => {
            for line in &file.lines {
                let Some(path) = s.changed.iter().find(|p| line.applies_to(p)) else { continue };
                let owners = live_owners(&line.owners, s.directory);
                if owners.is_empty() {
                    continue; // every owner is unresolvable: Gitea drops the line
                }
                requirements.push((
                    format!("line {} ({})", line.number, one_line(&line.shown())),
                    owners,
                    path.clone(),
                ));
            }
        }
        CodeownersMode::EachFile => {
            for path in s.changed {
                let mut owners: Vec<Owner> = Vec::new();
                for line in file.lines.iter().filter(|l| l.applies_to(path)) {
                    for o in live_owners(&line.owners, s.directory) {
                        if !owners.contains(&o) {
                            owners.push(o);
                        }
                    }
                }
                if !owners.is_empty() {
                    requirements.push((one_line(path), owners, path.clone()));
                }
            }
        }
    }
    requirements
}

/// Returns false when the rule was skipped (nothing to require).
fn codeowners(result: &mut RuleResult, mode: CodeownersMode, s: &Subject<'_>) -> bool {
    let Some(file) = s.codeowners else {
        result.outcome = RuleOutcome::Skip;
        result.condition = "there is no CODEOWNERS file at the base".to_owned();
        return false;
    };
    let requirements = owner_requirements(file, mode, s);
    if requirements.is_empty() {
        result.outcome = RuleOutcome::Skip;
        result.condition = "no CODEOWNERS line applies to a changed file".to_owned();
        return false;
    }
    result.condition = format!("{} CODEOWNERS requirement(s) apply ({})", requirements.len(), mode.as_str());
    let mut undecided = false;
    let mut failed = false;
    let mut counted: Vec<Counted> = Vec::new();
    for (what, owners, path) in &requirements {
        if author_only(owners, s.author) {
            result.author_only.push(format!("{what}: owned only by the author {}", one_line(s.author)));
            continue;
        }
        let users: Vec<String> =
            owners.iter().filter_map(|o| if let Owner::User(u) = o { Some(u.clone()) } else { None }).collect();
        let teams = owner_teams(owners);
        let Tally { counted: ok, unconfirmed: unknown, .. } = tally(s, &users, &teams);
        let labels = owners.iter().map(Owner::label).collect::<Vec<_>>();
        if let Some(first) = ok.into_iter().next() {
            let via = if first.via == "user" { format!("@{}", first.login) } else { first.via.clone() };
            let c = Counted { login: first.login, via: format!("{via} for {what}") };
            counted.push(c);
            continue;
        }
        result.missing.push(format!("an approval from {} for {what}", join_bounded(&labels, 3)));
        for user in &users {
            if !result.could_close.users.iter().any(|u| u.eq_ignore_ascii_case(user)) {
                result.could_close.users.push(user.clone());
            }
        }
        for team in teams {
            if !result.could_close.teams.contains(&team) {
                result.could_close.teams.push(team);
            }
        }
        if result.needs.len() < 3 {
            result.needs.push(format!("code owners of {}", one_line(path)));
        }
        if unknown.is_empty() {
            failed = true;
        } else {
            undecided = true;
            for u in unknown {
                if !result.unconfirmed.contains(&u) {
                    result.unconfirmed.push(u);
                }
            }
        }
    }
    result.counted = counted;
    result.outcome = if failed {
        RuleOutcome::Fail
    } else if undecided {
        RuleOutcome::Undecided
    } else {
        RuleOutcome::Pass
    };
    true
}

fn waive(result: &mut RuleResult, rule: &Rule, s: &Subject<'_>) {
    if rule.waivable_by.is_empty() {
        return;
    }
    let mut unknown = false;
    for w in s.waivers.get(&rule.name).map(Vec::as_slice).unwrap_or(&[]) {
        match s.directory.standing(&w.login, &rule.waivable_by) {
            Standing::Member(_) => {
                result.outcome = RuleOutcome::Waived;
                result.waived_by = Some(w.clone());
                return;
            }
            Standing::NotMember => {}
            Standing::Unknown(why) => {
                unknown = true;
                let u = Unconfirmed { login: w.login.clone(), why };
                result.waivers_unconfirmed.push(u.clone());
                result.unconfirmed.push(u);
            }
        }
    }
    if unknown && result.outcome == RuleOutcome::Fail && result.changes_requested_by.is_empty() {
        // A waiver from someone whose membership is unconfirmed could still decide it.
        result.outcome = RuleOutcome::Undecided;
    }
}

/// Combine children: skipped ones are ignored; all skipped → skipped.
pub fn evaluate_tree(node: &Node, results: &[RuleResult]) -> Tree {
    match node {
        Node::Rule(i) => {
            let r = results.get(*i);
            Tree::Rule {
                rule: r.map(|r| r.name.clone()).unwrap_or_default(),
                outcome: r.map_or(RuleOutcome::Undecided, |r| r.outcome),
            }
        }
        Node::All(children) => {
            let all: Vec<Tree> = children.iter().map(|c| evaluate_tree(c, results)).collect();
            let outcomes: Vec<RuleOutcome> = all.iter().map(Tree::outcome).collect();
            let outcome = if outcomes.contains(&RuleOutcome::Fail) {
                RuleOutcome::Fail
            } else if outcomes.contains(&RuleOutcome::Undecided) {
                RuleOutcome::Undecided
            } else if outcomes.iter().all(|o| *o == RuleOutcome::Skip) {
                RuleOutcome::Skip
            } else {
                RuleOutcome::Pass
            };
            Tree::All { outcome, all }
        }
        Node::Any(children) => {
            let any: Vec<Tree> = children.iter().map(|c| evaluate_tree(c, results)).collect();
            let outcomes: Vec<RuleOutcome> = any.iter().map(Tree::outcome).collect();
            let outcome = if outcomes.iter().any(|o| matches!(o, RuleOutcome::Pass | RuleOutcome::Waived)) {
                RuleOutcome::Pass
            } else if outcomes.contains(&RuleOutcome::Undecided) {
                RuleOutcome::Undecided
            } else if outcomes.iter().all(|o| *o == RuleOutcome::Skip) {
                RuleOutcome::Skip
            } else {
                RuleOutcome::Fail
            };
            Tree::Any { outcome, any }
        }
    }
}

/// Evaluate every rule, then the tree.
pub fn evaluate(policy: &Policy, s: &Subject<'_>) -> (Vec<RuleResult>, Tree) {
    let results: Vec<RuleResult> = policy.rules.iter().map(|r| evaluate_rule(r, s)).collect();
    let tree = evaluate_tree(&policy.tree, &results);
    (results, tree)
}

/// What keeps the tree from passing, for the status line: the needs of failing rules under `all`
/// nodes, and `a or b` for an `any` node none of whose children passed.
pub fn tree_needs(tree: &Tree, results: &[RuleResult]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let push = |need: String, out: &mut Vec<String>| {
        if !out.contains(&need) {
            out.push(need);
        }
    };
    match tree {
        _ if !matches!(tree.outcome(), RuleOutcome::Fail | RuleOutcome::Undecided) => {}
        Tree::Rule { rule, .. } => {
            for need in results.iter().filter(|r| &r.name == rule).flat_map(|r| &r.needs) {
                push(need.clone(), &mut out);
            }
        }
        Tree::All { all, .. } => {
            for need in all.iter().flat_map(|c| tree_needs(c, results)) {
                push(need, &mut out);
            }
        }
        Tree::Any { any, .. } => {
            let options: Vec<String> =
                any.iter().map(|c| tree_needs(c, results).join(", ")).filter(|n| !n.is_empty()).collect();
            match options.len() {
                0 => {}
                1 => push(options.concat(), &mut out),
                _ => push(format!("({})", options.join(" or ")), &mut out),
            }
        }
    }
    out
}

/// The rule tree as text, one line per node, indented.
pub fn render(tree: &Tree, results: &[RuleResult]) -> Vec<String> {
    let mut out = Vec::new();
    render_into(tree, results, 0, &mut out);
    out
}

fn render_into(tree: &Tree, results: &[RuleResult], depth: usize, out: &mut Vec<String>) {
    let pad = "  ".repeat(depth);
    match tree {
        Tree::All { outcome, all } => {
            out.push(format!("{pad}all: {}", outcome.as_str()));
            for c in all {
                render_into(c, results, depth + 1, out);
            }
        }
        Tree::Any { outcome, any } => {
            out.push(format!("{pad}any: {}", outcome.as_str()));
            for c in any {
                render_into(c, results, depth + 1, out);
            }
        }
        Tree::Rule { rule, outcome } => {
            let Some(r) = results.iter().find(|r| &r.name == rule) else { return };
            let mut parts = vec![r.condition.clone()];
            if *outcome != RuleOutcome::Skip {
                parts.push(format!("requires {}", r.requires));
                if !r.counted.is_empty() {
                    let who: Vec<String> =
                        r.counted.iter().map(|c| format!("{} ({})", one_line(&c.login), c.via)).collect();
                    parts.push(format!("counted: {}", join_bounded(&who, 5)));
                }
                if !r.missing.is_empty() {
                    parts.push(format!("missing: {}", join_bounded(&r.missing, 3)));
                }
                if !r.unconfirmed.is_empty() {
                    let who: Vec<String> = r.unconfirmed.iter().map(|u| one_line(&u.login)).collect();
                    parts.push(format!("unconfirmed: {}", join_bounded(&who, 3)));
                }
                if !r.author_only.is_empty() {
                    parts.push(format!("waived (author-owned): {}", join_bounded(&r.author_only, 2)));
                }
                if let Some(w) = &r.waived_by {
                    parts.push(format!("waived by {} in {}: {}", one_line(&w.login), w.source, w.reason));
                }
            }
            out.push(format!("{pad}{}: {} — {}", one_line(rule), outcome.as_str(), parts.join("; ")));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, outcome: RuleOutcome) -> RuleResult {
        RuleResult {
            name: name.to_owned(),
            outcome,
            requires: String::new(),
            condition: String::new(),
            counted: Vec::new(),
            missing: Vec::new(),
            changes_requested_by: Vec::new(),
            unconfirmed: Vec::new(),
            waived_by: None,
            author_only: Vec::new(),
            needs: Vec::new(),
            not_members: Vec::new(),
            approvers_unconfirmed: Vec::new(),
            blockers_unconfirmed: Vec::new(),
            waivers_unconfirmed: Vec::new(),
            contributors: Vec::new(),
            could_close: People::default(),
        }
    }

    #[test]
    fn codeowners_team_names_keep_their_case_policy_references_do_not() {
        let qa = TeamFact {
            reference: "acme/QA".into(),
            name: "qa".into(),
            org: Some("ACME".into()),
            id: Some(20),
            readable: true,
            unreadable_reason: None,
        };
        let teams = [qa];
        let d = Directory::new(&teams, &["@acme/QA".to_owned()], &[]).codeowner_teams_with_case(true);
        // The policy's `acme/QA`: the host resolved it without case and sent it back as written.
        assert!(d.find("acme/QA").is_some() && !d.is_missing("acme/QA"));
        // CODEOWNERS' `@acme/QA` is not the team `qa` (Gitea compares the team name with case)…
        assert!(d.find("@acme/QA").is_none() && d.is_missing("@acme/QA") && d.knows("@acme/QA"));
        // …while the organisation is compared without case.
        assert!(d.find("@Acme/qa").is_some());
        // A CODEOWNERS reference the host was not asked about is not known (the guest asks).
        assert!(!d.knows("@acme/Qa"));
        let owners = [
            Owner::Team { org: "acme".into(), team: "QA".into() },
            Owner::Team { org: "acme".into(), team: "qa".into() },
            Owner::User("Ghost".into()),
            Owner::User("dan".into()),
        ];
        let d = d.with_users(&["dan".to_owned()], &["ghost".to_owned()]);
        assert_eq!(live_owners(&owners, &d), owners[1..2].iter().chain(&owners[3..]).cloned().collect::<Vec<_>>());
        assert!(d.knows_user("DAN") && d.knows_user("ghost") && !d.knows_user("erin"));
    }

    /// The host resolves `@acme/QA` without case and sends the team it found, named `qa`: with
    /// case (Gitea up to 1.26, Forgejo) that is a missing team; without (Gitea 1.27+) it is `qa`.
    #[test]
    fn codeowners_team_names_compare_as_the_server_does() {
        let found = TeamFact {
            reference: "@acme/QA".into(),
            name: "qa".into(),
            org: Some("acme".into()),
            id: Some(20),
            readable: true,
            unreadable_reason: None,
        };
        let teams = [found];
        let exact = Directory::new(&teams, &[], &[]).codeowner_teams_with_case(true);
        assert!(exact.find("@acme/QA").is_none() && exact.is_missing("@acme/QA") && exact.knows("@acme/QA"));
        assert!(exact.find("@acme/qa").is_some(), "the team itself exists");
        let caseless = Directory::new(&teams, &[], &[]).codeowner_teams_with_case(false);
        assert_eq!(caseless.find("@acme/QA").map(|t| t.name.as_str()), Some("qa"));
        assert!(!caseless.is_missing("@acme/QA"));
        let owners = [Owner::Team { org: "acme".into(), team: "QA".into() }];
        assert!(live_owners(&owners, &exact).is_empty());
        assert_eq!(live_owners(&owners, &caseless), owners.to_vec());
    }

    #[test]
    fn all_and_any_ignore_skipped_children() {
        use RuleOutcome::*;
        let cases: [(&[RuleOutcome], RuleOutcome, RuleOutcome); 8] = [
            (&[Pass, Skip], Pass, Pass),
            (&[Skip, Skip], Skip, Skip),
            (&[Pass, Fail], Fail, Pass),
            (&[Fail, Undecided], Fail, Undecided),
            (&[Pass, Undecided], Undecided, Pass),
            (&[Waived, Skip], Pass, Pass),
            (&[Fail, Skip], Fail, Fail),
            (&[Undecided, Skip], Undecided, Undecided),
        ];
        for (children, all, any) in cases {
            let results: Vec<RuleResult> =
                children.iter().enumerate().map(|(i, o)| result(&format!("r{i}"), *o)).collect();
            let nodes: Vec<Node> = (0..children.len()).map(Node::Rule).collect();
            assert_eq!(evaluate_tree(&Node::All(nodes.clone()), &results).outcome(), all, "all {children:?}");
            assert_eq!(evaluate_tree(&Node::Any(nodes), &results).outcome(), any, "any {children:?}");
        }
    }
}
