//! What a pull request's history says about the people who speak on it (docs/gitea.md §6.3,
//! §6.5; the facts are protocol's [`PullHistory`]):
//!
//! - **Contributors.** Whoever pushed to the pull request (the timeline names the authenticated
//!   pusher) or whose Gitea account Gitea links to one of its commits (as author or committer,
//!   by e-mail address) wrote some of its code. Like the author, a contributor's approval,
//!   acknowledgement or waiver does not count unless the gate allows contributors. A linked
//!   e-mail can be forged in a commit, but only to make someone *more* of a contributor, which
//!   takes a vote away and never adds one.
//! - **The latest push.** A comment written before the latest push to the pull request was
//!   written for other code, so a waiver or acknowledgement in it does not speak for the head.
//!   Comments and pushes are rows of one server table with server-assigned, increasing ids, so
//!   the ids order them: editing a comment does not change its id, and no API sets one. If the
//!   latest recorded push did not leave the head where it is, Gitea has not recorded a newer
//!   push yet (it writes the entry just after the push, asynchronously), and no comment is
//!   shown to be newer than it.

use std::collections::HashMap;

pub use gitea_gate_protocol::{PullHistory, Push};

use crate::reviews::short;
use crate::text::one_line;

/// How someone is shown to be a contributor: the first commit (or push) that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contribution {
    /// Pushed to the pull request; the commit the push left the head at, when named.
    Pushed { commit: Option<String>, at: String },
    /// Gitea links the commit's author e-mail to this account.
    Authored { commit: String },
    /// Gitea links the commit's committer e-mail to this account.
    Committed { commit: String },
    /// Nobody can be shown not to have pushed the head: Gitea has not recorded the push that
    /// moved it there yet (the string says which head and where the last recorded push left it).
    Unrecorded(String),
}

impl Contribution {
    /// Follows the login: `pushed commit 3f2a… to the pull request`.
    pub fn describe(&self) -> String {
        match self {
            Contribution::Pushed { commit: Some(commit), .. } => {
                format!("pushed commit {} to the pull request", short(commit))
            }
            Contribution::Pushed { commit: None, at } => format!("pushed to the pull request ({})", one_line(at)),
            Contribution::Authored { commit } => format!("is the author of its commit {}", short(commit)),
            Contribution::Committed { commit } => format!("is the committer of its commit {}", short(commit)),
            Contribution::Unrecorded(why) => format!("may have pushed it: {why}"),
        }
    }
}

/// Everyone who contributed to the pull request's code, by login (without case).
#[derive(Debug, Default)]
pub struct Contributors {
    known: HashMap<String, Contribution>,
    /// Set when the head's push is not recorded yet: then anyone may have pushed it.
    unrecorded: Option<Contribution>,
}

impl Contributors {
    /// The contributors of `history`, whose freshness for the head is `fresh`; empty when
    /// contributors are allowed to speak.
    pub fn of(history: &PullHistory, fresh: &Freshness<'_>, allowed: bool) -> Contributors {
        let mut all = Contributors::default();
        if allowed {
            return all;
        }
        // Pushes first: the pusher is the authenticated account, the strongest evidence.
        for push in &history.pushes {
            let pushed =
                Contribution::Pushed { commit: push.new_head().map(str::to_owned), at: push.created_at.clone() };
            all.add(&push.pusher.login, pushed);
        }
        for commit in &history.commits {
            if let Some(author) = &commit.author {
                all.add(&author.login, Contribution::Authored { commit: commit.sha.clone() });
            }
            if let Some(committer) = &commit.committer {
                all.add(&committer.login, Contribution::Committed { commit: commit.sha.clone() });
            }
        }
        if let Freshness::Unrecorded { last, head } = fresh {
            all.unrecorded = Some(Contribution::Unrecorded(unrecorded(last, head)));
        }
        all
    }

    fn add(&mut self, login: &str, how: Contribution) {
        if !login.is_empty() {
            self.known.entry(login.to_lowercase()).or_insert(how);
        }
    }

    /// How `login` contributed, if they did (or may have).
    pub fn find(&self, login: &str) -> Option<&Contribution> {
        self.known.get(&login.to_lowercase()).or(self.unrecorded.as_ref())
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty() && self.unrecorded.is_none()
    }
}

/// Whether comments still speak for the head, from what the timeline records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness<'h> {
    /// Nothing since the pull request was opened changed its code: every comment is about it.
    Unchanged,
    /// Comments after the timeline item `id` speak for the head's code; `what` says what the
    /// item was (the latest push, which left the head where it is; a reopen; a target change).
    Since { id: i64, what: String },
    /// The head is not where the latest recorded push left it: a newer push is not recorded
    /// yet, so no comment is shown to be about the head's code.
    Unrecorded { last: &'h Push, head: String },
}

impl<'h> Freshness<'h> {
    /// Where comments start to speak for `head`. After a push that left the head where it is,
    /// a target change still moves the boundary (the diff changed); a reopen does not (the
    /// code is the commit that push recorded). Without any push, a reopen moves it too: pushes
    /// to a closed pull request leave no entry, so the code may have changed meanwhile.
    pub fn of(history: &'h PullHistory, head: &str) -> Freshness<'h> {
        let mut marks: Vec<(i64, String)> = history
            .retargets
            .iter()
            .map(|&id| (id, format!("the target branch was changed (timeline #{id}), which changed the diff")))
            .collect();
        match history.pushes.iter().max_by_key(|p| p.id) {
            Some(last) if last.new_head().is_some_and(|left| !head.is_empty() && left.eq_ignore_ascii_case(head)) => {
                marks.push((last.id, format!("the latest push: {}", pushed(last))));
            }
            Some(last) => return Freshness::Unrecorded { last, head: head.to_owned() },
            None => marks.extend(history.reopens.iter().map(|&id| {
                let what = format!(
                    "the pull request was reopened (timeline #{id}): a push to a closed pull request is not recorded"
                );
                (id, what)
            })),
        }
        match marks.into_iter().max_by_key(|(id, _)| *id) {
            Some((id, what)) => Freshness::Since { id, what },
            None => Freshness::Unchanged,
        }
    }

    /// Why the comment with `id` no longer speaks for the head, or `None` when it does.
    pub fn outdated(&self, id: i64) -> Option<String> {
        match self {
            Freshness::Unchanged => None,
            Freshness::Since { id: since, .. } if id > *since => None,
            Freshness::Since { what, .. } => Some(format!("it was written before {what}")),
            Freshness::Unrecorded { last, head } => Some(unrecorded(last, head)),
        }
    }
}

/// `alice pushed commit 8a6e0c5d2f13 (2026-06-07T10:00:00Z)`
fn pushed(push: &Push) -> String {
    format!(
        "{} pushed {} ({})",
        one_line(&push.pusher.login),
        push.new_head().map_or_else(|| "to the pull request".to_owned(), |c| format!("commit {}", short(c))),
        one_line(&push.created_at),
    )
}

/// Why nothing is shown to be about `head` while its push is not recorded.
fn unrecorded(last: &Push, head: &str) -> String {
    format!(
        "the head {} is not the commit the latest recorded push left ({}): Gitea has not recorded the push \
         that moved it yet, so no comment, and no one, can be shown to be clear of it",
        short(head),
        last.new_head().map_or_else(|| "none named".to_owned(), short),
    )
}

#[cfg(test)]
mod tests {
    use gitea_gate_protocol::{Account, CommitAccounts};

    use super::*;

    fn push(id: i64, who: &str, force: bool, commits: &[&str]) -> Push {
        Push {
            id,
            pusher: Account { login: who.to_owned(), id: 7 },
            force,
            commit_ids: commits.iter().map(|c| (*c).to_owned()).collect(),
            created_at: "2026-12-01T10:00:00Z".to_owned(),
        }
    }

    fn account(login: &str) -> Option<Account> {
        Some(Account { login: login.to_owned(), id: 9 })
    }

    fn with_pushes(pushes: Vec<Push>) -> PullHistory {
        PullHistory { pushes, ..PullHistory::default() }
    }

    #[test]
    fn pushers_authors_and_committers_are_contributors_without_case() {
        let history = PullHistory {
            pushes: vec![push(5, "Lead", false, &["aaa", "bbb"])],
            commits: vec![
                CommitAccounts { sha: "ccc".into(), parents: vec![], author: account("dev"), committer: account("qa") },
                CommitAccounts { sha: "ddd".into(), parents: vec![], author: None, committer: None },
            ],
            ..PullHistory::default()
        };
        let all = Contributors::of(&history, &Freshness::of(&history, "bbb"), false);
        assert_eq!(
            all.find("lead"),
            Some(&Contribution::Pushed { commit: Some("bbb".into()), at: "2026-12-01T10:00:00Z".into() })
        );
        assert_eq!(all.find("DEV"), Some(&Contribution::Authored { commit: "ccc".into() }));
        assert_eq!(all.find("qa"), Some(&Contribution::Committed { commit: "ccc".into() }));
        assert_eq!(all.find("someone"), None);
        assert!(Contributors::of(&history, &Freshness::of(&history, "bbb"), true).is_empty());
    }

    #[test]
    fn while_the_heads_push_is_unrecorded_anyone_may_have_pushed_it() {
        let history = with_pushes(vec![push(5, "dev", false, &["h1"])]);
        let all = Contributors::of(&history, &Freshness::of(&history, "h2"), false);
        let how = all.find("someone").expect("anyone").describe();
        assert!(how.contains("may have pushed it") && how.contains("not recorded"), "{how}");
        assert!(
            Contributors::of(&history, &Freshness::of(&history, "h2"), true).is_empty(),
            "unless contributors are allowed"
        );
        assert_eq!(Contributors::of(&history, &Freshness::of(&history, "h1"), false).find("someone"), None);
    }

    #[test]
    fn a_force_push_names_its_new_head_second() {
        assert_eq!(push(1, "a", true, &["old", "new"]).new_head(), Some("new"));
        assert_eq!(push(1, "a", false, &["one", "two"]).new_head(), Some("two"));
        assert_eq!(push(1, "a", false, &[]).new_head(), None);
    }

    #[test]
    fn a_comment_speaks_for_the_head_only_after_the_push_that_made_it() {
        let history = with_pushes(vec![push(10, "dev", false, &["h1"]), push(20, "dev", true, &["h1", "h2"])]);
        let fresh = Freshness::of(&history, "H2");
        assert!(matches!(fresh, Freshness::Since { id: 20, .. }), "{fresh:?}");
        assert!(fresh.outdated(21).is_none());
        assert!(fresh.outdated(15).is_some_and(|why| why.contains("before the latest push") && why.contains("h2")));
        assert!(fresh.outdated(20).is_some(), "the push's own id is not after it");
        assert!(Freshness::of(&PullHistory::default(), "h").outdated(1).is_none());
    }

    #[test]
    fn a_head_the_latest_push_did_not_leave_outdates_every_comment() {
        let history = with_pushes(vec![push(10, "dev", false, &["h1"])]);
        let fresh = Freshness::of(&history, "h9");
        assert!(matches!(fresh, Freshness::Unrecorded { .. }));
        assert!(fresh.outdated(99).is_some_and(|why| why.contains("not recorded")));
        let empty = with_pushes(vec![push(10, "dev", false, &[])]);
        assert!(Freshness::of(&empty, "h1").outdated(99).is_some(), "a push that names no head proves nothing");
    }

    #[test]
    fn a_reopen_without_pushes_and_a_target_change_move_the_boundary() {
        // Closed, pushed (no entry), reopened: comments before the reopen saw other code.
        let reopened = PullHistory { reopens: vec![30], ..PullHistory::default() };
        let fresh = Freshness::of(&reopened, "h1");
        assert!(fresh.outdated(29).is_some_and(|why| why.contains("reopened")));
        assert!(fresh.outdated(31).is_none());
        // After a push that left the head, a reopen changes nothing (the code is that commit)…
        let pushed_then_reopened =
            PullHistory { reopens: vec![30], ..with_pushes(vec![push(10, "dev", false, &["h1"])]) };
        assert!(Freshness::of(&pushed_then_reopened, "h1").outdated(20).is_none());
        // …but a target change does: the diff is another one.
        let retargeted = PullHistory { retargets: vec![40], ..with_pushes(vec![push(10, "dev", false, &["h1"])]) };
        let fresh = Freshness::of(&retargeted, "h1");
        assert!(fresh.outdated(20).is_some_and(|why| why.contains("target branch was changed")));
        assert!(fresh.outdated(41).is_none());
        // A push after the target change is the boundary again.
        let pushed_after = PullHistory { retargets: vec![40], ..with_pushes(vec![push(50, "dev", false, &["h2"])]) };
        assert!(Freshness::of(&pushed_after, "h2").outdated(45).is_some_and(|why| why.contains("latest push")));
    }
}
