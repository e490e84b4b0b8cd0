//! `gitea-gate approvals`: have enough members of the named teams approved the pull request?

use crate::cli::{ApprovalsArgs, Cli};
use crate::commands::Problem;
use crate::commands::pull_gate::{GateFacts, PullGate};
use crate::commands::sweep;
use crate::gitea::teams::TeamRef;
use crate::output::Report;
use crate::sandbox::Sandbox;

pub fn run(cli: &Cli, args: &ApprovalsArgs, sandbox: Result<&Sandbox, Problem>) -> Result<Report, Problem> {
    let teams = parse_teams(&args.team, "--team")?;
    if args.min == 0 {
        return Err(Problem::usage_with_help("--min 0 would pass without any approval", "use --min 1 or more"));
    }
    let gate = PullGate {
        teams,
        token_env: args.pr_gate.token_env.as_deref(),
        pr: args.pr_gate.pr,
        with_comments: false,
        with_timeline: false,
        status_context: args.pr_gate.status_context.as_deref(),
        target_url: args.pr_gate.target_url.as_deref(),
        facts: GateFacts::Approvals {
            min: args.min,
            allow_stale: args.allow_stale,
            block_on_changes_requested: args.block_on_changes_requested,
        },
    };
    sweep::run_gate(cli, &args.pr_gate, &gate, sandbox)
}

/// Parse team references, de-duplicated (case-insensitively) in the order given.
pub fn parse_teams(raw: &[String], source: &str) -> Result<Vec<TeamRef>, Problem> {
    if raw.is_empty() {
        return Err(Problem::usage_with_help(
            format!("{source}: no teams given"),
            "name at least one team as ORG/NAME or id",
        ));
    }
    let mut teams: Vec<TeamRef> = Vec::new();
    for r in raw {
        let team = TeamRef::parse(r).map_err(|why| Problem::usage(format!("{source}: {why}")))?;
        if !teams.iter().any(|t| t.reference().eq_ignore_ascii_case(&team.reference())) {
            teams.push(team);
        }
    }
    Ok(teams)
}
