//! Organizations and teams (docs/gitea.md §1). The order of the checks is the point: it decides
//! which of 401/403/404 a caller sees, and 404 is ambiguous ("not a member" and "you may not look"
//! look the same), which is why gates must preflight `GET /teams/{id}`.

use serde_json::Value;

use super::{Ctx, error, json_list, not_found};
use crate::auth::{Caller, Category};
use crate::fixture::{Org, Team};
use crate::http::{Request, Response};
use crate::pagination::{link_header, page, page_and_limit};
use crate::routes::json;

/// `GET /orgs/{org}/teams` (§1.4): scope → org exists (404) → signed in (401) → org member or
/// site admin, else 403 "Must be an organization member" (also the job token, §7.3).
pub fn list(ctx: &Ctx, org_name: &str, request: &Request) -> Response {
    if let Some(message) = ctx.caller.scope_error(Category::Organization, false) {
        return error(ctx, 403, &message);
    }
    let Some(org) = ctx.fixture.org(org_name) else { return not_found(ctx) };
    let Some(login) = ctx.caller.login() else { return error(ctx, 401, "token is required") };
    if !ctx.caller.is_admin() && (matches!(ctx.caller, Caller::Job { .. }) || !org.is_member(login)) {
        return error(ctx, 403, "Must be an organization member");
    }
    let mut teams: Vec<&Team> = org.teams.iter().collect();
    teams.sort_by_key(|t| t.name.to_ascii_lowercase());
    let (page_number, limit) = page_and_limit(&request.query);
    let items: Vec<Value> = page(&teams, page_number, limit).iter().map(|t| json::team(org, t)).collect();
    let mut response = json_list(items, teams.len());
    // `Link` here only from 1.26 (§10).
    if ctx.fixture.behaviour().links_on_team_lists
        && let Some(link) = link_header(&ctx.base_url, &request.path, &request.query, teams.len(), page_number, limit)
    {
        response = response.header("Link", link);
    }
    response
}

/// The shared front of `/teams/{id}…` (§1.2 steps 1–4): scope (403) → team exists (404, even
/// for anonymous callers) → signed in (401) → may see the team: site admin, org owner or member of
/// that team; an org member outside it gets 403 "Must be a team member"; anyone else 404.
fn visible_team<'a>(ctx: &Ctx<'a>, id: &str) -> Result<(&'a Org, &'a Team), Response> {
    if let Some(message) = ctx.caller.scope_error(Category::Organization, false) {
        return Err(error(ctx, 403, &message));
    }
    // A non-numeric id parses as 0, which is no team.
    let id = id.parse::<i64>().unwrap_or(0);
    let (org, team) = ctx.fixture.team(id).ok_or_else(|| not_found(ctx))?;
    let Some(login) = ctx.caller.login() else { return Err(error(ctx, 401, "token is required")) };
    if ctx.caller.is_admin() {
        return Ok((org, team));
    }
    if matches!(ctx.caller, Caller::Job { .. }) {
        return Err(not_found(ctx));
    }
    if org.is_owner(login) || team.has(login) {
        return Ok((org, team));
    }
    if org.is_member(login) {
        return Err(error(ctx, 403, "Must be a team member"));
    }
    Err(not_found(ctx))
}

pub fn get(ctx: &Ctx, id: &str) -> Response {
    match visible_team(ctx, id) {
        Ok((org, team)) => Response::json(200, &json::team(org, team)),
        Err(response) => response,
    }
}

/// `GET /teams/{id}/members` (§1.3): ordered by full name then name; `X-Total-Count`.
pub fn members(ctx: &Ctx, id: &str, request: &Request) -> Response {
    let (_, team) = match visible_team(ctx, id) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut logins: Vec<&String> = team.members.iter().collect();
    logins.sort_by_key(|l| l.to_ascii_lowercase());
    let (page_number, limit) = page_and_limit(&request.query);
    let items: Vec<Value> = page(&logins, page_number, limit).iter().map(|l| json::user(ctx.fixture, l)).collect();
    let mut response = json_list(items, logins.len());
    if ctx.fixture.behaviour().links_on_team_lists
        && let Some(link) = link_header(&ctx.base_url, &request.path, &request.query, logins.len(), page_number, limit)
    {
        response = response.header("Link", link);
    }
    response
}

/// `GET /teams/{id}/members/{username}` (§1.2): … → target user exists (404) → member: 200 with
/// the User JSON (not 204); not a member: 404.
pub fn member(ctx: &Ctx, id: &str, username: &str) -> Response {
    let (_, team) = match visible_team(ctx, id) {
        Ok(found) => found,
        Err(response) => return response,
    };
    if ctx.fixture.user(username).is_none() {
        return not_found(ctx);
    }
    if team.has(username) { Response::json(200, &json::user(ctx.fixture, username)) } else { not_found(ctx) }
}
