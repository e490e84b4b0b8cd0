//! The policy gate (design §2.1): one policy file of path-scoped review rules and CODEOWNERS
//! requirements, evaluated rule by rule and explained.
//!
//! Phases, as for approvals: no pull request yet → ask for it (with its reviews, comments, changed
//! files, the base's policy and CODEOWNERS); a team named by the policy or by a CODEOWNERS line
//! that applies is not resolved → say which (`details.teams_needed`); membership unknown → ask
//! for every candidate in one wave (approvers, change requesters, waivers, the author when an
//! `if` names people); everything known → evaluate (policy/eval.rs).

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::InvalidInput;
use crate::checks::pull_request::{ask_for_pull_request, bounded, missing_token, pending};
use crate::checks::trust::classify;
use crate::commands::{Verb, for_each_command, has_visible_text};
use crate::findings::{Code, Finding, Level};
use crate::membership::{TeamFact, team_label, token_fix};
use crate::policy::codeowners::{self, CodeOwners, Owner};
use crate::policy::eval::{self, Directory, Outcome as RuleOutcome, Subject, Waiver};
use crate::policy::facts::{PolicyFacts, changed_paths};
use crate::policy::file::{self, Policy, Requirement};
use crate::protocol::{MembershipProbe, Needs, Outcome, StatusText, Verdict};
use crate::pulls::{author_login, labels};
use crate::reviews::{Decision, exclusion, head_sha, latest_decisions, login_of, review_stands};
use crate::text::{join_bounded, one_line};

const CHECK: &str = "policy";

/// The verdict for a policy file that cannot be used: an error the host reports as exit 2.
fn invalid_policy(c: &crate::checks::trust::Classification, path: &str, e: &file::PolicyError) -> Verdict {
    let finding = Finding::new(Code::PolicyInvalid, Level::Error, format!("{}: {}", one_line(path), e.located()))
        .help(e.fix.clone());
    let mut verdict = Verdict::new(CHECK, Outcome::Error, c.trust, &finding);
    verdict.findings.push(finding);
    verdict.status = Some(StatusText {
        state: "error".to_owned(),
        description: bounded(&format!("policy file invalid: {}", e.located())),
    });
    verdict.details = json!({ "policy_file": path, "line": e.line, "error": e.message, "fix": e.fix });
    verdict
}

fn policy_outcome_text(outcome: RuleOutcome) -> &'static str {
    outcome.as_str()
}

pub fn evaluate(facts: PolicyFacts) -> Result<Verdict, InvalidInput> {
    let c = classify(&facts.context);
    if let Some(verdict) = missing_token(CHECK, &c, facts.token.as_ref(), "evaluating the review policy") {
        return Ok(verdict);
    }
    // The file is checked first: a broken policy is a configuration error whatever the PR.
    let parsed: Option<(String, Policy)> = match &facts.policy {
        Some(source) => match file::parse(&source.path, &source.text) {
            Ok(policy) => Some((source.path.clone(), policy)),
            Err(e) => return Ok(invalid_policy(&c, &source.path, &e)),
        },
        None => None,
    };
    let Some(pr) = facts.pull_request.as_ref() else {
        return Ok(ask_for_pull_request(&c, CHECK, facts.pr_number, &facts.context));
    };
    let Some((policy_path, policy)) = parsed else {
        return Err(InvalidInput("the pull request was sent without the policy file".to_owned()));
    };
    let Some(files) = facts.changed_files.as_deref() else {
        return Err(InvalidInput("the pull request was sent without its changed files".to_owned()));
    };
    let author = author_login(pr).unwrap_or_default();
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or(0);
    let head = head_sha(pr);
    let base_ref = pr.get("base").and_then(|b| b.get("ref")).and_then(Value::as_str).unwrap_or("").to_owned();
    let pr_labels = labels(pr);
    let changed = changed_paths(files);
    let owners_file: Option<CodeOwners> =
        if policy.uses_codeowners() { facts.codeowners.as_ref().map(|f| codeowners::parse(&f.text)) } else { None };

    let mut findings = vec![c.basis.clone()];
    findings.extend(c.warnings.iter().cloned());

    // Teams: the policy's, and the owner teams of every CODEOWNERS line that applies.
    let mut referenced = policy.teams();
    if let Some(owners) = &owners_file {
        for line in owners.lines.iter().filter(|l| changed.iter().any(|p| l.applies_to(p))) {
            for o in &line.owners {
                if let Owner::Team { org, team } = o {
                    let r = format!("{org}/{team}");
                    if !referenced.contains(&r) {
                        referenced.push(r);
                    }
                }
            }
        }
    }
    let membership_facts = facts.membership.as_deref().unwrap_or(&[]);
    let directory = Directory::new(&facts.teams, &facts.missing_teams, membership_facts);
    let unresolved: Vec<&String> = referenced.iter().filter(|r| !directory.knows(r)).collect();
    if !unresolved.is_empty() {
        let mut verdict = pending(
            &c,
            CHECK,
            &format!(
                "teams not resolved yet: {}",
                join_bounded(&unresolved.iter().map(|r| one_line(r)).collect::<Vec<_>>(), 5)
            ),
        );
        verdict.details = json!({ "teams_needed": unresolved });
        return Ok(verdict);
    }

    // Reviews: the approvals gate's semantics.
    let (latest, malformed) = latest_decisions(&facts.reviews);
    let mut approvals = Vec::new();
    for review in &latest {
        match exclusion(review, &author, head, false) {
            Some(why) => findings.push(Finding::new(Code::ReviewNotCounted, Level::Notice, why)),
            None if review.decision == Decision::Approved => approvals.push(review),
            None => {}
        }
    }
    if malformed > 0 {
        findings.push(Finding::new(
            Code::ReviewNotCounted,
            Level::Warning,
            format!("{malformed} deciding review rows without a user were ignored"),
        ));
    }
    let any_disapproval = policy.rules.iter().any(|r| r.disapproval);
    let change_requests: Vec<_> = if any_disapproval {
        latest
            .iter()
            .filter(|r| r.decision == Decision::ChangesRequested && exclusion(r, &author, head, true).is_none())
            .collect()
    } else {
        Vec::new()
    };

    // Waivers: `/sop-n/a <rule> <reason>` in comments (not edited) and in reviews that stand.
    let mut waivers: HashMap<String, Vec<Waiver>> = HashMap::new();
    let waivable: Vec<&str> =
        policy.rules.iter().filter(|r| !r.waivable_by.is_empty()).map(|r| r.name.as_str()).collect();
    let rule_names: Vec<&str> = policy.rules.iter().map(|r| r.name.as_str()).collect();
    let mut read = |body: &str, login: &str, source: String, counts: Result<(), String>| {
        for_each_command(body, |command| {
            if command.verb != Verb::Waive {
                return;
            }
            let Some(target) = command.target.filter(|t| rule_names.contains(t)) else { return };
            let who = one_line(login);
            let not_counted = |why: String| {
                Finding::new(
                    Code::WaiverNotCounted,
                    Level::Warning,
                    format!("{who}'s /sop-n/a {target} in {source} does not count: {why}"),
                )
            };
            if let Err(why) = &counts {
                findings.push(not_counted(why.clone()));
            } else if login.eq_ignore_ascii_case(&author) {
                findings.push(not_counted("the author cannot waive a rule".to_owned()));
            } else if !waivable.contains(&target) {
                findings.push(not_counted("the rule has no waivable_by".to_owned()));
            } else if !has_visible_text(command.reason) {
                findings.push(not_counted("no visible reason".to_owned()));
            } else {
                waivers.entry(target.to_owned()).or_default().push(Waiver {
                    login: login.to_owned(),
                    reason: one_line(command.reason),
                    source: source.clone(),
                });
            }
        });
    };
    if !waivable.is_empty()
        || facts
            .comments
            .iter()
            .chain(&facts.reviews)
            .any(|v| v.get("body").and_then(Value::as_str).is_some_and(|b| b.contains("/sop-n/a")))
    {
        for comment in &facts.comments {
            let Some((login, _)) = login_of(comment) else { continue };
            let body = comment.get("body").and_then(Value::as_str).unwrap_or("");
            let id = comment.get("id").and_then(Value::as_i64).unwrap_or(0);
            let edited = comment.get("updated_at") != comment.get("created_at");
            let counts = if edited { Err("the comment was edited after posting".to_owned()) } else { Ok(()) };
            read(body, login, format!("comment #{id}"), counts);
        }
        for review in &facts.reviews {
            let Some((login, _)) = login_of(review) else { continue };
            let body = review.get("body").and_then(Value::as_str).unwrap_or("");
            let id = review.get("id").and_then(Value::as_i64).unwrap_or(0);
            let counts = review_stands(review, head, false).map_err(|why| format!("the review {}", why.describe()));
            read(body, login, format!("review #{id}"), counts);
        }
    }

    // Membership: everyone who could count, against every readable team, in one wave.
    if facts.membership.is_none() {
        let mut logins: Vec<String> = Vec::new();
        let mut add = |login: &str| {
            if !logins.iter().any(|l| l.eq_ignore_ascii_case(login)) {
                logins.push(login.to_owned());
            }
        };
        approvals.iter().for_each(|r| add(&r.login));
        change_requests.iter().for_each(|r| add(&r.login));
        waivers.values().flatten().for_each(|w| add(&w.login));
        let names_author = policy
            .rules
            .iter()
            .any(|r| r.condition.as_ref().is_some_and(|c| c.author.is_some() || c.not_author.is_some()));
        if names_author && !author.is_empty() {
            add(&author);
        }
        let readable: Vec<String> = facts.teams.iter().filter(|t| t.readable).map(|t| t.reference.clone()).collect();
        if !logins.is_empty() && !readable.is_empty() {
            let mut verdict = pending(&c, CHECK, "team membership of the reviewers is not known yet");
            verdict.needs = Some(Needs::Membership(
                logins.into_iter().map(|login| MembershipProbe { login, teams: readable.clone() }).collect(),
            ));
            return Ok(verdict);
        }
    }

    if let (Some(owners), Some(source)) = (&owners_file, &facts.codeowners) {
        for w in &owners.warnings {
            findings.push(
                Finding::new(
                    Code::CodeownersLineInvalid,
                    Level::Warning,
                    format!("{} line {}: {}", one_line(&source.path), w.line, w.message),
                )
                .help("Gitea skips this line too; fix it so that it means what it says"),
            );
        }
        let mut reported = Vec::new();
        for line in &owners.lines {
            for o in &line.owners {
                if let Owner::Team { org, team } = o {
                    let r = format!("{org}/{team}");
                    if directory.is_missing(&r) && !reported.contains(&r) {
                        findings.push(Finding::new(
                            Code::CodeownerUnresolved,
                            Level::Warning,
                            format!(
                                "{} line {}: owner @{} does not exist and is skipped",
                                one_line(&source.path),
                                line.number,
                                one_line(&r)
                            ),
                        ));
                        reported.push(r);
                    }
                }
            }
        }
    }

    let subject = Subject {
        author: &author,
        labels: &pr_labels,
        base_ref: &base_ref,
        changed: &changed,
        approvals,
        change_requests,
        waivers: &waivers,
        codeowners: owners_file.as_ref(),
        directory: &directory,
    };
    let (results, tree) = eval::evaluate(&policy, &subject);

    // Waivers that named a waivable rule but did not waive it (not a member).
    for r in &policy.rules {
        let waived_by = results.iter().find(|x| x.name == r.name).and_then(|x| x.waived_by.as_ref());
        for w in waivers.get(&r.name).map(Vec::as_slice).unwrap_or(&[]) {
            if waived_by == Some(w) {
                continue;
            }
            if let crate::membership::Standing::NotMember = directory.standing(&w.login, &r.waivable_by) {
                findings.push(Finding::new(
                    Code::WaiverNotCounted,
                    Level::Warning,
                    format!(
                        "{}'s /sop-n/a {} in {} does not count: not a member of {}",
                        one_line(&w.login),
                        r.name,
                        w.source,
                        r.waivable_by.join(", ")
                    ),
                ));
            }
        }
    }
    for r in &results {
        for line in &r.author_only {
            findings.push(Finding::new(Code::CodeownersAuthorOnly, Level::Notice, format!("rule {}: {line}", r.name)));
        }
        if let Some(w) = &r.waived_by {
            findings.push(Finding::new(
                Code::RuleWaived,
                Level::Notice,
                format!("rule {} waived by {} in {}: {}", r.name, one_line(&w.login), w.source, w.reason),
            ));
        }
    }

    let names = |o: RuleOutcome| results.iter().filter(|r| r.outcome == o).map(|r| r.name.clone()).collect::<Vec<_>>();
    let (passed, failed, skipped, waived, undecided) = (
        names(RuleOutcome::Pass),
        names(RuleOutcome::Fail),
        names(RuleOutcome::Skip),
        names(RuleOutcome::Waived),
        names(RuleOutcome::Undecided),
    );
    // What is missing, from the rules that keep the tree from passing.
    let needs = eval::tree_needs(&tree, &results);
    let waived_note = if waived.is_empty() { String::new() } else { format!(" (waived: {})", waived.join(", ")) };
    let unreadable: Vec<&TeamFact> = facts.teams.iter().filter(|t| !t.readable).collect();
    let token_name = facts.token.as_ref().map_or("the token".to_owned(), |t| one_line(&t.name));
    let (outcome, decisive, description) = match tree.outcome() {
        RuleOutcome::Pass | RuleOutcome::Waived => {
            let mut shown = passed.clone();
            shown.extend(waived.iter().map(|w| format!("{w} (waived)")));
            (
                Outcome::Pass,
                Finding::new(
                    Code::PolicyMet,
                    Level::Notice,
                    format!("policy met on #{number}: {}", join_bounded(&shown, 5)),
                ),
                format!("policy met: {}{waived_note}", join_bounded(&passed, 5)),
            )
        }
        RuleOutcome::Skip => (
            Outcome::Fail,
            Finding::new(
                Code::NoRuleApplies,
                Level::Error,
                format!("no rule of {} applies to #{number}", one_line(&policy_path)),
            )
            .help("a policy with nothing to require must say so with an unconditional rule"),
            "no rule applies".to_owned(),
        ),
        RuleOutcome::Fail => (
            Outcome::Fail,
            Finding::new(
                Code::PolicyFailed,
                Level::Error,
                format!("policy not met on #{number}: needs {}", join_bounded(&needs, 4)),
            )
            .help("the report lists, rule by rule, who counted and what is missing"),
            format!("needs: {}{waived_note}", join_bounded(&needs, 4)),
        ),
        RuleOutcome::Undecided => {
            let whys: Vec<String> = results
                .iter()
                .flat_map(|r| r.unconfirmed.iter().map(|u| format!("{}: {}", one_line(&u.login), u.why)))
                .collect();
            let code = if unreadable.is_empty() { Code::MembershipUnverified } else { Code::TeamUnreadable };
            let teams_needing: Vec<&TeamFact> =
                if unreadable.is_empty() { facts.teams.iter().collect() } else { unreadable.clone() };
            (
                Outcome::Error,
                Finding::new(code, Level::Error, format!("cannot decide the policy on #{number}: {} unconfirmed", join_bounded(&undecided, 4)))
                    .message(format!(
                        "Rules {} depend on memberships {token_name} cannot confirm: {}. An unconfirmed membership never counts.",
                        undecided.join(", "),
                        join_bounded(&whys, 3)
                    ))
                    .help(token_fix(&token_name, &teams_needing)),
                format!("cannot verify membership for: {}", join_bounded(&needs, 4)),
            )
        }
    };
    let explain = eval::render(&tree, &results);
    let mut verdict = Verdict::new(CHECK, outcome, c.trust, &decisive);
    verdict.findings = findings;
    verdict.findings.push(decisive);
    let state = match outcome {
        Outcome::Pass | Outcome::Skip => "success",
        Outcome::Fail => "failure",
        Outcome::Error => "error",
    };
    verdict.status = Some(StatusText { state: state.to_owned(), description: bounded(&description) });
    verdict.outputs.insert("rules-passed".to_owned(), passed.join(","));
    verdict.outputs.insert("rules-failed".to_owned(), failed.join(","));
    verdict.outputs.insert("rules-skipped".to_owned(), skipped.join(","));
    verdict.outputs.insert("rules-waived".to_owned(), waived.join(","));
    verdict.details = json!({
        "pull_request": number,
        "author": author,
        "policy_file": policy_path,
        "outcome": policy_outcome_text(tree.outcome()),
        "tree": tree,
        "rules": results,
        "explain": explain,
        "changed_files": changed.len(),
        "codeowners": facts.codeowners.as_ref().filter(|_| policy.uses_codeowners()).map(|f| json!({
            "path": f.path,
            "lines": owners_file.as_ref().map_or(0, |o| o.lines.len()),
            "warnings": owners_file.as_ref().map(|o| o.warnings.clone()).unwrap_or_default(),
        })),
        "teams": facts.teams.iter().map(|t| json!({"team": team_label(t), "readable": t.readable})).collect::<Vec<_>>(),
        "requirements": policy.rules.iter().map(|r| json!({"rule": r.name, "codeowners": matches!(r.requires, Requirement::CodeOwners(_))})).collect::<Vec<_>>(),
    });
    Ok(verdict)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// The corpus inputs (tests/corpus/policy), decided natively: the outcome and code each case
    /// is about, independent of the blessed verdict files.
    #[test]
    fn corpus_cases_decide_what_they_are_named_for() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/policy");
        let expected: &[(&str, &str, &str, &str)] = &[
            ("asks-for-the-pull-request", "error", "facts-needed", ""),
            ("asks-for-membership-in-one-wave", "error", "facts-needed", ""),
            ("teams-needed", "error", "facts-needed", ""),
            ("count-teams-pass", "pass", "policy-met", "rules-passed=qa"),
            ("count-teams-missing", "fail", "policy-failed", "rules-failed=qa"),
            ("users-pass-author-excluded", "pass", "policy-met", "rules-passed=pair"),
            ("changed-files-ignored-skips", "pass", "policy-met", "rules-skipped=security"),
            ("changed-files-applies-and-fails", "fail", "policy-failed", "rules-failed=security"),
            ("rename-counts-the-old-name", "fail", "policy-failed", "rules-failed=security"),
            ("labels-apply", "fail", "policy-failed", "rules-failed=high"),
            ("labels-skip", "pass", "policy-met", "rules-skipped=high"),
            ("target-branch-applies", "pass", "policy-met", "rules-passed=qa,release"),
            ("author-conditions-skip-everything-fails", "fail", "no-rule-applies", "rules-skipped=outsiders,juniors"),
            ("not-author-applies", "pass", "policy-met", "rules-skipped=juniors"),
            ("nested-all-any-pass", "pass", "policy-met", "rules-passed=qa,security-leads"),
            ("nested-all-any-fail", "fail", "policy-failed", "rules-failed=security,security-leads"),
            ("all-skipped-fails", "fail", "no-rule-applies", "rules-skipped=security"),
            ("disapproval-fails", "fail", "policy-failed", "rules-failed=security"),
            ("waived-by-member", "pass", "policy-met", "rules-waived=security"),
            ("waiver-by-author-or-hidden-does-not-count", "fail", "policy-failed", "rules-failed=security"),
            ("codeowners-any-pass", "pass", "policy-met", "rules-passed=qa,owners"),
            ("codeowners-any-fails", "fail", "policy-failed", "rules-failed=owners"),
            ("codeowners-each-file-fails", "fail", "policy-failed", "rules-failed=owners"),
            ("codeowners-author-only-line-waived", "pass", "policy-met", "rules-passed=qa,owners"),
            ("codeowners-absent-skips", "pass", "policy-met", "rules-skipped=owners"),
            ("membership-unconfirmed-is-undecided", "error", "team-unreadable", ""),
            ("bad-file-unknown-key", "error", "policy-invalid", ""),
            ("bad-file-unknown-rule-in-tree", "error", "policy-invalid", ""),
            ("bad-file-glob", "error", "policy-invalid", ""),
            ("json-policy-file", "pass", "policy-met", "rules-passed=qa"),
        ];
        let on_disk = std::fs::read_dir(&dir)
            .expect("corpus dir")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".input.json"))
            .count();
        assert_eq!(on_disk, expected.len(), "every policy corpus case is listed here");
        for (name, verdict, code, output) in expected {
            let input = std::fs::read(dir.join(format!("{name}.input.json"))).expect(name);
            let v: Value = serde_json::from_slice(&crate::evaluate_bytes(&input)).expect("json");
            assert_eq!(v["verdict"], *verdict, "{name}: {}", v["reason"]);
            assert_eq!(v["code"], *code, "{name}: {}", v["reason"]);
            if let Some((key, want)) = output.split_once('=') {
                assert_eq!(v["outputs"][key], want, "{name}: {}", v["outputs"]);
            }
        }
    }

    #[test]
    fn status_names_what_is_missing_and_waivers() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/policy");
        let status = |name: &str| {
            let input = std::fs::read(dir.join(format!("{name}.input.json"))).expect("input");
            let v: Value = serde_json::from_slice(&crate::evaluate_bytes(&input)).expect("json");
            v["status"]["description"].as_str().unwrap_or("").to_owned()
        };
        assert_eq!(status("changed-files-applies-and-fails"), "needs: security (auth/**)");
        assert_eq!(status("codeowners-any-fails"), "needs: code owners of db/schema.sql");
        assert_eq!(status("waived-by-member"), "policy met: qa (waived: security)");
        assert_eq!(status("disapproval-fails"), "needs: security (changes requested)");
        assert_eq!(status("nested-all-any-fail"), "needs: (security or security-leads)");
    }

    /// The bench row's shape (5 rules, CODEOWNERS of 50 lines, 300 changed files, 50 approving
    /// reviewers) decides in well under a second natively.
    #[test]
    fn bench_shape_is_cheap() {
        use serde_json::json;
        let policy = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n  - name: security\n    if: { changed_files: { paths: [\"auth/**\"] } }\n    requires: { count: 2, teams: [acme/security] }\n  - name: release\n    if: { target_branches: [\"release/*\"] }\n    requires: { users: [rm] }\n  - name: owners\n    requires: { codeowners: any }\n  - name: files\n    requires: { codeowners: each-file }\n";
        let codeowners: String = (0..50).map(|i| format!("dir{i}/.* @acme/qa @owner{i}\n")).collect();
        let files: Vec<_> = (0..300).map(|i| json!({"filename": format!("dir{}/f{i}.rs", i % 60)})).collect();
        let head = "0000000000000000000000000000000000000007";
        let reviews: Vec<_> = (0..50)
            .map(|i| {
                json!({"id": i, "user": {"login": format!("r{i}"), "id": 500 + i}, "state": "APPROVED",
                            "commit_id": head, "dismissed": false, "stale": false, "official": true})
            })
            .collect();
        let membership: Vec<_> = (0..50)
            .flat_map(|i| {
                ["acme/qa", "acme/security"].map(|t| json!({"login": format!("r{i}"), "team": t, "member": i % 2 == 0}))
            })
            .collect();
        let team = |name: &str, id: i64| json!({"reference": format!("acme/{name}"), "name": name, "org": "acme", "id": id, "readable": true});
        let input = json!({"version": 1, "check": "policy", "facts": {
            "context": {"event_name": "workflow_dispatch"},
            "pr_number": 7,
            "policy": {"path": "policy.yml", "text": policy},
            "pull_request": {"number": 7, "user": {"login": "alice"}, "head": {"sha": head}, "base": {"ref": "main"}},
            "reviews": reviews, "changed_files": files, "codeowners": {"path": "CODEOWNERS", "text": codeowners},
            "teams": [team("qa", 1), team("security", 2)], "membership": membership,
        }});
        let bytes = serde_json::to_vec(&input).expect("json");
        let started = std::time::Instant::now();
        let v: Value = serde_json::from_slice(&crate::evaluate_bytes(&bytes)).expect("verdict");
        assert!(started.elapsed().as_millis() < 2000, "took {:?}", started.elapsed());
        assert_eq!(v["verdict"], "pass", "{}", v["reason"]);
        assert_eq!(v["outputs"]["rules-passed"], "qa,owners,files", "{}", v["details"]["explain"]);
        assert_eq!(v["outputs"]["rules-skipped"], "security,release", "{}", v["details"]["explain"]);
    }
}
