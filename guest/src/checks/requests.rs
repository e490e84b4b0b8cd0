//! `--request-reviews`: whom a gate on the policy engine (approvals, policy) asks for a review
//! when its rules are short of approvals. Decided here, sent by the host
//! (`POST /pulls/{n}/requested_reviewers`, docs/gitea.md §6.6).
//!
//! Asked: the teams and users that can close a failing rule (`RuleResult::could_close`: its teams
//! and users, or the owners of each CODEOWNERS requirement nobody met). Never asked:
//! - anyone in an untrusted run (the request needs the trusted token, and a fork's run must not
//!   spend it);
//! - the author, or a contributor (their approval would not count);
//! - someone whose approval stands: on Gitea a new request after an approval voids it
//!   (docs/reviews.md), so asking would take away the approval the rule may already count;
//! - someone, or a team, already asked (the pull request's `requested_reviewers` and
//!   `requested_reviewers_teams`): a sweep every ten minutes asks once, not every time;
//! - a team of another organisation than the repository's (Gitea asks teams by name in the
//!   repository's organisation only), or an owner that does not resolve.

use serde_json::Value;

use crate::findings::{Code, Finding, Level};
use crate::history::Contributors;
use crate::protocol::{ReviewRequest, Trust, Verdict};
use crate::rules::eval::{Directory, RuleOutcome, RuleResult};
use crate::rules::standing::Reviews;
use crate::text::one_line;

/// What the gate knows when it chooses.
pub struct Asking<'a> {
    /// `--request-reviews` was given.
    pub wanted: bool,
    pub trust: Trust,
    /// `owner/name` of the run's repository.
    pub repository: &'a str,
    pub pull_request: &'a Value,
    /// The review rows as listed (request rows included).
    pub review_rows: &'a [Value],
    pub author: &'a str,
    pub reviews: &'a Reviews<'a>,
    pub contributors: &'a Contributors,
    pub directory: &'a Directory<'a>,
}

/// Whom to ask, or `None` when nobody is to be asked.
pub fn choose(a: &Asking<'_>, results: &[RuleResult]) -> Option<ReviewRequest> {
    if !a.wanted || a.trust != Trust::Trusted {
        return None;
    }
    let owner = a.repository.split_once('/').map_or("", |(owner, _)| owner);
    let (asked_users, asked_teams) = already_asked(a.pull_request, a.review_rows);
    let standing: Vec<&str> = a.reviews.approvals().iter().map(|r| r.login.as_str()).collect();
    let same = |x: &str, y: &str| x.eq_ignore_ascii_case(y);
    let mut request = ReviewRequest::default();
    for result in results.iter().filter(|r| r.outcome == RuleOutcome::Fail) {
        for user in &result.could_close.users {
            let excluded = same(user, a.author)
                || a.contributors.find(user).is_some()
                || standing.iter().any(|s| same(s, user))
                || asked_users.iter().any(|s| same(s, user))
                || a.directory.user_missing(user)
                || request.reviewers.iter().any(|s| same(s, user));
            if !excluded {
                request.reviewers.push(user.clone());
            }
        }
        for reference in &result.could_close.teams {
            let Some(team) = a.directory.find(reference) else { continue };
            let org =
                team.org.as_deref().or_else(|| team.reference.trim_start_matches('@').split_once('/').map(|(o, _)| o));
            let name = team.name.as_str();
            let excluded = !org.is_some_and(|o| same(o, owner))
                || asked_teams.iter().any(|t| same(t, name))
                || request.team_reviewers.iter().any(|t| same(t, name));
            if !excluded {
                request.team_reviewers.push(name.to_owned());
            }
        }
    }
    (!request.is_empty()).then_some(request)
}

/// Puts the choice on the verdict: the host sends the request, then says in the status and the
/// summary who was asked.
pub fn attach(verdict: &mut Verdict, asked: Option<&ReviewRequest>) {
    if let Some(asked) = asked {
        let message = format!("reviews to request: {}", one_line(&asked.shown()));
        verdict.findings.push(Finding::new(Code::ReviewsRequested, Level::Notice, message));
        verdict.review_request = Some(asked.clone());
    }
}

/// The logins and team names already asked for a review: the pull request's
/// `requested_reviewers` and `requested_reviewers_teams`, and the review list's request rows
/// (Gitea 1.22 has no team list, and may send `null` lists or `null` entries).
fn already_asked(pr: &Value, rows: &[Value]) -> (Vec<String>, Vec<String>) {
    let names = |key: &str, field: &str| -> Vec<String> {
        pr.get(key)
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(|x| x.get(field)?.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let (mut users, mut teams) = (names("requested_reviewers", "login"), names("requested_reviewers_teams", "name"));
    let requests = rows.iter().filter(|r| r.get("state").and_then(Value::as_str) == Some("REQUEST_REVIEW"));
    for row in requests {
        let user = row.get("user").and_then(|u| u.get("login")).and_then(Value::as_str);
        let team = row.get("team").and_then(|t| t.get("name")).and_then(Value::as_str);
        match (user, team) {
            (Some(login), _) => users.push(login.to_owned()),
            (None, Some(name)) => teams.push(name.to_owned()),
            (None, None) => {}
        }
    }
    (users, teams)
}
