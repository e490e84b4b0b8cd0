//! CHANGELOG.md's sections: the one of a version (the release notes) and the move of
//! `## Unreleased` under a version heading (`xtask changelog-release`, run by
//! `xtask release prepare`).

use std::path::Path;

/// CHANGELOG.md (at the workspace root) with its Unreleased section moved under VERSION.
pub fn release_file(root: &Path, version: &str, date: &str) -> Result<(), String> {
    let path = root.join("CHANGELOG.md");
    let text = crate::workspace::read_text(&path)?;
    crate::workspace::write_whole(&path, release(&text, version, date)?.as_bytes())
}

/// The body of the section `## VERSION` (the heading may go on, e.g. `## 1.2.0 — 2026-12-07`),
/// without its heading, trimmed; `None` when there is no such section or it is empty.
pub fn section(text: &str, version: &str) -> Option<String> {
    let mut lines = text.lines();
    lines.find(|line| heading_version(line) == Some(version))?;
    let body: Vec<&str> = lines.take_while(|line| !line.starts_with("## ")).collect();
    let body = body.join("\n").trim().to_owned();
    (!body.is_empty()).then_some(body)
}

/// `## 1.2.0 — date` → `1.2.0`.
fn heading_version(line: &str) -> Option<&str> {
    line.strip_prefix("## ")?.split_whitespace().next()
}

/// `text` with its `## Unreleased` heading renamed `## VERSION — DATE` and a fresh, empty
/// `## Unreleased` above it. Refused when there is no Unreleased section with content (a release
/// says what changed) or the version has a section already.
pub fn release(text: &str, version: &str, date: &str) -> Result<String, String> {
    if text.lines().any(|line| heading_version(line) == Some(version)) {
        return Err(format!("CHANGELOG.md already has a section for {version}"));
    }
    if section(text, "Unreleased").is_none() {
        return Err(
            "CHANGELOG.md's `## Unreleased` section is missing or empty: say what this release changes".to_owned()
        );
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut done = false;
    for line in text.split_inclusive('\n') {
        if !done && heading_version(line) == Some("Unreleased") {
            out.push_str(&format!("## Unreleased\n\n## {version} — {date}\n"));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]
    use super::*;

    const LOG: &str =
        "# Changelog\n\nIntro.\n\n## Unreleased\n\n### Added\n\n- replay\n\n## 0.1.0 — 2026-06-01\n\n- first\n";

    #[test]
    fn a_section_is_read_up_to_the_next_heading() {
        assert_eq!(section(LOG, "0.1.0").as_deref(), Some("- first"));
        assert_eq!(section(LOG, "Unreleased").as_deref(), Some("### Added\n\n- replay"));
        assert_eq!(section(LOG, "0.1"), None, "versions match whole");
        assert_eq!(section(LOG, "9.9.9"), None);
    }

    #[test]
    fn releasing_moves_unreleased_under_the_version() {
        let released = release(LOG, "0.2.0", "2026-12-07").unwrap();
        assert!(released.contains("## Unreleased\n\n## 0.2.0 — 2026-12-07\n\n### Added\n\n- replay\n\n## 0.1.0"));
        assert_eq!(section(&released, "Unreleased"), None);
        assert_eq!(section(&released, "0.2.0").as_deref(), Some("### Added\n\n- replay"));
        assert!(release(&released, "0.2.0", "2026-12-08").unwrap_err().contains("already has a section"));
        assert!(release(&released, "0.3.0", "2026-12-08").unwrap_err().contains("missing or empty"));
    }
}
