//! Bad local input never passes and never leaves half a file behind: missing and unreadable
//! files, directories where files belong, malformed manifests, configs and lock files, non-UTF-8
//! paths and files over the size limit all end in exit 2 or 3 with a message naming the file.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;

use common::{event, gitea_gate, run};

fn gate(dir: &std::path::Path, args: &[&OsStr]) -> common::Run {
    let mut command = gitea_gate();
    command
        .current_dir(dir)
        .args(args)
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", event("push"))
        .env("GITHUB_REPOSITORY", "acme/core");
    run(command)
}

fn os<'a>(args: &[&'a str]) -> Vec<&'a OsStr> {
    args.iter().map(|a| OsStr::new(*a)).collect()
}

#[test]
fn every_bad_local_input_is_named_and_never_passes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("ok.txt"), "ok\n").unwrap();
    fs::create_dir(d.join("adir")).unwrap();
    fs::write(d.join("big.txt"), vec![b'x'; 2048]).unwrap();
    fs::write(d.join("locked.txt"), "secret\n").unwrap();
    fs::set_permissions(d.join("locked.txt"), fs::Permissions::from_mode(0o000)).unwrap();
    let running_as_root = fs::read(d.join("locked.txt")).is_ok();
    fs::write(d.join("manifest.json"), r#"[{"canonical": "file:ok.txt", "local": "ok.txt", "extra": 1}]"#).unwrap();
    fs::write(d.join("empty-manifest.json"), "[]").unwrap();
    fs::write(d.join("bad.sha256"), "this is not a lock file\n").unwrap();
    fs::write(d.join("short.sha256"), "abc123  ok.txt\n").unwrap();
    fs::write(d.join("sop.json"), "{\"items\": 3}").unwrap();

    let mut cases: Vec<(&str, Vec<&OsStr>, &str)> = vec![
        ("missing local", os(&["drift", "--canonical", "file:ok.txt", "--local", "nope.txt"]), "nope.txt"),
        ("missing canonical", os(&["drift", "--canonical", "file:gone.txt", "--local", "ok.txt"]), "gone.txt"),
        ("directory as local", os(&["drift", "--canonical", "file:ok.txt", "--local", "adir"]), "adir"),
        (
            "over the size limit",
            os(&["drift", "--canonical", "file:ok.txt", "--local", "big.txt", "--max-size", "1024"]),
            "big.txt",
        ),
        ("manifest with an unknown field", os(&["drift", "--manifest", "manifest.json"]), "manifest.json"),
        ("empty manifest", os(&["drift", "--manifest", "empty-manifest.json"]), "empty-manifest.json"),
        ("missing manifest", os(&["drift", "--manifest", "nowhere.json"]), "nowhere.json"),
        ("malformed lock", os(&["pin", "verify", "--lock", "bad.sha256"]), "bad.sha256"),
        ("lock with a short digest", os(&["pin", "verify", "--lock", "short.sha256"]), "short.sha256"),
        ("lock is a directory", os(&["pin", "verify", "--lock", "adir"]), "adir"),
        ("pin a directory", os(&["pin", "update", "--lock", "new.sha256", "adir"]), "adir"),
        ("pin a missing file", os(&["pin", "update", "--lock", "new.sha256", "nope.txt"]), "nope.txt"),
        ("malformed checklist config", os(&["checklist", "--config", "sop.json", "--token-env", "T"]), "sop.json"),
        (
            "event payload is a directory",
            os(&["--event-name", "pull_request", "--event-path", "adir", "trust", "--require-secret", "T"]),
            "adir",
        ),
    ];
    if !running_as_root {
        cases.push((
            "unreadable local",
            os(&["drift", "--canonical", "file:ok.txt", "--local", "locked.txt"]),
            "locked.txt",
        ));
    }
    let non_utf8 = OsStr::from_bytes(b"bad-\xff-name.txt");
    fs::write(d.join(non_utf8), "ok\n").unwrap();
    cases.push((
        "non-UTF-8 path",
        vec![
            OsStr::new("drift"),
            OsStr::new("--canonical"),
            OsStr::new("file:ok.txt"),
            OsStr::new("--local"),
            non_utf8,
        ],
        "bad-",
    ));

    let mut failures = Vec::new();
    for (name, args, needle) in &cases {
        let r = gate(d, args);
        // Two cases are decisions, not input errors: an unreadable payload makes the run trusted
        // (fail closed), so the missing secret T fails it; pinning a file that does not exist is
        // the pin gate's `pinned-file-missing` failure. Everything else is exit 2 or 3.
        let allowed: &[i32] =
            if matches!(*name, "event payload is a directory" | "pin a missing file") { &[1] } else { &[2, 3] };
        if !allowed.contains(&r.code) || !r.stdout.contains(needle) {
            failures
                .push(format!("{name}: exit {} (allowed {allowed:?}), must name {needle:?}:\n{}", r.code, r.stdout));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert!(!d.join("new.sha256").exists(), "a failed pin update must not write the lock file");
}

#[test]
fn pin_update_is_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("a.txt"), "a\n").unwrap();
    let r = gate(d, &os(&["pin", "update", "--lock", "pins.sha256", "a.txt"]));
    assert_eq!(r.code, 0, "{}", r.stdout);
    let before = fs::read_to_string(d.join("pins.sha256")).unwrap();
    // Asking to pin a file that is missing fails and leaves the old lock file byte for byte.
    let r = gate(d, &os(&["pin", "update", "--lock", "pins.sha256", "a.txt", "missing.txt"]));
    assert_ne!(r.code, 0);
    assert_eq!(fs::read_to_string(d.join("pins.sha256")).unwrap(), before);
    let leftovers: Vec<_> = fs::read_dir(d).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left behind: {leftovers:?}");
}
