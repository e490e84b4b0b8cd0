//! `xtask release [MODE]`: build the release binaries and the checksum list install.sh trusts;
//! check that a build is reproducible and that both architectures decide identically; cut and
//! publish a release. Each mode is a function; modes call each other, never a shell.
//!
//!   all | x86_64 | aarch64   build, selftest, write release/SHA256SUMS and release/VERDICTS
//!                            (default: all; sums.rs)
//!   identity                 both arches built and selftested (aarch64 under qemu-aarch64), the
//!                            verdict digests equal; then `names`; writes nothing under release/
//!                            (CI runs this; selftest.rs)
//!   names                    the static x86_64 binary reaches the fake Gitea by host name (hosts
//!                            file, loopback DNS) without NSS (selftest.rs)
//!   reproducible             x86_64 built from this checkout and from a clone at another path,
//!                            byte-identical (reproducible.rs)
//!   ci                       identity, honest, then the release workflow under act, timed
//!                            (scripts/test.sh runs it beside its other steps; ci.rs)
//!   verify [DIR]             rebuild every asset release/SHA256SUMS names and compare: anyone can
//!                            check a published binary against the source at its tag (verify.rs)
//!   honest                   main never claims a release it is not (honest.rs)
//!   prepare X.Y.Z [NEXT]     cut a release: version, CHANGELOG, both arches, commit, tag, main to
//!                            NEXT; pushing is yours (prepare.rs)
//!   publish [TAG]            what .gitea/workflows/release.yml runs on a tag push: rebuild, prove,
//!                            publish, move-major (publish.rs)
//!   move-major TAG           point the major tag (v1 for v1.4.2) at TAG on origin, only forward
//!                            (major.rs)
//!
//! docs/releasing.md tells the maintainer's side (one command, one push) and what the workflow
//! proves.
//!
//! Reproducible builds: the same source gives the same bytes, whatever the checkout path and
//! CARGO_HOME. What makes it hold: the toolchains are pinned (rust-toolchain.toml for x86_64,
//! Debian's rustc-web for aarch64, whose version the release notes record), dependencies are
//! --locked, cargo hands rustc the workspace's sources by relative path and the registry's are
//! remapped (build.rs: --remap-path-prefix CARGO_HOME=/cargo), `strip = true` drops debug info, the host's build.rs embeds nothing
//! but committed files (the guest, the corpus) and their digests, codegen is deterministic for a
//! fixed codegen-units, and so is Cranelift's precompiling of the guest (a host test proves two
//! compiles equal). The release workflow's end-to-end test (`ci`) proves the path independence of
//! both binaries on every CI run.
//!
//! Prerequisites: x86_64 needs rustup's toolchain only; aarch64 needs Debian's cross toolchain and
//! qemu (scripts/prereqs.sh --install arm64 installs them):
//!   dpkg --add-architecture arm64
//!   apt-get install libstd-rust-web-dev:arm64 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
//!
//! Environment: CARGO_TARGET_DIR, when set, is the target directory of every build here (default
//! target/): the end-to-end test of the release workflow points it at the CI build's, so the
//! rebuild from a copy of the tree reuses what is compiled and the comparison still covers every
//! byte. GITEA_GATE_AOT_WAIT=SECONDS: another process makes the machine code (machine_code.rs).

mod build;
mod ci;
mod honest;
mod machine_code;
mod major;
mod prepare;
mod publish;
mod reproducible;
mod selftest;
mod ship;
mod sums;
mod verify;

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::workspace::{cargo_home, target_dir, version};

/// Both release architectures, x86_64 first: its build is the shorter.
pub const ARCHES: [&str; 2] = ["x86_64", "aarch64"];

#[derive(Debug, Subcommand)]
pub enum Mode {
    /// Build both arches, selftest, write release/SHA256SUMS and release/VERDICTS
    All,
    /// Like `all`, x86_64 only
    #[command(name = "x86_64")]
    X86_64,
    /// Like `all`, aarch64 only
    Aarch64,
    /// Both arches decide identically (aarch64 under qemu), then `names`; writes nothing under release/
    Identity,
    /// The static x86_64 binary resolves host names without NSS
    Names,
    /// x86_64 built from two checkout paths is byte-identical
    Reproducible,
    /// identity, honest, then the release workflow under act (scripts/test.sh's release lane)
    Ci,
    /// Rebuild every asset release/SHA256SUMS names (into DIR, default a scratch directory) and compare
    Verify { dir: Option<PathBuf> },
    /// Main's version and release/SHA256SUMS agree with what was just built in dist/
    Honest,
    /// Cut a release: version, CHANGELOG, both arches, commit, tag vX.Y.Z, then main to NEXT (default X.Y.(Z+1)-dev)
    Prepare { version: String, next: Option<String> },
    /// Rebuild from TAG (default: GITHUB_REF_NAME), prove, publish, move the major tag
    Publish { tag: Option<String> },
    /// Point the major tag at TAG on origin, unless a pre-release or an older backport
    MoveMajor { tag: String },
}

/// What every mode works with: the checkout, its version, the target directory, CARGO_HOME.
#[derive(Clone)]
pub struct Release {
    pub root: PathBuf,
    pub version: String,
    pub target: PathBuf,
    pub cargo_home: PathBuf,
}

impl Release {
    /// The released name of an arch's binary; install.sh asks for the same names.
    pub fn asset_name(&self, arch: &str) -> String {
        asset_name(&self.version, arch)
    }

    /// dist/'s binary of an arch, relative to the root (the current directory).
    pub fn dist(&self, arch: &str) -> PathBuf {
        Path::new("dist").join(self.asset_name(arch))
    }
}

pub fn asset_name(version: &str, arch: &str) -> String {
    format!("gitea-gate-{version}-{arch}-linux")
}

/// The arch of `version`'s asset `name` (gitea-gate-VERSION-ARCH-linux), if it is one. An arch
/// has no `-`, so a pre-release's assets (gitea-gate-1.2.0-rc.1-…) are never 1.2.0's.
pub fn arch_of<'a>(name: &'a str, version: &str) -> Option<&'a str> {
    let arch = name.strip_prefix("gitea-gate-")?.strip_prefix(version)?.strip_prefix('-')?.strip_suffix("-linux")?;
    (!arch.is_empty() && !arch.contains('-')).then_some(arch)
}

pub fn triple(arch: &str) -> String {
    format!("{arch}-unknown-linux-gnu")
}

pub fn run(root: &Path, mode: Mode) -> Result<(), String> {
    // Relative paths (dist/, release/) mean the checkout's, in messages as in files.
    std::env::set_current_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let r = Release {
        root: root.to_path_buf(),
        version: version(root)?,
        target: target_dir(root),
        cargo_home: cargo_home(),
    };
    match mode {
        Mode::All => sums::build_and_list(&r, &ARCHES),
        Mode::X86_64 => sums::build_and_list(&r, &["x86_64"]),
        Mode::Aarch64 => sums::build_and_list(&r, &["aarch64"]),
        Mode::Identity => selftest::identity(&r),
        Mode::Names => selftest::names_mode(&r),
        Mode::Reproducible => reproducible::reproducible(&r),
        Mode::Ci => ci::ci(&r),
        Mode::Verify { dir } => verify::verify(&r, dir.as_deref()),
        Mode::Honest => honest::honest(&r),
        Mode::Prepare { version, next } => prepare::prepare(&r, &version, next.as_deref()),
        Mode::Publish { tag } => publish::publish(&r, tag),
        Mode::MoveMajor { tag } => major::move_major(&tag),
    }
}

#[cfg(test)]
mod tests {
    use super::{arch_of, asset_name};

    #[test]
    fn asset_names_carry_version_and_arch() {
        assert_eq!(asset_name("1.2.0", "x86_64"), "gitea-gate-1.2.0-x86_64-linux");
        assert_eq!(arch_of("gitea-gate-1.2.0-aarch64-linux", "1.2.0"), Some("aarch64"));
        assert_eq!(arch_of("gitea-gate-1.2.0-rc.1-x86_64-linux", "1.2.0"), None);
        assert_eq!(arch_of("gitea-gate-1.2.0-rc.1-x86_64-linux", "1.2.0-rc.1"), Some("x86_64"));
        assert_eq!(arch_of("gitea-gate-1.2.0--linux", "1.2.0"), None);
        assert_eq!(arch_of("SHA256SUMS", "1.2.0"), None);
    }
}
