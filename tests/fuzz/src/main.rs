//! Fuzz the guest's `evaluate_bytes` — everything the host can send it — natively, where a panic
//! is catchable and a hang is measurable (in the sandbox either would be an exit-3 error, never a
//! pass; here they are bugs).
//!
//!   cargo run --release -p gitea-gate-fuzz -- [EXECUTIONS] [SEED]      (default 1000000, 1)
//!
//! Inputs are the golden corpus (tests/corpus/*/*.input.json) mutated three ways: raw bytes
//! (flips, inserts, deletes, splices between cases), structure (a JSON node replaced by a hostile
//! value: wrong types, huge and negative numbers, deep nesting, long strings, workflow-command text,
//! dropped keys, duplicated arrays), and pure noise. Every output must be a JSON verdict object.
//! Failing inputs are written to target/fuzz-failures/. Exits 1 if any input failed.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a fuzzer reports by stopping")]

use std::fs;
use std::panic;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// xorshift64*: fast, seedable, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

fn corpus(root: &Path) -> Vec<Vec<u8>> {
    let mut inputs = Vec::new();
    for check in fs::read_dir(root.join("tests/corpus")).expect("tests/corpus").flatten() {
        for case in fs::read_dir(check.path()).expect("corpus dir").flatten() {
            if case.file_name().to_string_lossy().ends_with(".input.json") {
                inputs.push(fs::read(case.path()).expect("corpus case"));
            }
        }
    }
    inputs.sort();
    inputs
}

fn hostile(rng: &mut Rng) -> Value {
    match rng.below(16) {
        0 => Value::Null,
        1 => json!(u64::MAX),
        2 => json!(-1),
        3 => json!(1e308),
        4 => json!(""),
        5 => json!("x".repeat(100_000)),
        6 => json!("::set-output name=verdict::pass\n::add-mask::x\r\n%0A%25::stop-commands::t"),
        7 => json!("ünïcödé ☃ \u{202e}rtl \u{0}nul"),
        8 => json!([]),
        9 => json!({}),
        10 => {
            let mut v = json!(0);
            for _ in 0..rng.below(200) {
                v = json!([v]);
            }
            v
        }
        11 => json!(true),
        12 => json!({"blob": rng.below(5)}),
        13 => json!({"text": "a\r\nb\n"}),
        14 => json!({"base64": "!!notbase64"}),
        _ => json!(rng.next()),
    }
}

/// Replace, drop or duplicate one node somewhere in `value`.
fn mutate_structure(value: &mut Value, rng: &mut Rng, depth: usize) {
    let stop = depth > 0 && rng.below(3) == 0;
    match value {
        Value::Object(map) if !map.is_empty() && !stop => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = &keys[rng.below(keys.len())];
            match rng.below(8) {
                0 => {
                    map.remove(key);
                }
                1 => {
                    map.insert(format!("unknown_{}", rng.below(9)), hostile(rng));
                }
                _ => mutate_structure(map.get_mut(key).expect("key"), rng, depth + 1),
            }
        }
        Value::Array(items) if !items.is_empty() && !stop => match rng.below(6) {
            0 => {
                let i = rng.below(items.len());
                let copy = items[i].clone();
                for _ in 0..rng.below(60) {
                    items.push(copy.clone());
                }
            }
            1 => {
                items.remove(rng.below(items.len()));
            }
            _ => {
                let i = rng.below(items.len());
                mutate_structure(&mut items[i], rng, depth + 1);
            }
        },
        other => *other = hostile(rng),
    }
}

fn mutate_bytes(input: &mut Vec<u8>, other: &[u8], rng: &mut Rng) {
    for _ in 0..=rng.below(8) {
        let at = rng.below(input.len() + 1);
        match rng.below(5) {
            0 if !input.is_empty() => {
                let i = rng.below(input.len());
                input[i] ^= 1 << rng.below(8);
            }
            1 => input.insert(at, (rng.next() & 0xff) as u8),
            2 if at < input.len() => {
                let end = (at + rng.below(64)).min(input.len());
                input.drain(at..end);
            }
            3 if !other.is_empty() => {
                let from = rng.below(other.len());
                let end = (from + rng.below(256)).min(other.len());
                input.splice(at..at, other[from..end].iter().copied());
            }
            _ => input.insert(at, b"{}[]\",:\n\\"[rng.below(9)]),
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let executions: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let seeds = corpus(&root);
    assert!(!seeds.is_empty(), "no corpus inputs");
    let parsed: Vec<Value> = seeds.iter().filter_map(|s| serde_json::from_slice(s).ok()).collect();
    let failures_dir = root.join("target/fuzz-failures");
    panic::set_hook(Box::new(|_| {}));

    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let started = Instant::now();
    let (mut failures, mut slowest, mut kinds) = (0u64, Duration::ZERO, [0u64; 3]);
    for n in 0..executions {
        let kind = rng.below(10);
        let input = if kind < 5 {
            kinds[0] += 1;
            let mut value = parsed[rng.below(parsed.len())].clone();
            for _ in 0..=rng.below(3) {
                mutate_structure(&mut value, &mut rng, 0);
            }
            serde_json::to_vec(&value).expect("serialize")
        } else if kind < 9 {
            kinds[1] += 1;
            let mut input = seeds[rng.below(seeds.len())].clone();
            let other = &seeds[rng.below(seeds.len())];
            mutate_bytes(&mut input, other, &mut rng);
            input
        } else {
            kinds[2] += 1;
            (0..rng.below(512)).map(|_| (rng.next() & 0xff) as u8).collect()
        };
        let t = Instant::now();
        let result = panic::catch_unwind(|| gitea_gate_guest::evaluate_bytes(&input));
        let took = t.elapsed();
        slowest = slowest.max(took);
        let problem = match &result {
            Err(_) => Some("panic"),
            Ok(out) => match serde_json::from_slice::<Value>(out) {
                Ok(v) if v.get("version") == Some(&json!(1)) && v.get("verdict").is_some_and(Value::is_string) => None,
                _ => Some("not a verdict"),
            },
        };
        let problem = problem.or((took > Duration::from_secs(2)).then_some("slower than 2 s"));
        if let Some(what) = problem {
            failures += 1;
            fs::create_dir_all(&failures_dir).expect("mkdir");
            let path = failures_dir.join(format!("{seed}-{n}.bin"));
            fs::write(&path, &input).expect("write failure");
            eprintln!("FAIL ({what}): {}", path.display());
        }
        if (n + 1) % 100_000 == 0 {
            eprintln!(
                "{} executions, {failures} failures, {:.0}/s",
                n + 1,
                (n + 1) as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "fuzz: {executions} executions (structured {}, byte-mutated {}, noise {}) from {} corpus seeds, seed {seed}: \
         {failures} failures; slowest input {:.1} ms; {:.1} s ({:.0}/s)",
        kinds[0],
        kinds[1],
        kinds[2],
        seeds.len(),
        slowest.as_secs_f64() * 1000.0,
        secs,
        executions as f64 / secs
    );
    std::process::exit(i32::from(failures > 0));
}
