//! `gitea-gate policy`: path-scoped review rules and CODEOWNERS, one policy file evaluated in
//! the sandbox (docs/policy.md). The run itself is the pull-request gates' (pull_gate/: status
//! lifecycle, the request→needs→answer loop, membership in one wave); this file adds where the
//! policy file and CODEOWNERS come from, and `gitea-gate policy test DIR`.
//!
//! In a pull-request run and in the sweep both are read through the API at each pull request's
//! **base** commit, never from the workspace (which holds the pull request's files): a pull
//! request that edits the policy cannot weaken its own check, and the sweep agrees with each pull
//! request's own run. A workspace policy that differs is reported. Any other run (push, dispatch)
//! reads the workspace files.

use std::path::{Component, Path, PathBuf};

use crate::cli::{Cli, PolicyArgs, PolicyTestArgs};
use crate::commands::policy_files::{MAX_POLICY_BYTES, PolicySource, local_codeowners, read_local, repo_path};
use crate::commands::pull_gate::{GateFacts, PullGate};
use crate::commands::{Problem, report, run_repository, sweep};
use crate::facts::RunFacts;
use crate::files::{FileError, beneath, read_bounded_if_exists};
use crate::output::Report;
use crate::protocol::{Facts, NamedCase, PolicyTestFacts, Request, decide};
use crate::sandbox::Sandbox;

/// Recorded cases one `policy test` run reads at most.
const MAX_CASES: usize = 1000;

pub fn run(cli: &Cli, args: &PolicyArgs, sandbox: Result<&Sandbox, Problem>) -> Result<Report, Problem> {
    if let Some(crate::cli::PolicyAction::Test(test)) = &args.action {
        return run_tests(test, sandbox?);
    }
    let Some(config) = &args.config else {
        return Err(Problem::usage_with_help("no policy file", "pass --config PATH (e.g. .gitea/policy.yml)"));
    };
    let run = RunFacts::gather(&cli.facts.given());
    // A sweep judges each pull request by its own base's policy, as its own run would.
    let source = if run.is_pull_request_run() || args.pr_gate.open_prs {
        run_repository(&run, "the policy is read from the pull request's base commit")?;
        PolicySource::Base { repo_path: repo_path(config)?, local: config.clone(), read: Default::default() }
    } else {
        PolicySource::Local { policy: read_local(config, "the policy file")?, codeowners: local_codeowners()? }
    };
    let gate = PullGate {
        teams: Vec::new(),
        token_env: args.pr_gate.token_env.as_deref(),
        pr: args.pr_gate.pr,
        with_comments: true,
        with_timeline: false,
        status_context: args.pr_gate.status_context.as_deref(),
        target_url: args.pr_gate.target_url.as_deref(),
        keep_across_base_merges: args.keep_across_base_merges,
        request_reviews: args.request_reviews,
        facts: GateFacts::Policy { source },
    };
    sweep::run_gate(cli, &args.pr_gate, &gate, sandbox)
}

/// `--policy NAME`: the file NAME in DIR — or NAME itself, relative to the working directory,
/// when that is a file inside DIR (`policy test ux --policy ux/p.yml`, as people type it).
fn policy_in(dir: &Path, name: &Path) -> Result<PathBuf, Problem> {
    let in_dir = dir.join(name);
    if in_dir.is_file() {
        return Ok(in_dir);
    }
    let plain = name.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if plain && name.starts_with(dir) && name.is_file() {
        return Ok(name.to_path_buf());
    }
    Err(Problem::usage_with_help(
        format!("the policy file {} does not exist", in_dir.display()),
        format!("--policy names a file in {} (e.g. --policy policy.yml)", dir.display()),
    ))
}

/// `gitea-gate policy test DIR`: the policy file in DIR and every `DIR/*/case.json`, evaluated
/// offline by the guest.
fn run_tests(args: &PolicyTestArgs, sandbox: &Sandbox) -> Result<Report, Problem> {
    let dir = &args.dir;
    // `.` is the workspace itself (`policy test .` from the policy's own directory); any other
    // path must stay beneath it.
    if dir.components().any(|c| c != std::path::Component::CurDir) {
        beneath(dir, "the policy test directory")?;
    }
    let policy_path = match &args.policy {
        Some(name) => policy_in(dir, name)?,
        None => ["policy.yml", "policy.yaml", "policy.json"]
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                Problem::usage_with_help(
                    format!("{} has no policy.yml, policy.yaml or policy.json", dir.display()),
                    "put the policy file next to the case directories, or name it with --policy FILE",
                )
            })?,
    };
    let policy = read_local(&policy_path, "the policy file")?;
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Problem::from(FileError { message: format!("cannot list {}: {e}", dir.display()), help: None }))?;
    let mut case_dirs: Vec<PathBuf> =
        entries.filter_map(Result::ok).filter(|e| e.file_type().is_ok_and(|t| t.is_dir())).map(|e| e.path()).collect();
    case_dirs.sort();
    let mut cases = Vec::new();
    for case_dir in case_dirs {
        let file = case_dir.join("case.json");
        let Some(bytes) = read_bounded_if_exists(&file, MAX_POLICY_BYTES, "a policy test case")? else { continue };
        let name = repo_path(&file)?;
        let text = String::from_utf8(bytes).unwrap_or_default();
        cases.push(NamedCase { name, text });
        if cases.len() > MAX_CASES {
            return Err(Problem::usage(format!("more than {MAX_CASES} cases in {}", dir.display())));
        }
    }
    if cases.is_empty() {
        return Err(Problem::usage_with_help(
            format!("no */case.json below {}", dir.display()),
            "each case is a directory beside the policy file holding a case.json (see examples/policy/)",
        ));
    }
    let decision = decide(sandbox, &Request::new(Facts::PolicyTest(PolicyTestFacts { policy, cases })))?;
    Ok(report(decision, Vec::new()))
}
