//! `verify [DIR]`: rebuild every asset release/SHA256SUMS names (into DIR, default a scratch
//! directory removed afterwards) and compare: anyone can check a published binary against the
//! source at its tag.

use std::path::Path;

use super::build::build;
use super::machine_code::machine_code;
use super::ship::ship;
use super::sums::{Listed, SUMS, committed};
use super::{Release, arch_of};
use crate::workspace::{create_dir, sha256_file};

pub fn verify(r: &Release, dir: Option<&Path>) -> Result<(), String> {
    let listed = committed();
    if listed.is_empty() {
        return Err(format!("{SUMS} is missing or empty"));
    }
    let scratch;
    let dir = match dir {
        Some(dir) => {
            create_dir(dir)?;
            dir
        }
        None => {
            scratch = tempfile::Builder::new()
                .prefix("gitea-gate-verify.")
                .tempdir()
                .map_err(|e| format!("a scratch directory: {e}"))?;
            scratch.path()
        }
    };
    // Every name checked before the first build: the list of another version (main's, between
    // releases) names nothing this checkout builds.
    let mut assets = Vec::new();
    for entry in rebuild_order(listed) {
        let arch = arch_of(&entry.name, &r.version).ok_or_else(|| {
            format!(
                "{SUMS} lists {}, which is no asset of version {} (verify a release at its tag)",
                entry.name, r.version
            )
        })?;
        assets.push((arch.to_owned(), entry));
    }
    machine_code(r)?;
    for (arch, entry) in assets {
        let arch = arch.as_str();
        build(r, arch, &r.root)?;
        let rebuilt = ship(r, arch, Some(&dir.join(&entry.name)))?;
        let got = sha256_file(&rebuilt)?;
        if got != entry.sha256 {
            eprintln!("MISMATCH: {} rebuilt as {got}, the list says {}", entry.name, entry.sha256);
            return Err(format!("{} differs from {SUMS}", entry.name));
        }
        eprintln!("ok: {} matches {SUMS}", entry.name);
    }
    Ok(())
}

/// x86_64 first (its build is the shorter), and the first mismatch ends it: one differing binary
/// already means the list cannot be trusted, and the next would cost another build. (Names in
/// reverse order put x86_64 before aarch64.)
fn rebuild_order(mut listed: Vec<Listed>) -> Vec<Listed> {
    listed.sort_by(|a, b| b.name.cmp(&a.name));
    listed
}

#[cfg(test)]
mod tests {
    use super::rebuild_order;
    use crate::release::sums::parse;

    #[test]
    fn x86_64_is_rebuilt_first() {
        let order = rebuild_order(parse("aa  gitea-gate-1.0.0-aarch64-linux\nbb  gitea-gate-1.0.0-x86_64-linux\n"));
        let names: Vec<_> = order.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["gitea-gate-1.0.0-x86_64-linux", "gitea-gate-1.0.0-aarch64-linux"]);
    }
}
