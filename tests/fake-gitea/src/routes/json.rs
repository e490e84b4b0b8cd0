//! The JSON objects the API answers with, in Gitea's shapes (modules/structs, services/convert;
//! docs/gitea.md §1.4, §2.1, §4.4, §5.1, §6). Fields gates do not read are filled plausibly.

use serde::Serialize;
use serde_json::{Value, json};

use crate::fixture::{Comment, Fixture, LabelEvent, Org, Pull, PullCommit, PushEvent, Repo, Review, Team};

pub fn user(fixture: &Fixture, login: &str) -> Value {
    let (id, admin) = match login {
        "gitea-actions" => (-2, false),
        _ => fixture.user(login).map_or((0, false), |u| (u.id, u.admin)),
    };
    let login = fixture.user(login).map_or(login.to_owned(), |u| u.login.clone());
    json!({
        "id": id, "login": login, "login_name": "", "source_id": 0, "full_name": "", "email": format!("{login}@noreply.gitea.test"),
        "avatar_url": "", "html_url": format!("http://gitea.test/{login}"), "language": "", "is_admin": admin,
        "last_login": "0001-01-01T00:00:00Z", "created": "2025-01-01T00:00:00Z", "restricted": false, "active": true,
        "prohibit_login": false, "location": "", "website": "", "description": "", "visibility": "public",
        "followers_count": 0, "following_count": 0, "starred_repos_count": 0, "username": login,
    })
}

pub fn repo(fixture: &Fixture, repo: &Repo) -> Value {
    json!({
        "id": repo.id, "owner": user(fixture, &repo.owner), "name": repo.name, "full_name": repo.full_name(),
        "description": "", "empty": repo.commits.is_empty(), "private": repo.private, "fork": repo.fork, "template": false,
        "parent": null, "mirror": false, "size": 0, "html_url": format!("http://gitea.test/{}", repo.full_name()),
        "clone_url": format!("http://gitea.test/{}.git", repo.full_name()), "default_branch": repo.default_branch,
        "archived": false, "has_pull_requests": true, "object_format_name": "sha1",
    })
}

/// A repository that is named but not in the fixture (e.g. a fork's head repository).
pub fn stub_repo(full_name: &str) -> Value {
    let id = full_name.bytes().fold(1000i64, |acc, b| acc.wrapping_mul(31).wrapping_add(i64::from(b)) % 1_000_000);
    let (owner, name) = full_name.split_once('/').unwrap_or((full_name, ""));
    json!({"id": id, "name": name, "full_name": full_name, "owner": {"login": owner}, "fork": true, "private": false})
}

pub fn team(org: &Org, team: &Team) -> Value {
    json!({
        "id": team.id, "name": team.name, "description": team.description, "organization": null,
        "includes_all_repositories": false, "permission": "read", "units": ["repo.code"],
        "units_map": {"repo.code": "read"}, "can_create_org_repo": false, "org": org.name,
    })
}

/// A label's id: its position among the pull request's labels (as `pull` numbers them), or one
/// derived from the name for a label the pull request no longer carries.
fn label_id(labels: &[String], name: &str) -> usize {
    labels
        .iter()
        .position(|l| l == name)
        .unwrap_or_else(|| 500 + name.bytes().fold(0usize, |acc, b| (acc * 31 + usize::from(b)) % 400))
}

/// A timeline item of type `label` (`TimelineComment`): `body` "1" added, "" removed.
pub fn label_event(fixture: &Fixture, labels: &[String], e: &LabelEvent) -> Value {
    json!({
        "id": e.id, "type": "label", "body": if e.added { "1" } else { "" }, "user": user(fixture, &e.user),
        "label": label(&e.label, label_id(labels, &e.label)), "created_at": e.created_at, "updated_at": e.created_at,
        "html_url": "", "pull_request_url": "", "issue_url": "",
    })
}

/// `issues_model.PushActionContent`, the `body` of a `pull_push` item: fields in this order.
#[derive(Serialize)]
struct PushActionContent<'a> {
    is_force_push: bool,
    commit_ids: &'a [String],
}

/// What Go's `json.Marshal` writes for a value: compact, fields in declaration order, and `<`,
/// `>`, `&`, U+2028 and U+2029 escaped (they can only occur inside strings).
fn go_json<T: Serialize>(value: &T) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            _ => out.push(c),
        }
    }
    out
}

/// A timeline item of type `pull_push` (`TimelineComment` of a `CommentTypePullRequestPush`):
/// `body` is the comment's content, the JSON text `{"is_force_push":…,"commit_ids":[…]}` that
/// `CreatePushPullComment` marshalled; `user` the pusher, `created_at` the time of the push.
pub fn push_event(fixture: &Fixture, e: &PushEvent) -> Value {
    let body = go_json(&PushActionContent { is_force_push: e.force, commit_ids: &e.commits });
    json!({
        "id": e.id, "type": "pull_push", "body": body, "user": user(fixture, &e.user),
        "created_at": e.created_at, "updated_at": e.created_at,
        "html_url": "", "pull_request_url": "", "issue_url": "",
    })
}

/// A commit of a pull request (`convert.ToCommit`, as `GetPullRequestCommits` calls it with
/// `Stat: true`): `author`/`committer` at the top are the Gitea accounts of the e-mails, or null;
/// `verification` and `files` as when asked with `verification=false&files=false`.
pub fn pull_commit(fixture: &Fixture, api_url: &str, repo_obj: &Repo, c: &PullCommit) -> Value {
    let date = repo_obj.commit(&c.sha).map_or("2026-06-01T12:00:00Z", |commit| commit.date.as_str());
    let api = format!("{api_url}/repos/{}", repo_obj.full_name());
    let identity = |login: &Option<String>| match login {
        Some(login) => json!({"name": login, "email": format!("{login}@example.test"), "date": date}),
        None => json!({"name": "Someone", "email": "someone@unlinked.example", "date": date}),
    };
    let account = |login: &Option<String>| login.as_ref().map_or(Value::Null, |l| user(fixture, l));
    let parents: Vec<Value> = repo_obj
        .commit(&c.sha)
        .map_or(&[][..], |commit| commit.parents.as_slice())
        .iter()
        .map(|p| json!({"url": format!("{api}/git/commits/{p}"), "sha": p, "created": date}))
        .collect();
    json!({
        "url": format!("{api}/git/commits/{}", c.sha), "sha": c.sha, "created": date,
        "html_url": format!("http://gitea.test/{}/commit/{}", repo_obj.full_name(), c.sha),
        "commit": {
            "url": format!("{api}/git/commits/{}", c.sha),
            "author": identity(&c.author), "committer": identity(&c.committer),
            "message": format!("commit {}", c.sha),
            "tree": {"url": format!("{api}/git/trees/{}", c.sha), "sha": c.sha, "created": date},
            "verification": null,
        },
        "author": account(&c.author), "committer": account(&c.committer),
        "parents": parents, "files": null, "stats": {"total": 1, "additions": 1, "deletions": 0},
    })
}

fn label(name: &str, i: usize) -> Value {
    json!({"id": 100 + i, "name": name, "exclusive": name.contains(':'), "is_archived": false, "color": "0e8a16", "description": "", "url": ""})
}

pub fn pull(fixture: &Fixture, repo_obj: &Repo, pr: &Pull) -> Value {
    let base_repo = repo(fixture, repo_obj);
    // §6.2: AGit → label "", ref refs/pull/N/head, head repo = base repo; deleted head repo →
    // repo null, repo_id -1.
    let (head_label, head_ref, head_repo, head_repo_id) = if pr.agit {
        (String::new(), format!("refs/pull/{}/head", pr.number), base_repo.clone(), repo_obj.id)
    } else {
        match &pr.head.repo {
            None => (pr.head.git_ref.clone(), format!("refs/pull/{}/head", pr.number), Value::Null, -1),
            Some(name) => match fixture.repo_by_full_name(name) {
                Some(r) => (pr.head.git_ref.clone(), pr.head.git_ref.clone(), repo(fixture, r), r.id),
                None => {
                    let stub = stub_repo(name);
                    let id = stub["id"].as_i64().unwrap_or(0);
                    (pr.head.git_ref.clone(), pr.head.git_ref.clone(), stub, id)
                }
            },
        }
    };
    let base_sha = repo_obj.branches.get(&pr.base).cloned().unwrap_or_default();
    let draft = ["wip:", "[wip]"].iter().any(|p| pr.title.to_ascii_lowercase().starts_with(p));
    json!({
        "id": 900 + pr.number, "url": format!("http://gitea.test/{}/pulls/{}", repo_obj.full_name(), pr.number),
        "number": pr.number, "user": user(fixture, &pr.user), "title": pr.title, "body": pr.body,
        "labels": pr.labels.iter().enumerate().map(|(i, l)| label(l, i)).collect::<Vec<_>>(),
        "milestone": null, "assignee": null, "assignees": null, "requested_reviewers": null, "requested_reviewers_teams": null,
        "state": pr.state, "draft": draft, "is_locked": false, "comments": pr.comments.len(),
        "html_url": format!("http://gitea.test/{}/pulls/{}", repo_obj.full_name(), pr.number),
        "mergeable": true, "merged": pr.merged, "merged_at": null, "merge_commit_sha": null, "merged_by": null,
        "allow_maintainer_edit": false,
        "base": {"label": pr.base, "ref": pr.base, "sha": base_sha, "repo_id": repo_obj.id, "repo": base_repo},
        "head": {"label": head_label, "ref": head_ref, "sha": pr.head.sha, "repo_id": head_repo_id, "repo": head_repo},
        "merge_base": pr.merge_base.as_deref().unwrap_or(&base_sha), "due_date": null, "created_at": "2026-06-04T01:58:42Z", "updated_at": pr.updated_at.as_deref().unwrap_or("2026-06-05T13:20:44Z"),
        "closed_at": null, "pin_order": 0,
    })
}

pub fn review(fixture: &Fixture, repo_obj: &Repo, pr: &Pull, r: &Review) -> Value {
    let team = r.team.as_ref().map(|name| json!({"id": 0, "name": name}));
    // Gitea records the head a review was made on (request rows have none). A fixture
    // that does not say means the current head.
    let commit_id = if r.commit_id.is_empty() && r.state != "REQUEST_REVIEW" { &pr.head.sha } else { &r.commit_id };
    json!({
        "id": r.id, "user": r.user.as_ref().map(|u| user(fixture, u)), "team": team, "state": r.state, "body": r.body,
        "commit_id": commit_id, "stale": r.stale, "official": r.official, "dismissed": r.dismissed,
        "comments_count": 0, "submitted_at": r.submitted_at, "updated_at": r.submitted_at,
        "html_url": format!("http://gitea.test/{}/pulls/{}#issuecomment-{}", repo_obj.full_name(), pr.number, r.id),
        "pull_request_url": format!("http://gitea.test/{}/pulls/{}", repo_obj.full_name(), pr.number),
    })
}

pub fn comment(fixture: &Fixture, repo_obj: &Repo, number: u64, c: &Comment) -> Value {
    let url = format!("http://gitea.test/{}/issues/{number}", repo_obj.full_name());
    json!({
        "id": c.id, "html_url": format!("{url}#issuecomment-{}", c.id), "pull_request_url": url, "issue_url": url,
        "user": user(fixture, &c.user), "original_author": "", "original_author_id": 0, "body": c.body, "assets": [],
        "created_at": c.created_at, "updated_at": c.updated_at.clone().unwrap_or_else(|| c.created_at.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_bodies_are_what_go_marshals() {
        let content = |force, ids: &[&str]| {
            let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
            go_json(&PushActionContent { is_force_push: force, commit_ids: &ids })
        };
        assert_eq!(content(false, &["a", "b"]), r#"{"is_force_push":false,"commit_ids":["a","b"]}"#);
        assert_eq!(content(true, &[]), r#"{"is_force_push":true,"commit_ids":[]}"#);
        // encoding/json's HTML-safe escaping.
        assert_eq!(
            content(false, &["<&>\u{2028}\"é"]),
            r#"{"is_force_push":false,"commit_ids":["\u003c\u0026\u003e\u2028\"é"]}"#
        );
    }
}
