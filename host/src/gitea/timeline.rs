//! `GET /repos/{o}/{r}/issues/{n}/timeline`, every page: who added or removed which label, for
//! the checklist's `tier_label_from_ack_teams` (label events are
//! `type: "label"`, `body` `"1"` added / `""` removed, with the `label` and the `user` who did it).
//!
//! The timeline's `X-Total-Count` is the number of items on the page, not the total, so it says
//! nothing about how many pages follow; `pages::fetch_all` never trusts it and reads until an empty
//! page. Only label events are kept, reduced to the fields the guest reads: the timeline also
//! carries every comment, which the checklist already has.

use serde_json::{Value, json};

use super::{ApiError, Client, RepoName, pages};

pub fn label_events(client: &Client, repo: &RepoName, number: u64) -> Result<Vec<Value>, ApiError> {
    let items = pages::fetch_all(client, &format!("{}/issues/{number}/timeline", repo.api_path()))?;
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
