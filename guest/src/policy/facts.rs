//! What the host tells the guest for a `policy` check (protocol v1, check `"policy"`).
//!
//! The host gathers, for a pull request: the pull request, all its reviews and comments, all its
//! changed files (`/pulls/{n}/files`, every page; a list it could not read completely is never
//! sent — the host stops with exit 3), the policy file and CODEOWNERS read at the pull request's
//! base, every team the policy and CODEOWNERS name, and then — when this guest asks through
//! `needs.membership` — the membership probes, in one wave.

use serde::Deserialize;
use serde_json::Value;

use crate::membership::{MembershipFact, TeamFact};
use crate::protocol::{RunContext, SecretFact};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFacts {
    pub context: RunContext,
    #[serde(default)]
    pub token: Option<SecretFact>,
    /// `--pr N`; otherwise the number comes from the event payload.
    #[serde(default)]
    pub pr_number: Option<u64>,
    /// The policy file (at the base for pull-request events). `None` until the host read it.
    #[serde(default)]
    pub policy: Option<SourceFile>,
    #[serde(default)]
    pub pull_request: Option<Value>,
    #[serde(default)]
    pub reviews: Vec<Value>,
    /// Issue comments, for `/sop-n/a <rule> <reason>` waivers.
    #[serde(default)]
    pub comments: Vec<Value>,
    /// Every changed file, complete. `None` when not gathered (then nothing is decided).
    #[serde(default)]
    pub changed_files: Option<Vec<ChangedFile>>,
    /// The CODEOWNERS file Gitea would use at the base: the first of `CODEOWNERS`,
    /// `docs/CODEOWNERS`, `.gitea/CODEOWNERS` that exists. `None`: none exists.
    #[serde(default)]
    pub codeowners: Option<SourceFile>,
    /// Every team the policy and CODEOWNERS name that exists.
    #[serde(default)]
    pub teams: Vec<TeamFact>,
    /// `org/team` references the host found do not exist (the organisation or the team is
    /// unknown: 404 on a readable organisation).
    #[serde(default)]
    pub missing_teams: Vec<String>,
    #[serde(default)]
    pub membership: Option<Vec<MembershipFact>>,
}

/// A text file and where it was read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// One row of `/pulls/{n}/files` (docs/gitea.md §12), the fields that decide.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangedFile {
    pub filename: String,
    /// Set for renames: the old name, which counts as changed too.
    #[serde(default)]
    pub previous_filename: Option<String>,
    /// `added`, `deleted`, `renamed`, `changed`, `copied`, `unchanged` (a binary or mode-only
    /// change — still a changed path).
    #[serde(default)]
    pub status: Option<String>,
}

/// Every changed path: both names of a rename, each path once, in list order.
pub fn changed_paths(files: &[ChangedFile]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        for path in std::iter::once(&f.filename).chain(f.previous_filename.as_ref()) {
            if !path.is_empty() && seen.insert(path.as_str()) {
                out.push(path.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_count_both_names_once() {
        let files = vec![
            ChangedFile {
                filename: "new/a.rs".into(),
                previous_filename: Some("old/a.rs".into()),
                status: Some("renamed".into()),
            },
            ChangedFile { filename: "logo.png".into(), previous_filename: None, status: Some("unchanged".into()) },
            ChangedFile { filename: "new/a.rs".into(), previous_filename: None, status: Some("changed".into()) },
        ];
        assert_eq!(changed_paths(&files), vec!["new/a.rs", "old/a.rs", "logo.png"]);
    }
}
