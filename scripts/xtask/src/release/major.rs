//! `move-major TAG`: point the major tag (v1 for v1.4.2) at TAG on origin, unless TAG is a
//! pre-release (never what `@v1` runs) or origin has a newer vMAJOR.x.y release tag (a backport
//! released after a newer minor stays behind it).

use std::process::Command;

use crate::process::{capture, run};

pub fn move_major(tag: &str) -> Result<(), String> {
    let Some((major, prerelease)) = parse_tag(tag) else {
        return Err(format!("usage: xtask release move-major vX.Y.Z (got '{tag}')"));
    };
    let major = format!("v{major}");
    if prerelease {
        eprintln!("{tag} is a pre-release: {major} stays where it is");
        return Ok(());
    }
    let commit =
        capture(Command::new("git").args(["rev-parse", "-q", "--verify", &format!("refs/tags/{tag}^{{commit}}")]))
            .map_err(|_| format!("no tag {tag} in this checkout"))?;
    let commit = commit.trim();
    let remote = capture(Command::new("git").args([
        "ls-remote",
        "--tags",
        "--refs",
        "origin",
        &format!("refs/tags/{major}.*"),
    ]))?;
    let tags: Vec<&str> = remote.lines().filter_map(|l| l.split_once("refs/tags/").map(|(_, t)| t)).collect();
    if let Some(newer) = newer_release(&tags, &major, tag) {
        eprintln!("{major} stays at {newer}, which is newer than {tag}");
        return Ok(());
    }
    run(Command::new("git").args(["push", "--force", "--quiet", "origin", &format!("{commit}:refs/tags/{major}")]))?;
    eprintln!("ok: {major} now names {tag} ({commit})");
    Ok(())
}

/// vMAJOR.MINOR.PATCH[-…]: the major number and whether it is a pre-release.
pub fn parse_tag(tag: &str) -> Option<(u64, bool)> {
    let rest = tag.strip_prefix('v')?;
    let (core, prerelease) = match rest.split_once('-') {
        Some((core, _)) => (core, true),
        None => (rest, false),
    };
    let numbers = release_numbers(core)?;
    Some((numbers[0], prerelease))
}

/// MAJOR.MINOR.PATCH as numbers.
fn release_numbers(core: &str) -> Option<[u64; 3]> {
    let parts: Vec<&str> = core.split('.').collect();
    let [a, b, c] = parts.as_slice() else { return None };
    let number = |s: &str| s.bytes().all(|b| b.is_ascii_digit()).then(|| s.parse().ok()).flatten();
    Some([number(a)?, number(b)?, number(c)?])
}

/// The newest vMAJOR.x.y release tag among `tags`, when it is newer than `tag` (then the major
/// tag stays there). Pre-release tags and other majors do not count.
pub fn newer_release<'a>(tags: &[&'a str], major: &str, tag: &str) -> Option<&'a str> {
    let numbers =
        |t: &str| t.strip_prefix(major)?.strip_prefix('.').and_then(|rest| release_numbers(&format!("0.{rest}")));
    let newest = tags.iter().filter_map(|t| Some((numbers(t)?, *t))).max()?;
    let mine = numbers(tag)?;
    (newest.0 > mine).then_some(newest.1)
}

#[cfg(test)]
mod tests {
    use super::{newer_release, parse_tag};

    #[test]
    fn tags_give_their_major_and_prerelease() {
        assert_eq!(parse_tag("v1.4.2"), Some((1, false)));
        assert_eq!(parse_tag("v2.0.0-rc.1"), Some((2, true)));
        for bad in ["main", "1.4.2", "v1.4", "v1.x.2", "v1.4.2.1"] {
            assert_eq!(parse_tag(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_major_tag_moves_only_forward() {
        let tags = ["v1.0.0", "v1.1.0", "v1.0.1", "v1.2.0-rc.1", "v2.0.0", "v1"];
        assert_eq!(newer_release(&tags, "v1", "v1.0.1"), Some("v1.1.0"), "a backport stays behind");
        assert_eq!(newer_release(&tags, "v1", "v1.1.0"), None, "the newest (a re-run) moves it");
        assert_eq!(newer_release(&tags, "v1", "v1.2.0"), None, "a pre-release tag is not newer");
        assert_eq!(newer_release(&tags, "v2", "v2.0.0"), None);
        assert_eq!(newer_release(&["v1.10.0", "v1.9.0"], "v1", "v1.9.0"), Some("v1.10.0"), "versions sort by number");
        assert_eq!(newer_release(&["v10.0.0"], "v1", "v1.0.0"), None, "v10 is another major");
    }
}
