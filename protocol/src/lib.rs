//! Protocol v1 between gitea-gate's host and its guest: one definition of every type that
//! crosses the sandbox boundary, used by both sides (docs/architecture.md §2).
//!
//! A request is one line of compact JSON (the [`Envelope`]) followed by `\n` and then, optionally,
//! raw byte blobs whose lengths the envelope declares (file contents travel this way so that a
//! 100 MiB file is not base64-encoded into JSON). The answer is one [`Verdict`] as pretty JSON.
//!
//! Input is strict (`deny_unknown_fields` on the envelope and every facts type): a host and a
//! guest that disagree about the protocol must fail loudly, never silently ignore a fact.
//!
//! This crate holds data and its wire shape only; the decisions live in the guest.
#![forbid(unsafe_code)]

mod codes;
mod details;
mod facts;
mod history;
mod policy;
mod pull;
mod server;
mod verdict;

pub use codes::Code;
pub use details::{DriftDetails, DriftDifference, DriftPairDetails, PinDetails, PinEntry};
pub use facts::{
    ApprovalFacts, ByteSource, ChecklistFacts, DriftFacts, DriftLimits, EventFacts, FileCopy, Item, Lookup,
    MembershipFact, Pair, PinFacts, PinMode, PinnedFile, RunContext, SecretFact, TeamFact, TrustFacts,
};
pub use history::{
    Account, Ancestry, ChangedPath, Changes, CommitAccounts, CommitPair, CommitQuestions, PullHistory, Push,
};
pub use policy::{
    CODEOWNERS_CANDIDATES, CODEOWNERS_PATHS, ChangedFile, FORGEJO_CODEOWNERS_PATH, NamedCase, PolicyFacts,
    PolicyTestFacts, SourceFile,
};
pub use pull::{CommitRef, IssueView, PayloadView, PullView};
pub use server::{Product, Server};
pub use verdict::{
    Finding, Level, MembershipProbe, Needs, Outcome, Owners, OwnersNamed, ReviewRequest, StatusText, Trust, Verdict,
};

use serde::{Deserialize, Serialize};

/// The only protocol version this crate speaks; both sides check it.
pub const PROTOCOL_VERSION: u32 = 1;

/// The outer shape of every request: `{"blobs":[…],"check":"trust","facts":{…},"version":1}`.
///
/// `F` is the facts: the guest reads them as a `serde_json::Value` first (it types them once it
/// knows the check); the host writes one of the typed facts below, borrowed.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope<F> {
    /// Lengths of the raw blobs that follow the envelope line, in order.
    #[serde(default)]
    pub blobs: Vec<u64>,
    pub check: String,
    pub facts: F,
    pub version: u32,
}

/// The check a request is for, and the name it has on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    Trust,
    Drift,
    Pin,
    Approvals,
    Checklist,
    Policy,
    /// `gitea-gate policy test DIR`: a policy against recorded cases, offline.
    PolicyTest,
}

impl Check {
    pub const ALL: [Check; 7] =
        [Check::Trust, Check::Drift, Check::Pin, Check::Approvals, Check::Checklist, Check::Policy, Check::PolicyTest];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Trust => "trust",
            Check::Drift => "drift",
            Check::Pin => "pin",
            Check::Approvals => "approvals",
            Check::Checklist => "checklist",
            Check::Policy => "policy",
            Check::PolicyTest => "policy-test",
        }
    }

    pub fn from_name(name: &str) -> Option<Check> {
        Check::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

/// The facts of one request, typed by its check. The host builds one and writes it as the
/// envelope's `facts`; the guest reads `facts` back into the variant that `check` names.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Facts {
    Trust(TrustFacts),
    Drift(DriftFacts),
    Pin(PinFacts),
    Approvals(ApprovalFacts),
    Checklist(ChecklistFacts),
    Policy(PolicyFacts),
    PolicyTest(PolicyTestFacts),
}

impl Facts {
    /// The check these facts are for.
    pub fn check(&self) -> Check {
        match self {
            Facts::Trust(_) => Check::Trust,
            Facts::Drift(_) => Check::Drift,
            Facts::Pin(_) => Check::Pin,
            Facts::Approvals(_) => Check::Approvals,
            Facts::Checklist(_) => Check::Checklist,
            Facts::Policy(_) => Check::Policy,
            Facts::PolicyTest(_) => Check::PolicyTest,
        }
    }

    /// Type the `facts` of an envelope whose `check` is `check`.
    pub fn from_value(check: Check, facts: serde_json::Value) -> Result<Facts, serde_json::Error> {
        Ok(match check {
            Check::Trust => Facts::Trust(serde_json::from_value(facts)?),
            Check::Drift => Facts::Drift(serde_json::from_value(facts)?),
            Check::Pin => Facts::Pin(serde_json::from_value(facts)?),
            Check::Approvals => Facts::Approvals(serde_json::from_value(facts)?),
            Check::Checklist => Facts::Checklist(serde_json::from_value(facts)?),
            Check::Policy => Facts::Policy(serde_json::from_value(facts)?),
            Check::PolicyTest => Facts::PolicyTest(serde_json::from_value(facts)?),
        })
    }
}

#[cfg(test)]
mod tests;
