//! `xtask attach` refuses machine code it cannot vouch for. (Also: this test makes cargo build the
//! xtask binary in the workspace's test build, where scripts/test.sh runs it from.)
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]

use std::fs;
use std::process::Command;

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

fn attach(aot: &std::path::Path, binary: &std::path::Path, out: &std::path::Path) -> std::process::Output {
    Command::new(XTASK)
        .arg("attach")
        .arg(binary)
        .args(["--target", "x86_64-unknown-linux-gnu", "--aot"])
        .arg(aot)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run xtask")
}

#[test]
fn attach_refuses_machine_code_made_from_another_guest_or_unrecorded() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("gitea-gate");
    fs::write(&binary, b"\x7fELF not really").unwrap();
    let out = dir.path().join("attached");
    let artifact = dir.path().join("gitea-gate-guest.x86_64-unknown-linux-gnu.cwasm");
    fs::write(&artifact, b"\x7fELF code").unwrap();

    // No manifest: nothing was precompiled.
    let r = attach(dir.path(), &binary, &out);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("run `xtask precompile` first"), "{r:?}");

    // A manifest for another wasm.
    let other = format!("{}  gitea-gate-guest.wasm\n", "0".repeat(64));
    fs::write(dir.path().join("aot.sha256"), other).unwrap();
    let r = attach(dir.path(), &binary, &out);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("precompiled from another guest"), "{r:?}");
    assert!(!out.exists(), "nothing written");
}

#[test]
fn usage_is_explained() {
    let r = Command::new(XTASK).output().unwrap();
    assert_eq!(r.status.code(), Some(2));
    let usage = String::from_utf8_lossy(&r.stderr);
    assert!(usage.contains("Usage: xtask <COMMAND>"), "{usage}");
    for task in ["build-guest", "precompile", "attach", "release", "publish", "changelog-release"] {
        assert!(usage.contains(task), "{task} is not listed: {usage}");
    }
}

/// `xtask publish` against the fake Gitea: the release of a tag, published only once every asset
/// is in; a re-run keeps what is there and replaces what differs; refusals name their cause.
mod publish {
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output};

    use fake_gitea::{FakeGitea, Fixture};

    use super::XTASK;

    const JOB_TOKEN: &str = "0123456789abcdef0123456789abcdef01234567";
    const READER_TOKEN: &str = "reader-token";
    const CHANGELOG: &str = "# Changelog\n\n## Unreleased\n\n## 1.2.0 — 2026-12-07\n\n### Added\n\n- release on a tag push\n\n\
                             ## 1.3.0-rc.1 — 2026-12-08\n\n- a candidate\n";

    fn fake() -> FakeGitea {
        let fixture = Fixture::from_json(&format!(
            r#"{{"users": [{{"login": "reader", "id": 5}}],
                 "tokens": [{{"token": "{JOB_TOKEN}", "actions_job": {{"repo": "acme/gitea-gate"}}}},
                            {{"token": "{READER_TOKEN}", "user": "reader", "scopes": ["write:repository"]}}],
                 "repos": [{{"owner": "acme", "name": "gitea-gate", "id": 9, "tags": {{"v1.2.0": "{sha}"}}}}]}}"#,
            sha = "a".repeat(40)
        ))
        .unwrap();
        FakeGitea::start(fixture).unwrap()
    }

    /// The release directory: CHANGELOG.md and three assets.
    fn assets(dir: &Path) -> Vec<PathBuf> {
        std::fs::write(dir.join("CHANGELOG.md"), CHANGELOG).unwrap();
        let files = [
            ("gitea-gate-1.2.0-x86_64-linux", vec![0x7f, b'E', b'L', b'F', 0, 1, 2, 255]),
            ("gitea-gate-1.2.0-aarch64-linux", b"\x7fELF aarch64\r\n--boundary-like\r\n".to_vec()),
            ("SHA256SUMS", b"00  gitea-gate-1.2.0-x86_64-linux\n".to_vec()),
        ];
        files
            .into_iter()
            .map(|(name, bytes)| {
                let path = dir.join(name);
                std::fs::write(&path, bytes).unwrap();
                path
            })
            .collect()
    }

    fn publish(fake: &FakeGitea, token: &str, tag: &str, dir: &Path, files: &[PathBuf]) -> Output {
        Command::new(XTASK)
            .arg("publish")
            .args(["--tag", tag, "--notes"])
            .arg(dir.join("CHANGELOG.md"))
            .args(files)
            .env("GITHUB_API_URL", fake.api_url())
            .env("GITHUB_REPOSITORY", "acme/gitea-gate")
            .env("GITEA_TOKEN", token)
            .output()
            .unwrap()
    }

    fn stderr(out: &Output) -> String {
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    #[test]
    fn a_tag_is_published_with_every_asset_and_a_rerun_changes_only_what_differs() {
        let fake = fake();
        let dir = tempfile::tempdir().unwrap();
        let files = assets(dir.path());

        let out = publish(&fake, JOB_TOKEN, "v1.2.0", dir.path(), &files);
        assert!(out.status.success(), "{}", stderr(&out));
        let releases = fake.releases();
        assert_eq!(releases.len(), 1);
        let release = &releases[0];
        assert_eq!((release.tag_name.as_str(), release.name.as_str()), ("v1.2.0", "gitea-gate 1.2.0"));
        assert!(!release.draft && !release.prerelease, "{release:?}");
        assert_eq!(release.body, "### Added\n\n- release on a tag push");
        assert_eq!(release.publisher, "gitea-actions", "published with the job token");
        for file in &files {
            let name = file.file_name().unwrap().to_str().unwrap();
            let asset = release.assets.iter().find(|a| a.name == name).unwrap();
            assert_eq!(*asset.bytes, std::fs::read(file).unwrap(), "{name} arrived whole");
        }
        // Created as a draft, published by the last request, after every upload.
        let requests = fake.requests();
        let writes: Vec<_> = requests.iter().filter(|r| r.method != "GET").collect();
        assert!(writes[0].method == "POST" && writes[0].body.contains("\"draft\":true"), "{writes:?}");
        assert_eq!(writes.iter().filter(|r| r.path.ends_with("/assets")).count(), 3);
        let last = writes.last().unwrap();
        assert!(last.method == "PATCH" && last.body.contains("\"draft\":false"), "{last:?}");

        // Re-run, the aarch64 binary rebuilt with other bytes: only it is replaced.
        std::fs::write(&files[1], b"\x7fELF other aarch64").unwrap();
        let before = fake.requests().len();
        let out = publish(&fake, JOB_TOKEN, "v1.2.0", dir.path(), &files);
        assert!(out.status.success(), "{}", stderr(&out));
        let log = stderr(&out);
        assert!(log.contains("gitea-gate-1.2.0-x86_64-linux: already attached, same bytes"), "{log}");
        assert!(
            log.contains("gitea-gate-1.2.0-aarch64-linux: the attached asset has other bytes; replacing it"),
            "{log}"
        );
        let rerun: Vec<_> = fake.requests()[before..].iter().filter(|r| r.method != "GET").cloned().collect();
        let kinds: Vec<_> = rerun.iter().map(|r| r.method.as_str()).collect();
        assert_eq!(kinds, ["DELETE", "POST", "PATCH"], "{rerun:?}");
        let release = &fake.releases()[0];
        assert_eq!(release.assets.len(), 3);
        let aarch64 = release.assets.iter().find(|a| a.name == "gitea-gate-1.2.0-aarch64-linux").unwrap();
        assert_eq!(aarch64.bytes.as_slice(), b"\x7fELF other aarch64");
    }

    #[test]
    fn a_prerelease_version_is_published_as_a_prerelease() {
        let fake = fake();
        let dir = tempfile::tempdir().unwrap();
        let files = assets(dir.path());
        let out = publish(&fake, JOB_TOKEN, "v1.3.0-rc.1", dir.path(), &files[2..]);
        assert!(out.status.success(), "{}", stderr(&out));
        let release = &fake.releases()[0];
        assert!(release.prerelease && !release.draft, "{release:?}");
        assert_eq!(release.body, "- a candidate");
    }

    #[test]
    fn refusals_name_what_is_wrong_before_or_without_changing_anything() {
        let fake = fake();
        let dir = tempfile::tempdir().unwrap();
        let files = assets(dir.path());

        // A token without write access to the repository.
        let out = publish(&fake, READER_TOKEN, "v1.2.0", dir.path(), &files);
        assert_eq!(out.status.code(), Some(2));
        let log = stderr(&out);
        assert!(log.contains("403 user should have a permission to write to a repo"), "{log}");
        assert!(log.contains("permissions: contents: write"), "{log}");
        assert!(fake.releases().is_empty());

        // No notes for the version, a tag that is no version, a missing asset, no token: nothing sent.
        let before = fake.requests().len();
        for (tag, token, file, wanted) in [
            ("v9.9.9", JOB_TOKEN, files[0].clone(), "has no section `## 9.9.9`"),
            ("main", JOB_TOKEN, files[0].clone(), "is not a release tag"),
            ("v1.2.0", JOB_TOKEN, dir.path().join("missing"), "no such asset file"),
            ("v1.2.0", "", files[0].clone(), "publish needs GITEA_TOKEN"),
        ] {
            let out = publish(&fake, token, tag, dir.path(), &[file]);
            assert_eq!(out.status.code(), Some(2), "{tag}");
            assert!(stderr(&out).contains(wanted), "{tag}: {}", stderr(&out));
        }
        assert_eq!(fake.requests().len(), before, "a refusal sent nothing");
    }
}
