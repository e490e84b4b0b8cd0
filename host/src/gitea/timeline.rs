//! `GET /repos/{o}/{r}/issues/{n}/timeline`, read whole, for two things (docs/gitea.md §6.3):
//!
//! - **label events**, for the checklist's `tier_label_from_ack_teams`: who added or removed which
//!   label (`type: "label"`, `body` `"1"` added / `""` removed, with the `label` and the `user`);
//! - **pushes** to the pull request (`type: "pull_push"`): the pusher (`user`, the authenticated
//!   account) and `body`, a JSON string `{"is_force_push": bool, "commit_ids": [...]}`. The
//!   guest learns from them who contributed code and which comments predate the head;
//! - **reopens** and **target-branch changes** (`reopen`, `change_target_branch`): after either,
//!   the code under review may differ without a push entry saying so.
//!
//! Why one request without `page` (docs/gitea.md §3.1): Gitea cuts the timeline into pages and
//! then drops inline code comments and cross-references the caller cannot read, and its
//! `X-Total-Count` is the number of items it returned, not the total. So a page can come back
//! empty while later pages hold label events, and no header proves where the list ends: ~100
//! code comments by the author would hide his removal and re-adding of `tier:low`. Without
//! `page`, Gitea returns every row in one answer (`FindComments` paginates only when `page > 0`),
//! filtered but complete; an answer too large for the client's limit is an error, never a
//! shorter list. Only label events and pushes are kept, reduced to the fields the guest reads.

use gitea_gate_protocol::{Account, Push};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ApiError, Client, RepoName, pages::kind};

/// What the gate reads of a timeline.
#[derive(Debug, Default)]
pub struct Timeline {
    pub label_events: Vec<Value>,
    pub pushes: Vec<Push>,
    /// Ids of `reopen` items: pushes to a closed pull request leave no push entry.
    pub reopens: Vec<i64>,
    /// Ids of `change_target_branch` items: the diff changed without a push.
    pub retargets: Vec<i64>,
}

/// The JSON a push entry's `body` holds (Gitea's `PushActionContent`; newer versions add
/// fields, which are ignored).
#[derive(Deserialize)]
struct PushContent {
    #[serde(default)]
    is_force_push: bool,
    #[serde(default)]
    commit_ids: Vec<String>,
}

pub fn read(client: &Client, repo: &RepoName, number: u64) -> Result<Timeline, ApiError> {
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
    let mut timeline = Timeline::default();
    let shape = |why: String| ApiError::shape(client.url(&path), why);
    for item in &items {
        // Gitea answers `null` for an item it failed to load: it could be any of those below.
        if !item.is_object() {
            return Err(shape(format!("a timeline item is {}, not an object", kind(item))));
        }
        let id = || item.get("id").and_then(Value::as_i64).ok_or_else(|| shape("a timeline item without an id".into()));
        match item.get("type").and_then(Value::as_str) {
            Some("label") => timeline.label_events.push(label_event(item)),
            Some("pull_push") => timeline.pushes.push(push(item).map_err(shape)?),
            Some("reopen") => timeline.reopens.push(id()?),
            Some("change_target_branch") => timeline.retargets.push(id()?),
            _ => {}
        }
    }
    Ok(timeline)
}

fn label_event(item: &Value) -> Value {
    let label = item.get("label").unwrap_or(&Value::Null);
    let user = item.get("user").unwrap_or(&Value::Null);
    json!({
        "type": "label",
        "id": item.get("id"),
        "body": item.get("body"),
        "label": {"id": label.get("id"), "name": label.get("name")},
        "user": {"login": user.get("login"), "id": user.get("id")},
    })
}

/// A push entry, or why it cannot be read. Every part decides something (who is a contributor,
/// which comments predate the head), so a malformed entry fails the read, never drops out.
fn push(item: &Value) -> Result<Push, String> {
    let id = item.get("id").and_then(Value::as_i64).ok_or("a push entry without an id")?;
    let user = item.get("user").ok_or_else(|| format!("push entry {id} names no pusher"))?;
    let login = user.get("login").and_then(Value::as_str).filter(|l| !l.is_empty());
    let login = login.ok_or_else(|| format!("push entry {id} names no pusher"))?;
    let body = item.get("body").and_then(Value::as_str).unwrap_or("");
    let content: PushContent = serde_json::from_str(body)
        .map_err(|e| format!("push entry {id}: its body is not Gitea's push content ({e})"))?;
    Ok(Push {
        id,
        pusher: Account { login: login.to_owned(), id: user.get("id").and_then(Value::as_i64).unwrap_or(0) },
        force: content.is_force_push,
        commit_ids: content.commit_ids,
        created_at: item.get("created_at").and_then(Value::as_str).unwrap_or("").to_owned(),
    })
}
