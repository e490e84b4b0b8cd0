//! Every environment variable gitea-gate reads, named once (docs/gitea.md §8.1 says what the
//! runner sets). The CLI test suite scrubs [`SCRUBBED_PREFIXES`] so a developer's own CI
//! environment cannot leak into a test.
//!
//! Secrets never come from here by name: `--token-env NAME` and `--require-secret NAME` name the
//! variable at run time.

/// The triggering event's name (`push`, `pull_request`, …). Overridden by `--event-name`.
pub const EVENT_NAME: &str = "GITHUB_EVENT_NAME";
/// Path of the event payload JSON. Overridden by `--event-path`.
pub const EVENT_PATH: &str = "GITHUB_EVENT_PATH";
/// `owner/name` of the repository the run belongs to. Overridden by `--repository`.
pub const REPOSITORY: &str = "GITHUB_REPOSITORY";
/// The API base URL (`…/api/v1`). Overridden by `--api-url`.
pub const API_URL: &str = "GITHUB_API_URL";
/// The Gitea address the runner registered with; `…/api/v1` is derived from it when
/// `GITHUB_API_URL` is unset.
pub const SERVER_URL: &str = "GITHUB_SERVER_URL";
/// The workflow's name and the job's id: with the event they make the name of the commit status
/// Gitea itself posts for the job (`<workflow> / <job> (<event>)`, docs/gitea.md §5.5).
pub const WORKFLOW: &str = "GITHUB_WORKFLOW";
pub const JOB: &str = "GITHUB_JOB";
/// The file that collects step outputs (`name<<DELIM` syntax).
pub const OUTPUT: &str = "GITHUB_OUTPUT";
/// The job summary file: Markdown appended by steps; Gitea 1.27 renders it (docs/gitea.md §8.4).
pub const STEP_SUMMARY: &str = "GITHUB_STEP_SUMMARY";
/// `true` inside Actions runners (GitHub, act, Gitea); selects `--format github` by default.
pub const ACTIONS: &str = "GITHUB_ACTIONS";
/// The per-repository run number: Gitea 1.25's web URL of a run is `…/actions/runs/N` with it
/// (not `GITHUB_RUN_ID`); it becomes a commit status's target URL.
pub const RUN_NUMBER: &str = "GITHUB_RUN_NUMBER";

/// A PEM bundle of the certificate authorities to trust for https:// instead of the platform's
/// store (self-hosted Gitea behind an internal CA), as OpenSSL, curl and git read it.
pub const SSL_CERT_FILE: &str = "SSL_CERT_FILE";

/// A file to which every request's envelope line (the facts, without blobs) is appended before
/// it goes to the guest: for diagnosis, and for the tests that prove no secret ever crosses.
pub const TRACE_GUEST_INPUT: &str = "GITEA_GATE_TRACE_GUEST_INPUT";

/// `1` prints how long each phase took (facts, sandbox load, guest run, output) to stderr.
pub const TIMINGS: &str = "GITEA_GATE_TIMINGS";
/// The hosts file read instead of `/etc/hosts` (tests; docs/architecture.md §11).
pub const HOSTS_FILE: &str = "GITEA_GATE_HOSTS_FILE";
/// The resolv.conf read instead of `/etc/resolv.conf` (tests; docs/architecture.md §11).
pub const RESOLV_CONF: &str = "GITEA_GATE_RESOLV_CONF";
/// The port of resolv.conf's name servers, which resolv.conf cannot say (default 53; tests).
pub const DNS_PORT: &str = "GITEA_GATE_DNS_PORT";

/// Prefixes of variables a runner sets; tests remove all of them before running the binary.
pub const SCRUBBED_PREFIXES: &[&str] = &["GITHUB_", "GITEA_", "INPUT_", "RUNNER_", "ACT"];

/// A variable's value, with unset and empty treated alike (runners set many variables to "").
pub fn get(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
