//! Facts for the policy gate: `check: "policy"` (a pull request and everything its policy file
//! and CODEOWNERS need) and `check: "policy-test"` (a policy file and recorded cases, offline).
//!
//! For `policy` the host gathers: the pull request, all its reviews and comments, all its
//! changed files (`/pulls/{n}/files`, every page; a list it could not read completely is never
//! sent — the host stops with exit 3), the policy file and CODEOWNERS read at the pull request's
//! base, every team the policy and CODEOWNERS name, and then — when the guest asks through
//! `needs.membership` — the membership probes, in one wave.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{MembershipFact, PullHistory, RunContext, SecretFact, Server, TeamFact};

/// Where Gitea looks for CODEOWNERS, in order, on the repository's default branch; the first that
/// exists wins, and an empty one hides the rest (docs/gitea.md §11).
pub const CODEOWNERS_PATHS: [&str; 3] = ["CODEOWNERS", "docs/CODEOWNERS", ".gitea/CODEOWNERS"];

/// Forgejo 12.0.2 and later look here too, after Gitea's three (docs/gitea.md §15).
pub const FORGEJO_CODEOWNERS_PATH: &str = ".forgejo/CODEOWNERS";

/// Every place the host reads, in order: the guest keeps the file only where the server itself
/// would look (`guest/src/server.rs`, `codeowners_locations`).
pub const CODEOWNERS_CANDIDATES: [&str; 4] =
    ["CODEOWNERS", "docs/CODEOWNERS", ".gitea/CODEOWNERS", FORGEJO_CODEOWNERS_PATH];

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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
    /// The pull request's pushes and commits (sent with `pull_request`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<PullHistory>,
    /// Every changed file, complete. `None` when not gathered (then nothing is decided).
    #[serde(default)]
    pub changed_files: Option<Vec<ChangedFile>>,
    /// The server, as `GET /api/v1/version` answered (sent with the pull request): which
    /// CODEOWNERS rules apply depends on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server: Option<Server>,
    /// The CODEOWNERS file the server would use: the first of [`CODEOWNERS_CANDIDATES`] that exists
    /// on the repository's default branch (where Gitea and Forgejo read it; the workspace's for a
    /// run that reads the workspace). `None`: none exists. The guest ignores a file where the
    /// server does not look (`.forgejo/CODEOWNERS` on Gitea and Forgejo before 12.0.2).
    #[serde(default)]
    pub codeowners: Option<SourceFile>,
    /// Every team the policy and CODEOWNERS name that exists, resolved without case, each with
    /// the name the server shows. Whether a CODEOWNERS owner (`@org/team`) written in another case
    /// names it depends on the server; the guest decides (`server::CodeownersDialect`).
    #[serde(default)]
    pub teams: Vec<TeamFact>,
    /// References the host found do not exist (the organisation or the team is unknown: 404 on a
    /// readable organisation), as the guest asked for them: `org/team` from the policy,
    /// `@org/team` from CODEOWNERS.
    #[serde(default)]
    pub missing_teams: Vec<String>,
    /// CODEOWNERS user owners the host found exist (`GET /users/{login}`: 200 with that login).
    #[serde(default)]
    pub users: Vec<String>,
    /// CODEOWNERS user owners that are no Gitea user (404: no such login, an organisation; or a
    /// renamed account's old name). Gitea skips them.
    #[serde(default)]
    pub missing_users: Vec<String>,
    #[serde(default)]
    pub membership: Option<Vec<MembershipFact>>,
    /// `--request-reviews`: in a trusted run that fails for want of approvals, name whom to ask
    /// (the verdict's `review_request`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub request_reviews: bool,
    /// `--keep-across-base-merges`: an approval of an earlier commit still counts when every
    /// commit after it merges the base branch and leaves the pull request's own changes as they
    /// were (base_merges.rs in the guest).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_across_base_merges: bool,
}

/// A text file and where it was read.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// One row of `/pulls/{n}/files` (docs/gitea.md §12), the fields that decide.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
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

/// Facts for the `policy-test` check: the policy file and the recorded cases (`gitea-gate policy
/// test DIR` reads them; nothing else is needed).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyTestFacts {
    pub policy: SourceFile,
    pub cases: Vec<NamedCase>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NamedCase {
    /// Where it came from (`auth-change/case.json`).
    pub name: String,
    /// The `case.json` text, parsed here so that a broken case is reported like a failing one.
    pub text: String,
}
