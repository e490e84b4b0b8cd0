//! `GET /repos/{o}/{r}/pulls/{n}` (docs/gitea.md §6.2), the open pull requests (§6.4), a pull
//! request's changed files (§12) and its commits with the accounts linked to them (§6.5).

use gitea_gate_protocol::{Account, ChangedFile, CommitAccounts, PullView};
use serde_json::Value;

use super::{ApiError, Client, RepoName};

/// The pull request object, checked to be one (an object with a `head` and a `base`).
pub fn get(client: &Client, repo: &RepoName, number: u64) -> Result<Value, ApiError> {
    let path = format!("{}/pulls/{number}", repo.api_path());
    let response = client.get_json(&path, &[])?;
    let pr = response.body;
    if !pr.is_object() || !pr.get("head").is_some_and(Value::is_object) || !pr.get("base").is_some_and(Value::is_object)
    {
        return Err(ApiError::shape(client.url(&path), "expected a pull request object with head and base"));
    }
    Ok(pr)
}

/// Every open pull request of the repository (`GET /repos/{o}/{r}/pulls?state=open`, all pages;
/// docs/gitea.md §6.4), each checked to carry a number and a head commit.
pub fn list_open(client: &Client, repo: &RepoName) -> Result<Vec<PullView>, ApiError> {
    let path = format!("{}/pulls", repo.api_path());
    let pulls = super::pages::fetch_all_query(client, &path, &[("state", "open".to_owned())])?;
    let mut open = Vec::with_capacity(pulls.len());
    for pr in &pulls {
        let view = PullView::of(pr);
        if view.number.is_none() || view.head_sha().is_none() {
            return Err(ApiError::shape(client.url(&path), "expected pull requests with a number and head.sha"));
        }
        if pr.get("state").and_then(Value::as_str).is_some_and(|s| s != "open") {
            return Err(ApiError::shape(client.url(&path), "state=open answered a pull request that is not open"));
        }
        open.push(view);
    }
    Ok(open)
}

/// Every changed file of a pull request (`GET /repos/{o}/{r}/pulls/{n}/files`, all pages;
/// docs/gitea.md §12), checked against `X-Total-Count`: a list that cannot be shown complete is
/// an error, never a shorter list.
pub fn files(client: &Client, repo: &RepoName, number: u64) -> Result<Vec<ChangedFile>, ApiError> {
    let path = format!("{}/pulls/{number}/files", repo.api_path());
    let rows = counted_exactly(client, &path, &[], "changed files")?;
    rows.iter()
        .map(|row| {
            let text = |key: &str| row.get(key).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
            let filename = text("filename")
                .ok_or_else(|| ApiError::shape(client.url(&path), "a changed file without a `filename`"))?;
            Ok(ChangedFile { filename, previous_filename: text("previous_filename"), status: text("status") })
        })
        .collect()
}

/// Every commit of a pull request (`GET /repos/{o}/{r}/pulls/{n}/commits`, all pages, without the
/// per-commit verification and file lists; docs/gitea.md §6.5) with the Gitea accounts linked
/// to its author and committer e-mail addresses (`null` when none is). Checked against
/// `X-Total-Count`, and a commit listed twice means the list moved while it was read: both are
/// errors, never a shorter list of contributors.
pub fn commits(client: &Client, repo: &RepoName, number: u64) -> Result<Vec<CommitAccounts>, ApiError> {
    let path = format!("{}/pulls/{number}/commits", repo.api_path());
    let speedup = [("verification", "false".to_owned()), ("files", "false".to_owned())];
    let rows = counted_exactly(client, &path, &speedup, "commits")?;
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .map(|row| {
            let sha = row.get("sha").and_then(Value::as_str).filter(|s| !s.is_empty());
            let sha = sha.ok_or_else(|| ApiError::shape(client.url(&path), "a commit without a `sha`"))?;
            if !seen.insert(sha.to_ascii_lowercase()) {
                return Err(ApiError::shape(
                    client.url(&path),
                    format!("commit {sha} is listed twice: the pull request moved while it was read"),
                ));
            }
            let account = |key: &str| -> Result<Option<Account>, ApiError> {
                match row.get(key) {
                    None | Some(Value::Null) => Ok(None),
                    Some(user) => match user.get("login").and_then(Value::as_str).filter(|l| !l.is_empty()) {
                        Some(login) => Ok(Some(Account {
                            login: login.to_owned(),
                            id: user.get("id").and_then(Value::as_i64).unwrap_or(0),
                        })),
                        None => Err(ApiError::shape(client.url(&path), format!("commit {sha}: `{key}` has no login"))),
                    },
                }
            };
            // A merge has two parents, first parent first (`convert.ToCommit`, `parents[].sha`). A
            // parent without its id is an error, never dropped: one parent fewer could make an
            // octopus merge look like a merge of two.
            let listed = row.get("parents").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            let parents = listed
                .iter()
                .map(|p| p.get("sha").and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned))
                .collect::<Option<Vec<String>>>()
                .ok_or_else(|| ApiError::shape(client.url(&path), format!("commit {sha}: a parent without a `sha`")))?;
            Ok(CommitAccounts {
                sha: sha.to_owned(),
                parents,
                author: account("author")?,
                committer: account("committer")?,
            })
        })
        .collect()
}

/// Every row of a list whose `X-Total-Count` is exact (changed files, commits): fewer or more
/// rows than it says, or no header at all, is an error.
fn counted_exactly(client: &Client, path: &str, filter: &[(&str, String)], what: &str) -> Result<Vec<Value>, ApiError> {
    let (rows, total) = super::pages::fetch_all_counted(client, path, filter)?;
    match total {
        Some(total) if total == rows.len() as u64 => Ok(rows),
        Some(total) => Err(ApiError::shape(
            client.url(path),
            format!("X-Total-Count says {total} {what}, but the pages held {}", rows.len()),
        )),
        None => Err(ApiError::shape(
            client.url(path),
            format!("the list of {what} came without X-Total-Count; its completeness cannot be checked"),
        )),
    }
}
