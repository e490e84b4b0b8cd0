//! `gitea-gate drift`: fetch each canonical copy, read each local copy, let the guest compare.
//!
//! Failing to obtain a canonical copy is never a pass: any API failure is exit 3 naming the URL
//! and status. A missing token is not a failure to obtain: the guest applies the trust policy.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::blob::Blob;
use crate::cli::{Cli, DriftArgs};
use crate::commands::session::{self, GateToken, api_client};
use crate::commands::{Problem, bad_details, check_token_env, decide_in_context, report, run_repository};
use crate::facts::RunFacts;
use crate::files::{beneath, open_bounded, read_bounded, read_bounded_if_exists, utf8_path};
use crate::gitea::contents::{self, ToCompare};
use crate::gitea::{Client, RepoName};
use crate::output::Report;
use crate::protocol::Code;
use crate::protocol::{
    DriftDetails, DriftFacts, DriftLimits, Facts, FileCopy, Finding, Level, Pair, PullView, Request, attach,
};
use crate::sandbox::Sandbox;

/// The largest manifest read.
const MAX_MANIFEST_BYTES: u64 = 8 << 20;

/// A local copy larger than this has its canonical copy's metadata read alone and its bytes
/// streamed from `/raw` (gitea/contents.rs). Below it one request with the file inline is
/// cheaper: a second round trip costs more than base64's extra third of a small file.
const LARGE_COPY: u64 = 1 << 20;

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
        check_ref(git_ref).map_err(|why| format!("{spec:?}: the ref {git_ref:?} {why}"))?;
        check_repo_path(path).map_err(|why| format!("{spec:?}: the path {path:?} {why}"))?;
        Ok(Canonical::Remote { repo, git_ref: git_ref.to_owned(), path: path.to_owned() })
    }

    pub fn label(&self) -> String {
        match self {
            Canonical::Remote { repo, git_ref, path } => format!("{repo}@{git_ref}:{path}"),
            Canonical::Local(path) => path.display().to_string(),
        }
    }
}

/// A file path inside a repository, as the contents API takes it: `/`-separated segments, none
/// empty, `.` or `..`, no backslash or control character (they would reach another API path, or
/// another file than the one named, with the token attached).
fn check_repo_path(path: &str) -> Result<(), &'static str> {
    if path.contains('\\') || path.chars().any(char::is_control) {
        return Err("contains a backslash or a control character");
    }
    if path.split('/').any(|segment| matches!(segment, "" | "." | "..")) {
        return Err("has an empty, `.` or `..` segment");
    }
    Ok(())
}

/// A branch, tag or commit as git allows one (`git check-ref-format`, the parts that matter here).
fn check_ref(git_ref: &str) -> Result<(), &'static str> {
    if git_ref.contains("..") || git_ref.contains("@{") || git_ref.contains('\\') {
        return Err("contains `..`, `@{` or a backslash");
    }
    if git_ref.chars().any(|c| c.is_control() || c.is_whitespace() || matches!(c, '~' | '^' | '?' | '*' | '[')) {
        return Err("contains a character git does not allow in a ref");
    }
    if git_ref.split('/').any(|segment| segment.is_empty() || segment.starts_with('.')) {
        return Err("has an empty segment or one starting with `.`");
    }
    Ok(())
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

/// The pairs of a manifest's bytes; `shown` names it in messages.
fn parse_manifest(text: &[u8], shown: &str) -> Result<Vec<PairSpec>, Problem> {
    let pairs: Vec<ManifestPair> = serde_json::from_slice(text).map_err(|e| {
        Problem::usage_with_help(
            format!("the manifest {shown} is not valid: {e}"),
            r#"write a JSON list of pairs: [{"canonical": "OWNER/REPO@REF:PATH", "local": "PATH"}, …]"#,
        )
    })?;
    if pairs.is_empty() {
        return Err(Problem::usage(format!("the manifest {shown} lists no pairs")));
    }
    pairs
        .into_iter()
        .map(|p| {
            let canonical = Canonical::parse(&p.canonical).map_err(|why| Problem::usage(format!("{shown}: {why}")))?;
            Ok(PairSpec { canonical, local: p.local })
        })
        .collect()
}

/// Every path stays beneath the workspace and every repository is allowed — checked before any
/// file is opened or any request is sent.
fn check_pairs(specs: &[PairSpec], allowed: &[RepoName]) -> Result<(), Problem> {
    for spec in specs {
        beneath(&spec.local, "the local copy")?;
        match &spec.canonical {
            Canonical::Local(path) => {
                beneath(path, "the canonical file")?;
            }
            Canonical::Remote { repo, .. } if !allowed.is_empty() && !allowed.iter().any(|a| a.same_as(repo)) => {
                return Err(Problem::usage_with_help(
                    format!(
                        "the canonical {} names the repository {repo}, which --allow-repo does not list ({})",
                        spec.canonical.label(),
                        allowed.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                    ),
                    "add --allow-repo OWNER/REPO (action input allow-repo) if the gate may read it",
                ));
            }
            Canonical::Remote { .. } => {}
        }
    }
    Ok(())
}

/// The base commit of the pull request this run is on, when it is a pull-request run (whose
/// workspace files may come from the pull request): `None` for any other run.
fn pull_request_base(run: &RunFacts, client: impl Fn() -> Result<Client, Problem>) -> Result<Option<String>, Problem> {
    if !run.is_pull_request_run() {
        return Ok(None);
    }
    let name = run.event_name.as_deref().unwrap_or("");
    let payload = run.payload_view();
    let unknown = |why: String| {
        Problem::Undecided {
        code: Code::ApiError,
        message: format!("this {name} run's base commit is unknown: {why}"),
        help: Some("in a pull-request run the drift manifest is read from the base commit, never from the pull request's files".to_owned()),
    }
    };
    if name != "issue_comment" {
        let base = payload.pull_request.as_ref().and_then(PullView::base_sha);
        return base
            .map(|sha| Some(sha.to_owned()))
            .ok_or_else(|| unknown("the event payload has no pull_request.base.sha".to_owned()));
    }
    let number = payload.issue_number().ok_or_else(|| unknown("the event payload has no issue.number".to_owned()))?;
    let repo = run_repository(run, "the drift manifest is read from its base commit")?;
    let pr = crate::gitea::pulls::get(&client()?, &repo, number)
        .map_err(|e| Problem::api(&e, "cannot read the pull request"))?;
    PullView::of(&pr)
        .base_sha()
        .map(|sha| Some(sha.to_owned()))
        .ok_or_else(|| unknown(format!("pull request #{number} has no base.sha")))
}

/// `--manifest FILE` from the base commit `base` of the run's repository, with a finding when the
/// workspace copy differs.
fn base_manifest(
    client: &Client,
    run: &RunFacts,
    manifest: &Path,
    base: &str,
) -> Result<(Vec<PairSpec>, Option<Finding>), Problem> {
    let parts = beneath(manifest, "the manifest")?;
    let repo_path = parts.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>().join("/");
    let repo = run_repository(run, "the drift manifest is read from its base commit")?;
    let shown = format!("{repo_path} (at the base commit {base})");
    let fetched =
        contents::fetch(client, &repo, base, &repo_path, MAX_MANIFEST_BYTES).map_err(|e| Problem::Undecided {
            code: Code::ApiError,
            message: format!("cannot read the manifest {repo_path} of {repo} at the base commit {base}: {e}"),
            help: Some(
                "in a pull-request run the drift manifest is read from the base commit, never from the pull request \
             (a manifest the pull request adds or changes takes effect once it is merged); the token needs \
             read access to this repository"
                    .to_owned(),
            ),
        })?;
    let specs = parse_manifest(&fetched.bytes, &shown)?;
    let differs = match read_bounded_if_exists(manifest, MAX_MANIFEST_BYTES, "the manifest") {
        Ok(Some(local)) => (local != fetched.bytes).then(|| "differs from".to_owned()),
        Ok(None) => None,
        Err(problem) => Some(format!("cannot be compared with ({})", problem.message())),
    };
    let finding = differs.map(|how| {
        Finding::new(
            Code::ManifestDiffersFromBase,
            Level::Warning,
            format!(
                "the workspace copy of the manifest {repo_path} {how} the base commit's {base}; this pull-request run uses the base commit's manifest"
            ),
        )
        .help("a change to the manifest takes effect once the pull request is merged")
    });
    Ok((specs, finding))
}

pub fn run(cli: &Cli, args: &DriftArgs, sandbox: &Sandbox) -> Result<Report, Problem> {
    let run = RunFacts::gather(&cli.facts.given());
    check_token_env(args.token_env.as_deref())?;
    let allowed = args
        .allow_repo
        .iter()
        .map(|raw| RepoName::parse(raw).map_err(|why| Problem::usage(format!("--allow-repo: {why}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let token_fact = GateToken::from_env(args.token_env.as_deref());
    let token_missing = token_fact.as_ref().is_some_and(GateToken::missing);
    let token = || session::token(token_fact.as_ref());

    let Specs { specs, finding: manifest_finding, unread: unread_manifest } =
        pair_specs(cli, &run, args, token_missing, &token)?;
    check_pairs(&specs, &allowed)?;

    let needs_api = !token_missing && specs.iter().any(|s| matches!(s.canonical, Canonical::Remote { .. }));
    let client = if needs_api { Some(api_client(cli, &run, "fetch canonical files from", token())?) } else { None };
    let (pairs, blobs) = gather_pairs(args, &specs, client.as_ref(), &token_fact, unread_manifest)?;
    let token = token_fact.as_ref().map(GateToken::fact);
    let limits =
        DriftLimits { context_lines: args.context_lines, max_diff_lines: args.max_diff_lines, max_diff_bytes: 1 << 20 };
    let decision = decide_in_context(cli, &run, args.token_env.as_deref(), sandbox, |context| Request {
        facts: Facts::Drift(DriftFacts {
            context,
            token: token.clone(),
            pairs: pairs.clone(),
            limits: Some(limits.clone()),
        }),
        blobs: blobs.clone(),
    })?;
    let details = diff_lines(&decision.verdict.details)?;
    let mut report = report(decision, details);
    if let Some(finding) = manifest_finding {
        report.verdict.findings.push(finding);
        report.raw = None;
    }
    Ok(report)
}

/// The pairs to check, from the flags or the manifest (read at the pull request's base commit in
/// a pull-request run), and what reading the manifest found.
struct Specs {
    specs: Vec<PairSpec>,
    finding: Option<Finding>,
    /// The manifest at the base, when it could not be read for want of the token.
    unread: Option<String>,
}

fn pair_specs(
    cli: &Cli,
    run: &RunFacts,
    args: &DriftArgs,
    token_missing: bool,
    token: &dyn Fn() -> Option<crate::gitea::Token>,
) -> Result<Specs, Problem> {
    let mut unread_manifest = None;
    let (specs, manifest_finding) = match (&args.manifest, &args.canonical, &args.local) {
        (Some(manifest), _, _) => {
            beneath(manifest, "the manifest")?;
            let client = || api_client(cli, run, "read the manifest from the pull request's base commit", token());
            match pull_request_base(run, client)? {
                // Without the token the base commit may be unreadable (a private repository). The
                // pull request's own copy must not decide instead: the trust policy does, as for
                // any canonical copy that could not be fetched for want of the token.
                Some(base) if token_missing => match base_manifest(&client()?, run, manifest, &base) {
                    Ok(found) => found,
                    Err(_) => {
                        unread_manifest =
                            Some(format!("the canonical copies {} names at the base commit", manifest.display()));
                        (Vec::new(), None)
                    }
                },
                Some(base) => base_manifest(&client()?, run, manifest, &base)?,
                None => {
                    let text = read_bounded(manifest, MAX_MANIFEST_BYTES, "the manifest")?;
                    (parse_manifest(&text, &manifest.display().to_string())?, None)
                }
            }
        }
        (None, Some(spec), Some(local)) => {
            let canonical = Canonical::parse(spec).map_err(|why| Problem::usage(format!("--canonical: {why}")))?;
            (vec![PairSpec { canonical, local: local.clone() }], None)
        }
        _ => return Err(Problem::usage("give --canonical SPEC --local PATH, or --manifest FILE")),
    };
    Ok(Specs { specs, finding: manifest_finding, unread: unread_manifest })
}

/// Every pair's two copies, as blobs for the guest: every local file is opened (and refused, if
/// it must be) before any canonical copy is fetched; `unread` adds the pair the trust policy
/// decides (a manifest at the base that could not be read without the token).
fn gather_pairs(
    args: &DriftArgs,
    specs: &[PairSpec],
    client: Option<&Client>,
    token_fact: &Option<GateToken>,
    unread: Option<String>,
) -> Result<(Vec<Pair>, Vec<Blob>), Problem> {
    let mut blobs = Vec::new();
    // Every local file is opened (and refused, if it must be) before any canonical is fetched.
    let mut opened = Vec::with_capacity(specs.len());
    for spec in specs {
        let local_label = utf8_path(&spec.local)?.to_owned();
        let local = open_bounded(&spec.local, args.max_size, "the local copy")?;
        let canonical = match &spec.canonical {
            Canonical::Local(path) => {
                utf8_path(path)?;
                Some(open_bounded(path, args.max_size, "the canonical file")?)
            }
            Canonical::Remote { .. } => None,
        };
        opened.push((local_label, local, canonical));
    }
    let mut pairs = Vec::with_capacity(specs.len());
    for (spec, (local_label, local, local_canonical)) in specs.iter().zip(opened) {
        let canonical = match (&spec.canonical, client) {
            (Canonical::Local(_), _) => {
                let bytes = local_canonical.map(|blob| attach(&mut blobs, blob));
                FileCopy { label: spec.canonical.label(), remote: false, commit: None, bytes }
            }
            (Canonical::Remote { .. }, None) => {
                FileCopy { label: spec.canonical.label(), remote: true, commit: None, bytes: None }
            }
            (Canonical::Remote { repo, git_ref, path }, Some(client)) => {
                let label = spec.canonical.label();
                crate::log_line!("gitea-gate: fetching {label} …");
                let large = local.len() > LARGE_COPY;
                let fetched = contents::fetch_to_compare(client, repo, git_ref, path, args.max_size, large, &label)
                    .map_err(|e| Problem::Undecided {
                        code: Code::CanonicalUnavailable,
                        message: format!("cannot obtain the canonical copy {label}: {e}"),
                        help: Some(fetch_help(&e, token_fact)),
                    })?;
                let (blob, commit) = match fetched {
                    ToCompare::Bytes(file) => (Blob::from(file.bytes), file.commit),
                    ToCompare::Download { download, commit } => (Blob::Download(download), commit),
                };
                FileCopy { label, remote: true, commit, bytes: Some(attach(&mut blobs, blob)) }
            }
        };
        let local =
            FileCopy { label: local_label, remote: false, commit: None, bytes: Some(attach(&mut blobs, local)) };
        pairs.push(Pair { canonical, local });
    }

    if let Some(label) = unread {
        // One remote pair that could not be fetched: the guest applies the trust policy to it.
        let local = FileCopy {
            label: "(unknown without the token)".to_owned(),
            remote: false,
            commit: None,
            bytes: Some(attach(&mut blobs, Vec::new())),
        };
        let canonical = FileCopy { label, remote: true, commit: None, bytes: None };
        pairs.push(Pair { canonical, local });
    }
    Ok((pairs, blobs))
}

/// What to do about a failed fetch, from its status.
fn fetch_help(e: &crate::gitea::ApiError, token: &Option<GateToken>) -> String {
    let token_name = token.as_ref().map_or("the token (--token-env)", GateToken::name);
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
fn diff_lines(details: &Value) -> Result<Vec<String>, Problem> {
    let details: DriftDetails = if details.is_null() {
        DriftDetails::default()
    } else {
        serde_json::from_value(details.clone()).map_err(|e| bad_details("drift", &e))?
    };
    let mut lines = Vec::new();
    for pair in &details.pairs {
        let Some(difference) = &pair.difference else { continue };
        let local = &pair.local;
        if let Some(diff) = &difference.diff {
            lines.push(format!("diff for {local}:"));
            // split('\n'), not lines(): a CR at the end of a line is part of the drift.
            lines.extend(diff.split('\n').map(|l| format!("  {l}")));
            let omitted = difference.diff_lines_omitted;
            if omitted > 0 {
                lines.push(format!("  … {omitted} more diff lines not shown (--max-diff-lines)"));
            }
        } else if difference.binary {
            lines.push(format!("{local}: binary content differs (no diff shown)"));
        }
    }
    Ok(lines)
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
        for bad in [
            "acme/cp:path",
            "acme@main:path",
            "acme/cp@:path",
            "acme/cp@main:",
            "file:",
            "nothing",
            "acme/cp@main:a/../../x",
            "acme/cp@main:a//b",
            "acme/cp@main:a/./b",
            "acme/cp@main:a\\b",
            "acme/cp@main:a/",
            "../admin@main:x",
            "acme/..@main:x",
            "acme/cp@ma..in:x",
            "acme/cp@main\\x:y",
        ] {
            assert!(Canonical::parse(bad).is_err(), "{bad}");
        }
    }
}
