//! Reading `/sop-ack` and `/sop-n/a` commands out of comments and review bodies: per person
//! (not the author) the first ack and the first waiver of each item, and per person × problem
//! the commands that cannot count. Linear: maps from login and item id, no rescans.

use std::collections::BTreeMap;

use crate::history::Contributors;
use crate::sop_commands::{Verb, for_each_command, has_visible_text};
use crate::text::one_line;

use super::Item;

/// How many targets and sources one aggregated finding names before it only counts.
pub const SHOWN: usize = 3;

/// A waiver that can count: from someone who is not the author, with a visible reason.
#[derive(Debug, Clone)]
pub struct Waiver {
    pub order: usize,
    pub reason: String,
    pub source: String,
}

/// Everything one person (not the author) said that could count, per checklist item: the first
/// ack and the first waiver. Bounded by people × items, however many commands they wrote.
#[derive(Debug)]
pub struct Person {
    pub login: String,
    pub acks: Vec<Option<usize>>,
    pub waivers: Vec<Option<Waiver>>,
}

impl Person {
    pub fn said_anything(&self) -> bool {
        self.acks.iter().any(Option::is_some) || self.waivers.iter().any(Option::is_some)
    }
}

/// Why commands did not count; findings are one per person × problem, with counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    AuthorAck,
    AuthorWaiver,
    /// An ack or waiver by someone who pushed or wrote a commit of the pull request.
    Contributor,
    NoTarget,
    NoReason,
    Edited,
    /// A comment written before the latest push (it was about other code).
    Outdated,
    UnknownItem,
}

/// Whether the commands of one text can count at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaks {
    Yes,
    /// Edited after posting (and `count_edited_comments` is off).
    Edited,
    /// Written before the latest push; the string says which push.
    Outdated(String),
}

#[derive(Debug)]
pub struct Aggregate {
    pub problem: Problem,
    pub login: String,
    pub commands: usize,
    /// Distinct targets (item ids, or verbs for `NoTarget`), at most [`SHOWN`], then `more_targets`.
    pub targets: Vec<String>,
    pub more_targets: bool,
    pub sources: Vec<String>,
    pub source_count: usize,
    /// What the problem is about beyond the login: how they contributed, which push outdated it.
    pub detail: String,
    last_text: usize,
}

/// Gathers commands from every text, linearly: maps from login and item id, no rescans.
pub struct Tally<'f> {
    items: &'f [Item],
    item_index: BTreeMap<String, usize>,
    author: &'f str,
    /// Who pushed or wrote a commit (empty with `allow_contributors`).
    contributors: &'f Contributors,
    pub people: Vec<Person>,
    people_index: BTreeMap<String, usize>,
    pub problems: Vec<Aggregate>,
    problem_index: BTreeMap<(String, Problem), usize>,
    order: usize,
    texts: usize,
}

impl<'f> Tally<'f> {
    pub fn new(items: &'f [Item], author: &'f str, contributors: &'f Contributors) -> Tally<'f> {
        let item_index = items.iter().enumerate().map(|(i, item)| (item.id.to_ascii_lowercase(), i)).collect();
        Tally {
            items,
            item_index,
            author,
            contributors,
            people: Vec::new(),
            people_index: BTreeMap::new(),
            problems: Vec::new(),
            problem_index: BTreeMap::new(),
            order: 0,
            texts: 0,
        }
    }

    fn problem(&mut self, login: &str, problem: Problem, target: &str, source: &str, text: usize, commands: usize) {
        self.problem_about(login, problem, target, source, (text, commands), "");
    }

    /// [`Self::problem`] with a `detail` the finding names (kept from the first occurrence).
    fn problem_about(
        &mut self,
        login: &str,
        problem: Problem,
        target: &str,
        source: &str,
        (text, commands): (usize, usize),
        detail: &str,
    ) {
        let key = (login.to_ascii_lowercase(), problem);
        let index = match self.problem_index.get(&key) {
            Some(&i) => i,
            None => {
                self.problems.push(Aggregate {
                    problem,
                    login: login.to_owned(),
                    commands: 0,
                    targets: Vec::new(),
                    more_targets: false,
                    sources: Vec::new(),
                    source_count: 0,
                    detail: detail.to_owned(),
                    last_text: usize::MAX,
                });
                self.problem_index.insert(key, self.problems.len() - 1);
                self.problems.len() - 1
            }
        };
        let Some(a) = self.problems.get_mut(index) else { return };
        a.commands += commands;
        if !target.is_empty() && !a.targets.iter().any(|t| t.eq_ignore_ascii_case(target)) {
            if a.targets.len() < SHOWN {
                a.targets.push(one_line(target));
            } else {
                a.more_targets = true;
            }
        }
        if a.last_text != text {
            a.last_text = text;
            a.source_count += 1;
            if a.sources.len() < SHOWN - 1 {
                a.sources.push(source.to_owned());
            }
        }
    }

    fn person(&mut self, login: &str) -> usize {
        let key = login.to_ascii_lowercase();
        if let Some(&i) = self.people_index.get(&key) {
            return i;
        }
        self.people.push(Person {
            login: login.to_owned(),
            acks: vec![None; self.items.len()],
            waivers: vec![None; self.items.len()],
        });
        self.people_index.insert(key, self.people.len() - 1);
        self.people.len() - 1
    }

    /// Who contributed to the pull request's code (empty with `allow_contributors`).
    pub fn contributors(&self) -> &'f Contributors {
        self.contributors
    }

    /// Read the commands of one text (a comment or a review body). `speaks` says whether its
    /// commands can count, or why they are only reported (an edited or outdated comment).
    pub fn text(&mut self, body: &str, login: &str, source: &str, speaks: &Speaks) {
        self.texts += 1;
        let text = self.texts;
        let is_author = login.eq_ignore_ascii_case(self.author);
        let contributed = if is_author { None } else { self.contributors.find(login).map(|c| c.describe()) };
        let mut uncounted = 0usize;
        let mut key = String::new();
        for_each_command(body, |command| {
            self.order += 1;
            if *speaks != Speaks::Yes {
                uncounted += 1;
                return;
            }
            let Some(target) = command.target else {
                self.problem(login, Problem::NoTarget, command.verb.as_str(), source, text, 1);
                return;
            };
            key.clear();
            key.extend(target.chars().map(|c| c.to_ascii_lowercase()));
            let Some(&item) = self.item_index.get(&key) else {
                self.problem(login, Problem::UnknownItem, target, source, text, 1);
                return;
            };
            let id = self.items.get(item).map_or("", |i| i.id.as_str());
            match command.verb {
                Verb::Ack if is_author => self.problem(login, Problem::AuthorAck, id, source, text, 1),
                Verb::Waive if is_author => self.problem(login, Problem::AuthorWaiver, id, source, text, 1),
                _ if contributed.is_some() => {
                    let how = contributed.as_deref().unwrap_or_default();
                    self.problem_about(login, Problem::Contributor, id, source, (text, 1), how);
                }
                Verb::Waive if !has_visible_text(command.reason) => {
                    self.problem(login, Problem::NoReason, id, source, text, 1)
                }
                verb => {
                    let order = self.order;
                    let person = self.person(login);
                    let Some(person) = self.people.get_mut(person) else { return };
                    match verb {
                        Verb::Ack => {
                            if let Some(slot) = person.acks.get_mut(item) {
                                slot.get_or_insert(order);
                            }
                        }
                        Verb::Waive => {
                            if let Some(slot) = person.waivers.get_mut(item) {
                                slot.get_or_insert_with(|| Waiver {
                                    order,
                                    reason: one_line(command.reason),
                                    source: source.to_owned(),
                                });
                            }
                        }
                    }
                }
            }
        });
        match speaks {
            _ if uncounted == 0 => {}
            Speaks::Yes => {}
            Speaks::Edited => self.problem(login, Problem::Edited, "", source, text, uncounted),
            Speaks::Outdated(why) => self.problem_about(login, Problem::Outdated, "", source, (text, uncounted), why),
        }
    }
}
