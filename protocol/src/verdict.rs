//! What the guest answers: the verdict, its findings, and the facts it still needs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{Code, CommitQuestions};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The gate passes.
    Pass,
    /// The gate says no (exit 1).
    Fail,
    /// The gate did not run its check, for a documented reason (untrusted run without secrets).
    Skip,
    /// The gate could not decide (exit 3). Never a pass.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Skip => "skip",
            Outcome::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trust {
    Trusted,
    Untrusted,
}

impl Trust {
    pub fn as_str(self) -> &'static str {
        match self {
            Trust::Trusted => "trusted",
            Trust::Untrusted => "untrusted",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Notice,
}

/// One observation behind a verdict.
///
/// Its code is one of [`Code`], the one enum of the guest's and the host's codes (on the wire,
/// the code's name).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Finding {
    pub code: Code,
    pub level: Level,
    /// The short form used in the verdict's one-line reason; not on the wire.
    #[serde(skip)]
    pub summary: String,
    /// The whole story: what, and why. Gitea shows logs raw, so this must stand alone.
    pub message: String,
    /// How to fix it, when there is something to fix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Finding {
    pub fn new(code: Code, level: Level, summary: impl Into<String>) -> Finding {
        let summary = summary.into();
        Finding { code, level, message: summary.clone(), summary, help: None }
    }

    /// Replace the long message (the summary stays the one-line form).
    pub fn message(mut self, message: impl Into<String>) -> Finding {
        self.message = message.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }
}

/// Text for a commit status, when the check posts one.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct StatusText {
    /// `success`, `failure` or `error`.
    pub state: String,
    pub description: String,
}

/// Facts the guest needs before it can decide; the host gathers them and asks again.
/// The verdict that carries `needs` is itself fail-closed, so a host that cannot gather
/// the facts can act on it as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Needs {
    /// Look up pull request N of the run's repository and pass it as `pull_request_lookup`.
    PullRequest(u64),
    /// Fetch pull request N with all its reviews (and, for the checklist, its comments).
    PullRequestData(u64),
    /// Probe membership of these logins in these teams (approvals, checklist).
    Membership(Vec<MembershipProbe>),
    /// Resolve these teams and CODEOWNERS users and pass them as the policy facts' `teams`,
    /// `missing_teams`, `users` and `missing_users` (the policy gate, once it knows which rules and
    /// CODEOWNERS lines apply).
    Owners(Owners),
    /// Compare the trees of these commit pairs and check these ancestries, and pass the answers
    /// as the history's `changes` and `ancestry` (approvals kept across merges from the base
    /// branch).
    Changes(CommitQuestions),
}

/// Teams (`org/team` from a policy, `@org/team` from CODEOWNERS) and CODEOWNERS user logins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Owners {
    pub teams: Vec<String>,
    pub users: Vec<String>,
}

/// The policy gate's `details` while it asks for the pull request: every team and CODEOWNERS
/// user its policy could need, so that the host resolves them while it reads the pull request
/// (which of them apply is known only after). A hint: the host may ignore it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OwnersNamed {
    pub teams_named: Vec<String>,
    pub users_named: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct MembershipProbe {
    pub login: String,
    /// Team references (`ORG/NAME` or an id), as in the facts' `teams`.
    pub teams: Vec<String>,
}

/// The answer: a DTO built from findings, never internals serialised.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Verdict {
    pub version: u32,
    pub check: String,
    pub verdict: Outcome,
    pub trust: Trust,
    /// The finding that decided the verdict.
    pub code: Code,
    /// One line: what was decided and why.
    pub reason: String,
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// Extra `$GITHUB_OUTPUT` keys for this check (`drifted`, `approved-by`, …).
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<Needs>,
    /// Structured, check-specific facts behind the verdict (digests, tallies, …); the host reads
    /// the parts it shows through [`crate::DriftDetails`] and [`crate::PinDetails`].
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub details: Value,
    /// The job summary: short Markdown (verdict, what counted and what is missing, the fix),
    /// rendered and escaped by the guest (guest/src/checks/summary.rs); the host appends it to
    /// `$GITHUB_STEP_SUMMARY`. Absent on interim verdicts and on the host's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The reviews to request (`--request-reviews`, the policy gate in a trusted run): the host
    /// sends them as `POST /pulls/{n}/requested_reviewers` before it posts the status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_request: Option<ReviewRequest>,
}

/// `POST /repos/{o}/{r}/pulls/{n}/requested_reviewers`: user logins, and team names of the
/// repository's organisation (docs/gitea.md §6.6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub reviewers: Vec<String>,
    pub team_reviewers: Vec<String>,
}

impl ReviewRequest {
    pub fn is_empty(&self) -> bool {
        self.reviewers.is_empty() && self.team_reviewers.is_empty()
    }

    /// `security (team), @dba-dan`: how findings and statuses name whom it asks. (`inline`: in
    /// the guest it compiles into its one caller; a separate copy made the wasm ~1 KB larger.)
    #[inline]
    pub fn shown(&self) -> String {
        let teams = self.team_reviewers.iter().map(|t| format!("{t} (team)"));
        let users = self.reviewers.iter().map(|u| format!("@{u}"));
        teams.chain(users).collect::<Vec<_>>().join(", ")
    }
}

impl Verdict {
    /// A verdict whose reason is `code: message` of its deciding finding.
    pub fn new(check: &str, verdict: Outcome, trust: Trust, decisive: &Finding) -> Verdict {
        Verdict {
            version: crate::PROTOCOL_VERSION,
            check: check.to_owned(),
            verdict,
            trust,
            code: decisive.code,
            reason: format!("{}: {}", decisive.code.as_str(), decisive.summary),
            findings: Vec::new(),
            outputs: BTreeMap::new(),
            status: None,
            needs: None,
            details: Value::Null,
            summary: None,
            review_request: None,
        }
    }
}
