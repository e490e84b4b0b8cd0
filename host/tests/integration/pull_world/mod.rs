//! The organisation the pull-request tests share, as a fake Gitea fixture: an `acme` org with `qa` (id 20)
//! and `security` (id 21) teams, a `core` repository with pull requests for every scenario, and
//! the tokens a team would try: the job token, an org member's PAT outside the
//! teams, and a PAT of an account in both teams.
#![allow(dead_code, reason = "each test binary uses part of the shared world")]

use fake_gitea::{FakeGitea, Fixture};
use serde_json::{Value, json};

/// A PAT of `ceo-bot`, a member of qa and security, with every scope a gate needs.
pub const TEAM_PAT: &str = "pat-ceo-bot-7f3a9c";
/// The same account, without write:repository (cannot post statuses).
pub const TEAM_PAT_READ_ONLY: &str = "pat-ceo-bot-ro-55e1";
/// The same account, without read:organization.
pub const TEAM_PAT_NO_ORG_SCOPE: &str = "pat-ceo-bot-noorg-9d2b";
/// `bob`: an org member in neither team (Gitea answers 403 "Must be a team member").
pub const OUTSIDER_PAT: &str = "pat-bob-0c4d";
/// The Actions job token of a run in acme/core (Gitea answers 404 on team routes, 403 on org routes).
pub const JOB_TOKEN: &str = "0123456789abcdef0123456789abcdef01234567";

pub fn sha(n: u64) -> String {
    format!("{n:040x}")
}

/// A review made on the pull request's current head (the fake's default for a missing `commit_id`).
pub fn review(id: i64, user: &str, state: &str) -> Value {
    json!({"id": id, "user": user, "state": state})
}

pub fn comment(id: i64, user: &str, body: &str) -> Value {
    json!({"id": id, "user": user, "body": body, "created_at": "2026-06-05T10:00:00Z"})
}

/// A pull request by `author` from a branch of acme/core.
pub fn pull(number: u64, author: &str, reviews: Vec<Value>) -> Value {
    json!({"number": number, "user": author, "title": format!("PR {number}"),
           "head": {"repo": "acme/core", "ref": format!("feature-{number}"), "sha": sha(number)},
           "base": "main", "reviews": reviews})
}

pub fn base_fixture(pulls: Vec<Value>) -> Value {
    let mut users = vec![];
    for (i, login) in
        ["root", "alice", "bob", "qa-carol", "qa-dave", "sec-erin", "ceo-bot", "mallory", "outsider"].iter().enumerate()
    {
        users.push(json!({"login": login, "id": 100 + i, "admin": *login == "root"}));
    }
    json!({
        "version": "1.25.4",
        "users": users,
        "tokens": [
            {"token": TEAM_PAT, "user": "ceo-bot",
             "scopes": ["read:organization", "write:repository", "read:issue"]},
            {"token": TEAM_PAT_READ_ONLY, "user": "ceo-bot",
             "scopes": ["read:organization", "read:repository", "read:issue"]},
            {"token": TEAM_PAT_NO_ORG_SCOPE, "user": "ceo-bot", "scopes": ["write:repository", "read:issue"]},
            {"token": OUTSIDER_PAT, "user": "bob", "scopes": ["all"]},
            {"token": JOB_TOKEN, "actions_job": {"repo": "acme/core", "fork_pull_request": false}}
        ],
        "orgs": [{"name": "acme", "id": 2, "owners": ["root"], "members": ["alice", "bob"],
                  "teams": [{"id": 20, "name": "qa", "members": ["qa-carol", "qa-dave", "ceo-bot"]},
                            {"id": 21, "name": "security", "members": ["sec-erin", "ceo-bot"]},
                            {"id": 22, "name": "engineering", "members": ["alice"]}]}],
        "repos": [
            {"owner": "acme", "name": "core", "id": 10, "collaborators": {"ceo-bot": "write", "bob": "write"},
             "branches": {"main": sha(1)}, "pulls": pulls},
            {"owner": "mallory", "name": "core", "id": 11, "branches": {"patch-1": sha(2190)}}
        ]
    })
}

/// `fixture` with each branch `(name, its commit, the policy committed there)` and its
/// `.gitea/policy.yml` (base commits with different policies: the sweep and shared-head tests).
pub fn with_branch_policies(mut fixture: Value, branches: &[(&str, String, &str)]) -> Value {
    let mut commits = Vec::new();
    for (name, commit, policy) in branches {
        fixture["repos"][0]["branches"][*name] = json!(commit);
        commits.push(json!({"sha": commit, "files": {".gitea/policy.yml": {"text": policy}}}));
    }
    fixture["repos"][0]["commits"] = Value::Array(commits);
    fixture
}

pub fn start(fixture: Value) -> FakeGitea {
    let fixture: Fixture = serde_json::from_value(fixture).expect("fixture");
    FakeGitea::start(fixture).expect("fake gitea")
}

/// `gitea-gate` as a workflow step in `workspace` would run it against `fake`: the event, the
/// repository `acme/core`, the team PAT as `REVIEW_TOKEN` (`--token-env REVIEW_TOKEN`), and
/// short network limits so that a test never waits. Add the subcommand and its flags.
pub fn gate_command(
    fake: &FakeGitea,
    workspace: &std::path::Path,
    event_name: &str,
    event_path: &std::path::Path,
) -> std::process::Command {
    let mut command = crate::common::gitea_gate();
    command
        .current_dir(workspace)
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", event_path)
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    command
}

/// The flags every gate run against the fake shares (after the subcommand and its own flags).
pub const GATE_FLAGS: [&str; 6] = ["--token-env", "REVIEW_TOKEN", "--retries", "1", "--timeout", "5"];
