//! What a rule is evaluated against, read from the pull request's rows: which reviews stand
//! (approvals and change requests), and which `/sop-n/a <rule> <reason>` waivers may count. Both
//! gates on the engine (approvals, policy) read them here, with the same semantics.

use std::collections::HashMap;

use serde_json::Value;

use crate::history::Freshness;
use crate::membership::Standing;
use crate::reviews::{Kept, LatestReview, ReviewState, exclusion, latest_decisions, login_of, review_stands, short};
use crate::rules::eval::{Directory, RuleResult, Waiver};
use crate::rules::file::Rule;
use crate::sop_commands::{Verb, for_each_command, has_visible_text};
use crate::text::one_line;

/// Which approvals of another commit than the head may count: any (`--allow-stale`), or those
/// `--keep-across-base-merges` kept (base_merges.rs).
#[derive(Clone, Copy)]
pub struct Allowed<'k> {
    pub stale: bool,
    pub kept: &'k Kept,
}

/// The reviews as they stand on the head, before anyone's membership is known.
pub struct Reviews<'f> {
    pub latest: Vec<LatestReview<'f>>,
    /// Each reviewer whose latest review does not count, and why (author, system account, stale, …).
    pub excluded: Vec<(String, String)>,
    /// Deciding rows without a usable user.
    pub malformed: usize,
    /// An approval of an earlier commit that counts for the head (`--keep-across-base-merges`):
    /// who, the review, and how.
    pub kept: Vec<String>,
    /// Indexes into `latest` of the standing approvals.
    approved: Vec<usize>,
    /// Indexes into `latest` of the change requests that fail a `disapproval` rule.
    requested: Vec<usize>,
}

impl<'f> Reviews<'f> {
    pub fn approvals(&self) -> Vec<&LatestReview<'f>> {
        self.approved.iter().filter_map(|i| self.latest.get(*i)).collect()
    }

    pub fn change_requests(&self) -> Vec<&LatestReview<'f>> {
        self.requested.iter().filter_map(|i| self.latest.get(*i)).collect()
    }
}

/// Which reviews stand. An approval counts only if it stands: of the head (or, with
/// `allow_stale`, of any commit, stale ones included), not dismissed, not re-requested, never the
/// author's or a system account's (reviews.rs). With `blockers`, the change requests too: a
/// change request blocks whether or not it is stale or of the head (as in Gitea's own merge
/// check), and until the reviewer reviews again even when re-requested.
pub fn reviews<'f>(rows: &'f [Value], author: &str, head: &str, allowed: Allowed<'_>, blockers: bool) -> Reviews<'f> {
    let (latest, malformed) = latest_decisions(rows);
    let mut excluded = Vec::new();
    let mut approved = Vec::new();
    let mut kept = Vec::new();
    for (i, review) in latest.iter().enumerate() {
        match exclusion(review, author, head, allowed.stale, allowed.kept) {
            Some(why) => excluded.push((review.login.clone(), why)),
            None if review.decision == ReviewState::Approved => {
                approved.push(i);
                let commit = review.row.get("commit_id").and_then(Value::as_str).unwrap_or("");
                if let Some(Ok(how)) = allowed.kept.outcome(commit).filter(|_| !allowed.stale) {
                    let who = one_line(&review.login);
                    let (id, commit) = (review.review_id, short(commit));
                    kept.push(format!("{who}'s approval (#{id}) of commit {commit} counts for the head: {how}"));
                }
            }
            None => {}
        }
    }
    let requested = if blockers {
        (0..latest.len())
            .filter(|i| {
                latest.get(*i).is_some_and(|r| {
                    r.decision == ReviewState::ChangesRequested
                        && exclusion(r, author, head, true, allowed.kept).is_none()
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Reviews { latest, excluded, malformed, kept, approved, requested }
}

/// A `/sop-n/a <rule> <reason>` that does not count, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    pub login: String,
    pub rule: String,
    /// `comment #12`, `review #4`.
    pub source: String,
    pub why: String,
    /// Written before the latest push: it was for other code (history.rs).
    pub outdated: bool,
}

/// The waivers read from comments and reviews: those that may count (per rule, in order; a
/// member of the rule's `waivable_by` must still have written one) and those that cannot.
#[derive(Default)]
pub struct Waivers {
    pub by_rule: HashMap<String, Vec<Waiver>>,
    pub rejected: Vec<Rejected>,
}

impl Waivers {
    /// Everyone who wrote a waiver that may count, in `rules` order, each once.
    pub fn logins<'w>(&'w self, rules: &[Rule]) -> Vec<&'w str> {
        let mut out: Vec<&str> = Vec::new();
        for w in rules.iter().filter_map(|r| self.by_rule.get(&r.name)).flatten() {
            if !out.iter().any(|l| l.eq_ignore_ascii_case(&w.login)) {
                out.push(&w.login);
            }
        }
        out
    }
}

/// What a waiver is checked against while the bodies are read.
struct Reader<'p> {
    rule_names: Vec<&'p str>,
    waivable: Vec<&'p str>,
    author: &'p str,
    out: Waivers,
}

impl Reader<'_> {
    /// Every `/sop-n/a` in `body` naming one of the rules; `counts` is whether the comment or
    /// review it is in can count at all, and if not, why (and whether a push outdated it).
    fn read(&mut self, body: &str, login: &str, source: String, counts: Result<(), (String, bool)>) {
        for_each_command(body, |command| {
            if command.verb != Verb::Waive {
                return;
            }
            let Some(target) = command.target.filter(|t| self.rule_names.contains(t)) else { return };
            let mut outdated = false;
            let why = if let Err((why, after_push)) = &counts {
                outdated = *after_push;
                why.clone()
            } else if login.eq_ignore_ascii_case(self.author) {
                "the author cannot waive a rule".to_owned()
            } else if !self.waivable.contains(&target) {
                "the rule has no waivable_by".to_owned()
            } else if !has_visible_text(command.reason) {
                "no visible reason".to_owned()
            } else {
                let waiver =
                    Waiver { login: login.to_owned(), reason: one_line(command.reason), source: source.clone() };
                self.out.by_rule.entry(target.to_owned()).or_default().push(waiver);
                return;
            };
            let (login, rule, source) = (login.to_owned(), target.to_owned(), source.clone());
            self.out.rejected.push(Rejected { login, rule, source, why, outdated });
        });
    }
}

/// The waivers of `rules` in comments (not edited after posting, written after the latest push:
/// `fresh`) and in reviews that stand (of the head, not dismissed, not stale), not by `author`,
/// with a visible reason, outside code blocks, quotes and HTML comments (commands.rs).
pub fn waivers(
    comments: &[Value],
    reviews: &[Value],
    rules: &[Rule],
    author: &str,
    head: &str,
    fresh: &Freshness<'_>,
) -> Waivers {
    let waivable: Vec<&str> = rules.iter().filter(|r| !r.waivable_by.is_empty()).map(|r| r.name.as_str()).collect();
    let mentioned = comments
        .iter()
        .chain(reviews)
        .any(|v| v.get("body").and_then(Value::as_str).is_some_and(|b| b.contains("/sop-n/a")));
    if waivable.is_empty() && !mentioned {
        return Waivers::default();
    }
    let rule_names = rules.iter().map(|r| r.name.as_str()).collect();
    let mut reader = Reader { rule_names, waivable, author, out: Waivers::default() };
    let body_and_id = |row: &Value| {
        let body = row.get("body").and_then(Value::as_str).unwrap_or("").to_owned();
        (body, row.get("id").and_then(Value::as_i64).unwrap_or(0))
    };
    for comment in comments {
        let Some((login, _)) = login_of(comment) else { continue };
        let (body, id) = body_and_id(comment);
        let edited = comment.get("updated_at") != comment.get("created_at");
        let counts = match fresh.outdated(id) {
            Some(why) => Err((why, true)),
            None if edited => Err(("the comment was edited after posting".to_owned(), false)),
            None => Ok(()),
        };
        reader.read(&body, login, format!("comment #{id}"), counts);
    }
    for review in reviews {
        let Some((login, _)) = login_of(review) else { continue };
        let (body, id) = body_and_id(review);
        let counts =
            review_stands(review, head, false).map_err(|why| (format!("the review {}", why.describe()), false));
        reader.read(&body, login, format!("review #{id}"), counts);
    }
    reader.out
}

/// Waivers that named a waivable rule but did not waive it because their author is a confirmed
/// non-member of its `waivable_by` teams.
pub fn not_members(
    rules: &[Rule],
    results: &[RuleResult],
    waivers: &Waivers,
    directory: &Directory<'_>,
) -> Vec<Rejected> {
    let mut out = Vec::new();
    for r in rules {
        let waived_by = results.iter().find(|x| x.name == r.name).and_then(|x| x.waived_by.as_ref());
        for w in waivers.by_rule.get(&r.name).map(Vec::as_slice).unwrap_or(&[]) {
            if waived_by == Some(w) {
                continue;
            }
            if let Standing::NotMember = directory.standing(&w.login, &r.waivable_by) {
                out.push(Rejected {
                    login: w.login.clone(),
                    rule: r.name.clone(),
                    source: w.source.clone(),
                    why: format!("not a member of {}", r.waivable_by.join(", ")),
                    outdated: false,
                });
            }
        }
    }
    out
}
