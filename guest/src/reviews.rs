//! Reading pull-request review rows as Gitea lists them (docs/gitea.md §2.1: every row, oldest
//! first — approvals, change requests, comments, pending drafts, review-request rows).
//!
//! Per reviewer (login, compared without case) only the **latest** APPROVED or REQUEST_CHANGES
//! row matters; COMMENT, PENDING and unknown rows never do, and rows without a user (team review
//! requests) are skipped. A REQUEST_REVIEW row for the same reviewer *after* that latest row means
//! their review was re-requested: Gitea then clears `official` on their earlier rows, so the
//! approval no longer counts in its own merge check, and here it is void too.
//!
//! Whether a row still **stands** is one rule, [`review_stands`], shared by the approvals tally
//! and the checklist's review acknowledgements: a pending draft, a request row, a dismissed row, a
//! stale row, or a row made on another commit than the pull request's head does not. The last
//! two are waived only by `--allow-stale` (approvals; the checklist has no such option): Gitea
//! marks `stale` asynchronously after the branch moves, so a run started in between sees an old
//! approval with `stale: false` — only `commit_id` tells. An older approval never comes back
//! because a newer one was dismissed.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::text::one_line;

/// Why a review row does not stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotStanding {
    /// A draft (`PENDING`) that was never submitted.
    Pending,
    /// A review-request row, not a review.
    RequestRow,
    /// An unknown or missing state.
    UnknownState(String),
    Dismissed,
    /// Gitea marked it stale: the diff changed after it.
    Stale,
    /// Made on another commit than the head (`commit_id` ≠ `head.sha`).
    OtherCommit {
        commit: String,
        head: String,
    },
    /// The pull request's head commit is unknown, so no review can be shown to be of it.
    HeadUnknown,
}

impl NotStanding {
    /// Whether `--allow-stale` would count it (approvals only).
    pub fn waived_by_allow_stale(&self) -> bool {
        matches!(self, NotStanding::Stale | NotStanding::OtherCommit { .. } | NotStanding::HeadUnknown)
    }

    /// The commit of a review made on another commit than the head ("" for any other reason).
    pub fn commit(&self) -> &str {
        match self {
            NotStanding::OtherCommit { commit, .. } => commit,
            _ => "",
        }
    }

    /// What happened to the review, to follow "X's approval (#id) …".
    pub fn describe(&self) -> String {
        match self {
            NotStanding::Pending => "is a pending draft that was never submitted".to_owned(),
            NotStanding::RequestRow => "is a review request, not a review".to_owned(),
            NotStanding::UnknownState(state) => format!("has an unknown state {:?}", one_line(state)),
            NotStanding::Dismissed => "was dismissed".to_owned(),
            NotStanding::Stale => "is stale: the pull request's diff changed after it".to_owned(),
            NotStanding::OtherCommit { commit, head } if commit.is_empty() => {
                format!("records no commit, so it is not of the head {}", short(head))
            }
            NotStanding::OtherCommit { commit, head } => {
                format!("was made on commit {}, but the head is {}", short(commit), short(head))
            }
            NotStanding::HeadUnknown => {
                "cannot be shown to be of the head: the pull request's head commit is unknown".to_owned()
            }
        }
    }
}

/// What `--keep-across-base-merges` made of the approvals of earlier commits it examined
/// (base_merges.rs), by commit id: kept, or why not. A few commits at most, so a list (a map costs
/// the guest kilobytes of code).
#[derive(Debug, Default)]
pub struct Kept {
    by_commit: Vec<(String, Result<String, String>)>,
}

impl Kept {
    /// `Ok(how)` when approvals of `commit` count for the head (`how` names the merges after it),
    /// `Err(why)` when the option looked and voided them; `None` when it did not look.
    pub fn outcome(&self, commit: &str) -> Option<&Result<String, String>> {
        self.by_commit.iter().find(|(c, _)| c.eq_ignore_ascii_case(commit)).map(|(_, outcome)| outcome)
    }

    pub fn record(&mut self, commit: String, outcome: Result<String, String>) {
        self.by_commit.push((commit, outcome));
    }
}

/// A commit id as shown in messages: its first 12 characters, on one line.
pub fn short(sha: &str) -> String {
    one_line(&sha.chars().take(12).collect::<String>())
}

/// The pull request's head commit (`head.sha`), or "" when it is unknown.
pub fn head_sha(pr: &Value) -> &str {
    pr.get("head").and_then(|h| h.get("sha")).and_then(Value::as_str).unwrap_or("")
}

/// Whether one review row still stands: submitted (APPROVED, REQUEST_CHANGES or COMMENT), not
/// dismissed, and — unless `allow_stale` — neither stale nor made on another commit than
/// `head_sha`. `Err` says why not.
pub fn review_stands(row: &Value, head_sha: &str, allow_stale: bool) -> Result<(), NotStanding> {
    match row.get("state").and_then(Value::as_str) {
        Some("APPROVED" | "REQUEST_CHANGES" | "COMMENT") => {}
        Some("PENDING") => return Err(NotStanding::Pending),
        Some("REQUEST_REVIEW") => return Err(NotStanding::RequestRow),
        other => return Err(NotStanding::UnknownState(other.unwrap_or("").to_owned())),
    }
    let flag = |name: &str| row.get(name).and_then(Value::as_bool).unwrap_or(false);
    if flag("dismissed") {
        return Err(NotStanding::Dismissed);
    }
    if allow_stale {
        return Ok(());
    }
    if flag("stale") {
        return Err(NotStanding::Stale);
    }
    if head_sha.is_empty() {
        return Err(NotStanding::HeadUnknown);
    }
    let commit = row.get("commit_id").and_then(Value::as_str).unwrap_or("");
    if !commit.eq_ignore_ascii_case(head_sha) {
        return Err(NotStanding::OtherCommit { commit: commit.to_owned(), head: head_sha.to_owned() });
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Approved,
    ChangesRequested,
}

/// A reviewer's latest deciding review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LatestReview<'a> {
    /// The login as Gitea last spelled it.
    pub login: String,
    pub decision: ReviewState,
    pub review_id: i64,
    pub commit_id: String,
    pub dismissed: bool,
    pub stale: bool,
    /// Gitea's own flag (docs/gitea.md §2.2); reported, not used to decide.
    pub official: bool,
    /// A REQUEST_REVIEW row for this reviewer follows the review: it was re-requested.
    pub rerequested: bool,
    /// The pseudo-users that can never count: the Actions bot (id -2) and the Ghost of a deleted
    /// account (id -1).
    pub system_user: bool,
    /// The row itself, for [`review_stands`].
    #[serde(skip)]
    pub row: &'a Value,
}

/// The user of a row, if it has a usable login.
pub fn login_of(row: &Value) -> Option<(&str, i64)> {
    let user = row.get("user")?;
    let login = user.get("login")?.as_str().filter(|l| !l.is_empty())?;
    Some((login, user.get("id").and_then(Value::as_i64).unwrap_or(0)))
}

/// The latest deciding review of every reviewer, in the order reviewers first appear, in one
/// pass (a map keyed by the lower-cased login: 10 000 rows stay cheap).
/// Also returns how many rows were malformed (no usable user although not a team request).
pub fn latest_decisions(rows: &[Value]) -> (Vec<LatestReview<'_>>, usize) {
    let mut latest: Vec<LatestReview<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut malformed = 0;
    for row in rows {
        let decision = match row.get("state").and_then(Value::as_str) {
            Some("APPROVED") => ReviewState::Approved,
            Some("REQUEST_CHANGES") => ReviewState::ChangesRequested,
            Some("REQUEST_REVIEW") => {
                // A request row of a reviewer who already decided re-requests their review.
                let earlier = login_of(row).and_then(|(login, _)| index.get(&login.to_lowercase()).copied());
                if let Some(existing) = earlier.and_then(|i| latest.get_mut(i)) {
                    existing.rerequested = true;
                }
                continue;
            }
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
            commit_id: row.get("commit_id").and_then(Value::as_str).unwrap_or("").to_owned(),
            dismissed: flag("dismissed"),
            stale: flag("stale"),
            official: flag("official"),
            rerequested: false,
            system_user: id == -1 || id == -2 || login.eq_ignore_ascii_case("gitea-actions"),
            row,
        };
        match index.get(&login.to_lowercase()).and_then(|&i| latest.get_mut(i)) {
            Some(existing) => *existing = review,
            None => {
                index.insert(login.to_lowercase(), latest.len());
                latest.push(review);
            }
        }
    }
    (latest, malformed)
}

/// Why a reviewer's latest review does not count, if it does not: the author's own, a system
/// account's, re-requested, or not standing ([`review_stands`]).
pub fn exclusion(
    review: &LatestReview<'_>,
    author: &str,
    head_sha: &str,
    allow_stale: bool,
    kept: &Kept,
) -> Option<String> {
    let who = one_line(&review.login);
    let what = match review.decision {
        ReviewState::Approved => "an approval",
        ReviewState::ChangesRequested => "a change request",
    };
    let id = review.review_id;
    if review.login.eq_ignore_ascii_case(author) {
        return Some(format!("{who} is the pull request's author"));
    }
    if review.system_user {
        return Some(format!("{who} is a system account"));
    }
    // A change request stands even when stale or of an older commit (Gitea's merge check ignores
    // `stale` for rejections): only an approval must be of the head.
    let allow_stale = allow_stale || review.decision == ReviewState::ChangesRequested;
    match review_stands(review.row, head_sha, allow_stale) {
        Ok(()) => {}
        // --keep-across-base-merges looked at the commit: only merges from the base came after it.
        Err(NotStanding::OtherCommit { commit, .. }) if matches!(kept.outcome(&commit), Some(Ok(_))) => {}
        Err(why @ NotStanding::OtherCommit { .. }) if kept.outcome(why.commit()).is_some() => {
            let void = kept.outcome(why.commit()).and_then(|o| o.as_ref().err()).map_or("", String::as_str);
            return Some(format!("{who}'s latest review, {what} (#{id}), {}, and {void}", why.describe()));
        }
        Err(why) => {
            let hint = if why.waived_by_allow_stale() { " (--allow-stale counts it)" } else { "" };
            return Some(format!("{who}'s latest review, {what} (#{id}), {}{hint}", why.describe()));
        }
    }
    if review.rerequested && review.decision == ReviewState::Approved {
        return Some(format!(
            "{who}'s approval (#{id}) is void: their review was re-requested after it (a later review-request \
             row), as in Gitea's own merge check"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HEAD: &str = "00000000000000000000000000000000000000aa";

    fn row(id: i64, login: Option<&str>, state: &str) -> Value {
        json!({"id": id, "user": login.map(|l| json!({"login": l, "id": 100 + id})), "state": state,
               "commit_id": HEAD, "dismissed": false, "stale": false, "official": true})
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
        let summary: Vec<(&str, ReviewState)> = latest.iter().map(|r| (r.login.as_str(), r.decision)).collect();
        assert_eq!(
            summary,
            vec![
                ("Alice", ReviewState::ChangesRequested),
                ("bob", ReviewState::Approved),
                ("ERIN", ReviewState::Approved)
            ]
        );
        assert!(latest.iter().all(|r| !r.rerequested), "dave's request row precedes no review of his");
        assert_eq!(malformed, 0);
    }

    /// Gitea's own review-counting rows, ported: each names its upstream test, the review rows as
    /// `GET /pulls/{n}/reviews` lists them (login, state, dismissed, stale), and the approvers the
    /// gate counts. Gitea's tests run on database fixtures (models/fixtures/review.yml); the rows
    /// below are those fixtures as the API shows them. Where the gate deliberately counts fewer
    /// (a stale approval, which Gitea counts unless `ignore_stale_approvals`), the row says so
    /// and docs/gitea.md §2.4 gives the reason.
    #[test]
    fn gitea_review_counting_rows() {
        type Row<'a> = (&'a str, &'a str, bool, bool);
        let rows: [(&str, &[Row<'_>], &[&str]); 10] = [
            // TestFindLatestReviews (models/issues/review_test.go): user5 approved twice, user6 once:
            // one review per reviewer, the latest.
            (
                "TestFindLatestReviews",
                &[
                    ("user5", "APPROVED", false, false),
                    ("user5", "APPROVED", false, false),
                    ("user6", "APPROVED", false, false),
                ],
                &["user5", "user6"],
            ),
            // TestGetReviewersByIssueID: comment, pending, three change requests (one by the Ghost),
            // a stale approval and a review request: no approval counts. Gitea counts user4's stale
            // approval unless `ignore_stale_approvals` is set; the gate never does (deliberate).
            (
                "TestGetReviewersByIssueID",
                &[
                    ("user1", "COMMENT", false, false),
                    ("user2", "PENDING", false, false),
                    ("user3", "REQUEST_CHANGES", false, false),
                    ("user4", "APPROVED", false, true),
                    ("user2", "REQUEST_CHANGES", false, false),
                    ("Ghost", "REQUEST_CHANGES", false, false),
                    ("user5", "COMMENT", false, false),
                    ("user5", "REQUEST_REVIEW", false, false),
                ],
                &[],
            ),
            // TestFindReviews: an approval and a later pending draft by the same user.
            ("TestFindReviews", &[("user1", "APPROVED", false, false), ("user1", "PENDING", false, false)], &["user1"]),
            // TestDismissReview: a dismissed approval no longer counts.
            ("TestDismissReview", &[("user4", "APPROVED", true, false)], &[]),
            // TestDeleteReview: the deleted approval is no longer listed; the earlier change request
            // is the reviewer's latest again.
            ("TestDeleteReview", &[("user1", "REQUEST_CHANGES", false, false)], &[]),
            // TestAPIPullReviewStayDismissed, steps a–g: user8 is asked, approves (the request row is
            // consumed), every row is dismissed and user8 asked again, the request withdrawn, user8
            // approves again, then requests changes.
            ("TestAPIPullReviewStayDismissed a", &[("user8", "REQUEST_REVIEW", false, false)], &[]),
            ("TestAPIPullReviewStayDismissed c", &[("user8", "APPROVED", false, false)], &["user8"]),
            (
                "TestAPIPullReviewStayDismissed d",
                &[("user8", "APPROVED", true, false), ("user8", "REQUEST_REVIEW", false, false)],
                &[],
            ),
            (
                "TestAPIPullReviewStayDismissed f",
                &[("user8", "APPROVED", true, false), ("user8", "APPROVED", false, false)],
                &["user8"],
            ),
            (
                "TestAPIPullReviewStayDismissed g",
                &[
                    ("user8", "APPROVED", true, false),
                    ("user8", "APPROVED", false, false),
                    ("user8", "REQUEST_CHANGES", false, false),
                ],
                &[],
            ),
        ];
        for (test, reviews, counted) in rows {
            let listed: Vec<Value> = reviews
                .iter()
                .enumerate()
                .map(|(i, (login, state, dismissed, stale))| {
                    let id = if *login == "Ghost" { -1 } else { 100 + i as i64 };
                    json!({"id": i + 1, "user": {"login": login, "id": id}, "state": state, "commit_id": HEAD,
                           "dismissed": dismissed, "stale": stale, "official": true})
                })
                .collect();
            let (latest, _) = latest_decisions(&listed);
            let approvers: Vec<&str> = latest
                .iter()
                .filter(|r| {
                    r.decision == ReviewState::Approved
                        && exclusion(r, "user2-author", HEAD, false, &Kept::default()).is_none()
                })
                .map(|r| r.login.as_str())
                .collect();
            assert_eq!(approvers, counted, "{test}");
        }
    }

    #[test]
    fn a_dismissed_latest_row_does_not_resurrect_an_older_approval() {
        let mut newer = row(2, Some("alice"), "APPROVED");
        newer["dismissed"] = json!(true);
        let rows = [row(1, Some("alice"), "APPROVED"), newer];
        let (latest, _) = latest_decisions(&rows);
        assert_eq!(
            exclusion(&latest[0], "mallory", HEAD, false, &Kept::default()).map(|s| s.contains("dismissed")),
            Some(true)
        );
    }

    #[test]
    fn exclusions() {
        let mut stale = row(1, Some("alice"), "APPROVED");
        stale["stale"] = json!(true);
        let rows = [stale];
        let (latest, _) = latest_decisions(&rows);
        assert!(exclusion(&latest[0], "mallory", HEAD, false, &Kept::default()).is_some());
        assert!(exclusion(&latest[0], "mallory", HEAD, true, &Kept::default()).is_none());
        assert!(exclusion(&latest[0], "ALICE", HEAD, true, &Kept::default()).is_some(), "the author never counts");
        let bot =
            [json!({"id": 9, "user": {"login": "gitea-actions", "id": -2}, "state": "APPROVED", "commit_id": HEAD})];
        let (latest, _) = latest_decisions(&bot);
        assert!(exclusion(&latest[0], "mallory", HEAD, false, &Kept::default()).is_some());
        let nouser = json!({"id": 9, "user": null, "state": "APPROVED"});
        assert_eq!(latest_decisions(&[nouser]).1, 1);
    }

    #[test]
    fn a_review_stands_only_when_submitted_undismissed_and_of_the_head() {
        let base = row(1, Some("alice"), "APPROVED");
        assert_eq!(review_stands(&base, HEAD, false), Ok(()));
        assert_eq!(review_stands(&base, &HEAD.to_uppercase(), false), Ok(()), "shas compare without case");
        let with = |key: &str, value: Value| {
            let mut r = base.clone();
            r[key] = value;
            r
        };
        let old = "00000000000000000000000000000000000000bb";
        let cases = [
            (with("state", json!("PENDING")), NotStanding::Pending, false),
            (with("state", json!("REQUEST_REVIEW")), NotStanding::RequestRow, false),
            (with("state", json!("")), NotStanding::UnknownState(String::new()), false),
            (with("dismissed", json!(true)), NotStanding::Dismissed, false),
            (with("stale", json!(true)), NotStanding::Stale, true),
            // The race: the branch moved, Gitea has not marked the approval stale yet.
            (with("commit_id", json!(old)), NotStanding::OtherCommit { commit: old.into(), head: HEAD.into() }, true),
            (
                with("commit_id", Value::Null),
                NotStanding::OtherCommit { commit: String::new(), head: HEAD.into() },
                true,
            ),
        ];
        for (r, why, waived) in cases {
            assert_eq!(review_stands(&r, HEAD, false), Err(why.clone()), "{r}");
            assert_eq!(review_stands(&r, HEAD, true).is_ok(), waived, "--allow-stale waives {why:?}: {waived}");
            assert!(!why.describe().is_empty());
        }
        assert_eq!(review_stands(&base, "", false), Err(NotStanding::HeadUnknown));
        let msg = NotStanding::OtherCommit { commit: old.into(), head: HEAD.into() }.describe();
        assert_eq!(msg, "was made on commit 000000000000, but the head is 000000000000");
        let comment = with("state", json!("COMMENT"));
        assert_eq!(review_stands(&comment, HEAD, false), Ok(()));
    }

    #[test]
    fn an_approval_of_an_old_commit_says_whose_which_commit_and_what_head() {
        let mut r = row(4, Some("alice"), "APPROVED");
        r["commit_id"] = json!("1111111111111111111111111111111111111111");
        let rows = [r];
        let (latest, _) = latest_decisions(&rows);
        let why = exclusion(&latest[0], "mallory", HEAD, false, &Kept::default()).expect("excluded");
        assert_eq!(
            why,
            "alice's latest review, an approval (#4), was made on commit 111111111111, but the head is \
             000000000000 (--allow-stale counts it)"
        );
        assert!(exclusion(&latest[0], "mallory", HEAD, true, &Kept::default()).is_none());
    }

    #[test]
    fn a_re_requested_review_voids_the_approval_until_the_reviewer_reviews_again() {
        let rows = [row(1, Some("alice"), "APPROVED"), row(2, Some("ALICE"), "REQUEST_REVIEW")];
        let (latest, _) = latest_decisions(&rows);
        assert!(latest[0].rerequested);
        let why = exclusion(&latest[0], "mallory", HEAD, true, &Kept::default()).expect("void even with --allow-stale");
        assert!(why.contains("re-requested"), "{why}");
        // Reviewing again (Gitea deletes the request row then; here a later approval) counts.
        let rows = [
            row(1, Some("alice"), "APPROVED"),
            row(2, Some("alice"), "REQUEST_REVIEW"),
            row(3, Some("alice"), "APPROVED"),
        ];
        let (latest, _) = latest_decisions(&rows);
        assert_eq!(exclusion(&latest[0], "mallory", HEAD, false, &Kept::default()), None);
        // A request row before the approval changes nothing.
        let rows = [row(1, Some("alice"), "REQUEST_REVIEW"), row(2, Some("alice"), "APPROVED")];
        let (latest, _) = latest_decisions(&rows);
        assert_eq!(exclusion(&latest[0], "mallory", HEAD, false, &Kept::default()), None);
    }

    #[test]
    fn ten_thousand_rows_in_one_pass() {
        let rows: Vec<Value> = (0..10_000).map(|i| row(i, Some(&format!("user-{}", i % 5_000)), "APPROVED")).collect();
        let (latest, _) = latest_decisions(&rows);
        assert_eq!(latest.len(), 5_000);
        assert_eq!(latest[0].review_id, 5_000);
    }
}
