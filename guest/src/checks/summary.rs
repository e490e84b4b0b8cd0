//! The job summary: a short Markdown rendering of a verdict — the verdict, a table of what
//! counted and what is missing, and the fix — that the host appends to `$GITHUB_STEP_SUMMARY`
//! (Gitea 1.27 renders it; older versions ignore the file: docs/gitea.md §8.4).
//!
//! It is rendered here, next to the other words, so that every build prints the same text. Every
//! piece of text but our fixed labels — the reason, each fix, each table cell, which carry logins,
//! file names, waiver reasons and titles — is one line with controls and bidi characters made
//! visible (as in log lines), set as a **code span** ([`code_span`]) with a backtick fence longer
//! than any backtick run inside. Backslash escapes are not enough: Gitea's renderer turns
//! `www.…`, `http(s)://…` and e-mail-like text into links, `@name` into mentions, `#123` into
//! references and `:name:` into emoji *after* Markdown, on the text — everywhere but in code
//! (docs/gitea.md §8.4). In a code span nothing forms, and HTML is shown, not parsed. In a table
//! cell `|` is escaped as `\|`, which GFM removes before it reads the cell, so a cell cannot split
//! its row.

use crate::findings::Level;
use crate::protocol::{Outcome, Verdict};
use crate::text::one_line_of;

/// At most this many table rows are shown; the rest are counted.
pub const MAX_ROWS: usize = 50;
/// One cell keeps at most this many characters of its value.
const MAX_CELL_CHARS: usize = 120;
/// The reason and each fix keep at most this many characters.
const MAX_PROSE_CHARS: usize = 600;
/// At most this many fixes are listed.
const MAX_FIXES: usize = 3;

/// `raw` as inert Markdown: one line of at most `max_chars` characters as a code span, its fence
/// one backtick longer than the longest run of backticks inside; `in_table` escapes `|`. Empty
/// text stays empty.
pub fn code_span(raw: &str, max_chars: usize, in_table: bool) -> String {
    let line = one_line_of(raw, max_chars);
    if line.is_empty() {
        return line;
    }
    let longest_run = line.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let body = if in_table { line.replace('|', "\\|") } else { line };
    // CommonMark strips one space from each end of a span's content that begins and ends with
    // one, and a span cannot begin or end with a backtick: pad in those cases (and only then).
    let pad = body.starts_with('`') || body.ends_with('`') || (body.starts_with(' ') && body.ends_with(' '));
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{body}{space}{fence}")
}

fn headline(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "✅ pass",
        Outcome::Fail => "❌ fail",
        Outcome::Skip => "⏭️ skip",
        Outcome::Error => "⚠️ error: could not decide",
    }
}

/// The table: a header row, then each row's cells (raw text, escaped here), at most [`MAX_ROWS`].
fn table(columns: &[&str], rows: &[Vec<String>], out: &mut String) {
    if columns.is_empty() || rows.is_empty() {
        return;
    }
    let line = |cells: &mut dyn Iterator<Item = String>| {
        let cells: Vec<String> = cells.collect();
        format!("| {} |\n", cells.join(" | "))
    };
    out.push_str(&line(&mut columns.iter().map(|c| (*c).to_owned())));
    out.push_str(&line(&mut columns.iter().map(|_| "---".to_owned())));
    for row in rows.iter().take(MAX_ROWS) {
        let cells =
            (0..columns.len()).map(|i| row.get(i).map_or(String::new(), |c| code_span(c, MAX_CELL_CHARS, true)));
        out.push_str(&line(&mut cells.into_iter()));
    }
    if rows.len() > MAX_ROWS {
        let more = format!("… and {} more", rows.len() - MAX_ROWS);
        let cells = (0..columns.len()).map(|i| if i == 0 { more.clone() } else { String::new() });
        out.push_str(&line(&mut cells.into_iter()));
    }
    out.push('\n');
}

/// The fixes: the help of every error and warning finding, once each, the deciding one first.
fn fixes(verdict: &Verdict) -> Vec<&str> {
    let mut helps: Vec<&str> = Vec::new();
    let decisive = verdict.findings.iter().rev().find(|f| f.code == verdict.code);
    let others = verdict.findings.iter().filter(|f| matches!(f.level, Level::Error | Level::Warning));
    for help in decisive.into_iter().chain(others).filter_map(|f| f.help.as_deref()) {
        if !helps.contains(&help) {
            helps.push(help);
        }
    }
    helps.truncate(MAX_FIXES);
    helps
}

/// Render the summary of `verdict` with its table, and carry it in the verdict.
pub fn attach(verdict: &mut Verdict, columns: &[&str], rows: Vec<Vec<String>>) {
    let mut out = format!("### gitea-gate {}: {}\n\n", verdict.check, headline(verdict.verdict));
    out.push_str(&format!("{}\n\n", code_span(&verdict.reason, MAX_PROSE_CHARS, false)));
    table(columns, &rows, &mut out);
    let fixes = fixes(verdict);
    if !fixes.is_empty() {
        out.push_str("**Fix:**\n\n");
        for fix in fixes {
            out.push_str(&format!("- {}\n", code_span(fix, MAX_PROSE_CHARS, false)));
        }
        out.push('\n');
    }
    out.push_str(&format!("_{} run_\n", verdict.trust.as_str()));
    verdict.summary = Some(out);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{Code, Finding};
    use crate::protocol::Trust;

    #[test]
    fn hostile_text_stays_text() {
        let cases = [
            ("alice", "`alice`"),
            ("a|b", "`a|b`"),
            ("`code`", "`` `code` ``"),
            ("a ``b`` c", "```a ``b`` c```"),
            (" both ", "`  both  `"),
            ("<img src=x onerror=alert(1)>", "`<img src=x onerror=alert(1)>`"),
            ("www.evil-login.example/reset", "`www.evil-login.example/reset`"),
            (
                "@acme/owners #123 :tada: https://x.example a@b.example",
                "`@acme/owners #123 :tada: https://x.example a@b.example`",
            ),
            ("line\nbreak", "`line\\nbreak`"),
            ("rlo\u{202e}gpj.exe", "`rlo\\u{202e}gpj.exe`"),
            ("", ""),
        ];
        for (raw, want) in cases {
            assert_eq!(code_span(raw, 120, false), want, "{raw:?}");
        }
        assert_eq!(code_span("a|b", 120, true), "`a\\|b`");
        assert_eq!(code_span(&"x".repeat(300), 120, false).chars().count(), 123);
    }

    /// Every piece of hostile text renders as one code span, whatever it holds: a Markdown
    /// parser (pulldown-cmark, GFM tables on) finds no link, no HTML and no text outside code.
    #[test]
    fn no_hostile_name_escapes_its_code_span() {
        use pulldown_cmark::{Event, Options, Parser, Tag};
        let names = [
            "www.evil-login.example/reset",
            "https://evil.example/x?a=b",
            "mallory@evil.example",
            "@acme/security",
            "#1",
            ":smile:",
            "`` ` ```",
            "<script>x</script>",
            "a | b | c",
            "[x](http://evil.example)",
            "![i](http://evil.example/i.png)",
            "**bold** _em_",
            "&lt;b&gt; &amp;",
            "  spaced  ",
            "\\` \\|",
        ];
        let mut v = verdict(Outcome::Fail);
        v.reason = names.join(" ");
        let rows: Vec<Vec<String>> = names.iter().map(|n| vec![(*n).to_owned(), (*n).to_owned()]).collect();
        attach(&mut v, &["who", "file"], rows);
        let summary = v.summary.unwrap_or_default();
        let mut own_text = String::new();
        for event in Parser::new_ext(&summary, Options::ENABLE_TABLES) {
            match event {
                Event::Start(Tag::Link { .. } | Tag::Image { .. }) | Event::Html(_) | Event::InlineHtml(_) => {
                    panic!("markup formed in:\n{summary}")
                }
                Event::Text(t) => own_text.push_str(&t),
                _ => {}
            }
        }
        for name in names {
            assert!(!own_text.contains(name.trim()), "{name:?} is outside a code span:\n{summary}");
        }
        let rows = summary.lines().filter(|l| l.starts_with('|')).count();
        assert_eq!(rows, names.len() + 2, "a cell split its row:\n{summary}");
    }

    fn verdict(outcome: Outcome) -> Verdict {
        let finding = Finding::new(Code::ApprovalsMissing, Level::Error, "0/1 qa approvals on #7")
            .help("ask a member of qa to review");
        let mut v = Verdict::new("approvals", outcome, Trust::Trusted, &finding);
        v.findings.push(finding);
        v
    }

    #[test]
    fn a_row_cannot_add_rows_or_columns() {
        let mut v = verdict(Outcome::Fail);
        let hostile = "evil | counted | x |\n| counted | mallory".to_owned();
        attach(&mut v, &["", "reviewer"], vec![vec!["not counted".into(), hostile]]);
        let summary = v.summary.unwrap_or_default();
        let rows: Vec<&str> = summary.lines().filter(|l| l.starts_with('|')).collect();
        assert_eq!(rows.len(), 3, "{summary}");
        assert!(rows.iter().all(|r| r.matches(" | ").count() == 1), "{summary}");
        assert!(summary.contains("**Fix:**\n\n- `ask a member of qa to review`\n"), "{summary}");
        assert!(summary.starts_with("### gitea-gate approvals: ❌ fail\n"), "{summary}");
    }

    #[test]
    fn long_tables_are_bounded() {
        let mut v = verdict(Outcome::Pass);
        let rows = (0..MAX_ROWS + 7).map(|i| vec![format!("item-{i}")]).collect();
        attach(&mut v, &["item"], rows);
        let summary = v.summary.unwrap_or_default();
        assert_eq!(summary.lines().filter(|l| l.starts_with("| `item-")).count(), MAX_ROWS);
        assert!(summary.contains("| … and 7 more |"), "{summary}");
    }
}
