//! gitea-gate's host: gathers facts (runner environment, event payload, files, Gitea API), asks
//! the sandboxed guest for a verdict, and acts on it (logs, outputs, report, status, exit code).

pub mod blob;
pub mod cli;
pub mod commands;
pub mod corpus;
pub mod engine_config;
pub mod env;
pub mod exit;
pub(crate) mod facts;
pub mod files;
pub(crate) mod gitea;
pub mod guest;
pub mod output;
pub(crate) mod parallel;
pub mod protocol;
pub mod record;
pub mod sandbox;
pub mod timings;
