//! The server's version decides how CODEOWNERS reads (docs/gitea.md §10, §15), black-box against
//! the fake Gitea answering `GET /api/v1/version` as each server does.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::world;

use common::{gitea_gate, run};
use world::*;

const POLICY: &str = "rules:\n  - name: owners\n    requires: { codeowners: any }\n";

/// Pull request #60 changes `docs/guide.md`, approved by qa-dave only; CODEOWNERS on the default
/// branch is `codeowners`; the server answers `version`.
fn policy_on(version: &str, codeowners: &str) -> common::Run {
    policy_with(version, &[("CODEOWNERS", codeowners)], &[])
}

/// As [`policy_on`], with `main_files` committed on the default branch `main` (sha(1)); with
/// `release_files`, #60 targets `release/1.x` (sha(900)), whose commit holds those instead.
fn policy_with(version: &str, main_files: &[(&str, &str)], release_files: &[(&str, &str)]) -> common::Run {
    policy_changing(version, main_files, release_files, &["docs/guide.md"])
}

/// As [`policy_with`], with #60 changing `changed`.
fn policy_changing(
    version: &str,
    main_files: &[(&str, &str)],
    release_files: &[(&str, &str)],
    changed: &[&str],
) -> common::Run {
    let into_release = !release_files.is_empty();
    let pr = Pull::new(60).review(Review::approved(1, "qa-dave")).files(changed);
    let pr = if into_release { pr.base("release/1.x") } else { pr };
    // Each branch's commit holds the policy and its files.
    let commit = |n: u64, files: &[(&str, &str)]| {
        files.iter().fold(Commit::new(sha(n)).text(".gitea/policy.yml", POLICY), |c, (path, text)| c.text(path, text))
    };
    let fake = World::acme()
        .pull(pr)
        .branch("main", commit(1, main_files))
        .branch("release/1.x", commit(900, release_files))
        .version(version)
        .start();
    let dir = tempfile::tempdir().unwrap();
    let base = sha(if into_release { 900 } else { 1 });
    let path = pull_request_event(dir.path(), "pull_request_same_repo", 60, &sha(60), &base);
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

/// Gitea and Forgejo read CODEOWNERS on the default branch, not at the pull request's base: a
/// pull request into an old release branch whose CODEOWNERS is weaker is held to main's owners.
#[test]
fn codeowners_comes_from_the_default_branch_not_the_release_branch_a_pull_request_targets() {
    let main = [("CODEOWNERS", "docs/.* @qa-carol\n")];
    let weaker = [("CODEOWNERS", ".* @qa-dave\n")];
    let r = policy_with("1.25.4", &main, &weaker);
    assert_eq!(r.code, 1, "main's owner qa-carol has not approved:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("needs code owners of docs/guide.md"), "{}", r.stdout);
    // …and a release branch without any CODEOWNERS does not make the rule a configuration error.
    let r = policy_with("1.25.4", &[("CODEOWNERS", ".* @qa-dave\n")], &[("README", "no owners here\n")]);
    assert_eq!(r.code, 0, "main's owner qa-dave approved:\n{}\n{}", r.stdout, r.stderr);
}

/// `.forgejo/CODEOWNERS` is Forgejo's from 12.0.2 (after Gitea's three places); Forgejo 11 and
/// Gitea never read it, so there it is no CODEOWNERS at all (exit 2, saying so).
#[test]
fn a_forgejo_codeowners_counts_on_forgejo_12_and_nowhere_else() {
    let forgejo_dir = [(".forgejo/CODEOWNERS", "docs/.* @qa-carol\n.* @qa-dave\n")];
    let r = policy_with("12.0.2+gitea-1.22.0", &forgejo_dir, &[]);
    assert_eq!(r.code, 1, "qa-carol owns docs/ and has not approved:\n{}\n{}", r.stdout, r.stderr);
    for version in ["11.0.7+gitea-1.22.0", "1.26.1", "1.25.4"] {
        let r = policy_with(version, &forgejo_dir, &[]);
        assert_eq!(r.code, 2, "{version}: {}\n{}", r.stdout, r.stderr);
        assert!(r.stdout.contains("codeowners-missing"), "{version}: {}", r.stdout);
        assert!(r.stdout.contains(".forgejo/CODEOWNERS exists, but"), "{version}: {}", r.stdout);
    }
    // Gitea's own places come first on Forgejo too.
    let both = [("CODEOWNERS", ".* @qa-dave\n"), (".forgejo/CODEOWNERS", "docs/.* @qa-carol\n")];
    let r = policy_with("12.0.2+gitea-1.22.0", &both, &[]);
    assert_eq!(r.code, 0, "the root CODEOWNERS wins:\n{}\n{}", r.stdout, r.stderr);
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

/// Gitea 1.26.3 and later give up a CODEOWNERS match after 150 ms and count it as not matched,
/// which makes a negated line apply. `(docs/.*)+` nests a repetition: on a long enough path the
/// server may give up, so the gate asks for that line's owner there too, and warns; before
/// 1.26.3, and on Forgejo (Go's linear RE2), the line means exactly what it matches.
#[test]
fn a_negated_line_the_server_may_give_up_on_asks_for_its_owners_from_gitea_1_26_3() {
    let codeowners = [("CODEOWNERS", ".* @qa-dave\n!(docs/.*)+ @qa-carol\n")];
    let long = ["docs/handbook/onboarding-guide.md"];
    let r = policy_changing("1.26.3", &codeowners, &[], &long);
    assert_eq!(r.code, 1, "qa-carol has not approved:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("codeowners-pattern-may-time-out") && r.stdout.contains("line 2"), "{}", r.stdout);
    for version in ["1.26.2", "1.25.4", "15.0.3+gitea-1.22.0"] {
        let r = policy_changing(version, &codeowners, &[], &long);
        assert_eq!(r.code, 0, "{version}: only qa-dave's line applies:\n{}\n{}", r.stdout, r.stderr);
        assert!(!r.stdout.contains("codeowners-pattern-may-time-out"), "{version}: {}", r.stdout);
    }
    // A short path cannot take the server 150 ms: nothing is widened or reported.
    let r = policy_changing("1.26.3", &codeowners, &[], &["docs/a.md"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

/// CODEOWNERS `@acme/SECURITY` and the team `security`: Gitea up to 1.26 and Forgejo compare the
/// team name with case and drop the line (reported); from 1.27 the gate resolves it without case,
/// as Gitea's main line does, so that a line the server may apply is never dropped.
#[test]
fn a_codeowners_team_name_in_another_case_counts_from_gitea_1_27() {
    let codeowners = ".* @qa-dave\ndocs/.* @acme/SECURITY\n";
    for version in ["1.25.4", "1.26.3", "15.0.3+gitea-1.22.0", "11.0.15+gitea-1.22.0"] {
        let r = policy_on(version, codeowners);
        assert_eq!(r.code, 0, "{version}: line 2 is dropped:\n{}\n{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains("codeowner-unresolved") && r.stdout.contains("@acme/SECURITY"),
            "{version}: {}",
            r.stdout
        );
    }
    let r = policy_on("1.27.0", codeowners);
    assert_eq!(r.code, 1, "security has not approved docs/guide.md:\n{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("needs code owners of docs/guide.md"), "{}", r.stdout);
    assert!(!r.stdout.contains("codeowner-unresolved"), "{}", r.stdout);
}
