//! The composite action's scripts, run as the runner runs them: `scripts/install.sh` against a
//! loopback release server (a good checksum installs and is cached; a tampered binary is refused;
//! nothing unverified ever runs), and `scripts/action/run.sh` turning inputs into arguments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

mod release_server;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use release_server::serve;

use sha2::{Digest, Sha256};

const BIN: &str = env!("CARGO_BIN_EXE_gitea-gate");

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// A checkout of the action at a release tag: its Cargo.toml (the version), install.sh, and a
/// release/SHA256SUMS listing `sums`.
fn action_checkout(dir: &Path, sums: &[(&str, &[u8])]) -> PathBuf {
    let action = dir.join("action");
    fs::create_dir_all(action.join("scripts")).unwrap();
    fs::create_dir_all(action.join("release")).unwrap();
    fs::copy(repo_root().join("Cargo.toml"), action.join("Cargo.toml")).unwrap();
    fs::copy(repo_root().join("scripts/install.sh"), action.join("scripts/install.sh")).unwrap();
    let list: String = sums.iter().map(|(name, bytes)| format!("{}  {name}\n", hex(&Sha256::digest(bytes)))).collect();
    fs::write(action.join("release/SHA256SUMS"), list).unwrap();
    action
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A PATH with the tools install.sh uses and no cargo, so the build fallback is not available.
fn path_without_cargo(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    if !bin.exists() {
        fs::create_dir_all(&bin).unwrap();
        for tool in [
            "bash",
            "curl",
            "sha256sum",
            "awk",
            "sed",
            "cut",
            "head",
            "mktemp",
            "chmod",
            "mv",
            "mkdir",
            "rm",
            "uname",
            "cat",
        ] {
            let found = ["/usr/bin", "/bin"].iter().map(|d| Path::new(d).join(tool)).find(|p| p.exists());
            std::os::unix::fs::symlink(found.unwrap_or_else(|| panic!("{tool} not installed")), bin.join(tool))
                .unwrap();
        }
    }
    bin
}

/// Run install.sh as the runner would, with no cargo on PATH (so no silent fallback).
fn install(action: &Path, cache: &Path, arch: &str, download: &str) -> (Output, String) {
    let output_file = cache.join("github_output");
    let _ = fs::remove_file(&output_file);
    let out = Command::new("bash")
        .arg(action.join("scripts/install.sh"))
        .env_clear()
        .env("PATH", path_without_cargo(cache))
        .env("HOME", cache)
        .env("GITHUB_ACTION_PATH", action)
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TOOL_CACHE", cache)
        .env("GITEA_GATE_DOWNLOAD_URL", download)
        .env("GITHUB_OUTPUT", &output_file)
        .output()
        .unwrap();
    (out, fs::read_to_string(&output_file).unwrap_or_default())
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_verified_download_installs_and_is_cached() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(BIN).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let server = serve(vec![(asset.clone(), binary)]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();

    let (out, outputs) = install(&action, &cache, "X64", &server.url);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("downloaded, sha256 verified"), "{}", stderr(&out));
    let installed = outputs.trim().strip_prefix("binary=").expect("binary= output").to_owned();
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).contains("guest sha256"));

    // Host-mode runners say amd64: same asset, and now from the cache without a download.
    let (out, _) = install(&action, &cache, "amd64", &server.url);
    assert!(out.status.success() && stderr(&out).contains("cached, sha256 verified"), "{}", stderr(&out));
    assert_eq!(server.asked.lock().unwrap().len(), 1, "the second install must not download");
}

#[test]
fn a_tampered_binary_is_refused_and_never_cached() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(BIN).unwrap();
    let asset = format!("gitea-gate-{}-aarch64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let mut tampered = binary.clone();
    tampered.extend_from_slice(b"\x00evil");
    let server = serve(vec![(asset.clone(), tampered)]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();

    let (out, outputs) = install(&action, &cache, "ARM64", &server.url);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("checksum mismatch") && stderr(&out).contains("Refusing"), "{}", stderr(&out));
    assert!(outputs.is_empty(), "no binary= output for a refused download");
    let cached = cache.join(format!("gitea-gate/{}/aarch64/gitea-gate", version()));
    assert!(!cached.exists(), "the tampered file must not be cached");
    assert_eq!(server.asked.lock().unwrap().as_slice(), [format!("/dl/{asset}")]);

    // A cached binary that no longer matches is not used either.
    fs::create_dir_all(cached.parent().unwrap()).unwrap();
    fs::write(&cached, b"#!/bin/sh\necho pwned\n").unwrap();
    let (out, outputs) = install(&action, &cache, "arm64", &format!("{}/missing", server.url));
    assert!(!out.status.success() && outputs.is_empty(), "{}", stderr(&out));
    assert!(stderr(&out).contains("no cargo"), "{}", stderr(&out));
}

#[test]
fn a_wrong_checksum_list_never_lets_the_genuine_binary_run() {
    // The asset on the server is the real one; the list committed at the tag is wrong in some
    // way. install.sh must refuse (or find no checksum), never run or cache the binary.
    let binary = fs::read(BIN).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let digest = hex(&Sha256::digest(&binary));
    let wrong_lists = [
        // The digest of some other build.
        format!("{}  {asset}\n", hex(&Sha256::digest(b"another build"))),
        // A digest cut short.
        format!("{}  {asset}\n", &digest[..32]),
        // Upper-case hex of the right digest is still not the list's format.
        format!("{}  {asset}\n", digest.to_uppercase()),
        // The right digest under a near-miss name, and the real name absent.
        format!("{digest}  {asset}.tar\n{digest}  x{asset}\n"),
        // Empty.
        String::new(),
    ];
    for list in wrong_lists {
        let dir = tempfile::tempdir().unwrap();
        let action = action_checkout(dir.path(), &[]);
        fs::write(action.join("release/SHA256SUMS"), &list).unwrap();
        let server = serve(vec![(asset.clone(), binary.clone())]);
        let cache = dir.path().join("cache");
        fs::create_dir_all(&cache).unwrap();
        let (out, outputs) = install(&action, &cache, "X64", &server.url);
        let err = stderr(&out);
        assert!(!out.status.success(), "list {list:?} let it through:\n{err}");
        assert!(outputs.is_empty(), "no binary= output for list {list:?}");
        assert!(err.contains("checksum mismatch") || err.contains("no checksum"), "list {list:?}:\n{err}");
        let cached = cache.join(format!("gitea-gate/{}/x86_64/gitea-gate", version()));
        assert!(!cached.exists(), "nothing may be cached for list {list:?}");
    }
}

#[test]
fn unknown_arches_and_unreleased_checkouts_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let action = action_checkout(dir.path(), &[]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let (out, _) = install(&action, &cache, "riscv64", "http://127.0.0.1:9/dl");
    assert!(!out.status.success() && stderr(&out).contains("unsupported runner architecture 'riscv64'"));
    let (out, _) = install(&action, &cache, "X64", "http://127.0.0.1:9/dl");
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no checksum") && stderr(&out).contains("uses: OWNER/gitea-gate@v1"),
        "{}",
        stderr(&out)
    );
}

/// run.sh with a stand-in binary that prints its arguments and the token variable.
fn run_sh(inputs: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let echo = dir.path().join("echo-args");
    fs::write(&echo, "#!/bin/bash\nprintf '<%s>' \"$@\"; echo; echo \"token=${SOP_TIER_CHECK_TOKEN:-unset}\"\n")
        .unwrap();
    Command::new("chmod").arg("+x").arg(&echo).status().unwrap();
    let mut command = Command::new("bash");
    command.arg(repo_root().join("scripts/action/run.sh")).env_clear().env("PATH", "/usr/bin:/bin");
    command.env("GATE_BINARY", &echo);
    for (k, v) in inputs {
        command.env(k, v);
    }
    command.output().unwrap()
}

#[test]
fn inputs_become_separate_arguments_and_the_token_is_named() {
    let out = run_sh(&[
        ("GATE_CHECK", "approvals"),
        ("GATE_TOKEN", "s3cret"),
        ("GATE_TOKEN_NAME", "SOP_TIER_CHECK_TOKEN"),
        ("GATE_TEAMS", "acme/qa, acme/security\n21"),
        ("GATE_MIN", "2"),
        ("GATE_ALLOW_STALE", "true"),
        ("GATE_STATUS_CONTEXT", "qa-review / approved $(touch /tmp/pwned)"),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        stdout.lines().next().unwrap(),
        "<--format><github><approvals><--token-env><SOP_TIER_CHECK_TOKEN><--team><acme/qa><--team><acme/security>\
         <--team><21><--min><2><--allow-stale><--status-context><qa-review / approved $(touch /tmp/pwned)>"
    );
    assert!(stdout.contains("token=s3cret"), "the token reaches the binary only in the named variable");

    let out = run_sh(&[("GATE_CHECK", "approvals"), ("GATE_TOKEN_NAME", "bad name; rm -rf /"), ("GATE_TEAMS", "x/y")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a variable name"));
    let out = run_sh(&[("GATE_CHECK", "deploy")]);
    assert_eq!(out.status.code(), Some(2));
    let out = run_sh(&[("GATE_CHECK", "trust"), ("GATE_SECRET_NAME", "AUTO_SYNC_TOKEN"), ("GATE_SECRET", "")]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap(),
        "<--format><github><trust><--require-secret><AUTO_SYNC_TOKEN>"
    );
}

#[test]
fn allow_repo_input_becomes_one_flag_per_repository() {
    let out = run_sh(&[
        ("GATE_CHECK", "drift"),
        ("GATE_TOKEN_NAME", "SOP_TIER_CHECK_TOKEN"),
        ("GATE_MANIFEST", "drift.json"),
        ("GATE_ALLOW_REPO", "acme/controlplane, acme/sdk\nacme/docs $(touch /tmp/pwned)"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap(),
        "<--format><github><drift><--token-env><SOP_TIER_CHECK_TOKEN><--manifest><drift.json>\
         <--allow-repo><acme/controlplane><--allow-repo><acme/sdk><--allow-repo><acme/docs>\
         <--allow-repo><$(touch><--allow-repo></tmp/pwned)>"
    );
    let out = run_sh(&[("GATE_CHECK", "drift"), ("GATE_CANONICAL", "file:a"), ("GATE_LOCAL", "b")]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap(),
        "<--format><github><drift><--token-env><GITEA_GATE_TOKEN><--canonical><file:a><--local><b>",
        "no allow-repo input, no flag"
    );
}
