//! `gitea-gate checklist`: is every SOP checklist item acknowledged (`/sop-ack`) or declared not
//! applicable (`/sop-n/a`) by someone allowed to, at the pull request's tier?

use std::collections::HashSet;
use std::path::Path;

use serde::Deserialize;

use crate::cli::{ChecklistArgs, Cli};
use crate::commands::Problem;
use crate::commands::approvals::parse_teams;
use crate::commands::pull_gate::{GateFacts, PullGate};
use crate::commands::sweep;
use crate::files::read_bounded;
use crate::output::Report;
use crate::protocol::Item;
use crate::sandbox::Sandbox;

const CONFIG_HELP: &str = r#"write {"items": [{"id": "comprehensive-testing", "title": "Comprehensive testing performed"}], "ack_teams": ["acme/qa"], "count_edited_comments": false}"#;

/// `--config FILE` (part of the contract: fields may be added, never renamed).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub items: Vec<Item>,
    pub ack_teams: Vec<String>,
    #[serde(default)]
    pub count_edited_comments: bool,
    /// Accept a `tier:*` label only when a confirmed member of the ack teams (not the author)
    /// added it last, as the issue timeline records (default off).
    #[serde(default)]
    pub tier_label_from_ack_teams: bool,
    /// Count acks and waivers by contributors: people (not the author) who pushed to the pull
    /// request or whose account authored or committed one of its commits (default off).
    #[serde(default)]
    pub allow_contributors: bool,
    /// Keep acks written before the latest push (default off: an ack is for the code it saw).
    #[serde(default)]
    pub keep_acks_across_pushes: bool,
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, Problem> {
        let shown = path.display();
        let bytes = read_bounded(path, 1 << 20, "the checklist config")?;
        let config: Config = serde_json::from_slice(&bytes).map_err(|e| {
            Problem::usage_with_help(format!("the checklist config {shown} is not valid: {e}"), CONFIG_HELP)
        })?;
        let bad = |why: String| Problem::usage_with_help(format!("the checklist config {shown}: {why}"), CONFIG_HELP);
        if config.items.is_empty() {
            return Err(bad("\"items\" is empty".to_owned()));
        }
        let mut ids = HashSet::new();
        for item in &config.items {
            // An id is what follows `/sop-ack `: one word, matched exactly.
            if item.id.is_empty() || item.id.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(bad(format!("item id {:?} must be one word without spaces", item.id)));
            }
            if !ids.insert(item.id.to_ascii_lowercase()) {
                return Err(bad(format!("item id {:?} appears twice", item.id)));
            }
            if item.title.trim().is_empty() {
                return Err(bad(format!("item {:?} has an empty title", item.id)));
            }
        }
        if config.ack_teams.is_empty() {
            return Err(bad("\"ack_teams\" is empty: nobody could acknowledge anything".to_owned()));
        }
        Ok(config)
    }
}

pub fn run(cli: &Cli, args: &ChecklistArgs, sandbox: Result<&Sandbox, Problem>) -> Result<Report, Problem> {
    let config = Config::load(&args.config)?;
    let teams = parse_teams(&config.ack_teams, &format!("{} ack_teams", args.config.display()))?;
    let gate = PullGate {
        teams,
        token_env: args.pr_gate.token_env.as_deref(),
        pr: args.pr_gate.pr,
        with_comments: true,
        with_timeline: config.tier_label_from_ack_teams,
        status_context: args.pr_gate.status_context.as_deref(),
        target_url: args.pr_gate.target_url.as_deref(),
        keep_across_base_merges: false,
        request_reviews: false,
        facts: GateFacts::Checklist {
            items: config.items,
            count_edited_comments: config.count_edited_comments,
            tier_label_from_ack_teams: config.tier_label_from_ack_teams,
            allow_contributors: config.allow_contributors,
            keep_acks_across_pushes: config.keep_acks_across_pushes,
        },
    };
    sweep::run_gate(cli, &args.pr_gate, &gate, sandbox)
}
