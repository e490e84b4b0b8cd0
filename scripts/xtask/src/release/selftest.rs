//! What the binaries decide: every binary built runs `selftest` over the golden corpus and all
//! must print the same verdict digest (otherwise no checksum list is written); the static x86_64
//! binary resolves host names without the runner's NSS.

use std::path::Path;
use std::process::Command;

use super::build::build;
use super::machine_code::machine_code;
use super::ship::ship;
use super::{ARCHES, Release};
use crate::process::{capture, run, succeeds, to_stderr};

/// `identity`: both arches built, shipped and selftested, their digests equal; then `names`.
/// Writes nothing under release/ (CI runs this).
pub fn identity(r: &Release) -> Result<(), String> {
    for arch in ARCHES {
        build(r, arch, &r.root)?;
    }
    machine_code(r)?;
    for arch in ARCHES {
        ship(r, arch, None)?;
    }
    identical_digests(r, &ARCHES)?;
    eprintln!("ok: x86_64 and aarch64 print the same verdict digest");
    names(r)
}

/// `names`: the x86_64 binary built and shipped, then its name resolution checked.
pub fn names_mode(r: &Release) -> Result<(), String> {
    build(r, "x86_64", &r.root)?;
    machine_code(r)?;
    ship(r, "x86_64", None)?;
    names(r)
}

/// The verdict digest line the binary prints for the golden corpus: its last line of output.
pub fn selftest(binary: &Path, arch: &str) -> Result<String, String> {
    let mut command = if arch == "aarch64" && std::env::consts::ARCH != "aarch64" {
        // No unchecked binary is released: without qemu the arm64 identity cannot be shown.
        if !succeeds(Command::new("qemu-aarch64").arg("--version")) {
            return Err(format!("qemu-aarch64 is needed to selftest {} (apt-get install qemu-user)", binary.display()));
        }
        let mut qemu = Command::new("qemu-aarch64");
        qemu.arg(binary);
        qemu
    } else {
        Command::new(binary)
    };
    let out = capture(command.arg("selftest"))?;
    Ok(out.lines().last().unwrap_or_default().to_owned())
}

/// Selftest dist/'s binary of each arch, print each digest; the one digest, unless they differ.
pub fn identical_digests(r: &Release, arches: &[&str]) -> Result<String, String> {
    let mut digests = Vec::new();
    for arch in arches {
        let digest = selftest(&r.dist(arch), arch)?;
        eprintln!("selftest {arch}: {digest}");
        if digest.is_empty() {
            return Err(format!("{arch} selftest printed no digest"));
        }
        digests.push(digest);
    }
    one_digest(&digests).ok_or_else(|| "the architectures disagree on the golden corpus".to_owned())
}

/// The digest every binary printed, if they all printed the same.
pub fn one_digest(digests: &[String]) -> Option<String> {
    let first = digests.first()?;
    digests.iter().all(|d| d == first).then(|| first.clone())
}

/// The static x86_64 binary resolves host names without the runner's NSS — it reaches the fake
/// Gitea by a hosts-file name and by a DNS answer from a loopback name server, and reports an
/// unknown name as "cannot resolve" (host/tests/integration/resolve.rs, run against dist/'s binary).
fn names(r: &Release) -> Result<(), String> {
    let binary = r.root.join(r.dist("x86_64"));
    eprintln!("== name resolution of the static {}", binary.display());
    // Through scripts/test.sh's wrapper, when set: these tests share its test build.
    let mut cargo = Command::new("cargo");
    cargo.env("GITEA_GATE_RESOLVE_BINARY", &binary).stdout(to_stderr());
    run(cargo.args(["test", "--quiet", "--locked", "-p", "gitea-gate", "--test", "integration", "--", "resolve::"]))?;
    eprintln!("ok: the static x86_64 binary resolves by hosts file and DNS without NSS");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::one_digest;

    #[test]
    fn one_digest_only_when_all_agree() {
        let d = |s: &str| s.to_owned();
        assert_eq!(one_digest(&[d("a"), d("a")]), Some(d("a")));
        assert_eq!(one_digest(&[d("a"), d("b")]), None);
        assert_eq!(one_digest(&[]), None);
    }
}
