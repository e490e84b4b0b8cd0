//! `GET /repos/{o}/{r}/pulls/{n}/reviews`, every page (docs/gitea.md §2.1, §3): every row, oldest
//! first; deciding which rows count is the guest's job. Other users' PENDING drafts are dropped
//! from each page after paging, so pages in the middle can be empty: `pages::fetch_all` reads
//! every page `X-Total-Count` promises (it counts the drafts) before an empty page ends the list.

use serde_json::Value;

use super::{ApiError, Client, RepoName, pages};

pub fn list(client: &Client, repo: &RepoName, number: u64) -> Result<Vec<Value>, ApiError> {
    pages::fetch_all(client, &format!("{}/pulls/{number}/reviews", repo.api_path()))
}
