//! The approvals decision, without a word of prose: which reviews stand, whose membership to
//! probe, who counted, who did not and why, and which of the four calls the gate makes.

use serde_json::Value;

use crate::membership::{Memberships, Standing};
use crate::reviews::{Decision, LatestReview, exclusion, head_sha, latest_decisions};

use super::ApprovalFacts;

/// The reviews as they stand on the head, before anyone's membership is known.
pub struct Reviews<'f> {
    pub number: u64,
    pub author: String,
    /// Every reviewer's latest deciding review (reported in `details`).
    pub latest: Vec<LatestReview<'f>>,
    /// Each reviewer whose latest review does not count, and why (author, system account, stale, …).
    pub excluded: Vec<(String, String)>,
    /// Deciding rows without a usable user.
    pub malformed: usize,
    /// Logins whose standing approval could count.
    pub approvers: Vec<String>,
    /// Logins whose change request blocks (with `--block-on-changes-requested`).
    pub blockers: Vec<String>,
}

/// Which reviews stand, for `pr` and `facts`.
pub fn reviews<'f>(facts: &'f ApprovalFacts, pr: &'f Value) -> Reviews<'f> {
    let author = crate::pulls::author_login(pr).unwrap_or_default();
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or(0);
    let head = head_sha(pr);
    // An approval counts only if it stands: of the head (or --allow-stale), not dismissed, not
    // re-requested (reviews.rs).
    let (latest, malformed) = latest_decisions(&facts.reviews);
    let mut excluded = Vec::new();
    let mut approvers = Vec::new();
    for review in &latest {
        match exclusion(review, &author, head, facts.allow_stale) {
            Some(why) => excluded.push((review.login.clone(), why)),
            None if review.decision == Decision::Approved => approvers.push(review.login.clone()),
            None => {}
        }
    }
    let blockers = if facts.block_on_changes_requested {
        // A change request blocks whether or not it is stale or of the head (as in Gitea's own
        // merge check), and until the reviewer reviews again even when re-requested.
        latest
            .iter()
            .filter(|r| r.decision == Decision::ChangesRequested && exclusion(r, &author, head, true).is_none())
            .map(|r| r.login.clone())
            .collect()
    } else {
        Vec::new()
    };
    Reviews { number, author, latest, excluded, malformed, approvers, blockers }
}

impl Reviews<'_> {
    /// Everyone whose membership decides something: approvers, then blockers.
    pub fn to_probe(&self) -> Vec<&str> {
        self.approvers.iter().chain(&self.blockers).map(String::as_str).collect()
    }
}

/// The call the gate makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// A member of the teams requested changes (`--block-on-changes-requested`).
    Blocked,
    /// Confirmed approvals alone reach `min`, and no change request is unconfirmed.
    Met,
    /// The shortfall could be an unconfirmed member: cannot decide.
    Unverifiable,
    /// Not enough confirmed approvals.
    Missing,
}

/// Who counted, who did not, and the call.
pub struct Tally {
    /// Confirmed approvers and the team that confirmed each.
    pub confirmed: Vec<(String, String)>,
    /// Approvers confirmed not to be members.
    pub not_members: Vec<String>,
    /// Approvers whose membership could not be confirmed, and why.
    pub unknown: Vec<(String, String)>,
    /// Members who requested changes.
    pub blocking: Vec<(String, String)>,
    /// Change requesters whose membership could not be confirmed, and why.
    pub blocking_unknown: Vec<(String, String)>,
    pub min: usize,
    pub call: Call,
}

/// Tally the standing reviews against what is known about membership.
pub fn tally(reviews: &Reviews<'_>, m: &Memberships<'_>, min: u32) -> Tally {
    let mut t = Tally {
        confirmed: Vec::new(),
        not_members: Vec::new(),
        unknown: Vec::new(),
        blocking: Vec::new(),
        blocking_unknown: Vec::new(),
        min: min as usize,
        call: Call::Missing,
    };
    for login in &reviews.approvers {
        match m.standing(login) {
            Standing::Member(team) => t.confirmed.push((login.clone(), team)),
            Standing::NotMember => t.not_members.push(login.clone()),
            Standing::Unknown(why) => t.unknown.push((login.clone(), why)),
        }
    }
    for login in &reviews.blockers {
        match m.standing(login) {
            Standing::Member(team) => t.blocking.push((login.clone(), team)),
            Standing::NotMember => {}
            Standing::Unknown(why) => t.blocking_unknown.push((login.clone(), why)),
        }
    }
    t.call = if !t.blocking.is_empty() {
        Call::Blocked
    } else if t.confirmed.len() >= t.min && t.blocking_unknown.is_empty() {
        Call::Met
    } else if !t.unknown.is_empty() || !t.blocking_unknown.is_empty() {
        Call::Unverifiable
    } else {
        Call::Missing
    };
    t
}
