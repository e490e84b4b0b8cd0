//! The golden corpus through both builds of the guest: the native library and the wasm module
//! in the sandbox (AOT and JIT). All verdicts must be byte-identical to each other and to the
//! committed `.verdict.json`.
//!
//! New or changed cases: `GITEA_GATE_BLESS=1 cargo test -p gitea-gate --test integration corpus::` writes the
//! native verdicts (review the diff before committing them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::fs;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use gitea_gate::guest::{self, EngineMode};
use gitea_gate::sandbox::machine_code::MappedCode;
use gitea_gate::sandbox::{EnginePath, Limits, Overrides, Sandbox};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus")
}

fn cases() -> Vec<(String, PathBuf)> {
    let mut cases = Vec::new();
    for check in fs::read_dir(corpus_dir()).expect("tests/corpus") {
        let check = check.expect("entry").path();
        if !check.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&check).expect("check dir") {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            if let Some(case) = name.strip_suffix(".input.json") {
                let check_name = check.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                cases.push((format!("{check_name}/{case}"), path));
            }
        }
    }
    cases.sort();
    cases
}

#[test]
fn corpus_is_identical_natively_and_in_the_sandbox() {
    let bless = std::env::var_os("GITEA_GATE_BLESS").is_some();
    // The machine code as the shipped binary carries it, mapped from the binary the CLI tests run.
    let shipped = fs::File::open(crate::common::binary()).expect("the attached binary");
    let code = MappedCode::of_file(&shipped, guest::SHA256).expect("its attached machine code");
    let aot = Sandbox::from_mapped(code).expect("load the attached machine code");
    assert_eq!(aot.engine_path(), &EnginePath::Aot);
    let jit = guest::load(EngineMode::Jit, None, Overrides::default()).expect("load JIT guest");
    let mut failures = Vec::new();
    let cases = cases();
    assert!(!cases.is_empty());
    for (name, input_path) in &cases {
        let input = fs::read(input_path).expect("read input");
        let native = gitea_gate_guest::evaluate_bytes(&input);
        let limits = Limits::for_input(input.len());
        for (engine, sandbox) in [("aot", &aot), ("jit", &jit)] {
            match sandbox.run(vec![Bytes::from(input.clone()).into()], &limits) {
                Ok(out) if out.stdout == native => {}
                Ok(_) => failures.push(format!("{name}: {engine} wasm verdict differs from the native one")),
                Err(e) => failures.push(format!("{name}: {engine} sandbox failed: {e}")),
            }
        }
        let verdict_path =
            input_path.with_file_name(format!("{}.verdict.json", name.rsplit('/').next().unwrap_or_default()));
        if bless {
            fs::write(&verdict_path, &native).expect("write verdict");
            continue;
        }
        match fs::read(&verdict_path) {
            Ok(expected) if expected == native => {}
            Ok(_) => {
                failures.push(format!("{name}: verdict differs from {} (bless if intended)", verdict_path.display()))
            }
            Err(_) => failures.push(format!("{name}: no golden verdict at {}", verdict_path.display())),
        }
        let verdict: serde_json::Value = serde_json::from_slice(&native).expect("verdict is JSON");
        if verdict["code"] == "invalid-input" {
            failures.push(format!("{name}: the guest rejected the input: {}", verdict["reason"]));
        }
    }
    assert!(failures.is_empty(), "{} corpus failures:\n{}", failures.len(), failures.join("\n"));
    if !bless {
        let embedded = gitea_gate::corpus::cases().expect("the embedded corpus");
        assert_eq!(embedded.len(), cases.len(), "the binary must embed every corpus case (rebuild)");
        for (case, (name, input)) in embedded.iter().zip(&cases) {
            assert_eq!(&case.name, name);
            assert!(case.input == fs::read(input).expect("input"), "{name}: embedded input differs");
        }
    }
}

#[test]
fn every_check_has_enough_golden_vectors() {
    let cases = cases();
    let trust = cases.iter().filter(|(name, _)| name.starts_with("trust/")).count();
    assert!(trust >= 30, "trust has {trust} vectors, at least 30 are required");
}
