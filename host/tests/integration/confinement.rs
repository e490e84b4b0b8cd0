//! Every local path stays beneath the workspace (the working directory) and is never read or
//! written through a symlink; special files are refused at once; a pull request's manifest cannot
//! point the token at another repository. Black-box, as an attacker with a pull request would try:
//! each case here passed, printed a secret, hung or wrote outside the workspace before.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{event, gitea_gate, run};
use fake_gitea::{FakeGitea, Fixture};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The base commit of every pull request payload in tests/events.
const BASE: &str = "3f4c2a9d7e1b6c5a8f0d2e4b6a8c0e1f2a3b4c5d";
const MAIN: &str = "5d41402abc4b2a76b9719d911017c592ae8f1b2c";
const VAULT_MAIN: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b";
const TOKEN: &str = "pat-sync-bot-0123456789";
/// What actions/checkout leaves in .git/config (base64 of `x-access-token:ghs_FAKE…`).
const EXTRAHEADER: &str = "eC1hY2Nlc3MtdG9rZW46Z2hzX0ZBS0VfQ0hFQ0tPVVRfVE9LRU4=";
const VAULT_SECRET: &str = "DATABASE_PASSWORD=hunter2-vault";
const OUTSIDE_SECRET: &str = "outside-the-workspace-secret";
const PROVIDERS: &str = "providers:\n  - name: openai\n";

/// A scratch directory: `ws/` is the workspace (with a .git/config holding a credential),
/// `outside/` holds files the gate must never read or write.
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let s = Scratch { dir };
        s.write(
            "ws/.git/config",
            format!("[http \"https://gitea.example/\"]\n\textraheader = AUTHORIZATION: basic {EXTRAHEADER}\n")
                .as_bytes(),
        );
        s.write("ws/ok.txt", b"ok\n");
        s.write("outside/secret.txt", format!("{OUTSIDE_SECRET}\n").as_bytes());
        s.write("outside/.bashrc", b"# the runner's own file\n");
        s
    }

    fn ws(&self) -> PathBuf {
        self.dir.path().join("ws")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, bytes: &[u8]) {
        let full = self.path(rel);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        fs::write(full, bytes).unwrap();
    }

    fn link(&self, rel: &str, target: &str) {
        let full = self.path(rel);
        fs::create_dir_all(full.parent().unwrap()).unwrap();
        symlink(target, full).unwrap();
    }

    /// gitea-gate in the workspace, as a push run.
    fn gate(&self, args: &[&str]) -> common::Run {
        let mut command = gitea_gate();
        command
            .current_dir(self.ws())
            .args(args)
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", event("push"))
            .env("GITHUB_REPOSITORY", "acme/core");
        run(command)
    }
}

/// Exit 2, quickly, naming `needle`, and no secret on either stream.
fn refused(run: &common::Run, needle: &str, what: &str) {
    let all = format!("{}{}", run.stdout, run.stderr);
    assert_eq!(run.code, 2, "{what}: {all}");
    assert!(run.stdout.contains(needle), "{what}: must name {needle:?}:\n{all}");
    for secret in [EXTRAHEADER, OUTSIDE_SECRET, VAULT_SECRET, "root:x:0:0"] {
        assert!(!all.contains(secret), "{what}: leaked {secret:?}:\n{all}");
    }
    assert!(run.elapsed < Duration::from_secs(20), "{what}: took {:?}", run.elapsed);
}

#[test]
fn a_local_copy_symlinked_to_git_config_is_refused_and_never_printed() {
    let s = Scratch::new();
    s.write("ws/canon.yaml", b"[http]\n");
    s.link("ws/synced.yaml", ".git/config");
    let run = s.gate(&["drift", "--canonical", "file:canon.yaml", "--local", "synced.yaml"]);
    refused(&run, "synced.yaml is a symlink", "--local symlink");
    // The canonical side, and the manifest's pairs, are held to the same rule.
    let run = s.gate(&["drift", "--canonical", "file:synced.yaml", "--local", "canon.yaml"]);
    refused(&run, "synced.yaml is a symlink", "file: canonical symlink");
    s.write("ws/drift.json", json!([{"canonical": "file:canon.yaml", "local": "synced.yaml"}]).to_string().as_bytes());
    refused(&s.gate(&["drift", "--manifest", "drift.json"]), "synced.yaml is a symlink", "manifest local symlink");
    // A symlinked directory, inside the workspace or out of it.
    s.link("ws/cfg", ".git");
    let run = s.gate(&["drift", "--canonical", "file:canon.yaml", "--local", "cfg/config"]);
    refused(&run, "lies behind the symlink cfg", "symlinked directory to .git");
    s.link("ws/out", "../outside");
    let run = s.gate(&["drift", "--canonical", "file:canon.yaml", "--local", "out/secret.txt"]);
    refused(&run, "lies behind the symlink out", "symlinked directory escape");
    // .git itself is never a file of the repository.
    let run = s.gate(&["drift", "--canonical", "file:canon.yaml", "--local", ".git/config"]);
    refused(&run, "is inside .git", "a path into .git");
}

#[test]
fn manifest_paths_outside_the_workspace_are_refused() {
    let s = Scratch::new();
    s.write("home/.git-credentials", format!("https://sync-bot:{OUTSIDE_SECRET}@gitea.example\n").as_bytes());
    let outside = s.path("outside/secret.txt");
    let cases = [
        (json!({"canonical": "file:/etc/passwd", "local": "ok.txt"}), "/etc/passwd is an absolute path"),
        (json!({"canonical": "file:../outside/secret.txt", "local": "ok.txt"}), "climbs out of the workspace"),
        (json!({"canonical": "file:ok.txt", "local": "../home/.git-credentials"}), "climbs out of the workspace"),
        (json!({"canonical": "file:ok.txt", "local": outside}), "is an absolute path"),
    ];
    for (pair, needle) in cases {
        s.write("ws/drift.json", json!([pair]).to_string().as_bytes());
        refused(&s.gate(&["drift", "--manifest", "drift.json"]), needle, &pair.to_string());
    }
    // The manifest and the checklist config themselves, too.
    s.write("outside/drift.json", json!([{"canonical": "file:ok.txt", "local": "ok.txt"}]).to_string().as_bytes());
    refused(&s.gate(&["drift", "--manifest", "../outside/drift.json"]), "climbs out", "manifest outside");
    s.write(
        "outside/sop.json",
        json!({"items": [{"id": "a", "title": "A"}], "ack_teams": ["acme/qa"]}).to_string().as_bytes(),
    );
    s.link("ws/sop.json", "../outside/sop.json");
    let run = s.gate(&["checklist", "--config", "sop.json", "--token-env", "T", "--pr", "1"]);
    refused(&run, "sop.json is a symlink", "checklist config symlink");
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn lock_entries_and_the_lock_stay_in_the_workspace() {
    let s = Scratch::new();
    let secret_digest = sha256(format!("{OUTSIDE_SECRET}\n").as_bytes());
    for (entry, needle) in [
        (format!("{secret_digest}  ../outside/secret.txt"), "climbs out of the workspace"),
        (format!("{secret_digest}  ../../../../etc/passwd"), "climbs out of the workspace"),
        (format!("{secret_digest}  /etc/passwd"), "not a relative path"),
        (format!("{secret_digest}  sub\\file.txt"), "backslash"),
        (format!("{secret_digest}  .git/config"), "inside .git"),
    ] {
        s.write("ws/gitea-gate.sha256", format!("{entry}\n").as_bytes());
        refused(&s.gate(&["pin", "verify"]), needle, &entry);
    }
    // A pinned file reached through a symlink is refused, even one that matches its pin.
    s.link("ws/pinned.txt", "../outside/secret.txt");
    s.write("ws/gitea-gate.sha256", format!("{secret_digest}  pinned.txt\n").as_bytes());
    refused(&s.gate(&["pin", "verify"]), "pinned.txt is a symlink", "pinned symlink");
    // The lock itself: outside, or a symlink (never read through, never written through).
    refused(&s.gate(&["pin", "verify", "--lock", "../outside/secret.txt"]), "climbs out", "lock outside");
    s.write("outside/pins.sha256", format!("{}  ok.txt\n", sha256(b"other\n")).as_bytes());
    s.link("ws/pins.sha256", "../outside/pins.sha256");
    refused(&s.gate(&["pin", "update", "--lock", "pins.sha256", "ok.txt"]), "pins.sha256 is a symlink", "lock symlink");
    assert_eq!(fs::read_to_string(s.path("outside/pins.sha256")).unwrap(), format!("{}  ok.txt\n", sha256(b"other\n")));
}

#[test]
fn fifos_devices_and_proc_files_are_refused_at_once() {
    let s = Scratch::new();
    assert!(Command::new("mkfifo").arg(s.ws().join("pipe")).status().unwrap().success());
    s.link("ws/zero", "/dev/zero");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["drift", "--canonical", "file:/proc/self/fd/1", "--local", "ok.txt"], "is an absolute path"),
        (vec!["drift", "--canonical", "file:ok.txt", "--local", "/dev/zero"], "is an absolute path"),
        (vec!["drift", "--canonical", "file:ok.txt", "--local", "pipe"], "pipe is a FIFO"),
        (vec!["drift", "--canonical", "file:pipe", "--local", "ok.txt"], "pipe is a FIFO"),
        (vec!["drift", "--canonical", "file:ok.txt", "--local", "zero"], "zero is a symlink"),
    ];
    for (args, needle) in cases {
        refused(&s.gate(&args), needle, &args.join(" "));
    }
    s.write("ws/gitea-gate.sha256", format!("{}  pipe\n", sha256(b"")).as_bytes());
    refused(&s.gate(&["pin", "verify"]), "pipe is a FIFO", "pinned FIFO");
    refused(&s.gate(&["pin", "verify", "--lock", "pipe"]), "pipe is a FIFO", "FIFO lock");
}

#[test]
fn the_report_never_writes_through_a_symlink_or_outside() {
    let s = Scratch::new();
    let bashrc = fs::read(s.path("outside/.bashrc")).unwrap();
    // A committed gate-report.json -> ../outside/.bashrc: replaced by the report, target untouched.
    s.link("ws/gate-report.json", "../outside/.bashrc");
    let run = s.gate(&["--report", "gate-report.json", "trust"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(fs::read(s.path("outside/.bashrc")).unwrap(), bashrc, "the symlink's target was written");
    let written = fs::symlink_metadata(s.ws().join("gate-report.json")).unwrap();
    assert!(written.file_type().is_file(), "the symlink is replaced by a regular file");
    let verdict: serde_json::Value =
        serde_json::from_slice(&fs::read(s.ws().join("gate-report.json")).unwrap()).unwrap();
    assert_eq!(verdict["check"], "trust");
    // Outside the workspace, absolute, or through a symlinked directory: exit 2, nothing written.
    let github_path = s.path("outside/github_path");
    fs::write(&github_path, "/usr/bin\n").unwrap();
    s.link("ws/out", "../outside");
    for (report, needle) in [
        ("../outside/github_path", "climbs out"),
        (github_path.to_str().unwrap(), "is an absolute path"),
        ("out/github_path", "lies behind the symlink out"),
    ] {
        let run = s.gate(&["--report", report, "trust"]);
        assert_eq!(run.code, 2, "--report {report}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(needle), "--report {report}: {}", run.stdout);
        assert_eq!(fs::read_to_string(&github_path).unwrap(), "/usr/bin\n", "--report {report} wrote outside");
    }
    let leftovers: Vec<_> = fs::read_dir(s.ws()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(leftovers.iter().all(|n| !n.to_string_lossy().contains(".tmp")), "temporary files left: {leftovers:?}");
}

/// acme/core (the run's repository, whose base commit has the trusted manifest), the public
/// canonical acme/controlplane, and the private acme/vault the token can also read.
fn fixture() -> Fixture {
    let base_manifest = json!([{"canonical": "acme/controlplane@main:providers.yaml", "local": "providers.yaml"}]);
    serde_json::from_value(json!({
        "users": [{"login": "sync-bot", "id": 30}],
        "tokens": [{"token": TOKEN, "user": "sync-bot", "scopes": ["read:repository"]}],
        "repos": [
            {
                "owner": "acme", "name": "core", "id": 1, "private": true, "collaborators": {"sync-bot": "read"},
                "branches": {"main": BASE},
                "commits": [{"sha": BASE, "files": {"drift.json": {"text": base_manifest.to_string()}}}],
                "pulls": [{"number": 2190, "user": "sync-bot", "base": "main",
                           "head": {"repo": "acme/core", "ref": "feature", "sha": MAIN}}]
            },
            {
                "owner": "acme", "name": "controlplane", "id": 5,
                "branches": {"main": MAIN},
                "commits": [{"sha": MAIN, "files": {"providers.yaml": {"text": PROVIDERS}}}]
            },
            {
                "owner": "acme", "name": "vault", "id": 6, "private": true, "collaborators": {"sync-bot": "read"},
                "branches": {"main": VAULT_MAIN},
                "commits": [{"sha": VAULT_MAIN, "files": {"prod.env": {"text": format!("{VAULT_SECRET}\n")}}}]
            }
        ]
    }))
    .unwrap()
}

fn drift_in(fake: &FakeGitea, ws: &Path, event_name: &str, payload: &str, args: &[&str]) -> common::Run {
    let mut command = gitea_gate();
    command
        .current_dir(ws)
        .args(["drift", "--token-env", "AUTO_SYNC_TOKEN", "--retries", "0", "--timeout", "5"])
        .args(args)
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", event(payload))
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("AUTO_SYNC_TOKEN", TOKEN);
    let run = run(command);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains(TOKEN) && !all.contains(VAULT_SECRET), "leaked:\n{all}");
    run
}

fn asked_vault(fake: &FakeGitea) -> bool {
    fake.requests().iter().any(|r| r.path.to_ascii_lowercase().contains("/repos/acme/vault"))
}

#[test]
fn a_pull_requests_manifest_is_read_from_the_base_commit() {
    let fake = FakeGitea::start(fixture()).unwrap();
    let s = Scratch::new();
    s.write("ws/providers.yaml", PROVIDERS.as_bytes());
    s.write("ws/prod.env", b"DATABASE_PASSWORD=\n");
    // The pull request's manifest points the token at the private vault.
    s.write(
        "ws/drift.json",
        json!([{"canonical": "acme/vault@main:prod.env", "local": "prod.env"}]).to_string().as_bytes(),
    );
    for (event_name, payload) in [
        ("pull_request_target", "pull_request_target_same_repo"),
        ("pull_request", "pull_request_same_repo"),
        ("pull_request_review_approved", "pull_request_review_same_repo"),
        ("issue_comment", "issue_comment_pull_request"),
    ] {
        let run = drift_in(&fake, &s.ws(), event_name, payload, &["--manifest", "drift.json"]);
        assert_eq!((run.code, run.output("verdict")), (0, "pass"), "{event_name}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("manifest-differs-from-base"), "{event_name}: {}", run.stdout);
        assert!(!asked_vault(&fake), "{event_name}: the pull request's manifest reached acme/vault");
        let read_base = fake.requests().iter().any(|r| {
            r.path.ends_with("/repos/acme/core/contents/drift.json")
                && r.query.get("ref").map(String::as_str) == Some(BASE)
        });
        assert!(read_base, "{event_name}: the manifest was not read from the base commit");
    }
    // A push run uses the workspace's manifest (trusted code), and --allow-repo still guards it.
    let run =
        drift_in(&fake, &s.ws(), "push", "push", &["--manifest", "drift.json", "--allow-repo", "acme/controlplane"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("--allow-repo does not list"), "{}", run.stdout);
    assert!(!asked_vault(&fake));

    // A manifest the pull request adds (absent at the base) is not used: exit 3, vault untouched.
    s.write(
        "ws/new.json",
        json!([{"canonical": "acme/vault@main:prod.env", "local": "prod.env"}]).to_string().as_bytes(),
    );
    let run = drift_in(&fake, &s.ws(), "pull_request_target", "pull_request_target_fork", &["--manifest", "new.json"]);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("base commit"), "{}", run.stdout);
    assert!(!asked_vault(&fake));
}

#[test]
fn allow_repo_refuses_other_repositories_before_any_request() {
    let fake = FakeGitea::start(fixture()).unwrap();
    let s = Scratch::new();
    s.write("ws/providers.yaml", PROVIDERS.as_bytes());
    s.write("ws/prod.env", b"x\n");
    let vault = ["--canonical", "acme/vault@main:prod.env", "--local", "prod.env"];
    let run = drift_in(&fake, &s.ws(), "push", "push", &[&vault[..], &["--allow-repo", "acme/controlplane"]].concat());
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("acme/vault") && run.stdout.contains("--allow-repo"), "{}", run.stdout);
    assert!(fake.requests().is_empty(), "no request at all: {:?}", fake.requests());
    // Listed (Gitea compares names without case): compared as usual.
    let ok = ["--canonical", "acme/controlplane@main:providers.yaml", "--local", "providers.yaml"];
    let run = drift_in(&fake, &s.ws(), "push", "push", &[&ok[..], &["--allow-repo", "ACME/ControlPlane"]].concat());
    assert_eq!((run.code, run.output("verdict")), (0, "pass"), "{}{}", run.stdout, run.stderr);
    let run = drift_in(&fake, &s.ws(), "push", "push", &[&ok[..], &["--allow-repo", "acme/../x"]].concat());
    assert_eq!(run.code, 2, "a malformed --allow-repo: {}", run.stdout);
}

#[test]
fn bad_owner_repo_and_path_segments_send_no_request() {
    let fake = FakeGitea::start(fixture()).unwrap();
    let s = Scratch::new();
    for canonical in [
        "acme/controlplane@main:a/../../../vault/raw/prod.env",
        "acme/controlplane@main:./providers.yaml",
        "acme/controlplane@main:a//providers.yaml",
        "acme/controlplane@main:dir\\providers.yaml",
        "acme/..@main:providers.yaml",
        "../vault@main:prod.env",
        "acme/.@main:providers.yaml",
        "acme/controlplane@main/../x:providers.yaml",
    ] {
        let run = drift_in(&fake, &s.ws(), "push", "push", &["--canonical", canonical, "--local", "ok.txt"]);
        assert_eq!(run.code, 2, "{canonical}: {}{}", run.stdout, run.stderr);
    }
    // The run's repository, for the pull request gates.
    let mut command = gitea_gate();
    command
        .current_dir(s.ws())
        .args(["approvals", "--team", "acme/qa", "--pr", "1", "--token-env", "AUTO_SYNC_TOKEN", "--retries", "0"])
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_REPOSITORY", "acme/..")
        .env("AUTO_SYNC_TOKEN", TOKEN);
    let run = run(command);
    assert_eq!(run.code, 2, "--repository acme/..: {}{}", run.stdout, run.stderr);
    assert!(fake.requests().is_empty(), "requests were sent: {:?}", fake.requests());
}

#[test]
fn without_the_token_an_unreadable_base_manifest_follows_the_trust_policy() {
    // acme/core is private: without the token its base commit cannot be read. The pull request's
    // own manifest must not decide in its place; the trust policy does (skip in a fork run, the
    // missing-secret failure in a trusted one), exactly as for an unfetched canonical copy.
    let fake = FakeGitea::start(fixture()).unwrap();
    let s = Scratch::new();
    s.write("ws/prod.env", b"anything\n");
    s.write("ws/drift.json", json!([{"canonical": "file:prod.env", "local": "prod.env"}]).to_string().as_bytes());
    let without_token = |event_name: &str, payload: &str| {
        let mut command = gitea_gate();
        command
            .current_dir(s.ws())
            .args(["drift", "--token-env", "AUTO_SYNC_TOKEN", "--retries", "0", "--timeout", "5"])
            .args(["--manifest", "drift.json"])
            .env("GITHUB_API_URL", fake.api_url())
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", event(payload))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("AUTO_SYNC_TOKEN", " ");
        run(command)
    };
    let fork = without_token("pull_request", "pull_request_fork");
    assert_eq!((fork.code, fork.output("verdict")), (0, "skip"), "{}{}", fork.stdout, fork.stderr);
    let same_repo = without_token("pull_request", "pull_request_same_repo");
    assert_eq!((same_repo.code, same_repo.output("verdict")), (1, "fail"), "{}{}", same_repo.stdout, same_repo.stderr);
    assert!(same_repo.output("reason").starts_with("missing-secret:"), "{}", same_repo.output("reason"));
    assert!(!asked_vault(&fake));
}
