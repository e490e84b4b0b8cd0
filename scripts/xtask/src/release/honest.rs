//! `honest`: main never claims a release it is not. A version without a pre-release part must
//! have its assets in release/SHA256SUMS, and any assets listed for this version must be the
//! binaries just built in dist/ (CI runs this after `identity`).

use std::path::Path;

use super::sums::{Listed, committed};
use super::{Release, arch_of};
use crate::workspace::sha256_file;

pub fn honest(r: &Release) -> Result<(), String> {
    let listed = listed_for(&committed(), &r.version);
    if listed.is_empty() {
        return no_assets(&r.version);
    }
    for entry in listed {
        let built = Path::new("dist").join(&entry.name);
        if !built.is_file() {
            return Err(format!("release/SHA256SUMS lists {}, but this build made no dist/{}", entry.name, entry.name));
        }
        let got = sha256_file(&built)?;
        if got != entry.sha256 {
            return Err(format!(
                "main says version {}, and release/SHA256SUMS lists {} as {}, but this tree builds {got}: a version's \
                 checksums are only true at its tag (xtask release prepare moves main to the next -dev version)",
                r.version, entry.name, entry.sha256
            ));
        }
        eprintln!("ok: dist/{} is what release/SHA256SUMS lists for {}", entry.name, r.version);
    }
    Ok(())
}

/// With nothing listed, only a pre-release version is honest.
fn no_assets(version: &str) -> Result<(), String> {
    if !is_prerelease(version) {
        return Err(format!(
            "Cargo.toml says {version}, a release version, but release/SHA256SUMS lists no asset of it: release with \
             xtask release prepare, or give main a pre-release version (X.Y.Z-dev)"
        ));
    }
    eprintln!("ok: {version} is a pre-release and release/SHA256SUMS claims nothing for it");
    Ok(())
}

/// The entries that are assets of `version` (gitea-gate-VERSION-ARCH-linux).
pub fn listed_for(sums: &[Listed], version: &str) -> Vec<Listed> {
    sums.iter().filter(|l| arch_of(&l.name, version).is_some()).cloned().collect()
}

pub fn is_prerelease(version: &str) -> bool {
    version.contains('-')
}

#[cfg(test)]
mod tests {
    use super::{is_prerelease, listed_for};
    use crate::release::sums::parse;

    #[test]
    fn only_this_versions_assets_count() {
        let sums = parse("aa  gitea-gate-1.2.0-x86_64-linux\nbb  gitea-gate-1.2.0-rc.1-x86_64-linux\n");
        let names = |v: &str| listed_for(&sums, v).into_iter().map(|l| l.name).collect::<Vec<_>>();
        assert_eq!(names("1.2.0"), ["gitea-gate-1.2.0-x86_64-linux"]);
        assert_eq!(names("1.2.0-rc.1"), ["gitea-gate-1.2.0-rc.1-x86_64-linux"]);
        assert!(names("1.3.0-dev").is_empty());
    }

    #[test]
    fn a_prerelease_has_a_dash() {
        assert!(is_prerelease("1.3.0-dev") && is_prerelease("1.2.0-rc.1"));
        assert!(!is_prerelease("1.2.0"));
    }
}
