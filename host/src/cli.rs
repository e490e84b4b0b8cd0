//! The command line (contract v1: README.md, "CLI contract (v1)"). Flags may be added; names never change.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Parser, Subcommand};

use std::time::Duration;

use crate::env;
use crate::files::DEFAULT_MAX_FILE_BYTES;
use crate::guest::{self, EngineMode};
use crate::output::Format;
use crate::sandbox::{Overrides, Sandbox, SandboxError};

pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (guest sha256 ", env!("GITEA_GATE_GUEST_SHA256"), ")");

const AFTER_HELP: &str = "\
Exit codes:
  0  pass (including a documented skip in an untrusted run)
  1  the gate says no (drift, not approved, missing secret in a trusted run)
  2  usage or configuration error
  3  could not decide (network, API, sandbox) — never a pass

Facts come from the runner environment (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
GITHUB_API_URL or GITHUB_SERVER_URL); each has a flag that overrides it. Secrets are never flags:
name the environment variable that holds one (--token-env NAME, --require-secret NAME).";

/// `--max-prs` by default: a sweep every 10 minutes over this many pull requests costs a few
/// seconds; a repository with more open ones raises the limit on purpose.
pub const DEFAULT_MAX_PRS: usize = 500;

#[derive(Debug, Parser)]
#[command(name = "gitea-gate", version = VERSION, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub facts: FactArgs,
    #[command(flatten)]
    pub net: NetArgs,
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Diagnostic knobs for the sandbox (hidden from --help; see docs/sandbox.md).
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// How the sandbox obtains the guest's machine code (`jit` is for benchmarks and diagnosis).
    #[arg(long, global = true, value_enum, default_value_t = EngineMode::Auto, hide = true)]
    pub engine: EngineMode,
    /// Run this wasm module instead of the embedded guest (same sandbox, same limits).
    #[arg(long, global = true, value_name = "FILE", hide = true)]
    pub guest_module: Option<PathBuf>,
    /// Replace the guest's fuel budget.
    #[arg(long, global = true, value_name = "UNITS", hide = true)]
    pub guest_fuel: Option<u64>,
    /// Replace the guest's wall-clock budget, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", hide = true)]
    pub guest_timeout: Option<f64>,
    /// Replace the guest's memory cap, in bytes.
    #[arg(long, global = true, value_name = "BYTES", hide = true)]
    pub guest_memory: Option<usize>,
}

impl SandboxArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            fuel: self.guest_fuel,
            wall_clock: self.guest_timeout.map(|s| Duration::from_secs_f64(s.clamp(0.001, 86_400.0))),
            memory_bytes: self.guest_memory,
        }
    }

    pub fn load(&self) -> Result<Sandbox, SandboxError> {
        guest::load(self.engine, self.guest_module.as_deref(), self.overrides())
    }
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Report format on stdout [default: github inside an Actions runner, else human].
    #[arg(long, global = true, value_enum)]
    pub format: Option<Format>,
    /// Also write the verdict as JSON to this file (beneath the working directory; a symlink
    /// there is replaced, never written through).
    #[arg(long, global = true, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Also write every decision of the run — each request exactly as the guest read it, its
    /// verdict, and the guest's sha256 — to this file (beneath the working directory), for
    /// `gitea-gate replay`. Never holds a secret.
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

impl OutputArgs {
    pub fn format(&self) -> Format {
        self.format.unwrap_or(if env::get(env::ACTIONS).as_deref() == Some("true") {
            Format::Github
        } else {
            Format::Human
        })
    }
}

#[derive(Debug, Args)]
pub struct FactArgs {
    /// The event that started the run [env: GITHUB_EVENT_NAME].
    #[arg(long, global = true, value_name = "NAME")]
    pub event_name: Option<String>,
    /// The event payload file [env: GITHUB_EVENT_PATH].
    #[arg(long, global = true, value_name = "FILE")]
    pub event_path: Option<PathBuf>,
    /// The run's repository, OWNER/NAME [env: GITHUB_REPOSITORY].
    #[arg(long, global = true, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
    /// Gitea's API base URL [env: GITHUB_API_URL, else GITHUB_SERVER_URL + /api/v1].
    #[arg(long, global = true, value_name = "URL")]
    pub api_url: Option<String>,
}

impl FactArgs {
    /// The run facts these flags give (`RunFacts::gather` fills in the rest from the environment).
    pub fn given(&self) -> crate::facts::Given {
        crate::facts::Given {
            event_name: self.event_name.clone(),
            event_path: self.event_path.clone(),
            repository: self.repository.clone(),
            api_url: self.api_url.clone(),
        }
    }
}

#[derive(Debug, Args)]
pub struct NetArgs {
    /// Time limit for each API request, in seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30.0)]
    pub timeout: f64,
    /// Extra attempts for a failed GET (5xx, 429, connection errors), with backoff.
    #[arg(long, global = true, value_name = "N", default_value_t = 2)]
    pub retries: u32,
    /// Allow a plain http:// API URL to a host other than loopback (the token would travel
    /// unencrypted; only for a trusted network path).
    #[arg(long, global = true)]
    pub allow_http: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify the event; with --require-secret, decide what a missing secret means.
    Trust(TrustArgs),
    /// Byte-compare synced copies with their canonical files (in another repository, or local).
    Drift(DriftArgs),
    /// Offline sha256 pins, in a lock file in sha256sum format.
    Pin(PinArgs),
    /// Count pull request approvals from members of the named teams (any of them).
    Approvals(ApprovalsArgs),
    /// Tally /sop-ack and /sop-n/a commands against a checklist, at the pull request's tier.
    Checklist(ChecklistArgs),
    /// Evaluate a policy file of review rules and CODEOWNERS (read at the pull request's base);
    /// `policy test DIR` checks it against recorded cases, offline.
    Policy(PolicyArgs),
    /// Run the embedded golden vectors through the sandbox and print one digest of all verdicts.
    Selftest,
    /// Decide every request of a `--record` file again, offline, and check that the guest gives
    /// the same verdicts byte for byte (exit 0), or say which one differs (exit 1).
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The record, as `--record FILE` wrote it.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("pairs").required(true).args(["canonical", "manifest"])))]
pub struct DriftArgs {
    /// The canonical copy: OWNER/REPO@REF:PATH (read over the Gitea API at that branch, tag or
    /// full commit), or file:PATH (a local file, e.g. a generated artifact).
    #[arg(long, value_name = "SPEC", requires = "local", conflicts_with = "manifest")]
    pub canonical: Option<String>,
    /// The synced copy in this repository (relative to the working directory, beneath it; never
    /// read through a symlink).
    #[arg(long, value_name = "PATH", requires = "canonical")]
    pub local: Option<PathBuf>,
    /// A JSON list of {"canonical": SPEC, "local": PATH} pairs, all compared in one run. In a
    /// pull-request run it is read from the pull request's base commit, not the workspace.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Only these repositories may be named by a canonical (--canonical or the manifest); any
    /// other is a usage error before a request is sent. Repeat for several. Default: any.
    #[arg(long, value_name = "OWNER/REPO")]
    pub allow_repo: Vec<String>,
    /// The NAME of the environment variable holding the token that reads the canonical
    /// repositories. Empty or unset: trusted run → fail (exit 1); untrusted run → the remote
    /// pairs are skipped with a warning (exit 0). Without this flag, repositories are read
    /// anonymously.
    #[arg(long, value_name = "NAME")]
    pub token_env: Option<String>,
    /// Largest file (canonical or local) compared, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_BYTES)]
    pub max_size: u64,
    /// Lines of context around each change in the diff.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub context_lines: usize,
    /// At most this many diff lines per file are shown.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub max_diff_lines: usize,
}

#[derive(Debug, Args)]
pub struct PinArgs {
    #[command(subcommand)]
    pub action: PinAction,
}

#[derive(Debug, Subcommand)]
pub enum PinAction {
    /// Check every file in the lock file against its sha256 (missing or changed → exit 1).
    Verify {
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Rewrite the lock file's digests: all entries, or only the given paths (added if new).
    Update {
        #[command(flatten)]
        lock: LockArgs,
        /// Files to (re)pin, relative to the working directory.
        #[arg(value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// The lock file, in sha256sum format (`<hex>  <path>`, paths relative to the working
    /// directory, so `sha256sum -c FILE` checks it too).
    #[arg(long, value_name = "FILE", default_value = "gitea-gate.sha256")]
    pub lock: PathBuf,
    /// Largest file pinned, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_BYTES)]
    pub max_size: u64,
}

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// A secret the workflow needs: the NAME of the environment variable that should hold it.
    /// Empty or unset: trusted run → fail (exit 1); untrusted run → warning and skip (exit 0).
    #[arg(long = "require-secret", value_name = "NAME")]
    pub require_secret: Vec<String>,
    /// Token for looking up the pull request of an issue_comment run (the NAME of its variable);
    /// public repositories are read anonymously without it.
    #[arg(long, value_name = "NAME")]
    pub token_env: Option<String>,
}

/// What both pull request gates take.
#[derive(Debug, Args)]
pub struct PullGateArgs {
    /// The pull request [default: from the event payload: pull_request, pull_request_target,
    /// pull_request_review*, or issue_comment on a pull request].
    #[arg(long, value_name = "N", conflicts_with = "open_prs")]
    pub pr: Option<u64>,
    /// Sweep: evaluate every open pull request of the repository instead of one, posting each
    /// one's status on its head (only on a trusted event: schedule, workflow_dispatch, push).
    #[arg(long)]
    pub open_prs: bool,
    /// The most pull requests one sweep evaluates, the most recently updated first; every other
    /// open one gets an `error` status (an earlier `success` never stands) and the sweep exits 3.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_PRS, requires = "open_prs")]
    pub max_prs: usize,
    /// The NAME of the environment variable holding a token that can read the teams: a personal
    /// access token (read:organization, read:repository, read:issue; write:repository to post
    /// statuses) of an org owner or a member of every team. The job token cannot read teams.
    /// Empty or unset: trusted run → fail (exit 1); untrusted run → warning and skip (exit 0).
    #[arg(long, value_name = "NAME")]
    pub token_env: Option<String>,
    /// Post the verdict as a commit status with this context on the pull request's head commit.
    #[arg(long, value_name = "CONTEXT")]
    pub status_context: Option<String>,
    /// The status's link [default: this run's page, from GITHUB_SERVER_URL, GITHUB_REPOSITORY and
    /// GITHUB_RUN_NUMBER].
    #[arg(long, value_name = "URL", requires = "status_context")]
    pub target_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct ApprovalsArgs {
    /// A team whose members' approvals count: ORG/NAME (any case) or a numeric id. Repeat for
    /// any-of.
    #[arg(long, value_name = "ORG/NAME|ID", required = true)]
    pub team: Vec<String>,
    /// Approvals needed.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub min: u32,
    /// Count approvals of another commit than the head: stale ones, and those Gitea has not marked
    /// stale yet after the branch moved (docs/reviews.md).
    #[arg(long)]
    pub allow_stale: bool,
    /// In a trusted run short of approvals, request reviews from the teams (never someone whose
    /// approval stands, or a team already asked). The token needs write access to pull requests.
    #[arg(long)]
    pub request_reviews: bool,
    /// Keep an approval of an earlier commit when every commit after it merges the base branch
    /// (Gitea's "Update branch") and the pull request's own changes are byte for byte the ones
    /// approved; anything else voids it, naming the commit (docs/reviews.md).
    #[arg(long)]
    pub keep_across_base_merges: bool,
    /// Fail while a team member's latest review requests changes.
    #[arg(long)]
    pub block_on_changes_requested: bool,
    /// Count approvals and waivers by contributors: people (not the author) who pushed to the
    /// pull request or whose account authored or committed one of its commits (docs/reviews.md).
    #[arg(long)]
    pub allow_contributors: bool,
    /// A team whose confirmed members may waive the gate with `/sop-n/a RULE <reason>` (not the
    /// author; docs/policy.md). Repeat for any-of. Without it, no waiver counts.
    #[arg(long, value_name = "ORG/NAME|ID")]
    pub waivable_by: Vec<String>,
    /// The gate's name in waivers, [a-z0-9-]+ (`--rule security`: `/sop-n/a security <reason>`).
    #[arg(long, value_name = "NAME", default_value = "approvals")]
    pub rule: String,
    #[command(flatten)]
    pub pr_gate: PullGateArgs,
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    /// The checklist: {"items": [{"id", "title"}], "ack_teams": ["ORG/NAME"], "count_edited_comments": false, "tier_label_from_ack_teams": false}.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    #[command(flatten)]
    pub pr_gate: PullGateArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub action: Option<PolicyAction>,
    /// The policy file (YAML, or JSON when it ends in .json; docs/policy.md), relative to the
    /// working directory. In a pull-request run it is read at the pull request's base commit
    /// through the API, never from the workspace; CODEOWNERS too.
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// In a trusted run whose rules are short of approvals, request reviews from the teams and
    /// code owners that can close them (never the author, a contributor, someone whose approval
    /// stands, or someone already asked). The token needs write access to pull requests.
    #[arg(long)]
    pub request_reviews: bool,
    /// Keep an approval of an earlier commit when every commit after it merges the base branch
    /// (Gitea's "Update branch") and the pull request's own changes are byte for byte the ones
    /// approved; anything else voids it, naming the commit (docs/reviews.md).
    #[arg(long)]
    pub keep_across_base_merges: bool,
    #[command(flatten)]
    pub pr_gate: PullGateArgs,
}

#[derive(Debug, Subcommand)]
pub enum PolicyAction {
    /// Evaluate the policy in DIR against every DIR/*/case.json, offline; exit 0 when every case
    /// decides as recorded, 1 otherwise, 2 for a broken policy or no cases.
    Test(PolicyTestArgs),
}

#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// The directory holding the policy file and one directory per case (relative).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// The policy file's name in DIR [default: policy.yml, policy.yaml or policy.json].
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}
