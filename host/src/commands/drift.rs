//! `gitea-gate drift`: fetch each canonical copy, read each local copy, let the guest compare.
//!
//! Failing to obtain a canonical copy is never a pass: any API failure is exit 3 naming the URL
//! and status. A missing token is not a failure to obtain: the guest applies the trust policy.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::cli::{Cli, DriftArgs};
use crate::codes;
use crate::commands::{Problem, api_client, check_token_env, decide_in_context, report};
use crate::facts::{self, RunFacts};
use crate::files::{open_bounded, read_bounded, utf8_path};
use crate::gitea::contents;
use crate::gitea::{RepoName, Token};
use crate::output::Report;
use crate::protocol::Request;
use crate::sandbox::Sandbox;

/// Where a canonical copy lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Canonical {
    /// `OWNER/REPO@REF:PATH`, read over the API.
    Remote { repo: RepoName, git_ref: String, path: String },
    /// `file:PATH`, read from the workspace.
    Local(PathBuf),
}

impl Canonical {
    pub fn parse(spec: &str) -> Result<Canonical, String> {
        if let Some(path) = spec.strip_prefix("file:") {
            return if path.is_empty() {
                Err("file: needs a path".to_owned())
            } else {
                Ok(Canonical::Local(PathBuf::from(path)))
            };
        }
        let usage = || format!("{spec:?} is not OWNER/REPO@REF:PATH or file:PATH");
        // Git ref names and repository names cannot contain ':', so the first ':' ends the ref.
        let (repo_ref, path) = spec.split_once(':').ok_or_else(usage)?;
        let (repo, git_ref) = repo_ref.split_once('@').ok_or_else(usage)?;
        let repo = RepoName::parse(repo)?;
        let path = path.trim_start_matches('/');
        if git_ref.is_empty() || path.is_empty() {
            return Err(usage());
        }
        Ok(Canonical::Remote { repo, git_ref: git_ref.to_owned(), path: path.to_owned() })
    }

    pub fn label(&self) -> String {
        match self {
            Canonical::Remote { repo, git_ref, path } => format!("{repo}@{git_ref}:{path}"),
            Canonical::Local(path) => path.display().to_string(),
        }
    }
}

/// One entry of `--manifest FILE`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestPair {
    canonical: String,
    local: PathBuf,
}

struct PairSpec {
    canonical: Canonical,
    local: PathBuf,
}

fn pair_specs(args: &DriftArgs) -> Result<Vec<PairSpec>, Problem> {
    if let Some(manifest) = &args.manifest {
        let text = read_bounded(manifest, 8 << 20, "the manifest")?;
        let pairs: Vec<ManifestPair> = serde_json::from_slice(&text).map_err(|e| {
            Problem::usage_with_help(
                format!("the manifest {} is not valid: {e}", manifest.display()),
                r#"write a JSON list of pairs: [{"canonical": "OWNER/REPO@REF:PATH", "local": "PATH"}, …]"#,
            )
        })?;
        if pairs.is_empty() {
            return Err(Problem::usage(format!("the manifest {} lists no pairs", manifest.display())));
        }
        return pairs
            .into_iter()
            .map(|p| {
                let canonical = Canonical::parse(&p.canonical)
                    .map_err(|why| Problem::usage(format!("{}: {why}", manifest.display())))?;
                Ok(PairSpec { canonical, local: p.local })
            })
            .collect();
    }
    match (&args.canonical, &args.local) {
        (Some(spec), Some(local)) => {
            let canonical = Canonical::parse(spec).map_err(|why| Problem::usage(format!("--canonical: {why}")))?;
            Ok(vec![PairSpec { canonical, local: local.clone() }])
        }
        _ => Err(Problem::usage("give --canonical SPEC --local PATH, or --manifest FILE")),
    }
}

pub fn run(cli: &Cli, args: &DriftArgs, sandbox: &Sandbox) -> Result<Report, Problem> {
    let run = RunFacts::gather(&cli.facts);
    let specs = pair_specs(args)?;

    check_token_env(args.token_env.as_deref())?;
    let token_fact = args.token_env.as_ref().map(|name| (name.clone(), facts::secret_value(name)));
    let token_missing = matches!(&token_fact, Some((_, None)));
    let needs_api = !token_missing && specs.iter().any(|s| matches!(s.canonical, Canonical::Remote { .. }));
    let client = if needs_api {
        let token = token_fact.as_ref().and_then(|(name, value)| value.as_ref().map(|v| Token::new(name, v)));
        Some(api_client(cli, &run, "fetch canonical files from", token)?)
    } else {
        None
    };

    let mut request = Request::new("drift", Value::Null);
    let mut pairs = Vec::with_capacity(specs.len());
    for spec in &specs {
        let local_label = utf8_path(&spec.local)?.to_owned();
        let local = open_bounded(&spec.local, args.max_size, "the local copy")?;
        let canonical = match (&spec.canonical, &client) {
            (Canonical::Local(path), _) => {
                utf8_path(path)?;
                let canonical = open_bounded(path, args.max_size, "the canonical file")?;
                json!({ "label": spec.canonical.label(), "bytes": request.blob(canonical) })
            }
            (Canonical::Remote { .. }, None) => json!({ "label": spec.canonical.label(), "remote": true }),
            (Canonical::Remote { repo, git_ref, path }, Some(client)) => {
                crate::log_line!("gitea-gate: fetching {} …", spec.canonical.label());
                let fetched =
                    contents::fetch(client, repo, git_ref, path, args.max_size).map_err(|e| Problem::Undecided {
                        code: codes::CANONICAL_UNAVAILABLE,
                        message: format!("cannot obtain the canonical copy {}: {e}", spec.canonical.label()),
                        help: Some(fetch_help(&e, &token_fact)),
                    })?;
                json!({
                    "label": spec.canonical.label(),
                    "remote": true,
                    "commit": fetched.commit,
                    "bytes": request.blob(fetched.bytes),
                })
            }
        };
        let local = json!({ "label": local_label, "bytes": request.blob(local) });
        pairs.push(json!({ "canonical": canonical, "local": local }));
    }

    let token = token_fact.as_ref().map(|(name, value)| json!({ "name": name, "present": value.is_some() }));
    let limits = json!({
        "context_lines": args.context_lines,
        "max_diff_lines": args.max_diff_lines,
        "max_diff_bytes": 1 << 20,
    });
    let blobs = request.blobs;
    let decision = decide_in_context(cli, &run, args.token_env.as_deref(), sandbox, |context| Request {
        check: "drift",
        facts: json!({ "context": context, "token": token, "pairs": pairs, "limits": limits }),
        blobs: blobs.clone(),
    })?;
    let details = diff_lines(&decision.verdict.details);
    Ok(report(decision, details))
}

/// What to do about a failed fetch, from its status.
fn fetch_help(e: &crate::gitea::ApiError, token: &Option<(String, Option<String>)>) -> String {
    let token_name = token.as_ref().map_or("the token (--token-env)", |(name, _)| name.as_str());
    match e.status() {
        Some(401) => format!("{token_name} was rejected (HTTP 401): it is invalid or expired; replace the secret"),
        Some(403) => format!("{token_name} lacks access: a personal access token needs the read:repository scope"),
        Some(404) => format!(
            "the repository, ref or path does not exist — or is private and {token_name} cannot see it \
             (Gitea answers 404, not 403, for repositories you cannot see)"
        ),
        _ => "the Gitea API did not answer as expected; the drift gate cannot decide without the canonical bytes"
            .to_owned(),
    }
}

/// The diff of every drifted pair, for the human report.
fn diff_lines(details: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    for pair in details.get("pairs").and_then(Value::as_array).into_iter().flatten() {
        let Some(difference) = pair.get("difference") else { continue };
        let local = pair.get("local").and_then(Value::as_str).unwrap_or("?");
        if let Some(diff) = difference.get("diff").and_then(Value::as_str) {
            lines.push(format!("diff for {local}:"));
            // split('\n'), not lines(): a CR at the end of a line is part of the drift.
            lines.extend(diff.split('\n').map(|l| format!("  {l}")));
            let omitted = difference.get("diff_lines_omitted").and_then(Value::as_u64).unwrap_or(0);
            if omitted > 0 {
                lines.push(format!("  … {omitted} more diff lines not shown (--max-diff-lines)"));
            }
        } else if difference.get("binary").and_then(Value::as_bool) == Some(true) {
            lines.push(format!("{local}: binary content differs (no diff shown)"));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_specs() {
        let remote = Canonical::parse("acme/controlplane@main:internal/providers/providers.yaml").expect("remote");
        assert_eq!(
            remote,
            Canonical::Remote {
                repo: RepoName { owner: "acme".into(), name: "controlplane".into() },
                git_ref: "main".into(),
                path: "internal/providers/providers.yaml".into()
            }
        );
        assert_eq!(remote.label(), "acme/controlplane@main:internal/providers/providers.yaml");
        let tag = Canonical::parse("acme/cp@release/v1.2:/a:b.txt").expect("slash ref");
        assert!(
            matches!(tag, Canonical::Remote { ref git_ref, ref path, .. } if git_ref == "release/v1.2" && path == "a:b.txt")
        );
        assert_eq!(Canonical::parse("file:gen/x.yaml").expect("local"), Canonical::Local("gen/x.yaml".into()));
        for bad in ["acme/cp:path", "acme@main:path", "acme/cp@:path", "acme/cp@main:", "file:", "nothing"] {
            assert!(Canonical::parse(bad).is_err(), "{bad}");
        }
    }
}
