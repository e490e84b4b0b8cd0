//! The worlds the CLI tests run in, built in one place: the `acme` organisation every scenario
//! shares (users, tokens, the qa / security / engineering teams, the `core` repository) and a
//! typed builder for what a scenario adds to it — pull requests with their reviews, comments,
//! changed files, commits and pushes; teams; policies committed on base branches.
//!
//! ```ignore
//! let fake = World::acme()
//!     .pull(Pull::new(7).review(Review::approved(1, "qa-carol").stale()).file("auth/login.rs"))
//!     .branch_policy("main", sha(1), POLICY)
//!     .start();
//! ```
//!
//! Why a builder and not JSON literals: a scenario then reads as the few facts that make it a
//! scenario (who approved, on which commit, what changed), every default is written once here
//! (the fake's own defaults, or the shared org's), and a misspelt field is a compile error rather
//! than a fixture the fake refuses at run time. It builds the fake's own `Fixture` types, so what
//! the fake serves is exactly what the test built; `edit` on each builder reaches any field this
//! API does not name (rare shapes: an AGit head, a deleted head repository, a generated file).
#![allow(dead_code, reason = "each test uses part of the shared world")]

use std::path::{Path, PathBuf};

use fake_gitea::FakeGitea;
use fake_gitea::fixture as fx;

/// A PAT of `ceo-bot`, a member of qa and security, with every scope a gate needs.
pub const TEAM_PAT: &str = "pat-ceo-bot-7f3a9c";
/// The same account, without write:repository (cannot post statuses).
pub const TEAM_PAT_READ_ONLY: &str = "pat-ceo-bot-ro-55e1";
/// The same account, without read:organization.
pub const TEAM_PAT_NO_ORG_SCOPE: &str = "pat-ceo-bot-noorg-9d2b";
/// `bob`: an org member in neither team (Gitea answers 403 "Must be a team member").
pub const OUTSIDER_PAT: &str = "pat-bob-0c4d";
/// The Actions job token of a run in acme/core (Gitea answers 404 on team routes, 403 on org routes).
pub const JOB_TOKEN: &str = "0123456789abcdef0123456789abcdef01234567";

/// The fake's default date (`Commit::date`, `Review::submitted_at`, …): a world written without
/// dates is dated as the fake would date it.
const FIXTURE_DATE: &str = "2026-06-01T12:00:00Z";
/// When `Comment::new` comments: after `FIXTURE_DATE`, as a comment on a pull request comes after
/// the commits it is about.
const COMMENT_DATE: &str = "2026-06-05T10:00:00Z";

/// Commit number `n` as 40 hex digits: `sha(1)` is main's head; `sha(n)` the head of pull request `n`.
pub fn sha(n: u64) -> String {
    format!("{n:040x}")
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// A fake Gitea world: the shared organisation plus what a scenario adds.
#[derive(Debug, Clone)]
pub struct World(fx::Fixture);

impl World {
    /// The organisation every pull-request test shares: an `acme` org with `qa` (id 20),
    /// `security` (id 21) and `engineering` (id 22) teams, a `core` repository (main at
    /// `sha(1)`, no pull request yet) and mallory's fork of it, and the tokens a team would try:
    /// the job token, an org member's PAT outside the teams, and PATs of an account in qa and
    /// security with and without the scopes a gate needs.
    pub fn acme() -> World {
        let logins = ["root", "alice", "bob", "qa-carol", "qa-dave", "sec-erin", "ceo-bot", "mallory", "outsider"];
        let users =
            (100..).zip(logins).map(|(id, login)| fx::User { login: login.to_owned(), id, admin: login == "root" });
        let pat = |token: &str, user: &str, scopes: &[&str]| fx::Token {
            token: token.to_owned(),
            user: Some(user.to_owned()),
            scopes: owned(scopes),
            actions_job: None,
        };
        let team = |id, name: &str, members: &[&str]| fx::Team {
            id,
            name: name.to_owned(),
            description: String::new(),
            members: owned(members),
        };
        let repo = |owner: &str, id, branch: &str, at: String| fx::Repo {
            owner: owner.to_owned(),
            name: "core".to_owned(),
            id,
            default_branch: "main".to_owned(),
            branches: [(branch.to_owned(), at)].into(),
            ..fx::Repo::default()
        };
        let mut core = repo("acme", 10, "main", sha(1));
        core.collaborators = [("ceo-bot".to_owned(), fx::Access::Write), ("bob".to_owned(), fx::Access::Write)].into();
        World(fx::Fixture {
            version: "1.25.4".to_owned(),
            max_blob_size: 10 << 20,
            users: users.collect(),
            tokens: vec![
                pat(TEAM_PAT, "ceo-bot", &["read:organization", "write:repository", "read:issue"]),
                pat(TEAM_PAT_READ_ONLY, "ceo-bot", &["read:organization", "read:repository", "read:issue"]),
                pat(TEAM_PAT_NO_ORG_SCOPE, "ceo-bot", &["write:repository", "read:issue"]),
                pat(OUTSIDER_PAT, "bob", &["all"]),
                fx::Token {
                    token: JOB_TOKEN.to_owned(),
                    user: None,
                    scopes: vec![],
                    actions_job: Some(fx::ActionsJob { repo: "acme/core".to_owned(), fork_pull_request: false }),
                },
            ],
            orgs: vec![fx::Org {
                name: "acme".to_owned(),
                id: 2,
                owners: owned(&["root"]),
                members: owned(&["alice", "bob"]),
                teams: vec![
                    team(20, "qa", &["qa-carol", "qa-dave", "ceo-bot"]),
                    team(21, "security", &["sec-erin", "ceo-bot"]),
                    team(22, "engineering", &["alice"]),
                ],
            }],
            repos: vec![core, repo("mallory", 11, "patch-1", sha(2190))],
        })
    }

    /// acme/core, where every pull request, commit and branch policy of a scenario goes.
    fn core(&mut self) -> &mut fx::Repo {
        &mut self.0.repos[0]
    }

    fn acme_org(&mut self) -> &mut fx::Org {
        &mut self.0.orgs[0]
    }

    /// A pull request of acme/core.
    pub fn pull(mut self, pull: Pull) -> World {
        self.core().pulls.push(pull.0);
        self
    }

    pub fn pulls(self, pulls: impl IntoIterator<Item = Pull>) -> World {
        pulls.into_iter().fold(self, World::pull)
    }

    /// An account outside the organisation's teams (add it to one with `team_members`).
    pub fn user(mut self, login: &str, id: i64) -> World {
        self.0.users.push(fx::User { login: login.to_owned(), id, admin: false });
        self
    }

    /// A new team of acme.
    pub fn team(mut self, id: i64, name: &str, members: &[&str]) -> World {
        let team = fx::Team { id, name: name.to_owned(), description: String::new(), members: owned(members) };
        self.acme_org().teams.push(team);
        self
    }

    /// Replaces the members of acme's team `name` (keep `ceo-bot` in it: the team PAT reads
    /// only the teams its account is in).
    pub fn team_members(mut self, name: &str, members: &[&str]) -> World {
        let Some(team) = self.acme_org().teams.iter_mut().find(|t| t.name == name) else {
            panic!("acme has no team {name}");
        };
        team.members = owned(members);
        self
    }

    /// A commit of acme/core (its tree, its parents), e.g. the base commit a policy is read at.
    pub fn commit(mut self, commit: Commit) -> World {
        self.core().commits.push(commit.0);
        self
    }

    pub fn commits(self, commits: impl IntoIterator<Item = Commit>) -> World {
        commits.into_iter().fold(self, World::commit)
    }

    /// Branch `name` of acme/core at `commit`, which is added too.
    pub fn branch(mut self, name: &str, commit: Commit) -> World {
        self.core().branches.insert(name.to_owned(), commit.0.sha.clone());
        self.commit(commit)
    }

    /// Branch `name` at `at`, a commit whose tree is `.gitea/policy.yml` = `policy` (base
    /// branches with different policies: the sweep and shared-head tests).
    pub fn branch_policy(self, name: &str, at: String, policy: &str) -> World {
        self.branch(name, Commit::new(at).text(".gitea/policy.yml", policy))
    }

    /// The server imitated (`GET /version`): "1.22.6", "1.26.0", "15.0.3+gitea-1.22.0", …
    pub fn version(mut self, version: &str) -> World {
        version.clone_into(&mut self.0.version);
        self
    }

    /// Any change this API does not name.
    pub fn edit(mut self, edit: impl FnOnce(&mut fx::Fixture)) -> World {
        edit(&mut self.0);
        self
    }

    pub fn fixture(self) -> fx::Fixture {
        self.0
    }

    /// Serves the world on a free loopback port.
    pub fn start(self) -> FakeGitea {
        FakeGitea::start(self.0).expect("fake gitea")
    }
}

/// A pull request of acme/core.
#[derive(Debug, Clone)]
pub struct Pull(fx::Pull);

impl Pull {
    /// Pull request `number` by alice (an org member in no reviewing team: the usual author),
    /// titled "PR {number}", from branch `feature-{number}` of acme/core at `sha(number)` into
    /// main; no review, comment, file or push.
    pub fn new(number: u64) -> Pull {
        Pull(fx::Pull {
            number,
            user: "alice".to_owned(),
            title: format!("PR {number}"),
            body: String::new(),
            labels: vec![],
            state: "open".to_owned(),
            merged: false,
            head: fx::PullHead {
                repo: Some("acme/core".to_owned()),
                git_ref: format!("feature-{number}"),
                sha: sha(number),
            },
            base: "main".to_owned(),
            agit: false,
            reviews: vec![],
            comments: vec![],
            label_events: vec![],
            code_comments: vec![],
            merge_base: None,
            updated_at: None,
            files: vec![],
            pushes: vec![],
            commits: vec![],
            events: vec![],
        })
    }

    /// Pull request `number` from mallory's fork: by mallory, titled "fork PR", its head
    /// `patch-1` of mallory/core at `sha(2190)` (where the fork's branch is). Runs about it are
    /// untrusted.
    pub fn from_fork(number: u64) -> Pull {
        Pull::new(number).by("mallory").title("fork PR").head_at("mallory/core", "patch-1", &sha(2190))
    }

    /// Its author.
    pub fn by(mut self, author: &str) -> Pull {
        author.clone_into(&mut self.0.user);
        self
    }

    pub fn title(mut self, title: &str) -> Pull {
        title.clone_into(&mut self.0.title);
        self
    }

    pub fn body(mut self, body: &str) -> Pull {
        body.clone_into(&mut self.0.body);
        self
    }

    /// The labels it carries now (`label_added` records who added one).
    pub fn labels(mut self, labels: &[&str]) -> Pull {
        self.0.labels = owned(labels);
        self
    }

    pub fn closed(mut self) -> Pull {
        "closed".clone_into(&mut self.0.state);
        self
    }

    pub fn merged(mut self) -> Pull {
        self.0.merged = true;
        self
    }

    /// The branch it targets (main by default).
    pub fn base(mut self, branch: &str) -> Pull {
        branch.clone_into(&mut self.0.base);
        self
    }

    /// Its head commit (`sha(number)` by default).
    pub fn head(mut self, commit: &str) -> Pull {
        commit.clone_into(&mut self.0.head.sha);
        self
    }

    /// Its head branch: `git_ref` of `repo` ("owner/name", e.g. a fork) at `commit`.
    pub fn head_at(mut self, repo: &str, git_ref: &str, commit: &str) -> Pull {
        self.0.head = fx::PullHead { repo: Some(repo.to_owned()), git_ref: git_ref.to_owned(), sha: commit.to_owned() };
        self
    }

    /// When it last changed (`updated_at`: the sweep takes the most recently updated first).
    pub fn updated_at(mut self, date: &str) -> Pull {
        self.0.updated_at = Some(date.to_owned());
        self
    }

    pub fn review(mut self, review: Review) -> Pull {
        self.0.reviews.push(review.0);
        self
    }

    pub fn reviews(self, reviews: impl IntoIterator<Item = Review>) -> Pull {
        reviews.into_iter().fold(self, Pull::review)
    }

    pub fn comment(mut self, comment: Comment) -> Pull {
        self.0.comments.push(comment.0);
        self
    }

    pub fn comments(self, comments: impl IntoIterator<Item = Comment>) -> Pull {
        comments.into_iter().fold(self, Pull::comment)
    }

    /// A changed file (status `changed`), in diff order.
    pub fn file(mut self, path: &str) -> Pull {
        self.0.files.push(fx::PullFile::Path(path.to_owned()));
        self
    }

    pub fn files<S: AsRef<str>>(self, paths: impl IntoIterator<Item = S>) -> Pull {
        paths.into_iter().fold(self, |pull, path| pull.file(path.as_ref()))
    }

    /// A changed file with another status: `added`, `deleted`, `unchanged` (a binary change), …
    pub fn file_with_status(mut self, path: &str, status: &str) -> Pull {
        let row = fx::PullFile::Row { filename: path.to_owned(), previous_filename: None, status: status.to_owned() };
        self.0.files.push(row);
        self
    }

    /// A file renamed from `from` to `to`.
    pub fn renamed(mut self, from: &str, to: &str) -> Pull {
        let row = fx::PullFile::Row {
            filename: to.to_owned(),
            previous_filename: Some(from.to_owned()),
            status: "renamed".to_owned(),
        };
        self.0.files.push(row);
        self
    }

    /// A commit of the pull request (`/pulls/{n}/commits`, newest first) whose author and
    /// committer e-mails Gitea links to these accounts. Without any, the fake lists one commit,
    /// the head, by the pull request's author.
    pub fn commit(mut self, commit: &str, author: &str, committer: &str) -> Pull {
        let row = fx::PullCommit {
            sha: commit.to_owned(),
            author: Some(author.to_owned()),
            committer: Some(committer.to_owned()),
        };
        self.0.commits.push(row);
        self
    }

    /// A commit whose author Gitea links to an account and whose committer to none.
    pub fn commit_authored_by(mut self, commit: &str, author: &str) -> Pull {
        self.0.commits.push(fx::PullCommit {
            sha: commit.to_owned(),
            author: Some(author.to_owned()),
            committer: None,
        });
        self
    }

    /// A force push by `who` from `from` to `to`, timeline item `id` (ids order the timeline
    /// with the comments and events).
    pub fn force_push(mut self, id: i64, who: &str, from: &str, to: &str) -> Pull {
        self.0.pushes.push(fx::PushEvent {
            id,
            user: who.to_owned(),
            force: true,
            commits: vec![from.to_owned(), to.to_owned()],
            created_at: FIXTURE_DATE.to_owned(),
        });
        self
    }

    /// `who` added `label` (timeline item `id`).
    pub fn label_added(self, id: i64, who: &str, label: &str) -> Pull {
        self.label_event(id, who, label, true)
    }

    /// `who` removed `label` (timeline item `id`).
    pub fn label_removed(self, id: i64, who: &str, label: &str) -> Pull {
        self.label_event(id, who, label, false)
    }

    fn label_event(mut self, id: i64, who: &str, label: &str, added: bool) -> Pull {
        let event = fx::LabelEvent {
            id,
            user: who.to_owned(),
            label: label.to_owned(),
            added,
            created_at: FIXTURE_DATE.to_owned(),
        };
        self.0.label_events.push(event);
        self
    }

    /// An inline code comment (timeline item `id`: paged, then hidden from the answer).
    pub fn code_comment(mut self, id: i64, who: &str) -> Pull {
        self.0.code_comments.push(fx::CodeComment { id, user: who.to_owned() });
        self
    }

    /// A timeline event of Gitea's type `kind` (`close`, `reopen`, `change_target_branch`) by `who`.
    pub fn event(mut self, id: i64, kind: &str, who: &str) -> Pull {
        self.0.events.push(fx::TimelineEvent { id, kind: kind.to_owned(), user: who.to_owned() });
        self
    }

    /// Any change this API does not name (an AGit head, a deleted head repository, …).
    pub fn edit(mut self, edit: impl FnOnce(&mut fx::Pull)) -> Pull {
        edit(&mut self.0);
        self
    }
}

/// A row of `/pulls/{n}/reviews`: a review, or a review request.
#[derive(Debug, Clone)]
pub struct Review(fx::Review);

impl Review {
    /// A review in `state` (`APPROVED`, `REQUEST_CHANGES`, `COMMENT`, `PENDING`, …): official,
    /// standing, on the pull request's current head (the fake's default for no `commit_id`).
    pub fn new(id: i64, user: &str, state: &str) -> Review {
        Review(fx::Review {
            id,
            user: Some(user.to_owned()),
            team: None,
            state: state.to_owned(),
            body: String::new(),
            commit_id: String::new(),
            stale: false,
            dismissed: false,
            official: true,
            submitted_at: FIXTURE_DATE.to_owned(),
        })
    }

    pub fn approved(id: i64, user: &str) -> Review {
        Review::new(id, user, "APPROVED")
    }

    pub fn changes_requested(id: i64, user: &str) -> Review {
        Review::new(id, user, "REQUEST_CHANGES")
    }

    pub fn commented(id: i64, user: &str) -> Review {
        Review::new(id, user, "COMMENT")
    }

    /// A draft: only its author sees it (Gitea drops it from the answer after paging).
    pub fn pending(id: i64, user: &str) -> Review {
        Review::new(id, user, "PENDING")
    }

    /// A review requested from a team: a row with no user.
    pub fn team_request(id: i64, team: &str) -> Review {
        let mut review = Review::new(id, "", "REQUEST_REVIEW");
        review.0.user = None;
        review.0.team = Some(team.to_owned());
        review
    }

    /// Made on an older head, and marked so by Gitea.
    pub fn stale(mut self) -> Review {
        self.0.stale = true;
        self
    }

    /// Dismissed (by a maintainer, or by Gitea when the same reviewer reviewed again).
    pub fn dismissed(mut self) -> Review {
        self.0.dismissed = true;
        self
    }

    /// Not official: Gitea clears the flag when a review is re-requested, or on rows that never
    /// counted toward branch protection.
    pub fn unofficial(mut self) -> Review {
        self.0.official = false;
        self
    }

    /// Made on `commit` (`commit_id`), which need not be the head.
    pub fn on(mut self, commit: &str) -> Review {
        commit.clone_into(&mut self.0.commit_id);
        self
    }

    pub fn body(mut self, body: &str) -> Review {
        body.clone_into(&mut self.0.body);
        self
    }

    /// Any change this API does not name.
    pub fn edit(mut self, edit: impl FnOnce(&mut fx::Review)) -> Review {
        edit(&mut self.0);
        self
    }
}

/// An issue comment on a pull request.
#[derive(Debug, Clone)]
pub struct Comment(fx::Comment);

impl Comment {
    /// Comment `id` (ids order the timeline) by `user`, written on 2026-06-05 and never edited.
    pub fn new(id: i64, user: &str, body: &str) -> Comment {
        Comment(fx::Comment {
            id,
            user: user.to_owned(),
            body: body.to_owned(),
            created_at: COMMENT_DATE.to_owned(),
            updated_at: None,
        })
    }

    /// Edited at `date` (RFC 3339).
    pub fn edited_at(mut self, date: &str) -> Comment {
        self.0.updated_at = Some(date.to_owned());
        self
    }

    /// Any change this API does not name.
    pub fn edit(mut self, edit: impl FnOnce(&mut fx::Comment)) -> Comment {
        edit(&mut self.0);
        self
    }
}

/// A commit of acme/core: its parents and its whole tree.
#[derive(Debug, Clone)]
pub struct Commit(fx::Commit);

impl Commit {
    /// Commit `sha` with no parent and an empty tree.
    pub fn new(sha: String) -> Commit {
        Commit(fx::Commit { sha, parents: vec![], files: Default::default(), date: FIXTURE_DATE.to_owned() })
    }

    /// Its parents, first parent first (a merge has two).
    pub fn parents(mut self, parents: impl IntoIterator<Item = String>) -> Commit {
        self.0.parents = parents.into_iter().collect();
        self
    }

    /// The text file `path` in its tree.
    pub fn text(mut self, path: &str, text: &str) -> Commit {
        self.0.files.insert(path.to_owned(), fx::FileContent::Text(text.to_owned()));
        self
    }

    /// Any change this API does not name (a binary or generated file, a date).
    pub fn edit(mut self, edit: impl FnOnce(&mut fx::Commit)) -> Commit {
        edit(&mut self.0);
        self
    }
}

/// The payload of a pull-request event from `template` (a file of `tests/events`, e.g.
/// `pull_request_same_repo`, `pull_request_fork`) about pull request `number`, whose head is at
/// `head` and base at `base`, written in `dir`. The gates read the pull request from the
/// fake; the payload only has to name it and the commits the run is about.
pub fn pull_request_event(dir: &Path, template: &str, number: u64, head: &str, base: &str) -> PathBuf {
    let text = std::fs::read_to_string(crate::common::event(template)).expect("event template");
    let mut payload: serde_json::Value = serde_json::from_str(&text).expect("event json");
    payload["number"] = number.into();
    payload["pull_request"]["number"] = number.into();
    payload["pull_request"]["head"]["sha"] = head.into();
    payload["pull_request"]["base"]["sha"] = base.into();
    let path = dir.join(format!("event-{number}.json"));
    std::fs::write(&path, payload.to_string()).expect("event");
    path
}

/// `gitea-gate` as a workflow step in `workspace` would run it against `fake`: the event, the
/// repository `acme/core`, the team PAT as `REVIEW_TOKEN` (`--token-env REVIEW_TOKEN`), and
/// short network limits so that a test never waits. Add the subcommand and its flags.
pub fn gate_command(fake: &FakeGitea, workspace: &Path, event_name: &str, event_path: &Path) -> std::process::Command {
    let mut command = crate::common::gitea_gate();
    command
        .current_dir(workspace)
        .env("GITHUB_API_URL", fake.api_url())
        .env("GITHUB_EVENT_NAME", event_name)
        .env("GITHUB_EVENT_PATH", event_path)
        .env("GITHUB_REPOSITORY", "acme/core")
        .env("REVIEW_TOKEN", TEAM_PAT);
    command
}

/// The flags every gate run against the fake shares (after the subcommand and its own flags).
pub const GATE_FLAGS: [&str; 6] = ["--token-env", "REVIEW_TOKEN", "--retries", "1", "--timeout", "5"];
