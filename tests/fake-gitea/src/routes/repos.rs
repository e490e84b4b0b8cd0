//! `/repos/{owner}/{repo}/…`: the repository, file contents and raw files, pull requests,
//! reviews, comments and commit statuses (docs/gitea.md §0.1, §2, §4, §5, §6).

use base64::Engine as _;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

use super::{Ctx, error, json_list, not_found, review_requests};
use crate::PostedStatus;
use crate::auth::{Caller, Category, repo_access};
use crate::fixture::{Access, Commit, PullCommit, PullFile, Repo};
use crate::http::{Request, Response};
use crate::pagination::{page, page_and_limit, page_or_all};
use crate::routes::json as shape;
use crate::server::Combining;

/// repoAssignment: missing or invisible → 404 (never 403, §0.1); then the scope and public-only
/// checks.
pub(crate) fn assign<'a>(
    ctx: &Ctx<'a>,
    owner: &str,
    name: &str,
    category: Category,
    write: bool,
) -> Result<(&'a Repo, Access), Response> {
    if let Some(message) = ctx.caller.scope_error(category, write) {
        return Err(error(ctx, 403, &message));
    }
    let repo = ctx.fixture.repo(owner, name).ok_or_else(|| not_found(ctx))?;
    let access = repo_access(ctx.fixture, repo, &ctx.caller).ok_or_else(|| not_found(ctx))?;
    if repo.private && ctx.caller.public_only() {
        return Err(error(ctx, 403, "token scope is limited to public repos"));
    }
    Ok((repo, access))
}

fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

pub fn blob_id(bytes: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(format!("blob {}\0", bytes.len()).as_bytes());
    h.update(bytes);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// §4.4: empty ref → default branch; else an existing branch, tag or full commit id; else None.
fn resolve_strict<'a>(repo: &'a Repo, git_ref: &str) -> Option<&'a Commit> {
    let git_ref = if git_ref.is_empty() { repo.default_branch.as_str() } else { git_ref };
    if let Some(sha) = repo.branches.get(git_ref).or_else(|| repo.tags.get(git_ref)) {
        return repo.commit(sha);
    }
    if is_full_sha(git_ref) { repo.commit(git_ref) } else { None }
}

/// §4.2: `/raw` resolution. An unknown ref, a short sha, `refs/heads/x` or `refs/pull/N/head`
/// silently fall back to the default branch; only an unknown *full* sha is a 404.
fn resolve_raw<'a>(repo: &'a Repo, git_ref: &str) -> Result<Option<&'a Commit>, &'static str> {
    if let Some(sha) = repo.branches.get(git_ref).or_else(|| repo.tags.get(git_ref)) {
        return Ok(repo.commit(sha));
    }
    if is_full_sha(git_ref) {
        return repo.commit(git_ref).map(Some).ok_or("unable to find a git ref");
    }
    Ok(repo.branches.get(&repo.default_branch).and_then(|sha| repo.commit(sha)))
}

pub fn get_repo(ctx: &Ctx, owner: &str, name: &str) -> Response {
    match assign(ctx, owner, name, Category::Repository, false) {
        Ok((repo, _)) => Response::json(200, &shape::repo(ctx.fixture, repo)),
        Err(response) => response,
    }
}

pub fn contents(ctx: &Ctx, owner: &str, name: &str, path: &str, request: &Request) -> Response {
    contents_answer(ctx, owner, name, path, request, false)
}

/// `GET /contents-ext/{path}` (Gitea 1.25+, §4.1): `{"file_contents": …}` or `{"dir_contents": […]}`;
/// without `includes=file_content` a file comes without `content`/`encoding`, and never with the
/// `last_commit_*` fields (`GetContentsExt` does not ask for commit metadata).
pub fn contents_ext(ctx: &Ctx, owner: &str, name: &str, path: &str, request: &Request) -> Response {
    if !ctx.fixture.behaviour().contents_ext {
        return not_found(ctx);
    }
    contents_answer(ctx, owner, name, path, request, true)
}

fn contents_answer(ctx: &Ctx, owner: &str, name: &str, path: &str, request: &Request, ext: bool) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let git_ref = request.query.get("ref").map(String::as_str).unwrap_or("");
    let Some(commit) = resolve_strict(repo, git_ref) else {
        return Response::json(
            404,
            &json!({"message": "not found", "url": ctx.swagger(), "errors": [format!("object does not exist [id: {git_ref}, rel_path: ]")]}),
        );
    };
    let path = path.trim_matches('/');
    if let Some(file) = commit.files.get(path) {
        let blob = ctx.blob(file);
        let (bytes, sha) = (&blob.bytes, &blob.id);
        let inline = (bytes.len() as u64) <= ctx.fixture.max_blob_size;
        let legacy = ctx.fixture.behaviour().large_file_as_empty_content;
        let name = path.rsplit('/').next().unwrap_or(path);
        let shown_ref = if git_ref.is_empty() { repo.default_branch.as_str() } else { git_ref };
        let base = format!("{}/repos/{}/contents/{path}?ref={shown_ref}", ctx.api_url(), repo.full_name());
        let with_content =
            !ext || request.query.get("includes").is_some_and(|i| i.split(',').any(|o| o == "file_content"));
        // Without content nothing is encoded (a 10 MiB file would cost the fake ~20 ms of base64).
        let inline = inline && with_content;
        let mut object = json!({
                "name": name, "path": path, "sha": sha, "last_commit_sha": commit.sha,
                "last_committer_date": commit.date, "last_author_date": commit.date,
                "type": "file", "size": bytes.len(),
                // §4.4: above DEFAULT_MAX_BLOB_SIZE, content and encoding are null (status 200);
                // 1.22 says `content: ""`, `encoding: "base64"` (§14), like an empty file.
                "encoding": if inline || legacy { json!("base64") } else { Value::Null },
                "content": if inline { json!(base64::engine::general_purpose::STANDARD.encode(bytes)) } else if legacy { json!("") } else { Value::Null },
                "target": null, "url": base, "html_url": format!("http://gitea.test/{}/src/{shown_ref}/{path}", repo.full_name()),
                "git_url": format!("{}/repos/{}/git/blobs/{sha}", ctx.api_url(), repo.full_name()),
                "download_url": format!("http://gitea.test/{}/raw/{shown_ref}/{path}", repo.full_name()),
                "submodule_git_url": null, "_links": {"self": base}, "lfs_oid": null, "lfs_size": null,
        });
        if !with_content {
            object["encoding"] = Value::Null;
            object["content"] = Value::Null;
        }
        if ext {
            for field in ["last_commit_sha", "last_committer_date", "last_author_date"] {
                object[field] = Value::Null;
            }
            return Response::json(200, &json!({"file_contents": object}));
        }
        return Response::json(200, &object);
    }
    // A directory: the entries directly below it, without content.
    let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
    let mut entries: Vec<Value> = Vec::new();
    for file_path in commit.files.keys().filter(|p| p.starts_with(&prefix)) {
        let rest = &file_path[prefix.len()..];
        let (entry, kind) = match rest.split_once('/') {
            Some((dir, _)) => (format!("{prefix}{dir}"), "dir"),
            None => (file_path.clone(), "file"),
        };
        if !entries.iter().any(|e| e["path"] == entry) {
            entries.push(json!({"name": entry.rsplit('/').next(), "path": entry, "type": kind}));
        }
    }
    match (entries.is_empty(), ext) {
        (true, _) => not_found(ctx),
        (false, true) => Response::json(200, &json!({"dir_contents": entries})),
        (false, false) => Response::json(200, &Value::Array(entries)),
    }
}

pub fn raw(ctx: &Ctx, owner: &str, name: &str, path: &str, request: &Request) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let path = path.trim_matches('/');
    // Without ?ref, the first path segment(s) may name the ref (`/raw/{ref}/{path}`).
    let (git_ref, path) = match request.query.get("ref") {
        Some(r) => (r.clone(), path.to_owned()),
        None => match path.split_once('/') {
            Some((first, rest))
                if repo.branches.contains_key(first) || repo.tags.contains_key(first) || is_full_sha(first) =>
            {
                (first.to_owned(), rest.to_owned())
            }
            _ => (String::new(), path.to_owned()),
        },
    };
    // Gitea 1.22 and Forgejo resolve any revision and answer 404 for an unknown one, without
    // the fallback (§14, §16).
    let resolved = if ctx.fixture.behaviour().raw_without_fallback && !git_ref.is_empty() {
        resolve_strict(repo, &git_ref).map(Some).ok_or("object does not exist")
    } else {
        resolve_raw(repo, &git_ref)
    };
    let commit = match resolved {
        Ok(Some(commit)) => commit,
        Ok(None) => return error(ctx, 404, "repository is empty"),
        Err(message) => return error(ctx, 404, message),
    };
    let Some(file) = commit.files.get(&path) else { return not_found(ctx) };
    let blob = ctx.blob(file);
    let etag = format!("\"{}\"", blob.id);
    Response::new(200, "text/plain; charset=utf-8", blob.bytes.clone())
        .header("ETag", etag)
        .header("X-Gitea-Object-Type", "file")
        .header("X-Content-Type-Options", "nosniff")
}

pub fn pull(ctx: &Ctx, owner: &str, name: &str, number: u64) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    match repo.pull(number) {
        Some(pr) => {
            let mut object = shape::pull(ctx.fixture, repo, pr);
            review_requests::set_requested(ctx, repo, pr, &mut object);
            Response::json(200, &object)
        }
        None => not_found(ctx),
    }
}

/// `GET /repos/{o}/{r}/pulls?state=open|closed|all` (swagger `repoListPullRequests`; default
/// `open`): newest first, paginated (§3) with `X-Total-Count`; a merged pull request is closed.
pub fn list_pulls(ctx: &Ctx, owner: &str, name: &str, request: &Request) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let wanted = request.query.get("state").map_or("open", String::as_str);
    let mut pulls: Vec<_> = repo
        .pulls
        .iter()
        .filter(|pr| {
            let open = pr.state == "open" && !pr.merged;
            match wanted {
                "closed" => !open,
                "all" => true,
                _ => open,
            }
        })
        .collect();
    pulls.sort_by_key(|pr| std::cmp::Reverse(pr.number));
    let (page_number, limit) = page_and_limit(&request.query);
    let rows: Vec<Value> = page(&pulls, page_number, limit)
        .into_iter()
        .map(|pr| {
            let mut object = shape::pull(ctx.fixture, repo, pr);
            review_requests::set_requested(ctx, repo, pr, &mut object);
            object
        })
        .collect();
    json_list(rows, pulls.len())
}

/// §2.1: every row, oldest first, paginated over *all* rows (every row without `page`); PENDING
/// rows are then dropped from the body unless the caller wrote them (or is a site admin), while
/// `X-Total-Count` still counts them. No `Link` header.
pub fn reviews(ctx: &Ctx, owner: &str, name: &str, number: u64, request: &Request) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(pr) = repo.pull(number) else { return not_found(ctx) };
    let all = review_requests::rows_with_requests(ctx, repo, pr);
    let rows = page_or_all(&all, &request.query);
    let caller = ctx.caller.login().unwrap_or("");
    let visible: Vec<Value> = rows
        .iter()
        .filter(|r| {
            r.state != "PENDING"
                || ctx.caller.is_admin()
                || r.user.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(caller))
        })
        .map(|r| shape::review(ctx.fixture, repo, pr, r))
        .collect();
    Response::json(200, &Value::Array(visible)).header("X-Total-Count", all.len().to_string())
}

/// §12: the changed files, merge base → head, paginated (`limit` clamped to 50) with
/// `X-Total-Count`; `previous_filename` only for renames. 1.22 answers 500 when the head
/// repository was deleted (the diff cannot be computed).
pub fn files(ctx: &Ctx, owner: &str, name: &str, number: u64, request: &Request) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(pr) = repo.pull(number) else { return not_found(ctx) };
    if ctx.fixture.behaviour().pull_files_fail_without_head_repo && pr.head.repo.is_none() {
        return error(ctx, 500, "");
    }
    let rows: Vec<Value> = pr
        .files
        .iter()
        .map(|f| {
            let (filename, previous, status) = match f {
                PullFile::Path(path) => (path.as_str(), None, "changed"),
                PullFile::Row { filename, previous_filename, status } => {
                    (filename.as_str(), previous_filename.as_deref(), status.as_str())
                }
            };
            let binary_or_mode = status == "unchanged";
            let mut row = json!({
                "filename": filename, "status": status,
                "additions": if binary_or_mode { 0 } else { 1 }, "deletions": 0,
                "changes": if binary_or_mode { 0 } else { 1 },
                "html_url": format!("http://gitea.test/{}/src/commit/{}/{filename}", repo.full_name(), pr.head.sha),
                "contents_url": format!("{}/repos/{}/contents/{filename}?ref={}", ctx.api_url(), repo.full_name(), pr.head.sha),
                "raw_url": format!("http://gitea.test/{}/raw/commit/{}/{filename}", repo.full_name(), pr.head.sha),
            });
            if let Some(previous) = previous {
                row["previous_filename"] = json!(previous);
            }
            row
        })
        .collect();
    let (page_number, limit) = page_and_limit(&request.query);
    json_list(page(&rows, page_number, limit), rows.len())
}

/// `GET /repos/{o}/{r}/pulls/{n}/commits` (`GetPullRequestCommits`, swagger
/// `repoGetPullRequestCommits`): the commits base..head, always paginated (`page`/`limit`, default
/// 30, clamped to 50) with `X-Total-Count` = every commit; each row a `convert.ToCommit`.
/// `verification` and `files` are accepted and ignored. Without fixture commits, the one commit
/// `head.sha` by the pull request's author. An unknown pull request is a 404.
pub fn pull_commits(ctx: &Ctx, owner: &str, name: &str, number: u64, request: &Request) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(pr) = repo.pull(number) else { return not_found(ctx) };
    let only_head;
    let commits = if pr.commits.is_empty() {
        only_head =
            [PullCommit { sha: pr.head.sha.clone(), author: Some(pr.user.clone()), committer: Some(pr.user.clone()) }];
        &only_head[..]
    } else {
        pr.commits.as_slice()
    };
    let (page_number, limit) = page_and_limit(&request.query);
    let api_url = ctx.api_url();
    let rows: Vec<Value> =
        page(commits, page_number, limit).iter().map(|c| shape::pull_commit(ctx.fixture, &api_url, repo, c)).collect();
    json_list(rows, commits.len())
}

/// §6.1: all comments, `page`/`limit` ignored, `X-Total-Count`, no `Link`; an unknown index is a
/// 500 whose message is blanked for non-admins.
pub fn comments(ctx: &Ctx, owner: &str, name: &str, number: u64) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Issue, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let comments = match (repo.pull(number), repo.issue(number)) {
        (Some(pr), _) => &pr.comments,
        (None, Some(issue)) => &issue.comments,
        (None, None) => {
            let message = if ctx.caller.is_admin() { "GetIssueByIndex: issue does not exist" } else { "" };
            return error(ctx, 500, message);
        }
    };
    let items: Vec<Value> = comments.iter().map(|c| shape::comment(ctx.fixture, repo, number, c)).collect();
    json_list(items.clone(), items.len())
}

/// `/issues/{n}/timeline` (`issueGetCommentsAndTimeline`): comments, label events, pushes to the
/// pull request (`pull_push`, docs/gitea.md §6.3) and inline code comments, oldest first (by id),
/// paginated with `page`/`limit` (every row without `page`); the code comments are then dropped
/// from the answer, so a page can come back empty with more to follow, and `X-Total-Count` is the
/// number of items returned, not the total. A missing index is a 404.
pub fn timeline(ctx: &Ctx, owner: &str, name: &str, number: u64, request: &Request) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Issue, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let (comments, events) = match (repo.pull(number), repo.issue(number)) {
        (Some(pr), _) => (&pr.comments, pr.label_events.as_slice()),
        (None, Some(issue)) => (&issue.comments, &[][..]),
        (None, None) => return not_found(ctx),
    };
    let labels = repo.pull(number).map(|pr| pr.labels.as_slice()).unwrap_or_default();
    let mut items: Vec<(i64, Value)> = comments
        .iter()
        .map(|c| {
            let mut item = shape::comment(ctx.fixture, repo, number, c);
            item["type"] = json!("comment");
            (c.id, item)
        })
        .collect();
    items.extend(events.iter().map(|e| (e.id, shape::label_event(ctx.fixture, labels, e))));
    let pushes = repo.pull(number).map(|pr| pr.pushes.as_slice()).unwrap_or_default();
    items.extend(pushes.iter().map(|p| (p.id, shape::push_event(ctx.fixture, p))));
    let others = repo.pull(number).map(|pr| pr.events.as_slice()).unwrap_or_default();
    items.extend(others.iter().map(|e| {
        let user = shape::user(ctx.fixture, &e.user);
        (e.id, json!({"id": e.id, "type": e.kind, "body": "", "user": user, "html_url": "", "issue_url": ""}))
    }));
    let code = repo.pull(number).map(|pr| pr.code_comments.as_slice()).unwrap_or_default();
    items.extend(
        code.iter().map(|c| (c.id, json!({"id": c.id, "type": "code", "user": shape::user(ctx.fixture, &c.user)}))),
    );
    items.sort_by_key(|(id, _)| *id);
    let all: Vec<Value> = items.into_iter().map(|(_, item)| item).collect();
    let rows: Vec<Value> =
        page_or_all(&all, &request.query).into_iter().filter(|item| item["type"] != "code").collect();
    let count = rows.len();
    json_list(rows, count)
}

/// Everything `git cat-file` would resolve for a status: a branch, or a (unique) sha prefix of a
/// known commit, including pull request heads.
fn resolve_commit(repo: &Repo, sha: &str) -> Option<String> {
    if let Some(full) = repo.branches.get(sha).or_else(|| repo.tags.get(sha)) {
        return Some(full.clone());
    }
    if sha.len() < 4 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let known = repo.commits.iter().map(|c| c.sha.as_str()).chain(repo.pulls.iter().map(|p| p.head.sha.as_str()));
    let matches: Vec<&str> = known.filter(|k| k.to_ascii_lowercase().starts_with(&sha.to_ascii_lowercase())).collect();
    match matches.as_slice() {
        [one, rest @ ..] if rest.iter().all(|r| r.eq_ignore_ascii_case(one)) => Some((*one).to_owned()),
        _ => None,
    }
}

/// §5.1: write access needed (403), token required (401), unknown sha → 500, success 201 with a
/// CommitStatus whose state field is named `status`.
pub fn post_status(ctx: &Ctx, owner: &str, name: &str, sha: &str, request: &Request) -> Response {
    let (repo, access) = match assign(ctx, owner, name, Category::Repository, true) {
        Ok(found) => found,
        Err(response) => return response,
    };
    if ctx.caller == Caller::Anonymous {
        return error(ctx, 401, "token is required");
    }
    if access < Access::Write {
        return error(ctx, 403, "user should have a permission to write to a repo");
    }
    if sha.is_empty() {
        return error(ctx, 400, "sha not given");
    }
    let Some(full) = resolve_commit(repo, sha) else {
        let message = if ctx.caller.is_admin() { "object does not exist" } else { "" };
        return error(ctx, 500, message);
    };
    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let field = |k: &str| body.get(k).and_then(Value::as_str).unwrap_or("").trim().to_owned();
    let mut statuses = ctx.lock_statuses();
    let index = statuses.iter().filter(|s| s.repo == repo.full_name() && s.sha == full).count() + 1;
    let posted = PostedStatus {
        repo: repo.full_name(),
        sha: full.clone(),
        state: field("state"),
        context: field("context"),
        description: field("description"),
        target_url: field("target_url"),
        creator: ctx.caller.login().unwrap_or("").to_owned(),
    };
    statuses.push(posted.clone());
    Response::json(
        201,
        &json!({
            "id": index, "status": posted.state, "target_url": posted.target_url, "description": posted.description,
            "url": format!("{}/repos/{}/statuses/{full}", ctx.api_url(), repo.full_name()), "context": posted.context,
            "creator": shape::user(ctx.fixture, &posted.creator), "created_at": "2026-06-05T12:00:00Z", "updated_at": "2026-06-05T12:00:00Z",
        }),
    )
}

/// §5.2: latest status per context; any error/failure → failure; all success-like → success;
/// otherwise pending; no statuses → state "" and statuses null.
pub fn combined_status(ctx: &Ctx, owner: &str, name: &str, git_ref: &str) -> Response {
    let (repo, _) = match assign(ctx, owner, name, Category::Repository, false) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let sha = match resolve_commit(repo, git_ref) {
        Some(sha) if git_ref.len() >= 7 || repo.branches.contains_key(git_ref) || repo.tags.contains_key(git_ref) => {
            sha
        }
        // Gitea 1.22 and Forgejo leave an unknown ref as it is and find no status for it (§14).
        _ if ctx.fixture.behaviour().combined_status_of_unknown_ref_is_empty => {
            return Response::json(
                200,
                &json!({"state": "", "sha": "", "total_count": 0, "statuses": null, "repository": null,
                        "commit_url": "", "url": ""}),
            );
        }
        _ => return not_found(ctx),
    };
    let statuses = ctx.lock_statuses();
    let mut latest: Vec<&PostedStatus> = Vec::new();
    for s in statuses.iter().filter(|s| s.repo == repo.full_name() && s.sha == sha) {
        match latest.iter_mut().find(|l| l.context == s.context) {
            Some(slot) => *slot = s,
            None => latest.push(s),
        }
    }
    let states: Vec<&str> = latest.iter().map(|s| s.state.as_str()).collect();
    let state = combine(ctx.fixture.behaviour().combining, &states);
    let list: Vec<Value> = latest
        .iter()
        .map(|s| json!({"status": s.state, "context": s.context, "description": s.description, "target_url": s.target_url}))
        .collect();
    let count = list.len();
    Response::json(
        200,
        &json!({"state": state, "sha": sha, "total_count": count, "statuses": if list.is_empty() { Value::Null } else { Value::Array(list) },
                "repository": shape::repo(ctx.fixture, repo)}),
    )
    .header("X-Total-Count", count.to_string())
}

/// The combined state of the latest status per context (§5.2; §14 and §16 for `WorstWins`).
fn combine(combining: Combining, states: &[&str]) -> &'static str {
    if states.is_empty() {
        return "";
    }
    match combining {
        Combining::WarningPasses => {
            if states.iter().any(|s| matches!(*s, "error" | "failure")) {
                "failure"
            } else if states.iter().all(|s| matches!(*s, "success" | "warning" | "skipped")) {
                "success"
            } else {
                "pending"
            }
        }
        Combining::WorstWins { skipped_known } => {
            // `commitStatusPriorities`: the lowest rank wins; a state the server does not know
            // is ignored; `error` is shown as `failure`.
            let rank = |state: &str| match state {
                "error" => Some(0),
                "failure" => Some(1),
                "warning" => Some(2),
                "pending" => Some(3),
                "success" => Some(4),
                "skipped" if skipped_known => Some(5),
                _ => None,
            };
            let worst = states.iter().filter_map(|s| rank(s).map(|r| (r, *s))).min();
            match worst {
                None => "",
                Some((0 | 1, _)) => "failure",
                Some((2, _)) => "warning",
                Some((3, _)) => "pending",
                Some((4, _)) => "success",
                Some(_) => "skipped",
            }
        }
    }
}
