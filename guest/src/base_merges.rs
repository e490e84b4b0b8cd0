//! Approvals that survive "Update branch" (`--keep-across-base-merges`, docs/reviews.md):
//! Gitea's "Update branch" merges the base branch into the head, and every approval of the old
//! head then stops counting (it was made on another commit). With the option, an approval of
//! commit A still counts for the head H when both hold:
//!
//! 1. **Only merges from the base came after A.** Following first parents from H back to A,
//!    every commit is a merge (two parents) whose second parent is not one of the pull request's
//!    commits — Gitea lists a pull request's commits from its merge base, so a commit outside the
//!    list is history of the base branch — and the last merge's second parent is the pull
//!    request's merge base.
//! 2. **The pull request's own changes are byte for byte the approved ones.** What A changed
//!    against the base it was approved on (the second parent of the latest merge from the base
//!    before A, else where A's first-parent line leaves the pull request) equals what each merge
//!    changes against the base commit it brought in: the same paths, each with the same entry
//!    (mode and blob id) before and after.
//!
//! The second check is what a hostile author meets: a change hidden in a merge ("evil merge"),
//! a conflict resolved in the pull request's favour that reverts the base's own change, a merge
//! that drops part of the approved change, or a merge of another branch all change the pair
//! sets, and the approval is void with the commit that did it named. The host only lists what
//! differs between two trees (`needs: changes`); everything here decides.

use serde_json::Value;

use gitea_gate_protocol::{Changes, CommitAccounts, CommitPair, PullHistory};

use crate::reviews::{Kept, head_sha, short};

/// What the option needs before it can say: pairs of commits to compare, or its answer.
#[derive(Debug)]
pub enum Examined {
    Needs(Vec<CommitPair>),
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
    let graph = Graph::of(history, pr);
    let mut missing: Vec<CommitPair> = Vec::new();
    for commit in approved_elsewhere(reviews, &head) {
        let outcome = match graph.line(&commit, &head) {
            Err(why) => Err(why),
            Ok(line) => match compare(&line, &history.changes) {
                Compared::Missing(pairs) => {
                    for pair in pairs {
                        if !missing.contains(&pair) {
                            missing.push(pair);
                        }
                    }
                    continue;
                }
                Compared::Done(outcome) => outcome,
            },
        };
        kept.record(commit, outcome);
    }
    if missing.is_empty() { Examined::Decided(kept) } else { Examined::Needs(missing) }
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

/// The pull request's commits and their parents, and its merge base.
struct Graph<'h> {
    commits: &'h [CommitAccounts],
    merge_base: String,
}

/// The line from an approved commit to the head: what the approved commit changed against its
/// base, and each merge after it with the base commit it brought in (oldest first).
struct Line {
    approved: CommitPair,
    merges: Vec<CommitPair>,
}

impl<'h> Graph<'h> {
    fn of(history: &'h PullHistory, pr: &Value) -> Graph<'h> {
        let merge_base = pr.get("merge_base").and_then(Value::as_str).unwrap_or("").to_ascii_lowercase();
        Graph { commits: &history.commits, merge_base }
    }

    fn parents(&self, commit: &str) -> Option<Vec<String>> {
        let found = self.commits.iter().find(|c| c.sha.eq_ignore_ascii_case(commit))?;
        Some(found.parents.iter().map(|s| s.to_ascii_lowercase()).collect())
    }

    /// Whether `commit` is history of the base branch: not one of the pull request's commits.
    fn on_base(&self, commit: &str) -> bool {
        !self.commits.iter().any(|c| c.sha.eq_ignore_ascii_case(commit))
    }

    /// Condition 1, and the pairs condition 2 compares; `Err` says which commit breaks it.
    fn line(&self, approved: &str, head: &str) -> Result<Line, String> {
        if self.parents(approved).is_none() {
            return Err(format!("commit {} is no longer one of the pull request's commits", short(approved)));
        }
        let mut merges = Vec::new();
        let mut at = head.to_owned();
        // Each step leaves a commit of the pull request, so the walk ends within their number.
        for _ in 0..=self.commits.len() {
            if at == approved {
                break;
            }
            let parents = self.parents(&at).unwrap_or_default();
            let (first, second) = match parents.as_slice() {
                [first, second] => (first.clone(), second.clone()),
                _ => return Err(format!("commit {} after it is not a merge from the base branch", short(&at))),
            };
            if !self.on_base(&second) {
                return Err(format!(
                    "commit {} after it merges {}, which is not on the base branch",
                    short(&at),
                    short(&second)
                ));
            }
            if merges.is_empty() && second != self.merge_base {
                return Err(format!(
                    "the last merge {} brings in {}, but the pull request's merge base is {}",
                    short(&at),
                    short(&second),
                    short(&self.merge_base)
                ));
            }
            merges.push(CommitPair { from: second, to: at.clone() });
            at = first;
        }
        if at != approved {
            return Err(format!("the head does not descend from commit {} by merges", short(approved)));
        }
        merges.reverse();
        let base = self.approved_base(approved)?;
        Ok(Line { approved: CommitPair { from: base, to: approved.to_owned() }, merges })
    }

    /// The base an approved commit was approved against: the base commit brought in by the
    /// latest merge from the base on its first-parent line, else where that line leaves the
    /// pull request.
    fn approved_base(&self, approved: &str) -> Result<String, String> {
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
        Err(format!("where commit {} leaves the base branch is not known", short(approved)))
    }
}

enum Compared {
    Missing(Vec<CommitPair>),
    Done(Result<String, String>),
}

/// Condition 2: every merge changes against its base what the approved commit changed against
/// its own.
fn compare(line: &Line, answers: &[Changes]) -> Compared {
    let find = |pair: &CommitPair| {
        answers.iter().find(|c| c.from.eq_ignore_ascii_case(&pair.from) && c.to.eq_ignore_ascii_case(&pair.to))
    };
    let pairs = std::iter::once(&line.approved).chain(&line.merges);
    let missing: Vec<CommitPair> = pairs.clone().filter(|p| find(p).is_none()).cloned().collect();
    if !missing.is_empty() {
        return Compared::Missing(missing);
    }
    let answered: Vec<&Changes> = pairs.filter_map(find).collect();
    if let Some((pair, why)) = answered.iter().find_map(|c| c.unreadable.as_ref().map(|why| (c, why))) {
        let what = format!("the trees of {} and {} could not be read", short(&pair.from), short(&pair.to));
        return Compared::Done(Err(format!("{what}: {why}")));
    }
    let Some((approved, merges)) = answered.split_first() else { return Compared::Done(Err(String::new())) };
    for merge in merges {
        if let Some(path) = first_difference(approved, merge) {
            return Compared::Done(Err(format!(
                "merge {} changes the pull request's own changes ({}), so they are not the ones approved",
                short(&merge.to),
                crate::text::one_line(path)
            )));
        }
    }
    let shown: Vec<String> = merges.iter().map(|m| short(&m.to)).collect();
    Compared::Done(Ok(format!("only merges from the base branch came after it ({})", shown.join(", "))))
}

/// The first path (in path order) whose change differs between two answers.
fn first_difference<'c>(a: &'c Changes, b: &'c Changes) -> Option<&'c str> {
    let only_in = |x: &'c Changes, y: &'c Changes| x.paths.iter().filter(move |p| !y.paths.contains(p));
    only_in(a, b).chain(only_in(b, a)).map(|p| p.path.as_str()).min()
}

#[cfg(test)]
mod tests;
