//! Teams: resolving `ORG/NAME` to an id, asking whether the token can read a team, and probing
//! membership (docs/gitea.md §1).
//!
//! A membership probe answers 404 both for "not a member" and for "you may not look at this
//! team" (§1.2 step 4), so a 404 means "not a member" only on a team the token has been seen to
//! read. `preflight` establishes that once per team (`GET /teams/{id}`), and every answer the
//! host could not pin down is passed to the guest as unknown, which never counts.

use gitea_gate_protocol::{MembershipFact, TeamFact};
use serde_json::Value;

use super::{ApiError, Client, Failure, client::segment, pages};

/// A team as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TeamRef {
    /// `ORG/NAME`; the name is matched case-insensitively (§1.4).
    Named { org: String, name: String },
    /// A numeric team id.
    Id(i64),
}

impl TeamRef {
    pub fn parse(raw: &str) -> Result<TeamRef, String> {
        let raw = raw.trim();
        if let Ok(id) = raw.parse::<i64>() {
            return if id > 0 { Ok(TeamRef::Id(id)) } else { Err(format!("{raw:?} is not a team id")) };
        }
        match raw.split_once('/') {
            Some((org, name)) if !org.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(TeamRef::Named { org: org.to_owned(), name: name.to_owned() })
            }
            _ => Err(format!("{raw:?} is not a team: write ORG/NAME (e.g. acme/qa) or the team's numeric id")),
        }
    }

    /// As the user wrote it (the guest's `reference`).
    pub fn reference(&self) -> String {
        match self {
            TeamRef::Named { org, name } => format!("{org}/{name}"),
            TeamRef::Id(id) => id.to_string(),
        }
    }
}

/// A team as resolved for the guest (`TeamFact`).
#[derive(Clone, Debug)]
pub struct Team {
    pub reference: String,
    pub name: String,
    pub org: Option<String>,
    pub id: Option<i64>,
    /// `None`: readable. `Some(why)`: the token cannot read it.
    pub unreadable: Option<String>,
}

impl Team {
    pub fn fact(&self) -> TeamFact {
        TeamFact {
            reference: self.reference.clone(),
            name: self.name.clone(),
            org: self.org.clone(),
            id: self.id,
            readable: self.unreadable.is_none(),
            unreadable_reason: self.unreadable.clone(),
        }
    }

    /// A team that was not looked up (no token, so nothing could be read).
    pub fn unresolved(team: &TeamRef, why: &str) -> Team {
        let (name, org, id) = match team {
            TeamRef::Named { org, name } => (name.clone(), Some(org.clone()), None),
            TeamRef::Id(id) => (id.to_string(), None, Some(*id)),
        };
        Team { reference: team.reference(), name, org, id, unreadable: Some(why.to_owned()) }
    }
}

/// Why resolving failed in a way that is not about the token's reach.
#[derive(Debug)]
pub enum ResolveError {
    /// The configuration names a team that does not exist (exit 2).
    NoSuchTeam(String),
    /// The API failed (exit 3).
    Api(ApiError),
}

/// Resolve a team and find out whether the token can read it.
pub fn resolve(client: &Client, team: &TeamRef) -> Result<Team, ResolveError> {
    let reference = team.reference();
    let (org, name, id) = match team {
        TeamRef::Id(id) => (None, id.to_string(), *id),
        TeamRef::Named { org, name } => {
            let path = format!("/orgs/{}/teams", segment(org));
            match pages::fetch_all(client, &path) {
                Ok(teams) => {
                    let found = teams
                        .iter()
                        .find(|t| t.get("name").and_then(Value::as_str).is_some_and(|n| n.eq_ignore_ascii_case(name)));
                    let Some(found) = found else {
                        let mut names: Vec<&str> =
                            teams.iter().filter_map(|t| t.get("name").and_then(Value::as_str)).collect();
                        names.truncate(20);
                        return Err(ResolveError::NoSuchTeam(format!(
                            "organization {org} has no team named {name:?} (its teams: {})",
                            if names.is_empty() { "none".to_owned() } else { names.join(", ") }
                        )));
                    };
                    let Some(id) = found.get("id").and_then(Value::as_i64) else {
                        return Err(ResolveError::Api(ApiError::shape(client.url(&path), "a team without an id")));
                    };
                    let exact = found.get("name").and_then(Value::as_str).unwrap_or(name).to_owned();
                    (Some(org.clone()), exact, id)
                }
                // §1.4: 403 "Must be an organization member" (the job token, outsiders); 401 no
                // token. The org exists, the token just cannot list its teams.
                Err(e) if matches!(e.status(), Some(401 | 403)) => {
                    let why = format!("{} on GET {path}", e.failure);
                    return Ok(Team {
                        reference,
                        name: name.clone(),
                        org: Some(org.clone()),
                        id: None,
                        unreadable: Some(why),
                    });
                }
                Err(e) if e.status() == Some(404) => {
                    return Err(ResolveError::NoSuchTeam(format!(
                        "organization {org} does not exist or is not visible to the token ({})",
                        e.failure
                    )));
                }
                Err(e) => return Err(ResolveError::Api(e)),
            }
        }
    };
    let path = format!("/teams/{id}");
    match client.get_json(&path, &[]) {
        Ok(response) => {
            let shown = response.body.get("name").and_then(Value::as_str).map(str::to_owned);
            if !response.body.is_object() || response.body.get("id").and_then(Value::as_i64) != Some(id) {
                return Err(ResolveError::Api(ApiError::shape(client.url(&path), "expected the team object")));
            }
            let org = org.or_else(|| {
                response
                    .body
                    .get("organization")
                    .and_then(|o| o.get("username"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            });
            Ok(Team { reference, name: shown.unwrap_or(name), org, id: Some(id), unreadable: None })
        }
        // §1.2: 403 = org member outside the team, or a PAT without read:organization; 404 = not
        // an org member (the job token too), or no such team; 401 = no or bad token.
        Err(e) if matches!(e.status(), Some(401 | 403 | 404)) => {
            let why = format!("{} on GET {path}", e.failure);
            Ok(Team { reference, name, org, id: Some(id), unreadable: Some(why) })
        }
        Err(e) => Err(ResolveError::Api(e)),
    }
}

/// One membership answer for the guest (`MembershipFact`): `true` on 200 with the user, `false`
/// on 404 (the team was readable), `null` with the reason for anything else.
pub fn probe(client: &Client, team: &Team, login: &str) -> MembershipFact {
    let fact = |member: Option<bool>, detail: Option<String>| MembershipFact {
        login: login.to_owned(),
        team: team.reference.clone(),
        member,
        detail,
    };
    let Some(id) = team.id.filter(|_| team.unreadable.is_none()) else {
        return fact(None, Some("the team is not readable".to_owned()));
    };
    let path = format!("/teams/{id}/members/{}", segment(login));
    match client.get_json(&path, &[]) {
        Ok(response) => {
            let answered = response.body.get("login").and_then(Value::as_str);
            if answered.is_some_and(|l| l.eq_ignore_ascii_case(login)) {
                fact(Some(true), None)
            } else {
                fact(None, Some(format!("GET {} answered 200 without the user {login}", client.url(&path))))
            }
        }
        Err(e) if e.status() == Some(404) => fact(Some(false), None),
        Err(e) => {
            let detail = match &e.failure {
                Failure::Status { status: 403, .. } => {
                    format!("{e} (the token's owner is not allowed to see this team)")
                }
                _ => e.to_string(),
            };
            fact(None, Some(detail))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_references() {
        assert_eq!(TeamRef::parse("acme/qa"), Ok(TeamRef::Named { org: "acme".into(), name: "qa".into() }));
        assert_eq!(TeamRef::parse(" 20 "), Ok(TeamRef::Id(20)));
        for bad in ["", "qa", "acme/", "/qa", "a/b/c", "0", "-3"] {
            assert!(TeamRef::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(TeamRef::parse("acme/QA").map(|t| t.reference()), Ok("acme/QA".to_owned()));
    }
}
