//! The review-rule engine (docs/policy.md): a policy file of path-scoped review rules and
//! CODEOWNERS requirements, parsed (`file.rs`, `codeowners.rs`, `glob.rs`) and evaluated against
//! typed facts (`eval.rs`, `standing.rs`). The gates that use it — the policy gate
//! (`checks/policy/`) and approvals — live in `checks/`; `case.rs` runs `policy test` cases.
pub mod case;
pub mod codeowners;
pub mod eval;
pub mod facts;
pub mod file;
pub mod glob;
pub mod standing;
