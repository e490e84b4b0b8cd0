//! The command line: one subcommand per task, parsed by clap; `run` hands each to its module.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::publish::PublishArgs;
use crate::release::Mode;
use crate::workspace::{own_root, root};

#[derive(Debug, Parser)]
#[command(name = "xtask", about = "Build and release tasks for gitea-gate")]
pub struct Cli {
    #[command(subcommand)]
    pub task: Task,
}

#[derive(Debug, Subcommand)]
pub enum Task {
    /// Build the guest for wasm32-wasip1 into host/guest/ (the wasm, its sha256, PROVENANCE)
    BuildGuest {
        /// Rebuild and prove the committed artifact byte-identical instead (what CI runs)
        #[arg(long)]
        check: bool,
    },
    /// The committed guest's machine code for every release target
    Precompile {
        /// Where to write it (default: the target directory's guest-aot/)
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// BINARY with TRIPLE's machine code attached, written as FILE
    Attach {
        binary: PathBuf,
        #[arg(long, value_name = "TRIPLE")]
        target: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The precompiled machine code (default: the target directory's guest-aot/)
        #[arg(long, value_name = "DIR")]
        aot: Option<PathBuf>,
    },
    /// Release binaries, their checksums, the proofs CI runs, publishing (default mode: all)
    Release {
        #[command(subcommand)]
        mode: Option<Mode>,
    },
    /// Publish the release of a tag, with its assets, through the Gitea API
    Publish(PublishArgs),
    /// Move CHANGELOG.md's Unreleased section under VERSION, dated DATE
    ChangelogRelease { version: String, date: String },
}

pub fn parse() -> Cli {
    Cli::parse()
}

/// build-guest, release and changelog-release change or check the checkout holding the current
/// directory; precompile and attach use the committed wasm of the tree xtask was built from
/// (install.sh runs them from a runner's workspace); publishing reads only the files it is given.
pub fn run(cli: Cli) -> Result<(), String> {
    match cli.task {
        Task::BuildGuest { check } => crate::build_guest::build_guest(&root()?, check),
        Task::Precompile { out } => {
            let root = own_root();
            crate::aot::precompile_all(&root, &crate::aot::aot_dir(&root, out.as_deref()))
        }
        Task::Attach { binary, target, out, aot } => {
            let root = own_root();
            crate::aot::attach(&root, &binary, &target, &crate::aot::aot_dir(&root, aot.as_deref()), &out)
        }
        Task::Release { mode } => crate::release::run(&root()?, mode.unwrap_or(Mode::All)),
        Task::Publish(args) => crate::publish::publish(&args),
        Task::ChangelogRelease { version, date } => crate::changelog::release_file(&root()?, &version, &date),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails by panicking")]

    use clap::Parser;

    use super::{Cli, Task};
    use crate::release::Mode;

    fn parse(args: &[&str]) -> Result<Task, clap::Error> {
        Cli::try_parse_from(std::iter::once("xtask").chain(args.iter().copied())).map(|cli| cli.task)
    }

    #[test]
    fn release_modes_parse_with_their_arguments() {
        assert!(matches!(parse(&["release"]).unwrap(), Task::Release { mode: None }));
        assert!(matches!(parse(&["release", "x86_64"]).unwrap(), Task::Release { mode: Some(Mode::X86_64) }));
        assert!(matches!(parse(&["release", "aarch64"]).unwrap(), Task::Release { mode: Some(Mode::Aarch64) }));
        assert!(matches!(
            parse(&["release", "verify"]).unwrap(),
            Task::Release { mode: Some(Mode::Verify { dir: None }) }
        ));
        let Task::Release { mode: Some(Mode::Prepare { version, next }) } =
            parse(&["release", "prepare", "1.4.0", "1.5.0-dev"]).unwrap()
        else {
            panic!("prepare")
        };
        assert_eq!((version.as_str(), next.as_deref()), ("1.4.0", Some("1.5.0-dev")));
        let Task::Release { mode: Some(Mode::MoveMajor { tag }) } =
            parse(&["release", "move-major", "v1.2.3"]).unwrap()
        else {
            panic!("move-major")
        };
        assert_eq!(tag, "v1.2.3");
        assert!(matches!(
            parse(&["release", "publish"]).unwrap(),
            Task::Release { mode: Some(Mode::Publish { tag: None }) }
        ));
    }

    #[test]
    fn unknown_modes_and_missing_arguments_are_refused() {
        assert!(parse(&["release", "everything"]).is_err());
        assert!(parse(&["release", "prepare"]).is_err(), "prepare needs a version");
        assert!(parse(&["release", "move-major"]).is_err(), "move-major needs a tag");
        assert!(parse(&["attach", "bin", "--out", "x"]).is_err(), "attach needs --target");
        assert!(parse(&["build-guest", "--force"]).is_err());
    }

    #[test]
    fn build_guest_and_publish_parse() {
        assert!(matches!(parse(&["build-guest", "--check"]).unwrap(), Task::BuildGuest { check: true }));
        assert!(matches!(parse(&["build-guest"]).unwrap(), Task::BuildGuest { check: false }));
        let Task::Publish(args) = parse(&["publish", "--tag", "v1.0.0", "--notes", "CHANGELOG.md", "a", "b"]).unwrap()
        else {
            panic!("publish")
        };
        assert_eq!((args.tag.as_str(), args.assets.len()), ("v1.0.0", 2));
    }
}
