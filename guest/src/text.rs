//! Making untrusted text (names from payloads, paths, logins) safe to put in a message.
//!
//! Messages end up as log lines, commit-status descriptions and `$GITHUB_OUTPUT` values. Text that
//! came from a PR author must not be able to break a line (and so start a workflow command on a
//! fresh line), nor flood the log. The host escapes again for workflow commands; this is the
//! guest's half: one line, bounded length, control characters made visible.

/// At most this many characters of one untrusted value end up in a message.
pub const MAX_FIELD_CHARS: usize = 120;

/// Render `raw` as a single line of at most [`MAX_FIELD_CHARS`] characters: control and
/// line-separator characters are shown as escapes (`\n`, `\u{2028}`), and so are ESC (no ANSI or
/// OSC-8 sequence reaches a log) and the bidi controls (overrides and embeddings U+202A–U+202E,
/// isolates U+2066–U+2069, marks U+200E/U+200F/U+061C); overlong text is cut with `…`.
pub fn one_line(raw: &str) -> String {
    one_line_of(raw, MAX_FIELD_CHARS)
}

/// [`one_line`] with another bound on the characters kept.
pub fn one_line_of(raw: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(raw.len().min(max_chars + 8));
    for (count, ch) in raw.chars().enumerate() {
        if count == max_chars {
            out.push('…');
            break;
        }
        match ch {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control()
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}') =>
            {
                out.push_str(&c.escape_unicode().to_string());
            }
            c => out.push(c),
        }
    }
    out
}

/// Join at most `shown` items with `, `, then `+N` for the rest (`a, b, c, +4`).
pub fn join_bounded<S: AsRef<str>>(items: &[S], shown: usize) -> String {
    let mut parts: Vec<String> = items.iter().take(shown).map(|s| s.as_ref().to_owned()).collect();
    if items.len() > shown {
        parts.push(format!("+{}", items.len() - shown));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_escapes_breaks_and_controls() {
        let cases = [
            ("plain", "plain"),
            ("a\nb", "a\\nb"),
            ("a\r\n::set-output name=x::y", "a\\r\\n::set-output name=x::y"),
            ("tab\there", "tab\\there"),
            ("nul\0", "nul\\u{0}"),
            ("ls\u{2028}x", "ls\\u{2028}x"),
            ("\u{1b}]8;;https://x\u{7}a\u{1b}]8;;\u{7}", "\\u{1b}]8;;https://x\\u{7}a\\u{1b}]8;;\\u{7}"),
            ("csi\u{9b}2J", "csi\\u{9b}2J"),
            ("rlo\u{202e}txt.exe", "rlo\\u{202e}txt.exe"),
            ("\u{202a}\u{202d}\u{2066}\u{2069}", "\\u{202a}\\u{202d}\\u{2066}\\u{2069}"),
            ("rlm\u{200f}", "rlm\\u{200f}"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(one_line(raw), want, "input {raw:?}");
        }
    }

    #[test]
    fn one_line_bounds_length() {
        let long = "x".repeat(MAX_FIELD_CHARS * 3);
        let shown = one_line(&long);
        assert_eq!(shown.chars().count(), MAX_FIELD_CHARS + 1);
        assert!(shown.ends_with('…'));
        assert_eq!(one_line(&"y".repeat(MAX_FIELD_CHARS)).chars().count(), MAX_FIELD_CHARS);
    }

    #[test]
    fn join_bounded_counts_the_rest() {
        assert_eq!(join_bounded(&["a", "b"], 3), "a, b");
        assert_eq!(join_bounded(&["a", "b", "c"], 3), "a, b, c");
        assert_eq!(join_bounded(&["a", "b", "c", "d", "e"], 3), "a, b, c, +2");
        assert_eq!(join_bounded::<&str>(&[], 3), "");
    }
}
