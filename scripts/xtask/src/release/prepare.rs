//! `prepare X.Y.Z [NEXT]`: cut a release. Set the version, move CHANGELOG.md's Unreleased section
//! under it, build both arches (`all`), commit, tag vX.Y.Z, then set main to NEXT (default
//! X.Y.(Z+1)-dev) and commit; pushing is the maintainer's (`git push origin HEAD vX.Y.Z`), and
//! the release workflow does the rest (`publish`).

use std::process::{Command, Stdio};

use super::sums::{SUMS, VERDICTS, build_and_list};
use super::{ARCHES, Release};
use crate::process::{capture, run, succeeds};
use crate::workspace::{read_text, write_whole};

pub fn prepare(r: &Release, new: &str, next: Option<&str>) -> Result<(), String> {
    if !is_version(new) {
        return Err(format!("usage: xtask release prepare X.Y.Z [NEXT] (got '{new}')"));
    }
    let next = next_version(new, next, &r.version);
    if !next.contains('-') {
        return Err(format!("main's next version must be a pre-release (X.Y.Z-dev), not {next}"));
    }
    if !capture(Command::new("git").args(["status", "--porcelain"]))?.is_empty() {
        return Err("the working tree has changes; a release is cut from a clean checkout".to_owned());
    }
    if succeeds(Command::new("git").args(["rev-parse", "-q", "--verify", &format!("refs/tags/v{new}")])) {
        return Err(format!("the tag v{new} exists already"));
    }
    // The CHANGELOG first: it may still refuse (an empty Unreleased section) before anything
    // else is touched. After it, a failure leaves the tree half-prepared, and says how to undo it.
    crate::changelog::release_file(&r.root, new, &today())?;
    cut(r, new, &next).map_err(|e| format!("{e}\nprepare failed half-way: git checkout -- . restores the tree"))?;
    eprintln!("released v{new} locally; main is {next}. Publish with:");
    eprintln!("  git push origin HEAD v{new}");
    Ok(())
}

/// Everything after the CHANGELOG: the release commit and tag, then main's next version.
fn cut(r: &Release, new: &str, next: &str) -> Result<(), String> {
    set_version(r, new)?;
    let released = Release { version: new.to_owned(), ..r.clone() };
    build_and_list(&released, &ARCHES)?;
    git(&["add", "Cargo.toml", "Cargo.lock", "CHANGELOG.md", SUMS, VERDICTS])?;
    git(&["commit", "-q", "-m", &format!("Release {new}")])?;
    git(&["tag", "-a", &format!("v{new}"), "-m", &format!("gitea-gate {new}")])?;
    set_version(r, next)?;
    git(&["add", "Cargo.toml", "Cargo.lock"])?;
    git(&["commit", "-q", "-m", &format!("Main is {next} again, after releasing {new}")])
}

fn git(args: &[&str]) -> Result<(), String> {
    run(Command::new("git").args(args))
}

/// The root Cargo.toml's first `version = "…"` line set to `version`, and Cargo.lock's own
/// versions refreshed (cargo metadata rewrites them, offline).
fn set_version(r: &Release, version: &str) -> Result<(), String> {
    let path = r.root.join("Cargo.toml");
    let manifest = read_text(&path)?;
    write_whole(&path, with_version(&manifest, version).as_bytes())?;
    let mut metadata = Command::new("cargo");
    metadata.args(["metadata", "--offline", "--format-version", "1"]).stdout(Stdio::null());
    run(&mut metadata)
}

/// `manifest` with its first `version = "…"` line saying `version`.
pub fn with_version(manifest: &str, version: &str) -> String {
    let mut done = false;
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        if !done && body.starts_with("version = \"") && body.ends_with('"') {
            out.push_str(&format!("version = \"{version}\"{}", &line[body.len()..]));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    out
}

/// X.Y.Z with an optional pre-release part (-[0-9A-Za-z.]+).
pub fn is_version(text: &str) -> bool {
    let (core, pre) = match text.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (text, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers.iter().all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && pre.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.'))
}

/// Main's version after releasing `new`: NEXT when given; after a pre-release, the current one;
/// else the next patch's -dev.
pub fn next_version(new: &str, given: Option<&str>, current: &str) -> String {
    if let Some(next) = given.filter(|n| !n.is_empty()) {
        return next.to_owned();
    }
    if new.contains('-') {
        return current.to_owned();
    }
    let mut parts = new.split('.');
    let (major, minor) = (parts.next().unwrap_or("0"), parts.next().unwrap_or("0"));
    let patch: u64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    format!("{major}.{minor}.{}-dev", patch + 1)
}

/// Today's date in UTC, YYYY-MM-DD (the CHANGELOG heading's).
fn today() -> String {
    let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    civil_date(secs / 86_400)
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_date(days: u64) -> String {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::{civil_date, is_version, next_version, with_version};

    #[test]
    fn versions_are_x_y_z_with_an_optional_prerelease() {
        for good in ["1.4.0", "0.0.1", "10.20.30", "1.4.0-rc.1", "1.4.0-dev"] {
            assert!(is_version(good), "{good}");
        }
        for bad in ["1.3", "v1.3.0", "1.3.0-", "1.3.0-rc_1", "1.3.0.0", "1..0", ""] {
            assert!(!is_version(bad), "{bad}");
        }
    }

    #[test]
    fn the_next_version_is_the_next_patchs_dev_unless_given() {
        assert_eq!(next_version("1.4.0", None, "1.4.0-dev"), "1.4.1-dev");
        assert_eq!(next_version("1.4.9", None, "1.4.9-dev"), "1.4.10-dev");
        assert_eq!(next_version("1.4.0", Some("1.5.0-dev"), "1.4.0-dev"), "1.5.0-dev");
        assert_eq!(next_version("1.4.0-rc.1", None, "1.4.0-dev"), "1.4.0-dev", "main stays where it was");
    }

    #[test]
    fn only_the_first_version_line_changes() {
        let manifest = "[workspace.package]\nversion = \"1.4.0-dev\"\nedition = \"2024\"\n[x]\nversion = \"9\"\n";
        assert_eq!(with_version(manifest, "1.4.0"), manifest.replacen("1.4.0-dev", "1.4.0", 1));
    }

    #[test]
    fn dates_are_utc_days() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(20_429), "2025-12-07");
        assert_eq!(civil_date(11_016), "2000-02-29");
    }
}
