//! The host's modules, and the guest's, depend on each other one way: reading every `use
//! crate::…`, `crate::…::` and `super::…` path in host/src or guest/src (outside `#[cfg(test)]`
//! code) gives a module graph that must have no cycle. A module that owns submodules (`commands` over `commands::trust`) may call into
//! them; everything else is an edge. Lower layers (files, facts, gitea, sandbox, protocol) return
//! their own errors instead of reaching up for the command layer's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `foo.rs` → `foo`, `foo/mod.rs` → `foo`, `foo/bar.rs` → `foo::bar`; `lib.rs` is the root `""`.
fn module_of(relative: &Path) -> String {
    let mut parts: Vec<String> = relative.with_extension("").iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts.join("::")
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read host/src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments and without its `#[cfg(test)]` tail.
fn code(text: &str) -> String {
    let mut kept = String::new();
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if !trimmed.starts_with("//") {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    kept
}

fn ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Split `a, b::{c, d}, e` at the commas that are not inside braces.
fn top_level_items(list: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (i, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(list[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(list[start..].trim());
    items.into_iter().filter(|s| !s.is_empty()).collect()
}

/// Every path (as segments from the crate root) that `code` in module `here` refers to.
fn paths(here: &str, code: &str) -> Vec<Vec<String>> {
    let parent: Vec<String> = {
        let mut p: Vec<String> = here.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
        p.pop();
        p
    };
    let mut found = Vec::new();
    for (anchor, base) in [("crate::", Vec::new()), ("super::", parent)] {
        let mut rest = code;
        while let Some(at) = rest.find(anchor) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + anchor.len()..];
            if before.is_some_and(|c| ident(c) || c == ':') {
                continue; // `foo::crate::` or a longer `crate::x::super::` chain
            }
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(group.len());
                for item in top_level_items(&group[..end]) {
                    let mut path = base.clone();
                    path.extend(item.split("::").map(|s| s.trim().to_owned()).filter(|s| s.chars().all(ident)));
                    found.push(path);
                }
                continue;
            }
            let end = rest.find(|c: char| !(ident(c) || c == ':')).unwrap_or(rest.len());
            if rest[end..].starts_with('!') {
                continue; // a macro exported at the crate root (`crate::log_line!`)
            }
            let mut path = base.clone();
            path.extend(rest[..end].split("::").filter(|s| !s.is_empty()).map(str::to_owned));
            found.push(path);
        }
    }
    found
}

/// The module a path lands in: its longest prefix that is a module.
fn target(modules: &BTreeSet<String>, path: &[String]) -> Option<String> {
    (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains(m))
}

fn graph(files: &[(String, String)]) -> Graph {
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).filter(|m| !m.is_empty()).collect();
    let mut graph = Graph::new();
    for (here, text) in files {
        if here.is_empty() {
            continue; // lib.rs only declares the modules
        }
        let edges = graph.entry(here.clone()).or_default();
        for path in paths(here, &code(text)) {
            let Some(to) = target(&modules, &path) else { continue };
            // A module may use what it owns; a submodule's use of its parent is an edge.
            if to != *here && !to.starts_with(&format!("{here}::")) {
                edges.insert(to);
            }
        }
    }
    graph
}

/// One cycle, as the modules along it, if there is any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, done: &mut BTreeSet<String>, stack: &mut Vec<String>) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

/// Every library module of the crate whose sources are under `root`, with its text.
fn crate_files(root: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    sources(root, &mut files);
    files
        .into_iter()
        .filter(|p| !p.ends_with("main.rs")) // the binary is another crate
        .map(|p| {
            let relative = p.strip_prefix(root).expect("under src").to_owned();
            (module_of(&relative), fs::read_to_string(&p).expect("source"))
        })
        .collect()
}

fn host_files() -> Vec<(String, String)> {
    crate_files(&src())
}

fn guest_files() -> Vec<(String, String)> {
    crate_files(&src().join("../../guest/src"))
}

#[test]
fn host_modules_have_no_import_cycle() {
    let graph = graph(&host_files());
    assert!(graph.len() > 20, "the graph is implausibly small: {graph:?}");
    let edges: usize = graph.values().map(BTreeSet::len).sum();
    assert!(edges > 30, "the graph has implausibly few edges: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle among host modules: {}", cycle.join(" → "));
    }
}

/// The guest too: the rule engine, the checks and what they share depend on each other one way.
#[test]
fn guest_modules_have_no_import_cycle() {
    let graph = graph(&guest_files());
    assert!(graph.len() > 30, "the graph is implausibly small: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import cycle among guest modules: {}", cycle.join(" → "));
    }
}

#[test]
fn lower_layers_do_not_reach_up() {
    let graph = graph(&host_files());
    for lower in ["files", "facts", "protocol", "blob", "sandbox", "gitea", "env", "exit", "output"] {
        for (module, edges) in graph.iter().filter(|(m, _)| *m == lower || m.starts_with(&format!("{lower}::"))) {
            for to in edges {
                assert!(
                    !(to == "cli" || to == "commands" || to.starts_with("commands::")),
                    "{module} depends on {to}: a lower layer must not use the command line or the commands"
                );
            }
        }
    }
}

#[test]
fn the_checker_sees_edges_and_cycles() {
    let files = |a: &str, b: &str| {
        vec![
            (String::new(), "pub mod a; pub mod b;".to_owned()),
            ("a".to_owned(), a.to_owned()),
            ("a::inner".to_owned(), "use super::{Thing, other};\n".to_owned()),
            ("b".to_owned(), b.to_owned()),
        ]
    };
    let acyclic = graph(&files("use crate::b::Thing;\ncrate::log_line!(\"x\");\n", "// crate::a::X\n"));
    assert_eq!(acyclic["a"], BTreeSet::from(["b".to_owned()]));
    assert_eq!(acyclic["a::inner"], BTreeSet::from(["a".to_owned()]));
    assert!(acyclic["b"].is_empty(), "comments are not code");
    assert_eq!(find_cycle(&acyclic), None);
    let cyclic = graph(&files("use crate::{b::Thing, a::inner};\n", "fn f() { crate::a::inner::g() }\n"));
    let cycle = find_cycle(&cyclic).expect("a → b → a::inner → a");
    assert_eq!(cycle.first(), cycle.last());
    assert!(cycle.contains(&"b".to_owned()) && cycle.contains(&"a::inner".to_owned()), "{cycle:?}");
    let test_only = graph(&files("", "#[cfg(test)]\nmod tests { use crate::a::X; }\n"));
    assert!(test_only["b"].is_empty(), "test code is not a dependency");
}
