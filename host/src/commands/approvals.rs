//! `gitea-gate approvals`: have enough members of the named teams approved the pull request?

use crate::cli::{ApprovalsArgs, Cli};
use crate::commands::Problem;
use crate::commands::pull_gate::{GateFacts, PullGate};
use crate::commands::sweep;
use crate::gitea::teams::TeamRef;
use crate::output::Report;
use crate::sandbox::Sandbox;

pub fn run(cli: &Cli, args: &ApprovalsArgs, sandbox: Result<&Sandbox, Problem>) -> Result<Report, Problem> {
    let mut teams = parse_teams(&args.team, "--team")?;
    if args.min == 0 {
        return Err(Problem::usage_with_help("--min 0 would pass without any approval", "use --min 1 or more"));
    }
    if !valid_rule_name(&args.rule) {
        return Err(Problem::usage_with_help(
            format!("--rule {:?}: a rule name is lower-case letters, digits and dashes", args.rule),
            "name the gate as waivers will, e.g. --rule security",
        ));
    }
    // The waivable teams are resolved with the gate's own, in the same round trip: the gate's
    // teams come first, each waivable team is the index of its (perhaps shared) entry.
    let approval_teams = teams.len();
    let mut waivable = Vec::new();
    if !args.waivable_by.is_empty() {
        for team in parse_teams(&args.waivable_by, "--waivable-by")? {
            let at = match teams.iter().position(|t| t.reference().eq_ignore_ascii_case(&team.reference())) {
                Some(at) => at,
                None => {
                    teams.push(team);
                    teams.len() - 1
                }
            };
            waivable.push(at);
        }
    }
    let gate = PullGate {
        teams,
        token_env: args.pr_gate.token_env.as_deref(),
        pr: args.pr_gate.pr,
        // A waiver can be a comment: read them only when the gate can be waived.
        with_comments: !waivable.is_empty(),
        with_timeline: false,
        status_context: args.pr_gate.status_context.as_deref(),
        target_url: args.pr_gate.target_url.as_deref(),
        keep_across_base_merges: args.keep_across_base_merges,
        request_reviews: args.request_reviews,
        facts: GateFacts::Approvals {
            min: args.min,
            allow_stale: args.allow_stale,
            block_on_changes_requested: args.block_on_changes_requested,
            approval_teams,
            waivable,
            rule: args.rule.clone(),
            allow_contributors: args.allow_contributors,
        },
    };
    sweep::run_gate(cli, &args.pr_gate, &gate, sandbox)
}

/// `[a-z0-9-]+`, as a policy file's rule names.
fn valid_rule_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
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
