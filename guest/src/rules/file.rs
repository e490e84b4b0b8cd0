//! The policy file (docs/policy.md): parsed into typed rules, or an error that names the line and
//! the fix.
//!
//! YAML is read with `serde-saphyr`: it is maintained (serde_yaml is archived), pure Rust with no
//! `unsafe` parser underneath (its parser, granit-parser, is a fork of saphyr's), builds for
//! `wasm32-wasip1` without features beyond `deserialize`, reports errors with line and column,
//! and enforces a budget while parsing — alias and anchor counts, nesting depth, node and scalar
//! totals — so a billion-laughs alias bomb or a 10 000-deep nesting fails fast instead of
//! exhausting the sandbox's memory. A file whose name ends in `.json` is read as JSON.
//!
//! Unknown keys are errors (a typo such as `require:` must never silently drop a requirement).

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

use crate::rules::glob::Glob;
use crate::text::one_line;

/// The deepest `all`/`any` nesting a policy may use.
pub const MAX_DEPTH: usize = 16;
/// The most rules one file may hold.
pub const MAX_RULES: usize = 200;
/// A `count` above this is a typo, not a policy.
pub const MAX_COUNT: u32 = 1000;

/// What is wrong with a policy file, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// 1-based, when it can be told.
    pub line: Option<usize>,
    pub message: String,
    pub fix: String,
}

impl PolicyError {
    fn new(line: Option<usize>, message: impl Into<String>, fix: impl Into<String>) -> PolicyError {
        PolicyError { line, message: message.into(), fix: fix.into() }
    }

    /// `line 4: …` or the message alone.
    pub fn located(&self) -> String {
        match self.line {
            Some(line) => format!("line {line}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeownersMode {
    /// Each matching CODEOWNERS line needs one approval from its owners.
    Any,
    /// Every changed file needs an approval from one of its owners.
    EachFile,
}

impl CodeownersMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeownersMode::Any => "any",
            CodeownersMode::EachFile => "each-file",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    rules: Vec<RawRule>,
    #[serde(default)]
    policy: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    #[serde(default, rename = "if")]
    condition: Option<RawIf>,
    requires: RawRequires,
    #[serde(default)]
    disapproval: bool,
    #[serde(default)]
    waivable_by: Vec<String>,
    #[serde(default)]
    allow_contributors: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIf {
    #[serde(default)]
    changed_files: Option<RawChanged>,
    #[serde(default)]
    labels: Option<Vec<String>>,
    #[serde(default)]
    target_branches: Option<Vec<String>>,
    #[serde(default)]
    author: Option<RawPeople>,
    #[serde(default)]
    not_author: Option<RawPeople>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChanged {
    #[serde(default)]
    paths: Option<Vec<String>>,
    #[serde(default)]
    ignore: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPeople {
    #[serde(default)]
    teams: Vec<String>,
    #[serde(default)]
    users: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequires {
    #[serde(default)]
    count: Option<i64>,
    #[serde(default)]
    teams: Vec<String>,
    #[serde(default)]
    users: Vec<String>,
    #[serde(default)]
    codeowners: Option<CodeownersMode>,
}

/// Users and teams (`org/team` references).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct People {
    pub teams: Vec<String>,
    pub users: Vec<String>,
}

impl People {
    pub fn is_empty(&self) -> bool {
        self.teams.is_empty() && self.users.is_empty()
    }

    /// `acme/qa, @bob`
    pub fn label(&self) -> String {
        self.teams.iter().cloned().chain(self.users.iter().map(|u| format!("@{u}"))).collect::<Vec<_>>().join(", ")
    }
}

#[derive(Debug, Clone)]
pub struct ChangedFiles {
    pub paths: Vec<Glob>,
    pub ignore: Vec<Glob>,
}

#[derive(Debug, Clone, Default)]
pub struct Condition {
    pub changed_files: Option<ChangedFiles>,
    pub labels: Option<Vec<String>>,
    pub target_branches: Option<Vec<Glob>>,
    pub author: Option<People>,
    pub not_author: Option<People>,
}

#[derive(Debug, Clone)]
pub enum Requirement {
    Approvals { count: u32, from: People },
    CodeOwners(CodeownersMode),
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub line: Option<usize>,
    pub condition: Option<Condition>,
    pub requires: Requirement,
    pub disapproval: bool,
    pub waivable_by: Vec<String>,
    /// Someone who pushed or wrote a commit of the pull request (not its author) may approve
    /// and waive this rule (off by default: contributors are treated like the author).
    pub allow_contributors: bool,
}

/// The `policy:` tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Rule(usize),
    All(Vec<Node>),
    Any(Vec<Node>),
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub rules: Vec<Rule>,
    pub tree: Node,
}

impl Policy {
    /// Every team the policy names, sorted and without duplicates.
    pub fn teams(&self) -> Vec<String> {
        let mut teams = BTreeSet::new();
        for rule in &self.rules {
            if let Requirement::Approvals { from, .. } = &rule.requires {
                teams.extend(from.teams.iter().cloned());
            }
            teams.extend(rule.waivable_by.iter().cloned());
            if let Some(c) = &rule.condition {
                for people in [&c.author, &c.not_author].into_iter().flatten() {
                    teams.extend(people.teams.iter().cloned());
                }
            }
        }
        teams.into_iter().collect()
    }

    pub fn uses_codeowners(&self) -> bool {
        self.rules.iter().any(|r| matches!(r.requires, Requirement::CodeOwners(_)))
    }

    /// The names of the rules that require code owners.
    pub fn codeowners_rules(&self) -> Vec<String> {
        self.rules.iter().filter(|r| matches!(r.requires, Requirement::CodeOwners(_))).map(|r| r.name.clone()).collect()
    }
}

/// The first line (1-based) whose text contains `needle`, searching from `from_line`.
fn line_of(text: &str, needle: &str, from_line: usize) -> Option<usize> {
    text.lines().enumerate().skip(from_line.saturating_sub(1)).find(|(_, l)| l.contains(needle)).map(|(i, _)| i + 1)
}

/// The first line from `from_line` on that holds `name` after the word `name` (`- name: qa`,
/// `"name": "qa"`).
fn line_of_name(text: &str, name: &str, from_line: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find(|(_, l)| l.find("name").is_some_and(|at| l[at + 4..].contains(name)))
        .map(|(i, _)| i + 1)
}

/// Parse `text`; `path` decides the format (`.json` is JSON, anything else YAML).
pub fn parse(path: &str, text: &str) -> Result<Policy, PolicyError> {
    let raw: RawFile = if path.to_ascii_lowercase().ends_with(".json") {
        serde_json::from_str(text).map_err(|e| {
            PolicyError::new(
                Some(e.line()).filter(|&l| l > 0),
                format!("not a valid policy file: {}", in_policy_words(&one_line(&e.to_string()))),
                "fix the JSON at that line; the keys are documented in the README's policy section",
            )
        })?
    } else {
        let mut budget = serde_saphyr::Budget::default();
        budget.max_depth = 48;
        budget.max_aliases = 100;
        budget.max_anchors = 100;
        budget.max_nodes = 50_000;
        budget.max_documents = 1;
        budget.max_total_scalar_bytes = 4 << 20;
        let mut options = serde_saphyr::Options::default();
        options.budget = Some(budget);
        serde_saphyr::from_str_with_options(text, options).map_err(|e| {
            let line = e.location().map(|l| l.line()).and_then(|l| usize::try_from(l).ok()).filter(|&l| l > 0);
            let first = e.to_string();
            let first = first.lines().next().unwrap_or("invalid YAML");
            PolicyError::new(
                line,
                format!("not a valid policy file: {}", in_policy_words(&one_line(first))),
                "fix the YAML at that line; the keys are documented in the README's policy section \
                 (rules: name, if, requires, disapproval, waivable_by, allow_contributors; policy: all/any)",
            )
        })?
    };
    build(raw, text)
}

/// A parser's message in the policy's own words: `count` is the file's only integer, so serde's
/// "invalid i64" (YAML) or "expected i64" (JSON) for `count: one` means it is not a whole number.
fn in_policy_words(message: &str) -> String {
    if message.contains("i64") {
        format!("count must be a whole number, the approvals required ({message})")
    } else {
        message.to_owned()
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn team_ref(team: &str, line: Option<usize>, rule: &str, key: &str) -> Result<String, PolicyError> {
    let t = team.strip_prefix('@').unwrap_or(team);
    match t.split_once('/') {
        Some((org, name)) if !org.is_empty() && !name.is_empty() && !name.contains('/') => Ok(t.to_owned()),
        _ => Err(PolicyError::new(
            line,
            format!("rule {rule}: {key} entry {:?} is not a team", one_line(team)),
            "name teams as org/team (for example acme/qa); list single people under users",
        )),
    }
}

fn globs(
    list: &[String],
    line_hint: Option<usize>,
    text: &str,
    rule: &str,
    key: &str,
) -> Result<Vec<Glob>, PolicyError> {
    list.iter()
        .map(|g| {
            Glob::new(g).map_err(|e| {
                PolicyError::new(
                    line_of(text, g, line_hint.unwrap_or(1)).or(line_hint),
                    format!("rule {rule}: {key} glob {:?} is invalid: {}", one_line(g), e.0),
                    "globs use `*` within a path segment, `**` for whole segments and `?` for one character",
                )
            })
        })
        .collect()
}

fn people(raw: RawPeople, line: Option<usize>, rule: &str, key: &str) -> Result<People, PolicyError> {
    let teams = raw.teams.iter().map(|t| team_ref(t, line, rule, key)).collect::<Result<Vec<_>, _>>()?;
    let users: Vec<String> = raw.users.iter().map(|u| u.strip_prefix('@').unwrap_or(u).to_owned()).collect();
    if let Some(bad) = users.iter().find(|u| u.is_empty() || u.contains('/') || u.contains(char::is_whitespace)) {
        return Err(PolicyError::new(
            line,
            format!("rule {rule}: {key} user {:?} is not a login", one_line(bad)),
            "list logins under users and org/team references under teams",
        ));
    }
    Ok(People { teams, users })
}

fn build(raw: RawFile, text: &str) -> Result<Policy, PolicyError> {
    if raw.rules.is_empty() {
        return Err(PolicyError::new(
            line_of(text, "rules", 1),
            "the policy has no rules",
            "add at least one rule; a policy with nothing to require must say so with an unconditional rule",
        ));
    }
    if raw.rules.len() > MAX_RULES {
        return Err(PolicyError::new(
            None,
            format!("the policy has {} rules", raw.rules.len()),
            format!("keep it to {MAX_RULES} rules"),
        ));
    }
    let mut rules: Vec<Rule> = Vec::with_capacity(raw.rules.len());
    let mut search_from = 1;
    for r in raw.rules {
        let line = line_of_name(text, &r.name, search_from);
        if let Some(l) = line {
            search_from = l + 1;
        }
        let name = r.name.clone();
        if !valid_name(&name) {
            return Err(PolicyError::new(
                line,
                format!("rule name {:?} is invalid", one_line(&name)),
                "rule names use lower-case letters, digits and `-` (for example security-leads)",
            ));
        }
        if rules.iter().any(|x| x.name == name) {
            return Err(PolicyError::new(
                line,
                format!("rule name {name} is used twice"),
                "give every rule a unique name",
            ));
        }
        let requires = requirement(r.requires, line, text, &name)?;
        let condition = r.condition.map(|c| condition(c, line, text, &name)).transpose()?;
        let waivable_by =
            r.waivable_by.iter().map(|t| team_ref(t, line, &name, "waivable_by")).collect::<Result<Vec<_>, _>>()?;
        let (disapproval, allow_contributors) = (r.disapproval, r.allow_contributors);
        rules.push(Rule { name, line, condition, requires, disapproval, waivable_by, allow_contributors });
    }
    let tree = match raw.policy {
        None => Node::All((0..rules.len()).map(Node::Rule).collect()),
        Some(value) => node(&value, &rules, text, 1)?,
    };
    Ok(Policy { rules, tree })
}

/// What a rule requires: CODEOWNERS approvals, or `count` approvals from teams and users.
fn requirement(requires: RawRequires, line: Option<usize>, text: &str, name: &str) -> Result<Requirement, PolicyError> {
    let requirement = match (requires.codeowners, requires.count) {
        (Some(mode), None) if requires.teams.is_empty() && requires.users.is_empty() => Requirement::CodeOwners(mode),
        (Some(_), _) => {
            return Err(PolicyError::new(
                line,
                format!("rule {name}: requires mixes codeowners with count, teams or users"),
                "split it into two rules and combine them with all: in the policy",
            ));
        }
        (None, count) => {
            let from = people(RawPeople { teams: requires.teams, users: requires.users }, line, name, "requires")?;
            if from.is_empty() {
                return Err(PolicyError::new(
                    line,
                    format!("rule {name}: requires names nobody"),
                    "add teams: [org/team] and/or users: [login], or codeowners: any | each-file",
                ));
            }
            let count = count.unwrap_or(1);
            if count < 1 || count > i64::from(MAX_COUNT) {
                return Err(PolicyError::new(
                    line_of(text, "count", line.unwrap_or(1)).or(line),
                    format!("rule {name}: count {count} is out of range"),
                    format!("count is the number of approvals required, 1 to {MAX_COUNT}"),
                ));
            }
            let count = u32::try_from(count).unwrap_or(1);
            if from.teams.is_empty() && count as usize > from.users.len() {
                return Err(PolicyError::new(
                    line_of(text, "count", line.unwrap_or(1)).or(line),
                    format!("rule {name}: count {count} can never be reached by {} listed users", from.users.len()),
                    "lower count, add users, or name a team",
                ));
            }
            Requirement::Approvals { count, from }
        }
    };
    Ok(requirement)
}

/// When a rule applies (`if:`): changed files, labels, target branches, author.
fn condition(c: RawIf, line: Option<usize>, text: &str, name: &str) -> Result<Condition, PolicyError> {
    let changed_files = match c.changed_files {
        None => None,
        Some(ch) => {
            let paths = ch.paths.unwrap_or_else(|| vec!["**".to_owned()]);
            if paths.is_empty() {
                return Err(PolicyError::new(
                    line,
                    format!("rule {name}: changed_files.paths is empty, so the rule could never apply"),
                    "list the globs that make the rule apply, or leave paths out to mean every file",
                ));
            }
            Some(ChangedFiles {
                paths: globs(&paths, line, text, name, "changed_files.paths")?,
                ignore: globs(&ch.ignore, line, text, name, "changed_files.ignore")?,
            })
        }
    };
    let target_branches = match c.target_branches {
        None => None,
        Some(list) => Some(globs(&list, line, text, name, "target_branches")?),
    };
    let author = c.author.map(|p| people(p, line, name, "if.author")).transpose()?;
    let not_author = c.not_author.map(|p| people(p, line, name, "if.not_author")).transpose()?;
    for (key, p) in [("author", &author), ("not_author", &not_author)] {
        if p.as_ref().is_some_and(People::is_empty) {
            return Err(PolicyError::new(
                line,
                format!("rule {name}: if.{key} names nobody"),
                format!("list teams and/or users under if.{key}, or remove it"),
            ));
        }
    }
    Ok(Condition { changed_files, labels: c.labels, target_branches, author, not_author })
}

fn node(value: &Value, rules: &[Rule], text: &str, depth: usize) -> Result<Node, PolicyError> {
    let policy_line = line_of(text, "policy", 1);
    if depth > MAX_DEPTH {
        return Err(PolicyError::new(
            policy_line,
            format!("the policy tree is nested deeper than {MAX_DEPTH} levels"),
            "flatten it: all/any of all/any can usually be written with fewer levels",
        ));
    }
    match value {
        Value::String(name) => match rules.iter().position(|r| &r.name == name) {
            Some(i) => Ok(Node::Rule(i)),
            None => Err(PolicyError::new(
                policy_line.and_then(|l| line_of(text, name, l)).or(policy_line),
                format!("the policy names rule {:?}, which is not defined", one_line(name)),
                format!(
                    "use one of the rule names ({}) or define the rule under rules:",
                    rules.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        },
        Value::Object(map) if map.len() == 1 => {
            let (key, children) = map.iter().next().map(|(k, v)| (k.as_str(), v)).unwrap_or(("", &Value::Null));
            let Value::Array(children) = children else {
                return Err(PolicyError::new(
                    policy_line,
                    format!("policy `{}` must hold a list", one_line(key)),
                    "write all: [a, b] or any: [a, b]",
                ));
            };
            if children.is_empty() {
                return Err(PolicyError::new(
                    policy_line,
                    format!("policy `{}` is empty", one_line(key)),
                    "list at least one rule name",
                ));
            }
            let nodes = children.iter().map(|c| node(c, rules, text, depth + 1)).collect::<Result<Vec<_>, _>>()?;
            match key {
                "all" => Ok(Node::All(nodes)),
                "any" => Ok(Node::Any(nodes)),
                other => Err(PolicyError::new(
                    policy_line.and_then(|l| line_of(text, other, l)).or(policy_line),
                    format!("unknown policy key `{}`", one_line(other)),
                    "the policy tree uses only all: and any: over rule names",
                )),
            }
        }
        _ => Err(PolicyError::new(
            policy_line,
            "the policy must be a rule name or a mapping with one key, all: or any:".to_owned(),
            "write, for example, policy: {all: [qa, {any: [security, owners]}]}",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = "\
rules:
  - name: qa
    requires: { count: 1, teams: [acme/qa] }
  - name: security
    if:
      changed_files: { paths: [\"auth/**\", \"migrations/**\"], ignore: [\"**/*.md\"] }
    requires: { count: 2, teams: [acme/security] }
    disapproval: true
    waivable_by: [acme/leads]
  - name: owners
    requires: { codeowners: any }
policy:
  all:
    - qa
    - any: [security, owners]
";

    fn err(text: &str) -> PolicyError {
        parse("policy.yml", text).expect_err("must be rejected")
    }

    #[test]
    fn the_design_example_parses() {
        let p = parse(".gitea/policy.yml", EXAMPLE).expect("parse");
        assert_eq!(p.rules.len(), 3);
        assert_eq!(p.tree, Node::All(vec![Node::Rule(0), Node::Any(vec![Node::Rule(1), Node::Rule(2)])]));
        assert!(matches!(p.rules[2].requires, Requirement::CodeOwners(CodeownersMode::Any)));
        assert!(p.rules[1].disapproval);
        assert_eq!(p.teams(), vec!["acme/leads", "acme/qa", "acme/security"]);
        assert_eq!(p.rules[1].line, Some(4));
    }

    #[test]
    fn json_too_and_default_tree_is_all_rules() {
        let json = r#"{"rules": [{"name": "qa", "requires": {"teams": ["acme/qa"]}},
                                 {"name": "owners", "requires": {"codeowners": "each-file"}}]}"#;
        let p = parse("policy.json", json).expect("parse");
        assert_eq!(p.tree, Node::All(vec![Node::Rule(0), Node::Rule(1)]));
        assert!(matches!(p.rules[0].requires, Requirement::Approvals { count: 1, .. }));
    }

    #[test]
    fn errors_name_the_line_and_the_fix() {
        let cases = [
            ("rules:\n  - name: qa\n    require: { teams: [acme/qa] }\n", Some(3), "unknown field"),
            (
                "rules:\n  - name: qa\n    requires: { teams: [acme/qa] }\npolicy:\n  all: [qa, sec]\n",
                Some(5),
                "not defined",
            ),
            ("rules:\n  - name: QA\n    requires: { teams: [acme/qa] }\n", Some(2), "is invalid"),
            (
                "rules:\n  - name: qa\n    requires: { teams: [acme/qa] }\n  - name: qa\n    requires: { users: [bob] }\n",
                Some(4),
                "used twice",
            ),
            ("rules:\n  - name: qa\n    requires: { count: 0, teams: [acme/qa] }\n", Some(3), "out of range"),
            (
                "rules:\n  - name: qa\n    requires: { count: one, teams: [acme/qa] }\n",
                Some(3),
                "count must be a whole number, the approvals required",
            ),
            (
                "rules:\n  - name: qa\n    requires: { count: 1.5, teams: [acme/qa] }\n",
                Some(3),
                "count must be a whole",
            ),
            ("rules:\n  - name: qa\n    requires: { count: 3, users: [a, b] }\n", Some(3), "never be reached"),
            (
                "rules:\n  - name: qa\n    if: { changed_files: { paths: [\"a**\"] } }\n    requires: { users: [a] }\n",
                Some(3),
                "invalid",
            ),
            ("rules:\n  - name: qa\n    requires: { teams: [qa] }\n", Some(2), "not a team"),
            ("rules:\n  - name: qa\n    requires: {}\n", Some(2), "names nobody"),
            ("rules:\n  - name: qa\n    requires: { codeowners: some }\n", Some(3), "unknown variant"),
            (
                "rules:\n  - name: qa\n    requires: { users: [a] }\npolicy:\n  both: [qa]\n",
                Some(5),
                "unknown policy key",
            ),
            ("rules: [\n", None, "not a valid policy file"),
        ];
        let json = r#"{"rules": [{"name": "qa", "requires": {"count": "one", "teams": ["acme/qa"]}}]}"#;
        let e = parse("policy.json", json).expect_err("count is a number");
        assert!(e.message.contains("count must be a whole number"), "{e:?}");
        for (text, line, want) in cases {
            let e = err(text);
            assert!(e.message.contains(want), "{text:?}: {e:?}");
            if line.is_some() {
                assert_eq!(e.line, line, "{text:?}: {e:?}");
            }
            assert!(!e.fix.is_empty());
        }
    }

    #[test]
    fn deep_trees_and_alias_bombs_are_refused() {
        let mut tree = "qa".to_owned();
        for _ in 0..20 {
            tree = format!("{{all: [{tree}]}}");
        }
        let text = format!("rules:\n  - name: qa\n    requires: {{ users: [a] }}\npolicy: {tree}\n");
        assert!(err(&text).message.contains("deeper"), "{:?}", err(&text));

        let mut bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n".to_owned();
        for i in 0..9 {
            let prev = if i == 0 { "a".to_owned() } else { format!("a{}", i - 1) };
            bomb.push_str(&format!("a{i}: &a{i} [{}]\n", vec![format!("*{prev}"); 10].join(",")));
        }
        bomb.push_str("rules: []\n");
        let started = std::time::Instant::now();
        let e = err(&bomb);
        assert!(started.elapsed().as_secs() < 2);
        assert!(e.message.contains("not a valid policy file"), "{e:?}");
    }
}
