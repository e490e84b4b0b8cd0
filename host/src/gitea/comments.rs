//! `GET /repos/{o}/{r}/issues/{n}/comments` (docs/gitea.md §6.1): unpaginated, every comment at
//! once, oldest first. `X-Total-Count` is checked against what arrived, so a cut-short list is an
//! error rather than a checklist missing its acknowledgements.

use serde_json::Value;

use super::{ApiError, Client, RepoName, pages::kind};

pub fn list(client: &Client, repo: &RepoName, number: u64) -> Result<Vec<Value>, ApiError> {
    let path = format!("{}/issues/{number}/comments", repo.api_path());
    let response = client.get_json(&path, &[])?;
    let Value::Array(comments) = response.body else {
        return Err(ApiError::shape(client.url(&path), format!("expected a JSON array, got {}", kind(&response.body))));
    };
    if let Some(bad) = comments.iter().find(|c| !c.is_object()) {
        return Err(ApiError::shape(client.url(&path), format!("expected comment objects, got {}", kind(bad))));
    }
    if let Some(total) = response.total_count.filter(|&t| t != comments.len() as u64) {
        return Err(ApiError::shape(
            client.url(&path),
            format!("X-Total-Count says {total} comments but {} arrived; refusing a partial list", comments.len()),
        ));
    }
    Ok(comments)
}
