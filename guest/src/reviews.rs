//! Reading pull-request review rows as Gitea lists them (behaviour.md §2.1: every row, oldest
//! first — approvals, change requests, comments, pending drafts, review-request rows).
//!
//! Per reviewer (login, compared without case) only the **latest** APPROVED or REQUEST_CHANGES
//! row matters; COMMENT, PENDING, REQUEST_REVIEW and unknown rows never do, and rows without a
//! user (team review requests) are skipped. Whether that latest row is dismissed or stale is
//! judged on that row: an older approval never comes back because a newer one was dismissed.

use serde::Serialize;
use serde_json::Value;

use crate::text::one_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approved,
    ChangesRequested,
}

/// A reviewer's latest deciding review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatestReview {
    /// The login as Gitea last spelled it.
    pub login: String,
    pub decision: Decision,
    pub review_id: i64,
    pub dismissed: bool,
    pub stale: bool,
    /// Gitea's own flag (behaviour.md §2.2); reported, not used to decide.
    pub official: bool,
    /// The pseudo-users that can never count: the Actions bot (id -2) and the Ghost of a deleted
    /// account (id -1).
    pub system_user: bool,
}

/// The user of a row, if it has a usable login.
pub fn login_of(row: &Value) -> Option<(&str, i64)> {
    let user = row.get("user")?;
    let login = user.get("login")?.as_str().filter(|l| !l.is_empty())?;
    Some((login, user.get("id").and_then(Value::as_i64).unwrap_or(0)))
}

/// The latest deciding review of every reviewer, in the order reviewers first appear.
/// Also returns how many rows were malformed (no usable user although not a team request).
pub fn latest_decisions(rows: &[Value]) -> (Vec<LatestReview>, usize) {
    let mut latest: Vec<LatestReview> = Vec::new();
    // Reviewer (ASCII-lowercased login) → index in `latest`: linear in the rows, not quadratic.
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let mut malformed = 0;
    for row in rows {
        let decision = match row.get("state").and_then(Value::as_str) {
            Some("APPROVED") => Decision::Approved,
            Some("REQUEST_CHANGES") => Decision::ChangesRequested,
            _ => continue,
        };
        let Some((login, id)) = login_of(row) else {
            // A deciding row without a user is not something Gitea produces; never count it.
            malformed += 1;
            continue;
        };
        let flag = |name: &str| row.get(name).and_then(Value::as_bool).unwrap_or(false);
        let review = LatestReview {
            login: login.to_owned(),
            decision,
            review_id: row.get("id").and_then(Value::as_i64).unwrap_or(0),
            dismissed: flag("dismissed"),
            stale: flag("stale"),
            official: flag("official"),
            system_user: id == -1 || id == -2 || login.eq_ignore_ascii_case("gitea-actions"),
        };
        match index.get(&login.to_ascii_lowercase()).and_then(|&i| latest.get_mut(i)) {
            Some(existing) => *existing = review,
            None => {
                index.insert(login.to_ascii_lowercase(), latest.len());
                latest.push(review);
            }
        }
    }
    (latest, malformed)
}

/// Why a reviewer's latest review does not count, if it does not.
pub fn exclusion(review: &LatestReview, author: &str, allow_stale: bool) -> Option<String> {
    let who = one_line(&review.login);
    if review.login.eq_ignore_ascii_case(author) {
        Some(format!("{who} is the pull request's author"))
    } else if review.system_user {
        Some(format!("{who} is a system account"))
    } else if review.dismissed {
        Some(format!("{who}'s latest review (#{}) was dismissed", review.review_id))
    } else if review.stale && !allow_stale && review.decision == Decision::Approved {
        Some(format!(
            "{who}'s approval (#{}) is stale: the pull request changed after it (--allow-stale counts it)",
            review.review_id
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: i64, login: Option<&str>, state: &str) -> Value {
        json!({"id": id, "user": login.map(|l| json!({"login": l, "id": 100 + id})), "state": state,
               "dismissed": false, "stale": false, "official": true})
    }

    #[test]
    fn latest_deciding_row_per_reviewer() {
        let rows = vec![
            row(1, Some("alice"), "APPROVED"),
            row(2, Some("Alice"), "REQUEST_CHANGES"),
            row(3, Some("bob"), "APPROVED"),
            row(4, Some("bob"), "COMMENT"),
            row(5, Some("carol"), "PENDING"),
            row(6, None, "REQUEST_REVIEW"),
            row(7, Some("dave"), "REQUEST_REVIEW"),
            row(8, Some("erin"), "REQUEST_CHANGES"),
            row(9, Some("ERIN"), "APPROVED"),
        ];
        let (latest, malformed) = latest_decisions(&rows);
        let summary: Vec<(&str, Decision)> = latest.iter().map(|r| (r.login.as_str(), r.decision)).collect();
        assert_eq!(
            summary,
            vec![("Alice", Decision::ChangesRequested), ("bob", Decision::Approved), ("ERIN", Decision::Approved)]
        );
        assert_eq!(malformed, 0);
    }

    #[test]
    fn a_dismissed_latest_row_does_not_resurrect_an_older_approval() {
        let mut newer = row(2, Some("alice"), "APPROVED");
        newer["dismissed"] = json!(true);
        let (latest, _) = latest_decisions(&[row(1, Some("alice"), "APPROVED"), newer]);
        assert_eq!(exclusion(&latest[0], "mallory", false).map(|s| s.contains("dismissed")), Some(true));
    }

    #[test]
    fn exclusions() {
        let mut stale = row(1, Some("alice"), "APPROVED");
        stale["stale"] = json!(true);
        let (latest, _) = latest_decisions(&[stale]);
        assert!(exclusion(&latest[0], "mallory", false).is_some());
        assert!(exclusion(&latest[0], "mallory", true).is_none());
        assert!(exclusion(&latest[0], "ALICE", true).is_some(), "the author never counts");
        let bot = json!({"id": 9, "user": {"login": "gitea-actions", "id": -2}, "state": "APPROVED"});
        let (latest, _) = latest_decisions(&[bot]);
        assert!(exclusion(&latest[0], "mallory", false).is_some());
        let nouser = json!({"id": 9, "user": null, "state": "APPROVED"});
        assert_eq!(latest_decisions(&[nouser]).1, 1);
    }
}
