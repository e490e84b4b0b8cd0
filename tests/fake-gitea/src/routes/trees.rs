//! `GET /repos/{o}/{r}/git/trees/{sha}` (docs/gitea.md §6.7; Gitea's
//! `services/repository/files/tree.go`, `GetTreeBySHA`): the tree of a fixture commit, every
//! file a `blob` entry with its git blob id and each directory a `tree` entry (listed before its
//! contents, as `git ls-tree -r -t` does), with `recursive=true`; only the top level without.
//! Paged by `page`/`per_page`, `per_page` clamped to 1000 (`DefaultGitTreesPerPage`);
//! `truncated` is set on every page whenever the tree is longer than one page — the last page
//! included, as Forgejo (v11 to main) and Gitea before the fix for go-gitea/gitea#35117 do; a
//! page past the end (an empty tree's first page too) is `"tree": null`; `total_count` is every
//! entry. An unknown commit is a 400 `sha not found [{sha}]`, as both answer.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use super::repos::{assign, blob_id};
use super::{Ctx, error};
use crate::auth::Category;
use crate::http::{Request, Response};

/// Gitea's `setting.API.DefaultGitTreesPerPage`.
const DEFAULT_GIT_TREES_PER_PAGE: usize = 1000;

pub fn tree(ctx: &Ctx, owner: &str, name: &str, sha: &str, request: &Request) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(commit) = repo.commit(sha) else { return error(ctx, 400, &format!("sha not found [{sha}]")) };
    let recursive = request.query.get("recursive").is_some_and(|v| v == "true" || v == "1");
    // path → (mode, type, id): every file, and every directory above one.
    let mut entries: BTreeMap<String, (&str, &str, String)> = BTreeMap::new();
    for (path, content) in &commit.files {
        let bytes = content.bytes();
        entries.insert(path.clone(), ("100644", "blob", blob_id(&bytes)));
        let mut dir = path.as_str();
        while let Some((parent, _)) = dir.rsplit_once('/') {
            entries.insert(parent.to_owned(), ("040000", "tree", directory_id(commit.files.keys(), parent)));
            dir = parent;
        }
    }
    let listed: Vec<(&String, &(&str, &str, String))> =
        entries.iter().filter(|(path, _)| recursive || !path.contains('/')).collect();
    let number = |key: &str| request.query.get(key).and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
    let per_page = match number("per_page") {
        0 => DEFAULT_GIT_TREES_PER_PAGE,
        n => n.min(DEFAULT_GIT_TREES_PER_PAGE),
    };
    let page = number("page").max(1);
    let start = (page - 1).saturating_mul(per_page);
    let rows: Vec<Value> = listed
        .iter()
        .skip(start)
        .take(per_page)
        .map(|(path, (mode, kind, id))| json!({"path": path, "mode": mode, "type": kind, "size": 0, "sha": id, "url": ""}))
        .collect();
    let api = ctx.api_url();
    Response::json(
        200,
        &json!({
            "sha": directory_id(commit.files.keys(), ""), "url": format!("{api}/repos/{owner}/{name}/git/trees/{sha}"),
            "tree": if start >= listed.len() { Value::Null } else { Value::Array(rows) },
            "truncated": start < listed.len() && listed.len() > per_page, "page": page, "total_count": listed.len(),
        }),
    )
}

/// A stable id for a directory: the hash of the paths under it (the gate never reads it).
fn directory_id<'p>(paths: impl Iterator<Item = &'p String>, dir: &str) -> String {
    let mut h = Sha1::new();
    for path in paths.filter(|p| dir.is_empty() || p.starts_with(&format!("{dir}/"))) {
        h.update(path.as_bytes());
    }
    h.update(dir.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
