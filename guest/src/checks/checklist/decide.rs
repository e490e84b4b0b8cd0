//! The checklist decision, without a word of prose: which texts speak, whose membership to probe,
//! each item's state and who gave it, whose commands did not count and why, and the call.

use serde_json::Value;

use crate::history::{Contributors, Freshness};
use crate::membership::{Memberships, Standing};
use crate::reviews::{NotStanding, head_sha, login_of, review_stands};
use crate::sop_commands::for_each_command;

use super::gather::{Speaks, Tally, Waiver};
use super::tier::{self, Tier, TierTrust};
use super::{ChecklistFacts, Item};

/// A review that no longer stands but carried commands: none of them count.
pub struct DroppedReview {
    pub id: i64,
    pub login: String,
    pub commands: usize,
    pub why: NotStanding,
}

/// The commands of every text that speaks, and the reviews that no longer stand.
pub struct Gathered<'f> {
    pub tally: Tally<'f>,
    pub dropped_reviews: Vec<DroppedReview>,
}

/// Read the commands of the comments (written after the latest push, unless
/// `keep_acks_across_pushes`) and of the review bodies that still stand.
pub fn gather<'f>(
    facts: &'f ChecklistFacts,
    pr: &Value,
    author: &'f str,
    fresh: &Freshness<'_>,
    contributors: &'f Contributors,
) -> Gathered<'f> {
    let mut tally = Tally::new(&facts.items, author, contributors);
    for comment in &facts.comments {
        let Some((login, _)) = login_of(comment) else { continue };
        let body = comment.get("body").and_then(Value::as_str).unwrap_or("");
        let id = comment.get("id").and_then(Value::as_i64).unwrap_or(0);
        let edited = comment.get("updated_at") != comment.get("created_at");
        let speaks = match fresh.outdated(id).filter(|_| !facts.keep_acks_across_pushes) {
            Some(why) => Speaks::Outdated(why),
            None if edited && !facts.count_edited_comments => Speaks::Edited,
            None => Speaks::Yes,
        };
        tally.text(body, login, &format!("comment #{id}"), &speaks);
    }
    // Only a review that still stands speaks (reviews.rs): not a draft or request row, not
    // dismissed, not stale, and made on the head — there is no --allow-stale for acks.
    let mut dropped_reviews = Vec::new();
    for review in &facts.reviews {
        let Some((login, _)) = login_of(review) else { continue };
        let body = review.get("body").and_then(Value::as_str).unwrap_or("");
        let id = review.get("id").and_then(Value::as_i64).unwrap_or(0);
        if let Err(why) = review_stands(review, head_sha(pr), false) {
            let mut commands = 0usize;
            for_each_command(body, |_| commands += 1);
            if commands > 0 {
                dropped_reviews.push(DroppedReview { id, login: login.to_owned(), commands, why });
            }
            continue;
        }
        tally.text(body, login, &format!("review #{id}"), &Speaks::Yes);
    }
    Gathered { tally, dropped_reviews }
}

/// Membership is needed for everyone who said something that could count (never the author,
/// whose acks and waivers never count), and for whoever added the tier label when only
/// ack-team members may set it (tier.rs).
pub fn to_probe(g: &Gathered<'_>, facts: &ChecklistFacts, pr: &Value, author: &str) -> Vec<String> {
    let mut logins: Vec<String> =
        g.tally.people.iter().filter(|p| p.said_anything()).map(|p| p.login.clone()).collect();
    for login in tier::people_to_probe(facts.tier_label_from_ack_teams, pr, facts.timeline.as_deref(), author) {
        if !logins.iter().any(|l| l.eq_ignore_ascii_case(&login)) {
            logins.push(login);
        }
    }
    logins
}

/// Where one checklist item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemState {
    Acked,
    Waived,
    /// Only people whose membership could not be confirmed spoke to it.
    Unverified,
    Missing,
}

impl ItemState {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Acked => "acked",
            ItemState::Waived => "waived",
            ItemState::Unverified => "unverified",
            ItemState::Missing => "missing",
        }
    }
}

/// One item: its state, who acked it (in command order), who waived it first, who is unverified.
pub struct Row<'f> {
    pub item: &'f Item,
    pub state: ItemState,
    /// (login, team), in the order of their commands.
    pub acked_by: Vec<(String, String)>,
    /// The first counted waiver, with its (login, team).
    pub waived_by: Option<(Waiver, String, String)>,
    pub unverified: Vec<String>,
}

/// A confirmed non-member's commands, none of which count.
pub struct NotCounted {
    pub login: String,
    pub acked: Vec<String>,
    pub waived: Vec<String>,
}

/// The call the gate makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// Every item acked or waived.
    Complete,
    /// Items are missing, but the pull request is tier:low.
    Informational,
    /// Items are missing that unconfirmed people spoke to: cannot decide.
    Unverifiable,
    /// Items are missing.
    Incomplete,
}

/// Everything decided.
pub struct Decision<'f> {
    pub rows: Vec<Row<'f>>,
    pub not_counted: Vec<NotCounted>,
    /// Why each person who spoke could not be confirmed.
    pub unverified_people: Vec<String>,
    pub tier_trust: TierTrust,
    pub tier: Tier,
    pub call: Call,
}

impl Decision<'_> {
    pub fn ids(&self, keep: impl Fn(ItemState) -> bool) -> Vec<&str> {
        self.rows.iter().filter(|r| keep(r.state)).map(|r| r.item.id.as_str()).collect()
    }

    /// Items neither acked nor waived.
    pub fn missing(&self) -> Vec<&str> {
        self.ids(|s| s != ItemState::Acked && s != ItemState::Waived)
    }
}

fn ids_where(items: &[Item], keep: impl Fn(usize) -> bool) -> Vec<String> {
    items.iter().enumerate().filter(|(i, _)| keep(*i)).map(|(_, item)| item.id.clone()).collect()
}

/// Each item in the configured order, from what each person said and where they stand.
fn row<'f>(item: &'f Item, i: usize, g: &Gathered<'_>, standings: &[Standing]) -> Row<'f> {
    let mut acked_by: Vec<(usize, String, String)> = Vec::new();
    let mut waived_by: Option<(Waiver, String, String)> = None;
    let mut unverified = Vec::new();
    for (person, standing) in g.tally.people.iter().zip(standings) {
        let ack = person.acks.get(i).copied().flatten();
        let waiver = person.waivers.get(i).and_then(Option::as_ref);
        if ack.is_none() && waiver.is_none() {
            continue;
        }
        match standing {
            Standing::Member(team) => {
                if let Some(order) = ack {
                    acked_by.push((order, person.login.clone(), team.clone()));
                }
                if let Some(w) = waiver
                    && waived_by.as_ref().is_none_or(|(first, _, _)| w.order < first.order)
                {
                    waived_by = Some((w.clone(), person.login.clone(), team.clone()));
                }
            }
            Standing::Unknown(_) => unverified.push(person.login.clone()),
            Standing::NotMember => {}
        }
    }
    acked_by.sort_by_key(|(order, _, _)| *order);
    let state = if !acked_by.is_empty() {
        ItemState::Acked
    } else if waived_by.is_some() {
        ItemState::Waived
    } else if !unverified.is_empty() {
        ItemState::Unverified
    } else {
        ItemState::Missing
    };
    let acked_by = acked_by.into_iter().map(|(_, login, team)| (login, team)).collect();
    Row { item, state, acked_by, waived_by, unverified }
}

/// Tally every item against what is known about membership, and make the call.
pub fn decide<'f>(
    facts: &'f ChecklistFacts,
    pr: &Value,
    author: &str,
    g: &Gathered<'_>,
    m: &Memberships<'_>,
) -> Decision<'f> {
    // Each person's standing, once; then the tally, item by item, in the configured order.
    let standings: Vec<Standing> = g.tally.people.iter().map(|person| m.standing(&person.login)).collect();
    let mut not_counted = Vec::new();
    let mut unverified_people = Vec::new();
    for (person, standing) in g.tally.people.iter().zip(&standings) {
        match standing {
            Standing::NotMember => {
                let acked = ids_where(&facts.items, |i| person.acks.get(i).is_some_and(Option::is_some));
                let waived = ids_where(&facts.items, |i| person.waivers.get(i).is_some_and(Option::is_some));
                if !acked.is_empty() || !waived.is_empty() {
                    not_counted.push(NotCounted { login: person.login.clone(), acked, waived });
                }
            }
            Standing::Unknown(why) if person.said_anything() => unverified_people.push(why.clone()),
            _ => {}
        }
    }
    let rows: Vec<Row<'f>> = facts.items.iter().enumerate().map(|(i, item)| row(item, i, g, &standings)).collect();
    let tier_trust = tier::decide(
        facts.tier_label_from_ack_teams,
        pr,
        facts.timeline.as_deref(),
        (author, g.tally.contributors()),
        m,
    );
    let tier = tier_trust.tier.unwrap_or(Tier::High);
    let mut decision = Decision { rows, not_counted, unverified_people, tier_trust, tier, call: Call::Incomplete };
    decision.call = if decision.missing().is_empty() {
        Call::Complete
    } else if tier == Tier::Low {
        Call::Informational
    } else if !decision.ids(|s| s == ItemState::Unverified).is_empty() {
        Call::Unverifiable
    } else {
        Call::Incomplete
    };
    decision
}
