//! Users: whether a CODEOWNERS user owner is a Gitea user (docs/gitea.md §11).
//!
//! Gitea keeps a CODEOWNERS owner `@login` only when its user lookup finds an individual user by
//! that name (without case); `GET /users/{login}` makes the same lookup: 200 for the user, 404
//! for no such login and for an organisation. A renamed account's old name answers with a
//! redirect to the new one, which the client follows; Gitea's CODEOWNERS lookup does not, so an
//! answer naming another login means "not this owner". Any other answer is no answer: the caller
//! stops (exit 3) rather than guess.

use serde_json::Value;

use super::{ApiError, Client, client::segment};
use crate::parallel;

/// Lookups in flight at once (each is one small GET over the shared connection pool).
const CONCURRENT_LOOKUPS: usize = 16;

/// Whether `login` is a Gitea user as CODEOWNERS resolves it.
pub fn exists(client: &Client, login: &str) -> Result<bool, ApiError> {
    let path = format!("/users/{}", segment(login));
    match client.get_json(&path, &[]) {
        Ok(response) => match response.body.get("login").and_then(Value::as_str) {
            Some(answered) => Ok(answered.eq_ignore_ascii_case(login)),
            None => Err(ApiError::shape(client.url(&path), "expected a user object with a login")),
        },
        Err(e) if e.status() == Some(404) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Look every login up at once: `(existing, missing)`, each in the order asked. The first
/// lookup that fails is the error.
pub fn partition(client: &Client, logins: &[String]) -> Result<(Vec<String>, Vec<String>), ApiError> {
    let answers = parallel::map(logins, CONCURRENT_LOOKUPS, |login| exists(client, login));
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (login, answer) in logins.iter().zip(answers) {
        if answer? {
            found.push(login.clone());
        } else {
            missing.push(login.clone());
        }
    }
    Ok((found, missing))
}
