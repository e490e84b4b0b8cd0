//! Pins: offline sha256 digests of files, kept in a lock file in `sha256sum` format
//! (`<hex>  <path>`) so coreutils can check it too. The always-on backstop of the drift
//! gate: it needs no network and no token.
//!
//! The host reads the lock file and the files; the guest computes every digest, compares, and for
//! `update` renders the new lock text (sorted by path, so updates give stable diffs).

use serde::Serialize;
use serde_json::json;

use crate::InvalidInput;
use crate::bytes::{Resolve, sha256_hex};
use crate::checks::summary;
use crate::checks::trust::classify;
use crate::findings::{Code, Finding, Level};
use crate::protocol::{Outcome, Verdict};
use crate::text::{join_bounded, one_line};

pub use gitea_gate_protocol::{PinFacts, PinMode, PinnedFile};

#[derive(Debug, Serialize)]
struct Entry {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actual: Option<String>,
    status: &'static str,
}

fn valid_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub fn evaluate(facts: PinFacts, blobs: &[&[u8]]) -> Result<Verdict, InvalidInput> {
    let classification = classify(&facts.context);
    let lock = one_line(&facts.lock_file);
    let mut entries = Vec::with_capacity(facts.files.len());
    for file in &facts.files {
        if file.path.is_empty() || file.path.contains(['\n', '\r', '\\']) {
            return Err(InvalidInput(format!("pinned path {:?} cannot be written in sha256sum format", file.path)));
        }
        if let Some(expected) = &file.expected
            && !valid_hex(expected)
        {
            return Err(InvalidInput(format!(
                "the digest for {} is not 64 lower-case hex digits",
                one_line(&file.path)
            )));
        }
        let actual = match (&file.bytes, file.missing) {
            (Some(bytes), false) => Some(sha256_hex(&bytes.resolve(blobs)?)),
            (None, true) => None,
            (None, false) if facts.mode == PinMode::Update && file.expected.is_some() => file.expected.clone(),
            _ => return Err(InvalidInput(format!("{}: give either its bytes or missing", one_line(&file.path)))),
        };
        let status = match (&file.expected, &actual) {
            (_, None) => "missing",
            (None, Some(_)) => "added",
            (Some(e), Some(a)) if e == a => "unchanged",
            (Some(_), Some(_)) => {
                if facts.mode == PinMode::Verify {
                    "mismatch"
                } else {
                    "changed"
                }
            }
        };
        entries.push(Entry { path: file.path.clone(), expected: file.expected.clone(), actual, status });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(w) = entries.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(InvalidInput(format!("{} is pinned twice", one_line(&w[0].path))));
    }
    let rows = entries.iter().map(|e| vec![e.path.clone(), e.status.to_owned()]).collect();
    let mut verdict = match facts.mode {
        PinMode::Verify => verify_verdict(&classification, &lock, entries),
        PinMode::Update => update_verdict(&classification, &lock, entries),
    };
    summary::attach(&mut verdict, &["file", "state"], rows);
    Ok(verdict)
}

/// An empty lock checks nothing: a pass on it would be a pass on a deleted or truncated lock file.
fn nothing_pinned(c: &crate::checks::trust::Classification, lock: &str, entries: Vec<Entry>) -> Verdict {
    let finding =
        Finding::new(Code::NothingPinned, Level::Error, format!("{lock} pins no files, so nothing was checked")).help(
            format!(
                "pin the files this gate protects with `gitea-gate pin update --lock {lock} PATH…` and commit {lock}"
            ),
        );
    let mut verdict = Verdict::new("pin", Outcome::Fail, c.trust, &finding);
    verdict.findings.push(finding);
    verdict.outputs.insert("mismatched".to_owned(), String::new());
    verdict.details = json!({ "lock_file": lock, "entries": entries });
    verdict
}

fn verify_verdict(c: &crate::checks::trust::Classification, lock: &str, entries: Vec<Entry>) -> Verdict {
    if entries.is_empty() {
        return nothing_pinned(c, lock, entries);
    }
    let mut findings = Vec::new();
    for e in &entries {
        let path = one_line(&e.path);
        match (e.status, &e.expected, &e.actual) {
            ("missing", _, _) => findings.push(
                Finding::new(Code::PinnedFileMissing, Level::Error, format!("{path} is pinned in {lock} but does not exist"))
                    .help(format!("restore {path}, or remove its line from {lock} with `gitea-gate pin update`")),
            ),
            ("mismatch", Some(expected), Some(actual)) => findings.push(
                Finding::new(Code::PinMismatch, Level::Error, format!("{path} does not match its pin"))
                    .message(format!("{path} does not match its pin in {lock}: expected sha256 {expected}, actual sha256 {actual}."))
                    .help(format!(
                        "if the change is intended, run `gitea-gate pin update {path}` and commit {lock}; otherwise restore {path}"
                    )),
            ),
            _ => {}
        }
    }
    let bad: Vec<&str> = entries.iter().filter(|e| e.status != "unchanged").map(|e| e.path.as_str()).collect();
    let (outcome, decisive) = if bad.is_empty() {
        let summary = match entries.len() {
            1 => format!("{} matches its pin in {lock}", one_line(&entries[0].path)),
            n => format!("all {n} files pinned in {lock} match"),
        };
        (Outcome::Pass, Finding::new(Code::PinsMatch, Level::Notice, summary))
    } else {
        let missing = entries.iter().filter(|e| e.status == "missing").count();
        let changed = bad.len() - missing;
        let code = if changed == 0 { Code::PinnedFileMissing } else { Code::PinMismatch };
        let summary = match (bad.as_slice(), missing) {
            ([one], 1) => format!("{} is pinned in {lock} but does not exist", one_line(one)),
            ([one], _) => format!("{} does not match its pin in {lock}", one_line(one)),
            (many, _) => format!(
                "{} of {} files pinned in {lock} do not match ({changed} changed, {missing} missing): {}",
                many.len(),
                entries.len(),
                join_bounded(&many.iter().map(|p| one_line(p)).collect::<Vec<_>>(), 3)
            ),
        };
        (Outcome::Fail, Finding::new(code, Level::Error, summary))
    };
    let mut verdict = Verdict::new("pin", outcome, c.trust, &decisive);
    verdict.findings.extend(findings);
    if outcome == Outcome::Pass {
        verdict.findings.push(decisive);
    }
    verdict.outputs.insert("mismatched".to_owned(), bad.iter().map(|p| one_line(p)).collect::<Vec<_>>().join("\n"));
    verdict.details = json!({ "lock_file": lock, "entries": entries });
    verdict
}

fn update_verdict(c: &crate::checks::trust::Classification, lock: &str, entries: Vec<Entry>) -> Verdict {
    if entries.is_empty() {
        return nothing_pinned(c, lock, entries);
    }
    let missing: Vec<String> = entries.iter().filter(|e| e.status == "missing").map(|e| one_line(&e.path)).collect();
    if !missing.is_empty() {
        let finding = Finding::new(
            Code::PinnedFileMissing,
            Level::Error,
            format!("cannot pin files that do not exist: {}", join_bounded(&missing, 3)),
        )
        .help(format!("check the paths; to drop a pin, delete its line from {lock}"));
        let mut verdict = Verdict::new("pin", Outcome::Fail, c.trust, &finding);
        verdict.findings.push(finding);
        verdict.details = json!({ "lock_file": lock, "entries": entries });
        return verdict;
    }
    let text: String =
        entries.iter().filter_map(|e| e.actual.as_ref().map(|digest| format!("{digest}  {}\n", e.path))).collect();
    let count = |status: &str| entries.iter().filter(|e| e.status == status).count();
    let summary =
        format!("{lock}: {} added, {} changed, {} unchanged", count("added"), count("changed"), count("unchanged"));
    let decisive = Finding::new(Code::PinsUpdated, Level::Notice, summary);
    let mut verdict = Verdict::new("pin", Outcome::Pass, c.trust, &decisive);
    verdict.findings.push(decisive);
    verdict.details = json!({ "lock_file": lock, "entries": entries, "lock": text });
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::ByteSource;
    use crate::protocol::RunContext;

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const EMPTY: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn file(path: &str, expected: Option<&str>, content: Option<&str>) -> PinnedFile {
        PinnedFile {
            path: path.into(),
            expected: expected.map(str::to_owned),
            bytes: content.map(|c| ByteSource::Text(c.into())),
            missing: content.is_none() && expected.is_some() && path.starts_with("gone"),
        }
    }

    fn run(mode: PinMode, files: Vec<PinnedFile>) -> Verdict {
        evaluate(PinFacts { context: RunContext::default(), mode, lock_file: "gitea-gate.sha256".into(), files }, &[])
            .expect("valid")
    }

    #[test]
    fn verify_table() {
        let ok = run(PinMode::Verify, vec![file("a", Some(ABC), Some("abc")), file("b", Some(EMPTY), Some(""))]);
        assert_eq!((ok.verdict, ok.code), (Outcome::Pass, Code::PinsMatch));
        let bad = run(PinMode::Verify, vec![file("a", Some(EMPTY), Some("abc"))]);
        assert_eq!((bad.verdict, bad.code), (Outcome::Fail, Code::PinMismatch));
        let f = bad.findings.iter().find(|f| f.code == Code::PinMismatch).expect("finding");
        assert!(f.message.contains(&format!("expected sha256 {EMPTY}, actual sha256 {ABC}")), "{}", f.message);
        let gone = run(PinMode::Verify, vec![file("gone.txt", Some(ABC), None)]);
        assert_eq!((gone.verdict, gone.code), (Outcome::Fail, Code::PinnedFileMissing));
        assert_eq!(gone.outputs["mismatched"], "gone.txt");
        let empty = run(PinMode::Verify, vec![]);
        assert_eq!((empty.verdict, empty.code), (Outcome::Fail, Code::NothingPinned));
        let empty_update = run(PinMode::Update, vec![]);
        assert_eq!((empty_update.verdict, empty_update.code), (Outcome::Fail, Code::NothingPinned));
    }

    #[test]
    fn update_renders_sorted_sha256sum_text() {
        let v = run(
            PinMode::Update,
            vec![file("z", None, Some("")), file("a", Some(EMPTY), Some("abc")), file("m", Some(ABC), None)],
        );
        assert_eq!(v.verdict, Outcome::Pass);
        assert_eq!(v.details["lock"], format!("{ABC}  a\n{ABC}  m\n{EMPTY}  z\n"));
        assert!(v.reason.contains("1 added, 1 changed, 1 unchanged"), "{}", v.reason);
    }

    #[test]
    fn rejects_unwritable_paths_bad_digests_and_duplicates() {
        let facts =
            |files| PinFacts { context: RunContext::default(), mode: PinMode::Verify, lock_file: "l".into(), files };
        assert!(evaluate(facts(vec![file("a\nb", Some(ABC), Some("abc"))]), &[]).is_err());
        assert!(evaluate(facts(vec![file("a", Some("ABC"), Some("abc"))]), &[]).is_err());
        assert!(
            evaluate(facts(vec![file("a", Some(ABC), Some("abc")), file("a", Some(ABC), Some("abc"))]), &[]).is_err()
        );
    }
}
