//! The teams and CODEOWNERS users a gate or its policy names, resolved: the gate's own teams
//! before anything else, the policy's when the guest names them (`Needs::Owners`), partly
//! while the pull request is still being read.

use super::PullGate;
use crate::commands::Problem;
use crate::gitea::teams::{self, ResolveError, Team, TeamRef};
use crate::gitea::{self, ApiError, Client};
use crate::parallel;
use crate::protocol::{Owners, OwnersNamed, Verdict};

/// The named teams, resolved (by name or id) with what the token can read of each.
pub fn resolve_teams(gate: &PullGate<'_>, client: Option<&Client>) -> Result<Vec<Team>, Problem> {
    let Some(client) = client else {
        let why = format!("{} is not set", gate.token_env.unwrap_or("the token"));
        return Ok(gate.teams.iter().map(|t| Team::unresolved(t, &why)).collect());
    };
    let resolved = parallel::map(&gate.teams, gate.teams.len(), |t| teams::resolve(client, t));
    let mut teams = Vec::with_capacity(resolved.len());
    for (reference, result) in gate.teams.iter().zip(resolved) {
        match result {
            Ok(team) => teams.push(team),
            Err(ResolveError::NoSuchTeam(why)) => {
                return Err(Problem::usage_with_help(
                    format!("team {}: {why}", reference.reference()),
                    "name teams as ORG/NAME exactly as in Gitea (any case) or by numeric id",
                ));
            }
            Err(ResolveError::Api(e)) => {
                return Err(Problem::api(&e, &format!("cannot resolve team {}", reference.reference())));
            }
        }
    }
    Ok(teams)
}

/// Every team and CODEOWNERS user the policy names, which the policy gate sends with its request
/// for the pull request (`OwnersNamed` in its details): the host may resolve them while it reads it.
pub(super) fn teams_named(verdict: &Verdict) -> Option<Owners> {
    let named: OwnersNamed = serde_json::from_value(verdict.details.clone()).ok()?;
    let owners = Owners { teams: named.teams_named, users: named.users_named };
    (!owners.teams.is_empty() || !owners.users.is_empty()).then_some(owners)
}

/// The teams and users the guest named, as the host found them.
#[derive(Default)]
pub(super) struct NamedOwners {
    /// Teams that exist, each with the name the server shows.
    pub(super) teams: Vec<Team>,
    /// References that do not, as the guest wrote them.
    pub(super) missing: Vec<String>,
    /// CODEOWNERS user owners that are Gitea users, and those that are not.
    pub(super) users: Vec<String>,
    pub(super) missing_users: Vec<String>,
}

impl NamedOwners {
    /// What of `self` answers `teams` and `users`, and what it does not know yet.
    fn answering(&self, teams: &[String], users: &[String]) -> (NamedOwners, Owners) {
        let mut out = NamedOwners::default();
        let mut rest = Owners::default();
        for raw in teams {
            if let Some(team) = self.teams.iter().find(|t| t.reference == *raw) {
                out.teams.push(team.clone());
            } else if self.missing.contains(raw) {
                out.missing.push(raw.clone());
            } else {
                rest.teams.push(raw.clone());
            }
        }
        let known = |list: &[String], login: &str| list.iter().any(|u| u.eq_ignore_ascii_case(login));
        for login in users {
            if known(&self.users, login) {
                out.users.push(login.clone());
            } else if known(&self.missing_users, login) {
                out.missing_users.push(login.clone());
            } else {
                rest.users.push(login.clone());
            }
        }
        (out, rest)
    }

    fn extend(&mut self, more: NamedOwners) {
        self.teams.extend(more.teams);
        self.missing.extend(more.missing);
        self.users.extend(more.users);
        self.missing_users.extend(more.missing_users);
    }

    /// One fact per team: a CODEOWNERS `@org/team` that is also the policy's team is found by
    /// the guest through the policy's fact, by name (so every membership is probed once). A
    /// policy's fact is never dropped: the guest finds it by its reference. Nor is an `@org/team`
    /// written in another case than the team's name: whether it names the team at all depends
    /// on the server (the guest's `CodeownersDialect`), so the guest must see it.
    fn one_fact_per_team(mut self) -> NamedOwners {
        self.teams.sort_by_key(|t| t.reference.starts_with('@'));
        let mut seen = Vec::new();
        let as_named = |t: &Team| t.reference.rsplit('/').next() == Some(t.name.as_str());
        self.teams.retain(|t| match t.id {
            Some(id) if t.reference.starts_with('@') && seen.contains(&id) && as_named(t) => false,
            Some(id) => {
                seen.push(id);
                true
            }
            None => true,
        });
        self
    }
}

/// Resolving the teams a policy or its CODEOWNERS name.
pub(super) struct TeamReading<'a> {
    pub(super) token_env: Option<&'a str>,
    pub(super) client: Option<&'a Client>,
}

impl TeamReading<'_> {
    /// `teams` and `users`, answered from `early` (resolved in the pull request's round) where
    /// it can; the rest resolved now.
    pub(super) fn resolve_with(
        &self,
        teams: &[String],
        users: &[String],
        early: Option<NamedOwners>,
    ) -> Result<NamedOwners, Problem> {
        let (mut named, rest) = match early {
            Some(early) => early.answering(teams, users),
            None => (NamedOwners::default(), Owners { teams: teams.to_vec(), users: users.to_vec() }),
        };
        if !rest.teams.is_empty() || !rest.users.is_empty() {
            named.extend(self.resolve_named(&rest.teams, &rest.users)?);
        }
        Ok(named.one_fact_per_team())
    }

    /// Every reference resolved at once, and every CODEOWNERS user looked up in the same step:
    /// the teams that exist, and those that do not (an unknown organisation or team name). Names
    /// are resolved without case and each team is sent with the name the server shows, so that
    /// the guest decides whether a CODEOWNERS `@org/QA` names the team `qa` on this server
    /// (`server::CodeownersDialect`). A failed request is an error, never a missing team or user.
    pub(super) fn resolve_named(&self, needed: &[String], users: &[String]) -> Result<NamedOwners, Problem> {
        let mut refs = Vec::new();
        let mut named = NamedOwners::default();
        for raw in needed {
            match TeamRef::parse(raw.strip_prefix('@').unwrap_or(raw)) {
                Ok(team) => refs.push((raw.clone(), team)),
                Err(_) => named.missing.push(raw.clone()),
            }
        }
        let Some(client) = self.client else {
            let why = format!("{} is not set", self.token_env.unwrap_or("the token"));
            for (raw, t) in &refs {
                let mut team = Team::unresolved(t, &why);
                team.reference.clone_from(raw);
                named.teams.push(team);
            }
            return Ok(named);
        };
        let (resolved, looked_up) = std::thread::scope(|scope| {
            let looked_up = scope.spawn(|| gitea::users::partition(client, users));
            let resolved = parallel::map(&refs, refs.len().max(1), |(_, t)| teams::resolve(client, t));
            let looked_up = looked_up
                .join()
                .unwrap_or_else(|_| Err(ApiError::shape("(internal)".to_owned(), "a request thread panicked")));
            (resolved, looked_up)
        });
        for ((raw, _), result) in refs.iter().zip(resolved) {
            match result {
                Ok(mut team) => {
                    team.reference.clone_from(raw);
                    named.teams.push(team);
                }
                Err(ResolveError::NoSuchTeam(_)) => named.missing.push(raw.clone()),
                Err(ResolveError::Api(e)) => return Err(Problem::api(&e, &format!("cannot resolve team {raw}"))),
            }
        }
        let (found, missing) = looked_up.map_err(|e| Problem::api(&e, "cannot look up the CODEOWNERS users"))?;
        (named.users, named.missing_users) = (found, missing);
        Ok(named)
    }
}
