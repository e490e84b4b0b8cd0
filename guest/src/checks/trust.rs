//! Trust: what kind of run is this, and what does a missing secret mean in it.
//!
//! The facts behind every rule are in `docs/gitea.md` §9 (cited per rule below). The policy
//! is the project's founding rule (a sync token that was never provisioned must not pass
//! silently): a missing secret is a failure in a
//! trusted run and a warning-and-skip in an untrusted one; anything unclear counts as trusted,
//! so that it fails loudly instead of silently skipping.

use serde_json::{Value, json};

use crate::checks::summary;
use crate::findings::{Code, Finding, Level};
use crate::protocol::{EventFacts, Lookup, Needs, Outcome, RunContext, Trust, Verdict};
use crate::text::one_line;

pub use gitea_gate_protocol::TrustFacts;

/// How Gitea runs each kind of event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventClass {
    /// Runs the repository's own workflow (usually from the default branch) with all secrets.
    RepositoryOwned,
    /// `pull_request`: no secrets and a read-only token when the head is in another repository
    /// (§9.2 `IsForkPullRequest`).
    PullRequest,
    /// `pull_request_target`: workflow from the base branch, secrets given even for forks (§9.2).
    PullRequestTarget,
    /// `pull_request_review(_comment)`: Gitea does not attach the PR to the run, so fork heads
    /// run their own workflow **with** secrets (§9.2, `PullRequestReview` uses `WithRef`).
    PullRequestReview,
    /// `issue_comment`: no head information in the payload; a comment on a fork PR gets no
    /// secrets (§9.1 payload, §9.2).
    IssueComment,
}

/// Every event name gitea-gate knows (docs/gitea.md §9.1). A name that is not here is treated as
/// the most restrictive case: trusted, so that a missing secret fails instead of skipping.
pub const EVENT_TABLE: &[(&str, EventClass)] = &[
    ("push", EventClass::RepositoryOwned),
    ("schedule", EventClass::RepositoryOwned),
    ("workflow_dispatch", EventClass::RepositoryOwned),
    ("workflow_run", EventClass::RepositoryOwned),
    ("create", EventClass::RepositoryOwned),
    ("delete", EventClass::RepositoryOwned),
    ("release", EventClass::RepositoryOwned),
    ("registry_package", EventClass::RepositoryOwned),
    ("gollum", EventClass::RepositoryOwned),
    ("fork", EventClass::RepositoryOwned),
    ("issues", EventClass::RepositoryOwned),
    ("pull_request", EventClass::PullRequest),
    ("pull_request_target", EventClass::PullRequestTarget),
    ("pull_request_review", EventClass::PullRequestReview),
    ("pull_request_review_comment", EventClass::PullRequestReview),
    ("issue_comment", EventClass::IssueComment),
    // Gitea accepts this name as an alias of issue_comment (§9.1).
    ("pull_request_comment", EventClass::IssueComment),
];

pub fn event_class(name: &str) -> Option<EventClass> {
    EVENT_TABLE.iter().find(|(known, _)| *known == name).map(|(_, class)| *class)
}

/// What the guest concluded about the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classification {
    pub trust: Trust,
    /// The event name as shown in messages (sanitised; `(unset)` when missing).
    pub event: String,
    /// The finding that explains the trust class.
    pub basis: Finding,
    /// Extra warnings (head code running with secrets, …).
    pub warnings: Vec<Finding>,
    /// Facts the host should gather to classify more precisely.
    pub needs: Option<Needs>,
    /// Where the pull request's head comes from, for the report.
    pub origin: Option<String>,
}

/// Classify the run from the event name and payload.
pub fn classify(ctx: &RunContext) -> Classification {
    let Some(raw_name) = ctx.event_name.as_deref().filter(|n| !n.is_empty()) else {
        return trusted_by_default(
            "(unset)".to_owned(),
            Finding::new(
                Code::UnknownEvent,
                Level::Warning,
                "the event name is unset; treating the run as trusted (fail closed)",
            )
            .message(
                "GITHUB_EVENT_NAME is unset, so gitea-gate cannot tell which event started this \
                 run; it treats the run as trusted (fail closed), so a missing secret fails.",
            )
            .help("run inside Gitea Actions, or pass --event-name and --event-path"),
        );
    };
    let event = one_line(raw_name);
    let Some(class) = event_class(raw_name) else {
        return trusted_by_default(
            event.clone(),
            Finding::new(
                Code::UnknownEvent,
                Level::Warning,
                format!("{event} is not an event gitea-gate knows; treating the run as trusted (fail closed)"),
            )
            .message(format!(
                "The event {event} is not one gitea-gate knows, so it cannot tell whether this run \
                 receives secrets; it treats the run as trusted (fail closed), so a missing secret fails."
            ))
            .help("if this is a new Gitea event, please report it so it can be classified"),
        );
    };

    match class {
        EventClass::RepositoryOwned => Classification {
            trust: Trust::Trusted,
            basis: Finding::new(Code::TrustedEvent, Level::Notice, format!("{event} is a repository-owned event"))
                .message(format!(
                    "{event} runs the repository's own workflow and receives its secrets, so it is trusted."
                )),
            event,
            warnings: Vec::new(),
            needs: None,
            origin: None,
        },
        EventClass::PullRequest | EventClass::PullRequestTarget | EventClass::PullRequestReview => {
            let pr = match payload(ctx) {
                Ok(payload) => payload.get("pull_request"),
                Err(why) => return unreadable(event, why),
            };
            let Some(pr) = pr.filter(|pr| pr.is_object()) else {
                return unreadable(event, "the payload has no pull_request object".to_owned());
            };
            classify_pull_request(event, class, pr)
        }
        EventClass::IssueComment => classify_issue_comment(event, ctx),
    }
}

fn payload(ctx: &RunContext) -> Result<&Value, String> {
    match &ctx.event {
        EventFacts::Payload(value) if value.is_object() => Ok(value),
        EventFacts::Payload(_) => Err("the event payload is not a JSON object".to_owned()),
        EventFacts::Unreadable(why) => Err(format!("the event payload could not be read: {}", one_line(why))),
        EventFacts::Absent => Err("no event payload was given (GITHUB_EVENT_PATH is unset)".to_owned()),
    }
}

fn trusted_by_default(event: String, basis: Finding) -> Classification {
    Classification { trust: Trust::Trusted, event, basis, warnings: Vec::new(), needs: None, origin: None }
}

fn unreadable(event: String, why: String) -> Classification {
    let basis = Finding::new(
        Code::UnreadableEvent,
        Level::Warning,
        format!("{event}: {why}; treating the run as trusted (fail closed)"),
    )
    .message(format!(
        "This {event} run's payload does not say where the pull request comes from ({why}), so \
         gitea-gate treats the run as trusted (fail closed): a missing secret fails."
    ))
    .help("check that the runner passes the event payload (GITHUB_EVENT_PATH) or pass --event-path");
    trusted_by_default(event, basis)
}

/// Where a pull request's head lives, decided from repository identity: ids first, full names
/// only when ids are absent. `head.repo.fork` is never used: it says whether the *head
/// repository* is a fork of something, not whether this PR crosses repositories (§6.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrOrigin {
    SameRepo { repo: String },
    Fork { head: String, base: String },
    HeadRepoDeleted { base: String },
    AGit { repo: String },
}

impl PrOrigin {
    pub fn is_cross_repo(&self) -> bool {
        !matches!(self, PrOrigin::SameRepo { .. })
    }

    pub fn describe(&self) -> String {
        match self {
            PrOrigin::SameRepo { repo } => format!("a branch of {repo}"),
            PrOrigin::Fork { head, base } => format!("{head} into {base}"),
            PrOrigin::HeadRepoDeleted { base } => format!("a deleted head repository into {base}"),
            PrOrigin::AGit { repo } => format!("an AGit push to {repo}"),
        }
    }
}

/// Repository identity of one side (`head` or `base`) of a pull request.
struct Side {
    id: Option<i64>,
    full_name: Option<String>,
    repo_is_null: bool,
}

impl Side {
    fn read(side: &Value, which: &str) -> Result<Side, String> {
        if !side.is_object() {
            return Err(format!("pull_request.{which} is missing"));
        }
        let repo = side.get("repo");
        let repo_id = side.get("repo_id").and_then(Value::as_i64);
        let nested_id = repo.and_then(|r| r.get("id")).and_then(Value::as_i64);
        let id = match (repo_id, nested_id) {
            (Some(a), Some(b)) if a != b => {
                return Err(format!("pull_request.{which}.repo_id ({a}) and {which}.repo.id ({b}) disagree"));
            }
            (a, b) => a.or(b),
        };
        let full_name =
            repo.and_then(|r| r.get("full_name")).and_then(Value::as_str).filter(|n| !n.is_empty()).map(str::to_owned);
        Ok(Side { id, full_name, repo_is_null: matches!(repo, Some(Value::Null)) })
    }

    fn name(&self) -> String {
        match (&self.full_name, self.id) {
            (Some(name), Some(id)) => format!("{} (repository id {id})", one_line(name)),
            (Some(name), None) => one_line(name),
            (None, Some(id)) => format!("repository id {id}"),
            (None, None) => "an unnamed repository".to_owned(),
        }
    }
}

/// `refs/pull/<digits>/head`
fn is_pull_head_ref(r: &str) -> bool {
    r.strip_prefix("refs/pull/")
        .and_then(|rest| rest.strip_suffix("/head"))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

pub fn pr_origin(pr: &Value) -> Result<PrOrigin, String> {
    let head_value = pr.get("head").unwrap_or(&Value::Null);
    let head = Side::read(head_value, "head")?;
    let base = Side::read(pr.get("base").unwrap_or(&Value::Null), "base")?;
    let base_name = base.name();

    // AGit: the payload looks same-repo (head.repo = base repo), but Gitea treats every AGit PR
    // as a fork PR (§9.2, `IsForkPullRequest`: "AGit flow: always true").
    let label = head_value.get("label").and_then(Value::as_str);
    let head_ref = head_value.get("ref").and_then(Value::as_str).unwrap_or("");
    if label == Some("") && is_pull_head_ref(head_ref) {
        return Ok(PrOrigin::AGit { repo: base_name });
    }
    // Head repository deleted: `head.repo` is null and `head.repo_id` is -1 (§6.2).
    if head.repo_is_null || head.id == Some(-1) {
        return Ok(PrOrigin::HeadRepoDeleted { base: base_name });
    }
    let same = match (head.id, base.id) {
        (Some(h), Some(b)) => h == b,
        _ => match (&head.full_name, &base.full_name) {
            (Some(h), Some(b)) => h.eq_ignore_ascii_case(b),
            _ => return Err("the pull request carries neither repository ids nor full names".to_owned()),
        },
    };
    if same {
        Ok(PrOrigin::SameRepo { repo: base_name })
    } else {
        Ok(PrOrigin::Fork { head: head.name(), base: base_name })
    }
}

fn pr_label(event: &str, pr: &Value) -> String {
    match pr.get("number").and_then(Value::as_u64) {
        Some(n) => format!("{event} on #{n}"),
        None => event.to_owned(),
    }
}

fn classify_pull_request(event: String, class: EventClass, pr: &Value) -> Classification {
    let origin = match pr_origin(pr) {
        Ok(origin) => origin,
        Err(why) => return unreadable(event, why),
    };
    let what = pr_label(&event, pr);
    let from = origin.describe();
    let mut warnings = Vec::new();

    let (trust, basis) = if !origin.is_cross_repo() {
        (
            Trust::Trusted,
            Finding::new(Code::SameRepoPullRequest, Level::Notice, format!("{what} comes from {from}")).message(
                format!(
                    "{what} comes from {from}; Gitea gives same-repository pull requests the \
                     repository's secrets, so the run is trusted."
                ),
            ),
        )
    } else {
        match class {
            EventClass::PullRequestTarget => {
                warnings.push(
                    Finding::new(
                        Code::PullRequestTargetHeadCode,
                        Level::Warning,
                        format!("{what} comes from {from} and runs with secrets"),
                    )
                    .message(format!(
                        "{what} comes from {from}. pull_request_target runs the base branch's \
                         workflow with secrets; checking out or running the head's code would hand \
                         those secrets to the pull request's author."
                    ))
                    .help("do not check out github.event.pull_request.head in this workflow"),
                );
                (
                    Trust::Trusted,
                    Finding::new(
                        Code::TrustedEvent,
                        Level::Notice,
                        format!("{what} runs the base branch's workflow with secrets"),
                    )
                    .message(format!(
                        "{what} runs the base branch's workflow, and Gitea gives pull_request_target \
                         runs the repository's secrets, so the run is trusted for the secret policy."
                    )),
                )
            }
            EventClass::PullRequestReview => {
                warnings.push(
                    Finding::new(
                        Code::ReviewRunsHeadCode,
                        Level::Warning,
                        format!("{what} comes from {from}; Gitea runs the head's workflow with secrets"),
                    )
                    .message(format!(
                        "{what} comes from {from}. Gitea starts review runs from the reviewed head \
                         commit's workflow file with full secrets and a write token, and that file is \
                         under the pull request author's control; gitea-gate treats the run as untrusted."
                    ))
                    .help(
                        "gate reviews with pull_request_target or a status posted by a trusted run, \
                         and do not keep secrets reachable from review-triggered workflows",
                    ),
                );
                (Trust::Untrusted, untrusted_basis(&what, &from))
            }
            _ => (Trust::Untrusted, untrusted_basis(&what, &from)),
        }
    };
    Classification { trust, event, basis, warnings, needs: None, origin: Some(from) }
}

fn untrusted_basis(what: &str, from: &str) -> Finding {
    Finding::new(Code::UntrustedEvent, Level::Notice, format!("{what} comes from {from}")).message(format!(
        "{what} comes from {from}; Gitea gives runs for pull requests from other repositories no \
         secrets and a read-only token, so the run is untrusted."
    ))
}

fn classify_issue_comment(event: String, ctx: &RunContext) -> Classification {
    let payload = match payload(ctx) {
        Ok(payload) => payload,
        Err(why) => return unreadable(event, why),
    };
    let issue = payload.get("issue").unwrap_or(&Value::Null);
    // `is_pull` and `issue.pull_request` both mark a comment on a pull request (§9.1).
    let is_pull = payload.get("is_pull").and_then(Value::as_bool) == Some(true)
        || issue.get("pull_request").is_some_and(|p| !p.is_null());
    if !is_pull {
        return Classification {
            trust: Trust::Trusted,
            basis: Finding::new(Code::TrustedEvent, Level::Notice, format!("{event} on an issue")).message(format!(
                "{event} on an issue runs the default branch's workflow with the repository's \
                     secrets, so it is trusted."
            )),
            event,
            warnings: Vec::new(),
            needs: None,
            origin: None,
        };
    }
    let Some(number) = issue.get("number").and_then(Value::as_u64) else {
        return unreadable(event, "the comment is on a pull request, but issue.number is missing".to_owned());
    };
    match &ctx.pull_request_lookup {
        None => {
            let mut c = unreadable(
                event,
                format!("the comment is on pull request #{number}, whose head is not in the payload"),
            );
            c.needs = Some(Needs::PullRequest(number));
            c
        }
        Some(Lookup::Failed(why)) => trusted_by_default(
            event.clone(),
            Finding::new(
                Code::PrLookupFailed,
                Level::Warning,
                format!("could not look up pull request #{number}; treating the run as trusted (fail closed)"),
            )
            .message(format!(
                "This {event} run is on pull request #{number}. The payload does not say where its \
                 head comes from, and looking it up failed ({}), so the run is treated as trusted \
                 (fail closed).",
                one_line(why)
            ))
            .help("check the token and API URL; a job token can read its own repository's pull requests"),
        ),
        Some(Lookup::Found(pr)) => {
            let mut c = classify_pull_request(event, EventClass::PullRequest, pr);
            // A comment on a fork PR: Gitea attaches the PR, so no secrets (§9.2).
            c.basis.summary = c.basis.summary.replacen("on #", "on pull request #", 1);
            c
        }
    }
}

/// The action input that carries a missing secret into the step, named in the fix: the gates
/// that read a token take it as `token`; `check: trust` takes the secret under test as `secret`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionInput {
    Token,
    Secret,
}

impl ActionInput {
    pub fn as_str(self) -> &'static str {
        match self {
            ActionInput::Token => "token",
            ActionInput::Secret => "secret",
        }
    }
}

/// What the policy concluded about the required secrets.
pub struct SecretPolicy {
    pub outcome: Outcome,
    /// The deciding finding when a secret is missing.
    pub decisive: Option<Finding>,
}

/// The secret policy: missing in a trusted run → fail (naming the secret and the fix);
/// missing in an untrusted run → warning and skip.
pub fn secret_policy(c: &Classification, missing: &[&str], purpose: &str, input: ActionInput) -> SecretPolicy {
    if missing.is_empty() {
        return SecretPolicy { outcome: Outcome::Pass, decisive: None };
    }
    let names = missing.iter().map(|n| one_line(n)).collect::<Vec<_>>().join(", ");
    let (verb, pronoun) = if missing.len() == 1 { ("is", "it") } else { ("are", "them") };
    let event = &c.event;
    match c.trust {
        Trust::Trusted => SecretPolicy {
            outcome: Outcome::Fail,
            decisive: Some(
                Finding::new(
                    Code::MissingSecret,
                    Level::Error,
                    format!("{names} {verb} empty or unset in a trusted run ({event})"),
                )
                .message(format!(
                    "{names} {verb} empty or unset, but this run is trusted ({event}) and trusted runs \
                     receive the repository's secrets, so this is a misconfiguration, not a fork: \
                     {purpose} cannot run, and passing silently would hide exactly what it exists to catch."
                ))
                .help(format!(
                    "add {names} as an Actions secret (repository or organization settings → Actions → \
                     Secrets) and pass {pronoun} to this step (env: for the CLI, or the action's `{}` input)",
                    input.as_str()
                )),
            ),
        },
        Trust::Untrusted => SecretPolicy {
            outcome: Outcome::Skip,
            decisive: Some(
                Finding::new(
                    Code::SecretUnavailable,
                    Level::Warning,
                    format!("{names} {verb} not available to this untrusted run ({}); skipped", c.basis.summary),
                )
                .message(format!(
                    "{names} {verb} not available: this run is untrusted ({}) and Gitea gives such runs \
                     no secrets. Skipping {purpose} here; it runs on push, schedule and \
                     same-repository pull requests.",
                    c.basis.summary
                )),
            ),
        },
    }
}

pub fn evaluate(facts: TrustFacts) -> Verdict {
    let c = classify(&facts.context);
    let missing: Vec<&str> = facts.secrets.iter().filter(|s| !s.present).map(|s| s.name.as_str()).collect();
    let policy = secret_policy(&c, &missing, "the gate that needs it", ActionInput::Secret);

    let decisive = policy.decisive.clone().unwrap_or_else(|| {
        let mut basis = c.basis.clone();
        if !facts.secrets.is_empty() {
            let names: Vec<String> = facts.secrets.iter().map(|s| one_line(&s.name)).collect();
            let verb = if names.len() == 1 { "is" } else { "are" };
            basis.summary = format!("{}; {} {verb} present", basis.summary, names.join(", "));
        }
        basis
    });

    let mut verdict = Verdict::new("trust", policy.outcome, c.trust, &decisive);
    verdict.findings.push(c.basis.clone());
    verdict.findings.extend(c.warnings.iter().cloned());
    if let Some(finding) = policy.decisive {
        verdict.findings.push(finding);
    }
    verdict.needs = c.needs.clone();
    verdict.details = json!({
        "event": c.event,
        "origin": c.origin,
        "secrets": facts.secrets,
    });
    let mut rows = vec![vec!["event".to_owned(), c.event.clone(), c.trust.as_str().to_owned()]];
    rows.extend(c.origin.iter().map(|origin| vec!["pull request".to_owned(), origin.clone(), String::new()]));
    for secret in &facts.secrets {
        let state = if secret.present { "present" } else { "missing" };
        rows.push(vec!["secret".to_owned(), secret.name.clone(), state.to_owned()]);
    }
    summary::attach(&mut verdict, &["", "name", "state"], rows);
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SecretFact;

    fn ctx(event: &str, payload: Value) -> RunContext {
        RunContext {
            event_name: Some(event.to_owned()),
            event: EventFacts::Payload(payload),
            repository: Some("acme/core".to_owned()),
            pull_request_lookup: None,
        }
    }

    fn pr(head_id: Value, base_id: i64) -> Value {
        json!({"pull_request": {
            "number": 7,
            "head": {"label": "feature", "ref": "feature", "repo_id": head_id,
                     "repo": {"id": head_id, "full_name": "someone/core", "fork": true}},
            "base": {"label": "main", "ref": "main", "repo_id": base_id,
                     "repo": {"id": base_id, "full_name": "acme/core", "fork": false}}
        }})
    }

    #[test]
    fn every_known_event_has_one_class() {
        for (i, (name, _)) in EVENT_TABLE.iter().enumerate() {
            assert!(EVENT_TABLE[i + 1..].iter().all(|(other, _)| other != name), "{name} twice");
        }
    }

    #[test]
    fn unknown_events_are_the_most_restrictive_class() {
        for name in ["", "Push", "merge_group", "watch", "pull_request ", "\u{0}"] {
            let c = classify(&ctx(name, json!({})));
            assert_eq!(c.trust, Trust::Trusted, "{name:?}");
            assert_eq!(c.basis.code, Code::UnknownEvent, "{name:?}");
        }
        let unset = RunContext::default();
        assert_eq!(classify(&unset).trust, Trust::Trusted);
        assert_eq!(classify(&unset).basis.code, Code::UnknownEvent);
    }

    #[test]
    fn trust_table() {
        let deleted = json!({"pull_request": {"number": 3, "head": {"label": "x", "ref": "x", "repo_id": -1, "repo": null},
                                              "base": {"ref": "main", "repo_id": 1, "repo": {"id": 1, "full_name": "acme/core"}}}});
        let agit = json!({"pull_request": {"number": 4, "head": {"label": "", "ref": "refs/pull/4/head", "repo_id": 1, "repo": {"id": 1}},
                                           "base": {"ref": "main", "repo_id": 1, "repo": {"id": 1}}}});
        let branch_deleted = json!({"pull_request": {"number": 5, "head": {"label": "gone", "ref": "refs/pull/5/head", "repo_id": 1, "repo": {"id": 1}},
                                                     "base": {"ref": "main", "repo_id": 1, "repo": {"id": 1}}}});
        let names_only = json!({"pull_request": {"head": {"repo": {"full_name": "ACME/Core"}}, "base": {"repo": {"full_name": "acme/core"}}}});
        let cases: Vec<(&str, Value, Trust, Code)> = vec![
            ("push", json!({}), Trust::Trusted, Code::TrustedEvent),
            ("schedule", json!({}), Trust::Trusted, Code::TrustedEvent),
            ("workflow_dispatch", json!({}), Trust::Trusted, Code::TrustedEvent),
            ("pull_request", pr(json!(1), 1), Trust::Trusted, Code::SameRepoPullRequest),
            ("pull_request", pr(json!(2), 1), Trust::Untrusted, Code::UntrustedEvent),
            ("pull_request", deleted.clone(), Trust::Untrusted, Code::UntrustedEvent),
            ("pull_request", agit.clone(), Trust::Untrusted, Code::UntrustedEvent),
            ("pull_request", branch_deleted, Trust::Trusted, Code::SameRepoPullRequest),
            ("pull_request", names_only, Trust::Trusted, Code::SameRepoPullRequest),
            ("pull_request_target", pr(json!(2), 1), Trust::Trusted, Code::TrustedEvent),
            ("pull_request_target", agit, Trust::Trusted, Code::TrustedEvent),
            ("pull_request_review", pr(json!(2), 1), Trust::Untrusted, Code::UntrustedEvent),
            ("pull_request_review_comment", deleted, Trust::Untrusted, Code::UntrustedEvent),
            ("pull_request_review", pr(json!(1), 1), Trust::Trusted, Code::SameRepoPullRequest),
            ("pull_request", json!({}), Trust::Trusted, Code::UnreadableEvent),
            ("pull_request", json!({"pull_request": {"head": {}, "base": {}}}), Trust::Trusted, Code::UnreadableEvent),
            (
                "issue_comment",
                json!({"is_pull": false, "issue": {"number": 1, "pull_request": null}}),
                Trust::Trusted,
                Code::TrustedEvent,
            ),
        ];
        for (event, payload, trust, code) in cases {
            let c = classify(&ctx(event, payload.clone()));
            assert_eq!((c.trust, c.basis.code), (trust, code), "{event} {payload}");
        }
    }

    #[test]
    fn fork_flag_alone_never_decides() {
        // Same repository ids, but the repository itself is a fork of something: trusted.
        let mut same = pr(json!(5), 5);
        same["pull_request"]["head"]["repo"]["fork"] = json!(true);
        assert_eq!(classify(&ctx("pull_request", same)).trust, Trust::Trusted);
        // Different ids, fork flag false: still cross-repo.
        let mut cross = pr(json!(6), 5);
        cross["pull_request"]["head"]["repo"]["fork"] = json!(false);
        assert_eq!(classify(&ctx("pull_request", cross)).trust, Trust::Untrusted);
    }

    #[test]
    fn disagreeing_ids_fail_closed() {
        let mut p = pr(json!(2), 1);
        p["pull_request"]["head"]["repo"]["id"] = json!(1);
        let c = classify(&ctx("pull_request", p));
        assert_eq!((c.trust, c.basis.code), (Trust::Trusted, Code::UnreadableEvent));
    }

    #[test]
    fn issue_comment_on_a_pull_request_asks_for_it_then_uses_it() {
        let payload = json!({"is_pull": true, "issue": {"number": 9, "pull_request": {"merged": false}}});
        let mut context = ctx("issue_comment", payload);
        let first = classify(&context);
        assert_eq!(first.needs, Some(Needs::PullRequest(9)));
        assert_eq!(first.trust, Trust::Trusted);

        context.pull_request_lookup = Some(Lookup::Found(pr(json!(2), 1)["pull_request"].clone()));
        let second = classify(&context);
        assert_eq!((second.trust, second.needs), (Trust::Untrusted, None));

        context.pull_request_lookup = Some(Lookup::Failed("HTTP 500".to_owned()));
        let third = classify(&context);
        assert_eq!((third.trust, third.basis.code), (Trust::Trusted, Code::PrLookupFailed));
    }

    #[test]
    fn secret_policy_table() {
        let trusted = classify(&ctx("schedule", json!({})));
        let untrusted = classify(&ctx("pull_request", pr(json!(2), 1)));
        let cases = [
            (&trusted, vec![], Outcome::Pass, None),
            (&trusted, vec!["AUTO_SYNC_TOKEN"], Outcome::Fail, Some(Code::MissingSecret)),
            (&untrusted, vec![], Outcome::Pass, None),
            (&untrusted, vec!["AUTO_SYNC_TOKEN"], Outcome::Skip, Some(Code::SecretUnavailable)),
        ];
        for (c, missing, outcome, code) in cases {
            let p = secret_policy(c, &missing, "the drift check", ActionInput::Token);
            assert_eq!((p.outcome, p.decisive.as_ref().map(|f| f.code)), (outcome, code));
            if let Some(f) = p.decisive {
                assert!(f.message.contains("AUTO_SYNC_TOKEN"), "{}", f.message);
            }
        }
    }

    #[test]
    fn missing_secret_names_the_secret_and_the_fix() {
        let facts = TrustFacts {
            context: ctx("schedule", json!({})),
            secrets: vec![SecretFact { name: "AUTO_SYNC_TOKEN".into(), present: false }],
        };
        let v = evaluate(facts);
        assert_eq!(v.verdict, Outcome::Fail);
        assert!(v.reason.starts_with("missing-secret: AUTO_SYNC_TOKEN"), "{}", v.reason);
        let f = v.findings.iter().find(|f| f.code == Code::MissingSecret).expect("finding");
        assert!(f.help.as_deref().is_some_and(|h| h.contains("AUTO_SYNC_TOKEN")));
    }

    #[test]
    fn hostile_names_stay_on_one_line() {
        let mut p = pr(json!(2), 1);
        p["pull_request"]["head"]["repo"]["full_name"] = json!("evil/x\n::set-output name=verdict::pass");
        let v = evaluate(TrustFacts { context: ctx("pull_request", p), secrets: vec![] });
        assert!(!v.reason.contains('\n'));
        assert!(v.findings.iter().all(|f| !f.message.contains('\n')));
    }

    #[test]
    fn the_fix_names_the_action_input_that_applies() {
        let push = ctx("push", json!({}));
        let trust = evaluate(TrustFacts {
            context: push.clone(),
            secrets: vec![SecretFact { name: "AUTO_SYNC_TOKEN".into(), present: false }],
        });
        let help = trust.findings.last().and_then(|f| f.help.clone()).unwrap_or_default();
        assert!(help.contains("the action's `secret` input") && !help.contains("`token`"), "{help}");
        let gate = secret_policy(&classify(&push), &["SOP_TIER_CHECK_TOKEN"], "counting", ActionInput::Token);
        let help = gate.decisive.and_then(|f| f.help).unwrap_or_default();
        assert!(help.contains("the action's `token` input") && help.contains("SOP_TIER_CHECK_TOKEN"), "{help}");
    }
}
