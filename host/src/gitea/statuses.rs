//! `POST /repos/{o}/{r}/statuses/{sha}` (docs/gitea.md §5.1): 201 on success; 403 without write
//! access (the read-only job token of fork pull request runs); 500 for an unknown sha.

use serde_json::json;

use super::{ApiError, Client, RepoName, client::segment};

/// A commit status to post.
#[derive(Clone, Debug)]
pub struct Status<'a> {
    pub state: &'a str,
    pub context: &'a str,
    pub description: &'a str,
    pub target_url: Option<&'a str>,
}

pub fn post(client: &Client, repo: &RepoName, sha: &str, status: &Status<'_>) -> Result<(), ApiError> {
    let path = format!("{}/statuses/{}", repo.api_path(), segment(sha));
    let mut body = json!({ "state": status.state, "context": status.context, "description": status.description });
    if let Some(url) = status.target_url {
        body["target_url"] = json!(url);
    }
    client.post_json(&path, &body).map(|_| ())
}
