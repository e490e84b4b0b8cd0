//! Whether the checklist may believe the pull request's `tier:*` label.
//!
//! Anyone who can set labels can add `tier:low` and so turn the checklist into a notice. With the
//! checklist option `tier_label_from_ack_teams`, a `tier:low` or `tier:medium` label counts only
//! when the person who **last added** it (the issue timeline records it: `type: "label"`, `body`
//! `"1"` added / `""` removed, `user`) is a confirmed member of the ack teams and not the pull
//! request's author. Any other tier label is ignored with a finding naming who added it, and the
//! pull request is then treated as having no tier label: tier:high. A distrusted label can only
//! ever raise the tier, never lower it; `tier:high` needs no trust (nothing is higher).
//!
//! Without the option the labels are taken as they are (the platform cannot say more).

use serde::Serialize;
use serde_json::{Value, json};

use crate::findings::{Code, Finding, Level};
use crate::history::{Contribution, Contributors};
use crate::membership::{Memberships, Standing};
use crate::text::one_line;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Low,
    Medium,
    High,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Low => "low",
            Tier::Medium => "medium",
            Tier::High => "high",
        }
    }
}

/// The highest `tier:*` label, or `None` when there is none.
pub fn tier(labels: &[String]) -> Option<Tier> {
    labels
        .iter()
        .filter_map(|l| match l.trim().to_ascii_lowercase().as_str() {
            "tier:low" => Some(Tier::Low),
            "tier:medium" => Some(Tier::Medium),
            "tier:high" => Some(Tier::High),
            _ => None,
        })
        .max()
}

/// The tier the checklist works at, and why.
pub struct TierTrust {
    /// The highest `tier:*` label, as labelled.
    pub labelled: Option<Tier>,
    /// The tier to use: the labelled one, or `None` (→ tier:high) when a label is distrusted.
    pub tier: Option<Tier>,
    pub findings: Vec<Finding>,
    pub details: Value,
}

/// The pull request's `tier:*` labels that could lower the tier below high (low, medium), each
/// with its id when Gitea gave one.
fn lowering_labels(pr: &Value) -> Vec<(String, Option<i64>)> {
    let all: Vec<&Value> = pr.get("labels").and_then(Value::as_array).map(|l| l.iter().collect()).unwrap_or_default();
    let names: Vec<String> =
        all.iter().filter_map(|l| l.get("name").and_then(Value::as_str)).map(str::to_owned).collect();
    if matches!(tier(&names), None | Some(Tier::High)) {
        return Vec::new();
    }
    all.iter()
        .filter_map(|l| {
            let name = l.get("name").and_then(Value::as_str)?;
            matches!(tier(&[name.to_owned()]), Some(Tier::Low | Tier::Medium))
                .then(|| (name.to_owned(), l.get("id").and_then(Value::as_i64)))
        })
        .collect()
}

/// Whether a timeline event is about this label: by id when both have one, else by name.
fn same_label(event_label: &Value, name: &str, id: Option<i64>) -> bool {
    match (event_label.get("id").and_then(Value::as_i64), id) {
        (Some(a), Some(b)) => a == b,
        _ => {
            event_label.get("name").and_then(Value::as_str).is_some_and(|n| n.trim().eq_ignore_ascii_case(name.trim()))
        }
    }
}

/// Who last added the label, if the timeline says so (a later removal forgets the adder).
fn last_adder(timeline: &[Value], name: &str, id: Option<i64>) -> Option<String> {
    let mut adder = None;
    for event in timeline {
        if event.get("type").and_then(Value::as_str) != Some("label") {
            continue;
        }
        if !event.get("label").is_some_and(|l| same_label(l, name, id)) {
            continue;
        }
        adder = match event.get("body").and_then(Value::as_str) {
            Some("1") => event.get("user").and_then(|u| u.get("login")).and_then(Value::as_str).map(str::to_owned),
            _ => None,
        };
    }
    adder
}

/// The people whose team membership decides the tier (they join the membership probes).
pub fn people_to_probe(enabled: bool, pr: &Value, timeline: Option<&[Value]>, author: &str) -> Vec<String> {
    let (true, Some(timeline)) = (enabled, timeline) else { return Vec::new() };
    let mut people: Vec<String> = Vec::new();
    for (name, id) in lowering_labels(pr) {
        let Some(login) = last_adder(timeline, &name, id) else { continue };
        if !login.eq_ignore_ascii_case(author) && !people.iter().any(|p| p.eq_ignore_ascii_case(&login)) {
            people.push(login);
        }
    }
    people
}

/// Decide which tier the checklist works at. A contributor (history.rs) lowers the tier of
/// code they wrote no more than the author does.
pub fn decide(
    enabled: bool,
    pr: &Value,
    timeline: Option<&[Value]>,
    (author, contributors): (&str, &Contributors),
    m: &Memberships<'_>,
) -> TierTrust {
    let names: Vec<String> = crate::pulls::labels(pr);
    let labelled = tier(&names);
    let mut trust = TierTrust { labelled, tier: labelled, findings: Vec::new(), details: Value::Null };
    if !enabled {
        return trust;
    }
    let number = pr.get("number").and_then(Value::as_u64).unwrap_or(0);
    let teams = m.names();
    let mut labels = Vec::new();
    for (name, id) in lowering_labels(pr) {
        let shown = one_line(&name);
        let adder = timeline.and_then(|t| last_adder(t, &name, id));
        let distrust = match (&adder, timeline) {
            (_, None) => Some("the issue timeline was not read, so nobody is known to have added it".to_owned()),
            (None, Some(_)) => Some("no label event in the issue timeline says who added it".to_owned()),
            (Some(login), _) if login.eq_ignore_ascii_case(author) => {
                Some(format!("{}, the pull request's author, added it", one_line(login)))
            }
            (Some(login), _) if contributors.find(login).is_some() => {
                let how = contributors.find(login).map(Contribution::describe).unwrap_or_default();
                Some(format!(
                    "{} added it and {how}: a contributor does not set the tier of their own code",
                    one_line(login)
                ))
            }
            (Some(login), _) => match m.standing(login) {
                Standing::Member(_) => None,
                Standing::NotMember => Some(format!("{} added it and is not a member of {teams}", one_line(login))),
                Standing::Unknown(why) => Some(format!(
                    "{} added it, and their {teams} membership cannot be confirmed: {why}",
                    one_line(login)
                )),
            },
        };
        labels.push(json!({"label": name, "added_by": adder, "trusted": distrust.is_none()}));
        if let Some(why) = distrust {
            trust.tier = None;
            trust.findings.push(
                Finding::new(
                    Code::TierLabelDistrusted,
                    Level::Warning,
                    format!("{shown} on #{number} is ignored: {why}; treating it as tier:high"),
                )
                .help(format!(
                    "tier_label_from_ack_teams is on: a member of {teams} who is not the author removes the label \
                     and adds it again"
                )),
            );
        }
    }
    trust.details = json!({ "from_ack_teams": true, "labels": labels });
    trust
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::membership::{MembershipFact, TeamFact};

    fn pr(labels: &[(&str, i64)]) -> Value {
        json!({"number": 7, "user": {"login": "author"},
               "labels": labels.iter().map(|(n, id)| json!({"name": n, "id": id})).collect::<Vec<_>>()})
    }

    fn event(login: &str, name: &str, id: i64, added: bool) -> Value {
        json!({"type": "label", "body": if added { "1" } else { "" }, "user": {"login": login},
               "label": {"id": id, "name": name}})
    }

    fn teams() -> Vec<TeamFact> {
        vec![TeamFact {
            reference: "acme/qa".into(),
            name: "qa".into(),
            org: Some("acme".into()),
            id: Some(20),
            readable: true,
            unreadable_reason: None,
        }]
    }

    fn facts() -> Vec<MembershipFact> {
        [("qa-carol", Some(true)), ("bob", Some(false)), ("dave", None)]
            .iter()
            .map(|(l, m)| MembershipFact { login: (*l).into(), team: "acme/qa".into(), member: *m, detail: None })
            .collect()
    }

    fn decided(enabled: bool, pr: &Value, timeline: Option<&[Value]>) -> TierTrust {
        let (teams, facts) = (teams(), facts());
        decide(enabled, pr, timeline, ("author", &Contributors::default()), &Memberships::new(&teams, &facts))
    }

    #[test]
    fn a_tier_label_counts_only_when_a_member_who_is_not_the_author_added_it_last() {
        let low = pr(&[("tier:low", 1), ("bug", 2)]);
        let cases: Vec<(&str, Vec<Value>, Option<Tier>, &str)> = vec![
            ("member", vec![event("qa-carol", "tier:low", 1, true)], Some(Tier::Low), ""),
            ("non-member", vec![event("bob", "tier:low", 1, true)], None, "bob added it and is not a member of qa"),
            ("author", vec![event("author", "tier:low", 1, true)], None, "the pull request's author"),
            ("unconfirmed", vec![event("dave", "tier:low", 1, true)], None, "cannot be confirmed"),
            ("no event", vec![], None, "no label event"),
            (
                "member added, removed, non-member re-added",
                vec![
                    event("qa-carol", "tier:low", 1, true),
                    event("qa-carol", "tier:low", 1, false),
                    event("bob", "tier:low", 1, true),
                ],
                None,
                "bob",
            ),
            (
                "non-member added, member re-added",
                vec![event("bob", "tier:low", 1, true), event("qa-carol", "tier:low", 1, true)],
                Some(Tier::Low),
                "",
            ),
            ("another label's event", vec![event("qa-carol", "tier:low", 9, true)], None, "no label event"),
        ];
        for (name, timeline, want, why) in cases {
            let t = decided(true, &low, Some(timeline.as_slice()));
            assert_eq!((t.labelled, t.tier), (Some(Tier::Low), want), "{name}");
            if why.is_empty() {
                assert!(t.findings.is_empty(), "{name}");
            } else {
                let f = t.findings.first().expect("a finding");
                assert_eq!(f.code, Code::TierLabelDistrusted);
                assert!(f.message.contains(why) && f.message.contains("tier:high"), "{name}: {}", f.message);
            }
        }
        assert_eq!(decided(true, &low, None).tier, None, "no timeline: not trusted");
        // Off: taken as labelled.
        let off = decided(false, &low, Some(&[event("bob", "tier:low", 1, true)][..]));
        assert_eq!((off.tier, off.findings.len()), (Some(Tier::Low), 0));
    }

    #[test]
    fn only_labels_that_could_lower_the_tier_need_trust() {
        let both = pr(&[("tier:low", 1), ("tier:high", 3)]);
        let t = decided(true, &both, Some(&[event("bob", "tier:low", 1, true)][..]));
        assert_eq!((t.tier, t.findings.len()), (Some(Tier::High), 0));
        assert!(people_to_probe(true, &both, Some(&[event("bob", "tier:low", 1, true)][..]), "author").is_empty());
        let medium = pr(&[("Tier:Medium", 4), ("tier:low", 1)]);
        let timeline = [
            event("qa-carol", "Tier:Medium", 4, true),
            event("bob", "tier:low", 1, true),
            event("Author", "x", 5, true),
        ];
        assert_eq!(people_to_probe(true, &medium, Some(&timeline[..]), "author"), vec!["qa-carol", "bob"]);
        let t = decided(true, &medium, Some(&timeline[..]));
        assert_eq!(t.tier, None, "a distrusted tier:low next to a trusted tier:medium still means high");
        assert!(people_to_probe(false, &medium, Some(&timeline[..]), "author").is_empty());
    }
}
