//! `GET /repos/{o}/{r}/compare/{base}...{head}` (docs/gitea.md §6.7; Gitea's
//! `routers/api/v1/repo/compare.go`, `CompareDiff`, 1.22+): the commits `head` has that the
//! merge base of the two has not — reachable from `head`, not from `base` — from the fixture's
//! parents, as `{"total_commits": n, "commits": [...]}`. Two commits that share no history answer
//! no commit at all (`git merge-base` finds nothing, and Gitea and Forgejo then list none).
//! `base` and `head` are full commit ids or branch names; anything else is a 404, as Gitea
//! answers a ref it cannot find.

use std::collections::BTreeSet;

use serde_json::json;

use super::repos::assign;
use super::{Ctx, not_found};
use crate::auth::Category;
use crate::fixture::Repo;
use crate::http::Response;

pub fn compare(ctx: &Ctx, owner: &str, name: &str, basehead: &str) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some((base, head)) = basehead.split_once("...").or_else(|| basehead.split_once("..")) else {
        return not_found(ctx);
    };
    let (Some(base), Some(head)) = (resolve(repo, base), resolve(repo, head)) else { return not_found(ctx) };
    let excluded = reachable(repo, &base);
    let reached = reachable(repo, &head);
    let related = reached.iter().any(|c| excluded.contains(c));
    let mut commits: Vec<String> = reached.into_iter().filter(|c| related && !excluded.contains(c)).collect();
    commits.sort();
    let api = format!("{}/repos/{owner}/{name}", ctx.api_url());
    let rows: Vec<_> = commits
        .iter()
        .map(|sha| json!({"sha": sha, "url": format!("{api}/git/commits/{sha}"), "files": null}))
        .collect();
    Response::json(200, &json!({"total_commits": rows.len(), "commits": rows}))
}

/// A fixture commit's id, or a branch's head.
fn resolve(repo: &Repo, reference: &str) -> Option<String> {
    match repo.commit(reference) {
        Some(commit) => Some(commit.sha.to_ascii_lowercase()),
        None => repo.branches.get(reference).map(|sha| sha.to_ascii_lowercase()),
    }
}

/// Every commit `from` reaches through the fixture's parents, itself included.
fn reachable(repo: &Repo, from: &str) -> BTreeSet<String> {
    let (mut seen, mut todo) = (BTreeSet::new(), vec![from.to_owned()]);
    while let Some(sha) = todo.pop() {
        if seen.insert(sha.clone())
            && let Some(commit) = repo.commit(&sha)
        {
            todo.extend(commit.parents.iter().map(|p| p.to_ascii_lowercase()));
        }
    }
    seen
}
