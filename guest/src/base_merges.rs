//! Approvals that survive "Update branch" (`--keep-across-base-merges`, docs/reviews.md):
//! Gitea's "Update branch" merges the base branch into the head, and every approval of the old
//! head then stops counting (it was made on another commit). With the option, an approval of
//! commit A still counts for the head H when all of these hold:
//!
//! 1. **Only merges from the base came after A.** Following first parents from H back to A,
//!    every commit is a merge of exactly two parents whose second parent is not one of the pull
//!    request's commits. Gitea lists those from the merge base with the base branch, computed
//!    when it answers, so a commit outside the list that the head reaches is history of the base
//!    branch.
//! 2. **The last merge brings in the merge base.** Every base commit the pull request reaches
//!    (each parent outside the list) is an ancestor of the last merge's second parent, as the
//!    server answers — so that commit *is* the merge base the pull request merges against, not an
//!    older one an author chose (Gitea's stored `merge_base` lags a push, so it is not used).
//! 3. **A's base is known the same way.** The base A was approved against is the base commit
//!    brought in by the latest merge from the base on A's first-parent line (else where that line
//!    leaves the pull request), and every base commit A reaches is its ancestor.
//! 4. **The pull request's own changes are byte for byte the approved ones.** What A changed
//!    against its base equals what each merge changes against the base commit it brought in: the
//!    same paths, each with the same entry (mode and blob id) before and after.
//! 5. **The pull request never changed its target branch** (a retarget changes what "the base"
//!    means: nothing is kept).
//!
//! A hostile author meets 2–4: a change hidden in a merge ("evil merge"), a conflict resolved in
//! the pull request's favour that reverts the base's own change, a merge that drops part of the
//! approved change, a merge of another branch, or of an older base commit, each voids the approval
//! with the commit named. The host only lists what differs between two trees and answers whether
//! one commit is an ancestor of another (`needs: changes`); everything here decides.

use serde_json::Value;

use gitea_gate_protocol::{Ancestry, Changes, CommitAccounts, CommitPair, CommitQuestions, PullHistory};

use crate::reviews::{Kept, head_sha, short};

/// What the option needs before it can say: commits to compare, or its answer.
#[derive(Debug)]
pub enum Examined {
    Needs(CommitQuestions),
    Decided(Kept),
}

/// Examines every approval made on another commit than the head (and not dismissed or stale:
/// those never come back). Without `wanted`, nothing is kept.
pub fn examine(pr: &Value, history: &PullHistory, reviews: &[Value], wanted: bool) -> Examined {
    let mut kept = Kept::default();
    let head = head_sha(pr).to_ascii_lowercase();
    if !wanted || head.is_empty() {
        return Examined::Decided(kept);
    }
    let graph = Graph { commits: &history.commits };
    let mut missing = CommitQuestions::default();
    for commit in approved_elsewhere(reviews, &head) {
        let outcome = if history.retargets.is_empty() {
            graph.line(&commit, &head).and_then(|line| line.decide(history, &mut missing))
        } else {
            Err("the pull request changed its target branch since, so no approval of an earlier commit is kept".into())
        };
        match outcome {
            Err(Undecided::Asked) => {}
            Err(Undecided::Void(why)) => kept.record(commit, Err(why)),
            Ok(how) => kept.record(commit, Ok(how)),
        }
    }
    if missing.compare.is_empty() && missing.ancestors.is_empty() {
        Examined::Decided(kept)
    } else {
        Examined::Needs(missing)
    }
}

/// Why an approval is not kept (yet).
enum Undecided {
    /// The answers it needs were asked for.
    Asked,
    /// It is void, and why.
    Void(String),
}

impl From<String> for Undecided {
    fn from(why: String) -> Undecided {
        Undecided::Void(why)
    }
}

impl From<&str> for Undecided {
    fn from(why: &str) -> Undecided {
        Undecided::Void(why.to_owned())
    }
}

/// The commits of approvals that stand but for being of another commit than `head`, each once.
fn approved_elsewhere(reviews: &[Value], head: &str) -> Vec<String> {
    let mut commits: Vec<String> = Vec::new();
    for row in reviews {
        let flag = |name: &str| row.get(name).and_then(Value::as_bool).unwrap_or(false);
        let approved = row.get("state").and_then(Value::as_str) == Some("APPROVED");
        let commit = row.get("commit_id").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        let candidate = approved && !flag("dismissed") && !flag("stale") && !commit.is_empty() && commit != head;
        if candidate && !commits.contains(&commit) {
            commits.push(commit);
        }
    }
    commits
}

/// The pull request's commits and their parents.
struct Graph<'h> {
    commits: &'h [CommitAccounts],
}

/// From an approved commit to the head: what to compare and which ancestries must hold.
struct Line {
    /// The approved commit against the base it was approved on.
    approved: CommitPair,
    /// Each merge after it against the base commit it brought in, oldest first.
    merges: Vec<CommitPair>,
    /// Base commits that must be ancestors of another (`from` of `to`), and why it matters.
    ancestries: Vec<(CommitPair, &'static str)>,
}

impl Graph<'_> {
    fn parents(&self, commit: &str) -> Option<Vec<String>> {
        let found = self.commits.iter().find(|c| c.sha.eq_ignore_ascii_case(commit))?;
        Some(found.parents.iter().map(|s| s.to_ascii_lowercase()).collect())
    }

    /// Whether `commit` is outside the pull request's commits: history of the base branch.
    fn on_base(&self, commit: &str) -> bool {
        !self.commits.iter().any(|c| c.sha.eq_ignore_ascii_case(commit))
    }

    /// The base commits `from` reaches: each parent outside the pull request's commits of a
    /// commit of the pull request that `from` reaches (every parent, not only the first two).
    fn bases_reached(&self, from: &str) -> Vec<String> {
        let (mut bases, mut seen, mut todo) = (Vec::new(), Vec::new(), vec![from.to_owned()]);
        while let Some(commit) = todo.pop() {
            if seen.contains(&commit) {
                continue;
            }
            for parent in self.parents(&commit).unwrap_or_default() {
                if !self.on_base(&parent) {
                    todo.push(parent);
                } else if !bases.contains(&parent) {
                    bases.push(parent);
                }
            }
            seen.push(commit);
        }
        bases
    }

    /// Conditions 1 and 3's shape, and the pairs 2–4 check; `Err` says which commit breaks it.
    fn line(&self, approved: &str, head: &str) -> Result<Line, Undecided> {
        if self.parents(approved).is_none() {
            return Err(format!("commit {} is no longer one of the pull request's commits", short(approved)).into());
        }
        let mut merges = Vec::new();
        let mut at = head.to_owned();
        // Each step leaves a commit of the pull request, so the walk ends within their number.
        for _ in 0..=self.commits.len() {
            if at == approved {
                break;
            }
            let parents = self.parents(&at).unwrap_or_default();
            let [first, second] = parents.as_slice() else {
                return Err(format!("commit {} after it is not a merge from the base branch", short(&at)).into());
            };
            if !self.on_base(second) {
                let (at, second) = (short(&at), short(second));
                return Err(format!("commit {at} after it merges {second}, which is not on the base branch").into());
            }
            merges.push(CommitPair { from: second.clone(), to: at.clone() });
            at = first.clone();
        }
        if at != approved {
            return Err(format!("the head does not descend from commit {} by merges", short(approved)).into());
        }
        merges.reverse();
        let approved_base = self.approved_base(approved)?;
        let mut ancestries = Vec::new();
        let merge_base = merges.last().map(|m| m.from.clone()).unwrap_or_default();
        for base in self.bases_reached(head).into_iter().filter(|b| *b != merge_base) {
            ancestries.push((CommitPair { from: base, to: merge_base.clone() }, "the last merge's"));
        }
        for base in self.bases_reached(approved).into_iter().filter(|b| *b != approved_base) {
            ancestries.push((CommitPair { from: base, to: approved_base.clone() }, "the approved commit's"));
        }
        let approved = CommitPair { from: approved_base, to: approved.to_owned() };
        Ok(Line { approved, merges, ancestries })
    }

    /// The base an approved commit was approved against: the base commit brought in by the
    /// latest merge from the base on its first-parent line, else where that line leaves the
    /// pull request (condition 3 then checks it is the newest base commit it reaches).
    fn approved_base(&self, approved: &str) -> Result<String, Undecided> {
        let mut at = approved.to_owned();
        for _ in 0..=self.commits.len() {
            let parents = self.parents(&at).unwrap_or_default();
            match parents.as_slice() {
                [_, second, ..] if self.on_base(second) => return Ok(second.clone()),
                [first, ..] if self.on_base(first) => return Ok(first.clone()),
                [first, ..] => at = first.clone(),
                [] => break,
            }
        }
        Err(format!("where commit {} leaves the base branch is not known", short(approved)).into())
    }
}

impl Line {
    /// Conditions 2–4 from the answers, or the questions still open (added to `missing`).
    fn decide(&self, history: &PullHistory, missing: &mut CommitQuestions) -> Result<String, Undecided> {
        let same =
            |a: &CommitPair, from: &str, to: &str| a.from.eq_ignore_ascii_case(from) && a.to.eq_ignore_ascii_case(to);
        let pairs: Vec<&CommitPair> = std::iter::once(&self.approved).chain(&self.merges).collect();
        let changes: Vec<Option<&Changes>> =
            pairs.iter().map(|p| history.changes.iter().find(|c| same(p, &c.from, &c.to))).collect();
        let ancestries: Vec<Option<&Ancestry>> =
            self.ancestries.iter().map(|(p, _)| history.ancestry.iter().find(|a| same(p, &a.from, &a.to))).collect();
        if changes.contains(&None) || ancestries.contains(&None) {
            for (pair, answer) in pairs.iter().zip(&changes) {
                if answer.is_none() && !missing.compare.contains(pair) {
                    missing.compare.push((*pair).clone());
                }
            }
            for ((pair, _), answer) in self.ancestries.iter().zip(&ancestries) {
                if answer.is_none() && !missing.ancestors.contains(pair) {
                    missing.ancestors.push(pair.clone());
                }
            }
            return Err(Undecided::Asked);
        }
        for ((_, whose), answer) in self.ancestries.iter().zip(ancestries.iter().flatten()) {
            let (from, to) = (short(&answer.from), short(&answer.to));
            if let Some(why) = &answer.unreadable {
                return Err(format!("whether {from} is an ancestor of {to} could not be read: {why}").into());
            }
            if !answer.ancestor {
                return Err(format!(
                    "{whose} base {to} is not the newest base commit it reaches ({from} is not its ancestor)"
                )
                .into());
            }
        }
        compare(changes.into_iter().flatten().collect())
    }
}

/// Condition 4: every merge changes against its base what the approved commit changed against
/// its own (the answers in `pairs` order: the approved commit's first).
fn compare(answered: Vec<&Changes>) -> Result<String, Undecided> {
    if let Some(pair) = answered.iter().find(|c| c.unreadable.is_some()) {
        let what = format!("the trees of {} and {} could not be read", short(&pair.from), short(&pair.to));
        return Err(format!("{what}: {}", pair.unreadable.as_deref().unwrap_or("")).into());
    }
    let Some((approved, merges)) = answered.split_first() else { return Err("nothing was compared".into()) };
    for merge in merges {
        if let Some(path) = first_difference(approved, merge) {
            return Err(format!(
                "merge {} changes the pull request's own changes ({}), so they are not the ones approved",
                short(&merge.to),
                crate::text::one_line(path)
            )
            .into());
        }
    }
    let shown: Vec<String> = merges.iter().map(|m| short(&m.to)).collect();
    Ok(format!("only merges from the base branch came after it ({})", shown.join(", ")))
}

/// The first path (in path order) whose change differs between two answers.
fn first_difference<'c>(a: &'c Changes, b: &'c Changes) -> Option<&'c str> {
    let only_in = |x: &'c Changes, y: &'c Changes| x.paths.iter().filter(move |p| !y.paths.contains(p));
    only_in(a, b).chain(only_in(b, a)).map(|p| p.path.as_str()).min()
}

#[cfg(test)]
mod tests;
