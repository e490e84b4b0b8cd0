//! What counts as a `/sop-…` command in a Markdown text (a pull request comment, a review body).
//!
//! Gitea renders comments as CommonMark (goldmark, with GitHub's extensions), so the question
//! "did this person *say* `/sop-ack testing`?" is answered on the rendered document, not on raw
//! lines: a reviewer explaining the syntax in a code block, or text hidden in an HTML comment
//! that the page never shows, must not acknowledge anything. A command is
//!
//! - a source line that starts, at column 0, with `/sop-ack` or `/sop-n/a`, followed by white
//!   space or the end of the line (`/sop-acknowledge` is not a command);
//! - in a **paragraph** that is not inside a block quote: fenced code blocks (``` and ~~~, any
//!   length, also unterminated), indented code blocks, HTML blocks, tables, headings and quoted
//!   text are not commands;
//! - not inside an HTML comment: `<!-- … -->` hides its contents, and a `<!--` that is never
//!   closed hides **everything after it** (whatever the context) — Gitea's renderer shows none of it.
//!
//! The words of a command are read from what the page shows of that line (entities decoded,
//! inline HTML dropped, code spans as their text): `/sop-ack <target>` or
//! `/sop-n/a <target> <reason>`, where `<target>` is the first word (an item id, a rule name) and
//! `<reason>` the rest of the line. Whether a reason says anything is [`has_visible_text`].
//! `docs/commands.md` has the same grammar with examples.
//!
//! The work is linear in the text: one CommonMark pass (skipped entirely when the text does not
//! contain `/sop-`), no allocation per command — commands are handed to a visitor as they are found.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Every command starts with this.
pub const PREFIX: &str = "/sop-";

/// What a command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    /// `/sop-ack <target>`: acknowledge.
    Ack,
    /// `/sop-n/a <target> <reason>`: waive (declare not applicable), with a reason.
    Waive,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Ack => "/sop-ack",
            Verb::Waive => "/sop-n/a",
        }
    }
}

/// One command, borrowed from the visitor's line buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Command<'a> {
    pub verb: Verb,
    /// The first word after the verb, if there is one.
    pub target: Option<&'a str>,
    /// The rest of the line after the target, trimmed; possibly empty or invisible.
    pub reason: &'a str,
}

/// Parse one rendered line: `Some` when it is a command (with or without a target).
pub fn parse_line(line: &str) -> Option<Command<'_>> {
    let (verb, rest) = if let Some(rest) = line.strip_prefix(Verb::Ack.as_str()) {
        (Verb::Ack, rest)
    } else if let Some(rest) = line.strip_prefix(Verb::Waive.as_str()) {
        (Verb::Waive, rest)
    } else {
        return None;
    };
    if rest.chars().next().is_some_and(|c| !c.is_whitespace()) {
        return None; // `/sop-acknowledge`, `/sop-n/abc`
    }
    let rest = rest.trim_start();
    let (target, reason) = match rest.split_once(char::is_whitespace) {
        Some((target, reason)) => (target, reason.trim()),
        None => (rest, ""),
    };
    Some(Command { verb, target: (!target.is_empty()).then_some(target), reason })
}

/// Whether `text` shows anything once white space and invisible characters are removed: Unicode
/// White_Space, separators (Zs, Zl, Zp), control and format characters (Cc, Cf — U+200B, U+FEFF,
/// U+2060, bidi controls, tag characters), unassigned, private-use and surrogate code points,
/// combining marks on their own (Mn, Me), and the letters that render as blanks (Hangul fillers,
/// the blank Braille pattern).
pub fn has_visible_text(text: &str) -> bool {
    text.chars().any(is_visible)
}

fn is_visible(c: char) -> bool {
    if c.is_whitespace() || matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' | '\u{2800}') {
        return false;
    }
    !matches!(
        c.general_category(),
        GeneralCategory::SpaceSeparator
            | GeneralCategory::LineSeparator
            | GeneralCategory::ParagraphSeparator
            | GeneralCategory::Control
            | GeneralCategory::Format
            | GeneralCategory::Surrogate
            | GeneralCategory::PrivateUse
            | GeneralCategory::Unassigned
            | GeneralCategory::NonspacingMark
            | GeneralCategory::EnclosingMark
    )
}

/// The CommonMark dialect Gitea renders: tables matter here (a table row is not a paragraph).
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Call `visit` with every command in `markdown`, in order.
pub fn for_each_command(markdown: &str, mut visit: impl FnMut(Command<'_>)) {
    if !markdown.contains(PREFIX) {
        return;
    }
    // A `<!--` that is never closed hides the rest of the text, wherever it stands.
    let visible_end = match markdown.rfind("<!--") {
        Some(open) if !markdown[open + 4..].contains("-->") => open,
        _ => markdown.len(),
    };
    let source = &markdown[..visible_end];
    if !source.contains(PREFIX) {
        return;
    }
    let bytes = source.as_bytes();
    let mut quotes = 0usize;
    let mut in_paragraph = false;
    // The rendered text of the command line being read, if the current line is one.
    let mut line = String::new();
    let mut open = false;
    let mut finish = |open: &mut bool, line: &mut String| {
        if *open {
            if let Some(command) = parse_line(line) {
                visit(command);
            }
            *open = false;
            line.clear();
        }
    };
    for (event, range) in Parser::new_ext(source, options()).into_offset_iter() {
        match event {
            Event::Start(Tag::BlockQuote(_)) => quotes += 1,
            Event::End(TagEnd::BlockQuote(_)) => quotes = quotes.saturating_sub(1),
            Event::Start(Tag::Paragraph) => in_paragraph = true,
            Event::End(TagEnd::Paragraph) => {
                finish(&mut open, &mut line);
                in_paragraph = false;
            }
            Event::SoftBreak | Event::HardBreak => finish(&mut open, &mut line),
            Event::Text(text) => {
                if open {
                    line.push_str(&text);
                } else if in_paragraph
                    && quotes == 0
                    && (range.start == 0 || bytes.get(range.start - 1) == Some(&b'\n'))
                    && source[range.start..].starts_with(PREFIX)
                {
                    open = true;
                    line.push_str(&text);
                }
            }
            Event::Code(code) if open => line.push_str(&code),
            _ => {}
        }
    }
    finish(&mut open, &mut line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(markdown: &str) -> Vec<(Verb, Option<String>, String)> {
        let mut out = Vec::new();
        for_each_command(markdown, |c| out.push((c.verb, c.target.map(str::to_owned), c.reason.to_owned())));
        out
    }

    fn ack(target: &str) -> (Verb, Option<String>, String) {
        (Verb::Ack, Some(target.to_owned()), String::new())
    }

    #[test]
    fn plain_lines_are_commands() {
        let text =
            "LGTM\n/sop-ack testing\r\n/sop-n/a e2e no database touched\n/sop-n/a smoke\n/sop-ack\n\n/sop-ack last";
        assert_eq!(
            found(text),
            vec![
                ack("testing"),
                (Verb::Waive, Some("e2e".into()), "no database touched".into()),
                (Verb::Waive, Some("smoke".into()), String::new()),
                (Verb::Ack, None, String::new()),
                ack("last"),
            ]
        );
    }

    #[test]
    fn what_is_not_a_command() {
        let cases = [
            ("indented by a space", " /sop-ack x"),
            ("indented code block", "text\n\n    /sop-ack x"),
            ("mid-line", "see /sop-ack x"),
            ("block quote", "> /sop-ack x"),
            ("lazy continuation of a quote", "> to ack, type\n/sop-ack x"),
            ("nested quote", "> > /sop-ack x"),
            ("backtick fence", "to ack, type\n```\n/sop-ack x\n```"),
            ("long backtick fence", "````md\n```\n/sop-ack x\n```\n````"),
            ("tilde fence", "~~~\n/sop-ack x\n~~~"),
            ("unterminated fence", "```\n/sop-ack x"),
            ("html comment block", "<!--\n/sop-ack x\n-->"),
            ("html comment inline", "ok <!-- hidden\n/sop-ack x\n-->"),
            ("unterminated html comment", "fine\n<!--\n/sop-ack x"),
            ("unterminated inline html comment", "fine <!-- and then\n\n/sop-ack x\n\nmore"),
            ("html block", "<div>\n/sop-ack x\n</div>"),
            ("table row", "/sop-ack x | y\n--- | ---\n/sop-ack x | z"),
            ("setext heading", "/sop-ack x\n---"),
            ("list item", "- /sop-ack x"),
            ("other verb", "/sop-acknowledge x\n/sop-n/ax y\n/sop-nack x"),
            ("code span start", "`/sop-ack x`"),
            ("entity start", "&#47;sop-ack x"),
        ];
        for (name, text) in cases {
            assert_eq!(found(text), vec![], "{name}: {text:?}");
        }
    }

    #[test]
    fn commands_next_to_what_is_not() {
        let text = "```\n/sop-ack fenced\n```\n/sop-ack after-fence\n<!-- /sop-ack hidden -->\n/sop-ack after-comment\n> /sop-ack quoted\n\n/sop-ack after-quote";
        assert_eq!(found(text), vec![ack("after-fence"), ack("after-comment"), ack("after-quote")]);
    }

    #[test]
    fn a_reason_is_what_the_page_shows() {
        let text = "/sop-n/a e2e <!-- nothing -->\n/sop-n/a smoke &#8203;\n/sop-n/a docs `no docs` <b>here</b>";
        let got = found(text);
        assert_eq!(got.len(), 3, "{got:?}");
        assert!(!has_visible_text(&got[0].2), "{got:?}");
        assert!(!has_visible_text(&got[1].2), "{got:?}");
        assert_eq!(got[2].2, "no docs here");
    }

    #[test]
    fn visible_text() {
        for invisible in
            ["", "   ", "\u{200B}", "\u{00A0}\u{FEFF}", "\u{2060}\u{202E}\u{2066}", "\u{3164}", "\t\u{E0041}"]
        {
            assert!(!has_visible_text(invisible), "{invisible:?}");
        }
        for visible in ["no db", "\u{200B}x", "–", "日本"] {
            assert!(has_visible_text(visible), "{visible:?}");
        }
    }
}
