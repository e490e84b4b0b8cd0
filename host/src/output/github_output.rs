//! Writing step outputs to `$GITHUB_OUTPUT`.
//!
//! Every value is written in the multi-line form `name<<DELIM` … `DELIM` with a random
//! delimiter, so no value, whatever it contains, can end its own entry early and add another
//! output (act parses this form: docs/gitea.md §8.2).

use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::Path;

use super::workflow::random_token;

/// Append `pairs` to the output file at `path`.
pub fn append(path: &Path, pairs: &[(String, String)]) -> io::Result<()> {
    let text = render(pairs, &format!("ghadelimiter_{}", random_token()))?;
    let mut file = OpenOptions::new().append(true).create(true).open(path)?;
    file.write_all(text.as_bytes())?;
    file.flush()
}

/// The file text for `pairs` with the given delimiter.
pub fn render(pairs: &[(String, String)], delimiter: &str) -> io::Result<String> {
    let mut text = String::new();
    for (name, value) in pairs {
        let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !name_ok {
            return Err(io::Error::other(format!("{name:?} is not a valid output name")));
        }
        if value.contains(delimiter) {
            return Err(io::Error::other(format!("the value of output {name} contains its delimiter")));
        }
        text.push_str(&format!("{name}<<{delimiter}\n{value}\n{delimiter}\n"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_cannot_escape_their_entry() {
        let hostile = "pass\nverdict<<EOF\nfail\nEOF".to_owned();
        let text = render(&[("reason".to_owned(), hostile.clone())], "ghadelimiter_x").expect("render");
        assert_eq!(text, format!("reason<<ghadelimiter_x\n{hostile}\nghadelimiter_x\n"));
        assert!(render(&[("reason".to_owned(), "a ghadelimiter_x b".to_owned())], "ghadelimiter_x").is_err());
        assert!(render(&[("bad name".to_owned(), String::new())], "d").is_err());
    }
}
