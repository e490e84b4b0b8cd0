//! Drift: is each synced copy byte-identical to its canonical copy?
//!
//! The typical pair (a `providers.yaml` synced from a platform repository): the canonical file lives in another
//! repository and is fetched over the API; a synced copy lives in this one. A pair can also be
//! local↔local (a generated artifact against its committed copy). When the token that reads the
//! canonical repository is missing, the trust policy decides (checks::trust::secret_policy):
//! trusted run → fail naming the token; untrusted run → the remote pairs are skipped with a warning.

use serde::Serialize;
use serde_json::json;

use crate::InvalidInput;
use crate::bytes::Resolve;
use crate::checks::summary;
use crate::checks::trust::{ActionInput, classify, secret_policy};
use crate::compare::{Comparison, DiffLimits, compare};
use crate::findings::{Code, Finding, Level};
use crate::protocol::{Outcome, Verdict};
use crate::text::{join_bounded, one_line};

pub use gitea_gate_protocol::{DriftFacts, DriftLimits as Limits, FileCopy, Pair};

/// The outcome for one pair, as reported in `details.pairs`.
#[derive(Debug, Serialize)]
struct PairReport {
    canonical: String,
    local: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    status: &'static str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    comparison: Option<Comparison>,
}

pub fn evaluate(facts: DriftFacts, blobs: &[&[u8]]) -> Result<Verdict, InvalidInput> {
    let classification = classify(&facts.context);
    let limits = facts.limits.as_ref().map_or_else(DiffLimits::default, |l| DiffLimits {
        context_lines: l.context_lines,
        max_lines: l.max_diff_lines,
        max_bytes: l.max_diff_bytes,
        ..DiffLimits::default()
    });
    let token_missing = facts.token.as_ref().filter(|t| !t.present);

    let (reports, findings) = compare_pairs(&facts.pairs, blobs, limits, token_missing.is_some())?;

    let drifted: Vec<&PairReport> = reports.iter().filter(|r| r.status == "drifted").collect();
    let skipped = reports.iter().filter(|r| r.status == "skipped").count();
    let compared = reports.len() - skipped;

    // A missing token: the trust policy decides — but only if a remote copy actually went
    // unfetched; local pairs never need the token. A drift found in local pairs still fails.
    let policy = token_missing.filter(|_| skipped > 0).map(|token| {
        let repos: Vec<&str> = reports.iter().filter(|r| r.status == "skipped").map(|r| r.canonical.as_str()).collect();
        secret_policy(
            &classification,
            &[token.name.as_str()],
            &format!("the drift check against {}", join_bounded(&repos, 2)),
            ActionInput::Token,
        )
    });
    let (outcome, decisive) = match (&policy, drifted.is_empty()) {
        (Some(p), _) if p.outcome == Outcome::Fail => (Outcome::Fail, p.decisive.clone()),
        (_, false) => (Outcome::Fail, Some(drift_summary(&drifted, compared))),
        (Some(p), true) => (p.outcome, p.decisive.clone()),
        (None, true) => (Outcome::Pass, Some(identical_summary(&reports))),
    };
    let decisive = decisive.unwrap_or_else(|| identical_summary(&reports));

    let mut verdict = Verdict::new("drift", outcome, classification.trust, &decisive);
    verdict.findings.push(classification.basis.clone());
    verdict.findings.extend(classification.warnings.iter().cloned());
    if let Some(p) = policy
        && let Some(f) = p.decisive
    {
        verdict.findings.push(f);
    }
    verdict.findings.extend(findings);
    if outcome == Outcome::Pass {
        verdict.findings.push(decisive);
    }
    verdict
        .outputs
        .insert("drifted".to_owned(), drifted.iter().map(|r| r.local.as_str()).collect::<Vec<_>>().join("\n"));
    verdict.needs = classification.needs.clone();
    let rows = reports.iter().map(|r| vec![r.local.clone(), r.canonical.clone(), pair_state(r)]).collect();
    summary::attach(&mut verdict, &["local copy", "canonical", "state"], rows);
    verdict.details = json!({ "pairs": reports, "compared": compared, "skipped": skipped });
    Ok(verdict)
}

/// Compare every pair: a report per pair and the findings about drifted ones. A remote canonical
/// left unfetched because the token is missing is `skipped`; any other pair without bytes is
/// invalid input.
fn compare_pairs(
    pairs: &[Pair],
    blobs: &[&[u8]],
    limits: DiffLimits,
    token_missing: bool,
) -> Result<(Vec<PairReport>, Vec<Finding>), InvalidInput> {
    let mut reports = Vec::with_capacity(pairs.len());
    let mut findings = Vec::new();
    for pair in pairs {
        let (canonical, local) = (one_line(&pair.canonical.label), one_line(&pair.local.label));
        let (Some(expected), Some(actual)) = (&pair.canonical.bytes, &pair.local.bytes) else {
            let unfetched_remote =
                pair.canonical.remote && pair.canonical.bytes.is_none() && pair.local.bytes.is_some();
            if !token_missing || !unfetched_remote {
                return Err(InvalidInput(format!("the pair {local} ← {canonical} has no bytes to compare")));
            }
            reports.push(PairReport { canonical, local, commit: None, status: "skipped", comparison: None });
            continue;
        };
        let (expected, actual) = (expected.resolve(blobs)?, actual.resolve(blobs)?);
        let comparison =
            compare(&expected, &actual, (&format!("canonical: {canonical}"), &format!("local: {local}")), limits);
        if let Some(d) = &comparison.difference {
            findings.push(drift_finding(&canonical, &local, &comparison));
            if d.line_endings_only {
                findings.push(
                    Finding::new(
                        Code::LineEndingsDiffer,
                        Level::Warning,
                        format!("{local} differs only in line endings"),
                    )
                    .message(format!(
                        "{local} and {canonical} differ only in line endings (CRLF versus LF): an editor or \
                         git's core.autocrlf rewrote one of them."
                    ))
                    .help("check .gitattributes (e.g. `* text=auto eol=lf`) and re-sync the copy byte for byte"),
                );
            }
        }
        let status = if comparison.identical { "identical" } else { "drifted" };
        reports.push(PairReport {
            canonical,
            local,
            commit: pair.canonical.commit.clone(),
            status,
            comparison: Some(comparison),
        });
    }
    Ok((reports, findings))
}

/// A pair's state for the job summary: `identical`, `drifted at line N`, `skipped (no token)`.
fn pair_state(r: &PairReport) -> String {
    match r.comparison.as_ref().and_then(|c| c.difference.as_ref()) {
        Some(d) => format!("drifted at line {}", d.first.line),
        None if r.status == "skipped" => "skipped (no token)".to_owned(),
        None => r.status.to_owned(),
    }
}

fn drift_finding(canonical: &str, local: &str, c: &Comparison) -> Finding {
    let Some(d) = &c.difference else {
        return Finding::new(Code::FilesIdentical, Level::Notice, format!("{local} matches {canonical}"));
    };
    let kind = if d.binary { "binary files" } else { "text" };
    Finding::new(
        Code::FileDrift,
        Level::Error,
        format!("{local} differs from {canonical} at line {}, byte {}", d.first.line, d.first.offset),
    )
    .message(format!(
        "{local} differs from its canonical copy {canonical} ({kind}): canonical {} bytes sha256 {}, local {} bytes \
         sha256 {}; first difference at line {}, column {} (byte offset {}).",
        c.expected.size,
        c.expected.sha256.as_deref().unwrap_or("?"),
        c.actual.size,
        c.actual.sha256.as_deref().unwrap_or("?"),
        d.first.line,
        d.first.column,
        d.first.offset
    ))
    .help(format!(
        "re-sync {local} from {canonical} (copy it byte for byte, or run the sync job) and commit; \
         if the canonical change is wrong, fix it upstream"
    ))
}

fn drift_summary(drifted: &[&PairReport], compared: usize) -> Finding {
    let summary = match drifted {
        [one] => match one.comparison.as_ref().and_then(|c| c.difference.as_ref()) {
            Some(d) => format!(
                "{} differs from {} at line {}, byte {}",
                one.local, one.canonical, d.first.line, d.first.offset
            ),
            None => format!("{} differs from {}", one.local, one.canonical),
        },
        many => format!(
            "{} of {compared} copies differ from their canonical files: {}",
            many.len(),
            join_bounded(&many.iter().map(|r| r.local.as_str()).collect::<Vec<_>>(), 3)
        ),
    };
    Finding::new(Code::FileDrift, Level::Error, summary)
}

fn identical_summary(reports: &[PairReport]) -> Finding {
    let compared: Vec<&PairReport> = reports.iter().filter(|r| r.status == "identical").collect();
    let summary = match compared.as_slice() {
        [one] => match &one.comparison {
            Some(c) => format!("{} matches {} byte for byte ({} bytes)", one.local, one.canonical, c.actual.size),
            None => format!("{} matches {}", one.local, one.canonical),
        },
        [] => "there was nothing to compare".to_owned(),
        many => format!("all {} copies match their canonical files", many.len()),
    };
    Finding::new(Code::FilesIdentical, Level::Notice, summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::ByteSource;
    use crate::protocol::EventFacts;
    use crate::protocol::{RunContext, SecretFact};

    fn context(event: &str, payload: serde_json::Value) -> RunContext {
        RunContext { event_name: Some(event.into()), event: EventFacts::Payload(payload), ..RunContext::default() }
    }

    fn fork_payload() -> serde_json::Value {
        json!({"pull_request": {"number": 3, "head": {"label": "x", "ref": "x", "repo_id": 9, "repo": {"id": 9, "full_name": "evil/core"}},
                                 "base": {"ref": "main", "repo_id": 7, "repo": {"id": 7, "full_name": "acme/core"}}}})
    }

    fn pair(canonical: Option<&str>, local: &str, remote: bool) -> Pair {
        Pair {
            canonical: FileCopy {
                label: "acme/controlplane@main:providers.yaml".into(),
                remote,
                commit: None,
                bytes: canonical.map(|t| ByteSource::Text(t.into())),
            },
            local: FileCopy {
                label: "providers.yaml".into(),
                remote: false,
                commit: None,
                bytes: Some(ByteSource::Text(local.into())),
            },
        }
    }

    fn facts(ctx: RunContext, token: Option<bool>, pairs: Vec<Pair>) -> DriftFacts {
        DriftFacts {
            context: ctx,
            token: token.map(|present| SecretFact { name: "AUTO_SYNC_TOKEN".into(), present }),
            pairs,
            limits: None,
        }
    }

    #[test]
    fn verdict_table() {
        let cases = [
            // (event, token present, canonical bytes, local, outcome, code)
            ("push", Some(true), Some("a\n"), "a\n", Outcome::Pass, Code::FilesIdentical),
            ("push", Some(true), Some("a\n"), "a\r\n", Outcome::Fail, Code::FileDrift),
            ("push", None, Some("a\n"), "b\n", Outcome::Fail, Code::FileDrift),
            ("schedule", Some(false), None, "a\n", Outcome::Fail, Code::MissingSecret),
            ("pull_request", Some(false), None, "a\n", Outcome::Skip, Code::SecretUnavailable),
        ];
        for (event, token, canonical, local, outcome, code) in cases {
            let payload = if event == "pull_request" { fork_payload() } else { json!({}) };
            let v = evaluate(facts(context(event, payload), token, vec![pair(canonical, local, true)]), &[])
                .expect("valid");
            assert_eq!((v.verdict, v.code), (outcome, code), "{event} {token:?} {canonical:?} {local:?}: {}", v.reason);
        }
    }

    #[test]
    fn untrusted_skip_still_fails_on_local_drift() {
        let local_pair = Pair {
            canonical: FileCopy {
                label: "gen/providers.yaml".into(),
                remote: false,
                commit: None,
                bytes: Some(ByteSource::Text("x".into())),
            },
            local: FileCopy {
                label: "providers.yaml".into(),
                remote: false,
                commit: None,
                bytes: Some(ByteSource::Text("y".into())),
            },
        };
        let v = evaluate(
            facts(context("pull_request", fork_payload()), Some(false), vec![pair(None, "a", true), local_pair]),
            &[],
        )
        .expect("valid");
        assert_eq!((v.verdict, v.code), (Outcome::Fail, Code::FileDrift));
        assert_eq!(v.details["skipped"], 1);
    }

    #[test]
    fn drift_reports_sizes_digests_and_position() {
        let v = evaluate(
            facts(context("push", json!({})), None, vec![pair(Some("k: 1\nv: 2\n"), "k: 1\nv: 3\n", true)]),
            &[],
        )
        .expect("valid");
        let finding = v.findings.iter().find(|f| f.code == Code::FileDrift).expect("finding");
        assert!(finding.message.contains("canonical 10 bytes sha256"), "{}", finding.message);
        assert!(finding.message.contains("line 2, column 4 (byte offset 8)"), "{}", finding.message);
        assert_eq!(v.outputs["drifted"], "providers.yaml");
        assert!(v.details["pairs"][0]["difference"]["diff"].as_str().expect("diff").contains("+v: 3"));
    }

    #[test]
    fn a_missing_token_does_not_matter_for_local_pairs() {
        let local_pair = Pair {
            canonical: FileCopy {
                label: "gen/a".into(),
                remote: false,
                commit: None,
                bytes: Some(ByteSource::Text("x".into())),
            },
            local: FileCopy {
                label: "sdk/a".into(),
                remote: false,
                commit: None,
                bytes: Some(ByteSource::Text("x".into())),
            },
        };
        let v = evaluate(facts(context("schedule", json!({})), Some(false), vec![local_pair]), &[]).expect("valid");
        assert_eq!((v.verdict, v.code), (Outcome::Pass, Code::FilesIdentical));
    }

    #[test]
    fn a_pair_without_bytes_is_invalid_unless_the_token_is_missing() {
        assert!(evaluate(facts(context("push", json!({})), Some(true), vec![pair(None, "a", true)]), &[]).is_err());
        assert!(evaluate(facts(context("push", json!({})), None, vec![pair(None, "a", false)]), &[]).is_err());
    }
}
