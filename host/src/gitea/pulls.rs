//! `GET /repos/{o}/{r}/pulls/{n}` (docs/gitea.md §6.2).

use serde_json::Value;

use super::{ApiError, Client, RepoName};

/// The pull request object, checked to be one (an object with a `head` and a `base`).
pub fn get(client: &Client, repo: &RepoName, number: u64) -> Result<Value, ApiError> {
    let path = format!("{}/pulls/{number}", repo.api_path());
    let response = client.get_json(&path, &[])?;
    let pr = response.body;
    if !pr.is_object() || !pr.get("head").is_some_and(Value::is_object) || !pr.get("base").is_some_and(Value::is_object)
    {
        return Err(ApiError::shape(client.url(&path), "expected a pull request object with head and base"));
    }
    Ok(pr)
}
