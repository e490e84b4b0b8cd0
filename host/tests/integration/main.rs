//! The host's integration tests, as one binary: each module was its own test target, and each
//! linked wasmtime, so building them cost one link (and about 200 MB) apiece. Run a part of it
//! with a name filter, e.g. `cargo test -p gitea-gate --test integration cli_drift::`.
//!
//! `sandbox` and `corpus` compile wasm at run time and need the `jit` feature (a default one).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

// Shared helpers.
mod common;
mod release_server;
mod world;

mod action_scripts;
mod bad_local_input;
mod budgets;
mod cli_approvals;
mod cli_base_merges;
mod cli_checklist;
mod cli_contributors;
mod cli_drift;
mod cli_pin;
mod cli_policy;
mod cli_replay;
mod cli_review_requests;
mod cli_server_versions;
mod cli_shared_head;
mod cli_status;
mod cli_sweep;
mod cli_trust;
mod cli_volume;
mod confinement;
#[cfg(feature = "jit")]
mod corpus;
mod docs;
mod e2e_act;
mod e2e_release;
mod fault_matrix;
mod guest_artifact;
mod injection;
mod layers;
mod prerequisites;
mod resolve;
#[cfg(feature = "jit")]
mod sandbox;
mod secrets;
mod step_summary;
mod tls;
mod user_output;
