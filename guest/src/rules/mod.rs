//! The policy gate's decision core (docs/policy.md): a policy file of path-scoped review rules and
//! CODEOWNERS enforcement, evaluated against typed facts.
pub mod case;
pub mod codeowners;
pub mod eval;
pub mod facts;
pub mod file;
pub mod glob;
pub mod standing;
