//! Where the policy gate's files come from (docs/policy.md). In a pull-request run, and in the
//! sweep (`--open-prs`), the policy file is read through the API at each pull request's **base**
//! commit, never from the workspace (which holds the pull request's files, or the default
//! branch's): a pull request that edits the policy cannot weaken its own check, and a pull
//! request into `release/1.x` is judged by that branch's policy in the sweep exactly as in its
//! own run — the two can never disagree. CODEOWNERS is read where Gitea and Forgejo read it: on
//! the repository's **default branch** (docs/gitea.md §11.1), in the same round. A sweep reads
//! each distinct base once. A workspace policy that differs is reported. Any other run (push, dispatch) reads the workspace files. The
//! pull-request loop (pull_gate/) asks this module for them; the `policy` command (policy.rs)
//! sits above both.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::commands::Problem;
use crate::files::{beneath, read_bounded, read_bounded_if_exists};
use crate::gitea::{Client, RepoName, contents};
use crate::parallel;
use crate::protocol::Code;
use crate::protocol::{ChangedFile, Finding, Level, SourceFile};

/// The largest policy or CODEOWNERS file read.
pub const MAX_POLICY_BYTES: u64 = 1 << 20;
pub use gitea_gate_protocol::CODEOWNERS_CANDIDATES;

/// Where the policy file and CODEOWNERS come from.
#[derive(Clone, Debug)]
pub enum PolicySource {
    /// A pull-request run or a sweep: through the API at the base commit. `repo_path` is the
    /// file's path in the repository; `local` the workspace copy, only compared; `read` what was
    /// read at each base commit so far (a sweep's pull requests mostly share a few bases).
    Base { repo_path: String, local: PathBuf, read: ReadAtBase },
    /// Any other run: the workspace files, read before anything is fetched.
    Local { policy: SourceFile, codeowners: Option<SourceFile> },
}

/// The policy files read at each base commit, shared by the pull requests of one run.
pub type ReadAtBase = Arc<Mutex<HashMap<String, PolicyRead>>>;

/// The policy file and CODEOWNERS as read for one pull request.
#[derive(Clone, Debug)]
pub struct PolicyRead {
    pub policy: SourceFile,
    pub codeowners: Option<SourceFile>,
    pub findings: Vec<Finding>,
}

/// What the policy gate gathered for one pull request, beyond what every pull-request gate reads.
pub struct PolicyGathered {
    pub policy: SourceFile,
    pub codeowners: Option<SourceFile>,
    pub changed_files: Vec<ChangedFile>,
    /// Host findings added to the verdict (`policy-differs-from-base`).
    pub findings: Vec<Finding>,
}

impl PolicyGathered {
    pub fn new(read: PolicyRead, changed_files: Vec<ChangedFile>) -> PolicyGathered {
        PolicyGathered { policy: read.policy, codeowners: read.codeowners, changed_files, findings: read.findings }
    }
}

impl PolicySource {
    /// The workspace policy, for a run that reads it (checked before anything is fetched).
    pub fn local_policy(&self) -> Option<SourceFile> {
        match self {
            PolicySource::Local { policy, .. } => Some(policy.clone()),
            PolicySource::Base { .. } => None,
        }
    }

    /// The policy file and CODEOWNERS for a pull request whose base commit is `base`.
    pub fn read(&self, client: &Client, repo: &RepoName, base: Option<&str>) -> Result<PolicyRead, Problem> {
        match self {
            PolicySource::Local { policy, codeowners } => {
                Ok(PolicyRead { policy: policy.clone(), codeowners: codeowners.clone(), findings: Vec::new() })
            }
            PolicySource::Base { repo_path, local, read } => {
                let base = base.ok_or_else(|| Problem::Undecided {
                    code: Code::ApiError,
                    message: "the pull request's base commit is unknown".to_owned(),
                    help: Some(
                        "in a pull-request run the policy is read from the base commit, never from the pull request"
                            .to_owned(),
                    ),
                })?;
                if let Some(known) = read.lock().ok().and_then(|read| read.get(base).cloned()) {
                    return Ok(known);
                }
                // Two pull requests on one base may both read it before either is kept: the same
                // bytes twice, never a lock held over the network.
                let fresh = read_at_base(client, repo, base, repo_path, local)?;
                if let Ok(mut read) = read.lock() {
                    read.insert(base.to_owned(), fresh.clone());
                }
                Ok(fresh)
            }
        }
    }
}

/// The policy file at `base`, and the CODEOWNERS the server would use (on the default branch),
/// all read at once.
fn read_at_base(
    client: &Client,
    repo: &RepoName,
    base: &str,
    repo_path: &str,
    local: &Path,
) -> Result<PolicyRead, Problem> {
    let paths: Vec<(&str, &str)> = std::iter::once((base, repo_path))
        .chain(CODEOWNERS_CANDIDATES.map(|p| (contents::DEFAULT_BRANCH, p)))
        .collect();
    let mut fetched =
        parallel::map(&paths, paths.len(), |(at, path)| contents::fetch(client, repo, at, path, MAX_POLICY_BYTES))
            .into_iter();
    let policy = match fetched.next() {
        Some(Ok(file)) => file,
        Some(Err(e)) if e.status() == Some(404) => {
            return Err(Problem::usage_with_help(
                format!("the policy file {repo_path} does not exist at the pull request's base commit {base}"),
                "the policy is read from the base commit, never from the pull request: a policy the pull request \
                 adds takes effect once it is merged (check --config against the repository's files)",
            ));
        }
        Some(Err(e)) => {
            return Err(Problem::api(
                &e,
                &format!("cannot read the policy file {repo_path} at the base commit {base}"),
            ));
        }
        None => return Err(Problem::usage("internal: no policy fetch")),
    };
    let mut codeowners = None;
    for (path, result) in CODEOWNERS_CANDIDATES.iter().zip(fetched) {
        match result {
            Ok(file) => {
                codeowners = Some(SourceFile { path: (*path).to_owned(), text: utf8(path, &file.bytes)? });
                break;
            }
            Err(e) if e.status() == Some(404) => {}
            Err(e) => return Err(Problem::api(&e, &format!("cannot read {path} on the default branch"))),
        }
    }
    let text = utf8(repo_path, &policy.bytes)?;
    let differs = match read_bounded_if_exists(local, MAX_POLICY_BYTES, "the policy file") {
        Ok(Some(bytes)) => (bytes != policy.bytes.as_ref()).then(|| "differs from".to_owned()),
        Ok(None) => None,
        Err(e) => Some(format!("cannot be compared with ({})", e.message())),
    };
    let findings = differs
        .map(|how| {
            Finding::new(
                Code::PolicyDiffersFromBase,
                Level::Warning,
                format!(
                    "the workspace copy of the policy {repo_path} {how} the base commit's {base}; this pull-request run uses the base commit's policy"
                ),
            )
            .help("a change to the policy takes effect once the pull request is merged")
        })
        .into_iter()
        .collect();
    Ok(PolicyRead { policy: SourceFile { path: repo_path.to_owned(), text }, codeowners, findings })
}

fn utf8(path: &str, bytes: &[u8]) -> Result<String, Problem> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| Problem::usage_with_help(format!("{path} is not UTF-8 text"), "save the file as UTF-8"))
}

/// The path as the repository names it (relative, `/`-separated, beneath the workspace).
pub fn repo_path(path: &Path) -> Result<String, Problem> {
    let parts = beneath(path, "the policy file")?;
    Ok(parts.iter().map(|p| p.to_string_lossy()).collect::<Vec<_>>().join("/"))
}

pub fn read_local(path: &Path, what: &str) -> Result<SourceFile, Problem> {
    let shown = repo_path(path)?;
    let bytes = read_bounded(path, MAX_POLICY_BYTES, what)?;
    Ok(SourceFile { text: utf8(&shown, &bytes)?, path: shown })
}

/// The workspace CODEOWNERS the server would use: the first of the places it looks that exists
/// (the guest ignores `.forgejo/CODEOWNERS` where the server does not read it).
pub fn local_codeowners() -> Result<Option<SourceFile>, Problem> {
    for path in CODEOWNERS_CANDIDATES {
        if let Some(bytes) = read_bounded_if_exists(Path::new(path), MAX_POLICY_BYTES, "CODEOWNERS")? {
            return Ok(Some(SourceFile { path: path.to_owned(), text: utf8(path, &bytes)? }));
        }
    }
    Ok(None)
}
