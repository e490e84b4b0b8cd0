//! `POST /repos/{o}/{r}/pulls/{n}/requested_reviewers` (docs/gitea.md §6.6): ask users (logins)
//! and teams (names in the repository's organisation) for a review. 201 on success; the caller
//! needs write access to pull requests (a PAT with `write:repository`).

use gitea_gate_protocol::ReviewRequest;
use serde_json::json;

use super::{ApiError, Client, RepoName};

pub fn post(client: &Client, repo: &RepoName, number: u64, request: &ReviewRequest) -> Result<(), ApiError> {
    let path = format!("{}/pulls/{number}/requested_reviewers", repo.api_path());
    let body = json!({ "reviewers": request.reviewers, "team_reviewers": request.team_reviewers });
    client.post_json(&path, &body).map(|_| ())
}
