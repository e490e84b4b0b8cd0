//! Releases and their assets (docs/gitea.md §15), as gitea-gate's release workflow uses them:
//! find a release by tag, create one (a draft until its assets are in), upload, replace and
//! delete assets, publish; and the web download URL install.sh fetches.
//!
//! Gitea's rules kept here: creating a release for a tag that already has one is 409; a draft is
//! found by tag only by a caller who can write (others get 404, as for an unknown tag) and its
//! assets download for nobody else either; every write needs write access to the repository; an
//! asset upload is `multipart/form-data` with the file in the field `attachment` (or, since 1.22,
//! the bare bytes as `application/octet-stream`), named by the query's `name`, else by the file
//! name.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::auth::{Caller, Category};
use crate::fixture::{Access, Repo};
use crate::http::{Request, Response};
use crate::routes::{Ctx, error, json_list, lock, not_found};
use crate::{Release, ReleaseAsset};

/// The repository, and whether the caller may write to it (401/403 answers otherwise when
/// `write` is asked for). Scopes, visibility and access as every repository route decides them
/// (`repos::assign`).
fn repository<'a>(ctx: &Ctx<'a>, owner: &str, name: &str, write: bool) -> Result<(&'a Repo, bool), Response> {
    let (repo, access) = crate::routes::repos::assign(ctx, owner, name, Category::Repository, write)?;
    let can_write = access >= Access::Write;
    if write && ctx.caller == Caller::Anonymous {
        return Err(error(ctx, 401, "token is required"));
    }
    if write && !can_write {
        return Err(error(ctx, 403, "user should have a permission to write to a repo"));
    }
    Ok((repo, can_write))
}

fn asset_json(ctx: &Ctx, repo: &Repo, release: &Release, asset: &ReleaseAsset) -> Value {
    json!({
        "id": asset.id, "name": asset.name, "size": asset.bytes.len(), "download_count": 0,
        "created_at": "2026-06-05T12:00:00Z", "uuid": format!("00000000-0000-4000-8000-{:012}", asset.id),
        "browser_download_url": format!("{}/{}/releases/download/{}/{}", ctx.base_url, repo.full_name(), release.tag_name, asset.name),
        "type": "attachment",
    })
}

fn release_json(ctx: &Ctx, repo: &Repo, release: &Release) -> Value {
    let assets: Vec<Value> = release.assets.iter().map(|a| asset_json(ctx, repo, release, a)).collect();
    json!({
        "id": release.id, "tag_name": release.tag_name, "target_commitish": release.target, "name": release.name,
        "body": release.body, "draft": release.draft, "prerelease": release.prerelease,
        "url": format!("{}/repos/{}/releases/{}", ctx.api_url(), repo.full_name(), release.id),
        "html_url": format!("{}/{}/releases/tag/{}", ctx.base_url, repo.full_name(), release.tag_name),
        "tarball_url": "", "zipball_url": "", "upload_url": "",
        "author": crate::routes::json::user(ctx.fixture, &release.publisher),
        "created_at": "2026-06-05T12:00:00Z", "published_at": "2026-06-05T12:00:00Z", "assets": assets,
    })
}

fn body_json(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or(Value::Null)
}

/// GET `/repos/{o}/{r}/releases`: every release the caller may see, newest first.
pub fn list(ctx: &Ctx, owner: &str, name: &str) -> Response {
    let (repo, can_write) = match repository(ctx, owner, name, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let releases = lock(ctx.releases);
    let shown: Vec<Value> = releases
        .iter()
        .rev()
        .filter(|r| r.repo == repo.full_name() && (can_write || !r.draft))
        .map(|r| release_json(ctx, repo, r))
        .collect();
    let total = shown.len();
    json_list(shown, total)
}

/// GET `/repos/{o}/{r}/releases/tags/{tag}`.
pub fn by_tag(ctx: &Ctx, owner: &str, name: &str, tag: &str) -> Response {
    let (repo, can_write) = match repository(ctx, owner, name, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let releases = lock(ctx.releases);
    match releases.iter().find(|r| r.repo == repo.full_name() && r.tag_name == tag && (can_write || !r.draft)) {
        Some(release) => Response::json(200, &release_json(ctx, repo, release)),
        None => not_found(ctx),
    }
}

/// POST `/repos/{o}/{r}/releases`.
pub fn create(ctx: &Ctx, owner: &str, name: &str, request: &Request) -> Response {
    let repo = match repository(ctx, owner, name, true) {
        Ok((repo, _)) => repo,
        Err(response) => return response,
    };
    let body = body_json(request);
    let text = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let flag = |k: &str| body.get(k).and_then(Value::as_bool).unwrap_or(false);
    let tag = text("tag_name");
    if tag.is_empty() {
        return Response::json(422, &json!({"message": "[TagName]: Required", "url": ctx.swagger()}));
    }
    let mut releases = lock(ctx.releases);
    if releases.iter().any(|r| r.repo == repo.full_name() && r.tag_name == tag) {
        return error(ctx, 409, "Release is has no Tag");
    }
    let target =
        Some(text("target_commitish")).filter(|t| !t.is_empty()).unwrap_or_else(|| repo.default_branch.clone());
    let release = Release {
        id: releases.len() as u64 + 1,
        repo: repo.full_name(),
        tag_name: tag,
        target,
        name: text("name"),
        body: text("body"),
        draft: flag("draft"),
        prerelease: flag("prerelease"),
        publisher: ctx.caller.login().unwrap_or("").to_owned(),
        assets: Vec::new(),
    };
    let answer = release_json(ctx, repo, &release);
    releases.push(release);
    Response::json(201, &answer)
}

/// PATCH `/repos/{o}/{r}/releases/{id}`: only the fields given change.
pub fn edit(ctx: &Ctx, owner: &str, name: &str, id: u64, request: &Request) -> Response {
    let repo = match repository(ctx, owner, name, true) {
        Ok((repo, _)) => repo,
        Err(response) => return response,
    };
    let body = body_json(request);
    let mut releases = lock(ctx.releases);
    let Some(release) = releases.iter_mut().find(|r| r.repo == repo.full_name() && r.id == id) else {
        return not_found(ctx);
    };
    for (key, field) in [("name", &mut release.name), ("body", &mut release.body)] {
        if let Some(value) = body.get(key).and_then(Value::as_str).filter(|v| !v.is_empty()) {
            value.clone_into(field);
        }
    }
    if let Some(draft) = body.get("draft").and_then(Value::as_bool) {
        release.draft = draft;
    }
    if let Some(prerelease) = body.get("prerelease").and_then(Value::as_bool) {
        release.prerelease = prerelease;
    }
    Response::json(200, &release_json(ctx, repo, release))
}

/// GET `/repos/{o}/{r}/releases/{id}/assets`.
pub fn assets(ctx: &Ctx, owner: &str, name: &str, id: u64) -> Response {
    let (repo, can_write) = match repository(ctx, owner, name, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let releases = lock(ctx.releases);
    match releases.iter().find(|r| r.repo == repo.full_name() && r.id == id && (can_write || !r.draft)) {
        Some(release) => {
            let list: Vec<Value> = release.assets.iter().map(|a| asset_json(ctx, repo, release, a)).collect();
            let total = list.len();
            json_list(list, total)
        }
        None => not_found(ctx),
    }
}

/// POST `/repos/{o}/{r}/releases/{id}/assets?name=NAME`.
pub fn upload(ctx: &Ctx, owner: &str, name: &str, id: u64, request: &Request) -> Response {
    let repo = match repository(ctx, owner, name, true) {
        Ok((repo, _)) => repo,
        Err(response) => return response,
    };
    let content_type = request.headers.get("content-type").map(String::as_str).unwrap_or("");
    let (file_name, bytes) = if content_type.starts_with("multipart/form-data") {
        match multipart_attachment(content_type, &request.body) {
            Some(part) => part,
            None => return error(ctx, 400, "GetFile: http: no such file"),
        }
    } else if content_type.starts_with("application/octet-stream") {
        (String::new(), request.body.clone())
    } else {
        return error(ctx, 400, "GetFile: request Content-Type isn't multipart/form-data");
    };
    let asset_name = request.query.get("name").filter(|n| !n.is_empty()).cloned().unwrap_or(file_name);
    if asset_name.is_empty() {
        return error(ctx, 400, "name: could not determine the file name");
    }
    let mut releases = lock(ctx.releases);
    let next_id = releases.iter().map(|r| r.assets.len() as u64).sum::<u64>() + 1;
    let Some(release) = releases.iter_mut().find(|r| r.repo == repo.full_name() && r.id == id) else {
        return not_found(ctx);
    };
    let asset = ReleaseAsset { id: next_id + 1000 * id, name: asset_name, bytes: Arc::new(bytes) };
    let answer = asset_json(ctx, repo, release, &asset);
    release.assets.push(asset);
    Response::json(201, &answer)
}

/// DELETE `/repos/{o}/{r}/releases/{id}/assets/{asset}`.
pub fn delete_asset(ctx: &Ctx, owner: &str, name: &str, id: u64, asset: u64) -> Response {
    let repo = match repository(ctx, owner, name, true) {
        Ok((repo, _)) => repo,
        Err(response) => return response,
    };
    let mut releases = lock(ctx.releases);
    let Some(release) = releases.iter_mut().find(|r| r.repo == repo.full_name() && r.id == id) else {
        return not_found(ctx);
    };
    let before = release.assets.len();
    release.assets.retain(|a| a.id != asset);
    if release.assets.len() == before {
        return not_found(ctx);
    }
    Response::new(204, "text/plain", Vec::new())
}

/// GET `/{o}/{r}/releases/download/{tag}/{file}` (the web route, outside `/api/v1`): the asset's
/// bytes; 404 for a draft, as for anything unknown, to an anonymous caller.
pub fn download(ctx: &Ctx, owner: &str, name: &str, tag: &str, file: &str) -> Response {
    let (repo, can_write) = match repository(ctx, owner, name, false) {
        Ok(found) => found,
        Err(_) => return Response::new(404, "text/html; charset=utf-8", b"<!DOCTYPE html><p>Not Found</p>".to_vec()),
    };
    let releases = lock(ctx.releases);
    let found = releases
        .iter()
        .filter(|r| r.repo == repo.full_name() && r.tag_name == tag && (can_write || !r.draft))
        .find_map(|r| r.assets.iter().find(|a| a.name == file));
    match found {
        Some(asset) => Response::new(200, "application/octet-stream", asset.bytes.to_vec()),
        None => Response::new(404, "text/html; charset=utf-8", b"<!DOCTYPE html><p>Not Found</p>".to_vec()),
    }
}

/// The `attachment` part of a multipart body: (file name, bytes).
fn multipart_attachment(content_type: &str, body: &[u8]) -> Option<(String, Vec<u8>)> {
    let boundary = content_type.split(';').find_map(|p| p.trim().strip_prefix("boundary="))?.trim_matches('"');
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = split(body, &delimiter).into_iter().skip(1);
    parts.find_map(|part| {
        let part = part.strip_prefix(b"\r\n")?;
        let head_end = find(part, b"\r\n\r\n")?;
        let head = String::from_utf8_lossy(&part[..head_end]).into_owned();
        let disposition = head.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
        if !disposition.contains("name=\"attachment\"") {
            return None;
        }
        let file_name = disposition.split("filename=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("");
        let content = &part[head_end + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        Some((file_name.to_owned(), content.to_vec()))
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}
