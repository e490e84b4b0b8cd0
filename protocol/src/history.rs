//! Who wrote a pull request's code, and when its head last moved: the facts behind "no one
//! approves their own code" and "a waiver is for the code it saw" (docs/gitea.md §6.3, §6.5).
//!
//! The host reads both with the pull request, in the same round trip: the timeline's push
//! entries (`type: "pull_push"`, the pusher as `user`) and the pull request's commits with the
//! Gitea accounts Gitea links to each (`GET /pulls/{n}/commits`, the top-level `author` and
//! `committer`), and the two timeline events after which the code may differ without a push
//! entry saying so (a reopen, a change of the target branch). The guest decides what they mean.

use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

/// A pull request's pushes and commits. The host always sends it beside the pull request; a
/// gate that has the pull request but not its history does not decide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PullHistory {
    /// Every push the timeline records, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pushes: Vec<Push>,
    /// Every commit of the pull request, with the accounts Gitea links to it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commits: Vec<CommitAccounts>,
    /// The timeline ids of the times the pull request was reopened (`type: "reopen"`): a push
    /// to a closed pull request leaves no push entry, so its code may have changed meanwhile.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reopens: Vec<i64>,
    /// The timeline ids of the changes of its target branch (`type: "change_target_branch"`):
    /// the diff changes without the head moving.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retargets: Vec<i64>,
    /// The answers to `needs: changes` (approvals kept across merges from the base branch,
    /// base_merges.rs in the guest): what changed between two commits, per pair asked…
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Changes>,
    /// …and whether one commit is an ancestor of another, per pair asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestry: Vec<Ancestry>,
}

/// One push to the pull request's head branch, as the timeline records it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Push {
    /// The timeline item's id. Comments and timeline items are rows of one table whose ids the
    /// server assigns in order, so ids order a push against a comment; nobody can edit them.
    pub id: i64,
    /// Who pushed (the authenticated account, not a commit's e-mail).
    pub pusher: Account,
    /// A force push: `commit_ids` is then `[old head, new head]`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub force: bool,
    /// For a normal push, the new commits oldest first (the new head last).
    #[serde(default)]
    pub commit_ids: Vec<String>,
    /// When the server recorded it (for messages only: ids order, times are not compared).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_at: String,
}

impl Push {
    /// The commit this push left the head at, when the entry names it.
    pub fn new_head(&self) -> Option<&str> {
        if self.force { self.commit_ids.get(1) } else { self.commit_ids.last() }.map(String::as_str)
    }
}

/// A Gitea account: its login and id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    pub login: String,
    pub id: i64,
}

/// One commit of the pull request and the accounts Gitea links to it by e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommitAccounts {
    pub sha: String,
    /// Its parents' ids, first parent first (a merge has two).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parents: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Account>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committer: Option<Account>,
}

/// What the guest asks about commits (`needs: changes`): pairs whose trees to compare, and pairs
/// whose ancestry to check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommitQuestions {
    /// Answered in the history's `changes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub compare: Vec<CommitPair>,
    /// Is `from` an ancestor of `to` (or `to` itself)? Answered in the history's `ancestry`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<CommitPair>,
}

/// Whether `from` is an ancestor of `to` (or `to` itself), as the server answered
/// (`GET /compare/{to}...{from}` lists no commit).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ancestry {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub ancestor: bool,
    /// Set when the host could not ask: then nothing is known of this pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// Two commits the guest asks about: `from` (a base, or the older one) and `to`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CommitPair {
    pub from: String,
    pub to: String,
}

/// What differs between the trees of two commits (`GET /git/trees/{sha}?recursive=true`, every
/// page of each): every path whose entry was added, removed or changed, in path order. An entry is
/// `"MODE ID"` as the tree lists it (`100644 3b18…`), or `""` where the path is absent. The guest
/// only compares these; it never reads a file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    pub from: String,
    pub to: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<ChangedPath>,
    /// Set when the host could not read a tree: then nothing is known of this pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

/// One path that differs between two trees.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChangedPath {
    pub path: String,
    pub before: String,
    pub after: String,
}
