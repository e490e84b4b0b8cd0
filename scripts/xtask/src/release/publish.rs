//! `publish [TAG]`: what .gitea/workflows/release.yml runs on a tag push. Rebuild both binaries
//! from the tag, prove them byte-identical to release/SHA256SUMS and their selftest digests equal
//! to release/VERDICTS (aarch64 under qemu), publish the release with its assets (`xtask
//! publish`), then `move-major`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::major::move_major;
use super::selftest::identical_digests;
use super::sums::{SUMS, VERDICTS, committed, committed_verdict};
use super::verify::verify;
use super::{ARCHES, Release};
use crate::process::capture;
use crate::publish::{PublishArgs, publish as publish_release};

pub fn publish(r: &Release, tag: Option<String>) -> Result<(), String> {
    let tag = tag.or_else(|| std::env::var("GITHUB_REF_NAME").ok()).unwrap_or_default();
    check_tag(r, &tag)?;
    eprintln!("== rebuilding every asset from {tag} and comparing it with {SUMS}");
    for arch in ARCHES {
        let _ = fs::remove_file(r.dist(arch));
    }
    verify(r, Some(Path::new("dist")))
        .map_err(|e| format!("{e}\nnot publishing: a binary built from {tag} differs from {SUMS}"))?;
    eprintln!("== selftest of both binaries against {VERDICTS}");
    let digest =
        identical_digests(r, &ARCHES).map_err(|e| format!("{e}\nnot publishing: the architectures disagree"))?;
    let recorded = committed_verdict()?;
    if digest != recorded {
        return Err(format!("not publishing: the binaries print '{digest}', {VERDICTS} says '{recorded}'"));
    }
    eprintln!("ok: both binaries print {VERDICTS}' digest");
    let mut assets: Vec<PathBuf> = ARCHES.iter().map(|arch| r.dist(arch)).collect();
    assets.extend([PathBuf::from(SUMS), PathBuf::from(VERDICTS)]);
    let args = PublishArgs { tag: tag.clone(), notes: "CHANGELOG.md".into(), api_url: None, repository: None, assets };
    publish_release(&args)?;
    move_major(&tag)
}

/// The tag names this version and this commit, and its SHA256SUMS lists both arches.
fn check_tag(r: &Release, tag: &str) -> Result<(), String> {
    if tag != format!("v{}", r.version) {
        return Err(format!("the tag '{tag}' is not v{}, the version Cargo.toml has at this commit", r.version));
    }
    let tagged =
        Command::new("git").args(["rev-parse", "-q", "--verify", &format!("refs/tags/{tag}^{{commit}}")]).output();
    if let Some(tagged) = tagged.ok().filter(|out| out.status.success()) {
        let head = capture(Command::new("git").args(["rev-parse", "HEAD"]))?;
        if String::from_utf8_lossy(&tagged.stdout).trim() != head.trim() {
            return Err(format!("the checkout is not the commit {tag} names"));
        }
    }
    let listed = committed();
    for arch in ARCHES {
        let name = r.asset_name(arch);
        if !listed.iter().any(|l| l.name == name) {
            return Err(format!("{SUMS} at {tag} lists no {name} (xtask release prepare writes it)"));
        }
    }
    Ok(())
}
