//! Build and release tasks for gitea-gate that outgrew shell (`xtask --help` lists them):
//!
//! ```text
//! xtask build-guest [--check]                         the guest's wasm, built or proven byte-identical (build_guest.rs)
//! xtask precompile [--out DIR]                        the guest's machine code for every release target (aot.rs)
//! xtask attach BINARY --target TRIPLE --out FILE [--aot DIR]   BINARY with that target's machine code attached
//! xtask release [MODE]                                release binaries, checksums, proofs, publishing (release/)
//! xtask publish --tag vX.Y.Z --notes CHANGELOG ASSET...   the release of a tag, with its assets (publish.rs)
//! xtask changelog-release VERSION DATE                CHANGELOG.md's Unreleased section becomes VERSION's
//! ```
//!
//! Which checkout each task works on: cli.rs. What runs on runners without Rust stays shell:
//! scripts/install.sh and the action's scripts/action/; scripts/test.sh stays the one test command.

mod aot;
mod build_guest;
mod changelog;
mod cli;
mod guest_source;
mod process;
mod publish;
mod release;
mod workspace;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run(cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: error: {message}");
            ExitCode::from(2)
        }
    }
}
