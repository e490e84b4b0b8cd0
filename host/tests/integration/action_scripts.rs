//! The composite action's scripts, run as the runner runs them: `scripts/install.sh` against a
//! loopback release server (a good checksum installs and is cached; a tampered binary is refused;
//! nothing unverified ever runs; what runs is a private copy, so a file swapped in the shared
//! tool cache after the check never runs), and `scripts/action/run.sh` turning inputs into
//! arguments.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;
use crate::release_server;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use release_server::serve;

use sha2::{Digest, Sha256};

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
    fs::write(action.join("release/VERDICTS"), format!("{}\n", verdict_digest())).unwrap();
    action
}

/// The last line of the real binary's `selftest`: what `xtask release` writes to release/VERDICTS.
fn verdict_digest() -> String {
    static DIGEST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DIGEST
        .get_or_init(|| {
            let out = Command::new(crate::common::binary()).arg("selftest").output().unwrap();
            assert!(out.status.success(), "selftest: {}", String::from_utf8_lossy(&out.stderr));
            let line = String::from_utf8_lossy(&out.stdout).lines().last().unwrap_or_default().to_owned();
            assert!(line.starts_with("verdict digest: "), "{line}");
            line
        })
        .clone()
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
            "cp",
            "mv",
            "mkdir",
            "rm",
            "uname",
            "cat",
            "tail",
            "tr",
        ] {
            let found = ["/usr/bin", "/bin"].iter().map(|d| Path::new(d).join(tool)).find(|p| p.exists());
            std::os::unix::fs::symlink(found.unwrap_or_else(|| panic!("{tool} not installed")), bin.join(tool))
                .unwrap();
        }
    }
    bin
}

/// The job's RUNNER_TEMP next to `cache` (created).
fn runner_temp(cache: &Path) -> PathBuf {
    let temp = cache.parent().unwrap().join("runner-temp");
    fs::create_dir_all(&temp).unwrap();
    temp
}

/// Run install.sh as the runner would, with no cargo on PATH (so no silent fallback).
fn install(action: &Path, cache: &Path, arch: &str, download: &str) -> (Output, String) {
    install_with_path(action, cache, arch, download, &path_without_cargo(cache))
}

fn install_with_path(action: &Path, cache: &Path, arch: &str, download: &str, path: &Path) -> (Output, String) {
    install_asking(action, cache, arch, download, path, false)
}

/// install.sh as `install_with_path` runs it; `build`: with GITEA_GATE_BUILD_FROM_SOURCE=true.
fn install_asking(
    action: &Path,
    cache: &Path,
    arch: &str,
    download: &str,
    path: &Path,
    build: bool,
) -> (Output, String) {
    let output_file = cache.join("github_output");
    let _ = fs::remove_file(&output_file);
    let out = Command::new("bash")
        .arg(action.join("scripts/install.sh"))
        .env_clear()
        .env("PATH", path)
        .env("HOME", cache)
        .env("RUNNER_TEMP", runner_temp(cache))
        .env("GITHUB_ACTION_PATH", action)
        .env("RUNNER_ARCH", arch)
        .env("RUNNER_TOOL_CACHE", cache)
        .env("GITEA_GATE_DOWNLOAD_URL", download)
        .env("GITHUB_OUTPUT", &output_file)
        .env("GITEA_GATE_BUILD_FROM_SOURCE", if build { "true" } else { "" })
        .output()
        .unwrap();
    (out, fs::read_to_string(&output_file).unwrap_or_default())
}

/// A PATH with the usual tools (no cargo) and a fake `cargo` running `script`.
fn path_with_cargo(dir: &Path, cache: &Path, script: &str) -> PathBuf {
    let with_cargo = dir.join("bin-with-cargo");
    fs::create_dir_all(&with_cargo).unwrap();
    for entry in fs::read_dir(path_without_cargo(cache)).unwrap() {
        let entry = entry.unwrap();
        std::os::unix::fs::symlink(fs::read_link(entry.path()).unwrap(), with_cargo.join(entry.file_name())).unwrap();
    }
    fs::write(with_cargo.join("cargo"), script).unwrap();
    make_executable(&with_cargo.join("cargo"));
    with_cargo
}

/// One `key=value` line of install.sh's `$GITHUB_OUTPUT`.
fn output_value(outputs: &str, key: &str) -> Option<String> {
    outputs.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix('=')).map(str::to_owned)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_verified_download_installs_and_is_cached() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let server = serve(vec![(asset.clone(), binary.clone())]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();

    let (out, outputs) = install(&action, &cache, "X64", &server.url);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("downloaded, sha256 verified"), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("selftest on this runner: {}", verdict_digest())), "{}", stderr(&out));
    let installed = output_value(&outputs, "binary").expect("binary= output");
    assert_eq!(output_value(&outputs, "sha256").as_deref(), Some(hex(&Sha256::digest(&binary)).as_str()));
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
    let binary = fs::read(crate::common::binary()).unwrap();
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
    assert!(stderr(&out).contains("install Rust on the runner"), "{}", stderr(&out));
}

#[test]
fn a_web_page_instead_of_the_asset_is_a_missing_source_not_an_altered_download() {
    // An instance that requires signing in answers a release URL with its login page (after a
    // redirect, 200 and HTML). That source does not have the asset for us; nothing was altered.
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let page = b"<!DOCTYPE html><html><body>Sign In</body></html>".to_vec();
    let server = serve(vec![(asset, page)]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let started = std::time::Instant::now();
    let (out, outputs) = install(&action, &cache, "X64", &server.url);
    let err = stderr(&out);
    assert!(!out.status.success() && outputs.is_empty(), "{err}");
    assert!(err.contains("not the asset") && err.contains("signing in"), "{err}");
    assert!(!err.contains("checksum mismatch") && !err.contains("altered"), "{err}");
    assert!(err.contains("cannot download"), "it says what it tried:\n{err}");
    assert!(started.elapsed().as_secs() < 20, "gave up in {:?}", started.elapsed());
}

#[test]
fn a_wrong_checksum_list_never_lets_the_genuine_binary_run() {
    // The asset on the server is the real one; the list committed at the tag is wrong in some
    // way. install.sh must refuse (or find no checksum), never run or cache the binary.
    let binary = fs::read(crate::common::binary()).unwrap();
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
        assert!(err.contains("checksum mismatch") || err.contains("is not a release"), "list {list:?}:\n{err}");
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
        stderr(&out).contains("is not a release")
            && stderr(&out).contains("uses: OWNER/gitea-gate@v1")
            && stderr(&out).contains("GITEA_GATE_BUILD_FROM_SOURCE=true"),
        "{}",
        stderr(&out)
    );
}

/// A stand-in for a swapped binary: it records that it ran, and what token it was handed, in
/// `marker` — what an attacker's file in the shared tool cache would do.
fn impostor(marker: &Path) -> Vec<u8> {
    format!(
        "#!/bin/bash\n{{ echo impostor ran; env | grep -i token; }} >>'{}'\necho 'gitea-gate trust: PASS (impostor)'\n",
        marker.display()
    )
    .into_bytes()
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// The gate step of the action: run.sh with the install step's outputs and a token.
fn gate_step(outputs: &str) -> Output {
    let binary = output_value(outputs, "binary").expect("binary= output");
    let mut command = Command::new("bash");
    command
        .arg(repo_root().join("scripts/action/run.sh"))
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("GATE_BINARY", binary)
        .env("GATE_CHECK", "trust")
        .env("GATE_TOKEN", "s3cret-token")
        .env("GATE_TOKEN_NAME", "SOP_TIER_CHECK_TOKEN")
        .env("GATE_FORMAT", "human")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_EVENT_PATH", repo_root().join("tests/events/push.json"));
    if let Some(sha) = output_value(outputs, "sha256") {
        command.env("GATE_BINARY_SHA256", sha);
    }
    command.output().unwrap()
}

#[test]
fn a_binary_swapped_in_the_shared_tool_cache_after_install_never_runs() {
    // Host-mode runners share the tool cache: another job can replace the cached file after this
    // job's install step verified it and before its gate step runs it with the token.
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let server = serve(vec![(asset.clone(), binary.clone())]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let cached = cache.join(format!("gitea-gate/{}/x86_64/gitea-gate", version()));
    let marker = dir.path().join("impostor-ran");

    // Two installs: one that downloads (and fills the cache), one that finds the cached copy.
    for how in ["downloaded", "cached"] {
        let (out, outputs) = install(&action, &cache, "amd64", &server.url);
        assert!(out.status.success() && stderr(&out).contains(how), "{}", stderr(&out));
        let installed = PathBuf::from(output_value(&outputs, "binary").unwrap());
        assert!(cached.exists(), "the verified download is cached for the next job");
        assert!(
            installed.starts_with(runner_temp(&cache)),
            "{how}: the binary that runs is a private copy under RUNNER_TEMP, not {}",
            installed.display()
        );
        let private = installed.parent().unwrap();
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(private).unwrap().permissions().mode() & 0o777, 0o700, "{}", private.display());
        assert_eq!(fs::read(&installed).unwrap(), binary, "{how}: the copy is the genuine binary");

        // Between the steps, another job swaps the cached file: in place, and by a rename.
        fs::write(&cached, impostor(&marker)).unwrap();
        make_executable(&cached);
        let run = gate_step(&outputs);
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(!marker.exists(), "{how}: the impostor ran and saw: {}", fs::read_to_string(&marker).unwrap());
        assert!(stdout.contains("gitea-gate trust: PASS (trusted run)"), "{how}: the genuine binary ran:\n{stdout}");
        assert!(!stdout.contains("impostor"), "{stdout}");

        let swapped = cache.join("swapped");
        fs::write(&swapped, impostor(&marker)).unwrap();
        make_executable(&swapped);
        fs::rename(&swapped, &cached).unwrap();
        let run = gate_step(&outputs);
        assert!(!marker.exists(), "{how}: the renamed-in impostor ran");
        assert!(String::from_utf8_lossy(&run.stdout).contains("PASS (trusted run)"));
        // Put the genuine file back for the next (cached) install; a swapped cache is refused.
        let (out, outputs) = install(&action, &cache, "amd64", &format!("{}/missing", server.url));
        assert!(!out.status.success() && outputs.is_empty(), "a swapped cache is never reported");
        assert!(stderr(&out).contains("does not match"), "{}", stderr(&out));
        assert!(!marker.exists());
        fs::write(&cached, &binary).unwrap();
        make_executable(&cached);
    }
}

#[test]
fn run_sh_refuses_a_private_copy_that_changed_after_install() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("impostor-ran");
    let copy = dir.path().join("gitea-gate");
    fs::write(&copy, impostor(&marker)).unwrap();
    make_executable(&copy);
    let outputs = format!("binary={}\nsha256={}\n", copy.display(), hex(&Sha256::digest(b"the genuine binary")));
    let run = gate_step(&outputs);
    assert_eq!(run.status.code(), Some(3), "{}", stderr(&run));
    assert!(stderr(&run).contains("changed after it was verified"), "{}", stderr(&run));
    assert!(!marker.exists(), "the changed copy must not run");
}

#[test]
fn the_source_build_fallback_uses_a_private_target_directory() {
    // An unreleased checkout (no checksum, no VERDICTS): install.sh builds the binary and the
    // build tool that attaches the guest's machine code. A stand-in cargo records where (its
    // stand-in tool copies the binary); the built binary's selftest must still succeed.
    let dir = tempfile::tempdir().unwrap();
    let action = action_checkout(dir.path(), &[]);
    fs::remove_file(action.join("release/VERDICTS")).unwrap();
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let record = dir.path().join("cargo-args");
    let with_cargo = path_with_cargo(
        dir.path(),
        &cache,
        &format!(
            "#!/bin/bash\nprintf '%s\\n' \"$@\" >'{}'\nwhile [[ $# -gt 0 ]]; do [[ $1 == --target-dir ]] && t=$2; shift; done\n\
             mkdir -p \"$t/release\" && printf '#!/bin/bash\\necho built\\n' >\"$t/release/gitea-gate\" && chmod +x \"$t/release/gitea-gate\"\n\
             printf '#!/bin/bash\\n[[ $1 == attach ]] || exit 0\\nbin=$2; while [[ $# -gt 0 ]]; do [[ $1 == --out ]] && o=$2; shift; done; cp \"$bin\" \"$o\"\\n' \
               >\"$t/release/xtask\" && chmod +x \"$t/release/xtask\"\n",
            record.display()
        ),
    );

    // Never unasked: an unreleased checkout stops, saying how to ask for the build.
    let (out, _) = install_with_path(&action, &cache, "X64", "http://127.0.0.1:9/dl", &with_cargo);
    assert!(!out.status.success() && stderr(&out).contains("GITEA_GATE_BUILD_FROM_SOURCE=true"), "{}", stderr(&out));
    assert!(!record.exists(), "cargo ran unasked");
    let (out, outputs) = install_asking(&action, &cache, "X64", "http://127.0.0.1:9/dl", &with_cargo, true);
    assert!(out.status.success(), "{}", stderr(&out));
    let args = fs::read_to_string(&record).unwrap();
    let target = PathBuf::from(args.lines().skip_while(|l| *l != "--target-dir").nth(1).expect("--target-dir"));
    assert!(target.starts_with(runner_temp(&cache)), "the build's target directory is private: {}", target.display());
    assert!(!target.starts_with(&cache), "never the shared tool cache: {}", target.display());
    use std::os::unix::fs::PermissionsExt;
    let private = target.parent().unwrap();
    assert_eq!(fs::metadata(private).unwrap().permissions().mode() & 0o777, 0o700);
    assert!(args.lines().any(|a| a == "xtask"), "the build tool is built too: {args}");
    let installed = PathBuf::from(output_value(&outputs, "binary").unwrap());
    assert!(installed.starts_with(private), "{}", installed.display());
    assert!(output_value(&outputs, "sha256").is_some_and(|s| s.len() == 64));
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
    // `waivable-by` (separated like `teams`) and `rule`: the approvals gate as a waivable rule.
    let out = run_sh(&[
        ("GATE_CHECK", "approvals"),
        ("GATE_TOKEN_NAME", "SOP_TIER_CHECK_TOKEN"),
        ("GATE_TEAMS", "acme/security"),
        ("GATE_WAIVABLE_BY", "acme/leads,\n30"),
        ("GATE_RULE", "security"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap(),
        "<--format><github><approvals><--token-env><SOP_TIER_CHECK_TOKEN><--team><acme/security><--min><1>\
         <--waivable-by><acme/leads><--waivable-by><30><--rule><security>"
    );

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

/// `request-reviews` becomes `--request-reviews` for the approvals and policy gates, and is refused elsewhere
/// rather than silently ignored.
#[test]
fn request_reviews_is_the_approvals_and_policy_gates() {
    let policy = [("GATE_CHECK", "policy"), ("GATE_CONFIG", ".gitea/policy.yml"), ("GATE_REQUEST_REVIEWS", "true")];
    let out = run_sh(&policy);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap(),
        "<--format><github><policy><--token-env><GITEA_GATE_TOKEN><--request-reviews><--config><.gitea/policy.yml>"
    );
    let out = run_sh(&[("GATE_CHECK", "policy"), ("GATE_CONFIG", "p.yml"), ("GATE_REQUEST_REVIEWS", "false")]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("--request-reviews"));
    let out = run_sh(&[("GATE_CHECK", "approvals"), ("GATE_TEAMS", "acme/qa"), ("GATE_REQUEST_REVIEWS", "true")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("<approvals><--token-env><GITEA_GATE_TOKEN><--request-reviews>")
    );
    let out = run_sh(&[("GATE_CHECK", "checklist"), ("GATE_CONFIG", "c.json"), ("GATE_REQUEST_REVIEWS", "true")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("request-reviews applies to check: approvals or policy only")
    );
    let out = run_sh(&[("GATE_CHECK", "policy"), ("GATE_CONFIG", "p.yml"), ("GATE_REQUEST_REVIEWS", "maybe")]);
    assert_eq!(out.status.code(), Some(2), "not a boolean");
}

#[test]
fn keep_across_base_merges_is_the_approvals_and_policy_gates() {
    let first_line =
        |out: &std::process::Output| String::from_utf8_lossy(&out.stdout).lines().next().unwrap().to_owned();
    let keep = ("GATE_KEEP_ACROSS_BASE_MERGES", "true");
    let out = run_sh(&[("GATE_CHECK", "approvals"), ("GATE_TEAMS", "acme/qa"), keep]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        first_line(&out),
        "<--format><github><approvals><--token-env><GITEA_GATE_TOKEN><--keep-across-base-merges><--team><acme/qa><--min><1>"
    );
    let out = run_sh(&[("GATE_CHECK", "policy"), ("GATE_CONFIG", "p.yml"), keep]);
    assert!(first_line(&out).contains("<--keep-across-base-merges>"), "{}", first_line(&out));
    let out = run_sh(&[("GATE_CHECK", "policy"), ("GATE_CONFIG", "p.yml"), ("GATE_KEEP_ACROSS_BASE_MERGES", "false")]);
    assert!(!first_line(&out).contains("--keep-across-base-merges"));
    let out = run_sh(&[("GATE_CHECK", "checklist"), ("GATE_CONFIG", "c.json"), keep]);
    assert_eq!(out.status.code(), Some(2), "the checklist counts acks, not approvals");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("keep-across-base-merges applies to check: approvals or policy")
    );
    let out =
        run_sh(&[("GATE_CHECK", "approvals"), ("GATE_TEAMS", "acme/qa"), ("GATE_KEEP_ACROSS_BASE_MERGES", "maybe")]);
    assert_eq!(out.status.code(), Some(2), "not a boolean");
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

#[test]
fn action_yml_never_interpolates_into_run() {
    // `${{ }}` inside `run:` is pasted into the script before bash reads it: an input or an
    // output (PR titles, logins, paths) would become code. Values travel through env: only.
    let text = fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let mut run_indent: Option<usize> = None;
    let mut runs = 0;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        if let Some(block) = run_indent {
            if line.trim().is_empty() || indent > block {
                assert!(!line.contains("${{"), "an expression inside a run: block: {line}");
                continue;
            }
            run_indent = None;
        }
        let trimmed = line.trim_start().trim_start_matches("- ");
        if let Some(script) = trimmed.strip_prefix("run:") {
            runs += 1;
            assert!(!script.contains("${{"), "an expression inside run: {line}");
            if matches!(script.trim(), "|" | ">" | "|-" | ">-") {
                run_indent = Some(indent);
            }
        }
    }
    assert_eq!(runs, 3, "every step of the composite action was checked");
}

/// install.sh with the runner's variables in `envs` (no GITEA_GATE_DOWNLOAD_URL unless given),
/// `args` after the script, and no cargo on PATH.
fn install_env(action: &Path, cache: &Path, args: &[&str], envs: &[(&str, &str)]) -> (Output, String) {
    let output_file = cache.join("github_output");
    let _ = fs::remove_file(&output_file);
    let mut command = Command::new("bash");
    command
        .arg(action.join("scripts/install.sh"))
        .args(args)
        .env_clear()
        .env("PATH", path_without_cargo(cache))
        .env("HOME", cache)
        .env("RUNNER_TEMP", runner_temp(cache))
        .env("GITHUB_ACTION_PATH", action)
        .env("RUNNER_ARCH", "X64")
        .env("RUNNER_TOOL_CACHE", cache)
        .env("GITHUB_OUTPUT", &output_file);
    for (key, value) in envs {
        command.env(key, value);
    }
    let out = command.output().unwrap();
    (out, fs::read_to_string(&output_file).unwrap_or_default())
}

/// Give the action checkout an origin remote, as the runner's clone of the action has.
fn set_origin(action: &Path, url: &str) {
    fs::create_dir_all(action.join(".git")).unwrap();
    fs::write(action.join(".git/config"), format!("[core]\n\tbare = false\n[remote \"origin\"]\n\turl = {url}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n"))
        .unwrap();
}

/// A stand-in release binary whose `selftest` prints `digest` and logs each run to `marker`.
fn selftest_stub(marker: &Path, digest: &str) -> Vec<u8> {
    format!("#!/bin/bash\necho \"$1\" >>'{}'\necho 'gitea-gate selftest: stub'\necho '{digest}'\n", marker.display())
        .into_bytes()
}

#[test]
fn a_download_whose_selftest_digest_differs_from_release_verdicts_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let wrong = "verdict digest: 0000000000000000000000000000000000000000000000000000000000000000";
    let binary = selftest_stub(&marker, wrong);
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let server = serve(vec![(asset.clone(), binary)]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();

    let (out, outputs) = install(&action, &cache, "X64", &server.url);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(outputs.is_empty(), "no binary= output: {outputs}");
    assert!(
        err.contains(&format!("refusing {asset}")) && err.contains(wrong) && err.contains(&verdict_digest()),
        "{err}"
    );
    assert_eq!(fs::read_to_string(&marker).unwrap(), "selftest\n", "selftest ran once, on the runner");
    assert!(!cache.join(format!("gitea-gate/{}/x86_64/gitea-gate", version())).exists(), "never cached");

    // A selftest that fails outright is refused as well.
    let failing = b"#!/bin/bash\necho 'verdict mismatch' >&2\nexit 1\n".to_vec();
    let action = action_checkout(dir.path(), &[(&asset, &failing)]);
    let server = serve(vec![(asset.clone(), failing)]);
    let (out, outputs) = install(&action, &cache, "X64", &server.url);
    assert!(!out.status.success() && outputs.is_empty(), "{}", stderr(&out));
    assert!(stderr(&out).contains("selftest failed on this runner"), "{}", stderr(&out));
}

#[test]
fn the_right_selftest_digest_installs_and_a_verified_cache_hit_does_not_rerun_it() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let binary = selftest_stub(&marker, &verdict_digest());
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let server = serve(vec![(asset.clone(), binary)]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();

    let (out, outputs) = install(&action, &cache, "X64", &server.url);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(output_value(&outputs, "binary").is_some());
    assert!(stderr(&out).contains("(equals release/VERDICTS)"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&marker).unwrap(), "selftest\n");

    let (out, _) = install(&action, &cache, "X64", &server.url);
    assert!(out.status.success() && stderr(&out).contains("cached, sha256 verified"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&marker).unwrap(), "selftest\n", "a verified cache hit does not run selftest again");
}

#[test]
fn a_plain_uses_downloads_from_the_github_origin_the_runner_cloned() {
    // `uses: acme/gitea-gate@v1` under Gitea's default DEFAULT_ACTIONS_URL: cloned from github.com.
    let dir = tempfile::tempdir().unwrap();
    let action = action_checkout(dir.path(), &[]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let runner = [("GITHUB_SERVER_URL", "https://gitea.example.com"), ("GITHUB_ACTION_REPOSITORY", "acme/gitea-gate")];
    let v = version();
    for remote in [
        "https://github.com/acme/gitea-gate",
        "https://github.com/acme/gitea-gate.git",
        "git@github.com:acme/gitea-gate.git",
        "ssh://git@github.com/acme/gitea-gate.git",
        "https://x-access-token:ghs_s3cret@github.com/acme/gitea-gate",
    ] {
        set_origin(&action, remote);
        let (out, _) = install_env(&action, &cache, &["--print-sources"], &runner);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!(
                "https://gitea.example.com/acme/gitea-gate/releases/download/v{v}\n\
                 https://gitea.example.com/api/packages/acme/generic/gitea-gate/{v}\n\
                 https://github.com/acme/gitea-gate/releases/download/v{v}\n"
            ),
            "remote {remote}: the instance first, then the origin"
        );
    }
    // No origin remote at all (an older runner): the Gitea instance alone.
    fs::remove_dir_all(action.join(".git")).unwrap();
    let (out, _) = install_env(&action, &cache, &["--print-sources"], &runner);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "https://gitea.example.com/acme/gitea-gate/releases/download/v{v}\n\
             https://gitea.example.com/api/packages/acme/generic/gitea-gate/{v}\n"
        )
    );
    // `uses: https://gitea.example.com/acme/gitea-gate@v1`: the origin is the instance's release,
    // listed once.
    set_origin(&action, "https://gitea.example.com/acme/gitea-gate.git");
    let (out, _) = install_env(&action, &cache, &["--print-sources"], &runner);
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2, "{}", String::from_utf8_lossy(&out.stdout));
}

/// forgejo-runner checks each action ref out as a git worktree of one cached clone: `.git` is a
/// file pointing into the clone's `worktrees/`, and the origin lives in the clone's config.
#[test]
fn a_forgejo_runner_worktree_checkout_still_names_its_origin() {
    let dir = tempfile::tempdir().unwrap();
    let action = action_checkout(dir.path(), &[]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let v = version();
    let clone = dir.path().join("actions-cache/acme-gitea-gate.git");
    let worktree_dir = clone.join("worktrees/v1");
    fs::create_dir_all(&worktree_dir).unwrap();
    fs::write(
        clone.join("config"),
        "[core]\n\tbare = true\n[remote \"origin\"]\n\turl = https://code.example.org/acme/gitea-gate.git\n",
    )
    .unwrap();
    fs::write(worktree_dir.join("commondir"), "../..\n").unwrap();
    let runner =
        [("GITHUB_SERVER_URL", "https://forgejo.example.com"), ("GITHUB_ACTION_REPOSITORY", "acme/gitea-gate")];
    let expected = format!(
        "https://forgejo.example.com/acme/gitea-gate/releases/download/v{v}\n\
         https://forgejo.example.com/api/packages/acme/generic/gitea-gate/{v}\n\
         https://code.example.org/acme/gitea-gate/releases/download/v{v}\n"
    );
    // `gitdir:` absolute, and relative to the checkout.
    for gitdir in [worktree_dir.display().to_string(), "../actions-cache/acme-gitea-gate.git/worktrees/v1".to_owned()] {
        let _ = fs::remove_dir_all(action.join(".git"));
        fs::write(action.join(".git"), format!("gitdir: {gitdir}\n")).unwrap();
        let (out, _) = install_env(&action, &cache, &["--print-sources"], &runner);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected, "gitdir {gitdir}");
    }
}

#[test]
fn a_uses_with_a_host_downloads_from_that_host_without_its_credentials() {
    // `uses: https://HOST/acme/gitea-gate@v1`: the runner cloned from HOST, whose release serves the
    // asset; the Gitea running the job (GITHUB_SERVER_URL) has none.
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let server = serve(vec![(asset.clone(), binary)]);
    let host = server.url.trim_end_matches("/dl").trim_start_matches("http://").to_owned();
    set_origin(&action, &format!("http://bot:hunter2@{host}/acme/gitea-gate.git"));
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();

    let (out, outputs) = install_env(
        &action,
        &cache,
        &[],
        &[("GITHUB_SERVER_URL", "http://127.0.0.1:9"), ("GITHUB_ACTION_REPOSITORY", "acme/gitea-gate")],
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(output_value(&outputs, "binary").is_some());
    assert_eq!(
        *server.asked.lock().unwrap(),
        vec![format!("/acme/gitea-gate/releases/download/v{}/{asset}", version())]
    );
    assert!(!err.contains("hunter2") && !err.contains("bot:"), "credentials never printed:\n{err}");
}

#[test]
fn the_download_url_is_tried_first_and_a_runner_without_cargo_names_every_source_and_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    set_origin(&action, "http://127.0.0.1:9/acme/gitea-gate");
    let server = serve(vec![(asset.clone(), binary)]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let runner = [("GITHUB_SERVER_URL", "http://127.0.0.1:9/gitea"), ("GITHUB_ACTION_REPOSITORY", "acme/gitea-gate")];
    let v = version();

    // The mirror first (the action input wins over the environment variable), then the rest.
    let mut with_mirror = runner.to_vec();
    with_mirror.push(("GITEA_GATE_DOWNLOAD_URL", "http://127.0.0.1:9/not-this-one"));
    with_mirror.push(("GATE_DOWNLOAD_URL", &server.url));
    let (out, _) = install_env(&action, &cache, &["--print-sources"], &with_mirror);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{}\nhttp://127.0.0.1:9/gitea/acme/gitea-gate/releases/download/v{v}\n\
             http://127.0.0.1:9/gitea/api/packages/acme/generic/gitea-gate/{v}\n\
             http://127.0.0.1:9/acme/gitea-gate/releases/download/v{v}\n",
            server.url
        )
    );
    let (out, outputs) = install_env(&action, &cache, &[], &with_mirror);
    assert!(out.status.success() && output_value(&outputs, "binary").is_some(), "{}", stderr(&out));
    assert_eq!(*server.asked.lock().unwrap(), vec![format!("/dl/{asset}")]);

    // Every source fails (nothing listens on port 9), and there is no cargo: the error lists each
    // source with what it answered, within seconds, and says what to do.
    let fresh = dir.path().join("cache2");
    fs::create_dir_all(&fresh).unwrap();
    let started = std::time::Instant::now();
    let (out, outputs) = install_env(&action, &fresh, &[], &runner);
    let err = stderr(&out);
    assert!(!out.status.success() && outputs.is_empty(), "{err}");
    assert!(started.elapsed().as_secs() < 30, "an offline runner waited {:?}", started.elapsed());
    for url in [
        format!("http://127.0.0.1:9/gitea/acme/gitea-gate/releases/download/v{v}/{asset}: no answer"),
        format!("http://127.0.0.1:9/gitea/api/packages/acme/generic/gitea-gate/{v}/{asset}: no answer"),
        format!("http://127.0.0.1:9/acme/gitea-gate/releases/download/v{v}/{asset}: no answer"),
    ] {
        assert!(err.lines().any(|l| l.trim_start().starts_with(&url)), "{url} in:\n{err}");
    }
    let last = err.lines().last().unwrap_or_default();
    assert!(last.contains("download-url") && last.contains("GITEA_GATE_DOWNLOAD_URL"), "{last}");
    assert!(last.contains("generic package registry"), "{last}");
}

/// A mirror that stalls and an instance that redirects to its sign-in page are "not there": the
/// install moves on within seconds, never calls either an altered download, and takes the asset
/// from the origin.
#[test]
fn a_stalled_mirror_and_a_sign_in_redirect_are_skipped_within_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let origin = serve(vec![(asset.clone(), binary)]);
    set_origin(&action, &format!("{}/acme/gitea-gate.git", origin.root()));
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let stalled = release_server::hanging();
    let instance = release_server::login_redirect();
    let runner = [
        ("GATE_DOWNLOAD_URL", stalled.as_str()),
        ("GITHUB_SERVER_URL", instance.as_str()),
        ("GITHUB_ACTION_REPOSITORY", "acme/gitea-gate"),
    ];
    let started = std::time::Instant::now();
    let (out, outputs) = install_env(&action, &cache, &[], &runner);
    let took = started.elapsed();
    let err = stderr(&out);
    assert!(out.status.success() && output_value(&outputs, "binary").is_some(), "{err}");
    assert!(took.as_secs() < 30, "the stalled mirror held the install for {took:?}:\n{err}");
    assert!(err.contains(&format!("{stalled}: no answer")), "{err}");
    assert!(err.contains("a web page") && err.contains("/user/login") && err.contains("signing in"), "{err}");
    assert!(!err.contains("altered") && !err.contains("checksum mismatch"), "{err}");
    assert_eq!(origin.asked.lock().unwrap().len(), 1, "the origin served it");
}

/// The instance's own sources get the install token (a private action repository there), in
/// their order: its release of the action, then its generic package registry. The origin on
/// another host never sees it.
#[test]
fn the_install_token_goes_to_the_instance_only_and_its_package_registry_is_a_source() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let token = "install-token-0123456789";
    let instance = release_server::serve_where(vec![(asset.clone(), binary.clone())], |p| p.contains("/api/packages/"));
    let origin = serve(vec![(asset.clone(), binary.clone())]);
    set_origin(&action, &format!("{}/acme/gitea-gate.git", origin.root()));
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let runner = [
        ("GITHUB_SERVER_URL", instance.root()),
        ("GITHUB_ACTION_REPOSITORY", "acme/gitea-gate".to_owned()),
        ("GITEA_GATE_INSTALL_TOKEN", token.to_owned()),
    ];
    let runner: Vec<(&str, &str)> = runner.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (out, outputs) = install_env(&action, &cache, &[], &runner);
    let err = stderr(&out);
    assert!(out.status.success() && output_value(&outputs, "binary").is_some(), "{err}");
    let v = version();
    let expected = vec![
        (format!("/acme/gitea-gate/releases/download/v{v}/{asset}"), Some(format!("token {token}"))),
        (format!("/api/packages/acme/generic/gitea-gate/{v}/{asset}"), Some(format!("token {token}"))),
    ];
    assert_eq!(*instance.authorization.lock().unwrap(), expected);
    assert!(origin.asked.lock().unwrap().is_empty(), "the instance had it");
    assert!(err.contains("HTTP 404 (not there)"), "{err}");
    assert!(!err.contains(token), "{err}");

    // The instance has nothing: the origin, on another host, is asked without the token.
    let empty = release_server::serve_where(vec![], |_| false);
    let runner = [
        ("GITHUB_SERVER_URL", empty.root()),
        ("GITHUB_ACTION_REPOSITORY", "acme/gitea-gate".to_owned()),
        ("GITEA_GATE_INSTALL_TOKEN", token.to_owned()),
    ];
    let runner: Vec<(&str, &str)> = runner.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let fresh = dir.path().join("cache2");
    fs::create_dir_all(&fresh).unwrap();
    let (out, _) = install_env(&action, &fresh, &[], &runner);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(empty.authorization.lock().unwrap().iter().all(|(_, auth)| auth.is_some()));
    assert_eq!(
        *origin.authorization.lock().unwrap(),
        vec![(format!("/acme/gitea-gate/releases/download/v{v}/{asset}"), None)]
    );
}

/// The `binary` input: a binary installed on the runner beforehand is used only if it is the
/// release's, byte for byte, and decides as the release did.
#[test]
fn a_preinstalled_binary_is_used_only_when_it_is_the_release_s() {
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let installed = dir.path().join("opt-gitea-gate");
    fs::write(&installed, &binary).unwrap();
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let path = installed.to_str().unwrap();

    let (out, outputs) = install_env(&action, &cache, &[], &[("GATE_BINARY_PATH", path)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pre-installed") && stderr(&out).contains("selftest digest verified"),
        "{}",
        stderr(&out)
    );
    let used = output_value(&outputs, "binary").unwrap();
    assert_ne!(used, path, "a private copy runs, not the shared file");

    // Another binary at that path: refused, naming both digests.
    fs::write(&installed, b"#!/bin/sh\necho pass\n").unwrap();
    let (out, outputs) = install_env(&action, &cache, &[], &[("GITEA_GATE_BINARY", path)]);
    assert!(!out.status.success() && outputs.is_empty(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not the release's") && stderr(&out).contains("release/SHA256SUMS"),
        "{}",
        stderr(&out)
    );
    let (out, _) = install_env(&action, &cache, &[], &[("GITEA_GATE_BINARY", "/nonexistent/gitea-gate")]);
    assert!(!out.status.success() && stderr(&out).contains("there is no file at"), "{}", stderr(&out));
}

#[test]
fn the_committed_checksum_list_names_exactly_the_assets_install_sh_asks_for() {
    // The names install.sh downloads, at the version in Cargo.toml.
    let out = Command::new("bash").arg(repo_root().join("scripts/install.sh")).arg("--print-assets").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut wanted: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect();
    wanted.sort();
    let v = version();
    assert_eq!(wanted, [format!("gitea-gate-{v}-aarch64-linux"), format!("gitea-gate-{v}-x86_64-linux")]);

    // `xtask release` writes dist/ files under the same names and lists them in sha256sum's format.
    let release = fs::read_to_string(repo_root().join("scripts/xtask/src/release/mod.rs")).unwrap();
    assert!(
        release.contains(r#"format!("gitea-gate-{version}-{arch}-linux")"#),
        "xtask release names its assets differently"
    );
    let dist = tempfile::tempdir().unwrap();
    for arch in ["x86_64", "aarch64"] {
        fs::write(dist.path().join(format!("gitea-gate-{v}-{arch}-linux")), arch).unwrap();
    }
    let listed = Command::new("bash")
        .arg("-c")
        .arg(format!("cd '{}' && sha256sum gitea-gate-{v}-*-linux | sort -k2", dist.path().display()))
        .output()
        .unwrap();
    assert_eq!(names_in(&String::from_utf8_lossy(&listed.stdout)), wanted);

    // The committed list, once a release has been cut. Between releases main's version is a
    // pre-release (`0.2.0-dev`): the list still describes the last release, never this version,
    // so install.sh builds main from source rather than run the last release's binary for it.
    let committed = repo_root().join("release/SHA256SUMS");
    if v.contains('-') {
        let list = fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            !list.contains(&format!("gitea-gate-{v}-")),
            "a pre-release version {v} has no release assets; release/SHA256SUMS must not list it"
        );
    } else if let Ok(list) = fs::read_to_string(&committed) {
        assert_eq!(
            names_in(&list),
            wanted,
            "release/SHA256SUMS must name exactly the assets install.sh asks for at version {v}: re-run \
             xtask release all after changing the version"
        );
        for line in list.lines() {
            let sum = line.split_whitespace().next().unwrap_or_default();
            assert!(sum.len() == 64 && sum.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)), "{line}");
        }
        let verdicts =
            fs::read_to_string(repo_root().join("release/VERDICTS")).expect("release/VERDICTS beside SHA256SUMS");
        let line = verdicts.lines().next().unwrap_or_default();
        assert!(line.strip_prefix("verdict digest: ").is_some_and(|d| d.len() == 64), "release/VERDICTS: {verdicts:?}");
    }
}

/// The asset names of a sha256sum-format list, sorted.
fn names_in(list: &str) -> Vec<String> {
    let mut names: Vec<String> = list
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|n| n.trim_start_matches('*').to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_output_a_gate_writes_is_declared_in_action_yml() {
    // Without a declaration, `steps.<id>.outputs.<name>` is empty in the workflow.
    let declared = common::declared_outputs();
    let mut written: std::collections::BTreeSet<String> =
        ["verdict", "trust", "reason"].iter().map(|k| (*k).to_owned()).collect();
    // Every guest verdict's outputs, over the whole golden corpus…
    for path in glob_verdicts() {
        let verdict: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
        if let Some(outputs) = verdict["outputs"].as_object() {
            written.extend(outputs.keys().cloned());
        }
    }
    // …and the sweep's own (host/src/commands/sweep.rs; cli_sweep checks what a sweep writes).
    written.extend(["pull-requests", "passed", "failed", "undecided"].map(str::to_owned));
    let missing: Vec<&String> = written.difference(&declared).collect();
    assert!(missing.is_empty(), "outputs written but not declared in action.yml: {missing:?}");
}

fn glob_verdicts() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for check in fs::read_dir(repo_root().join("tests/corpus")).unwrap() {
        for entry in fs::read_dir(check.unwrap().path()).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().ends_with(".verdict.json") {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn network_diff_and_link_inputs_become_flags() {
    let out = run_sh(&[
        ("GATE_CHECK", "policy"),
        ("GATE_CONFIG", ".gitea/policy.yml"),
        ("GATE_STATUS_CONTEXT", "review / policy"),
        ("GATE_TARGET_URL", "https://ci.example/run/7"),
        ("GATE_TIMEOUT", "5"),
        ("GATE_RETRIES", "0"),
        ("GATE_API_URL", "https://gitea.example/api/v1"),
        ("GATE_RECORD", "gate-record.json"),
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap(),
        "<--format><github><--record><gate-record.json><--timeout><5><--retries><0>\
         <--api-url><https://gitea.example/api/v1><policy>\
         <--token-env><GITEA_GATE_TOKEN><--config><.gitea/policy.yml><--status-context><review / policy>\
         <--target-url><https://ci.example/run/7>"
    );
    let out = run_sh(&[
        ("GATE_CHECK", "drift"),
        ("GATE_MANIFEST", "drift.json"),
        ("GATE_CONTEXT_LINES", "1"),
        ("GATE_MAX_DIFF_LINES", "40"),
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap(),
        "<--format><github><drift><--token-env><GITEA_GATE_TOKEN><--manifest><drift.json>\
         <--context-lines><1><--max-diff-lines><40>"
    );
    // A link without a status to carry it is a mistake in the workflow, said before anything runs.
    let out = run_sh(&[("GATE_CHECK", "policy"), ("GATE_CONFIG", "p.yml"), ("GATE_TARGET_URL", "https://x")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("target-url needs status-context"));
}

#[test]
fn a_released_version_whose_downloads_fail_builds_only_when_asked() {
    // Minutes of compiling (and not the release's bytes) are never a silent fallback for a
    // tagged release: it stops at once, naming what it tried and how to ask for a build.
    let dir = tempfile::tempdir().unwrap();
    let binary = fs::read(crate::common::binary()).unwrap();
    let asset = format!("gitea-gate-{}-x86_64-linux", version());
    let action = action_checkout(dir.path(), &[(&asset, &binary)]);
    let cache = dir.path().join("cache");
    fs::create_dir_all(&cache).unwrap();
    let called = dir.path().join("cargo-called");
    let with_cargo =
        path_with_cargo(dir.path(), &cache, &format!("#!/bin/bash\necho called >'{}'\nexit 1\n", called.display()));

    let (out, outputs) = install_with_path(&action, &cache, "X64", "http://127.0.0.1:9/dl", &with_cargo);
    let err = stderr(&out);
    assert!(!out.status.success() && outputs.is_empty(), "{err}");
    assert!(err.contains("GITEA_GATE_BUILD_FROM_SOURCE=true") && err.contains("tried:"), "{err}");
    assert!(!called.exists(), "cargo ran without being asked:\n{err}");

    let (out, _) = install_asking(&action, &cache, "X64", "http://127.0.0.1:9/dl", &with_cargo, true);
    assert!(called.exists(), "asked for, the build runs: {}", stderr(&out));
}

/// The inputs action.yml declares (two-space-indented keys of its `inputs:` block).
fn declared_inputs() -> std::collections::BTreeSet<String> {
    let text = fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let block = text.split("\ninputs:\n").nth(1).unwrap().split("\noutputs:").next().unwrap();
    block
        .lines()
        .filter_map(|l| l.strip_prefix("  ").filter(|r| !r.starts_with(' ')).and_then(|r| r.strip_suffix(':')))
        .map(str::to_owned)
        .collect()
}

/// The keys of every `with:` of a `uses: acme/gitea-gate@…` step in `yaml`, with the step's line.
fn gate_step_keys(yaml: &str) -> Vec<(String, Vec<String>)> {
    let lines: Vec<&str> = yaml.lines().collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut steps = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if !line.contains("uses: acme/gitea-gate@") {
            continue;
        }
        // The indent of the step's keys (`- uses:` puts the first key two columns in).
        let step = indent(line) + if line.trim_start().starts_with("- ") { 2 } else { 0 };
        let mut keys = Vec::new();
        let mut rest = lines[i + 1..].iter().take_while(|l| !l.trim().is_empty() && indent(l) >= step).peekable();
        while let Some(next) = rest.next() {
            if indent(next) != step || !next.trim().starts_with("with:") {
                continue;
            }
            if let Some(inline) = next.trim().strip_prefix("with: {").and_then(|r| r.strip_suffix('}')) {
                keys.extend(inline.split(", ").filter_map(|kv| kv.split_once(':')).map(|(k, _)| k.trim().to_owned()));
            }
            while let Some(key) = rest.next_if(|l| indent(l) > step) {
                keys.extend(key.trim().split_once(':').map(|(k, _)| k.to_owned()));
            }
        }
        steps.push((line.trim().to_owned(), keys));
    }
    steps
}

/// Every workflow the README shows uses only inputs action.yml declares and a gate that exists:
/// a user copying one gets a working step, not an input the action silently ignores.
#[test]
fn the_readme_s_workflows_use_only_declared_inputs_and_real_gates() {
    let readme = fs::read_to_string(repo_root().join("README.md")).unwrap();
    let declared = declared_inputs();
    assert!(declared.contains("check") && declared.contains("install-token"), "{declared:?}");
    let mut seen = 0;
    let mut gates = std::collections::BTreeSet::new();
    for block in readme.split("```yaml\n").skip(1).map(|b| b.split("```").next().unwrap_or("")) {
        for (step, keys) in gate_step_keys(block) {
            seen += 1;
            let unknown: Vec<&String> = keys.iter().filter(|k| !declared.contains(*k)).collect();
            assert!(unknown.is_empty(), "README step `{step}` uses undeclared inputs {unknown:?}");
            assert!(keys.iter().any(|k| k == "check"), "README step `{step}` names no gate");
        }
        gates.extend(block.lines().filter_map(|l| l.trim().strip_prefix("check: ")).map(str::to_owned));
    }
    assert!(seen >= 7, "the README's gate steps were found ({seen})");
    let known = ["trust", "drift", "pin", "approvals", "checklist", "policy"];
    assert!(gates.iter().all(|g| known.contains(&g.as_str())), "{gates:?}");
    for gate in ["approvals", "checklist", "policy", "drift", "trust"] {
        assert!(gates.contains(gate), "the README has no complete workflow for {gate}");
    }
}
