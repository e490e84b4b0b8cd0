//! The run's facts: which event started it, its payload, its repository, where the API is.
//! Each comes from the runner environment unless a flag overrides it (README.md, "CLI contract (v1)").

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::env;
use crate::protocol::{EventFacts, Lookup, PayloadView, RunContext};

/// Payload files larger than this are not read (Gitea's payloads are a few KiB).
pub const MAX_EVENT_BYTES: u64 = 64 << 20;

#[derive(Clone, Debug)]
pub struct RunFacts {
    pub event_name: Option<String>,
    pub event_path: Option<PathBuf>,
    /// The payload, or why it could not be read, as the guest receives it.
    pub event: EventFacts,
    pub repository: Option<String>,
    pub api_url: Option<String>,
}

/// What the command line says about the run, overriding the runner environment.
#[derive(Clone, Debug, Default)]
pub struct Given {
    pub event_name: Option<String>,
    pub event_path: Option<PathBuf>,
    pub repository: Option<String>,
    pub api_url: Option<String>,
}

impl Given {
    /// The event's name: `--event-name`, else the runner's (without reading the payload).
    pub fn event_name(&self) -> Option<String> {
        self.event_name.clone().or_else(|| env::get(env::EVENT_NAME))
    }
}

impl RunFacts {
    pub fn gather(args: &Given) -> RunFacts {
        let event_name = args.event_name();
        let event_path = args.event_path.clone().or_else(|| env::get(env::EVENT_PATH).map(PathBuf::from));
        let event = match &event_path {
            Some(path) => read_payload(path),
            None => EventFacts::Absent,
        };
        let repository = args.repository.clone().or_else(|| env::get(env::REPOSITORY));
        let api_url = args
            .api_url
            .clone()
            .or_else(|| env::get(env::API_URL))
            .or_else(|| env::get(env::SERVER_URL).map(|server| format!("{}/api/v1", server.trim_end_matches('/'))))
            .map(|url| url.trim_end_matches('/').to_owned());
        RunFacts { event_name, event_path, event, repository, api_url }
    }

    /// The guest's `context` object; `lookup` is a pull request the host fetched on request.
    pub fn context(&self, lookup: Option<&Lookup>) -> RunContext {
        RunContext {
            event_name: self.event_name.clone(),
            event: self.event.clone(),
            repository: self.repository.clone(),
            pull_request_lookup: lookup.cloned(),
        }
    }

    /// The parsed payload, when there is one.
    pub fn payload(&self) -> Option<&Value> {
        self.event.payload()
    }

    /// What the payload says about its pull request (typed; absent fields are `None`).
    pub fn payload_view(&self) -> PayloadView {
        PayloadView::of(self.payload())
    }

    /// Is this a pull-request run (whose workspace holds the pull request's files): a pull request
    /// or review event, or a comment on a pull request?
    pub fn is_pull_request_run(&self) -> bool {
        let name = self.event_name.as_deref().unwrap_or("");
        name.starts_with("pull_request") || (name == "issue_comment" && self.payload_view().is_pull_request_comment())
    }
}

fn read_payload(path: &Path) -> EventFacts {
    let unreadable = EventFacts::Unreadable;
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return unreadable(format!("cannot read {}: {e}", path.display())),
    };
    if !metadata.is_file() {
        return unreadable(format!("{} is not a file", path.display()));
    }
    if metadata.len() > MAX_EVENT_BYTES {
        return unreadable(format!("{} is larger than {MAX_EVENT_BYTES} bytes", path.display()));
    }
    match std::fs::read(path) {
        Err(e) => unreadable(format!("cannot read {}: {e}", path.display())),
        Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
            Ok(payload) => EventFacts::Payload(payload),
            Err(e) => unreadable(format!("{} is not valid JSON: {e}", path.display())),
        },
    }
}

/// Whether the environment variable `name` holds a usable secret (set, and not only blanks).
pub fn secret_present(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.to_string_lossy().trim().is_empty())
}

/// A secret's value from the environment variable `name`, if usable.
pub fn secret_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty()).map(|v| v.trim().to_owned())
}

/// Environment variable names as POSIX shells accept them.
pub fn valid_env_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
