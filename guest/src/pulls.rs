//! Facts about the pull request a run is about, read from event payloads and API objects
//! (docs/gitea.md §6.2, §9.1).

use serde_json::Value;

use crate::protocol::{EventFacts, RunContext};

/// The pull request number an event is about: `pull_request.number` (pull request and review
/// events), or `issue.number` when an `issue_comment` is on a pull request.
pub fn pull_request_number(context: &RunContext) -> Option<u64> {
    let EventFacts::Payload(payload) = &context.event else { return None };
    if let Some(number) = payload.get("pull_request").and_then(|pr| pr.get("number")).and_then(Value::as_u64) {
        return Some(number);
    }
    let issue = payload.get("issue")?;
    let is_pull = payload.get("is_pull").and_then(Value::as_bool) == Some(true)
        || issue.get("pull_request").is_some_and(|p| !p.is_null());
    if is_pull { issue.get("number").and_then(Value::as_u64) } else { None }
}

/// The login of the pull request's author.
pub fn author_login(pr: &Value) -> Option<String> {
    pr.get("user")?.get("login")?.as_str().map(str::to_owned)
}

/// The pull request's label names.
pub fn labels(pr: &Value) -> Vec<String> {
    pr.get("labels")
        .and_then(Value::as_array)
        .map(|labels| labels.iter().filter_map(|l| l.get("name").and_then(Value::as_str)).map(str::to_owned).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx(payload: Value) -> RunContext {
        RunContext { event: EventFacts::Payload(payload), ..RunContext::default() }
    }

    #[test]
    fn numbers_from_payloads() {
        assert_eq!(pull_request_number(&ctx(json!({"pull_request": {"number": 7}}))), Some(7));
        assert_eq!(pull_request_number(&ctx(json!({"is_pull": true, "issue": {"number": 9}}))), Some(9));
        assert_eq!(
            pull_request_number(&ctx(json!({"issue": {"number": 9, "pull_request": {"merged": false}}}))),
            Some(9)
        );
        assert_eq!(
            pull_request_number(&ctx(json!({"is_pull": false, "issue": {"number": 9, "pull_request": null}}))),
            None
        );
        assert_eq!(pull_request_number(&ctx(json!({"ref": "refs/heads/main"}))), None);
        assert_eq!(pull_request_number(&RunContext::default()), None);
    }

    #[test]
    fn labels_and_author() {
        let pr = json!({"user": {"login": "core-be"}, "labels": [{"name": "tier:low"}, {"name": "bug"}]});
        assert_eq!(labels(&pr), vec!["tier:low", "bug"]);
        assert_eq!(author_login(&pr).as_deref(), Some("core-be"));
    }
}
