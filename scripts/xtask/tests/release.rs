//! `xtask release`'s own decisions, run as the maintainer and the release workflow run them, in a
//! small checkout with a bare `origin`: the major tag moves only forward, main's version is honest
//! about its checksums, `prepare` refuses before it touches anything. (The builds themselves are
//! what CI's release lane and host/tests/integration/e2e_release.rs exercise.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=release@example", "-c", "user.name=release", "-c", "advice.detachedHead=false"])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A checkout whose Cargo.toml says `version` and whose release/SHA256SUMS is `sums`, with a bare
/// `origin` beside it; `xtask release` runs in it as in a checkout of the project.
fn checkout(dir: &Path, version: &str, sums: &str) -> PathBuf {
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("release")).unwrap();
    fs::write(tree.join("Cargo.toml"), format!("[workspace.package]\nversion = \"{version}\"\n")).unwrap();
    fs::write(tree.join("release/SHA256SUMS"), sums).unwrap();
    git(&tree, &["init", "-q"]);
    git(&tree, &["add", "-A"]);
    git(&tree, &["commit", "-qm", "init"]);
    git(dir, &["init", "-q", "--bare", "origin.git"]);
    git(&tree, &["remote", "add", "origin", dir.join("origin.git").to_str().unwrap()]);
    tree
}

fn release(tree: &Path, args: &[&str]) -> Output {
    Command::new(XTASK).arg("release").args(args).current_dir(tree).output().unwrap()
}

fn remote_tag(tree: &Path, tag: &str) -> String {
    let listed = git(tree, &["ls-remote", "origin", &format!("refs/tags/{tag}")]);
    listed.split_whitespace().next().unwrap_or_default().to_owned()
}

#[test]
fn the_major_tag_moves_only_forward_and_never_to_a_prerelease() {
    let dir = tempfile::tempdir().unwrap();
    let tree = checkout(dir.path(), "1.1.0", "");
    let commit = |name: &str| {
        git(&tree, &["commit", "-q", "--allow-empty", "-m", name]);
        git(&tree, &["tag", name]);
        git(&tree, &["push", "-q", "origin", name]);
        git(&tree, &["rev-parse", "HEAD"])
    };
    let v1_0_0 = commit("v1.0.0");
    let out = release(&tree, &["move-major", "v1.0.0"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(remote_tag(&tree, "v1"), v1_0_0);

    let v1_1_0 = commit("v1.1.0");
    assert!(release(&tree, &["move-major", "v1.1.0"]).status.success());
    assert_eq!(remote_tag(&tree, "v1"), v1_1_0);

    // A backport released after v1.1.0 leaves v1 on the newer release.
    commit("v1.0.1");
    let out = release(&tree, &["move-major", "v1.0.1"]);
    assert!(out.status.success() && text(&out).contains("v1 stays at v1.1.0"), "{}", text(&out));
    assert_eq!(remote_tag(&tree, "v1"), v1_1_0);

    // A release candidate is never what `@v1` runs.
    commit("v1.2.0-rc.1");
    let out = release(&tree, &["move-major", "v1.2.0-rc.1"]);
    assert!(out.status.success() && text(&out).contains("pre-release"), "{}", text(&out));
    assert_eq!(remote_tag(&tree, "v1"), v1_1_0);

    // A re-run of the newest release's workflow keeps it there; a new major has its own tag.
    assert!(release(&tree, &["move-major", "v1.1.0"]).status.success());
    assert_eq!(remote_tag(&tree, "v1"), v1_1_0);
    let v2 = commit("v2.0.0");
    assert!(release(&tree, &["move-major", "v2.0.0"]).status.success());
    assert_eq!((remote_tag(&tree, "v2"), remote_tag(&tree, "v1")), (v2, v1_1_0));

    let out = release(&tree, &["move-major", "main"]);
    assert!(!out.status.success() && text(&out).contains("usage"), "{}", text(&out));
    let out = release(&tree, &["move-major", "v9.9.9"]);
    assert!(!out.status.success() && text(&out).contains("no tag v9.9.9 in this checkout"), "{}", text(&out));
}

#[test]
fn main_never_claims_a_release_it_does_not_build() {
    let dir = tempfile::tempdir().unwrap();
    let binary = b"\x7fELF built from this tree".as_slice();
    let listed = |version: &str, bytes: &[u8]| format!("{}  gitea-gate-{version}-x86_64-linux\n", hex_sha256(bytes));
    let check = |version: &str, sums: &str| {
        let case = tempfile::tempdir_in(dir.path()).unwrap();
        let tree = checkout(case.path(), version, sums);
        fs::create_dir_all(tree.join("dist")).unwrap();
        fs::write(tree.join(format!("dist/gitea-gate-{version}-x86_64-linux")), binary).unwrap();
        let out = release(&tree, &["honest"]);
        (out.status.success(), text(&out))
    };
    // A development version with the previous release's checksums: it claims nothing.
    let (ok, log) = check("1.3.0-dev", &listed("1.2.0", b"the release's bytes"));
    assert!(ok, "{log}");
    // The tag's own tree: its checksums are what it builds.
    let (ok, log) = check("1.2.0", &listed("1.2.0", binary));
    assert!(ok && log.contains("ok: dist/gitea-gate-1.2.0-x86_64-linux is what release/SHA256SUMS lists"), "{log}");
    // Main kept the released version while the source moved on.
    let (ok, log) = check("1.2.0", &listed("1.2.0", b"the release's bytes"));
    assert!(!ok && log.contains("a version's checksums are only true at its tag"), "{log}");
    // A release version with no checksums at all.
    let (ok, log) = check("1.2.0", &listed("1.1.0", binary));
    assert!(!ok && log.contains("lists no asset of it"), "{log}");
    // A listed asset this build did not make.
    let (ok, log) = check("1.2.0", &format!("{}  gitea-gate-1.2.0-aarch64-linux\n", hex_sha256(binary)));
    assert!(!ok && log.contains("this build made no dist/gitea-gate-1.2.0-aarch64-linux"), "{log}");
}

/// `prepare` refuses before it changes anything: a version that is not X.Y.Z, a dirty tree, a
/// tag that exists, a next version that is not a pre-release.
#[test]
fn prepare_refuses_before_it_touches_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let tree = checkout(dir.path(), "1.3.0-dev", "");
    git(&tree, &["tag", "v1.2.0"]);
    for (args, wanted) in [
        (vec!["prepare", "1.3"], "usage"),
        (vec!["prepare", "v1.3.0"], "usage"),
        (vec!["prepare", "1.2.0"], "the tag v1.2.0 exists already"),
        (vec!["prepare", "1.3.0", "1.3.1"], "must be a pre-release"),
    ] {
        let out = release(&tree, &args);
        assert!(!out.status.success() && text(&out).contains(wanted), "{args:?}: {}", text(&out));
    }
    fs::write(tree.join("stray.txt"), "x").unwrap();
    let out = release(&tree, &["prepare", "1.3.0"]);
    assert!(!out.status.success() && text(&out).contains("the working tree has changes"), "{}", text(&out));
    fs::remove_file(tree.join("stray.txt")).unwrap();
    assert_eq!(git(&tree, &["status", "--porcelain"]), "", "nothing was changed");
    assert!(fs::read_to_string(tree.join("Cargo.toml")).unwrap().contains("version = \"1.3.0-dev\""));
}

/// `publish` refuses a tag that is not this version's, or whose checksum list lacks an arch,
/// before it builds anything.
#[test]
fn publish_refuses_a_tag_it_cannot_vouch_for() {
    let dir = tempfile::tempdir().unwrap();
    let tree = checkout(dir.path(), "1.2.0", "aa  gitea-gate-1.2.0-x86_64-linux\n");
    let out = release(&tree, &["publish", "v1.1.0"]);
    assert!(!out.status.success() && text(&out).contains("the tag 'v1.1.0' is not v1.2.0"), "{}", text(&out));
    let out = release(&tree, &["publish", "v1.2.0"]);
    assert!(!out.status.success() && text(&out).contains("lists no gitea-gate-1.2.0-aarch64-linux"), "{}", text(&out));
    assert!(!text(&out).contains("== building"), "nothing was built: {}", text(&out));
}

/// Outside a checkout there is nothing to work on, and xtask says so.
#[test]
fn outside_a_checkout_it_says_where_to_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = release(dir.path(), &["honest"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("run xtask from the checkout"), "{}", text(&out));
}
