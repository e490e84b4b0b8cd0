//! The guest's findings: stable codes (one enum with the host's, in the protocol crate:
//! protocol/src/codes.rs) with a level and words.

pub use gitea_gate_protocol::Code;

pub use gitea_gate_protocol::Level;

/// One observation behind a verdict.
pub use gitea_gate_protocol::Finding;
