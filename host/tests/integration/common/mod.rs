//! Helpers for black-box tests: the real binary, a scrubbed environment, and parsers that read
//! stdout and `$GITHUB_OUTPUT` the way a runner does.
#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

mod attached;
pub use attached::{binary, machine_code};

/// The binary under test, with every runner variable removed from its environment.
pub fn gitea_gate() -> Command {
    let mut command = Command::new(binary());
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy().into_owned();
        if gitea_gate::env::SCRUBBED_PREFIXES.iter().any(|p| key.starts_with(p)) || key.ends_with("_TOKEN") {
            command.env_remove(key);
        }
    }
    command.stdin(Stdio::null());
    command
}

pub fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/events")
}

pub fn event(name: &str) -> PathBuf {
    events_dir().join(format!("{name}.json"))
}

/// What one run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
    /// Parsed `$GITHUB_OUTPUT`, when the run was given one.
    pub outputs: BTreeMap<String, String>,
}

impl Run {
    pub fn output(&self, key: &str) -> &str {
        self.outputs.get(key).map(String::as_str).unwrap_or("<unset>")
    }
}

/// Run `command` (at most 60 s), with `$GITHUB_OUTPUT` in a temporary file.
pub fn run(mut command: Command) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let output_file = dir.path().join("github_output");
    command.env("GITHUB_OUTPUT", &output_file).stdout(Stdio::piped()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().expect("spawn gitea-gate");
    let mut stdout_pipe = child.stdout.take().expect("stdout");
    let mut stderr_pipe = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout_pipe.read_to_string(&mut s);
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr_pipe.read_to_string(&mut s);
        s
    });
    let status = match child.wait_timeout(Duration::from_secs(60)).expect("wait") {
        Some(status) => status,
        None => {
            let _ = child.kill();
            panic!("gitea-gate did not finish within 60 s");
        }
    };
    let elapsed = started.elapsed();
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    let outputs = std::fs::read_to_string(&output_file).map(|t| parse_github_output(&t)).unwrap_or_default();
    Run { code: status.code().unwrap_or(-1), stdout, stderr, elapsed, outputs }
}

/// `$GITHUB_OUTPUT` as act reads it: `name=value` lines and `name<<DELIM` blocks.
pub fn parse_github_output(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for inner in lines.by_ref() {
                if inner == delimiter {
                    break;
                }
                value.push(inner);
            }
            outputs.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_owned(), value.to_owned());
        }
    }
    outputs
}

/// A workflow command a runner would execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowCommand {
    pub name: String,
    pub properties: String,
    pub data: String,
}

/// The workflow commands a runner would execute for `stdout`, following act's rules
/// (`^::([^ :]+)( .*)?::(.*)$`, and `::stop-commands::TOKEN` … `::TOKEN::` fences).
pub fn workflow_commands(stdout: &str) -> Vec<WorkflowCommand> {
    let mut commands = Vec::new();
    let mut resume: Option<String> = None;
    for line in stdout.lines() {
        let Some(parsed) = parse_command(line) else { continue };
        if let Some(token) = &resume {
            if parsed.name == *token && parsed.properties.is_empty() && parsed.data.is_empty() {
                resume = None;
            }
            continue;
        }
        if parsed.name == "stop-commands" {
            resume = Some(parsed.data.clone());
            continue;
        }
        commands.push(parsed);
    }
    commands
}

fn parse_command(line: &str) -> Option<WorkflowCommand> {
    let rest = line.strip_prefix("::")?;
    // Greedy like the regex: properties run to the last "::".
    let end = rest.rfind("::")?;
    let (head, data) = (&rest[..end], &rest[end + 2..]);
    let (name, properties) = match head.find(' ') {
        Some(i) => (&head[..i], &head[i..]),
        None => (head, ""),
    };
    if name.is_empty() || name.contains(':') {
        return None;
    }
    Some(WorkflowCommand { name: name.to_owned(), properties: properties.trim().to_owned(), data: data.to_owned() })
}

/// Assert that the only commands in `stdout` are annotations gitea-gate itself emits.
pub fn assert_no_injected_commands(stdout: &str) {
    for command in workflow_commands(stdout) {
        assert!(
            matches!(command.name.as_str(), "error" | "warning" | "notice"),
            "unexpected workflow command {command:?} in:\n{stdout}"
        );
        assert!(!command.data.contains('\n'));
    }
}

/// The outputs `action.yml` declares (the keys of its `outputs:` block).
pub fn declared_outputs() -> std::collections::BTreeSet<String> {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../action.yml")).unwrap();
    let block = text.split("\noutputs:\n").nth(1).unwrap_or("").split("\nruns:").next().unwrap_or("");
    block
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|k| !k.starts_with(' '))
        .map(str::to_owned)
        .collect()
}

/// Whether `act` (the runner the end-to-end tests drive) is installed.
pub fn act_available() -> bool {
    Command::new("act").arg("--version").output().is_ok_and(|o| o.status.success())
}
