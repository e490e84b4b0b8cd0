//! Facts about the pull request a run is about, read from event payloads and API objects
//! (docs/gitea.md §6.2, §9.1).

use serde_json::Value;

use crate::protocol::RunContext;

/// The pull request number an event is about (`EventFacts::pull_request_number`).
pub fn pull_request_number(context: &RunContext) -> Option<u64> {
    context.event.pull_request_number()
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
    use crate::protocol::EventFacts;
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
