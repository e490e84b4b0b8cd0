//! The policy gate (docs/policy.md): one policy file of path-scoped review rules and CODEOWNERS
//! requirements, evaluated rule by rule and explained.
//!
//! Phases, as for approvals: no pull request yet → ask for it (with its reviews, comments, changed
//! files, the base's policy and CODEOWNERS); a team named by the policy or by a CODEOWNERS line
//! that applies is not resolved → ask for it (`Needs::Owners`); membership unknown → ask
//! for every candidate in one wave (approvers, change requesters, waivers, the author when an
//! `if` names people); everything known → evaluate (rules/eval.rs).
//!
//! The phases and the gathering are here; the decision (which reviews and waivers stand, each
//! rule's outcome, who counted, what is missing, the call) is `decide.rs`; its words (findings,
//! status line, outputs, `details`, the explanation and the job summary) are `render.rs`; what
//! the policy gate shares with the other pull-request gates is `checks/pull_request.rs`.

mod decide;
mod render;

use serde_json::Value;

use crate::InvalidInput;
use crate::checks::pull_request::{
    ask_for_membership, ask_for_pull_request, kept_across_base_merges, missing_token, pending,
};
use crate::checks::requests;
use crate::checks::trust::{Classification, classify};
use crate::history::{Contributors, Freshness};
use crate::protocol::{Needs, Owners, OwnersNamed, Verdict};
use crate::pulls::{author_login, labels};
use crate::reviews::head_sha;
use crate::rules::codeowners::{self, CodeOwners, Owner};
use crate::rules::eval::{Directory, owner_reference};
use crate::rules::facts::{ChangedFile, PolicyFacts, SourceFile, changed_paths};
use crate::rules::file::{self, Policy};
use crate::server::{self, CodeownersDialect, Server};
use crate::text::{join_bounded, one_line};

const CHECK: &str = "policy";

/// The pull request as the policy sees it.
pub struct Pull<'f> {
    pub number: u64,
    pub author: String,
    pub head: &'f str,
    pub base_ref: String,
    pub labels: Vec<String>,
    /// Every changed path, both names of a rename.
    pub changed: Vec<String>,
}

fn pull<'f>(pr: &'f Value, files: &[ChangedFile]) -> Pull<'f> {
    Pull {
        number: pr.get("number").and_then(Value::as_u64).unwrap_or(0),
        author: author_login(pr).unwrap_or_default(),
        head: head_sha(pr),
        base_ref: pr.get("base").and_then(|b| b.get("ref")).and_then(Value::as_str).unwrap_or("").to_owned(),
        labels: labels(pr),
        changed: changed_paths(files),
    }
}

pub fn evaluate(mut facts: PolicyFacts) -> Result<Verdict, InvalidInput> {
    let c = classify(&facts.context);
    if let Some(verdict) = missing_token(CHECK, &c, facts.token.as_ref(), "evaluating the review policy") {
        return Ok(verdict);
    }
    // The file is checked first: a broken policy is a configuration error whatever the PR.
    let parsed: Option<(&str, Policy)> = match &facts.policy {
        Some(source) => match file::parse(&source.path, &source.text) {
            Ok(policy) => Some((source.path.as_str(), policy)),
            Err(e) => return Ok(render::invalid_policy(&c, &source.path, &e)),
        },
        None => None,
    };
    // The pull request travels with its history (pushes and commits): both, or ask again.
    let (Some(pr), Some(history), Some(server)) =
        (facts.pull_request.as_ref(), facts.history.as_ref(), facts.server.as_ref())
    else {
        return Ok(ask_for_pull_request_naming_owners(&c, &facts, parsed.as_ref().map(|(_, p)| p)));
    };
    let Some((policy_path, policy)) = parsed else {
        return Err(InvalidInput("the pull request was sent without the policy file".to_owned()));
    };
    let Some(files) = facts.changed_files.as_deref() else {
        return Err(InvalidInput("the pull request was sent without its changed files".to_owned()));
    };
    let pull = pull(pr, files);
    let dialect = match server::codeowners_dialect(server) {
        Ok(dialect) => dialect,
        Err(unsupported) => return Ok(render::server_unsupported(&c, server, &unsupported.0)),
    };
    // A CODEOWNERS where this server does not look is no CODEOWNERS (`.forgejo/` on Gitea).
    let locations = server::codeowners_locations(server);
    let unread = facts.codeowners.take_if(|f| !locations.contains(&f.path.as_str()));
    let nowhere = nowhere(server, locations, unread.as_ref());
    let owners = codeowners_of(&facts, &policy, dialect);
    if let (Some(file), Some(owners)) = (&facts.codeowners, &owners)
        && !owners.unsupported.is_empty()
    {
        return Ok(render::codeowners_pattern_unsupported(&c, &file.path, server, &owners.unsupported));
    }
    let directory = directory(&facts, dialect);
    if let Some(why) = codeowners_unusable(&policy, owners.as_ref(), None, &nowhere) {
        return Ok(render::codeowners_missing(&c, &policy.codeowners_rules(), &why));
    }
    if let Some(verdict) = ask_for_owners(&c, &policy, owners.as_ref(), &directory) {
        return Ok(verdict);
    }
    if let Some(why) = codeowners_unusable(&policy, owners.as_ref(), Some(&directory), &nowhere) {
        return Ok(render::codeowners_missing(&c, &policy.codeowners_rules(), &why));
    }
    let wanted = facts.keep_across_base_merges;
    let kept = match kept_across_base_merges(&c, CHECK, pr, history, &facts.reviews, wanted) {
        Ok(kept) => kept,
        Err(ask) => return Ok(*ask),
    };
    let reviews = decide::reviews(&facts.reviews, &policy, &pull, &kept);
    let fresh = Freshness::of(history, pull.head);
    let waivers = decide::waivers(&facts.comments, &facts.reviews, &policy, &pull, &fresh);
    let what = "team membership of the reviewers is not known yet";
    let known = facts.membership.is_some();
    let logins = decide::to_probe(&policy, &pull, &reviews, &waivers);
    let logins: Vec<&str> = logins.iter().map(String::as_str).collect();
    if let Some(ask) = ask_for_membership(&c, CHECK, what, &facts.teams, known, &logins) {
        return Ok(ask);
    }
    // Every contributor; a rule with `allow_contributors` counts them anyway (rules/eval.rs).
    let contributors = Contributors::of(history, &fresh, false);
    let decision = decide::decide(&policy, &pull, &reviews, &waivers, owners.as_ref(), &directory, &contributors);
    let asked = requests::choose(&asking(&c, &facts, &pull, &reviews, &contributors, &directory), &decision.results);
    let owners = owners.as_ref();
    let words = render::Words { c: &c, facts: &facts, policy_path, policy: &policy, owners, pull: &pull, asked };
    Ok(render::verdict(&words, &reviews, &waivers, &decision))
}

/// The question for the pull request, naming every team and user the policy and CODEOWNERS could
/// need, so that the host resolves them while it reads the pull request (which CODEOWNERS lines
/// apply is known only after).
fn ask_for_pull_request_naming_owners(c: &Classification, facts: &PolicyFacts, policy: Option<&Policy>) -> Verdict {
    let mut ask = ask_for_pull_request(c, CHECK, facts.pr_number, &facts.context);
    if let (Some(policy), true) = (policy, ask.needs.is_some()) {
        // The server's dialect is not known yet; the owners a line names do not depend on it.
        let owners = codeowners_of(facts, policy, CodeownersDialect::default());
        let (teams, users) = named(policy, owners.as_ref(), |_| true);
        if !teams.is_empty() || !users.is_empty() {
            let named = OwnersNamed { teams_named: teams, users_named: users };
            ask.details = serde_json::to_value(named).unwrap_or_default();
        }
    }
    ask
}

/// What `--request-reviews` chooses from (requests.rs).
fn asking<'a>(
    c: &Classification,
    facts: &'a PolicyFacts,
    pull: &'a Pull<'a>,
    reviews: &'a decide::Reviews<'a>,
    contributors: &'a Contributors,
    directory: &'a Directory<'a>,
) -> requests::Asking<'a> {
    requests::Asking {
        wanted: facts.request_reviews,
        trust: c.trust,
        repository: facts.context.repository.as_deref().unwrap_or(""),
        pull_request: facts.pull_request.as_ref().unwrap_or(&Value::Null),
        review_rows: &facts.reviews,
        author: &pull.author,
        reviews,
        contributors,
        directory,
    }
}

/// Who is in which team, and which CODEOWNERS owners exist, as this server resolves them.
fn directory(facts: &PolicyFacts, dialect: CodeownersDialect) -> Directory<'_> {
    Directory::new(&facts.teams, &facts.missing_teams, facts.membership.as_deref().unwrap_or(&[]))
        .with_users(&facts.users, &facts.missing_users)
        .codeowner_teams_with_case(!dialect.team_names_without_case)
}

/// Why a policy that requires code owners gets none from CODEOWNERS: no file where the server
/// reads it, or (once the owners are resolved, `directory`) no line with an owner left — every
/// line dropped, as Gitea drops a line whose owners do not resolve. Either would turn the rule
/// into a skip, so that deleting or breaking the file removes the requirement: a configuration
/// error instead, whatever the pull request changes. `None` when the policy has no such rule.
fn codeowners_unusable(
    policy: &Policy,
    owners: Option<&CodeOwners>,
    directory: Option<&Directory<'_>>,
    nowhere: &str,
) -> Option<String> {
    if !policy.uses_codeowners() {
        return None;
    }
    let Some(file) = owners else { return Some(nowhere.to_owned()) };
    if file.lines.is_empty() {
        return Some("the CODEOWNERS file has no line that names an owner".to_owned());
    }
    let directory = directory?;
    let dropped = file.lines.iter().all(|line| crate::rules::eval::live_owners(&line.owners, directory).is_empty());
    dropped.then(|| "no owner named in the CODEOWNERS file resolves: every line is dropped".to_owned())
}

/// Why there is no CODEOWNERS: where the server looks, and a file it does not read.
fn nowhere(server: &Server, locations: &[&str], unread: Option<&SourceFile>) -> String {
    let shown = server::shown(server);
    let mut why = format!(
        "there is no CODEOWNERS file where {shown} looks (the first of {} on the default branch)",
        locations.join(", ")
    );
    if let Some(file) = unread {
        why.push_str(&format!("; {} exists, but {shown} does not read it", one_line(&file.path)));
    }
    why
}

/// CODEOWNERS as the server parses it (`dialect`), when the policy has a `codeowners` rule and
/// the file exists.
fn codeowners_of(facts: &PolicyFacts, policy: &Policy, dialect: CodeownersDialect) -> Option<CodeOwners> {
    if !policy.uses_codeowners() {
        return None;
    }
    facts.codeowners.as_ref().map(|f| codeowners::parse_as(&f.text, dialect))
}

/// Every team the policy names (`org/team`), and the owners of every CODEOWNERS line — teams as
/// `@org/team` (the team name with case), users as logins — each once. Every line, not only
/// those that apply to a changed file: whether any line keeps an owner decides whether the file
/// is usable at all (`codeowners_unusable`).
fn referenced(policy: &Policy, owners: Option<&CodeOwners>) -> (Vec<String>, Vec<String>) {
    named(policy, owners, |_| true)
}

/// The policy's teams and the owners of the CODEOWNERS lines `applies` keeps.
fn named(
    policy: &Policy,
    owners: Option<&CodeOwners>,
    applies: impl Fn(&codeowners::Line) -> bool,
) -> (Vec<String>, Vec<String>) {
    let mut teams = policy.teams();
    let mut users: Vec<String> = Vec::new();
    let applying = owners.into_iter().flat_map(|o| &o.lines).filter(|l| applies(l));
    for owner in applying.flat_map(|l| &l.owners) {
        match owner {
            Owner::Team { org, team } => {
                let r = owner_reference(org, team);
                if !teams.contains(&r) {
                    teams.push(r);
                }
            }
            Owner::User(login) => {
                if !users.iter().any(|u| u.eq_ignore_ascii_case(login)) {
                    users.push(login.clone());
                }
            }
        }
    }
    (teams, users)
}

/// Ask for the teams and CODEOWNERS users the host has not resolved yet, all in one question
/// (`Needs::Owners`); `None` when it told about all of them.
fn ask_for_owners(
    c: &Classification,
    policy: &Policy,
    owners: Option<&CodeOwners>,
    directory: &Directory<'_>,
) -> Option<Verdict> {
    let (teams, users) = referenced(policy, owners);
    let teams: Vec<&String> = teams.iter().filter(|r| !directory.knows(r)).collect();
    let users: Vec<&String> = users.iter().filter(|u| !directory.knows_user(u)).collect();
    if teams.is_empty() && users.is_empty() {
        return None;
    }
    let shown: Vec<String> =
        teams.iter().map(|r| one_line(r)).chain(users.iter().map(|u| format!("@{}", one_line(u)))).collect();
    let mut verdict = pending(c, CHECK, &format!("teams and owners not resolved yet: {}", join_bounded(&shown, 5)));
    let owners = Owners { teams: teams.into_iter().cloned().collect(), users: users.into_iter().cloned().collect() };
    verdict.needs = Some(Needs::Owners(owners));
    Some(verdict)
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
            ("request-reviews-asks-the-owners-that-can-close-the-rule", "fail", "policy-failed", "rules-failed=owners"),
            ("codeowners-each-file-fails", "fail", "policy-failed", "rules-failed=owners"),
            ("codeowners-author-only-line-waived", "pass", "policy-met", "rules-passed=qa,owners"),
            ("codeowners-absent-is-a-configuration-error", "error", "codeowners-missing", ""),
            ("codeowners-forgejo-dir-read-by-forgejo-12", "pass", "policy-met", "rules-passed=qa,owners"),
            ("codeowners-forgejo-dir-not-read-by-forgejo-11", "error", "codeowners-missing", ""),
            ("codeowners-forgejo-dir-not-read-by-gitea", "error", "codeowners-missing", ""),
            ("codeowners-every-line-dropped-is-a-configuration-error", "error", "codeowners-missing", ""),
            ("codeowners-team-name-is-case-sensitive", "fail", "policy-failed", "rules-failed=owners"),
            (
                "codeowners-team-found-in-another-case-is-missing-before-gitea-1-27",
                "fail",
                "policy-failed",
                "rules-failed=owners",
            ),
            (
                "codeowners-team-found-in-another-case-counts-from-gitea-1-27",
                "pass",
                "policy-met",
                "rules-passed=qa,owners",
            ),
            ("codeowners-unresolvable-line-dropped", "pass", "policy-met", "rules-passed=qa,owners"),
            ("owners-needed", "error", "facts-needed", ""),
            ("membership-unconfirmed-is-undecided", "error", "team-unreadable", ""),
            ("bad-file-unknown-key", "error", "policy-invalid", ""),
            ("bad-file-unknown-rule-in-tree", "error", "policy-invalid", ""),
            ("bad-file-glob", "error", "policy-invalid", ""),
            ("json-policy-file", "pass", "policy-met", "rules-passed=qa"),
            ("approval-by-pusher-not-counted", "fail", "policy-failed", "rules-failed=qa"),
            ("approval-by-pusher-allowed-by-the-rule", "pass", "policy-met", "rules-passed=qa"),
            ("codeowner-who-wrote-a-commit-not-counted", "fail", "policy-failed", "rules-failed=owners"),
            ("waiver-before-latest-push-outdated", "fail", "policy-failed", "rules-failed=security"),
            ("waiver-before-target-change-outdated", "fail", "policy-failed", "rules-failed=security"),
            ("codeowners-leading-slash-owns-from-gitea-1-26", "fail", "policy-failed", "rules-failed=owners"),
            ("codeowners-leading-slash-owns-nothing-before-1-26", "pass", "policy-met", "rules-passed=qa,owners"),
            ("codeowners-regexp2-pattern-unsupported", "error", "codeowners-pattern-unsupported", ""),
            (
                "codeowners-negated-line-widened-by-the-match-timeout-of-gitea-1-26-3",
                "fail",
                "policy-failed",
                "rules-failed=owners",
            ),
            ("codeowners-negated-line-exact-before-gitea-1-26-3", "pass", "policy-met", "rules-passed=qa,owners"),
            ("server-older-than-supported", "error", "server-unsupported", ""),
            ("pull-request-without-history-asks-again", "error", "facts-needed", ""),
            ("approval-kept-across-base-merge", "pass", "policy-met", "rules-passed=qa"),
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
        assert_eq!(status("waived-by-member"), "policy met: qa (waived: security by lee in comment #6)");
        assert_eq!(status("disapproval-fails"), "needs: security (changes requested)");
        assert_eq!(status("nested-all-any-fail"), "needs: (security or security-leads)");
        // A CODEOWNERS line whose owners all fail to resolve is dropped, as Gitea drops it — and
        // said where everyone looks, not only in a finding.
        assert_eq!(
            status("codeowners-unresolvable-line-dropped"),
            "policy met: qa, owners (warning: CODEOWNERS line 1 dropped, no owner resolves)"
        );
        // `@acme/QA` is not the team `qa`: a qa member's approval does not satisfy the line.
        assert_eq!(status("codeowners-team-name-is-case-sensitive"), "needs: code owners of auth/login.rs");
    }

    /// The job summary is the rule tree as a table, with who counted, what is missing or who
    /// waived each rule, and why it applies; interim verdicts have none.
    #[test]
    fn summary_is_the_rule_tree() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/policy");
        let summary = |name: &str| {
            let input = std::fs::read(dir.join(format!("{name}.input.json"))).expect("input");
            let v: Value = serde_json::from_slice(&crate::evaluate_bytes(&input)).expect("json");
            v["summary"].as_str().map(str::to_owned)
        };
        let nested = summary("nested-all-any-fail").unwrap_or_default();
        let table = [
            "| rule | outcome | counted | missing / waived | condition |",
            "| --- | --- | --- | --- | --- |",
            "| `all of` | `fail` |  |  |  |",
            "| `› qa` | `pass` | `carol (acme/qa)` |  | `always applies` |",
            "| `› any of` | `fail` |  |  |  |",
            "| `› › security` | `fail` | `sam (acme/security)` | `1 more approval from acme/security` | `always applies` |",
            "| `› › security-leads` | `fail` |  | `1 more approval from acme/security-leads` | `always applies` |",
        ];
        assert!(nested.contains(&format!("{}\n", table.join("\n"))), "{nested}");
        let waived = summary("waived-by-member").unwrap_or_default();
        assert!(
            waived.contains(
                "| `› security` | `waived` |  | `waived by lee in comment #6: docs-only change, no auth code` |"
            ),
            "{waived}"
        );
        let undecided = summary("membership-unconfirmed-is-undecided").unwrap_or_default();
        assert!(undecided.contains("| `1 more approval from acme/qa; unconfirmed: carol` |"), "{undecided}");
        let skipped = summary("all-skipped-fails").unwrap_or_default();
        assert!(skipped.contains("| `› security` | `skip` |  |  | `no changed file matches auth/**` |"), "{skipped}");
        let invalid = summary("bad-file-glob").unwrap_or_default();
        assert!(invalid.starts_with("### gitea-gate policy: ") && !invalid.contains("| rule |"), "{invalid}");
        for interim in ["asks-for-the-pull-request", "asks-for-membership-in-one-wave", "teams-needed"] {
            assert_eq!(summary(interim), None, "{interim}");
        }
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
            "history": {},
            "server": {"product": "gitea", "version": "1.25.4"},
            "reviews": reviews, "changed_files": files, "codeowners": {"path": "CODEOWNERS", "text": codeowners},
            "teams": [team("qa", 1), team("security", 2)], "membership": membership,
            "users": (0..50).map(|i| format!("owner{i}")).collect::<Vec<_>>(),
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
