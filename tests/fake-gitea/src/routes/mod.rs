//! Routing `/api/v1/…` to handlers, with Gitea's error bodies (docs/gitea.md §0.1).

pub mod compare;
pub mod json;
pub mod releases;
pub mod repos;
pub mod review_requests;
pub mod teams;
pub mod trees;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::{Value, json};

use crate::auth::Caller;
use crate::fixture::{FileContent, Fixture};
use crate::http::{Request, Response};
use crate::{Blob, BlobCache, PostedStatus, Release, ReviewRequested};

/// What a handler may use.
pub struct Ctx<'a> {
    pub fixture: &'a Fixture,
    pub caller: Caller,
    /// `http://127.0.0.1:PORT`
    pub base_url: String,
    pub statuses: &'a Mutex<Vec<PostedStatus>>,
    pub review_requests: &'a Mutex<Vec<ReviewRequested>>,
    pub blobs: &'a BlobCache,
    pub releases: &'a Mutex<Vec<Release>>,
}

impl Ctx<'_> {
    pub fn api_url(&self) -> String {
        format!("{}/api/v1", self.base_url)
    }

    pub fn swagger(&self) -> String {
        format!("{}/api/swagger", self.base_url)
    }

    pub fn blob(&self, file: &FileContent) -> Arc<Blob> {
        self.blobs.blob(file)
    }

    pub fn lock_statuses(&self) -> MutexGuard<'_, Vec<PostedStatus>> {
        self.statuses.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn lock_review_requests(&self) -> MutexGuard<'_, Vec<ReviewRequested>> {
        self.review_requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `{"message": …, "url": …}` (`APIError`).
pub fn error(ctx: &Ctx, status: u16, message: &str) -> Response {
    Response::json(status, &json!({"message": message, "url": ctx.swagger()}))
}

/// `{"message": "not found", "url": …, "errors": null}` (`APIErrorNotFound`); Gitea 1.22 and
/// Forgejo send the locale string "The target couldn't be found." (§14, §16).
pub fn not_found(ctx: &Ctx) -> Response {
    let message = ctx.fixture.behaviour().not_found_text;
    Response::json(404, &json!({"message": message, "url": ctx.swagger(), "errors": null}))
}

/// A JSON array with `X-Total-Count`.
pub fn json_list(items: Vec<Value>, total: usize) -> Response {
    Response::json(200, &Value::Array(items)).header("X-Total-Count", total.to_string())
}

fn number(raw: &str) -> Option<u64> {
    raw.parse().ok()
}

/// Dispatch an API request (the path without the `/api/v1` prefix, split into segments).
pub fn route(ctx: &Ctx, request: &Request, segments: &[&str]) -> Response {
    let get = request.method == "GET";
    let post = request.method == "POST";
    match segments {
        ["version"] if get => Response::json(200, &json!({"version": ctx.fixture.version})),
        ["user"] if get => match ctx.caller.login() {
            Some(login) => Response::json(200, &json::user(ctx.fixture, login)),
            None => error(ctx, 401, "token is required"),
        },
        // §11: the lookup CODEOWNERS owners go through — individual users only (an organisation
        // is 404), the login without case.
        ["users", login] if get => match ctx.fixture.user(login) {
            Some(user) => Response::json(200, &json::user(ctx.fixture, &user.login)),
            None => not_found(ctx),
        },
        ["orgs", org, "teams"] if get => teams::list(ctx, org, request),
        ["teams", id] if get => teams::get(ctx, id),
        ["teams", id, "members"] if get => teams::members(ctx, id, request),
        ["teams", id, "members", user] if get => teams::member(ctx, id, user),
        ["repos", owner, name] if get => repos::get_repo(ctx, owner, name),
        ["repos", owner, name, "contents-ext", rest @ ..] if get => {
            repos::contents_ext(ctx, owner, name, &rest.join("/"), request)
        }
        ["repos", owner, name, "contents", rest @ ..] if get => {
            repos::contents(ctx, owner, name, &rest.join("/"), request)
        }
        ["repos", owner, name, "raw", rest @ ..] if get => repos::raw(ctx, owner, name, &rest.join("/"), request),
        ["repos", owner, name, "pulls"] if get => repos::list_pulls(ctx, owner, name, request),
        ["repos", owner, name, "pulls", n] if get => match number(n) {
            Some(n) => repos::pull(ctx, owner, name, n),
            None => not_found(ctx),
        },
        ["repos", owner, name, "pulls", n, "reviews"] if get => match number(n) {
            Some(n) => repos::reviews(ctx, owner, name, n, request),
            None => not_found(ctx),
        },
        ["repos", owner, name, "pulls", n, "requested_reviewers"] if post => match number(n) {
            Some(n) => review_requests::post(ctx, owner, name, n, request),
            None => not_found(ctx),
        },
        ["repos", owner, name, "pulls", n, "files"] if get => match number(n) {
            Some(n) => repos::files(ctx, owner, name, n, request),
            None => not_found(ctx),
        },
        ["repos", owner, name, "pulls", n, "commits"] if get => match number(n) {
            Some(n) => repos::pull_commits(ctx, owner, name, n, request),
            None => not_found(ctx),
        },
        ["repos", owner, name, "issues", n, "comments"] if get => match number(n) {
            Some(n) => repos::comments(ctx, owner, name, n),
            None => error(ctx, 500, ""),
        },
        ["repos", owner, name, "issues", n, "timeline"] if get => match number(n) {
            Some(n) => repos::timeline(ctx, owner, name, n, request),
            None => not_found(ctx),
        },
        ["repos", owner, name, "compare", basehead] if get => compare::compare(ctx, owner, name, basehead),
        ["repos", owner, name, "git", "trees", sha] if get => trees::tree(ctx, owner, name, sha, request),
        ["repos", owner, name, "statuses", sha] if post => repos::post_status(ctx, owner, name, sha, request),
        ["repos", owner, name, "releases"] if get => releases::list(ctx, owner, name),
        ["repos", owner, name, "releases"] if post => releases::create(ctx, owner, name, request),
        ["repos", owner, name, "releases", "tags", tag] if get => releases::by_tag(ctx, owner, name, tag),
        ["repos", owner, name, "releases", id] if request.method == "PATCH" => match number(id) {
            Some(id) => releases::edit(ctx, owner, name, id, request),
            None => not_found(ctx),
        },
        ["repos", owner, name, "releases", id, "assets"] => match (number(id), request.method.as_str()) {
            (Some(id), "GET") => releases::assets(ctx, owner, name, id),
            (Some(id), "POST") => releases::upload(ctx, owner, name, id, request),
            _ => not_found(ctx),
        },
        ["repos", owner, name, "releases", id, "assets", asset] if request.method == "DELETE" => {
            match (number(id), number(asset)) {
                (Some(id), Some(asset)) => releases::delete_asset(ctx, owner, name, id, asset),
                _ => not_found(ctx),
            }
        }
        ["repos", owner, name, "commits", git_ref, "status"] if get => {
            repos::combined_status(ctx, owner, name, git_ref)
        }
        _ => not_found(ctx),
    }
}

/// Lock a mutex, ignoring poisoning (a panicked handler leaves the data usable).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
