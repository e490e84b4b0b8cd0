//! CODEOWNERS exactly as Gitea reads it (docs/gitea.md §11).
//!
//! - Each line is trimmed, tabs become spaces, and it is split on spaces. `\` escapes the next
//!   character and is removed (`\ ` is a space inside a token; a regexp escape is written `\\`).
//!   An unescaped `#` ends the line, wherever it stands.
//! - A line with no token is blank; a line with one token is reported (`incorrect format`).
//! - The first token is a regexp anchored to the whole repo-relative path (`^…$`), not a glob:
//!   `docs/` matches nothing, `docs/.*` matches the folder. A leading `!` inverts it: the line
//!   applies to every changed file that does **not** match. A pattern that does not compile is
//!   reported and the line skipped. Patterns run on the `regex` crate, which has RE2's semantics
//!   (Go's `regexp`): matching is linear in the path, so no pattern can make it slow.
//! - Owners: a leading `@` is optional; `org/team` (exactly one `/`; the organisation compared
//!   without case, the team name **with** case), anything else is a user (without case). More
//!   than one `/` is reported (`incorrect codeowner group`); an e-mail address is reported and
//!   skipped (Gitea finds no such user). Owners that do not resolve are skipped; a line left
//!   with no owner is dropped.
//! - Every line that matches contributes its owners (no "last match wins").
//! - Gitea 1.26.3 and later stop a match after 150 ms and count it as "not matched", which makes
//!   a negated line apply. The gate's engine never times out, so where the server's backtracking
//!   could run that long (see [`Backtracking`]) a negated line is applied anyway and reported:
//!   more owners than the server may ask for, never fewer.

use regex::{Regex, RegexBuilder};

use crate::server::CodeownersDialect;
use serde::Serialize;

/// Compiled programs larger than this are rejected like an invalid pattern (Go's parser rejects
/// repetitions over 1000; this bounds memory the same way).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Owner {
    /// A user login, as written (compared without case).
    User(String),
    /// `org/team`, as written.
    Team { org: String, team: String },
}

impl Owner {
    pub fn label(&self) -> String {
        match self {
            Owner::User(login) => format!("@{login}"),
            Owner::Team { org, team } => format!("@{org}/{team}"),
        }
    }
}

/// One usable CODEOWNERS line.
#[derive(Debug, Clone)]
pub struct Line {
    /// 1-based line number in the file.
    pub number: usize,
    /// The pattern as Gitea compiles it (without `!`, before anchoring).
    pub pattern: String,
    pub negative: bool,
    pub regex: Regex,
    pub owners: Vec<Owner>,
    /// For a negated line on a server with a match timeout: how the server's backtracking grows.
    pub timeout_risk: Option<Backtracking>,
}

impl Line {
    /// Whether this line applies to `path`.
    pub fn applies_to(&self, path: &str) -> bool {
        // The server may time out on this path, and then applies the negated line.
        if self.timeout_risk.is_some_and(|risk| risk.may_time_out(path)) {
            return true;
        }
        self.regex.is_match(path) != self.negative
    }

    /// `!frontend/.*` or `docs/.*`, as the file wrote it (after unescaping).
    pub fn shown(&self) -> String {
        if self.negative { format!("!{}", self.pattern) } else { self.pattern.clone() }
    }
}

/// How much work a backtracking engine (regexp2, Gitea 1.26+) may do on one path, read off the
/// pattern's repetitions: the gate cannot time regexp2, so it bounds it. A repetition inside a
/// repetition can try exponentially many ways to split a path; `k` repetitions side by side about
/// `(n+1)^k` for a path of `n` characters. Either above [`BACKTRACKING_BUDGET`] steps may exceed
/// the server's 150 ms. The estimate only ever errs towards "may time out".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backtracking {
    pub nested: bool,
    pub repetitions: u32,
}

/// Steps a backtracking match surely finishes in 150 ms (regexp2 takes well under 100 ns a step).
const BACKTRACKING_BUDGET: u64 = 1_000_000;

impl Backtracking {
    /// Read `pattern`'s repetitions; `None` when it does not parse (then it compiles nowhere).
    pub fn of(pattern: &str) -> Option<Backtracking> {
        let hir = regex_syntax::Parser::new().parse(pattern).ok()?;
        let mut found = Backtracking { nested: false, repetitions: 0 };
        found.walk(&hir, false);
        Some(found)
    }

    fn walk(&mut self, hir: &regex_syntax::hir::Hir, inside: bool) {
        use regex_syntax::hir::HirKind;
        match hir.kind() {
            HirKind::Repetition(repetition) => {
                let repeats = repetition.max != Some(1) && repetition.max != Some(0);
                if repeats {
                    self.repetitions += 1;
                    self.nested |= inside;
                }
                self.walk(&repetition.sub, inside || repeats);
            }
            HirKind::Capture(capture) => self.walk(&capture.sub, inside),
            HirKind::Concat(subs) => subs.iter().for_each(|sub| self.walk(sub, inside)),
            HirKind::Alternation(subs) => {
                // Alternatives inside a repetition may overlap: as costly as a nested repetition.
                self.nested |= inside;
                subs.iter().for_each(|sub| self.walk(sub, inside));
            }
            HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => {}
        }
    }

    /// Whether the server may give up matching `path`.
    pub fn may_time_out(self, path: &str) -> bool {
        let n = path.chars().count() as u64;
        let steps = if self.nested {
            1u64.checked_shl(u32::try_from(n).unwrap_or(u32::MAX)).unwrap_or(u64::MAX)
        } else if self.repetitions < 2 {
            0
        } else {
            (n + 1).saturating_pow(self.repetitions)
        };
        steps > BACKTRACKING_BUDGET
    }
}

/// A line Gitea would report in its file view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

/// A parsed file: the usable lines and what was wrong with the others.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    pub lines: Vec<Line>,
    pub warnings: Vec<Warning>,
    /// Lines whose pattern the gate cannot compile but the server may apply (regexp2): the gate
    /// cannot know which files they own, so it must not decide.
    pub unsupported: Vec<Warning>,
}

impl CodeOwners {
    /// Negated lines the server may time out on for one of `paths` (Gitea 1.26.3+), which the
    /// gate therefore applies to it: reported, so that their authors can simplify them.
    pub fn may_time_out<'a>(&'a self, paths: &'a [String]) -> impl Iterator<Item = &'a Line> {
        self.lines.iter().filter(|line| {
            // Where the pattern does not match, the negated line applies anyway.
            let widened =
                |path: &String| line.regex.is_match(path) && line.timeout_risk.is_some_and(|r| r.may_time_out(path));
            paths.iter().any(widened)
        })
    }
}

/// Gitea's `TokenizeCodeOwnersLine`.
pub fn tokenize(line: &str) -> Vec<String> {
    let line = line.trim().replace('\t', " ");
    let mut tokens = Vec::new();
    let mut token = String::new();
    let mut escape = false;
    for ch in line.chars() {
        if escape {
            token.push(ch);
            escape = false;
        } else if ch == '\\' {
            escape = true;
        } else if ch == '#' {
            break;
        } else if ch == ' ' {
            if !token.is_empty() {
                tokens.push(std::mem::take(&mut token));
            }
        } else {
            token.push(ch);
        }
    }
    if !token.is_empty() {
        tokens.push(token);
    }
    tokens
}

/// Compile a pattern as Gitea does: `^pattern$`.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    // Go refuses to repeat nothing (`^*` after anchoring); the `regex` crate would accept it.
    if let Some(op) = pattern.chars().next().filter(|c| matches!(c, '*' | '+' | '?')) {
        return Err(format!("missing argument to repetition operator: `{op}`"));
    }
    RegexBuilder::new(&format!("^{pattern}$"))
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| e.to_string().lines().last().unwrap_or("invalid").trim().to_owned())
}

/// `pattern` with Go RE2's ASCII-only Perl classes made explicit: in Go, `\d` is `[0-9]`, `\w`
/// `[0-9A-Za-z_]`, `\s` `[\t\n\f\r ]` and `\b` an ASCII word boundary (regexp/syntax, `perl_groups.go`),
/// where the gate's engine reads them as Unicode classes: `!docs/\w+\.txt` would otherwise skip
/// `docs/é.txt`, which Gitea up to 1.25 (and Forgejo) applies the line to. Escapes stay escapes,
/// inside a class the class's members are inlined (the negated ones as a nested class).
fn ascii_perl_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    // Right after `[` or `[^`, a `]` is a member, not the end (Go's rule too).
    let mut class_start = false;
    while let Some(c) = chars.next() {
        let at_start = std::mem::take(&mut class_start);
        match c {
            '\\' => {
                let Some(next) = chars.next() else {
                    out.push(c);
                    break;
                };
                let (members, negated) = match next {
                    'd' => ("0-9", false),
                    'D' => ("0-9", true),
                    'w' => ("0-9A-Za-z_", false),
                    'W' => ("0-9A-Za-z_", true),
                    's' => ("\\t\\n\\x0C\\r ", false),
                    'S' => ("\\t\\n\\x0C\\r ", true),
                    'b' | 'B' if !in_class => {
                        out.push_str(&format!("(?-u:\\{next})"));
                        continue;
                    }
                    _ => {
                        out.push(c);
                        out.push(next);
                        continue;
                    }
                };
                let negation = if negated { "^" } else { "" };
                if in_class && !negated {
                    out.push_str(members);
                } else {
                    out.push_str(&format!("[{negation}{members}]"));
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // A POSIX class (`[:alpha:]`) inside a class: copied whole.
                out.push(c);
                for p in chars.by_ref() {
                    out.push(p);
                    if p == ']' {
                        break;
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                class_start = true;
            }
            ']' if in_class && !at_start => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Whether `pattern` uses syntax that regexp2 (Gitea 1.26+) reads and RE2 has not: lookaround,
/// atomic groups, conditionals, inline comments, backreferences, `\G`, `\Z`, class subtraction.
/// Such a pattern is one the server may apply while the gate cannot compile it; any other
/// pattern the gate cannot compile is invalid in both, and skipped as Gitea skips it.
fn regexp2_only(pattern: &str) -> bool {
    const GROUPS: [&str; 7] = ["(?=", "(?!", "(?<=", "(?<!", "(?>", "(?(", "(?#"];
    const ESCAPES: [&str; 4] = ["\\k<", "\\k'", "\\G", "\\Z"];
    let backreference = pattern.as_bytes().windows(2).any(|w| w[0] == b'\\' && (b'1'..=b'9').contains(&w[1]));
    GROUPS.iter().chain(&ESCAPES).any(|s| pattern.contains(s)) || backreference || pattern.contains("-[")
}

/// Parse a whole file as Gitea up to 1.25 and Forgejo read it.
pub fn parse(text: &str) -> CodeOwners {
    parse_as(text, CodeownersDialect::default())
}

/// Parse a whole file (Gitea's `GetCodeOwnersFromContent`, without the user lookups: every owner
/// is kept, and the evaluator reports those that do not resolve), as a server with `dialect`
/// reads it (server.rs).
pub fn parse_as(text: &str, dialect: CodeownersDialect) -> CodeOwners {
    let mut out = CodeOwners::default();
    for (i, raw) in text.split('\n').enumerate() {
        let number = i + 1;
        let tokens = tokenize(raw);
        let Some((first, owners)) = tokens.split_first() else { continue };
        if owners.is_empty() {
            out.warnings.push(Warning { line: number, message: "incorrect format".to_owned() });
            continue;
        }
        let negative = first.starts_with('!');
        let mut pattern = first.strip_prefix('!').unwrap_or(first);
        if dialect.strip_leading_slash {
            pattern = pattern.strip_prefix('/').unwrap_or(pattern);
        }
        let pattern = pattern.to_owned();
        // regexp2 reads `\d`, `\w`, `\s` as Unicode classes, as the gate's engine does; RE2 as ASCII.
        let compiled = if dialect.regexp2 { compile(&pattern) } else { compile(&ascii_perl_classes(&pattern)) };
        let regex = match compiled {
            Ok(regex) => regex,
            Err(e) if dialect.regexp2 && regexp2_only(&pattern) => {
                let message = format!("the server compiles this pattern with regexp2, which gitea-gate cannot: {e}");
                out.unsupported.push(Warning { line: number, message });
                continue;
            }
            Err(e) => {
                out.warnings.push(Warning { line: number, message: format!("incorrect codeowner regexp: {e}") });
                continue;
            }
        };
        let mut parsed = Vec::new();
        for owner in owners {
            let name = owner.strip_prefix('@').unwrap_or(owner);
            if name.contains('/') {
                match name.split_once('/') {
                    Some((org, team)) if !team.contains('/') && !org.is_empty() && !team.is_empty() => {
                        parsed.push(Owner::Team { org: org.to_owned(), team: team.to_owned() });
                    }
                    _ => out.warnings.push(Warning {
                        line: number,
                        message: format!("incorrect codeowner group: {}", crate::text::one_line(name)),
                    }),
                }
            } else if name.is_empty() || name.contains('@') {
                out.warnings.push(Warning {
                    line: number,
                    message: format!("incorrect codeowner user: {}", crate::text::one_line(name)),
                });
            } else {
                parsed.push(Owner::User(name.to_owned()));
            }
        }
        if parsed.is_empty() {
            out.warnings.push(Warning { line: number, message: "no users/groups matched".to_owned() });
            continue;
        }
        let timeout_risk = (dialect.match_timeout && negative)
            .then(|| Backtracking::of(&pattern))
            .flatten()
            .filter(|risk| risk.nested || risk.repetitions >= 2);
        out.lines.push(Line { number, pattern, negative, regex, owners: parsed, timeout_risk });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Gitea's own rows, ported one by one (`testCodeOwnerAbsolutePathPatterns`, the pull request
    /// model tests of Gitea 1.26): (CODEOWNERS, file, applies).
    const GITEA_1_26_ABSOLUTE_PATHS: [(&str, &str, bool); 5] = [
        ("/README.md @user5\n", "README.md", true),
        ("/docs/.* @user5\n", "docs/foo.md", true),
        ("/docs/.* @user5\n", "other/docs/foo.md", false),
        ("README.md @user5\n", "README.md", true),
        ("!/.* @user5\n", "README.md", false),
    ];

    #[test]
    fn a_leading_slash_is_stripped_from_gitea_1_26_on_and_kept_before() {
        let since = CodeownersDialect { strip_leading_slash: true, regexp2: true, ..CodeownersDialect::default() };
        for (content, file, applies) in GITEA_1_26_ABSOLUTE_PATHS {
            let parsed = parse_as(content, since);
            let line = parsed.lines.first().expect("a line");
            assert_eq!(line.applies_to(file), applies, "1.26: {content:?} on {file}");
        }
        // Up to 1.25 (and in Forgejo) the `/` stays: `/docs/.*` owns nothing, `!/.*` everything.
        let before = CodeownersDialect::default();
        assert!(!parse_as("/docs/.* @user5\n", before).lines[0].applies_to("docs/foo.md"));
        assert!(parse_as("!/.* @user5\n", before).lines[0].applies_to("README.md"));
    }

    #[test]
    fn a_pattern_only_regexp2_may_compile_is_unsupported_not_skipped() {
        let since = CodeownersDialect { strip_leading_slash: true, regexp2: true, ..CodeownersDialect::default() };
        let parsed = parse_as("docs/(?!internal).* @docs\n(a)\\\\1 @b\n(a @c\n", since);
        assert!(parsed.lines.is_empty());
        assert_eq!(parsed.unsupported.iter().map(|w| w.line).collect::<Vec<_>>(), vec![1, 2]);
        // Invalid in both dialects: skipped, as Gitea skips it.
        assert_eq!(parsed.warnings.iter().map(|w| w.line).collect::<Vec<_>>(), vec![3]);
        // Before 1.26 Gitea's RE2 refuses them too, and skips the line.
        let before = parse("docs/(?!internal).* @docs\n");
        assert!(before.unsupported.is_empty() && before.warnings.len() == 1);
    }

    /// Go's RE2 (Gitea up to 1.25, Forgejo) reads `\d`, `\w`, `\s`, `\b` as ASCII classes;
    /// regexp2 (Gitea 1.26+) as Unicode ones. A negated line shows why it matters: read as
    /// Unicode, `!docs/\w+\.md` would not own `docs/é.md`, which Gitea 1.25 makes it own.
    #[test]
    fn perl_classes_are_ascii_up_to_1_25_and_unicode_from_1_26() {
        let applies = |text: &str, dialect: CodeownersDialect, path: &str| {
            let parsed = parse_as(text, dialect);
            assert!(parsed.warnings.is_empty() && parsed.unsupported.is_empty(), "{text}: {:?}", parsed.warnings);
            parsed.lines[0].applies_to(path)
        };
        let re2 = CodeownersDialect::default();
        let regexp2 = CodeownersDialect { strip_leading_slash: true, regexp2: true, ..CodeownersDialect::default() };
        // CODEOWNERS text: `\\` is one backslash of the pattern (the tokenizer removes one).
        let word = r"docs/\\w+\\.md @x";
        assert!(applies(word, re2, "docs/read_me1.md"));
        assert!(!applies(word, re2, "docs/é.md"), "\\w is ASCII in RE2");
        assert!(applies(word, regexp2, "docs/é.md"), "and Unicode in regexp2");
        assert!(applies(r"!docs/\\w+\\.md @x", re2, "docs/é.md"), "the negated line owns it");
        assert!(!applies(r"!docs/\\w+\\.md @x", regexp2, "docs/é.md"));
        // Digits and spaces, inside and outside a class, negated, and a `]` first in a class.
        let arabic_three = "v\u{663}.txt";
        let digit_or_space = r"v[\\d\\s].txt @x";
        assert!(!applies(digit_or_space, re2, arabic_three));
        assert!(applies(digit_or_space, re2, "v7.txt") && applies(digit_or_space, re2, "v .txt"));
        assert!(applies(r"v[\\D].txt @x", re2, arabic_three), "not an ASCII digit");
        assert!(applies(r"v\\S.txt @x", re2, "v\u{3000}.txt"), "an ideographic space is no RE2 space");
        assert!(!applies(r"v\\S.txt @x", regexp2, "v\u{3000}.txt"), "but a regexp2 one");
        assert!(applies(r"[]\\d]+ @x", re2, "]1]"));
        // `é` is no ASCII word character: RE2 sees a boundary after `x`, a Unicode engine none.
        assert!(applies(r"x\\b.* @x", re2, "xé") && applies(r"x\\b.* @x", re2, "x.txt"));
        assert!(!applies(r"x\\b.* @x", regexp2, "xé") && applies(r"x\\b.* @x", regexp2, "x.txt"));
    }

    /// Gitea's own tokenizer rows, one for one: `testParseCodeOwnersLine` in
    /// `models/issues/pull_test.go` (1.26, which adds the two rows with a leading `/`; earlier
    /// versions have the first seven as `TestParseCodeOwnersLine`). All nine agree.
    #[test]
    fn gitea_test_parse_code_owners_line_rows() {
        let rows: [(&str, &[&str]); 9] = [
            ("", &[]),
            ("# comment", &[]),
            ("!.* @user1 @org1/team1", &["!.*", "@user1", "@org1/team1"]),
            (".*\\\\.js @user2 #comment", &[".*\\.js", "@user2"]),
            (
                "docs/(aws|google|azure)/[^/]*\\\\.(md|txt) @org3 @org2/team2",
                &["docs/(aws|google|azure)/[^/]*\\.(md|txt)", "@org3", "@org2/team2"],
            ),
            ("\\#path @org3", &["#path", "@org3"]),
            ("path\\ with\\ spaces/ @org3", &["path with spaces/", "@org3"]),
            ("/docs/.*\\\\.md @user1", &["/docs/.*\\.md", "@user1"]),
            ("!/assets/.*\\\\.(bin|exe|msi) @user1", &["!/assets/.*\\.(bin|exe|msi)", "@user1"]),
        ];
        for (line, tokens) in rows {
            assert_eq!(tokenize(line), tokens, "{line:?}");
        }
    }

    #[test]
    fn gitea_tokenizer_examples() {
        assert_eq!(tokenize(".*\\\\.js @user2 #comment"), vec![".*\\.js", "@user2"]);
        assert_eq!(tokenize("path\\ with\\ spaces/ @org3"), vec!["path with spaces/", "@org3"]);
        assert_eq!(tokenize("  \tdocs/.*\t@a   @b  "), vec!["docs/.*", "@a", "@b"]);
        assert_eq!(tokenize("# only a comment"), Vec::<String>::new());
        assert_eq!(tokenize("a#b @x"), vec!["a"]);
        assert_eq!(tokenize("a\\#b @x"), vec!["a#b", "@x"]);
        assert_eq!(tokenize("x @y\r"), vec!["x", "@y"]);
        assert_eq!(tokenize(""), Vec::<String>::new());
    }

    #[test]
    fn gitea_example_lines() {
        let text = ".*\\\\.js @user2 #comment\n\
                    docs/(aws|google|azure)/[^/]*\\\\.(md|txt) @org3 @org2/team2\n\
                    path\\ with\\ spaces/ @org3\n\
                    !frontend/src/.* @org1/team3 @user5\n";
        let parsed = parse(text);
        assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
        assert_eq!(parsed.lines.len(), 4);
        let [js, docs, spaces, not_frontend] = [&parsed.lines[0], &parsed.lines[1], &parsed.lines[2], &parsed.lines[3]];
        assert!(js.applies_to("src/app.js") && js.applies_to("a.js"));
        assert!(!js.applies_to("src/appxjs") && !js.applies_to("a.json"));
        assert_eq!(js.owners, vec![Owner::User("user2".into())]);
        assert!(docs.applies_to("docs/aws/setup.md") && docs.applies_to("docs/google/x.txt"));
        assert!(!docs.applies_to("docs/aws/deep/x.md") && !docs.applies_to("docs/ibm/x.md"));
        assert_eq!(docs.owners[1], Owner::Team { org: "org2".into(), team: "team2".into() });
        assert!(spaces.applies_to("path with spaces/") && !spaces.applies_to("path with spaces/x"));
        assert!(not_frontend.negative);
        assert!(not_frontend.applies_to("backend/main.go") && !not_frontend.applies_to("frontend/src/a.ts"));
        assert_eq!(not_frontend.shown(), "!frontend/src/.*");
    }

    #[test]
    fn anchored_to_the_whole_path_not_a_glob() {
        let parsed = parse("docs/ @a\ndocs/.* @b\n*.md @c\n");
        assert!(!parsed.lines[0].applies_to("docs/x.md"), "docs/ matches nothing but `docs/`");
        assert!(parsed.lines[1].applies_to("docs/x.md"));
        assert!(!parsed.lines[1].applies_to("src/docs/x.md"));
        // `*.md` is not a valid regexp (nothing to repeat): reported with its line.
        assert_eq!(parsed.lines.len(), 2);
        assert_eq!(parsed.warnings.len(), 1);
        assert_eq!(parsed.warnings[0].line, 3);
        assert!(parsed.warnings[0].message.starts_with("incorrect codeowner regexp"), "{:?}", parsed.warnings);
    }

    #[test]
    fn unparseable_lines_are_reported_with_numbers() {
        let text = "# header\n\nlonely\nsrc/.* @a/b/c\nsrc/.* someone@example.com\n(unclosed @x\nok/.* @a/b/c @z\n";
        let parsed = parse(text);
        let warnings: Vec<(usize, &str)> = parsed.warnings.iter().map(|w| (w.line, w.message.as_str())).collect();
        assert_eq!(warnings[0], (3, "incorrect format"));
        assert_eq!(warnings[1], (4, "incorrect codeowner group: a/b/c"));
        assert_eq!(warnings[2], (4, "no users/groups matched"));
        assert_eq!(warnings[3], (5, "incorrect codeowner user: someone@example.com"));
        assert_eq!(warnings[4], (5, "no users/groups matched"));
        assert_eq!(warnings[5].0, 6);
        assert_eq!(warnings[6], (7, "incorrect codeowner group: a/b/c"));
        assert_eq!(parsed.lines.len(), 1);
        assert_eq!(parsed.lines[0].number, 7);
        assert_eq!(parsed.lines[0].owners, vec![Owner::User("z".into())]);
    }

    /// Gitea 1.26.3+ counts a match that runs past 150 ms as "not matched", so a negated line
    /// applies where the server gave up (`testCodeOwnerPatternMatchTimeout`: `(a+)+` against
    /// thirty `a` and an `X` times out). The gate never times out; it applies such a line
    /// wherever the server might, and says so.
    #[test]
    fn a_negated_line_the_server_may_time_out_on_applies() {
        let since = CodeownersDialect { strip_leading_slash: true, regexp2: true, ..CodeownersDialect::default() };
        let timed = CodeownersDialect { match_timeout: true, ..since };
        let line = |text: &str, dialect| parse_as(text, dialect).lines.remove(0);
        let long = "docs/a-rather-long-file-name.md";
        // Nested: exponential in the path, so a path of 20 characters or more may time out.
        assert!(line("!(docs/.*)+ @x", timed).applies_to(long), "widened on 1.26.3+");
        assert!(!line("!(docs/.*)+ @x", since).applies_to(long), "1.26.2 has no timeout");
        assert!(!line("!(docs/.*)+ @x", timed).applies_to("docs/a.md"), "too short to time out");
        assert!(line("!(a+)+ @x", timed).applies_to(&format!("{}X", "a".repeat(30))), "Gitea's row applies");
        // A repeated alternation counts as nested; one `.*` never risks it.
        assert!(line("!(src|lib)*/.* @x", timed).timeout_risk.is_some());
        assert!(line("!docs/.* @x", timed).timeout_risk.is_none());
        assert!(!line("!docs/.* @x", timed).applies_to(&format!("docs/{}", "x".repeat(5000))));
        // Side by side: (n+1)^k steps, so two `.*` only for paths of about a thousand characters.
        let two = line("!.*/gen/.* @x", timed);
        assert!(!two.applies_to("src/gen/a.rs"));
        assert!(two.applies_to(&format!("src/gen/{}", "x".repeat(1000))));
        // Positive lines are never widened: a timed-out match only drops them on the server.
        assert!(line("(docs/.*)+ @x", timed).timeout_risk.is_none());
        // Reported only where the widening changed something: a matching path long enough.
        let parsed = parse_as("!(docs/.*)+ @x\n!docs/.* @y\n", timed);
        let reported = |paths: &[&str]| {
            let paths: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
            parsed.may_time_out(&paths).map(|l| l.number).collect::<Vec<_>>()
        };
        assert_eq!(reported(&[long]), vec![1]);
        assert_eq!(reported(&["docs/a.md", "src/a-rather-long-file-name-outside.rs"]), Vec::<usize>::new());
    }

    #[test]
    fn team_names_keep_their_case() {
        let parsed = parse("x @Acme/QA\n");
        assert_eq!(parsed.lines[0].owners, vec![Owner::Team { org: "Acme".into(), team: "QA".into() }]);
    }

    #[test]
    fn hostile_patterns_stay_fast() {
        let long = "a".repeat(10_000);
        let started = std::time::Instant::now();
        for pattern in ["(a+)+$", "(a|a)*b", "(a*)*b", "(.*a){20}", "((a+)+)+c", "(x+x+)+y"] {
            let parsed = parse(&format!("{pattern} @owner\n"));
            for line in &parsed.lines {
                let _ = line.applies_to(&long);
                let _ = line.applies_to(&(long.clone() + "!"));
            }
        }
        assert!(started.elapsed().as_secs() < 3, "took {:?}", started.elapsed());
        // A program too large to build is reported like an invalid pattern, not run.
        let huge = parse("(((a{100}){100}){100}) @owner\n");
        assert!(huge.lines.is_empty());
        assert!(huge.warnings[0].message.starts_with("incorrect codeowner regexp"), "{:?}", huge.warnings);
    }
}
