//! release/SHA256SUMS (sha256sum's format, sorted by name: what install.sh verifies downloads
//! against, as committed at the tag being run) and release/VERDICTS (the digest selftest must
//! print on every runner; install.sh checks it after a download).

use std::fs;
use std::path::Path;

use super::build::build;
use super::machine_code::machine_code;
use super::selftest::identical_digests;
use super::ship::ship;
use super::{Release, arch_of};
use crate::workspace::{create_dir, read_text, sha256_file};

pub const SUMS: &str = "release/SHA256SUMS";
pub const VERDICTS: &str = "release/VERDICTS";

/// One line of SHA256SUMS.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    pub sha256: String,
    pub name: String,
}

/// `all`, `x86_64`, `aarch64`: build, ship and selftest `arches`, then list every asset dist/
/// holds for this version in SHA256SUMS and the verdict digest in VERDICTS.
pub fn build_and_list(r: &Release, arches: &[&str]) -> Result<(), String> {
    for arch in arches {
        build(r, arch, &r.root)?;
    }
    machine_code(r)?;
    for arch in arches {
        ship(r, arch, None)?;
    }
    let digest = identical_digests(r, arches).map_err(|e| format!("{e}\nnot releasing"))?;
    create_dir(Path::new("release"))?;
    // The checksum list covers every asset present in dist/ for this version.
    let mut listed = Vec::new();
    for name in dist_assets(&r.version)? {
        let path = Path::new("dist").join(&name);
        eprintln!("{}: {} bytes", path.display(), fs::metadata(&path).map_or(0, |m| m.len()));
        listed.push(Listed { sha256: sha256_file(&path)?, name });
    }
    let sums = render(&listed);
    fs::write(SUMS, &sums).map_err(|e| format!("{SUMS}: {e}"))?;
    fs::write(VERDICTS, format!("{digest}\n")).map_err(|e| format!("{VERDICTS}: {e}"))?;
    println!("{sums}{digest}");
    Ok(())
}

/// dist/'s files named like a release asset of `version` (gitea-gate-VERSION-ARCH-linux).
fn dist_assets(version: &str) -> Result<Vec<String>, String> {
    let entries = fs::read_dir("dist").map_err(|e| format!("dist: {e}"))?;
    let mut names = Vec::new();
    for entry in entries {
        let name = entry.map_err(|e| format!("dist: {e}"))?.file_name().to_string_lossy().into_owned();
        if arch_of(&name, version).is_some() {
            names.push(name);
        }
    }
    Ok(names)
}

/// SHA256SUMS' text: `<sha256>  <name>` lines sorted by name, as `sha256sum | sort -k2` gives.
pub fn render(listed: &[Listed]) -> String {
    let mut sorted = listed.to_vec();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted.iter().map(|l| format!("{}  {}\n", l.sha256, l.name)).collect()
}

/// The lines of a SHA256SUMS text (a `*` before the name, sha256sum's binary mark, is dropped).
pub fn parse(text: &str) -> Vec<Listed> {
    text.lines()
        .filter_map(|line| {
            let (sha256, name) = line.trim_end().split_once(char::is_whitespace)?;
            let name = name.trim_start().trim_start_matches('*');
            (!sha256.is_empty() && !name.is_empty())
                .then(|| Listed { sha256: sha256.to_owned(), name: name.to_owned() })
        })
        .collect()
}

/// The committed list, empty when there is none.
pub fn committed() -> Vec<Listed> {
    read_text(Path::new(SUMS)).map(|text| parse(&text)).unwrap_or_default()
}

/// The committed VERDICTS digest.
pub fn committed_verdict() -> Result<String, String> {
    Ok(verdict(&read_text(Path::new(VERDICTS))?).to_owned())
}

/// VERDICTS' digest: its first line, as selftest's last line prints it.
pub fn verdict(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{Listed, parse, render, verdict};

    fn listed(sha256: &str, name: &str) -> Listed {
        Listed { sha256: sha256.to_owned(), name: name.to_owned() }
    }

    #[test]
    fn sums_are_rendered_sorted_by_name_in_sha256sum_format() {
        let text =
            render(&[listed("bb", "gitea-gate-1.0.0-x86_64-linux"), listed("aa", "gitea-gate-1.0.0-aarch64-linux")]);
        assert_eq!(text, "aa  gitea-gate-1.0.0-aarch64-linux\nbb  gitea-gate-1.0.0-x86_64-linux\n");
        assert_eq!(
            parse(&text),
            [listed("aa", "gitea-gate-1.0.0-aarch64-linux"), listed("bb", "gitea-gate-1.0.0-x86_64-linux")]
        );
    }

    #[test]
    fn parsing_skips_blank_lines_and_drops_the_binary_mark() {
        assert_eq!(parse("\naa *gitea-gate-1.0.0-x86_64-linux\n\n"), [listed("aa", "gitea-gate-1.0.0-x86_64-linux")]);
        assert_eq!(parse("just-a-word\n"), []);
    }

    #[test]
    fn verdicts_is_the_selftest_line() {
        assert_eq!(verdict("verdict digest: ab12\n"), "verdict digest: ab12");
        assert_eq!(verdict(""), "");
    }
}
