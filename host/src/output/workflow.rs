//! Workflow commands (`::error::`, `::warning::`, `::stop-commands::`), escaped exactly as
//! actions/toolkit escapes them, and the fence that keeps untrusted text from being read as a
//! command.
//!
//! Runners (act, act_runner: `^::([^ :]+)( .*)?::(.*)$`, docs/gitea.md §8.2) treat any stdout line
//! that starts with `::` as a command, including the deprecated `::set-output`, which Gitea still
//! honours. Text from PRs, comments, file contents or usernames must never start such a line, so
//! every block that may carry it is printed between `::stop-commands::<token>` and `::<token>::`,
//! with a token the text's author cannot predict.

use std::fs::File;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;

/// Escape a command's message (toolkit `escapeData`).
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escape a command property value (toolkit `escapeProperty`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::<command> title=<title>::<message>`
pub fn command(name: &str, title: &str, message: &str) -> String {
    format!("::{name} title={}::{}", escape_property(title), escape_data(message))
}

/// 32 hex characters from the OS random source. Used for stop-commands tokens and output
/// delimiters; falls back to std's randomly keyed hasher if /dev/urandom is unavailable.
pub fn random_token() -> String {
    let mut bytes = [0u8; 16];
    let from_os = File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes)).is_ok();
    if !from_os {
        for chunk in bytes.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u128(
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()),
            );
            chunk.copy_from_slice(&hasher.finish().to_le_bytes()[..chunk.len()]);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lines wrapped so that a runner processes none of them as a command.
pub fn fenced(lines: &[String]) -> Vec<String> {
    let token = random_token();
    let mut out = Vec::with_capacity(lines.len() + 2);
    out.push(format!("::stop-commands::{token}"));
    out.extend(lines.iter().cloned());
    out.push(format!("::{token}::"));
    out
}

/// Whether `ch` must not reach a log line as itself: C0 and C1 controls (line breaks, ESC — so no
/// ANSI colour or OSC-8 hyperlink sequence —, NEL), the Unicode line and paragraph separators,
/// and the bidi controls that make a line read differently from its bytes (overrides and
/// embeddings U+202A–U+202E, isolates U+2066–U+2069, and the marks U+200E, U+200F, U+061C).
pub fn is_unsafe_char(ch: char) -> bool {
    ch.is_control()
        || matches!(ch, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(ch, '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// A line made printable: every [`is_unsafe_char`] (which could split the line, drive a terminal
/// or reorder what a reader sees) shown as a `\u{…}` escape.
pub fn printable(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for ch in line.chars() {
        if is_unsafe_char(ch) {
            out.push_str(&ch.escape_unicode().to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_actions_toolkit() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(
            command("error", "gitea-gate drift: x,y", "line1\nline2"),
            "::error title=gitea-gate drift%3A x%2Cy::line1%0Aline2"
        );
    }

    #[test]
    fn tokens_are_fresh_and_hex() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn fence_wraps_lines() {
        let lines = fenced(&["::set-output name=verdict::pass".to_owned()]);
        let token = lines[0].strip_prefix("::stop-commands::").expect("opening");
        assert_eq!(lines[2], format!("::{token}::"));
    }

    #[test]
    fn printable_breaks_no_line() {
        assert_eq!(printable("a\nb\r\u{2028}"), "a\\u{a}b\\u{d}\\u{2028}");
    }

    #[test]
    fn printable_escapes_terminal_and_bidi_controls() {
        let osc8 = "\u{1b}]8;;https://evil.example\u{7}click\u{1b}]8;;\u{7}";
        assert_eq!(printable(osc8), "\\u{1b}]8;;https://evil.example\\u{7}click\\u{1b}]8;;\\u{7}");
        assert_eq!(printable("\u{1b}[2J\u{9b}31m\u{85}"), "\\u{1b}[2J\\u{9b}31m\\u{85}");
        for ch in
            ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            assert_eq!(printable(&format!("a{ch}b")), format!("a{}b", ch.escape_unicode()));
        }
        assert_eq!(printable("naïve ✓ 日本"), "naïve ✓ 日本", "ordinary text is kept");
    }
}
