//! The one place that resolves the gate's token and builds the Gitea API client, for every
//! command: the trust gate's pull-request lookup, drift's fetches and the pull-request gates.

use crate::cli::Cli;
use crate::commands::Problem;
use crate::facts::{self, RunFacts};
use crate::gitea::{Client, ClientConfig, Token};
use crate::protocol::SecretFact;

/// The token a gate was told to use (`--token-env NAME`): the variable's name, and its value
/// when it holds a usable one. Only its presence ever reaches the guest, and `{:?}` shows only
/// whether it is set.
#[derive(Clone)]
pub struct GateToken {
    name: String,
    value: Option<Token>,
}

impl std::fmt::Debug for GateToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.value.is_some() { "***" } else { "unset" };
        write!(f, "GateToken({} = {state})", self.name)
    }
}

impl GateToken {
    /// The token named by `--token-env`, read from the environment; `None` without the flag.
    pub fn from_env(token_env: Option<&str>) -> Option<GateToken> {
        token_env.map(|name| GateToken {
            name: name.to_owned(),
            value: facts::secret_value(name).map(|value| Token::new(name, value)),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The variable is named but empty or unset.
    pub fn missing(&self) -> bool {
        self.value.is_none()
    }

    /// What the guest learns about it.
    pub fn fact(&self) -> SecretFact {
        SecretFact { name: self.name.clone(), present: self.value.is_some() }
    }

    /// The credential for API requests, when there is a value.
    pub fn token(&self) -> Option<Token> {
        self.value.clone()
    }
}

/// The token of an optional [`GateToken`].
pub fn token(gate: Option<&GateToken>) -> Option<Token> {
    gate.and_then(GateToken::token)
}

/// The client settings from the command line, once the API URL has passed the transport rule.
pub fn client_config(cli: &Cli, api_url: &str) -> Result<ClientConfig, String> {
    crate::gitea::transport::check_api_url(api_url, cli.net.allow_http)?;
    let mut config = ClientConfig::new(api_url);
    config.root_certs = crate::gitea::transport::root_certs()?;
    config.timeout = std::time::Duration::from_secs_f64(cli.net.timeout.clamp(0.1, 3600.0));
    config.retries = cli.net.retries.min(10);
    Ok(config)
}

/// A client for the run's Gitea API; `purpose` completes "no Gitea API URL to …".
pub fn api_client(cli: &Cli, run: &RunFacts, purpose: &str, token: Option<Token>) -> Result<Client, Problem> {
    let api_url = run.api_url.as_deref().ok_or_else(|| {
        Problem::usage_with_help(
            format!("no Gitea API URL to {purpose}"),
            "run inside Gitea Actions (GITHUB_SERVER_URL), or pass --api-url https://gitea.example.com/api/v1",
        )
    })?;
    Ok(Client::new(client_config(cli, api_url).map_err(Problem::usage)?, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every holder of a token prints without its value: the gate's token and the credential.
    /// (The client that carries it has no `Debug` at all.)
    #[test]
    fn no_holder_of_a_token_prints_its_value() {
        let secret = "c0ffee-secret-token-value";
        let gate = GateToken { name: "GATE_TOKEN".to_owned(), value: Some(Token::new("GATE_TOKEN", secret)) };
        let token = gate.token().expect("a value");
        for shown in [format!("{gate:?}"), format!("{token:?}"), format!("{:?}", Some(&gate)), format!("{gate:#?}")] {
            assert!(!shown.contains(secret), "{shown}");
            assert!(shown.contains("***") || shown.contains("GATE_TOKEN"), "{shown}");
        }
        let unset = GateToken { name: "GATE_TOKEN".to_owned(), value: None };
        assert_eq!(format!("{unset:?}"), "GateToken(GATE_TOKEN = unset)");
        assert_eq!(token.value(), secret, "the value itself is still there for the request");
    }
}
