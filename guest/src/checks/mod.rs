//! One check per module. Each exposes its facts type and `evaluate(facts) -> Verdict`; the
//! pull-request gates keep their decision (`decide.rs`) apart from its words (`render.rs`).
pub mod approvals;
pub mod checklist;
pub mod drift;
pub mod pin;
pub mod policy;
pub mod pull_request;
pub mod requests;
pub mod summary;
pub mod trust;

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The longest a function outside tests may be: a decision or a rendering that grows past
    /// this wants splitting (a decide/render pair, a helper), not scrolling.
    const MAX_FUNCTION_LINES: usize = 80;

    /// `(file, name, lines)` of every function before the file's `#[cfg(test)]`, measured from
    /// its `fn` line to the `}` at the same indentation (rustfmt's layout).
    fn functions(dir: &Path, found: &mut Vec<(String, String, usize)>) {
        let Ok(entries) = std::fs::read_dir(dir) else { panic!("cannot read {}", dir.display()) };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                functions(&path, found);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            let lines: Vec<&str> = text.lines().take_while(|l| l.trim() != "#[cfg(test)]").collect();
            for (i, line) in lines.iter().enumerate() {
                let indent = line.len() - line.trim_start().len();
                let rest = line.trim_start().trim_start_matches("pub(crate) ").trim_start_matches("pub(super) ");
                let rest = rest.trim_start_matches("pub ");
                let Some(name) = rest.strip_prefix("fn ") else { continue };
                let name: String = name.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                let close = format!("{}}}", " ".repeat(indent));
                let end = lines[i..].iter().position(|l| *l == close || l.trim_end().ends_with('}') && *l == *line);
                found.push((path.display().to_string(), name, end.map_or(usize::MAX, |e| e + 1)));
            }
        }
    }

    #[test]
    fn no_function_in_the_guest_is_over_80_lines() {
        let mut found = Vec::new();
        functions(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
        assert!(found.len() > 200, "the scan found only {} functions", found.len());
        let long: Vec<_> = found.iter().filter(|(_, _, n)| *n > MAX_FUNCTION_LINES).collect();
        assert!(long.is_empty(), "functions over {MAX_FUNCTION_LINES} lines: {long:?}");
    }
}
