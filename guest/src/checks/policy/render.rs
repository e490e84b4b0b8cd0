//! The policy verdict in words: findings, the deciding finding with its fix, the commit status
//! line, step outputs, `details` (with the explanation, one line per node of the rule tree) and
//! the job summary (the rule tree as a table). Decides nothing (decide.rs does).

use serde_json::{Value, json};

use crate::checks::pull_request::{bounded, contributor_finding, status, teams_needing, token_name};
use crate::checks::summary;
use crate::checks::trust::Classification;
use crate::findings::{Code, Finding, Level};
use crate::membership::{team_label, token_fix};
use crate::protocol::{Outcome, ReviewRequest, StatusText, Verdict};
use crate::reviews::short;
use crate::rules::codeowners::{CodeOwners, Warning};
use crate::rules::eval::{self, RuleOutcome, RuleResult, Tree};
use crate::rules::facts::PolicyFacts;
use crate::rules::file::{self, Policy, Requirement};
use crate::server::Server;
use crate::text::{join_bounded, one_line};

use super::decide::{Call, Decision, Rejected, Reviews, Waivers};
use super::{CHECK, Pull};

/// Everything the words need besides the decision.
pub struct Words<'a> {
    pub c: &'a Classification,
    pub facts: &'a PolicyFacts,
    pub policy_path: &'a str,
    pub policy: &'a Policy,
    pub owners: Option<&'a CodeOwners>,
    pub pull: &'a Pull<'a>,
    /// `--request-reviews`: whom this run asks (requests.rs).
    pub asked: Option<ReviewRequest>,
}

/// The verdict for a policy file that cannot be used: an error the host reports as exit 2.
pub fn invalid_policy(c: &Classification, path: &str, e: &file::PolicyError) -> Verdict {
    let finding = Finding::new(Code::PolicyInvalid, Level::Error, format!("{}: {}", one_line(path), e.located()))
        .help(e.fix.clone());
    let mut verdict = Verdict::new(CHECK, Outcome::Error, c.trust, &finding);
    verdict.findings.push(finding);
    verdict.status = Some(StatusText {
        state: "error".to_owned(),
        description: bounded(&format!("policy file invalid: {}", e.located())),
    });
    verdict.details = json!({ "policy_file": path, "line": e.line, "error": e.message, "fix": e.fix });
    summary::attach(&mut verdict, &[], Vec::new());
    verdict
}

/// The policy needs code owners (rules `rules`) but CODEOWNERS gives none: `why` says how.
pub fn codeowners_missing(c: &Classification, rules: &[String], why: &str) -> Verdict {
    let named = join_bounded(&rules.iter().map(|r| one_line(r)).collect::<Vec<_>>(), 3);
    let finding = Finding::new(
        Code::CodeownersMissing,
        Level::Error,
        format!("the policy requires code-owner approval (rule {named}), but {why}"),
    )
    .help(
        "restore the CODEOWNERS file (or fix its owners) on the default branch, or remove the codeowners \
         requirement from the policy; without it the rule would require nothing",
    );
    let mut verdict = Verdict::new(CHECK, Outcome::Error, c.trust, &finding);
    verdict.findings.push(finding);
    verdict.status =
        Some(StatusText { state: "error".to_owned(), description: bounded(&format!("CODEOWNERS unusable: {why}")) });
    verdict.details = json!({ "codeowners_rules": rules, "codeowners_problem": why });
    summary::attach(&mut verdict, &[], Vec::new());
    verdict
}

/// The server is one whose rules the gate does not follow (too old, or no version it can read).
pub fn server_unsupported(c: &Classification, server: &Server, why: &str) -> Verdict {
    let finding = Finding::new(Code::ServerUnsupported, Level::Error, why.to_owned()).help(format!(
        "gitea-gate follows Gitea {} and later and Forgejo {} and later; upgrade the server, or run a gitea-gate \
         release that supports {}",
        dotted(crate::server::OLDEST_GITEA),
        dotted(crate::server::OLDEST_FORGEJO),
        one_line(&server.version)
    ));
    configuration_error(c, finding, "unsupported server", json!({ "server": server }))
}

/// CODEOWNERS lines the server (regexp2) may apply but the gate cannot compile: it cannot know
/// which files they own, so it does not decide — never fewer owners than the server demands.
pub fn codeowners_pattern_unsupported(c: &Classification, path: &str, server: &Server, lines: &[Warning]) -> Verdict {
    let numbers: Vec<String> = lines.iter().map(|w| w.line.to_string()).collect();
    let first = lines.first().map(|w| w.message.clone()).unwrap_or_default();
    let finding = Finding::new(
        Code::CodeownersPatternUnsupported,
        Level::Error,
        format!(
            "{} line{} {}: {first}",
            one_line(path),
            if numbers.len() == 1 { "" } else { "s" },
            join_bounded(&numbers, 5)
        ),
    )
    .message(format!(
        "Gitea {} reads CODEOWNERS patterns as regexp2 expressions (from 1.26 on); gitea-gate evaluates RE2 \
         syntax only, and cannot tell which files these lines own. Deciding without them could ask for fewer \
         owners than the server does.",
        one_line(&server.version)
    ))
    .help("write the pattern in the syntax both share (no lookaround, no backreferences), or remove the line");
    configuration_error(
        c,
        finding,
        "CODEOWNERS pattern unsupported",
        json!({ "codeowners_unsupported_lines": numbers }),
    )
}

/// `1.22.6`
fn dotted((a, b, c): (u64, u64, u64)) -> String {
    format!("{a}.{b}.{c}")
}

/// A configuration error verdict (exit 2, `error` status) with one deciding finding.
fn configuration_error(c: &Classification, finding: Finding, status: &str, details: Value) -> Verdict {
    let mut verdict = Verdict::new(CHECK, Outcome::Error, c.trust, &finding);
    verdict.findings.push(finding);
    verdict.status = Some(StatusText { state: "error".to_owned(), description: bounded(status) });
    verdict.details = details;
    summary::attach(&mut verdict, &[], Vec::new());
    verdict
}

fn rejected(r: &Rejected) -> Finding {
    Finding::new(
        if r.outdated { Code::WaiverOutdated } else { Code::WaiverNotCounted },
        Level::Warning,
        format!("{}'s /sop-n/a {} in {} does not count: {}", one_line(&r.login), r.rule, r.source, r.why),
    )
}

/// The findings before the deciding one: trust, reviews and waivers that do not count, CODEOWNERS
/// problems, author-owned CODEOWNERS lines and waived rules.
fn notes(w: &Words<'_>, reviews: &Reviews<'_>, waivers: &Waivers, d: &Decision) -> Vec<Finding> {
    let w_head = w.pull.head;
    let mut findings = vec![w.c.basis.clone()];
    findings.extend(w.c.warnings.iter().cloned());
    for how in &reviews.kept {
        findings.push(Finding::new(Code::ApprovalKeptAcrossBaseMerges, Level::Notice, how.clone()));
    }
    for (_, why) in &reviews.excluded {
        findings.push(Finding::new(Code::ReviewNotCounted, Level::Notice, why.clone()));
    }
    if reviews.malformed > 0 {
        findings.push(Finding::new(
            Code::ReviewNotCounted,
            Level::Warning,
            format!("{} deciding review rows without a user were ignored", reviews.malformed),
        ));
    }
    findings.extend(waivers.rejected.iter().map(rejected));
    findings.extend(codeowners_notes(w, d));
    findings.extend(d.not_members.iter().map(rejected));
    for r in &d.results {
        let rule = format!("rule {}: ", r.name);
        findings.extend(r.contributors.iter().map(|x| contributor_finding(&rule, x)));
        for line in &r.author_only {
            findings.push(Finding::new(Code::CodeownersAuthorOnly, Level::Notice, format!("rule {}: {line}", r.name)));
        }
        if let Some(w) = &r.waived_by {
            findings.push(Finding::new(
                Code::RuleWaived,
                Level::Notice,
                format!(
                    "rule {} waived by {} in {} for head {}: {}",
                    r.name,
                    one_line(&w.login),
                    w.source,
                    short(w_head),
                    w.reason
                ),
            ));
        }
    }
    findings
}

/// CODEOWNERS lines Gitea skips: unusable ones, owners that do not resolve, and lines that apply
/// but are left with no owner (dropped: they require nothing, which must never go unnoticed).
fn codeowners_notes(w: &Words<'_>, d: &Decision) -> Vec<Finding> {
    let (Some(owners), Some(source)) = (w.owners, &w.facts.codeowners) else { return Vec::new() };
    let path = one_line(&source.path);
    let mut findings: Vec<Finding> = owners
        .warnings
        .iter()
        .map(|warning| {
            Finding::new(
                Code::CodeownersLineInvalid,
                Level::Warning,
                format!("{path} line {}: {}", warning.line, warning.message),
            )
            .help("Gitea skips this line too; fix it so that it means what it says")
        })
        .collect();
    findings.extend(owners.may_time_out(&w.pull.changed).map(|line| {
        Finding::new(
            Code::CodeownersPatternMayTimeOut,
            Level::Warning,
            format!(
                "{path} line {}: `{}` may run past the server's 150 ms match limit on long paths, and a \
                 match that times out makes a negated line apply; gitea-gate applies it to those paths",
                line.number,
                one_line(&line.shown())
            ),
        )
        .help("rewrite the pattern without a repetition inside a repetition or several `.*` (gitea.md §11.1)")
    }));
    findings.extend(d.unresolved_owners.iter().map(|(lines, owner)| {
        let lines: Vec<String> = lines.iter().map(usize::to_string).collect();
        let what = if owner.contains('/') {
            "names no existing team (the organisation is compared without case, the team name with case up to Gitea 1.26 and on Forgejo, without from 1.27)"
        } else {
            "is not a Gitea user (no such login, an organisation, or a renamed account's old name)"
        };
        Finding::new(
            Code::CodeownerUnresolved,
            Level::Warning,
            format!(
                "{path} line{} {}: owner {} {what}; skipped, as Gitea skips it",
                if lines.len() == 1 { "" } else { "s" },
                join_bounded(&lines, 5),
                one_line(owner)
            ),
        )
        .help("write the owner exactly as in Gitea: @login, or @org/team with the team name's case")
    }));
    findings.extend(d.dropped_lines.iter().map(|l| {
        Finding::new(
            Code::CodeownersLineDropped,
            Level::Warning,
            format!(
                "{path} line {} ({}) applies to {} but none of its owners resolves ({}): the line is \
                 dropped, as Gitea drops it, and requires no approval",
                l.number,
                one_line(&l.pattern),
                one_line(&l.path),
                join_bounded(&l.owners.iter().map(|o| one_line(o)).collect::<Vec<_>>(), 3)
            ),
        )
        .help("fix the owners of this line, or the files it covers are guarded by no code owner")
    }));
    findings
}

/// The deciding finding and the commit-status description for the call.
fn decisive(w: &Words<'_>, d: &Decision) -> (Outcome, Finding, String) {
    let number = w.pull.number;
    let (passed, waived) = (d.names(RuleOutcome::Pass), d.names(RuleOutcome::Waived));
    // Which waiver, by whom, where: the status sits on the head it was counted for.
    let waivers: Vec<String> = d
        .results
        .iter()
        .filter_map(|r| r.waived_by.as_ref().map(|w| format!("{} by {} in {}", r.name, one_line(&w.login), w.source)))
        .collect();
    let waived_note = if waivers.is_empty() { String::new() } else { format!(" (waived: {})", waivers.join(", ")) };
    match d.call {
        Call::Met => {
            let mut shown = passed.clone();
            shown.extend(waived.iter().map(|w| format!("{w} (waived)")));
            let finding = Finding::new(
                Code::PolicyMet,
                Level::Notice,
                format!("policy met on #{number}: {}", join_bounded(&shown, 5)),
            );
            let dropped: Vec<String> = d.dropped_lines.iter().map(|l| l.number.to_string()).collect();
            let dropped_note = match dropped.len() {
                0 => String::new(),
                1 => format!(" (warning: CODEOWNERS line {} dropped, no owner resolves)", dropped.concat()),
                _ => format!(" (warning: CODEOWNERS lines {} dropped, no owner resolves)", join_bounded(&dropped, 3)),
            };
            let description = format!("policy met: {}{waived_note}{dropped_note}", join_bounded(&passed, 5));
            (Outcome::Pass, finding, description)
        }
        Call::NoRuleApplies => {
            let finding = Finding::new(
                Code::NoRuleApplies,
                Level::Error,
                format!("no rule of {} applies to #{number}", one_line(w.policy_path)),
            )
            .help("a policy with nothing to require must say so with an unconditional rule");
            (Outcome::Fail, finding, "no rule applies".to_owned())
        }
        Call::Failed => {
            let needs = join_bounded(&d.needs, 4);
            let finding =
                Finding::new(Code::PolicyFailed, Level::Error, format!("policy not met on #{number}: needs {needs}"))
                    .help("the report lists, rule by rule, who counted and what is missing");
            (Outcome::Fail, finding, format!("needs: {needs}{waived_note}"))
        }
        Call::Undecided => undecided(w, d),
    }
}

/// Rules depend on memberships the token cannot confirm: cannot decide (exit 3), with what the
/// token's owner needs.
fn undecided(w: &Words<'_>, d: &Decision) -> (Outcome, Finding, String) {
    let number = w.pull.number;
    let undecided = d.names(RuleOutcome::Undecided);
    let whys: Vec<String> = d
        .results
        .iter()
        .flat_map(|r| r.unconfirmed.iter().map(|u| format!("{}: {}", one_line(&u.login), u.why)))
        .collect();
    let token_name = token_name(w.facts.token.as_ref());
    let (code, needing) = teams_needing(&w.facts.teams);
    let finding = Finding::new(
        code,
        Level::Error,
        format!("cannot decide the policy on #{number}: {} unconfirmed", join_bounded(&undecided, 4)),
    )
    .message(format!(
        "Rules {} depend on memberships {token_name} cannot confirm: {}. An unconfirmed membership never counts.",
        undecided.join(", "),
        join_bounded(&whys, 3)
    ))
    .help(token_fix(&token_name, &needing));
    (Outcome::Error, finding, format!("cannot verify membership for: {}", join_bounded(&d.needs, 4)))
}

/// The final verdict.
pub fn verdict(w: &Words<'_>, reviews: &Reviews<'_>, waivers: &Waivers, d: &Decision) -> Verdict {
    let (outcome, decisive, description) = decisive(w, d);
    let mut verdict = Verdict::new(CHECK, outcome, w.c.trust, &decisive);
    verdict.findings = notes(w, reviews, waivers, d);
    crate::checks::requests::attach(&mut verdict, w.asked.as_ref());
    verdict.findings.push(decisive);
    verdict.status = Some(status(outcome, &description));
    let outputs = [
        ("rules-passed", RuleOutcome::Pass),
        ("rules-failed", RuleOutcome::Fail),
        ("rules-skipped", RuleOutcome::Skip),
        ("rules-waived", RuleOutcome::Waived),
    ];
    for (name, o) in outputs {
        verdict.outputs.insert(name.to_owned(), d.names(o).join(","));
    }
    verdict.details = details(w, d);
    let columns = ["rule", "outcome", "counted", "missing / waived", "condition"];
    summary::attach(&mut verdict, &columns, rows(&d.tree, &d.results));
    verdict
}

fn details(w: &Words<'_>, d: &Decision) -> Value {
    let facts = w.facts;
    json!({
        "pull_request": w.pull.number,
        "author": w.pull.author,
        "policy_file": w.policy_path,
        "outcome": d.tree.outcome().as_str(),
        "tree": d.tree,
        "rules": d.results,
        "explain": eval::render(&d.tree, &d.results),
        "changed_files": w.pull.changed.len(),
        "codeowners": facts.codeowners.as_ref().filter(|_| w.policy.uses_codeowners()).map(|f| json!({
            "path": f.path,
            "lines": w.owners.map_or(0, |o| o.lines.len()),
            "warnings": w.owners.map(|o| o.warnings.clone()).unwrap_or_default(),
        })),
        "teams": facts.teams.iter().map(|t| json!({"team": team_label(t), "readable": t.readable})).collect::<Vec<_>>(),
        "requirements": w.policy.rules.iter().map(|r| json!({"rule": r.name, "codeowners": matches!(r.requires, Requirement::CodeOwners(_))})).collect::<Vec<_>>(),
    })
}

/// The job summary's table: the rule tree, one row per node (`all of`, `any of`, each rule, its
/// depth shown by `›`), with each rule's outcome, who counted, what is missing or who waived it,
/// and why it applies or was skipped.
fn rows(tree: &Tree, results: &[RuleResult]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    rows_into(tree, results, 0, &mut rows);
    rows
}

fn rows_into(tree: &Tree, results: &[RuleResult], depth: usize, rows: &mut Vec<Vec<String>>) {
    let pad = "› ".repeat(depth);
    let node = |label: &str, outcome: RuleOutcome| vec![format!("{pad}{label}"), outcome.as_str().to_owned()];
    match tree {
        Tree::All { outcome, all } => {
            rows.push(node("all of", *outcome));
            all.iter().for_each(|c| rows_into(c, results, depth + 1, rows));
        }
        Tree::Any { outcome, any } => {
            rows.push(node("any of", *outcome));
            any.iter().for_each(|c| rows_into(c, results, depth + 1, rows));
        }
        Tree::Rule { rule, outcome } => {
            let Some(r) = results.iter().find(|r| &r.name == rule) else { return };
            let mut row = node(rule, *outcome);
            let counted: Vec<String> = r.counted.iter().map(|c| format!("{} ({})", c.login, c.via)).collect();
            row.push(join_bounded(&counted, 5));
            row.push(missing_or_waived(r));
            row.push(r.condition.clone());
            rows.push(row);
        }
    }
}

/// What a rule still needs, or who waived it (a skipped rule needs nothing).
fn missing_or_waived(r: &RuleResult) -> String {
    if r.outcome == RuleOutcome::Skip {
        return String::new();
    }
    if let Some(w) = &r.waived_by {
        return format!("waived by {} in {}: {}", w.login, w.source, w.reason);
    }
    let mut parts = Vec::new();
    if !r.missing.is_empty() {
        parts.push(join_bounded(&r.missing, 3));
    }
    if !r.unconfirmed.is_empty() {
        let who: Vec<&str> = r.unconfirmed.iter().map(|u| u.login.as_str()).collect();
        parts.push(format!("unconfirmed: {}", join_bounded(&who, 3)));
    }
    if !r.author_only.is_empty() {
        parts.push(format!("waived (author-owned): {}", join_bounded(&r.author_only, 2)));
    }
    parts.join("; ")
}
