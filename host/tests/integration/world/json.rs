//! The JSON helpers of the tests not yet written with the builder: the same `acme` world, as a
//! `serde_json::Value` they edit by key.

use fake_gitea::{FakeGitea, Fixture};
use serde_json::{Value, json};

use super::{World, sha};

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

/// `World::acme()` with these pull requests in acme/core.
pub fn base_fixture(pulls: Vec<Value>) -> Value {
    let mut fixture = serde_json::to_value(World::acme().fixture()).expect("fixture");
    fixture["repos"][0]["pulls"] = Value::Array(pulls);
    fixture
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
