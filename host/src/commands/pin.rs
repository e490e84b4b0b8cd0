//! `gitea-gate pin verify|update`: the offline backstop. The lock file is in `sha256sum` format
//! (`<hex>  <path>`), its paths relative to the working directory, so `sha256sum -c` checks it
//! too. The host parses it and reads the files; the guest computes every digest.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::cli::{Cli, LockArgs, PinAction, PinArgs};
use crate::commands::{Problem, decide_in_context, report};
use crate::facts::RunFacts;
use crate::files::{exists, open_bounded, read_bounded, utf8_path};
use crate::output::Report;
use crate::protocol::{Outcome, Request};
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
        if entries.insert(path.to_owned(), digest.to_owned()).is_some() {
            return Err(bad(&format!("{path} is pinned twice")));
        }
    }
    Ok(entries)
}

/// A path as the lock file records it: relative, `/`-separated, no `.`/`..` tricks.
fn lock_path(path: &Path) -> Result<String, Problem> {
    let text = utf8_path(path)?;
    let normalized = text.trim_start_matches("./");
    if normalized.is_empty()
        || path.is_absolute()
        || normalized.contains(['\n', '\r', '\\'])
        || normalized.split('/').any(|c| c == "..")
    {
        return Err(Problem::usage_with_help(
            format!("cannot pin {text:?}"),
            "pin files by a plain path relative to the working directory (no absolute paths, no `..`, no newlines or backslashes)",
        ));
    }
    Ok(normalized.to_owned())
}

pub fn run(cli: &Cli, args: &PinArgs, sandbox: &Sandbox) -> Result<Report, Problem> {
    let run = RunFacts::gather(&cli.facts);
    let (lock, paths, mode) = match &args.action {
        PinAction::Verify { lock } => (lock, &[][..], "verify"),
        PinAction::Update { lock, paths } => (lock, paths.as_slice(), "update"),
    };
    let LockArgs { lock: lock_file, max_size } = lock;
    let lock_label = utf8_path(lock_file)?.to_owned();
    let existing = if mode == "update" && !exists(lock_file) {
        BTreeMap::new()
    } else {
        let text = read_bounded(lock_file, 16 << 20, "the lock file")?;
        let text = String::from_utf8(text).map_err(|_| Problem::usage(format!("{lock_label} is not UTF-8 text")))?;
        parse_lock(&text, lock_file)?
    };

    // Which files get their bytes read: every entry for verify and for a full update; only the
    // named paths for a partial update (the other entries are kept as they are).
    let named: Vec<String> = paths.iter().map(|p| lock_path(p)).collect::<Result<_, _>>()?;
    let mut request = Request::new("pin", Value::Null);
    let mut files = Vec::new();
    let mut all: BTreeMap<String, Option<String>> =
        existing.iter().map(|(p, d)| (p.clone(), Some(d.clone()))).collect();
    for path in &named {
        all.entry(path.clone()).or_insert(None);
    }
    for (path, expected) in &all {
        let hash_it = named.is_empty() || named.contains(path);
        let mut file = json!({ "path": path, "expected": expected });
        if hash_it {
            if exists(Path::new(path)) {
                file["bytes"] = request.blob(open_bounded(Path::new(path), *max_size, "the pinned file")?);
            } else {
                file["missing"] = json!(true);
            }
        }
        files.push(file);
    }

    let blobs = request.blobs;
    let decision = decide_in_context(cli, &run, None, sandbox, |context| Request {
        check: "pin",
        facts: json!({ "context": context, "mode": mode, "lock_file": lock_label, "files": files }),
        blobs: blobs.clone(),
    })?;
    if mode == "update" && decision.verdict.verdict == Outcome::Pass {
        let text = decision.verdict.details.get("lock").and_then(Value::as_str).unwrap_or_default();
        write_atomically(lock_file, text.as_bytes())
            .map_err(|e| Problem::usage(format!("cannot write {lock_label}: {e} (the old file is unchanged)")))?;
    }
    let details = changes(&decision.verdict.details);
    Ok(report(decision, details))
}

/// Replace `path` with `bytes` so that a reader sees the old file or the new one, never half.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut temp = tempfile::NamedTempFile::new_in(&dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// One line per entry that is not simply unchanged.
fn changes(details: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in details.get("entries").and_then(Value::as_array).into_iter().flatten() {
        let field = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or("");
        let line = match field("status") {
            "unchanged" => continue,
            "mismatch" => format!("{}: expected {}, actual {}", field("path"), field("expected"), field("actual")),
            "missing" => format!("{}: missing", field("path")),
            "added" => format!("{}: added {}", field("path"), field("actual")),
            "changed" => format!("{}: {} → {}", field("path"), field("expected"), field("actual")),
            other => format!("{}: {other}", field("path")),
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
