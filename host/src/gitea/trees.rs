//! What differs between the trees of two commits (docs/gitea.md §6.7), for
//! `--keep-across-base-merges`: `GET /repos/{o}/{r}/git/trees/{sha}?recursive=true`, every page
//! of each tree, compared entry by entry. The guest decides what the differences mean.
//!
//! Gitea pages a recursive tree by `page`/`per_page` (at most its `DefaultGitTreesPerPage`,
//! 1000). Forgejo, and Gitea before the fix for go-gitea/gitea#35117, set `truncated` on **every**
//! page whenever the whole tree is longer than one page, the last page included
//! (`services/repository/files/tree.go`, `GetTreeBySHA`): so the pages are read until
//! `total_count` entries are in, never until `truncated` is false, and a tree that changes its
//! count between pages is an error.

use std::collections::BTreeMap;

use gitea_gate_protocol::{ChangedPath, Changes, CommitPair};
use serde_json::Value;

use super::{ApiError, Client, RepoName};

/// Entries asked for per page: Gitea's own maximum.
const PER_PAGE: usize = 1000;

/// A tree with more entries than this is refused rather than held in memory: 20× the Linux
/// kernel's ~90,000 files.
const MAX_ENTRIES: u64 = 2_000_000;

/// Every blob, symlink and submodule of a commit's tree: path → `"MODE ID"`.
pub type Tree = BTreeMap<String, String>;

/// Every entry of the tree of `commit` (directories are left out: their contents are listed).
pub fn tree(client: &Client, repo: &RepoName, commit: &str) -> Result<Tree, ApiError> {
    let path = format!("{}/git/trees/{}", repo.api_path(), super::client::segment(commit));
    // Every path listed (directories as ""), to refuse a repeated one.
    let mut seen = Tree::new();
    let mut listed: u64 = 0;
    let mut expected: Option<u64> = None;
    for page in 1_u64.. {
        let query = [("recursive", "true".to_owned()), ("per_page", PER_PAGE.to_string()), ("page", page.to_string())];
        let body = client.get_json(&path, &query)?.body;
        let total = body.get("total_count").and_then(Value::as_u64);
        // A page past the end (an empty tree's first page too) answers `"tree": null`.
        let rows = match body.get("tree") {
            Some(Value::Array(rows)) => Some(rows.as_slice()),
            Some(Value::Null) => Some(&[][..]),
            _ => None,
        };
        let (Some(total), Some(rows)) = (total, rows) else {
            return Err(ApiError::shape(client.url(&path), "expected a tree with `total_count` and `tree`"));
        };
        if total > MAX_ENTRIES {
            return Err(ApiError::shape(
                client.url(&path),
                format!("the tree has {total} entries (at most {MAX_ENTRIES})"),
            ));
        }
        if expected.is_some_and(|e| e != total) {
            return Err(ApiError::shape(client.url(&path), "the tree's total_count changed between its pages"));
        }
        expected = Some(total);
        add_rows(&mut seen, rows).map_err(|why| ApiError::shape(client.url(&path), why))?;
        listed += rows.len() as u64;
        if listed >= total || rows.is_empty() {
            break;
        }
    }
    if expected.is_some_and(|total| listed != total) {
        return Err(ApiError::shape(
            client.url(&path),
            format!("the tree listed {listed} entries, not its total_count"),
        ));
    }
    seen.retain(|_, entry| !entry.is_empty());
    Ok(seen)
}

/// One page's entries into `seen` (path → `"MODE ID"`, a directory `""`). Two entries under one
/// name would hide one of them: a path repeated (a page served twice, a hand-made tree) or one
/// that was not UTF-8 (JSON carries it as U+FFFD, so different names collide) is refused, never
/// collapsed.
fn add_rows(seen: &mut Tree, rows: &[Value]) -> Result<(), String> {
    for row in rows {
        let field = |key: &str| row.get(key).and_then(Value::as_str).unwrap_or("");
        let (path, mode, sha) = (field("path"), field("mode"), field("sha"));
        if path.is_empty() || mode.is_empty() || sha.is_empty() {
            return Err("a tree entry without path, mode or sha".to_owned());
        }
        if path.contains('\u{FFFD}') {
            return Err(format!("a path that is not UTF-8: {path:?}"));
        }
        let entry =
            if field("type") == "tree" { String::new() } else { format!("{mode} {}", sha.to_ascii_lowercase()) };
        if seen.insert(path.to_owned(), entry).is_some() {
            return Err(format!("the tree lists {path:?} twice"));
        }
    }
    Ok(())
}

/// What differs between two trees, in path order.
pub fn differences(from: &Tree, to: &Tree) -> Vec<ChangedPath> {
    let mut paths: Vec<&String> = from.keys().chain(to.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|path| {
            let (before, after) = (from.get(path), to.get(path));
            (before != after).then(|| ChangedPath {
                path: path.clone(),
                before: before.cloned().unwrap_or_default(),
                after: after.cloned().unwrap_or_default(),
            })
        })
        .collect()
}

/// The answer to `needs: changes`: each pair compared, each tree read once. A tree that cannot
/// be read makes its pairs `unreadable` (the guest then keeps no approval that needs them).
pub fn changes(client: &Client, repo: &RepoName, pairs: &[CommitPair]) -> Vec<Changes> {
    let mut trees: BTreeMap<String, Result<Tree, String>> = BTreeMap::new();
    for commit in pairs.iter().flat_map(|p| [&p.from, &p.to]) {
        if !trees.contains_key(commit) {
            let read = tree(client, repo, commit).map_err(|e| e.to_string());
            trees.insert(commit.clone(), read);
        }
    }
    pairs
        .iter()
        .map(|pair| {
            let (from, to) = (trees.get(&pair.from), trees.get(&pair.to));
            let (paths, unreadable) = match (from, to) {
                (Some(Ok(from)), Some(Ok(to))) => (differences(from, to), None),
                (Some(Err(why)), _) | (_, Some(Err(why))) => (Vec::new(), Some(why.clone())),
                _ => (Vec::new(), Some("not read".to_owned())),
            };
            Changes { from: pair.from.clone(), to: pair.to.clone(), paths, unreadable }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, &str)]) -> Tree {
        entries.iter().map(|(p, e)| ((*p).to_owned(), (*e).to_owned())).collect()
    }

    #[test]
    fn a_path_listed_twice_or_not_utf8_is_refused_never_collapsed() {
        let row =
            |path: &str, sha: &str| serde_json::json!({"path": path, "mode": "100644", "type": "blob", "sha": sha});
        let mut seen = Tree::new();
        assert!(add_rows(&mut seen, &[row("a", "1"), row("d/b", "2")]).is_ok());
        let again = add_rows(&mut seen, &[row("a", "1")]).unwrap_err();
        assert_eq!(again, "the tree lists \"a\" twice", "a page served twice");
        let mut seen = Tree::new();
        let err = add_rows(&mut seen, &[row("wf/\u{FFFD}.yml", "1")]).unwrap_err();
        assert!(err.contains("not UTF-8"), "{err}");
        let mut seen = Tree::new();
        let dir = serde_json::json!({"path": "d", "mode": "040000", "type": "tree", "sha": "9"});
        add_rows(&mut seen, &[dir, row("d/b", "2")]).unwrap();
        assert_eq!(seen.get("d").map(String::as_str), Some(""), "a directory is listed, with no entry");
    }

    #[test]
    fn differences_list_added_removed_and_changed_entries_in_path_order() {
        let from = tree(&[("a", "100644 1"), ("b", "100644 2"), ("c", "100755 3")]);
        let to = tree(&[("a", "100644 1"), ("b", "100644 9"), ("c", "100644 3"), ("d", "120000 4")]);
        let got: Vec<(String, String, String)> =
            differences(&from, &to).into_iter().map(|c| (c.path, c.before, c.after)).collect();
        let want = [("b", "100644 2", "100644 9"), ("c", "100755 3", "100644 3"), ("d", "", "120000 4")];
        let want: Vec<(String, String, String)> =
            want.iter().map(|(p, b, a)| ((*p).to_owned(), (*b).to_owned(), (*a).to_owned())).collect();
        assert_eq!(got, want, "a mode change is a change; a new symlink is an addition");
        assert!(differences(&to, &to).is_empty());
        assert_eq!(differences(&to, &from).iter().find(|c| c.path == "d").map(|c| c.after.as_str()), Some(""));
    }
}
