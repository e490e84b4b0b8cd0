//! Every finding code (guest and host: one enum, protocol/src/codes.rs) has a section in docs/findings.md whose quoted line is
//! the code's one-line description, and the docs name no code that does not exist.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::collections::BTreeSet;

use gitea_gate_protocol::Code;

#[test]
fn every_code_is_documented_and_every_documented_code_exists() {
    let docs =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/findings.md")).expect("docs/findings.md");
    let known: Vec<(&str, &str)> = Code::ALL.iter().map(|c| (c.as_str(), c.description())).collect();

    let documented: BTreeSet<&str> =
        docs.lines().filter_map(|l| l.strip_prefix("### `").and_then(|r| r.strip_suffix('`'))).collect();
    let codes: BTreeSet<&str> = known.iter().map(|(code, _)| *code).collect();
    assert_eq!(codes.len(), known.len(), "a code is defined twice");
    let undocumented: Vec<_> = codes.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&codes).collect();
    assert!(undocumented.is_empty(), "codes without a section in docs/findings.md: {undocumented:?}");
    assert!(unknown.is_empty(), "docs/findings.md documents codes that do not exist: {unknown:?}");

    for (code, description) in known {
        assert!(code.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{code} is not kebab-case");
        let section = docs.split(&format!("### `{code}`")).nth(1).expect("section");
        let section = section.split("\n### ").next().unwrap_or(section);
        assert!(section.contains(&format!("> {description}")), "docs/findings.md `{code}` must quote: {description}");
    }
}
