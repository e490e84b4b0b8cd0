//! Team membership, as the host could (or could not) establish it.
//!
//! Gitea's membership probe (`GET /teams/{id}/members/{user}`, docs/gitea.md §1.2) answers 404 both
//! for "not a member" and for "you may not look at this team". The host therefore first asks
//! whether the token can read the team at all (`GET /teams/{id}`) and reports each team as
//! readable or not; only on a readable team does a 404 mean "not a member". Anything the host
//! could not confirm arrives as `member: null` and never counts.

use std::collections::HashMap;

use crate::text::one_line;

pub use gitea_gate_protocol::{MembershipFact, TeamFact};

/// Who is in which team, as far as it is known.
pub struct Memberships<'a> {
    pub teams: &'a [TeamFact],
    /// (team reference, ASCII-lowercased login) → the first answer for it: one lookup per team
    /// and login, however many thousand reviewers there are (no scan of every fact per login).
    index: HashMap<(&'a str, String), &'a MembershipFact>,
}

/// What is known about one login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Confirmed member of this team (short name).
    Member(String),
    /// Confirmed not a member of any of the teams.
    NotMember,
    /// Could not be confirmed for some team; says why.
    Unknown(String),
}

impl<'a> Memberships<'a> {
    pub fn new(teams: &'a [TeamFact], facts: &'a [MembershipFact]) -> Memberships<'a> {
        let mut index = HashMap::with_capacity(facts.len());
        for fact in facts {
            index.entry((fact.team.as_str(), fact.login.to_ascii_lowercase())).or_insert(fact);
        }
        Memberships { teams, index }
    }

    /// The login's standing across all teams (any-of): a confirmed membership wins; otherwise any
    /// unconfirmed team makes it unknown; otherwise it is a confirmed non-member.
    pub fn standing(&self, login: &str) -> Standing {
        let mut unknown = None;
        for team in self.teams {
            if !team.readable {
                unknown.get_or_insert_with(|| {
                    format!(
                        "{} is unreadable: {}",
                        team_label(team),
                        team.unreadable_reason.as_deref().map_or("no reason given".to_owned(), one_line)
                    )
                });
                continue;
            }
            let fact = self.index.get(&(team.reference.as_str(), login.to_ascii_lowercase())).copied();
            match fact.and_then(|f| f.member) {
                Some(true) => return Standing::Member(team.name.clone()),
                Some(false) => {}
                None => {
                    unknown.get_or_insert_with(|| {
                        let why = fact.and_then(|f| f.detail.as_deref()).map_or("not probed".to_owned(), one_line);
                        format!("membership of {} in {} is unconfirmed ({why})", one_line(login), team_label(team))
                    });
                }
            }
        }
        unknown.map_or(Standing::NotMember, Standing::Unknown)
    }

    /// Whether every team could be read.
    pub fn all_readable(&self) -> bool {
        self.teams.iter().all(|t| t.readable)
    }

    /// `qa, security`
    pub fn names(&self) -> String {
        self.teams.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
    }
}

pub fn team_label(team: &TeamFact) -> String {
    match &team.org {
        Some(org) => format!("{}/{}", one_line(org), one_line(&team.name)),
        None => one_line(&team.reference),
    }
}

/// What the token's owner must do so that it can read these teams (docs/gitea.md §1.2, §7.3).
pub fn token_fix(token: &str, teams: &[&TeamFact]) -> String {
    let labels: Vec<String> = teams.iter().map(|t| team_label(t)).collect();
    let orgs: Vec<String> = {
        let mut o: Vec<String> = teams.iter().filter_map(|t| t.org.clone()).collect();
        o.sort();
        o.dedup();
        o
    };
    format!(
        "{token} must belong to an owner of {} or to a member of {} (a personal access token with the \
         read:organization scope); the Actions job token (GITEA_TOKEN/GITHUB_TOKEN) can never read team \
         membership. Create such a token, store it as an Actions secret and pass it as {token}.",
        if orgs.is_empty() { "the organization".to_owned() } else { orgs.join(", ") },
        labels.join(" and ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn team(reference: &str, name: &str, readable: bool) -> TeamFact {
        TeamFact {
            reference: reference.into(),
            name: name.into(),
            org: Some("acme".into()),
            id: Some(1),
            readable,
            unreadable_reason: (!readable).then(|| "HTTP 403: Must be a team member".into()),
        }
    }

    fn fact(login: &str, team: &str, member: Option<bool>) -> MembershipFact {
        MembershipFact { login: login.into(), team: team.into(), member, detail: None }
    }

    #[test]
    fn standing_is_any_of_and_never_guesses() {
        let teams = [team("acme/qa", "qa", true), team("acme/security", "security", true)];
        let facts = [
            fact("alice", "acme/qa", Some(true)),
            fact("bob", "acme/qa", Some(false)),
            fact("bob", "acme/security", Some(false)),
            fact("carol", "acme/qa", Some(false)),
            fact("carol", "acme/security", None),
            fact("dave", "acme/qa", None),
            fact("dave", "acme/security", Some(true)),
        ];
        let m = Memberships::new(&teams, &facts);
        assert_eq!(m.standing("ALICE"), Standing::Member("qa".into()));
        assert_eq!(m.standing("bob"), Standing::NotMember);
        assert!(matches!(m.standing("carol"), Standing::Unknown(_)));
        assert_eq!(m.standing("dave"), Standing::Member("security".into()));
        assert!(matches!(m.standing("erin"), Standing::Unknown(_)), "never probed is not a non-member");
    }

    #[test]
    fn unreadable_team_leaves_everyone_unknown_unless_confirmed_elsewhere() {
        let teams = [team("acme/qa", "qa", false), team("acme/security", "security", true)];
        let facts = [fact("alice", "acme/security", Some(true)), fact("bob", "acme/security", Some(false))];
        let m = Memberships::new(&teams, &facts);
        assert_eq!(m.standing("alice"), Standing::Member("security".into()));
        assert!(matches!(m.standing("bob"), Standing::Unknown(ref why) if why.contains("Must be a team member")));
        assert!(!m.all_readable());
        assert!(token_fix("SOP_TIER_CHECK_TOKEN", &[&teams[0]]).contains("read:organization"));
    }
}
