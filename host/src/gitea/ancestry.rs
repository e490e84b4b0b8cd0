//! Whether one commit is an ancestor of another (docs/gitea.md §6.7), for
//! `--keep-across-base-merges`: `GET /repos/{o}/{r}/compare/{to}...{from}` lists the commits
//! `from` has that the merge base of the two has not, so none means `from` is an ancestor of `to`
//! — or that the two share no history at all: Gitea and Forgejo answer `total_commits: 0` when
//! `git merge-base` finds nothing. So the other direction is asked too: `to` must have commits
//! `from` has not. The guest decides what the answers mean.

use gitea_gate_protocol::{Ancestry, CommitPair};
use serde_json::Value;

use super::{ApiError, Client, RepoName};

/// How many commits `head` has that the merge base of `base` and `head` has not.
fn commits_ahead(client: &Client, repo: &RepoName, base: &str, head: &str) -> Result<u64, ApiError> {
    let basehead = format!("{}...{}", super::client::segment(base), super::client::segment(head));
    let path = format!("{}/compare/{basehead}", repo.api_path());
    // Without per-commit signatures and file lists (ignored where the server does not know them).
    let query = [("verification", "false".to_owned()), ("files", "false".to_owned())];
    let body = client.get_json(&path, &query)?.body;
    body.get("total_commits")
        .and_then(Value::as_u64)
        .ok_or_else(|| ApiError::shape(client.url(&path), "expected a comparison with `total_commits`"))
}

/// Whether `from` is `to` or an ancestor of it, in one history.
pub fn is_ancestor(client: &Client, repo: &RepoName, from: &str, to: &str) -> Result<bool, ApiError> {
    if from.eq_ignore_ascii_case(to) {
        return Ok(true);
    }
    Ok(commits_ahead(client, repo, to, from)? == 0 && commits_ahead(client, repo, from, to)? > 0)
}

/// The answer to `needs: changes`' ancestries, one per pair; a failure is that pair's
/// `unreadable` (the guest then keeps no approval that needs it).
pub fn ancestries(client: &Client, repo: &RepoName, pairs: &[CommitPair]) -> Vec<Ancestry> {
    pairs
        .iter()
        .map(|pair| {
            let (ancestor, unreadable) = match is_ancestor(client, repo, &pair.from, &pair.to) {
                Ok(ancestor) => (ancestor, None),
                Err(e) => (false, Some(e.to_string())),
            };
            Ancestry { from: pair.from.clone(), to: pair.to.clone(), ancestor, unreadable }
        })
        .collect()
}
