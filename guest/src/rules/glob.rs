//! The policy file's globs (`paths`, `ignore`, `target_branches`): `*` matches within one path
//! segment, `**` across segments (a whole segment only: `**/x`, `a/**`, `a/**/b`), `?` one
//! character other than `/`; everything else is literal. A glob is anchored to the whole
//! repo-relative path (or branch name).
//!
//! A glob is translated to a `regex` program, so matching is linear in the path (no backtracking,
//! however many stars a pattern has).

use regex::Regex;

/// A compiled glob.
#[derive(Debug, Clone)]
pub struct Glob {
    source: String,
    regex: Regex,
}

/// Why a glob is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadGlob(pub String);

impl Glob {
    pub fn new(glob: &str) -> Result<Glob, BadGlob> {
        if glob.is_empty() {
            return Err(BadGlob("an empty glob matches nothing".to_owned()));
        }
        if glob.starts_with('/') {
            return Err(BadGlob("paths are repo-relative: drop the leading `/`".to_owned()));
        }
        if glob.contains('\\') {
            return Err(BadGlob("`\\` has no meaning in a glob; paths use `/`".to_owned()));
        }
        if glob.contains("//") {
            return Err(BadGlob("an empty path segment (`//`) matches nothing".to_owned()));
        }
        let segments: Vec<&str> = glob.split('/').collect();
        let last = segments.len() - 1;
        let mut re = String::with_capacity(glob.len() * 2 + 8);
        re.push('^');
        for (i, segment) in segments.iter().enumerate() {
            if *segment == "**" {
                // `**/` at the start or in the middle: zero or more whole segments;
                // a final `/**`: the folder's contents at any depth.
                if i == last {
                    if i == 0 {
                        re.push_str(".*");
                    } else {
                        re.push_str("(?:/.*)?");
                    }
                } else {
                    if i > 0 {
                        re.push('/');
                    }
                    re.push_str("(?:[^/]*/)*");
                }
                continue;
            }
            if segment.contains("**") {
                return Err(BadGlob(format!(
                    "`**` must be a whole path segment (`a/**/b`), not part of `{segment}`; use `*` within a segment"
                )));
            }
            let after_globstar = i > 0 && segments.get(i - 1) == Some(&"**") && i - 1 != last;
            if i > 0 && !after_globstar {
                re.push('/');
            }
            for ch in segment.chars() {
                match ch {
                    '*' => re.push_str("[^/]*"),
                    '?' => re.push_str("[^/]"),
                    c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
                }
            }
        }
        re.push('$');
        let regex = Regex::new(&re).map_err(|e| BadGlob(format!("cannot compile: {e}")))?;
        Ok(Glob { source: glob.to_owned(), regex })
    }

    pub fn matches(&self, path: &str) -> bool {
        self.regex.is_match(path)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(glob: &str, path: &str) -> bool {
        Glob::new(glob).expect("glob").matches(path)
    }

    #[test]
    fn stars_and_globstars() {
        let yes = [
            ("auth/**", "auth/login.go"),
            ("auth/**", "auth/a/b/c.go"),
            ("auth/**", "auth"),
            ("**/*.md", "README.md"),
            ("**/*.md", "docs/a/b.md"),
            ("**", "anything/at/all"),
            ("docs/*.md", "docs/x.md"),
            ("a/**/b", "a/b"),
            ("a/**/b", "a/x/y/b"),
            ("release/*", "release/1.0"),
            ("main", "main"),
            ("?.txt", "a.txt"),
            ("a.b+c(d)", "a.b+c(d)"),
        ];
        let no = [
            ("auth/**", "authz/x"),
            ("auth/**", "src/auth/x"),
            ("docs/*.md", "docs/a/x.md"),
            ("*.md", "docs/x.md"),
            ("release/*", "release/1/2"),
            ("main", "main2"),
            ("?.txt", "ab.txt"),
            ("?.txt", "/.txt"),
            ("a/**/b", "a/xb"),
            ("a.b", "axb"),
        ];
        for (g, p) in yes {
            assert!(m(g, p), "{g} should match {p}");
        }
        for (g, p) in no {
            assert!(!m(g, p), "{g} should not match {p}");
        }
    }

    #[test]
    fn bad_globs_say_why() {
        for (g, want) in
            [("", "empty"), ("/auth/**", "leading"), ("a**", "whole path segment"), ("a\\b", "`\\`"), ("a//b", "//")]
        {
            let err = Glob::new(g).expect_err(g);
            assert!(err.0.contains(want), "{g}: {}", err.0);
        }
    }

    #[test]
    fn many_stars_stay_linear() {
        let glob = Glob::new(&"*a".repeat(200)).expect("glob");
        let path = "a".repeat(10_000) + "b";
        let started = std::time::Instant::now();
        assert!(!glob.matches(&path));
        assert!(started.elapsed().as_secs() < 2);
    }
}
