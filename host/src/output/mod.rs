//! Acting on a verdict: the log (stdout), `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY` and the
//! `--report` file.
//!
//! Gitea shows `::error::` lines raw and renders no annotations, and no job summary before 1.27
//! (docs/gitea.md §8.2, §8.4), so the human lines are the real report: each carries what, why and
//! how to fix. The job summary repeats the essentials for 1.27 and later.

pub mod github_output;
pub mod log;
pub mod step_summary;
pub mod workflow;

use std::io::{self, Write};
use std::path::Path;

use crate::protocol::{Level, Outcome, Verdict};

use self::workflow::{command, fenced, is_unsafe_char, printable};

/// How the report is printed on stdout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Lines for people.
    Human,
    /// The verdict as JSON (exactly what the guest wrote).
    Json,
    /// Human lines fenced against workflow-command injection, plus `::error::`/`::warning::`
    /// lines for runners that render them. The default inside an Actions runner.
    Github,
}

/// Everything a command run ends with.
#[derive(Clone, Debug)]
pub struct Report {
    pub verdict: Verdict,
    /// The guest's exact bytes when the guest decided; `None` when the host made the verdict.
    pub raw: Option<Vec<u8>>,
    pub exit: u8,
    /// Check-specific lines shown after the findings (a diff, a tally). May carry untrusted text.
    pub details: Vec<String>,
}

impl Report {
    pub fn json(&self) -> Vec<u8> {
        self.raw.clone().unwrap_or_else(|| {
            let mut bytes = serde_json::to_vec_pretty(&self.verdict).unwrap_or_default();
            bytes.push(b'\n');
            bytes
        })
    }

    /// The `$GITHUB_OUTPUT` entries: `verdict`, `trust`, `reason`, then the check's own keys.
    pub fn outputs(&self) -> Vec<(String, String)> {
        let v = &self.verdict;
        let mut pairs = vec![
            ("verdict".to_owned(), v.verdict.as_str().to_owned()),
            ("trust".to_owned(), v.trust.as_str().to_owned()),
            ("reason".to_owned(), printable(&v.reason)),
        ];
        pairs.extend(v.outputs.iter().map(|(k, value)| (k.clone(), value.clone())));
        pairs
    }
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Error => "error",
        Level::Warning => "warning",
        Level::Notice => "notice",
    }
}

/// Checks whose decision never depends on the run's trust: they read local files only and no
/// secret, so "(trusted run)" in their headline would only puzzle (the JSON verdict keeps it).
const DECIDED_WITHOUT_TRUST: [&str; 2] = ["pin", "policy-test"];

/// The report as lines for people.
pub fn human_lines(report: &Report) -> Vec<String> {
    let v = &report.verdict;
    let run = if DECIDED_WITHOUT_TRUST.contains(&v.check.as_str()) {
        String::new()
    } else {
        format!(" ({} run)", v.trust.as_str())
    };
    let mut lines = vec![format!("gitea-gate {}: {}{run} {}", v.check, v.verdict.as_str().to_uppercase(), v.reason)];
    for finding in &v.findings {
        let mut line = format!("  {}[{}]: {}", level(finding.level), finding.code, finding.message);
        if let Some(help) = &finding.help {
            line.push_str(" Fix: ");
            line.push_str(help);
        }
        lines.push(line);
    }
    lines.extend(report.details.iter().map(|d| format!("  {d}")));
    lines.iter().map(|l| printable(l)).collect()
}

/// The stdout text for `format`.
pub fn render(report: &Report, format: Format) -> Vec<u8> {
    match format {
        Format::Json => json_for_log(report.json()),
        Format::Human => lines_to_bytes(&human_lines(report)),
        Format::Github => {
            let mut lines = fenced(&human_lines(report));
            let v = &report.verdict;
            let title = format!("gitea-gate {} ({})", v.check, v.code);
            match v.verdict {
                Outcome::Fail | Outcome::Error => lines.push(command("error", &title, &printable(&v.reason))),
                Outcome::Skip => lines.push(command("warning", &title, &printable(&v.reason))),
                Outcome::Pass => {}
            }
            for finding in v.findings.iter().filter(|f| f.level == Level::Warning && f.code != v.code) {
                let title = format!("gitea-gate {} ({})", v.check, finding.code);
                lines.push(command("warning", &title, &printable(&finding.message)));
            }
            lines_to_bytes(&lines)
        }
    }
}

/// The verdict JSON as printed to the log: the same document, with every non-ASCII character
/// that [`is_unsafe_char`] names (C1 controls, bidi controls, line separators) written as a
/// `\uXXXX` escape. Those can only occur inside strings (JSON's own whitespace is ASCII, and
/// ASCII controls are always escaped), so the value is unchanged; `--report` keeps the exact bytes.
fn json_for_log(bytes: Vec<u8>) -> Vec<u8> {
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return e.into_bytes(),
    };
    if !text.chars().any(|c| !c.is_ascii() && is_unsafe_char(c)) {
        return text.into_bytes();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for ch in text.chars() {
        if !ch.is_ascii() && is_unsafe_char(ch) {
            out.push_str(&format!("\\u{:04x}", u32::from(ch)));
        } else {
            out.push(ch);
        }
    }
    out.into_bytes()
}

fn lines_to_bytes(lines: &[String]) -> Vec<u8> {
    let mut text = lines.join("\n");
    text.push('\n');
    text.into_bytes()
}

/// The runner's files a run appends to: `$GITHUB_OUTPUT` and `$GITHUB_STEP_SUMMARY`.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunnerFiles<'a> {
    pub output: Option<&'a Path>,
    pub summary: Option<&'a Path>,
}

/// Print the report, append the outputs and the job summary, write the report file. Only the
/// job summary may fail without failing the run.
pub fn emit(report: &Report, format: Format, report_file: Option<&Path>, runner: RunnerFiles<'_>) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(&render(report, format))?;
    stdout.flush()?;
    if let Some(path) = runner.output {
        github_output::append(path, &report.outputs())
            .map_err(|e| io::Error::other(format!("cannot write step outputs to {}: {e}", path.display())))?;
    }
    // The summary repeats what the log says: failing to write it is reported, never a verdict.
    if let (Some(path), Some(summary)) = (runner.summary, report.verdict.summary.as_deref())
        && let Err(e) = step_summary::append(path, summary)
    {
        log::line(&format!("gitea-gate: warning: cannot write the job summary to {}: {e}", path.display()));
    }
    if let Some(path) = report_file {
        crate::files::write_atomically(path, &report.json(), "the report").map_err(|problem| {
            io::Error::other(format!("cannot write the report to {}: {}", path.display(), problem.message()))
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_on_the_log_escapes_c1_and_bidi_but_means_the_same() {
        let value = serde_json::json!({"reason": "a\u{202e}b\u{9b}c\u{2066}d ✓", "n": 1});
        let printed = json_for_log(serde_json::to_vec_pretty(&value).unwrap_or_default());
        let text = String::from_utf8(printed).unwrap_or_default();
        assert!(text.contains(r"a\u202eb\u009bc\u2066d ✓"), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).ok(), Some(value));
    }
}
