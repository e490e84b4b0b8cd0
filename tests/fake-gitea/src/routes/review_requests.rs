//! `POST /repos/{o}/{r}/pulls/{n}/requested_reviewers` (docs/gitea.md §6.6;
//! `routers/api/v1/repo/pull_review.go` `CreateReviewRequests`, `services/issue`
//! `IsValidReviewRequest`, `models/issues` `AddReviewRequest`/`AddTeamReviewRequest`):
//! - a token is required (401); the caller must be allowed to change review requests — the
//!   poster, or a user with write access here (`CanDoerChangeReviewRequests`; the job token is
//!   none of them) — else 422;
//! - every name is resolved first: an unknown login, or a team name unknown in the repository's
//!   organisation, is 404 and nothing changes;
//! - the poster as a reviewer is 422 `poster of pr can't be reviewer`;
//! - a user or team already asked (a pending request) is skipped, no second row;
//! - 201 with the request rows created (`state: REQUEST_REVIEW`), possibly `[]`.
//!
//! Each request becomes a `REQUEST_REVIEW` row of the review list and shows in the pull
//! request's `requested_reviewers` / `requested_reviewers_teams`.

use serde_json::{Value, json};

use super::repos::assign;
use super::{Ctx, error, not_found};
use crate::ReviewRequested;
use crate::auth::{Caller, Category};
use crate::fixture::{Access, Pull, Repo, Review};
use crate::http::{Request, Response};
use crate::routes::json as shape;

pub fn post(ctx: &Ctx, owner: &str, name: &str, number: u64, request: &Request) -> Response {
    let Some(doer) = ctx.caller.login().map(str::to_owned) else {
        return error(ctx, 401, "token is required");
    };
    let (repo, access) = match assign(ctx, owner, name, Category::Repository, true) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(pr) = repo.pull(number) else { return not_found(ctx) };
    let poster = pr.user.eq_ignore_ascii_case(&doer);
    let user_with_write = matches!(ctx.caller, Caller::User { .. }) && matches!(access, Access::Write | Access::Admin);
    if !poster && !user_with_write {
        return error(ctx, 422, "Doer can't choose reviewer");
    }
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return error(ctx, 422, "invalid JSON");
    };
    let names = |key: &str| -> Vec<String> {
        body.get(key)
            .and_then(Value::as_array)
            .map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let (reviewers, team_names) = (names("reviewers"), names("team_reviewers"));
    let org = ctx.fixture.org(&repo.owner);
    let mut teams = Vec::new();
    for reviewer in &reviewers {
        if ctx.fixture.user(reviewer).is_none() {
            return error(ctx, 404, &format!("user does not exist [uid: 0, name: {reviewer}]"));
        }
    }
    for team in &team_names {
        // Team names on a repository outside an organisation are ignored.
        let Some(org) = org else { continue };
        match org.teams.iter().find(|t| t.name.eq_ignore_ascii_case(team)) {
            Some(found) => teams.push(found.name.clone()),
            None => return error(ctx, 404, &format!("team does not exist [name: {team}]")),
        }
    }
    if reviewers.iter().any(|r| r.eq_ignore_ascii_case(&pr.user)) {
        return error(ctx, 422, "poster of pr can't be reviewer");
    }
    let mut requested = ctx.lock_review_requests();
    let pending = |requested: &[ReviewRequested], user: Option<&str>, team: Option<&str>| {
        requested.iter().any(|r| {
            r.repo == repo.full_name()
                && r.number == number
                && r.reviewer.as_deref().map(str::to_ascii_lowercase) == user.map(str::to_ascii_lowercase)
                && r.team.as_deref().map(str::to_ascii_lowercase) == team.map(str::to_ascii_lowercase)
        })
    };
    let mut created = Vec::new();
    for (user, team) in
        reviewers.iter().map(|u| (Some(u.as_str()), None)).chain(teams.iter().map(|t| (None, Some(t.as_str()))))
    {
        if pending(&requested, user, team) {
            continue;
        }
        let row = ReviewRequested {
            repo: repo.full_name(),
            number,
            reviewer: user.map(str::to_owned),
            team: team.map(str::to_owned),
            by: doer.clone(),
        };
        created.push(json!({"state": "REQUEST_REVIEW", "user": row.reviewer.as_ref().map(|l| json!({"login": l})),
                            "team": row.team.as_ref().map(|t| json!({"name": t}))}));
        requested.push(row);
    }
    Response::json(201, &Value::Array(created))
}

/// The pull request's review rows, then one `REQUEST_REVIEW` row per request made through the API.
pub fn rows_with_requests(ctx: &Ctx, repo: &Repo, pr: &Pull) -> Vec<Review> {
    let mut rows = pr.reviews.clone();
    let requested = ctx.lock_review_requests();
    let made = requested.iter().filter(|r| r.repo == repo.full_name() && r.number == pr.number);
    for (i, r) in made.enumerate() {
        rows.push(Review {
            id: 10_000 + i as i64,
            user: r.reviewer.clone(),
            team: r.team.clone(),
            state: "REQUEST_REVIEW".to_owned(),
            body: String::new(),
            commit_id: String::new(),
            stale: false,
            dismissed: false,
            official: true,
            submitted_at: "2026-06-05T14:00:00Z".to_owned(),
        });
    }
    rows
}

/// `requested_reviewers` and `requested_reviewers_teams` of the pull request object
/// (`services/convert/pull.go`): every user whose latest undismissed review is an approval, a
/// change request or a request — so an approver stays listed — and every team with a pending
/// request. Gitea 1.22 has no team list (§14).
pub fn set_requested(ctx: &Ctx, repo: &Repo, pr: &Pull, object: &mut Value) {
    let rows = rows_with_requests(ctx, repo, pr);
    let mut users: Vec<String> = Vec::new();
    let mut teams: Vec<String> = Vec::new();
    for row in rows.iter().filter(|r| !r.dismissed) {
        match (&row.user, &row.team) {
            (Some(user), _)
                if matches!(row.state.as_str(), "APPROVED" | "REQUEST_CHANGES" | "REQUEST_REVIEW")
                    && !users.iter().any(|u| u.eq_ignore_ascii_case(user)) =>
            {
                users.push(user.clone());
            }
            (None, Some(team)) if row.state == "REQUEST_REVIEW" && !teams.contains(team) => teams.push(team.clone()),
            _ => {}
        }
    }
    object["requested_reviewers"] = users.iter().map(|u| shape::user(ctx.fixture, u)).collect();
    if ctx.fixture.behaviour().pull_lists_requested_teams {
        object["requested_reviewers_teams"] = teams.iter().map(|t| json!({"name": t})).collect();
    } else if let Some(map) = object.as_object_mut() {
        map.remove("requested_reviewers_teams");
    }
}
