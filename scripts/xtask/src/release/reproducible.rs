//! `reproducible`: build x86_64 twice, from this checkout and from a clone at another path, and
//! fail unless the two are byte-identical. (`ci` proves it for both arches through the release
//! workflow's end-to-end test; this stays for manual use.)

use std::io::Write;
use std::process::{Command, Stdio};

use super::Release;
use super::build::build;
use super::machine_code::machine_code;
use super::ship::ship;
use crate::process::run;
use crate::workspace::sha256_file;

pub fn reproducible(r: &Release) -> Result<(), String> {
    let other = tempfile::Builder::new()
        .prefix("gitea-gate-repro.")
        .tempdir()
        .map_err(|e| format!("a scratch directory: {e}"))?;
    let clone = other.path().join("src");
    run(Command::new("git").args(["clone", "--quiet", "--no-hardlinks"]).arg(&r.root).arg(&clone))?;
    carry_changes(r, &clone)?;
    machine_code(r)?;
    build(r, "x86_64", &r.root)?;
    let first = ship(r, "x86_64", Some(&other.path().join("first")))?;
    build(r, "x86_64", &clone)?;
    let second = ship(r, "x86_64", Some(&other.path().join("second")))?;
    let (a, b) = (sha256_file(&first)?, sha256_file(&second)?);
    eprintln!("x86_64 from {}:      {a}", r.root.display());
    eprintln!("x86_64 from {}: {b}", clone.display());
    if a != b {
        return Err("the same source built at two paths differs".to_owned());
    }
    eprintln!("ok: byte-identical from two checkout paths");
    Ok(())
}

/// Uncommitted changes travel too, so the two trees hold the same source.
fn carry_changes(r: &Release, clone: &std::path::Path) -> Result<(), String> {
    let diff = Command::new("git")
        .args(["diff", "HEAD"])
        .current_dir(&r.root)
        .output()
        .map_err(|e| format!("git diff: {e}"))?;
    if !diff.status.success() {
        return Err(format!("git diff HEAD failed ({})", diff.status));
    }
    let mut apply = Command::new("git")
        .args(["apply", "--allow-empty"])
        .current_dir(clone)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git apply: {e}"))?;
    apply.stdin.take().ok_or("git apply: no stdin")?.write_all(&diff.stdout).map_err(|e| format!("git apply: {e}"))?;
    let status = apply.wait().map_err(|e| format!("git apply: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("git apply --allow-empty failed ({status})")) }
}
