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

/// Every open pull request of the repository (`GET /repos/{o}/{r}/pulls?state=open`, all pages;
/// docs/gitea.md §6.4), each checked to carry a number and a head commit.
pub fn list_open(client: &Client, repo: &RepoName) -> Result<Vec<Value>, ApiError> {
    let path = format!("{}/pulls", repo.api_path());
    let pulls = super::pages::fetch_all_query(client, &path, &[("state", "open".to_owned())])?;
    for pr in &pulls {
        let number = pr.get("number").and_then(Value::as_u64);
        let head = pr.get("head").and_then(|h| h.get("sha")).and_then(Value::as_str);
        if number.is_none() || head.is_none() {
            return Err(ApiError::shape(client.url(&path), "expected pull requests with a number and head.sha"));
        }
        if pr.get("state").and_then(Value::as_str).is_some_and(|s| s != "open") {
            return Err(ApiError::shape(client.url(&path), "state=open answered a pull request that is not open"));
        }
    }
    Ok(pulls)
}
