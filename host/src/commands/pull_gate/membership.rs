//! Membership probes: every (login, team) pair the guest asks about goes out in one wave; in a
//! sweep each pair is asked once for all its pull requests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::commands::Problem;
use crate::gitea::teams::{self, Team};
use crate::gitea::{ApiError, Client};
use crate::parallel;
use crate::protocol::{MembershipFact, MembershipProbe, Server};

/// What one sweep (sweep.rs) shares across its pull requests: the teams, resolved once, and
/// every membership answer obtained so far.
pub struct Shared {
    pub teams: Result<Vec<Team>, Problem>,
    pub memberships: MembershipCache,
    /// The server's version, asked once per sweep (the policy gate; `None` for the others).
    pub server: Option<Result<Server, ApiError>>,
}

/// Membership answers by (team, login), each asked at most once per sweep: a second pull
/// request asking about the same person waits for the first answer instead of probing again.
#[derive(Default)]
pub struct MembershipCache(Mutex<HashMap<MembershipKey, Arc<OnceLock<MembershipFact>>>>);

/// (team reference, login in lower case).
pub(super) type MembershipKey = (String, String);

impl MembershipCache {
    fn get(&self, team: &Team, login: &str, probe: impl FnOnce() -> MembershipFact) -> MembershipFact {
        let key = (team.reference.clone(), login.to_ascii_lowercase());
        let cell = {
            let mut map = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(map.entry(key).or_default())
        };
        let mut answer = cell.get_or_init(probe).clone();
        // The fact names the login as this pull request's guest asked for it.
        login.clone_into(&mut answer.login);
        answer
    }
}

/// Probe each (login, team) pair the guest asked about, concurrently.
pub(super) fn probe_all(
    client: &Client,
    teams: &[Team],
    probes: &[MembershipProbe],
    cache: Option<&MembershipCache>,
    wave: usize,
) -> Vec<MembershipFact> {
    let mut pairs: Vec<(String, &Team)> = Vec::new();
    for probe in probes {
        for reference in &probe.teams {
            if let Some(team) = teams.iter().find(|t| t.reference == *reference) {
                pairs.push((probe.login.clone(), team));
            }
        }
    }
    crate::log_line!("gitea-gate: checking {} team membership(s) …", pairs.len());
    parallel::map(&pairs, wave, |(login, team)| match cache {
        Some(cache) => cache.get(team, login, || teams::probe(client, team, login)),
        None => teams::probe(client, team, login),
    })
}
