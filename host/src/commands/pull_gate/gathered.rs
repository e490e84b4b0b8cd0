//! What one pull-request gate run knows: the facts every question shares, and what the host has
//! read so far (each read once; the request to the guest is built from it).

use serde_json::Value;

use super::owners::NamedOwners;
use crate::commands::policy_files::PolicyGathered;
use crate::protocol::{Lookup, MembershipFact, PullHistory, SecretFact, Server, TeamFact};

/// The facts every question of one run shares.
pub(super) struct RunShared {
    pub(super) token: Option<SecretFact>,
    pub(super) teams: Vec<TeamFact>,
}

/// What the host has gathered so far.
#[derive(Default)]
pub(super) struct Gathered {
    pub(super) pull_request: Option<Value>,
    pub(super) reviews: Vec<Value>,
    pub(super) comments: Vec<Value>,
    /// Label events of the timeline, when the gate reads them.
    pub(super) timeline: Option<Vec<Value>>,
    /// Pushes and commits, read with the pull request.
    pub(super) history: Option<PullHistory>,
    /// The server's version (policy gate), read with the pull request.
    pub(super) server: Option<Server>,
    pub(super) membership: Option<Vec<MembershipFact>>,
    pub(super) lookup: Option<Lookup>,
    /// The policy gate's facts, once the pull request was read.
    pub(super) policy: Option<PolicyGathered>,
    /// Teams and CODEOWNERS users the guest named after reading the pull request, once resolved.
    pub(super) named_teams: Option<NamedOwners>,
}
