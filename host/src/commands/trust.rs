//! `gitea-gate trust`: classify the run and apply the missing-secret policy.

use crate::cli::{Cli, TrustArgs};
use crate::commands::session::{self, GateToken};
use crate::commands::{Problem, decide_in_context, report};
use crate::facts::{self, RunFacts};
use crate::gitea::{self, Client, RepoName};
use crate::output::Report;
use crate::protocol::{Facts, Lookup, Needs, Request, SecretFact, TrustFacts};
use crate::sandbox::Sandbox;

pub fn run(cli: &Cli, args: &TrustArgs, sandbox: &Sandbox) -> Result<Report, Problem> {
    let run = RunFacts::gather(&cli.facts.given());
    let secrets = secret_facts(&args.require_secret)?;
    let decision = decide_in_context(cli, &run, args.token_env.as_deref(), sandbox, |context| {
        Request::new(Facts::Trust(TrustFacts { context, secrets: secrets.clone() }))
    })?;
    Ok(report(decision, Vec::new()))
}

/// Whether each required secret is present; only presence crosses into the guest.
pub fn secret_facts(names: &[String]) -> Result<Vec<SecretFact>, Problem> {
    names
        .iter()
        .map(|name| {
            if !facts::valid_env_name(name) {
                return Err(Problem::usage_with_help(
                    format!("--require-secret {name:?} is not an environment variable name"),
                    "pass the NAME of the variable that holds the secret (e.g. AUTO_SYNC_TOKEN), never its value",
                ));
            }
            Ok(SecretFact { name: name.clone(), present: facts::secret_present(name) })
        })
        .collect()
}

pub fn needs_pull_request(needs: Option<&Needs>) -> Option<u64> {
    match needs? {
        Needs::PullRequest(number) => Some(*number),
        Needs::PullRequestData(_) | Needs::Membership(_) | Needs::Owners(_) | Needs::Changes(_) => None,
    }
}

/// Fetch pull request `number` of the run's repository for the guest. Any failure is passed on
/// as [`Lookup::Failed`]: the guest then fails closed.
pub fn lookup_pull_request(cli: &Cli, run: &RunFacts, token_env: Option<&str>, number: u64) -> Lookup {
    let failed = Lookup::Failed;
    let Some(repository) = run.repository.as_deref() else {
        return failed("GITHUB_REPOSITORY is unset (pass --repository)".to_owned());
    };
    let repo = match RepoName::parse(repository) {
        Ok(repo) => repo,
        Err(why) => return failed(why),
    };
    let Some(api_url) = run.api_url.as_deref() else {
        return failed("no API URL (GITHUB_API_URL or GITHUB_SERVER_URL; or pass --api-url)".to_owned());
    };
    let token = session::token(GateToken::from_env(token_env).as_ref());
    let config = match session::client_config(cli, api_url) {
        Ok(config) => config,
        Err(why) => return failed(why),
    };
    let client = Client::new(config, token);
    match gitea::pulls::get(&client, &repo, number) {
        Ok(pr) => Lookup::Found(pr),
        Err(e) => failed(e.to_string()),
    }
}
