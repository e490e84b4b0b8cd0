//! `gitea-gate pin verify|update`, black-box, in a scratch working directory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{gitea_gate, run};

fn pin(dir: &Path, args: &[&str]) -> common::Run {
    let mut command = gitea_gate();
    command.current_dir(dir).arg("pin").args(args).args(["--event-name", "push"]);
    run(command)
}

fn sha256sum_check(dir: &Path) -> bool {
    Command::new("sha256sum")
        .current_dir(dir)
        .args(["--quiet", "-c", "gitea-gate.sha256"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("sha256sum")
        .success()
}

#[test]
fn update_then_verify_then_tamper() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("internal/providers")).expect("mkdir");
    fs::write(dir.path().join("internal/providers/providers.yaml"), "providers: []\n").expect("write");
    fs::write(dir.path().join("b.txt"), "b\n").expect("write");

    let update = pin(dir.path(), &["update", "internal/providers/providers.yaml", "./b.txt"]);
    assert_eq!(update.code, 0, "{}{}", update.stdout, update.stderr);
    assert!(update.stdout.contains("2 added, 0 changed, 0 unchanged"), "{}", update.stdout);
    let lock = fs::read_to_string(dir.path().join("gitea-gate.sha256")).expect("lock written");
    let paths: Vec<&str> = lock.lines().map(|l| &l[66..]).collect();
    assert_eq!(paths, ["b.txt", "internal/providers/providers.yaml"], "sorted by path");
    assert!(sha256sum_check(dir.path()), "coreutils must accept the lock file");

    let verify = pin(dir.path(), &["verify"]);
    assert_eq!((verify.code, verify.output("verdict")), (0, "pass"), "{}", verify.stdout);

    fs::write(dir.path().join("b.txt"), "tampered\n").expect("write");
    let verify = pin(dir.path(), &["verify"]);
    assert_eq!((verify.code, verify.output("verdict")), (1, "fail"), "{}", verify.stdout);
    assert_eq!(verify.output("mismatched"), "b.txt");
    let line = verify.stdout.lines().find(|l| l.contains("error[pin-mismatch]")).expect("line");
    assert!(line.contains("expected sha256 ") && line.contains("actual sha256 "), "{line}");
    assert!(!sha256sum_check(dir.path()));

    fs::remove_file(dir.path().join("internal/providers/providers.yaml")).expect("rm");
    let verify = pin(dir.path(), &["verify"]);
    assert_eq!(verify.code, 1);
    assert!(verify.output("reason").contains("1 changed, 1 missing"), "{}", verify.output("reason"));

    // Re-pin only b.txt: the missing file's entry is kept as it was.
    let update = pin(dir.path(), &["update", "b.txt"]);
    assert_eq!(update.code, 0, "{}", update.stdout);
    assert!(
        fs::read_to_string(dir.path().join("gitea-gate.sha256"))
            .expect("lock")
            .contains("internal/providers/providers.yaml")
    );
}

#[test]
fn custom_lock_location_and_update_all() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("pins")).expect("mkdir");
    fs::write(dir.path().join("x.txt"), "1").expect("write");
    assert_eq!(pin(dir.path(), &["update", "--lock", "pins/core.sha256", "x.txt"]).code, 0);
    fs::write(dir.path().join("x.txt"), "2").expect("write");
    let stale = pin(dir.path(), &["verify", "--lock", "pins/core.sha256"]);
    assert_eq!(stale.code, 1);
    let all = pin(dir.path(), &["update", "--lock", "pins/core.sha256"]);
    assert!(all.stdout.contains("0 added, 1 changed, 0 unchanged"), "{}", all.stdout);
    assert_eq!(pin(dir.path(), &["verify", "--lock", "pins/core.sha256"]).code, 0);
}

#[test]
fn bad_local_input_is_exit_2_naming_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    // No lock file.
    let missing = pin(dir.path(), &["verify"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stdout.contains("the lock file gitea-gate.sha256 does not exist"), "{}", missing.stdout);
    // A malformed line, named by number.
    fs::write(dir.path().join("gitea-gate.sha256"), "not a digest  a.txt\n").expect("write");
    let malformed = pin(dir.path(), &["verify"]);
    assert_eq!(malformed.code, 2);
    assert!(malformed.stdout.contains("gitea-gate.sha256 line 1"), "{}", malformed.stdout);
    // The lock is a directory.
    let as_dir = pin(dir.path(), &["verify", "--lock", "."]);
    assert_eq!(as_dir.code, 2, "{}", as_dir.stdout);
    // Paths that cannot be pinned.
    for bad in ["/etc/hostname", "../outside.txt"] {
        let run = pin(dir.path(), &["update", bad]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stdout);
    }
    // Pinning a file that does not exist is a finding (exit 1), and the lock is left alone.
    fs::write(dir.path().join("gitea-gate.sha256"), "").expect("write");
    let absent = pin(dir.path(), &["update", "nope.txt"]);
    assert_eq!(absent.code, 1, "{}", absent.stdout);
    assert_eq!(fs::read_to_string(dir.path().join("gitea-gate.sha256")).expect("lock"), "");
}

#[test]
fn file_over_the_limit_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("big.bin"), vec![0u8; 2048]).expect("write");
    let run = pin(dir.path(), &["update", "--max-size", "1024", "big.bin"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("above the 1024-byte limit"), "{}", run.stdout);
}

#[test]
fn an_empty_lock_pins_nothing_and_fails() {
    let dir = tempfile::tempdir().expect("tempdir");
    for text in ["", "\n\n  \n"] {
        fs::write(dir.path().join("gitea-gate.sha256"), text).expect("write");
        let run = pin(dir.path(), &["verify"]);
        assert_eq!((run.code, run.output("verdict")), (1, "fail"), "{text:?}: {}", run.stdout);
        assert!(run.output("reason").starts_with("nothing-pinned: "), "{}", run.output("reason"));
    }
    // An update that would leave nothing pinned fails too, and writes nothing.
    fs::remove_file(dir.path().join("gitea-gate.sha256")).expect("rm");
    let run = pin(dir.path(), &["update"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.output("reason").starts_with("nothing-pinned: "), "{}", run.output("reason"));
    assert!(!dir.path().join("gitea-gate.sha256").exists());
}

#[test]
fn a_lock_path_with_a_backslash_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("a.txt"), "a\n").expect("write");
    let digest = "87428fc522803d31065e7bce3cf03fe475096631e5e07bbd7a0fde60c4cf25c7";
    fs::write(dir.path().join("gitea-gate.sha256"), format!("{digest}  dir\\a.txt\n")).expect("write");
    let run = pin(dir.path(), &["verify"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains("gitea-gate.sha256 line 1") && run.stdout.contains("backslash"), "{}", run.stdout);
    assert!(!run.stdout.contains("protocol"), "{}", run.stdout);
}
