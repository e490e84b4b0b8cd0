//! Protocol v1 between the host and the guest.
//!
//! A request is one line of compact JSON (the [`Envelope`]) followed by `\n` and then, optionally,
//! raw byte blobs whose lengths the envelope declares (file contents travel this way so that a
//! 100 MiB file is not base64-encoded into JSON). The answer is one [`Verdict`] as pretty JSON.
//!
//! Input is strict (`deny_unknown_fields` everywhere): a host and a guest that disagree about the
//! protocol must fail loudly, never silently ignore a fact.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::findings::{Code, Finding};

/// The only protocol version this guest speaks.
pub const PROTOCOL_VERSION: u32 = 1;

/// The outer shape of every request: `{"version":1,"check":"trust","facts":{…},"blobs":[…]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub version: u32,
    pub check: String,
    pub facts: Value,
    /// Lengths of the raw blobs that follow the envelope line, in order.
    #[serde(default)]
    pub blobs: Vec<u64>,
}

/// Facts about the run that every check shares: which event started it and what it carried.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunContext {
    /// `GITHUB_EVENT_NAME`; `None` when the runner did not set it.
    #[serde(default)]
    pub event_name: Option<String>,
    /// The event payload (`GITHUB_EVENT_PATH`), or why it could not be read.
    #[serde(default)]
    pub event: EventFacts,
    /// `GITHUB_REPOSITORY` (`owner/name`), when known.
    #[serde(default)]
    pub repository: Option<String>,
    /// The pull request the host looked up because an earlier verdict asked for it
    /// (`issue_comment` payloads carry no head information).
    #[serde(default)]
    pub pull_request_lookup: Option<Lookup>,
}

/// What the host could learn from the event payload file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EventFacts {
    /// The parsed payload.
    Payload(Value),
    /// The file was named but could not be read or parsed; the string says why.
    Unreadable(String),
    /// No payload file was given.
    #[default]
    Absent,
}

/// The result of a lookup the host performed on the guest's behalf.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Lookup {
    Found(Value),
    /// The lookup failed (network, status, shape); the string says how. Never a pass.
    Failed(String),
}

/// "Secret NAME is present" — the only thing the guest ever learns about a secret.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecretFact {
    pub name: String,
    pub present: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// Text for a commit status, when the check posts one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusText {
    /// `success`, `failure` or `error`.
    pub state: &'static str,
    pub description: String,
}

/// Facts the guest needs before it can decide; the host gathers them and asks again.
/// The verdict that carries `needs` is itself fail-closed, so a host that cannot gather
/// the facts can act on it as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Needs {
    /// Look up pull request N of the run's repository and pass it as `pull_request_lookup`.
    PullRequest(u64),
    /// Fetch pull request N with all its reviews (and, for the checklist, its comments).
    PullRequestData(u64),
    /// Probe membership of these logins in these teams (approvals, checklist).
    Membership(Vec<MembershipProbe>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MembershipProbe {
    pub login: String,
    pub teams: Vec<String>,
}

/// The answer: a DTO built from findings, never internals serialised.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub version: u32,
    pub check: String,
    pub verdict: Outcome,
    pub trust: Trust,
    /// The finding that decided the verdict.
    pub code: Code,
    /// One line: what was decided and why.
    pub reason: String,
    pub findings: Vec<Finding>,
    /// Extra `$GITHUB_OUTPUT` keys for this check (`drifted`, `approved-by`, …).
    pub outputs: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusText>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<Needs>,
    /// Structured, check-specific facts behind the verdict (digests, tallies, …).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub details: Value,
    /// The job summary: short Markdown (verdict, what counted and what is missing, the fix) that
    /// the host appends to `$GITHUB_STEP_SUMMARY` (checks/summary.rs). Absent on interim verdicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

impl Verdict {
    /// A verdict whose reason is `code: message` of its deciding finding.
    pub fn new(check: &str, verdict: Outcome, trust: Trust, decisive: &Finding) -> Verdict {
        Verdict {
            version: PROTOCOL_VERSION,
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
        }
    }
}
