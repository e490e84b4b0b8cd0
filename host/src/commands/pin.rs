//! `gitea-gate pin verify|update`: the offline backstop. The lock file is in `sha256sum` format
//! (`<hex>  <path>`), its paths relative to the working directory, so `sha256sum -c` checks it
//! too. The host parses it and reads the files; the guest computes every digest. Every path —
//! the lock itself and each entry — stays beneath the workspace (`files.rs`).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::cli::{Cli, LockArgs, PinAction, PinArgs};
use crate::commands::{Problem, bad_details, decide_in_context, report};
use crate::facts::RunFacts;
use crate::files::{open_bounded_if_exists, read_bounded_if_exists, utf8_path, write_atomically};
use crate::output::Report;
use crate::protocol::{Facts, Outcome, PinDetails, PinFacts, PinMode, PinnedFile, Request, attach};
use crate::sandbox::Sandbox;

/// Parse a lock file: `<64 lower-case hex>  <path>` (or ` *<path>`, sha256sum's binary mode),
/// blank lines allowed. Anything else is a usage error naming the line.
pub fn parse_lock(text: &str, lock: &Path) -> Result<BTreeMap<String, String>, Problem> {
    let mut entries = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: &str| {
            Problem::usage_with_help(
                format!("{} line {}: {why}", lock.display(), number + 1),
                "each line must be `<sha256 hex>  <path>`, as `sha256sum FILE…` writes it; regenerate with `gitea-gate pin update`",
            )
        };
        let (digest, rest) = line.split_at_checked(64).ok_or_else(|| bad("too short for a sha256 line"))?;
        if !digest.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(bad("the digest is not 64 lower-case hex digits"));
        }
        let path = rest
            .strip_prefix("  ")
            .or_else(|| rest.strip_prefix(" *"))
            .ok_or_else(|| bad("expected two spaces after the digest"))?;
        if path.is_empty() || line.starts_with('\\') {
            return Err(bad("no path, or an escaped path (gitea-gate pins only plain paths)"));
        }
        if let Err(why) = pinnable(path) {
            return Err(bad(&format!("{path:?} {why}")));
        }
        if entries.insert(path.to_owned(), digest.to_owned()).is_some() {
            return Err(bad(&format!("{path} is pinned twice")));
        }
    }
    Ok(entries)
}

/// Why `path` cannot be a lock entry: it must be relative and `/`-separated, with no `..`,
/// `.git`, empty segment, backslash or line break (the same rule for the lock file as for the
/// paths given to `pin update`).
fn pinnable(path: &str) -> Result<(), &'static str> {
    if path.is_empty() || path.starts_with('/') {
        return Err("is not a relative path");
    }
    if path.contains(['\n', '\r', '\\']) {
        return Err("contains a backslash or a line break");
    }
    for segment in path.split('/') {
        match segment {
            "" => return Err("has an empty segment (`//` or a trailing `/`)"),
            ".." => return Err("climbs out of the workspace with `..`"),
            s if s.eq_ignore_ascii_case(".git") => return Err("is inside .git"),
            _ => {}
        }
    }
    Ok(())
}

/// A path as the lock file records it: relative, `/`-separated, no `.`/`..` tricks.
fn lock_path(path: &Path) -> Result<String, Problem> {
    let text = utf8_path(path)?;
    let normalized = text.trim_start_matches("./");
    pinnable(normalized).map_err(|why| {
        Problem::usage_with_help(
            format!("cannot pin {text:?}: it {why}"),
            "pin files by a plain path relative to the working directory (no absolute paths, no `..`, no newlines or backslashes)",
        )
    })?;
    Ok(normalized.to_owned())
}

pub fn run(cli: &Cli, args: &PinArgs, sandbox: &Sandbox) -> Result<Report, Problem> {
    let run = RunFacts::gather(&cli.facts.given());
    let (lock, paths, mode) = match &args.action {
        PinAction::Verify { lock } => (lock, &[][..], PinMode::Verify),
        PinAction::Update { lock, paths } => (lock, paths.as_slice(), PinMode::Update),
    };
    let LockArgs { lock: lock_file, max_size } = lock;
    let lock_label = utf8_path(lock_file)?.to_owned();
    let existing = match read_bounded_if_exists(lock_file, 16 << 20, "the lock file")? {
        None if mode == PinMode::Update => BTreeMap::new(),
        None => {
            return Err(Problem::usage_with_help(
                format!("the lock file {lock_label} does not exist"),
                "create it with `gitea-gate pin update --lock FILE PATH…`, or check the path (it is relative to the working directory)",
            ));
        }
        Some(text) => {
            let text =
                String::from_utf8(text).map_err(|_| Problem::usage(format!("{lock_label} is not UTF-8 text")))?;
            parse_lock(&text, lock_file)?
        }
    };

    // Which files get their bytes read: every entry for verify and for a full update; only the
    // named paths for a partial update (the other entries are kept as they are).
    let named: Vec<String> = paths.iter().map(|p| lock_path(p)).collect::<Result<_, _>>()?;
    let mut blobs = Vec::new();
    let mut files = Vec::new();
    let mut all: BTreeMap<String, Option<String>> =
        existing.iter().map(|(p, d)| (p.clone(), Some(d.clone()))).collect();
    for path in &named {
        all.entry(path.clone()).or_insert(None);
    }
    for (path, expected) in &all {
        let hash_it = named.is_empty() || named.contains(path);
        let mut file = PinnedFile { path: path.clone(), expected: expected.clone(), bytes: None, missing: false };
        if hash_it {
            match open_bounded_if_exists(Path::new(path), *max_size, "the pinned file")? {
                Some(blob) => file.bytes = Some(attach(&mut blobs, blob)),
                None => file.missing = true,
            }
        }
        files.push(file);
    }

    let decision = decide_in_context(cli, &run, None, sandbox, |context| Request {
        facts: Facts::Pin(PinFacts { context, mode, lock_file: lock_label.clone(), files: files.clone() }),
        blobs: blobs.clone(),
    })?;
    let details = pin_details(&decision.verdict.details)?;
    if mode == PinMode::Update && decision.verdict.verdict == Outcome::Pass {
        let text = details.lock.as_deref().unwrap_or_default();
        write_atomically(lock_file, text.as_bytes(), "the lock file")?;
    }
    let details = changes(&details);
    Ok(report(decision, details))
}

/// The verdict's details, typed (none for a verdict that has none).
fn pin_details(details: &Value) -> Result<PinDetails, Problem> {
    if details.is_null() {
        return Ok(PinDetails::default());
    }
    serde_json::from_value(details.clone()).map_err(|e| bad_details("pin", &e))
}

/// One line per entry that is not simply unchanged.
fn changes(details: &PinDetails) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in &details.entries {
        let (path, expected, actual) =
            (&entry.path, entry.expected.as_deref().unwrap_or(""), entry.actual.as_deref().unwrap_or(""));
        let line = match entry.status.as_str() {
            "unchanged" => continue,
            "mismatch" => format!("{path}: expected {expected}, actual {actual}"),
            "missing" => format!("{path}: missing"),
            "added" => format!("{path}: added {actual}"),
            "changed" => format!("{path}: {expected} → {actual}"),
            other => format!("{path}: {other}"),
        };
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    #[test]
    fn lock_lines() {
        let lock = Path::new("gitea-gate.sha256");
        let ok = parse_lock(&format!("{D}  a.txt\n\n{D} *dir/b.bin\n"), lock).expect("valid");
        assert_eq!(ok.len(), 2);
        assert_eq!(ok["dir/b.bin"], D);
        for bad in [
            format!("{D} a"),
            format!("{}  a", D.to_uppercase()),
            "xyz  a".to_owned(),
            format!("{D}  a\n{D}  a"),
            format!("\\{D}  a\\nb"),
            format!("{D}  a\\b"),
            format!("{D}  ../../../../etc/passwd"),
            format!("{D}  /etc/passwd"),
            format!("{D}  a//b"),
            format!("{D}  .git/config"),
        ] {
            assert!(parse_lock(&bad, lock).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pinnable_paths() {
        assert_eq!(lock_path(Path::new("./a/b.txt")).expect("ok"), "a/b.txt");
        for bad in ["/etc/passwd", "../x", "a/../../x", "a\nb", ""] {
            assert!(lock_path(Path::new(bad)).is_err(), "{bad:?}");
        }
    }
}
