//! The declarative world the fake serves: users, tokens, organizations and teams, repositories
//! with branches, tags, commits and files, pull requests with reviews and comments.
//! Loaded from JSON (`deny_unknown_fields`) or built in code by tests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fixture {
    /// The server to imitate, as `GET /api/v1/version` answers: Gitea "1.25.4" (default), "1.26…",
    /// "1.22.6" (the oldest supported), or Forgejo "15.0.3+gitea-1.22.0". Every difference it makes
    /// is in server.rs. The environment variable `FAKE_GITEA_VERSION` overrides it for every server
    /// started (scripts/test.sh runs the CLI tests once more as Gitea 1.22.6 and as Forgejo).
    #[serde(default = "default_version")]
    pub version: String,
    /// `[api] DEFAULT_MAX_BLOB_SIZE`: above it `/contents` returns `content: null` (docs/gitea.md §4.4).
    #[serde(default = "default_max_blob")]
    pub max_blob_size: u64,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub tokens: Vec<Token>,
    #[serde(default)]
    pub orgs: Vec<Org>,
    #[serde(default)]
    pub repos: Vec<Repo>,
}

fn default_version() -> String {
    "1.25.4".to_owned()
}

fn default_max_blob() -> u64 {
    10 << 20
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub login: String,
    pub id: i64,
    #[serde(default)]
    pub admin: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    pub token: String,
    /// A personal access token of this user…
    #[serde(default)]
    pub user: Option<String>,
    /// …with these scopes (`all`, `public-only`, `read:repository`, `write:issue`, …).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// …or an Actions job token (docs/gitea.md §7.3).
    #[serde(default)]
    pub actions_job: Option<ActionsJob>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ActionsJob {
    /// `owner/name` of the repository the job runs in.
    pub repo: String,
    /// Fork pull request runs (and pull_request_target from forks, and AGit) get read only.
    #[serde(default)]
    pub fork_pull_request: bool,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub name: String,
    pub id: i64,
    /// Members of the Owners team.
    #[serde(default)]
    pub owners: Vec<String>,
    /// Org members who are in no team listed here (team members are members too).
    #[serde(default)]
    pub members: Vec<String>,
    #[serde(default)]
    pub teams: Vec<Team>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub id: i64,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
    Admin,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Repo {
    pub owner: String,
    pub name: String,
    pub id: i64,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub fork: bool,
    #[serde(default = "default_branch")]
    pub default_branch: String,
    /// Explicit access for users (org owners have admin on org repositories).
    #[serde(default)]
    pub collaborators: BTreeMap<String, Access>,
    /// Branch name → commit sha.
    #[serde(default)]
    pub branches: BTreeMap<String, String>,
    /// Tag name → commit sha.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
    #[serde(default)]
    pub commits: Vec<Commit>,
    #[serde(default)]
    pub pulls: Vec<Pull>,
    /// Plain issues (sharing the index with pull requests).
    #[serde(default)]
    pub issues: Vec<Issue>,
}

fn default_branch() -> String {
    "main".to_owned()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Commit {
    /// 40 hex digits.
    pub sha: String,
    /// Its parents, first parent first (a merge has two); listed in `/pulls/{n}/commits` rows.
    #[serde(default)]
    pub parents: Vec<String>,
    /// The commit's whole tree: path → content.
    #[serde(default)]
    pub files: BTreeMap<String, FileContent>,
    /// Committer date (RFC 3339).
    #[serde(default = "default_date")]
    pub date: String,
}

fn default_date() -> String {
    "2026-06-01T12:00:00Z".to_owned()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FileContent {
    Text(String),
    Base64(String),
    /// Deterministic pseudo-random bytes: large files without storing them.
    Generated {
        size: u64,
        seed: u64,
    },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pull {
    pub number: u64,
    pub user: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default = "open")]
    pub state: String,
    #[serde(default)]
    pub merged: bool,
    pub head: PullHead,
    #[serde(default = "default_branch")]
    pub base: String,
    /// An AGit pull request: head label "", ref `refs/pull/N/head`, head repo = base repo.
    #[serde(default)]
    pub agit: bool,
    #[serde(default)]
    pub reviews: Vec<Review>,
    #[serde(default)]
    pub comments: Vec<Comment>,
    /// Label events of the issue timeline (who added or removed which label), merged with the
    /// comments by id in `/issues/{n}/timeline`.
    #[serde(default)]
    pub label_events: Vec<LabelEvent>,
    /// Inline code comments (review comments on a line), by id: in the timeline they are paged
    /// with everything else and then dropped from the answer (docs/gitea.md §3.1).
    #[serde(default)]
    pub code_comments: Vec<CodeComment>,
    /// The merge base Gitea computed for the head and the base branch (`merge_base`, updated when
    /// either moves); by default the base branch's head.
    #[serde(default)]
    pub merge_base: Option<String>,
    /// When the pull request last changed (`updated_at`); a fixed date by default.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// The changed files (`/pulls/{n}/files`, docs/gitea.md §12), in diff order.
    #[serde(default)]
    pub files: Vec<PullFile>,
    /// Pushes to the head branch: timeline items of type `pull_push`, merged with the comments by
    /// id in `/issues/{n}/timeline`.
    #[serde(default)]
    pub pushes: Vec<PushEvent>,
    /// The pull request's commits (`/pulls/{n}/commits`), in the order Gitea answers them (that
    /// of `git log base..head`: newest first). Empty: one commit, `head.sha`, authored and
    /// committed by `user` (a real pull request always has at least one).
    #[serde(default)]
    pub commits: Vec<PullCommit>,
    /// Other timeline items by id, shaped as Gitea shapes any event without content: `reopen`,
    /// `close`, `change_target_branch`, …
    #[serde(default)]
    pub events: Vec<TimelineEvent>,
}

/// A timeline event the gate reads only by its type and id (a reopen, a target change).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEvent {
    /// The timeline comment's id (shared with the comments' ids, which order the timeline).
    pub id: i64,
    /// Gitea's type name (`reopen`, `close`, `change_target_branch`).
    #[serde(rename = "type")]
    pub kind: String,
    pub user: String,
}

/// A push to the pull request's head branch: a timeline item of type `pull_push`
/// (Gitea's CommentTypePullRequestPush, written by CreatePushPullComment).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PushEvent {
    /// The timeline comment's id (shared with the comments' ids, which order the timeline).
    pub id: i64,
    /// Who pushed.
    pub user: String,
    /// A force push: `commits` is then [old head, new head].
    #[serde(default)]
    pub force: bool,
    /// The commit ids Gitea records: for a normal push the new commits oldest first (the new head last).
    pub commits: Vec<String>,
    #[serde(default = "default_date")]
    pub created_at: String,
}

/// One commit of a pull request as `/pulls/{n}/commits` lists it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PullCommit {
    pub sha: String,
    /// The Gitea account the author e-mail belongs to (the top-level `author`), if any.
    #[serde(default)]
    pub author: Option<String>,
    /// The Gitea account the committer e-mail belongs to (the top-level `committer`), if any.
    #[serde(default)]
    pub committer: Option<String>,
}

/// One changed file: a path (status `changed`), or the row's fields.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum PullFile {
    Path(String),
    Row {
        filename: String,
        #[serde(default)]
        previous_filename: Option<String>,
        #[serde(default = "changed")]
        status: String,
    },
}

fn changed() -> String {
    "changed".to_owned()
}

fn open() -> String {
    "open".to_owned()
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PullHead {
    /// `owner/name`, or null when the head repository was deleted.
    #[serde(default)]
    pub repo: Option<String>,
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub sha: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Review {
    pub id: i64,
    /// Null for team review-request rows.
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub team: Option<String>,
    pub state: String,
    #[serde(default)]
    pub body: String,
    /// The head the review was made on; empty: the pull request's current head (request rows
    /// always answer "").
    #[serde(default)]
    pub commit_id: String,
    #[serde(default)]
    pub stale: bool,
    #[serde(default)]
    pub dismissed: bool,
    #[serde(default = "yes")]
    pub official: bool,
    #[serde(default = "default_date")]
    pub submitted_at: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Comment {
    pub id: i64,
    pub user: String,
    pub body: String,
    #[serde(default = "default_date")]
    pub created_at: String,
    /// Differs from `created_at` when the comment was edited.
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// A label added to (or removed from) an issue or pull request: a timeline item of type `label`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LabelEvent {
    /// The timeline comment's id (shared with the comments' ids, which order the timeline).
    pub id: i64,
    pub user: String,
    pub label: String,
    /// `false`: the label was removed.
    #[serde(default = "yes")]
    pub added: bool,
    #[serde(default = "default_date")]
    pub created_at: String,
}

/// An inline code comment as the timeline pages it (and then hides it).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CodeComment {
    /// The timeline comment's id (shared with the comments' ids, which order the timeline).
    pub id: i64,
    pub user: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Issue {
    pub number: u64,
    pub user: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub comments: Vec<Comment>,
}

impl Fixture {
    pub fn from_json(text: &str) -> Result<Fixture, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// What the imitated server does differently (server.rs).
    pub fn behaviour(&self) -> crate::server::Behaviour {
        crate::server::Behaviour::of(crate::server::Imitated::from_version(&self.version))
    }

    pub fn user(&self, login: &str) -> Option<&User> {
        self.users.iter().find(|u| u.login.eq_ignore_ascii_case(login))
    }

    pub fn org(&self, name: &str) -> Option<&Org> {
        self.orgs.iter().find(|o| o.name.eq_ignore_ascii_case(name))
    }

    pub fn repo(&self, owner: &str, name: &str) -> Option<&Repo> {
        self.repos.iter().find(|r| r.owner.eq_ignore_ascii_case(owner) && r.name.eq_ignore_ascii_case(name))
    }

    pub fn repo_by_full_name(&self, full_name: &str) -> Option<&Repo> {
        let (owner, name) = full_name.split_once('/')?;
        self.repo(owner, name)
    }

    /// The team with this id, and its organization.
    pub fn team(&self, id: i64) -> Option<(&Org, &Team)> {
        self.orgs.iter().find_map(|o| o.teams.iter().find(|t| t.id == id).map(|t| (o, t)))
    }
}

impl Org {
    pub fn is_owner(&self, login: &str) -> bool {
        self.owners.iter().any(|o| o.eq_ignore_ascii_case(login))
    }

    pub fn is_member(&self, login: &str) -> bool {
        self.is_owner(login)
            || self.members.iter().any(|m| m.eq_ignore_ascii_case(login))
            || self.teams.iter().any(|t| t.has(login))
    }
}

impl Team {
    pub fn has(&self, login: &str) -> bool {
        self.members.iter().any(|m| m.eq_ignore_ascii_case(login))
    }
}

impl Repo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }

    pub fn commit(&self, sha: &str) -> Option<&Commit> {
        self.commits.iter().find(|c| c.sha.eq_ignore_ascii_case(sha))
    }

    pub fn pull(&self, number: u64) -> Option<&Pull> {
        self.pulls.iter().find(|p| p.number == number)
    }

    pub fn issue(&self, number: u64) -> Option<&Issue> {
        self.issues.iter().find(|i| i.number == number)
    }
}

impl FileContent {
    /// The file's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            FileContent::Text(text) => text.as_bytes().to_vec(),
            FileContent::Base64(encoded) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.decode(encoded).unwrap_or_default()
            }
            FileContent::Generated { size, seed } => generated(*size, *seed),
        }
    }
}

/// `size` deterministic bytes from `seed` (xorshift64*), printable ASCII with newlines so that
/// large files are also text.
pub fn generated(size: u64, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    for i in 0..size {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let r = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        out.push(if i % 64 == 63 { b'\n' } else { b'a' + (r >> 59) as u8 % 26 });
    }
    out
}
