//! `GET /repos/{o}/{r}/pulls/{n}/reviews`, every page (docs/gitea.md §2.1, §3): every row, oldest
//! first; deciding which rows count is the guest's job.

use serde_json::Value;

use super::{ApiError, Client, RepoName, pages};

pub fn list(client: &Client, repo: &RepoName, number: u64) -> Result<Vec<Value>, ApiError> {
    pages::fetch_all(client, &format!("{}/pulls/{number}/reviews", repo.api_path()))
}
