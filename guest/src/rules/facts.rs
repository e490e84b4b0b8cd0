//! What the host tells the guest for a `policy` check (protocol v1, check `"policy"`).
//!
//! The host gathers, for a pull request: the pull request, all its reviews and comments, all its
//! changed files (`/pulls/{n}/files`, every page; a list it could not read completely is never
//! sent — the host stops with exit 3), the policy file and CODEOWNERS read at the pull request's
//! base, every team the policy and CODEOWNERS name, and then — when this guest asks through
//! `needs.membership` — the membership probes, in one wave.

pub use gitea_gate_protocol::{ChangedFile, PolicyFacts, SourceFile};

/// Every changed path: both names of a rename, each path once, in list order.
pub fn changed_paths(files: &[ChangedFile]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        for path in std::iter::once(&f.filename).chain(f.previous_filename.as_ref()) {
            if !path.is_empty() && seen.insert(path.as_str()) {
                out.push(path.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renames_count_both_names_once() {
        let files = vec![
            ChangedFile {
                filename: "new/a.rs".into(),
                previous_filename: Some("old/a.rs".into()),
                status: Some("renamed".into()),
            },
            ChangedFile { filename: "logo.png".into(), previous_filename: None, status: Some("unchanged".into()) },
            ChangedFile { filename: "new/a.rs".into(), previous_filename: None, status: Some("changed".into()) },
        ];
        assert_eq!(changed_paths(&files), vec!["new/a.rs", "old/a.rs", "logo.png"]);
    }
}
