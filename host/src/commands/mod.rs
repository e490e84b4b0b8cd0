//! One file per subcommand. Each gathers its facts, asks the guest, and returns a [`Report`];
//! problems the host meets on the way become host-made verdicts via [`Problem`].

pub mod approvals;
pub mod checklist;
pub mod commit_status;
pub mod deferral;
pub mod drift;
pub mod pin;
pub mod policy;
pub mod policy_files;
pub mod pull_gate;
pub mod replay;
pub mod selftest;
pub mod session;
pub mod shared_head;
pub mod sweep;
pub mod trust;

use crate::cli::{Cli, Command};
use crate::exit;
use crate::facts::{self, RunFacts};
use crate::files::FileError;
use crate::gitea::ApiError;
use crate::output::Report;
use crate::protocol::Code;
use crate::protocol::{
    DecideError, Decision, Finding, Level, Lookup, Outcome, PROTOCOL_VERSION, Request, RunContext, Trust, Verdict,
    decide,
};
use crate::sandbox::{Sandbox, SandboxError};

/// Why the host could not produce a guest verdict.
#[derive(Clone, Debug)]
pub enum Problem {
    /// The user asked for something that cannot be done as asked (exit 2).
    Usage { message: String, help: Option<String> },
    /// A fact could not be obtained or the guest could not answer (exit 3).
    Undecided { code: Code, message: String, help: Option<String> },
}

impl Problem {
    pub fn usage(message: impl Into<String>) -> Problem {
        Problem::Usage { message: message.into(), help: None }
    }

    pub fn usage_with_help(message: impl Into<String>, help: impl Into<String>) -> Problem {
        Problem::Usage { message: message.into(), help: Some(help.into()) }
    }

    /// The message, without its help.
    pub fn message(&self) -> &str {
        match self {
            Problem::Usage { message, .. } | Problem::Undecided { message, .. } => message,
        }
    }

    pub fn api(error: &ApiError, what: &str) -> Problem {
        Problem::Undecided { code: Code::ApiError, message: format!("{what}: {error}"), help: None }
    }

    /// The host-made verdict for this problem.
    pub fn into_report(self, check: &str, trust: Trust) -> Report {
        let (code, message, help, exit) = match self {
            Problem::Usage { message, help } => (Code::UsageError, message, help, exit::USAGE),
            Problem::Undecided { code, message, help } => (code, message, help, exit::UNDECIDED),
        };
        let mut finding = Finding::new(code.to_owned(), Level::Error, message.clone());
        finding.help = help;
        let verdict = Verdict {
            version: PROTOCOL_VERSION,
            check: check.to_owned(),
            verdict: Outcome::Error,
            trust,
            code: code.to_owned(),
            reason: format!("{code}: {message}"),
            findings: vec![finding],
            outputs: Default::default(),
            status: None,
            needs: None,
            details: serde_json::Value::Null,
            summary: None,
            review_request: None,
        };
        Report { verdict, raw: None, exit, details: Vec::new() }
    }
}

/// `--token-env NAME` must name a variable, never hold the token itself.
pub fn check_token_env(name: Option<&str>) -> Result<(), Problem> {
    match name.filter(|n| !facts::valid_env_name(n)) {
        Some(name) => Err(Problem::usage_with_help(
            format!("--token-env {name:?} is not an environment variable name"),
            "pass the NAME of the variable that holds the token (e.g. SOP_TIER_CHECK_TOKEN), never its value",
        )),
        None => Ok(()),
    }
}

/// The run's repository (`GITHUB_REPOSITORY` or `--repository`), parsed; `why` says what needs it.
pub fn run_repository(run: &RunFacts, why: &str) -> Result<crate::gitea::RepoName, Problem> {
    let raw = run.repository.as_deref().ok_or_else(|| {
        Problem::usage_with_help(
            format!("the run's repository is unknown ({why})"),
            "set GITHUB_REPOSITORY or pass --repository OWNER/NAME",
        )
    })?;
    crate::gitea::RepoName::parse(raw).map_err(|why| Problem::usage(format!("--repository: {why}")))
}

impl From<FileError> for Problem {
    fn from(e: FileError) -> Problem {
        Problem::Usage { message: e.message, help: e.help }
    }
}

impl From<DecideError> for Problem {
    fn from(e: DecideError) -> Problem {
        if let DecideError::Sandbox(SandboxError::Input(why)) = e {
            return match why.download {
                true => Problem::Undecided {
                    code: Code::CanonicalUnavailable,
                    message: why.message,
                    help: Some(
                        "the drift gate cannot decide without the canonical bytes the API named; \
                         run the gate again, and if it recurs, check the server (or the proxy in front of it)"
                            .to_owned(),
                    ),
                },
                false => Problem::Undecided {
                    code: Code::LocalInputChanged,
                    message: why.message,
                    help: Some("something is writing to the file; run the gate again once it is stable".to_owned()),
                },
            };
        }
        Problem::Undecided {
            code: Code::SandboxError,
            message: e.to_string(),
            help: Some("this is a bug or a resource limit; please report it with the input that caused it".to_owned()),
        }
    }
}

/// The guest's `details` do not have the shape the host reads: the two disagree about the protocol.
pub fn bad_details(check: &str, error: &serde_json::Error) -> Problem {
    Problem::from(DecideError::BadVerdict(format!("the {check} details: {error}")))
}

/// The report for a guest decision: exit code from the verdict.
pub fn report(decision: Decision, details: Vec<String>) -> Report {
    let exit = exit::for_verdict(&decision.verdict);
    Report { verdict: decision.verdict, raw: Some(decision.raw), exit, details }
}

/// The subcommand's name as it appears in verdicts.
pub fn check_name(command: &Command) -> &'static str {
    match command {
        Command::Trust(_) => "trust",
        Command::Drift(_) => "drift",
        Command::Pin(_) => "pin",
        Command::Approvals(_) => "approvals",
        Command::Checklist(_) => "checklist",
        Command::Policy(args) if args.action.is_some() => "policy-test",
        Command::Policy(_) => "policy",
        Command::Selftest => "selftest",
        Command::Replay(_) => "replay",
    }
}

/// Ask the guest, with `build` turning the run context into a request. When the guest asks for
/// the pull request an `issue_comment` run is on, look it up once (with the gate's token, if
/// any) and ask again; whatever the lookup gives, the second answer is final.
pub fn decide_in_context(
    cli: &Cli,
    run: &RunFacts,
    token_env: Option<&str>,
    sandbox: &Sandbox,
    mut build: impl FnMut(RunContext) -> Request,
) -> Result<Decision, Problem> {
    let mut lookup: Option<Lookup> = None;
    loop {
        let decision = decide(sandbox, &build(run.context(lookup.as_ref())))?;
        match (trust::needs_pull_request(decision.verdict.needs.as_ref()), &lookup) {
            (Some(number), None) => lookup = Some(trust::lookup_pull_request(cli, run, token_env, number)),
            _ => return Ok(decision),
        }
    }
}

/// Run a verdict-producing subcommand.
pub fn run(cli: &Cli) -> Report {
    let check = check_name(&cli.command);
    let loaded = cli.sandbox.load().map_err(|e| Problem::from(DecideError::from(e)));
    crate::timings::mark("sandbox loaded");
    // The pull-request gates take a sandbox that failed to load too: with a status context they
    // still post `error` on the head (an earlier success must not outlive this run).
    let sandbox = || loaded.as_ref().map_err(Problem::clone);
    let result = match &cli.command {
        Command::Trust(args) => sandbox().and_then(|sandbox| trust::run(cli, args, sandbox)),
        Command::Drift(args) => sandbox().and_then(|sandbox| drift::run(cli, args, sandbox)),
        Command::Pin(args) => sandbox().and_then(|sandbox| pin::run(cli, args, sandbox)),
        Command::Approvals(args) => approvals::run(cli, args, sandbox()),
        Command::Checklist(args) => checklist::run(cli, args, sandbox()),
        Command::Policy(args) => policy::run(cli, args, sandbox()),
        Command::Selftest | Command::Replay(_) => Err(Problem::usage("this command does not produce a verdict")),
    };
    result.unwrap_or_else(|problem| problem.into_report(check, Trust::Trusted))
}
