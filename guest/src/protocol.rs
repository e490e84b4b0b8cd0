//! Protocol v1 as the guest uses it. Every type is defined once, in the `gitea-gate-protocol`
//! crate that the host shares (docs/architecture.md §2); this module names the guest's
//! instances: a verdict's codes are the guest's closed [`Code`] set.

use serde_json::Value;

pub use gitea_gate_protocol::{
    EventFacts, Lookup, MembershipProbe, Needs, Outcome, Owners, OwnersNamed, PROTOCOL_VERSION, ReviewRequest,
    RunContext, SecretFact, StatusText, Trust,
};

/// A request's outer shape, its facts still untyped until the check is known.
pub type Envelope = gitea_gate_protocol::Envelope<Value>;

/// The answer.
pub use gitea_gate_protocol::Verdict;
