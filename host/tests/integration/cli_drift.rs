//! `gitea-gate drift`, black-box, against the fake Gitea: a synced providers.yaml
//! and everything that must never turn into a pass.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;

use std::fs;
use std::time::Duration;

use common::{assert_no_injected_commands, event, gitea_gate, run};
use fake_gitea::faults::FaultKind;
use fake_gitea::{FakeGitea, Fixture};
use serde_json::json;

const MAIN: &str = "5d41402abc4b2a76b9719d911017c592ae8f1b2c";
const OLD: &str = "7d793037a0760186574b0282f2f435e7e0e1d2c3";
const BIG_SEED: u64 = 42;
const BIG_SIZE: u64 = 11 << 20;
const PROVIDERS: &str = "providers:\n  - name: openai\n    region: us\n  - name: mistral\n    region: eu\n";
const TOKEN: &str = "pat-sync-bot-0123456789";

fn fixture() -> Fixture {
    serde_json::from_value(json!({
        "users": [{"login": "sync-bot", "id": 30}, {"login": "nobody", "id": 31}],
        "tokens": [
            {"token": TOKEN, "user": "sync-bot", "scopes": ["read:repository"]},
            {"token": "pat-no-scope", "user": "sync-bot", "scopes": ["read:issue"]},
            {"token": "pat-nobody", "user": "nobody", "scopes": ["all"]}
        ],
        "repos": [{
            "owner": "acme", "name": "controlplane", "id": 5, "private": true, "collaborators": {"sync-bot": "read"},
            "branches": {"main": MAIN, "release": OLD},
            "commits": [
                {"sha": MAIN, "files": {
                    "internal/providers/providers.yaml": {"text": PROVIDERS},
                    "config/limits.yaml": {"text": "limit: 10\n"},
                    "empty.txt": {"text": ""},
                    "big.txt": {"generated": {"size": BIG_SIZE, "seed": BIG_SEED}}}},
                {"sha": OLD, "files": {"internal/providers/providers.yaml": {"text": "providers: []\n"}}}
            ]
        }]
    }))
    .expect("fixture")
}

struct World {
    fake: FakeGitea,
    dir: tempfile::TempDir,
}

fn world() -> World {
    world_of(fixture())
}

fn world_of(fixture: Fixture) -> World {
    let fake = FakeGitea::start(fixture).expect("fake gitea");
    let dir = tempfile::tempdir().expect("tempdir");
    fs::create_dir_all(dir.path().join("internal/providers")).expect("mkdir");
    fs::write(dir.path().join("internal/providers/providers.yaml"), PROVIDERS).expect("write");
    World { fake, dir }
}

impl World {
    fn write(&self, path: &str, bytes: &[u8]) {
        let full = self.dir.path().join(path);
        fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        fs::write(full, bytes).expect("write");
    }

    /// `gitea-gate drift` in the scratch checkout, as a push run with the token set.
    fn drift(&self, args: &[&str]) -> common::Run {
        self.drift_as("push", "push", Some(TOKEN), args)
    }

    fn drift_as(&self, event_name: &str, payload: &str, token: Option<&str>, args: &[&str]) -> common::Run {
        let mut command = gitea_gate();
        command
            .current_dir(self.dir.path())
            .arg("drift")
            .args(["--token-env", "AUTO_SYNC_TOKEN", "--retries", "1", "--timeout", "2"])
            .args(args)
            .env("GITHUB_API_URL", self.fake.api_url())
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", event(payload))
            .env("GITHUB_REPOSITORY", "acme/core");
        if let Some(token) = token {
            command.env("AUTO_SYNC_TOKEN", token);
        }
        let run = run(command);
        assert!(
            !run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN),
            "the token leaked:\n{}{}",
            run.stdout,
            run.stderr
        );
        run
    }
}

const PROVIDERS_PAIR: [&str; 4] = [
    "--canonical",
    "acme/controlplane@main:internal/providers/providers.yaml",
    "--local",
    "internal/providers/providers.yaml",
];

#[test]
fn in_sync_passes() {
    let w = world();
    let run = w.drift(&PROVIDERS_PAIR);
    assert_eq!((run.code, run.output("verdict")), (0, "pass"), "{}{}", run.stdout, run.stderr);
    assert!(
        run.output("reason")
            .starts_with("files-identical: internal/providers/providers.yaml matches acme/controlplane@main")
    );
    assert_eq!(run.output("drifted"), "");
    // Fetched through /contents with the ref, never through /raw for a small file.
    let requests = w.fake.requests();
    assert!(requests.iter().any(|r| r.path.ends_with("/contents/internal/providers/providers.yaml")
        && r.query.get("ref").map(String::as_str) == Some("main")));
    assert!(requests.iter().all(|r| !r.path.contains("/raw/")));
    assert!(requests.iter().all(|r| r.caller.as_deref() == Some("sync-bot")));
}

#[test]
fn one_byte_per_line_drift_crlf_fails_with_the_facts() {
    let w = world();
    w.write("internal/providers/providers.yaml", PROVIDERS.replace('\n', "\r\n").as_bytes());
    let run = w.drift(&PROVIDERS_PAIR);
    assert_eq!((run.code, run.output("verdict")), (1, "fail"), "{}", run.stdout);
    assert_eq!(run.output("drifted"), "internal/providers/providers.yaml");
    let error = run.stdout.lines().find(|l| l.contains("error[file-drift]")).expect("drift line");
    for fact in ["canonical 76 bytes sha256", "local 81 bytes sha256", "line 1, column 11 (byte offset 10)"] {
        assert!(error.contains(fact), "missing {fact:?} in {error}");
    }
    assert!(run.stdout.contains("warning[line-endings-differ]"));
    assert!(
        run.stdout.contains("--- canonical: acme/controlplane@main:internal/providers/providers.yaml"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("+  - name: openai\\u{d}"), "CR made visible in the diff:\n{}", run.stdout);
}

#[test]
fn unknown_ref_never_passes_even_when_the_default_branch_matches() {
    // /raw?ref=no-such-branch would serve main's identical copy (docs/gitea.md §4.2).
    let w = world();
    let run = w.drift(&[
        "--canonical",
        "acme/controlplane@no-such-branch:internal/providers/providers.yaml",
        "--local",
        "internal/providers/providers.yaml",
    ]);
    assert_eq!((run.code, run.output("verdict")), (3, "error"), "{}", run.stdout);
    assert!(run.output("reason").starts_with("canonical-unavailable:"), "{}", run.output("reason"));
    assert!(
        run.output("reason").contains("contents/internal/providers/providers.yaml?ref=no-such-branch: HTTP 404"),
        "{}",
        run.output("reason")
    );
    assert!(w.fake.requests().iter().all(|r| !r.path.contains("/raw/")));
}

#[test]
fn missing_path_and_refused_tokens_are_exit_3_with_a_fix() {
    let w = world();
    let missing = w.drift(&[
        "--canonical",
        "acme/controlplane@main:no/such/file.yaml",
        "--local",
        "internal/providers/providers.yaml",
    ]);
    assert_eq!(missing.code, 3);
    assert!(
        missing.stdout.contains("HTTP 404")
            && missing.stdout.contains("Fix: the repository, ref or path does not exist"),
        "{}",
        missing.stdout
    );

    let bad_token = w.drift_as("push", "push", Some("not-a-token"), &PROVIDERS_PAIR);
    assert_eq!(bad_token.code, 3);
    assert!(
        bad_token.stdout.contains("HTTP 401") && bad_token.stdout.contains("AUTO_SYNC_TOKEN was rejected"),
        "{}",
        bad_token.stdout
    );
    // Forgejo 15 and later quote the rejected token in the 401 body (`access token does not
    // exist [sha: …]`, docs/gitea.md §16); the CLI tests run once more against that fake.
    let printed = format!("{}{}", bad_token.stdout, bad_token.stderr);
    assert!(!printed.contains("not-a-token"), "the rejected token was printed:\n{printed}");

    let no_scope = w.drift_as("push", "push", Some("pat-no-scope"), &PROVIDERS_PAIR);
    assert_eq!(no_scope.code, 3);
    assert!(no_scope.stdout.contains("HTTP 403") && no_scope.stdout.contains("read:repository"), "{}", no_scope.stdout);

    let invisible = w.drift_as("push", "push", Some("pat-nobody"), &PROVIDERS_PAIR);
    assert_eq!(invisible.code, 3, "a private repository the token cannot see is a 404, and never a pass");
}

#[test]
fn server_errors_are_retried_then_recover_or_fail_closed() {
    let w = world();
    w.fake.fault("/api/v1/repos/*/*/contents/**", Some(1), FaultKind::Status { status: 500, body: None });
    let recovered = w.drift(&PROVIDERS_PAIR);
    assert_eq!(recovered.code, 0, "{}{}", recovered.stdout, recovered.stderr);
    assert!(recovered.stderr.contains("HTTP 500") && recovered.stderr.contains("retry 1/1"), "{}", recovered.stderr);

    w.fake.fault("/api/v1/repos/*/*/contents/**", None, FaultKind::Status { status: 502, body: None });
    let broken = w.drift(&PROVIDERS_PAIR);
    assert_eq!(broken.code, 3);
    assert!(broken.stdout.contains("HTTP 502") && broken.stdout.contains("(after 2 attempts)"), "{}", broken.stdout);
}

#[test]
fn hangs_time_out_and_truncated_bodies_are_refused() {
    let w = world();
    w.fake.fault("/api/v1/repos/*/*/contents/**", None, FaultKind::Hang { ms: Some(20_000) });
    let hang = w.drift(&PROVIDERS_PAIR);
    assert_eq!(hang.code, 3, "{}", hang.stdout);
    assert!(hang.stdout.contains("timed out"), "{}", hang.stdout);
    assert!(hang.elapsed < Duration::from_secs(10), "bounded: {:?}", hang.elapsed);

    w.fake.clear_faults();
    w.fake.fault("/api/v1/repos/*/*/contents/**", None, FaultKind::Truncate);
    let truncated = w.drift(&PROVIDERS_PAIR);
    assert_eq!(truncated.code, 3, "{}", truncated.stdout);

    w.fake.clear_faults();
    w.fake.fault("/api/v1/repos/*/*/contents/**", Some(1), FaultKind::Truncate);
    assert_eq!(w.drift(&PROVIDERS_PAIR).code, 0, "a truncated body is retried");
}

#[test]
fn large_files_stream_from_raw_and_are_checked_against_their_blob_id() {
    let w = world();
    let big = fake_gitea::generated(BIG_SIZE, BIG_SEED);
    w.write("big.txt", &big);
    let pair = ["--canonical", "acme/controlplane@main:big.txt", "--local", "big.txt"];
    let same = w.drift(&pair);
    assert_eq!((same.code, same.output("verdict")), (0, "pass"), "{}", same.stdout);
    let requests = w.fake.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    let raw = requests.iter().find(|r| r.path.contains("/raw/")).expect("a raw fetch");
    if w.fake.behaviour().contents_ext {
        // Gitea 1.25+: the metadata alone from /contents-ext (no base64), then /raw. That answer
        // has no last commit, so /raw is asked for the ref as given, and the blob id decides.
        assert!(paths.iter().any(|p| p.contains("/contents-ext/big.txt")), "{paths:?}");
        assert!(!paths.iter().any(|p| p.contains("/contents/big.txt")), "{paths:?}");
        assert_eq!(raw.query.get("ref").map(String::as_str), Some("main"));
    } else {
        // Older servers answer /contents-ext with 404: /contents names the last commit, and /raw is
        // read by that full sha.
        assert!(paths.iter().any(|p| p.contains("/contents/big.txt")), "{paths:?}");
        assert_eq!(raw.query.get("ref").map(String::as_str), Some(MAIN));
    }

    // A body cut short, or a server error on /raw: never a verdict; the request is retried.
    w.fake.fault("/api/v1/repos/*/*/raw/**", None, FaultKind::Truncate);
    let cut = w.drift(&pair);
    assert_eq!(cut.code, 3, "{}", cut.stdout);
    assert!(cut.stdout.contains("cannot obtain the canonical copy acme/controlplane@main:big.txt"), "{}", cut.stdout);
    w.fake.clear_faults();
    w.fake.fault("/api/v1/repos/*/*/raw/**", Some(1), FaultKind::Status { status: 500, body: None });
    assert_eq!(w.drift(&pair).code, 0, "a failed /raw request is retried");
    w.fake.clear_faults();

    let mut drifted = big.clone();
    drifted[5_000_000] = b'#';
    w.write("big.txt", &drifted);
    let run = w.drift(&pair);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("around the first difference"), "large files get an excerpt:\n{}", run.stdout);

    // /raw answers every request with `body` instead of the file.
    let raw_serves = |body: Vec<u8>| {
        w.fake.clear_faults();
        let body = String::from_utf8(body).expect("ascii");
        w.fake.fault("/api/v1/repos/*/*/raw/**", None, FaultKind::Status { status: 200, body: Some(body) });
    };

    // The right bytes and then more: the body must end at the declared length.
    let mut longer = big.clone();
    longer.extend_from_slice(b"and more\n");
    raw_serves(longer);
    let longer_run = w.drift(&pair);
    assert_eq!(longer_run.code, 3, "{}", longer_run.stdout);
    assert!(longer_run.stdout.contains("sent more than the"), "{}", longer_run.stdout);

    // Same size, different bytes from /raw: the blob id catches it.
    let mut forged = big;
    forged[0] ^= 1;
    raw_serves(forged);
    let forged_run = w.drift(&pair);
    assert_eq!(forged_run.code, 3, "{}", forged_run.stdout);
    assert!(
        forged_run.stdout.contains("hash to blob") && forged_run.stdout.contains("refusing to compare"),
        "{}",
        forged_run.stdout
    );
}

#[test]
fn a_second_guest_run_downloads_and_checks_the_canonical_copy_again() {
    // An issue_comment run asks the guest twice (the first answer asks for the pull request). A
    // streamed canonical copy cannot be replayed: each run opens its own /raw request and checks
    // the blob id again, and the second run still decides.
    let w = world();
    w.write("big.txt", &fake_gitea::generated(BIG_SIZE, BIG_SEED));
    let pair = ["--canonical", "acme/controlplane@main:big.txt", "--local", "big.txt"];
    let run = w.drift_as("issue_comment", "issue_comment_pull_request", Some(TOKEN), &pair);
    let raws = w.fake.requests().into_iter().filter(|r| r.path.contains("/raw/")).count();
    assert_eq!(raws, 2, "one /raw request per guest run:\n{}", run.stdout);
    assert_ne!(run.code, 3, "decided:\n{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains("canonical-unavailable"), "{}", run.stdout);
}

#[test]
fn gitea_1_22_sends_large_files_as_empty_content_and_they_are_read_from_raw() {
    // Gitea 1.22.6 answers /contents of a file above 10 MiB with `content: ""`, `encoding:
    // "base64"` (an empty file, but for `size`); 1.23+ sends null. Both must reach a verdict.
    let mut old_gitea = fixture();
    old_gitea.version = "1.22.6".to_owned();
    let w = world_of(old_gitea);
    let big = fake_gitea::generated(BIG_SIZE, BIG_SEED);
    w.write("big.txt", &big);
    let pair = ["--canonical", "acme/controlplane@main:big.txt", "--local", "big.txt"];
    let same = w.drift(&pair);
    assert_eq!((same.code, same.output("verdict")), (0, "pass"), "{}{}", same.stdout, same.stderr);
    let raw = w.fake.requests().into_iter().find(|r| r.path.contains("/raw/")).expect("a raw fetch");
    assert_eq!(raw.query.get("ref").map(String::as_str), Some(MAIN), "raw is fetched by the full commit sha");

    let mut drifted = big;
    drifted[7_000_000] = b'#';
    w.write("big.txt", &drifted);
    assert_eq!(w.drift(&pair).code, 1);

    // A genuinely empty file is still an empty file, not a /raw fetch.
    w.write("empty.txt", b"");
    let before = w.fake.requests().len();
    let empty = w.drift(&["--canonical", "acme/controlplane@main:empty.txt", "--local", "empty.txt"]);
    assert_eq!((empty.code, empty.output("verdict")), (0, "pass"), "{}", empty.stdout);
    assert!(w.fake.requests()[before..].iter().all(|r| !r.path.contains("/raw/")));
}

#[test]
fn missing_token_follows_the_trust_policy() {
    let w = world();
    // (event, payload, exit, verdict, trust)
    let cases = [
        ("schedule", "schedule", 1, "fail", "trusted"),
        ("push", "push", 1, "fail", "trusted"),
        ("workflow_dispatch", "workflow_dispatch", 1, "fail", "trusted"),
        ("pull_request", "pull_request_same_repo", 1, "fail", "trusted"),
        ("pull_request", "pull_request_fork", 0, "skip", "untrusted"),
        ("pull_request", "pull_request_agit", 0, "skip", "untrusted"),
        ("no_such_event", "push", 1, "fail", "trusted"),
    ];
    for (event_name, payload, code, verdict, trust) in cases {
        let run = w.drift_as(event_name, payload, None, &PROVIDERS_PAIR);
        assert_eq!(
            (run.code, run.output("verdict"), run.output("trust")),
            (code, verdict, trust),
            "{event_name}/{payload}: {}",
            run.stdout
        );
        assert!(run.stdout.contains("AUTO_SYNC_TOKEN"), "{}", run.stdout);
    }
    assert!(w.fake.requests().is_empty(), "without a token nothing is fetched");
    let schedule = w.drift_as("schedule", "schedule", None, &PROVIDERS_PAIR);
    assert!(schedule.stdout.contains("Fix: add AUTO_SYNC_TOKEN as an Actions secret"), "{}", schedule.stdout);
}

#[test]
fn manifest_with_mixed_results_and_local_pairs() {
    let w = world();
    w.write("config/limits.yaml", b"limit: 20\n");
    w.write("gen/providers.yaml", PROVIDERS.as_bytes());
    w.write("sdk/providers.yaml", PROVIDERS.as_bytes());
    w.write("gen/version.txt", b"1\n");
    w.write("sdk/version.txt", b"0\n");
    w.write(
        "drift.json",
        json!([
            {"canonical": "acme/controlplane@main:internal/providers/providers.yaml", "local": "internal/providers/providers.yaml"},
            {"canonical": "acme/controlplane@main:config/limits.yaml", "local": "config/limits.yaml"},
            {"canonical": "file:gen/providers.yaml", "local": "sdk/providers.yaml"},
            {"canonical": "file:gen/version.txt", "local": "sdk/version.txt"}
        ])
        .to_string()
        .as_bytes(),
    );
    let run = w.drift(&["--manifest", "drift.json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.output("drifted"), "config/limits.yaml\nsdk/version.txt");
    assert!(run.output("reason").contains("2 of 4 copies differ"), "{}", run.output("reason"));

    let local_only = w.drift_as(
        "pull_request",
        "pull_request_fork",
        None,
        &["--canonical", "file:gen/providers.yaml", "--local", "sdk/providers.yaml"],
    );
    assert_eq!(
        (local_only.code, local_only.output("verdict")),
        (0, "pass"),
        "local pairs need no token: {}",
        local_only.stdout
    );
}

#[test]
fn bad_local_input_is_exit_2() {
    let w = world();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--canonical", "acme/controlplane@main:x", "--local", "does/not/exist"], "does not exist"),
        (vec!["--canonical", "acme/controlplane@main:x", "--local", "internal"], "is a directory"),
        (
            vec!["--canonical", "acme/controlplane:x", "--local", "internal/providers/providers.yaml"],
            "OWNER/REPO@REF:PATH",
        ),
        (vec!["--manifest", "nope.json"], "does not exist"),
        (vec!["--canonical", "acme/controlplane@main:x"], ""),
    ];
    for (args, message) in cases {
        let run = w.drift(&args);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(message) || run.stderr.contains(message), "{args:?}: {}", run.stdout);
    }
    w.write("bad.json", b"[{\"canonical\": \"acme/x@main:y\", \"local\": \"z\", \"extra\": 1}]");
    let run = w.drift(&["--manifest", "bad.json"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("unknown field `extra`"), "{}", run.stdout);
}

#[test]
fn drifted_file_contents_cannot_inject_workflow_commands() {
    let w = world();
    w.write(
        "internal/providers/providers.yaml",
        format!("{PROVIDERS}::set-output name=verdict::pass\n::add-mask::x\n::stop-commands::abc\n::abc::\n::error::forged\n").as_bytes(),
    );
    let mut command = gitea_gate();
    command
        .current_dir(w.dir.path())
        .args(["drift", "--token-env", "AUTO_SYNC_TOKEN"])
        .args(PROVIDERS_PAIR)
        .env("GITHUB_API_URL", w.fake.api_url())
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_ACTIONS", "true")
        .env("AUTO_SYNC_TOKEN", TOKEN);
    let run = run(command);
    assert_eq!(run.code, 1);
    assert_no_injected_commands(&run.stdout);
    assert_eq!(run.output("verdict"), "fail");
    assert!(run.stdout.contains("+::set-output name=verdict::pass"), "the diff still shows the line, inside the fence");
}
