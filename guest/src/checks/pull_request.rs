//! What the two pull-request gates (approvals, checklist) share: the token preamble, the request
//! for the pull request and for membership probes, and the mapping of a verdict to a commit
//! status. Each gate decides on its own; this module only asks and words.

use serde_json::Value;

use crate::base_merges::{self, Examined};
use crate::checks::summary;
use crate::checks::trust::{ActionInput, Classification, secret_policy};
use crate::findings::{Code, Finding, Level};
use crate::history::PullHistory;
use crate::membership::TeamFact;
use crate::protocol::{MembershipProbe, Needs, Outcome, RunContext, SecretFact, StatusText, Verdict};
use crate::pulls::pull_request_number;
use crate::reviews::Kept;
use crate::text::one_line;

/// Commit-status descriptions are short one-liners.
pub fn bounded(description: &str) -> String {
    let line = one_line(description);
    if line.chars().count() <= 140 { line } else { format!("{}…", line.chars().take(139).collect::<String>()) }
}

/// The commit status for a final verdict: pass → `success`, fail → `failure`, error → `error`.
/// `warning` and `skipped` are never posted.
pub fn status(outcome: Outcome, description: &str) -> StatusText {
    let state = match outcome {
        Outcome::Pass | Outcome::Skip => "success",
        Outcome::Fail => "failure",
        Outcome::Error => "error",
    };
    StatusText { state: state.to_owned(), description: bounded(description) }
}

/// How messages name the gate's token: its variable's name, or "the token".
pub fn token_name(token: Option<&SecretFact>) -> String {
    token.map_or("the token".to_owned(), |t| one_line(&t.name))
}

/// The token preamble: when the gate's token is missing, the trust policy decides
/// (trusted run → fail naming it; untrusted run → skip). `None` when the token is there.
pub fn missing_token(check: &str, c: &Classification, token: Option<&SecretFact>, purpose: &str) -> Option<Verdict> {
    let token = token.filter(|t| !t.present)?;
    let policy = secret_policy(c, &[token.name.as_str()], purpose, ActionInput::Token);
    let decisive = policy.decisive.unwrap_or_else(|| c.basis.clone());
    let mut verdict = Verdict::new(check, policy.outcome, c.trust, &decisive);
    verdict.findings.push(c.basis.clone());
    verdict.findings.extend(c.warnings.iter().cloned());
    verdict.findings.push(decisive);
    if policy.outcome == Outcome::Fail {
        verdict.status = Some(StatusText {
            state: "failure".to_owned(),
            description: bounded(&format!("{} is not set", one_line(&token.name))),
        });
    }
    let row = vec!["token".to_owned(), token.name.clone(), "missing".to_owned()];
    summary::attach(&mut verdict, &["", "name", "state"], vec![row]);
    Some(verdict)
}

/// An approval or waiver that does not count because its author contributed to the code
/// (`contributor-not-counted`), naming the commit and the option that would allow it; `prefix`
/// names the policy rule (`rule security: `), or is empty.
pub fn contributor_finding(prefix: &str, x: &crate::rules::eval::ByContributor) -> Finding {
    let who = one_line(&x.login);
    Finding::new(
        Code::ContributorNotCounted,
        Level::Notice,
        format!("{prefix}{who}'s {} does not count: {who} {}", x.what, x.how),
    )
    .message(format!(
        "{prefix}{who}'s {} does not count: {who} {}. Like the author, someone who pushed to a pull request or \
         wrote one of its commits does not approve or waive their own code.",
        x.what, x.how
    ))
    .help(
        "ask someone who did not contribute to the pull request; or allow contributors (approvals \
           --allow-contributors, checklist allow_contributors, a policy rule's allow_contributors: true)",
    )
}

/// A fail-closed interim verdict that asks the host for more facts.
pub fn pending(c: &Classification, check: &str, what: &str) -> Verdict {
    let finding = Finding::new(Code::FactsNeeded, Level::Error, what.to_owned());
    let mut verdict = Verdict::new(check, Outcome::Error, c.trust, &finding);
    verdict.findings.push(finding);
    verdict
}

/// Ask for the pull request the run is about, or say that there is none.
pub fn ask_for_pull_request(c: &Classification, check: &str, explicit: Option<u64>, context: &RunContext) -> Verdict {
    match explicit.or_else(|| pull_request_number(context)) {
        Some(number) => {
            let mut verdict = pending(c, check, &format!("pull request #{number} has not been fetched yet"));
            verdict.needs = Some(Needs::PullRequestData(number));
            verdict
        }
        None => {
            let event = &c.event;
            let finding = Finding::new(Code::NoPullRequest, Level::Error, format!("this {event} run is not about a pull request"))
                .help("run the gate on pull_request, pull_request_target, pull_request_review or issue_comment events, or pass --pr N");
            let mut verdict = Verdict::new(check, Outcome::Error, c.trust, &finding);
            verdict.findings.push(finding);
            summary::attach(&mut verdict, &[], Vec::new());
            verdict
        }
    }
}

/// The reviews' approvals of earlier commits that `--keep-across-base-merges` keeps
/// (base_merges.rs), or the verdict that asks the host to compare the commits it needs.
pub fn kept_across_base_merges(
    c: &Classification,
    check: &str,
    pr: &Value,
    history: &PullHistory,
    reviews: &[Value],
    wanted: bool,
) -> Result<Kept, Box<Verdict>> {
    match base_merges::examine(pr, history, reviews, wanted) {
        Examined::Decided(kept) => Ok(kept),
        Examined::Needs(pairs) => {
            let mut verdict = pending(c, check, "what the merges after an approved commit changed is not known yet");
            verdict.needs = Some(Needs::Changes(pairs));
            Err(Box::new(verdict))
        }
    }
}

/// Ask the host to probe `logins` in every readable team; `None` when membership is already
/// known, nobody needs probing, or no team can be read (then nobody can be confirmed).
pub fn ask_for_membership(
    c: &Classification,
    check: &str,
    what: &str,
    teams: &[TeamFact],
    known: bool,
    logins: &[&str],
) -> Option<Verdict> {
    if known || logins.is_empty() {
        return None;
    }
    let readable: Vec<String> = teams.iter().filter(|t| t.readable).map(|t| t.reference.clone()).collect();
    if readable.is_empty() {
        return None;
    }
    let mut probes: Vec<MembershipProbe> =
        logins.iter().map(|login| MembershipProbe { login: (*login).to_owned(), teams: readable.clone() }).collect();
    probes.dedup_by(|a, b| a.login.eq_ignore_ascii_case(&b.login));
    let mut verdict = pending(c, check, what);
    verdict.needs = Some(Needs::Membership(probes));
    Some(verdict)
}

/// Ask the host, in one wave, to probe each group's logins in the group's readable teams (a
/// login in several groups once, in all their teams); `None` when membership is already known or
/// nobody needs probing in a readable team.
pub fn ask_for_membership_in(
    c: &Classification,
    check: &str,
    what: &str,
    known: bool,
    groups: &[(&[TeamFact], Vec<&str>)],
) -> Option<Verdict> {
    if known {
        return None;
    }
    let mut probes: Vec<MembershipProbe> = Vec::new();
    for (teams, logins) in groups {
        let readable: Vec<&String> = teams.iter().filter(|t| t.readable).map(|t| &t.reference).collect();
        if readable.is_empty() {
            continue;
        }
        for login in logins {
            let at = match probes.iter().position(|p| p.login.eq_ignore_ascii_case(login)) {
                Some(at) => at,
                None => {
                    probes.push(MembershipProbe { login: (*login).to_owned(), teams: Vec::new() });
                    probes.len() - 1
                }
            };
            let Some(probe) = probes.get_mut(at) else { continue };
            for team in &readable {
                if !probe.teams.contains(team) {
                    probe.teams.push((*team).clone());
                }
            }
        }
    }
    if probes.is_empty() {
        return None;
    }
    let mut verdict = pending(c, check, what);
    verdict.needs = Some(Needs::Membership(probes));
    Some(verdict)
}

/// The teams whose owner must act when membership cannot be confirmed: the unreadable ones, or
/// all of them when every team is readable (a probe failed), and the finding code that says which.
pub fn teams_needing(teams: &[TeamFact]) -> (Code, Vec<&TeamFact>) {
    let unreadable: Vec<&TeamFact> = teams.iter().filter(|t| !t.readable).collect();
    if unreadable.is_empty() {
        (Code::MembershipUnverified, teams.iter().collect())
    } else {
        (Code::TeamUnreadable, unreadable)
    }
}
