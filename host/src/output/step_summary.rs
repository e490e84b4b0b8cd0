//! Appending the job summary to `$GITHUB_STEP_SUMMARY`.
//!
//! The Markdown comes from the guest, which renders it next to the verdict's other words and
//! escapes every piece of text in it (guest `checks/summary.rs`), so both architectures write the
//! same bytes. The file is opened the way `$GITHUB_OUTPUT` is (github_output.rs): appended to,
//! created if missing, never truncated — other steps of the job write to it too. Gitea renders it
//! from 1.27 on; older versions leave the file unread (docs/gitea.md §8.4).

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

/// Append `markdown` to the summary file at `path`, after a blank line so that it starts a block
/// of its own whatever the previous step left unfinished.
pub fn append(path: &Path, markdown: &str) -> io::Result<()> {
    let mut file = OpenOptions::new().append(true).create(true).open(path)?;
    let mut text = String::with_capacity(markdown.len() + 2);
    text.push('\n');
    text.push_str(markdown);
    if !markdown.ends_with('\n') {
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_and_never_truncates() {
        let dir = std::env::temp_dir().join(format!("gitea-gate-summary-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("summary.md");
        let _ = std::fs::write(&path, "earlier step\n");
        assert!(append(&path, "### one\n").is_ok());
        assert!(append(&path, "### two").is_ok());
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(text, "earlier step\n\n### one\n\n### two\n");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
