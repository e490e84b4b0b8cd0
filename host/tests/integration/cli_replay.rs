//! `--record FILE` and `gitea-gate replay FILE`, black-box: a recorded run replays to the same
//! verdicts byte for byte; a record that was altered, or decided by another guest, does not pass
//! for one; a record never holds the token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::Path;

use serde_json::Value;

use crate::common;
use crate::world;

use common::{event, gitea_gate, run};
use world::*;

/// `approvals` on pull request #23 (qa-dave approved; the author pushed) from a push run, with
/// `--record record.json` in `workspace`.
fn recorded_approvals(workspace: &Path) -> common::Run {
    let fake = World::acme().pull(Pull::new(23).review(Review::approved(4, "qa-dave"))).start();
    let mut command = gate_command(&fake, workspace, "push", &event("push"));
    command.args(["approvals", "--team", "acme/qa", "--pr", "23", "--record", "record.json"]).args(GATE_FLAGS);
    run(command)
}

fn replay(workspace: &Path, file: &str, extra: &[&str]) -> common::Run {
    let mut command = gitea_gate();
    command.current_dir(workspace).env_clear().args(["replay", file]).args(extra);
    run(command)
}

fn record(workspace: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(workspace.join("record.json")).unwrap()).unwrap()
}

fn write_record(workspace: &Path, name: &str, record: &Value) {
    std::fs::write(workspace.join(name), serde_json::to_string_pretty(record).unwrap()).unwrap();
}

#[test]
fn a_recorded_run_replays_to_the_same_verdicts_and_holds_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let r = recorded_approvals(dir.path());
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let text = std::fs::read_to_string(dir.path().join("record.json")).unwrap();
    assert!(!text.contains(TEAM_PAT), "the token is in the record");
    let rec = record(dir.path());
    assert_eq!(rec["format"], "gitea-gate-record/1");
    let version = run({
        let mut c = gitea_gate();
        c.arg("--version");
        c
    });
    let guest = rec["guest_sha256"].as_str().unwrap();
    assert!(version.stdout.contains(guest), "the record names this binary's guest: {}", version.stdout);
    // The gate asked for the pull request, then membership, then decided: every question is kept.
    let decisions = rec["decisions"].as_array().unwrap();
    assert!(decisions.len() >= 3, "{decisions:?}");
    assert_eq!(decisions.last().unwrap()["verdict"]["code"], "approvals-met");

    let r = replay(dir.path(), "record.json", &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(&format!("{} decision(s) identical", decisions.len())), "{}", r.stdout);
    assert!(
        r.stdout.contains("approvals: pass (approvals-met)") && r.stdout.contains("replay digest: "),
        "{}",
        r.stdout
    );
    // The same record, the same digest, every time (and on every architecture: the guest is pure).
    let again = replay(dir.path(), "record.json", &["--format", "json"]);
    let first: Value = serde_json::from_str(&again.stdout).unwrap();
    assert_eq!(first["identical"], true);
    let digest = first["replay_digest"].as_str().unwrap();
    assert!(r.stdout.contains(digest), "{}", r.stdout);
}

#[test]
fn an_altered_record_does_not_replay_as_identical() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(recorded_approvals(dir.path()).code, 0);
    let rec = record(dir.path());
    let last = rec["decisions"].as_array().unwrap().len() - 1;

    // A verdict edited to look like a pass it was not: its digest no longer matches.
    let mut forged = rec.clone();
    forged["decisions"][last]["verdict_sha256"] = Value::from("0".repeat(64));
    write_record(dir.path(), "forged.json", &forged);
    let r = replay(dir.path(), "forged.json", &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("NOT identical") && r.stdout.contains(&format!("decision {}", last + 1)), "{}", r.stdout);

    // Facts edited (two approvals required instead of one): the guest decides otherwise.
    let mut edited = rec.clone();
    let request = edited["decisions"][last]["request"].as_str().unwrap().replace("\"min\":1", "\"min\":2");
    assert_ne!(request, rec["decisions"][last]["request"].as_str().unwrap(), "the request names min");
    edited["decisions"][last]["request"] = Value::from(request);
    write_record(dir.path(), "edited.json", &edited);
    let r = replay(dir.path(), "edited.json", &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("replays as approvals: fail (approvals-missing)"), "{}", r.stdout);
}

#[test]
fn a_record_from_another_guest_or_no_record_at_all_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(recorded_approvals(dir.path()).code, 0);
    let mut other = record(dir.path());
    other["guest_sha256"] = Value::from("a".repeat(64));
    other["gitea_gate"] = Value::from("0.1.0");
    write_record(dir.path(), "other.json", &other);
    let r = replay(dir.path(), "other.json", &[]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("Replay it with gitea-gate 0.1.0"), "{}", r.stderr);

    std::fs::write(dir.path().join("notes.json"), "{\"hello\": 1}").unwrap();
    let r = replay(dir.path(), "notes.json", &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("is not a gitea-gate record"), "{}", r.stderr);
    let r = replay(dir.path(), "missing.json", &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn a_drift_record_carries_the_file_contents_and_replays() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("gen")).unwrap();
    std::fs::write(dir.path().join("gen/providers.yaml"), "providers: [a, b]\n").unwrap();
    std::fs::write(dir.path().join("providers.yaml"), "providers: [a, c]\n").unwrap();
    let mut command = gitea_gate();
    command
        .current_dir(dir.path())
        .env_clear()
        .args(["drift", "--canonical", "file:gen/providers.yaml", "--local", "providers.yaml"])
        .args(["--event-name", "push", "--record", "record.json"]);
    let r = run(command);
    assert_eq!(r.code, 1, "the copies differ:\n{}\n{}", r.stdout, r.stderr);
    let rec = record(dir.path());
    assert_eq!(rec["decisions"][0]["blobs"].as_array().map(Vec::len), Some(2), "{rec}");
    // The workspace can change afterwards: the record holds what was decided on.
    std::fs::remove_file(dir.path().join("providers.yaml")).unwrap();
    let r = replay(dir.path(), "record.json", &[]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("drift: fail (file-drift)"), "{}", r.stdout);
}

#[test]
fn a_record_path_outside_the_workspace_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = gitea_gate();
    command.current_dir(dir.path()).env_clear().args(["trust", "--event-name", "push", "--record", "../escape.json"]);
    let r = run(command);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("the record file (--record)") || r.stderr.contains("the record file (--record)"));
    assert!(!dir.path().join("../escape.json").exists());
}
