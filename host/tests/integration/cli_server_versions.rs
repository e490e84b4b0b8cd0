//! The server's version decides how CODEOWNERS reads (docs/gitea.md §10, §15), black-box against
//! the fake Gitea answering `GET /api/v1/version` as each server does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::pull_world;

use common::{event, gitea_gate, run};
use pull_world::*;
use serde_json::{Value, json};

const POLICY: &str = "rules:\n  - name: owners\n    requires: { codeowners: any }\n";

/// Pull request #60 changes `docs/guide.md`, approved by qa-dave only; CODEOWNERS at the base is
/// `codeowners`; the server answers `version`.
fn policy_on(version: &str, codeowners: &str) -> common::Run {
    let mut pr = pull(60, "alice", vec![review(1, "qa-dave", "APPROVED")]);
    pr["files"] = json!(["docs/guide.md"]);
    let mut fixture = with_branch_policies(base_fixture(vec![pr]), &[("main", sha(1), POLICY)]);
    fixture["version"] = json!(version);
    fixture["repos"][0]["commits"][0]["files"]["CODEOWNERS"] = json!({"text": codeowners});
    let fake = start(fixture);
    let dir = tempfile::tempdir().unwrap();
    let mut payload: Value =
        serde_json::from_str(&std::fs::read_to_string(event("pull_request_same_repo")).unwrap()).unwrap();
    payload["number"] = json!(60);
    payload["pull_request"]["number"] = json!(60);
    payload["pull_request"]["head"]["sha"] = json!(sha(60));
    payload["pull_request"]["base"]["sha"] = json!(sha(1));
    let path = dir.path().join("event.json");
    std::fs::write(&path, payload.to_string()).unwrap();
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .args(["policy", "--config", ".gitea/policy.yml", "--token-env", "REVIEW_TOKEN", "--retries", "0"])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &path)
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    run(command)
}

#[test]
fn a_leading_slash_owns_files_from_gitea_1_26_on() {
    // 1.26 strips the `/`: qa-carol owns docs/guide.md and has not approved.
    let codeowners = "/docs/.* @qa-carol\n.* @qa-dave\n";
    let r = policy_on("1.26.1", codeowners);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("docs/guide.md") || r.stdout.contains("qa-carol"), "{}", r.stdout);
    // 1.25 keeps it: `/docs/.*` matches no repository path; qa-dave's approval is enough.
    let r = policy_on("1.25.4", codeowners);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // And a negated one: `!/.*` owns every file up to 1.25, none from 1.26.
    let r = policy_on("1.25.4", "!/.* @qa-carol\n");
    assert_eq!(r.code, 1, "{}", r.stdout);
    let r = policy_on("1.26.0", "!/.* @qa-carol\n.* @qa-dave\n");
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn a_pattern_only_regexp2_can_read_stops_the_gate_on_gitea_1_26() {
    let codeowners = "docs/(?!internal/).* @qa-carol\n.* @qa-dave\n";
    let r = policy_on("1.26.0", codeowners);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("codeowners-pattern-unsupported") && r.stdout.contains("line 1"), "{}", r.stdout);
    // Gitea 1.25's RE2 cannot compile it either and skips the line, as the gate does.
    let r = policy_on("1.25.4", codeowners);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("codeowners-line-invalid"), "{}", r.stdout);
}

#[test]
fn a_server_older_than_supported_or_without_a_release_is_a_configuration_error() {
    for version in ["1.21.11", "development"] {
        let r = policy_on(version, ".* @qa-dave\n");
        assert_eq!(r.code, 2, "{version}: {}", r.stdout);
        assert!(r.stdout.contains("server-unsupported"), "{version}: {}", r.stdout);
    }
    // Forgejo keeps the `/` (RE2, as written), like Gitea 1.25.
    let r = policy_on("12.0.2+gitea-1.22.0", "/docs/.* @qa-carol\n.* @qa-dave\n");
    assert_eq!(r.code, 0, "{}", r.stdout);
}
