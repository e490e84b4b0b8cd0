//! The only way the host writes to stderr.
//!
//! Runners read stderr for workflow commands exactly as they read stdout: act and act_runner feed
//! both streams of a step through one command handler (docs/gitea.md §8.2), and Gitea's runner
//! still honours `::set-env` and `::add-path`. A progress line that carries a manifest's canonical
//! label, a repository name, a server's error text or a file path is as untrusted as the report
//! on stdout, so every stderr line is treated the same way:
//!
//! - made [`printable`]: line breaks, C0/C1 controls (ESC, so no ANSI or OSC-8 sequence), and bidi
//!   overrides and isolates are shown as `\u{…}` escapes, so one message is one line;
//! - started with `gitea-gate` (prefixed when it is not), so no line can start with `::`;
//! - in `--format github`, fenced with `::stop-commands::<random>` … `::<random>::`, like the
//!   report on stdout;
//! - written with a single `write` of the whole block, so concurrent messages never interleave.
//!
//! Use [`log_line!`](crate::log_line) (a `format!`-style macro) or [`line`]; never `eprintln!`.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use super::Format;
use super::workflow::{fenced, printable};

static FENCED: AtomicBool = AtomicBool::new(false);

/// Choose the stderr form for this run: fenced for `--format github`. Until this is called (or
/// when the command line could not be parsed), `GITHUB_ACTIONS=true` selects the fence.
pub fn init(format: Format) {
    FENCED.store(format == Format::Github, Ordering::Relaxed);
}

/// Fence before the format is known if this is an Actions runner (the default format there).
pub fn init_from_env() {
    FENCED.store(crate::env::get(crate::env::ACTIONS).as_deref() == Some("true"), Ordering::Relaxed);
}

/// The text written for one message: escaped, prefixed, fenced when asked.
pub fn render(message: &str, fence: bool) -> String {
    let mut shown = printable(message);
    if !shown.starts_with("gitea-gate") {
        shown.insert_str(0, "gitea-gate: ");
    }
    let lines = if fence { fenced(&[shown]) } else { vec![shown] };
    let mut text = lines.join("\n");
    text.push('\n');
    text
}

/// Write one message to stderr as one line. A failure to write to stderr is ignored: there is
/// nowhere left to report it, and the exit code still carries the verdict.
pub fn line(message: &str) {
    let text = render(message, FENCED.load(Ordering::Relaxed));
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Write multi-line text (e.g. a command-line parser's error) as one message per line.
pub fn lines(text: &str) {
    for each in text.split('\n').filter(|l| !l.trim().is_empty()) {
        line(each);
    }
}

/// `log_line!("gitea-gate: fetching {} …", label)`: [`line`] with `format!` arguments.
#[macro_export]
macro_rules! log_line {
    ($($arg:tt)*) => {
        $crate::output::log::line(&format!($($arg)*))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_one_escaped_line_that_cannot_start_a_command() {
        let text = render("fetching x\n::set-env name=BASH_ENV::/tmp/evil\u{1b}[31m\u{202e}", false);
        assert_eq!(text, "gitea-gate: fetching x\\u{a}::set-env name=BASH_ENV::/tmp/evil\\u{1b}[31m\\u{202e}\n");
        assert_eq!(render("::add-path::/tmp", false), "gitea-gate: ::add-path::/tmp\n");
        assert_eq!(render("gitea-gate timing: 1 ms", false), "gitea-gate timing: 1 ms\n");
    }

    #[test]
    fn github_format_fences_each_message() {
        let text = render("gitea-gate: posted", true);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        let token = lines[0].strip_prefix("::stop-commands::").expect("opening");
        assert_eq!(lines[1], "gitea-gate: posted");
        assert_eq!(lines[2], format!("::{token}::"));
    }
}
