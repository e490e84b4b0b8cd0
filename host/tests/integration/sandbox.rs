//! Hostile guest modules. Each must end in exit 3 with its own clear message, within 5 s, through
//! the real binary (`--guest-module` swaps the guest but keeps the sandbox). The watchdog's
//! "blocked in a host call" path is proven at library level, since the shipped allowlist offers
//! no import that can block.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{gitea_gate, run};
use gitea_gate::sandbox::{Limits, Sandbox, SandboxError};

fn module(dir: &tempfile::TempDir, name: &str, wat_text: &str) -> PathBuf {
    let wasm = wat::parse_str(wat_text).expect("valid wat");
    let path = dir.path().join(format!("{name}.wasm"));
    std::fs::write(&path, wasm).expect("write module");
    path
}

fn run_hostile(wat_text: &str, extra: &[&str]) -> common::Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = module(&dir, "hostile", wat_text);
    let mut command = gitea_gate();
    command.args(["trust", "--event-name", "push", "--format", "human", "--guest-module"]).arg(&path).args(extra);
    run(command)
}

fn assert_undecided(run: &common::Run, needle: &str) {
    assert_eq!(run.code, 3, "stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("sandbox-error"), "{}", run.stdout);
    assert!(run.stdout.contains(needle), "expected {needle:?} in:\n{}", run.stdout);
    assert_eq!(run.output("verdict"), "error");
    assert!(run.elapsed < Duration::from_secs(5), "took {:?}", run.elapsed);
}

#[test]
fn infinite_loop_runs_out_of_fuel() {
    let run = run_hostile(r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#, &[]);
    assert_undecided(&run, "ran out of fuel");
}

#[test]
fn endless_computation_hits_the_wall_clock() {
    let run = run_hostile(
        r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (br $l))))"#,
        &["--guest-fuel", "1000000000000000", "--guest-timeout", "1"],
    );
    assert_undecided(&run, "did not finish within 1s");
}

#[test]
fn memory_bomb_hits_the_cap() {
    let run = run_hostile(
        r#"(module (memory (export "memory") 1) (func (export "_start") (loop $l (drop (memory.grow (i32.const 256))) (br $l))))"#,
        &[],
    );
    assert_undecided(&run, "beyond its cap");
}

#[test]
fn huge_output_overflows_the_pipe() {
    let run = run_hostile(
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 2)
             (data (i32.const 0) "\10\00\00\00\00\00\01\00")
             (func (export "_start")
               (loop $l (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))) (br $l))))"#,
        &[],
    );
    // 8 MiB plus twice the envelope (the cap scales with the request).
    assert_undecided(&run, "bytes to stdout; output is capped");
}

#[test]
fn forbidden_import_is_refused_before_running() {
    for import in
        [r#""wasi_snapshot_preview1" "path_open""#, r#""env" "system""#, r#""wasi_snapshot_preview1" "poll_oneoff""#]
    {
        let run = run_hostile(
            &format!(r#"(module (import {import} (func $f)) (memory (export "memory") 1) (func (export "_start")))"#),
            &[],
        );
        assert_undecided(&run, "which the sandbox does not provide");
    }
}

#[test]
fn guest_panic_is_reported_with_its_message() {
    let run = run_hostile(
        r#"(module
             (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 0) "\10\00\00\00\18\00\00\00")
             (data (i32.const 16) "panicked at guest: boom\n")
             (func (export "_start") (drop (call $fd_write (i32.const 2) (i32.const 0) (i32.const 1) (i32.const 8))) unreachable))"#,
        &[],
    );
    assert_undecided(&run, "the guest panicked: panicked at guest: boom");
}

#[test]
fn guest_without_a_verdict_is_an_error() {
    // Exits cleanly but says nothing: never a pass.
    let run = run_hostile(r#"(module (memory (export "memory") 1) (func (export "_start")))"#, &[]);
    assert_undecided(&run, "not a verdict");
}

#[test]
fn watchdog_stops_a_guest_blocked_in_a_host_call() {
    // poll_oneoff with a one-hour relative clock subscription blocks inside the host, where
    // neither fuel nor epochs reach. Only the watchdog can end it.
    let wasm = wat::parse_str(
        r#"(module
             (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             ;; subscription at 0: userdata 0, tag 0 (clock), clock id 1 (monotonic),
             ;; timeout 3600 s = 3.6e12 ns (little-endian u64), precision 0, flags 0 (relative)
             (data (i32.const 16) "\01\00\00\00")
             (data (i32.const 24) "\00\a0\b8\30\46\03\00\00")
             (func (export "_start") (drop (call $poll (i32.const 0) (i32.const 128) (i32.const 1) (i32.const 256)))))"#,
    )
    .expect("valid wat");
    let sandbox = Sandbox::from_wasm_allowing(&wasm, "test", &["poll_oneoff"]).expect("load");
    let limits = Limits { wall_clock: Duration::from_secs(1), ..Limits::for_input(0) };
    let started = Instant::now();
    let result = sandbox.run(vec![Bytes::from_static(b"{}").into()], &limits);
    assert!(matches!(result, Err(SandboxError::Timeout(_))), "{result:?}");
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

#[test]
fn embedded_guest_imports_exactly_the_allowlist() {
    // The import section as parsed, not compiled: the sandbox refuses any other import at load
    // time (check_imports); this keeps the list from holding more than the guest uses.
    let mut imports = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(gitea_gate::guest::WASM) {
        if let wasmparser::Payload::ImportSection(section) = payload.expect("the guest parses") {
            for import in section.into_imports() {
                let import = import.expect("an import entry");
                imports.push(format!("{}::{}", import.module, import.name));
            }
        }
    }
    imports.sort();
    let mut allowed: Vec<String> = gitea_gate::sandbox::ALLOWED_IMPORTS
        .iter()
        .map(|n| format!("{}::{n}", gitea_gate::sandbox::WASI_MODULE))
        .collect();
    allowed.sort();
    assert_eq!(imports, allowed, "keep ALLOWED_IMPORTS equal to what the guest needs");
}

#[test]
fn randomness_and_clocks_are_deterministic() {
    // Writes 16 bytes of random_get, then the monotonic and realtime clocks, to stdout.
    let wasm = wat::parse_str(
        r#"(module
             (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
             (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
             (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
             (memory (export "memory") 1)
             (data (i32.const 0) "\10\00\00\00\20\00\00\00")
             (func (export "_start")
               (drop (call $random (i32.const 16) (i32.const 16)))
               (drop (call $clock (i32.const 1) (i64.const 1) (i32.const 32)))
               (drop (call $clock (i32.const 0) (i64.const 1) (i32.const 40)))
               (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
    )
    .expect("valid wat");
    let sandbox = Sandbox::from_wasm(&wasm, "test").expect("load");
    let first = sandbox.run(vec![], &Limits::for_input(0)).expect("run").stdout;
    let second = sandbox.run(vec![], &Limits::for_input(0)).expect("run").stdout;
    assert_eq!(first.len(), 32);
    assert_eq!(first, second, "randomness must be the same on every run");
    assert_ne!(&first[..16], &[0u8; 16][..], "a fixed sequence, not zeros");
    assert_eq!(&first[16..32], &[0u8; 16][..], "both clocks are frozen at 0");
}

#[test]
fn a_local_file_that_changes_while_the_guest_reads_it_is_an_error() {
    // Local copies are streamed to the guest as it reads them, with their length declared up
    // front. If the file no longer has that length, the guest is stopped: it must never decide
    // on bytes other than the ones the envelope promised.
    use gitea_gate::protocol::{DecideError, DriftFacts, Facts, Request, RunContext, attach, decide};
    let sandbox = gitea_gate::guest::load(Default::default(), None, Default::default()).expect("embedded guest");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("providers.yaml");
    for (changed, needle) in [(&b"short"[..], "now shorter than its"), (&[b'x'; 20_000][..], "grew beyond its")] {
        std::fs::write(&path, [b'a'; 10_000]).expect("write");
        // Opened as drift opens a local copy (files.rs confines the path to the working
        // directory; this test is about the stream, so it opens the temporary file directly).
        let file = std::fs::File::open(&path).expect("open");
        let label = format!("the local copy {}", path.display());
        let blob = gitea_gate::blob::Blob::File(gitea_gate::blob::LocalFile::new(file, 10_000, label));
        std::fs::write(&path, changed).expect("change it after it was opened");
        let facts = DriftFacts { context: RunContext::default(), token: None, pairs: Vec::new(), limits: None };
        let mut request = Request::new(Facts::Drift(facts));
        attach(&mut request.blobs, blob);
        let err = decide(&sandbox, &request).expect_err("never a verdict");
        let DecideError::Sandbox(SandboxError::Input(failure)) = &err else { panic!("{err:?}") };
        assert!(!failure.download, "{failure:?}");
        let why = &failure.message;
        assert!(why.contains("the local copy") && why.contains("providers.yaml"), "{why}");
        assert!(why.contains("changed while it was being read") && why.contains(needle), "{why}");
    }
}
