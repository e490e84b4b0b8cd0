//! One check per file. Each exposes its facts type and `evaluate(facts) -> Verdict`.
pub mod approvals;
pub mod checklist;
pub mod drift;
pub mod pin;
pub mod policy;
pub mod trust;
