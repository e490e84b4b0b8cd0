//! Who is calling (docs/gitea.md §7): credential forms, the Actions job token's identity, PAT
//! scopes, and the repository access rules of §0.1 and §7.3.

use base64::Engine as _;

use crate::fixture::{Access, Fixture, Repo};
use crate::http::Request;

/// An authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Anonymous,
    /// A personal access token.
    User {
        login: String,
        admin: bool,
        scopes: Vec<String>,
    },
    /// The Actions job token: the `gitea-actions` pseudo-user, id -2, no scopes (§7.3).
    Job {
        repo: String,
        fork_pull_request: bool,
    },
}

/// The resource category a route needs a scope for (§7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Repository,
    Issue,
    Organization,
    User,
}

impl Category {
    fn name(self) -> &'static str {
        match self {
            Category::Repository => "repository",
            Category::Issue => "issue",
            Category::Organization => "organization",
            Category::User => "user",
        }
    }
}

impl Caller {
    pub fn login(&self) -> Option<&str> {
        match self {
            Caller::Anonymous => None,
            Caller::User { login, .. } => Some(login),
            Caller::Job { .. } => Some("gitea-actions"),
        }
    }

    pub fn is_admin(&self) -> bool {
        matches!(self, Caller::User { admin: true, .. })
    }

    /// `tokenRequiresScopes`: a PAT needs `read:X` for reads and `write:X` for writes; the job
    /// token and anonymous callers skip the check (§1.2 step 1, §7.2).
    pub fn scope_error(&self, category: Category, write: bool) -> Option<String> {
        let Caller::User { scopes, .. } = self else { return None };
        if scopes.iter().any(|s| s == "all") {
            return None;
        }
        let needed = format!("{}:{}", if write { "write" } else { "read" }, category.name());
        let write_scope = format!("write:{}", category.name());
        if scopes.iter().any(|s| *s == needed || *s == write_scope) {
            return None;
        }
        Some(format!(
            "token does not have at least one of required scope(s), required=[{needed}], token scope={}",
            scopes.join(",")
        ))
    }

    pub fn public_only(&self) -> bool {
        matches!(self, Caller::User { scopes, .. } if scopes.iter().any(|s| s == "public-only"))
    }
}

/// The raw token from `Authorization: token|bearer X`, Basic (token as user or password), or
/// `?token=` / `?access_token=` (§7.1).
pub fn presented_token(request: &Request) -> Option<String> {
    if let Some(value) = request.headers.get("authorization") {
        let mut fields = value.split_whitespace();
        let (scheme, credential) = (fields.next()?, fields.next()?);
        if fields.next().is_some() {
            return Some(String::new());
        }
        return match scheme.to_ascii_lowercase().as_str() {
            "token" | "bearer" => Some(credential.to_owned()),
            "basic" => {
                let decoded = base64::engine::general_purpose::STANDARD.decode(credential).ok()?;
                let text = String::from_utf8(decoded).ok()?;
                let (user, password) = text.split_once(':').unwrap_or((&text, ""));
                Some(if password.is_empty() || password == "x-oauth-basic" {
                    user.to_owned()
                } else {
                    password.to_owned()
                })
            }
            _ => Some(String::new()),
        };
    }
    request.query.get("token").or_else(|| request.query.get("access_token")).cloned()
}

/// A token was presented but is not valid (401, §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadToken;

/// Resolve the caller.
pub fn caller(fixture: &Fixture, request: &Request) -> Result<Caller, BadToken> {
    let Some(token) = presented_token(request) else { return Ok(Caller::Anonymous) };
    let Some(known) = fixture.tokens.iter().find(|t| t.token == token && !token.is_empty()) else {
        return Err(BadToken);
    };
    if let Some(job) = &known.actions_job {
        return Ok(Caller::Job { repo: job.repo.clone(), fork_pull_request: job.fork_pull_request });
    }
    let login = known.user.clone().unwrap_or_default();
    let admin = fixture.user(&login).is_some_and(|u| u.admin);
    Ok(Caller::User { login, admin, scopes: known.scopes.clone() })
}

/// The caller's access to a repository: `None` means it cannot see it at all (404, never 403).
pub fn repo_access(fixture: &Fixture, repo: &Repo, caller: &Caller) -> Option<Access> {
    match caller {
        Caller::Job { repo: own, fork_pull_request } => {
            if own.eq_ignore_ascii_case(&repo.full_name()) {
                return Some(if *fork_pull_request { Access::Read } else { Access::Write });
            }
            // 1.25 and Forgejo: any other repository is 404; 1.26: like a signed-in user without memberships,
            // capped at read (§7.3, §10).
            (fixture.behaviour().job_token_reads_other_public_repos && !repo.private).then_some(Access::Read)
        }
        Caller::User { login, admin, .. } => {
            if *admin {
                return Some(Access::Admin);
            }
            if repo.owner.eq_ignore_ascii_case(login) {
                return Some(Access::Admin);
            }
            if fixture.org(&repo.owner).is_some_and(|o| o.is_owner(login)) {
                return Some(Access::Admin);
            }
            let explicit = repo.collaborators.iter().find(|(l, _)| l.eq_ignore_ascii_case(login)).map(|(_, a)| *a);
            explicit.or((!repo.private).then_some(Access::Read))
        }
        Caller::Anonymous => (!repo.private).then_some(Access::Read),
    }
}
