//! `ci`: what scripts/test.sh's release lane runs, beside its other steps (then the budgets on
//! the binaries it leaves in dist/): `identity`, `honest`, then the release workflow under act.

use std::process::Command;
use std::time::Instant;

use super::Release;
use super::honest::honest;
use super::selftest::identity;
use crate::process::{run, to_stderr};

pub fn ci(r: &Release) -> Result<(), String> {
    let started = Instant::now();
    println!("== arm64 identity: static release binaries for x86_64 and aarch64 decide identically");
    identity(r)?;
    println!("== honest version: main's version and release/SHA256SUMS agree with what was just built");
    honest(r)?;
    // The release workflow's run rebuilds both binaries from a copy of the tree at another path
    // and requires them byte-identical to dist/: the reproducibility proof, for both arches
    // (`reproducible` alone checks x86_64 and stays for manual use).
    println!(
        "== the release workflow under act: a tag push rebuilds both arches at another path, compares, publishes \
         ({}s into the lane)",
        started.elapsed().as_secs()
    );
    let mut cargo = Command::new("cargo");
    cargo.env("GITEA_GATE_RELEASE_DIST", r.root.join("dist")).stdout(to_stderr());
    run(cargo.args([
        "test",
        "--quiet",
        "--locked",
        "-p",
        "gitea-gate",
        "--test",
        "integration",
        "--",
        "e2e_release::",
    ]))?;
    println!("== release lane done in {}s", started.elapsed().as_secs());
    Ok(())
}
