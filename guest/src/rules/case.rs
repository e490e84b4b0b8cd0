//! Offline policy tests (`gitea-gate policy test DIR`): a recorded case — changed files, labels,
//! author, reviews, comments, memberships, CODEOWNERS text — and what the policy must decide for
//! it. The case becomes ordinary policy facts (every review on the head commit unless it says
//! otherwise, every membership answered), goes through the same evaluation as a live run, and the
//! verdict and each listed rule's outcome are compared. No network: a team can unit-test a policy
//! change in its own CI before it guards main.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::InvalidInput;
use crate::checks::policy;
use crate::membership::{MembershipFact, TeamFact};
use crate::protocol::{EventFacts, RunContext, Verdict};
use crate::rules::codeowners::{self, Owner};
use crate::rules::eval::owner_reference;
use crate::rules::facts::{ChangedFile, PolicyFacts, SourceFile};
use crate::rules::file;
use gitea_gate_protocol::{Account, CommitAccounts, PullHistory, Push, Server};
pub use gitea_gate_protocol::{NamedCase, PolicyTestFacts};

const HEAD: &str = "0000000000000000000000000000000000000002";
const OTHER: &str = "0000000000000000000000000000000000000001";

/// One `case.json`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[serde(default)]
    pub description: String,
    pub author: String,
    #[serde(default = "main")]
    pub target_branch: String,
    #[serde(default)]
    pub labels: Vec<String>,
    pub changed_files: Vec<CaseFile>,
    #[serde(default)]
    pub reviews: Vec<CaseReview>,
    #[serde(default)]
    pub comments: Vec<CaseComment>,
    /// `org/team` → its members. A team the policy names that is not listed has no members.
    #[serde(default)]
    pub memberships: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub codeowners: Option<String>,
    /// Where that CODEOWNERS file lives (`.forgejo/CODEOWNERS` is read by Forgejo 12.0.2 and
    /// later only). Default: `CODEOWNERS`.
    #[serde(default = "root_codeowners")]
    pub codeowners_path: String,
    /// CODEOWNERS owners that do not resolve in Gitea (`@ghost`, `@acme/QA`); every other owner
    /// exists.
    #[serde(default)]
    pub missing_owners: Vec<String>,
    /// Who pushed to the pull request after it was opened (each a push, in order, before every
    /// comment; the last one leaves the head): contributors (history.rs).
    #[serde(default)]
    pub pushed_by: Vec<String>,
    /// Accounts Gitea links to a commit of the pull request as its author: contributors too.
    #[serde(default)]
    pub commit_authors: Vec<String>,
    /// What `GET /api/v1/version` answers (`1.26.0`, `12.0.2+gitea-1.22.0` for Forgejo): the
    /// CODEOWNERS rules follow it (server.rs). Default: Gitea 1.25.4.
    #[serde(default = "gitea_1_25")]
    pub server: String,
    pub expect: Expect,
}

fn root_codeowners() -> String {
    "CODEOWNERS".to_owned()
}

fn gitea_1_25() -> String {
    "1.25.4".to_owned()
}

fn main() -> String {
    "main".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum CaseFile {
    Path(String),
    Renamed { filename: String, previous_filename: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseReview {
    pub login: String,
    /// `APPROVED`, `REQUEST_CHANGES` or `COMMENT`.
    pub state: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub stale: bool,
    #[serde(default)]
    pub dismissed: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseComment {
    pub login: String,
    pub body: String,
    #[serde(default)]
    pub edited: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// `pass`, `fail` or `error`.
    pub verdict: String,
    /// Rule name → `pass`, `fail`, `skip`, `waived` or `undecided`; unlisted rules are not checked.
    #[serde(default)]
    pub rules: BTreeMap<String, String>,
}

/// Turn a case into the facts a live run would have gathered.
pub fn facts(policy_path: &str, policy_text: &str, case: &Case) -> Result<PolicyFacts, InvalidInput> {
    let owners = Owners::of(policy_path, policy_text, case);
    Ok(PolicyFacts {
        history: Some(history(case)),
        server: Some(Server::from_version(&case.server)),
        context: RunContext {
            event_name: Some("workflow_dispatch".to_owned()),
            event: EventFacts::Absent,
            repository: None,
            pull_request_lookup: None,
        },
        token: None,
        pr_number: Some(1),
        policy: Some(SourceFile { path: policy_path.to_owned(), text: policy_text.to_owned() }),
        pull_request: Some(json!({
            "number": 1, "user": {"login": case.author, "id": 1},
            "labels": case.labels.iter().map(|l| json!({"name": l})).collect::<Vec<_>>(),
            "head": {"sha": HEAD, "ref": "topic"}, "base": {"sha": OTHER, "ref": case.target_branch},
        })),
        reviews: reviews(case),
        comments: comments(case),
        changed_files: Some(changed_files(case)),
        codeowners: case
            .codeowners
            .as_ref()
            .map(|t| SourceFile { path: case.codeowners_path.clone(), text: t.clone() }),
        teams: team_facts(&owners.teams),
        membership: Some(membership(case, &owners.teams)),
        missing_teams: owners.missing_teams,
        users: owners.users,
        missing_users: owners.missing_users,
        request_reviews: false,
        keep_across_base_merges: false,
    })
}

/// Every team the case's policy, memberships and CODEOWNERS name, and the CODEOWNERS owners the
/// case says exist or do not (`missing_owners`).
struct Owners {
    teams: Vec<String>,
    missing_teams: Vec<String>,
    users: Vec<String>,
    missing_users: Vec<String>,
}

impl Owners {
    fn of(policy_path: &str, policy_text: &str, case: &Case) -> Owners {
        let mut teams: Vec<String> = case.memberships.keys().cloned().collect();
        if let Ok(p) = file::parse(policy_path, policy_text) {
            teams.extend(p.teams());
        }
        let missing = |label: &str| case.missing_owners.iter().any(|m| m.strip_prefix('@').unwrap_or(m) == label);
        let (mut users, mut missing_users, mut missing_teams) = (Vec::new(), Vec::new(), Vec::new());
        let lines = case.codeowners.as_deref().map(|text| codeowners::parse(text).lines).unwrap_or_default();
        for owner in lines.into_iter().flat_map(|line| line.owners) {
            match owner {
                Owner::Team { org, team } if missing(&format!("{org}/{team}")) => {
                    missing_teams.push(owner_reference(&org, &team));
                }
                Owner::Team { org, team } => teams.push(format!("{org}/{team}")),
                Owner::User(login) if missing(&login) => missing_users.push(login),
                Owner::User(login) => users.push(login),
            }
        }
        teams.sort();
        teams.dedup();
        Owners { teams, missing_teams, users, missing_users }
    }
}

/// Each team as the host would have resolved it: readable, with an id.
fn team_facts(teams: &[String]) -> Vec<TeamFact> {
    (0_i64..)
        .zip(teams)
        .map(|(id, r)| {
            let (org, name) = r.split_once('/').unwrap_or(("", r));
            TeamFact {
                reference: r.clone(),
                name: name.to_owned(),
                org: Some(org.to_owned()),
                id: Some(id),
                readable: true,
                unreadable_reason: None,
            }
        })
        .collect()
}

/// Every (login, team) answer for the author, the reviewers and the commenters.
fn membership(case: &Case, teams: &[String]) -> Vec<MembershipFact> {
    let mut logins: Vec<&str> = vec![case.author.as_str()];
    logins.extend(case.reviews.iter().map(|r| r.login.as_str()));
    logins.extend(case.comments.iter().map(|c| c.login.as_str()));
    let mut membership = Vec::new();
    for login in logins {
        for team in teams {
            let member = case.memberships.get(team).is_some_and(|m| m.iter().any(|x| x.eq_ignore_ascii_case(login)));
            membership.push(MembershipFact {
                login: login.to_owned(),
                team: team.clone(),
                member: Some(member),
                detail: None,
            });
        }
    }
    membership
}

fn reviews(case: &Case) -> Vec<Value> {
    (1_usize..)
        .zip(&case.reviews)
        .map(|(id, r)| {
            json!({"id": id, "user": {"login": r.login, "id": 999 + id}, "state": r.state, "body": r.body,
                   "dismissed": r.dismissed, "stale": r.stale, "official": true,
                   "commit_id": if r.stale { OTHER } else { HEAD }})
        })
        .collect()
}

fn comments(case: &Case) -> Vec<Value> {
    (1_usize..)
        .zip(&case.comments)
        .map(|(id, c)| {
            json!({"id": id, "user": {"login": c.login, "id": 1999 + id}, "body": c.body,
                   "created_at": "2026-01-01T00:00:00Z",
                   "updated_at": if c.edited { "2026-01-02T00:00:00Z" } else { "2026-01-01T00:00:00Z" }})
        })
        .collect()
}

fn changed_files(case: &Case) -> Vec<ChangedFile> {
    case.changed_files
        .iter()
        .map(|f| match f {
            CaseFile::Path(p) => ChangedFile { filename: p.clone(), previous_filename: None, status: None },
            CaseFile::Renamed { filename, previous_filename } => ChangedFile {
                filename: filename.clone(),
                previous_filename: Some(previous_filename.clone()),
                status: Some("renamed".to_owned()),
            },
        })
        .collect()
}

/// The case's pushes and commit authors. Pushes come before every comment (comment ids start at
/// 1, push ids end at 0), and the last one leaves the head, so no comment is outdated by one.
fn history(case: &Case) -> PullHistory {
    let last = i64::try_from(case.pushed_by.len()).unwrap_or(i64::MAX);
    let pushes = (1_i64..).zip(&case.pushed_by).map(|(i, login)| Push {
        id: i - last,
        pusher: Account { login: login.clone(), id: 3000 + i },
        force: false,
        commit_ids: vec![if i == last { HEAD } else { OTHER }.to_owned()],
        created_at: String::new(),
    });
    let commits = (1_i64..).zip(&case.commit_authors).map(|(i, login)| CommitAccounts {
        sha: format!("{:040x}", 0xc0_0000 + i),
        parents: Vec::new(),
        author: Some(Account { login: login.clone(), id: 4000 + i }),
        committer: None,
    });
    PullHistory { pushes: pushes.collect(), commits: commits.collect(), ..PullHistory::default() }
}

/// Run one case: `Ok(details)` when it decided as expected, `Err(differences)` otherwise.
pub fn run(policy_path: &str, policy_text: &str, case: &Case) -> Result<Value, Vec<String>> {
    let verdict = facts(policy_path, policy_text, case)
        .and_then(policy::evaluate)
        .map_err(|e| vec![format!("the case cannot be evaluated: {}", e.0)])?;
    let mut differences = Vec::new();
    let got = verdict.verdict.as_str();
    if got != case.expect.verdict {
        differences.push(format!("verdict: expected {}, got {got} ({})", case.expect.verdict, verdict.reason));
    }
    let rules = verdict.details.get("rules").and_then(Value::as_array).cloned().unwrap_or_default();
    for (name, want) in &case.expect.rules {
        let outcome = rules
            .iter()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name.as_str()))
            .and_then(|r| r.get("outcome").and_then(Value::as_str));
        match outcome {
            Some(o) if o == want => {}
            Some(o) => differences.push(format!("rule {name}: expected {want}, got {o}")),
            None => differences.push(format!("rule {name}: the policy has no such rule")),
        }
    }
    if differences.is_empty() {
        Ok(json!({"verdict": got, "reason": verdict.reason, "explain": verdict.details.get("explain")}))
    } else {
        Err(differences)
    }
}

/// Every case, one finding each; the verdict passes only if every case decided as recorded.
pub fn evaluate_tests(facts: PolicyTestFacts) -> Result<Verdict, InvalidInput> {
    use crate::findings::{Code, Finding, Level};
    use crate::protocol::{Outcome, Trust};
    use crate::text::one_line;

    if let Err(e) = file::parse(&facts.policy.path, &facts.policy.text) {
        let finding = Finding::new(
            Code::PolicyInvalid,
            Level::Error,
            format!("{}: {}", one_line(&facts.policy.path), e.located()),
        )
        .help(e.fix.clone());
        let mut verdict = Verdict::new("policy-test", Outcome::Error, Trust::Trusted, &finding);
        verdict.findings.push(finding);
        return Ok(verdict);
    }
    if facts.cases.is_empty() {
        return Err(InvalidInput("no policy test cases were found".to_owned()));
    }
    let mut findings = Vec::new();
    let mut results = Vec::new();
    let mut tally = Tally::default();
    for named in &facts.cases {
        let name = one_line(&named.name);
        let case = match serde_json::from_str::<Case>(&named.text) {
            Ok(case) => case,
            Err(e) => {
                tally.invalid += 1;
                let message = format!("{name}: not a valid case: {}", one_line(&e.to_string()));
                findings.push(Finding::new(Code::PolicyTestCaseInvalid, Level::Error, message));
                results.push(json!({"case": named.name, "ok": false, "invalid": e.to_string()}));
                continue;
            }
        };
        match run(&facts.policy.path, &facts.policy.text, &case) {
            Ok(details) => {
                findings.push(Finding::new(Code::PolicyTestPassed, Level::Notice, format!("{name}: as expected")));
                results.push(json!({"case": named.name, "ok": true, "got": details}));
            }
            Err(differences) => {
                tally.failed += 1;
                findings.push(Finding::new(
                    Code::PolicyTestMismatch,
                    Level::Error,
                    format!("{name}: {}", crate::text::join_bounded(&differences, 3)),
                ));
                results.push(json!({"case": named.name, "ok": false, "differences": differences}));
            }
        }
    }
    let (outcome, decisive) = tally.decisive(facts.cases.len());
    let mut verdict = Verdict::new("policy-test", outcome, Trust::Trusted, &decisive);
    verdict.findings = findings;
    verdict.findings.push(decisive);
    verdict.details = json!({"policy_file": facts.policy.path, "cases": results});
    Ok(verdict)
}

/// How many cases were not valid case files, and how many decided otherwise.
#[derive(Default)]
struct Tally {
    invalid: usize,
    failed: usize,
}

impl Tally {
    /// The run's outcome and decisive finding: an invalid case file is a configuration error
    /// (exit 2) — nothing was tested with it — before any case that decided otherwise (exit 1).
    fn decisive(&self, total: usize) -> (crate::protocol::Outcome, crate::findings::Finding) {
        use crate::findings::{Code, Finding, Level};
        use crate::protocol::Outcome;
        if self.invalid > 0 {
            let finding = Finding::new(
                Code::PolicyTestCaseInvalid,
                Level::Error,
                format!("{} of {total} policy test case files are not valid cases", self.invalid),
            )
            .help(
                "fix the case.json named above: JSON with the keys of examples/policy/*/case.json and an expect block",
            );
            return (Outcome::Error, finding);
        }
        if self.failed > 0 {
            let finding = Finding::new(
                Code::PolicyTestMismatch,
                Level::Error,
                format!("{} of {total} policy test cases decided otherwise", self.failed),
            )
            .help("fix the policy, or the case's expect block if the new decision is the intended one");
            return (Outcome::Fail, finding);
        }
        let finding = Finding::new(
            Code::PolicyTestPassed,
            Level::Notice,
            format!("all {total} policy test cases decided as expected"),
        );
        (Outcome::Pass, finding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::Code;

    /// The shipped examples (examples/policy): the README's policy and its cases.
    #[test]
    fn shipped_examples_decide_as_recorded() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/policy");
        let policy = std::fs::read_to_string(dir.join("policy.yml")).expect("policy.yml");
        let mut ran = 0;
        let mut entries: Vec<_> = std::fs::read_dir(&dir).expect("dir").filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path().join("case.json");
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let case: Case = serde_json::from_str(&text).expect("case.json");
            if let Err(diff) = run("policy.yml", &policy, &case) {
                panic!("{}: {diff:?}", path.display());
            }
            ran += 1;
        }
        assert!(ran >= 5, "only {ran} cases");
    }

    #[test]
    fn a_wrong_expectation_is_reported() {
        let policy = "rules:\n  - name: qa\n    requires: { teams: [acme/qa] }\n";
        let case: Case = serde_json::from_value(json!({
            "author": "alice", "changed_files": ["a.rs"],
            "reviews": [{"login": "bob", "state": "APPROVED"}],
            "memberships": {"acme/qa": ["carol"]},
            "expect": {"verdict": "pass", "rules": {"qa": "pass", "nope": "skip"}}
        }))
        .expect("case");
        let diff = run("policy.yml", policy, &case).expect_err("must differ");
        assert_eq!(diff.len(), 3, "{diff:?}");
        assert!(diff[0].starts_with("verdict: expected pass, got fail"), "{diff:?}");
    }

    #[test]
    fn the_policy_test_check_reports_each_case() {
        let policy = "rules:\n  - name: qa\n    requires: { teams: [acme/qa] }\n";
        let good = r#"{"author": "alice", "changed_files": ["a.rs"], "reviews": [{"login": "carol", "state": "APPROVED"}],
                       "memberships": {"acme/qa": ["carol"]}, "expect": {"verdict": "pass", "rules": {"qa": "pass"}}}"#;
        let bad = r#"{"author": "alice", "changed_files": ["a.rs"], "expect": {"verdict": "pass"}}"#;
        let facts = |cases: Vec<(&str, &str)>| PolicyTestFacts {
            policy: SourceFile { path: "policy.yml".into(), text: policy.into() },
            cases: cases.into_iter().map(|(n, t)| NamedCase { name: n.into(), text: t.into() }).collect(),
        };
        let v = evaluate_tests(facts(vec![("good", good)])).expect("verdict");
        assert_eq!(v.verdict, crate::protocol::Outcome::Pass);
        let v = evaluate_tests(facts(vec![("good", good), ("bad", bad)])).expect("verdict");
        assert_eq!(v.verdict, crate::protocol::Outcome::Fail);
        assert!(v.reason.contains("1 of 2 policy test cases decided otherwise"), "{}", v.reason);
        // A file that is no case is a configuration error, whatever the other cases decided;
        // they are still evaluated and reported.
        let v =
            evaluate_tests(facts(vec![("good", good), ("bad", bad), ("broken", "{"), ("typo", r#"{"autor": "a"}"#)]))
                .expect("verdict");
        assert_eq!(v.verdict, crate::protocol::Outcome::Error);
        assert_eq!(v.code, Code::PolicyTestCaseInvalid);
        assert!(v.reason.contains("2 of 4 policy test case files are not valid cases"), "{}", v.reason);
        let named = |code, name: &str| v.findings.iter().any(|f| f.code == code && f.message.starts_with(name));
        assert!(named(Code::PolicyTestCaseInvalid, "broken: not a valid case"), "{:?}", v.findings);
        assert!(
            named(Code::PolicyTestCaseInvalid, "typo: not a valid case: unknown field `autor`"),
            "{:?}",
            v.findings
        );
        assert!(
            named(Code::PolicyTestMismatch, "bad: ") && named(Code::PolicyTestPassed, "good: "),
            "{:?}",
            v.findings
        );
    }
}
