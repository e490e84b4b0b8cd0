//! `GET /repos/{o}/{r}/issues/{n}/timeline`, read whole: who added or removed which label, for
//! the checklist's `tier_label_from_ack_teams` (label events are `type: "label"`, `body` `"1"`
//! added / `""` removed, with the `label` and the `user` who did it).
//!
//! Why one request without `page` (docs/gitea.md §3.1): Gitea cuts the timeline into pages and
//! then drops inline code comments and cross-references the caller cannot read, and its
//! `X-Total-Count` is the number of items it returned, not the total. So a page can come back
//! empty while later pages hold label events, and no header proves where the list ends: ~100
//! code comments by the author would hide his removal and re-adding of `tier:low`. Without
//! `page`, Gitea returns every row in one answer (`FindComments` paginates only when `page > 0`),
//! filtered but complete; an answer too large for the client's limit is an error, never a
//! shorter list. Only label events are kept, reduced to the fields the guest reads.

use serde_json::{Value, json};

use super::{ApiError, Client, RepoName, pages::kind};

pub fn label_events(client: &Client, repo: &RepoName, number: u64) -> Result<Vec<Value>, ApiError> {
    let path = format!("{}/issues/{number}/timeline", repo.api_path());
    let response = client.get_json(&path, &[])?;
    let Value::Array(items) = response.body else {
        return Err(ApiError::shape(client.url(&path), format!("expected a JSON array, got {}", kind(&response.body))));
    };
    // Here the header counts what this answer holds: anything else is not Gitea's whole timeline.
    if let Some(total) = response.total_count.filter(|&t| t != items.len() as u64) {
        return Err(ApiError::shape(
            client.url(&path),
            format!("X-Total-Count says {total} timeline items but {} arrived; refusing a partial list", items.len()),
        ));
    }
    Ok(items
        .iter()
        .filter(|item| item.get("type").and_then(Value::as_str) == Some("label"))
        .map(|item| {
            let label = item.get("label").unwrap_or(&Value::Null);
            let user = item.get("user").unwrap_or(&Value::Null);
            json!({
                "type": "label",
                "id": item.get("id"),
                "body": item.get("body"),
                "label": {"id": label.get("id"), "name": label.get("name")},
                "user": {"login": user.get("login"), "id": user.get("id")},
            })
        })
        .collect())
}
