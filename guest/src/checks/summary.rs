//! The job summary: a short Markdown rendering of a verdict — the verdict, a table of what
//! counted and what is missing, and the fix — that the host appends to `$GITHUB_STEP_SUMMARY`
//! (Gitea 1.27 renders it; older versions ignore the file: docs/gitea.md §8.4).
//!
//! It is rendered here, next to the other words, so that every build prints the same text. Every
//! piece of text, trusted or not, goes through [`escape`]: one line with controls and bidi
//! characters made visible (as in log lines), then Markdown and HTML made inert — `<`, `>` and `&`
//! as entities, `|` escaped so that a cell cannot split a table row, and backticks, emphasis,
//! link, heading and math characters backslash-escaped so that nothing becomes markup.

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

/// `raw` as inert Markdown inline text: one line of at most `max_chars` characters, no markup,
/// no HTML, no table-cell break.
pub fn escape(raw: &str, max_chars: usize) -> String {
    let line = one_line_of(raw, max_chars);
    let mut out = String::with_capacity(line.len() + 8);
    for ch in line.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '~' | '$' | '{' | '}' | '^' | '|' => {
                out.push('\\');
                out.push(ch);
            }
            c => out.push(c),
        }
    }
    out
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
    out.push_str(&line(&mut columns.iter().map(|c| escape(c, MAX_CELL_CHARS))));
    out.push_str(&line(&mut columns.iter().map(|_| "---".to_owned())));
    for row in rows.iter().take(MAX_ROWS) {
        let cells = (0..columns.len()).map(|i| row.get(i).map_or(String::new(), |c| escape(c, MAX_CELL_CHARS)));
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
    let mut out =
        format!("### gitea-gate {}: {}\n\n", escape(&verdict.check, MAX_CELL_CHARS), headline(verdict.verdict));
    out.push_str(&format!("{}\n\n", escape(&verdict.reason, MAX_PROSE_CHARS)));
    table(columns, &rows, &mut out);
    let fixes = fixes(verdict);
    if !fixes.is_empty() {
        out.push_str("**Fix:**\n\n");
        for fix in fixes {
            out.push_str(&format!("- {}\n", escape(fix, MAX_PROSE_CHARS)));
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
            ("alice", "alice"),
            ("a|b", "a\\|b"),
            ("`code`", "\\`code\\`"),
            ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert\\(1\\)&gt;"),
            ("&#x202E;", "&amp;\\#x202E;"),
            ("line\nbreak", "line\\\\nbreak"),
            ("rlo\u{202e}gpj.exe", "rlo\\\\u\\{202e\\}gpj.exe"),
            (
                "**bold** _em_ [link](http://x) ![i](y) # h ~~s~~ $x$",
                "\\*\\*bold\\*\\* \\_em\\_ \\[link\\]\\(http://x\\) \\!\\[i\\]\\(y\\) \\# h \\~\\~s\\~\\~ \\$x\\$",
            ),
            ("back\\slash", "back\\\\slash"),
        ];
        for (raw, want) in cases {
            assert_eq!(escape(raw, 120), want, "{raw:?}");
        }
        assert_eq!(escape(&"x".repeat(300), 120).chars().count(), 121);
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
        assert!(summary.contains("**Fix:**\n\n- ask a member of qa to review\n"), "{summary}");
        assert!(summary.starts_with("### gitea-gate approvals: ❌ fail\n"), "{summary}");
    }

    #[test]
    fn long_tables_are_bounded() {
        let mut v = verdict(Outcome::Pass);
        let rows = (0..MAX_ROWS + 7).map(|i| vec![format!("item-{i}")]).collect();
        attach(&mut v, &["item"], rows);
        let summary = v.summary.unwrap_or_default();
        assert_eq!(summary.lines().filter(|l| l.starts_with("| item-")).count(), MAX_ROWS);
        assert!(summary.contains("| … and 7 more |"), "{summary}");
    }
}
