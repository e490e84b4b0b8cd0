//! API failures. Each carries the URL (never a token: tokens travel only in headers) and, when
//! the server answered, the status and Gitea's message, so the log says exactly what failed.

use std::fmt;
use std::io;

use super::resolve::ResolveError;

/// How one request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with a non-2xx status.
    Status { status: u16, message: String },
    /// No answer within the time limit.
    Timeout,
    /// Could not connect (refused, DNS, TLS).
    Connect(String),
    /// The host name did not resolve (hosts file, DNS): "cannot resolve <host>: why".
    Resolve(String),
    /// The same, but the name server may answer next time (timeout, unreachable).
    ResolveTemporary(String),
    /// The connection broke while sending or receiving.
    Transport(String),
    /// The body ended before the declared Content-Length.
    Truncated { declared: u64, received: u64 },
    /// The body is larger than allowed.
    TooLarge { limit: u64, declared: Option<u64> },
    /// The body is not JSON.
    BadJson(String),
    /// The body is JSON, but not the shape the endpoint documents.
    Shape(String),
}

impl Failure {
    /// Worth repeating a GET for: the server or the network may recover.
    pub fn is_retryable(&self) -> bool {
        match self {
            Failure::Status { status, .. } => *status == 429 || (500..600).contains(status),
            Failure::ResolveTemporary(_) => true,
            Failure::Resolve(_) => false,
            Failure::Timeout | Failure::Connect(_) | Failure::Transport(_) | Failure::Truncated { .. } => true,
            Failure::TooLarge { .. } | Failure::BadJson(_) | Failure::Shape(_) => false,
        }
    }

    pub fn from_transport(e: &ureq::Error) -> Failure {
        match e {
            ureq::Error::Timeout(_) => Failure::Timeout,
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => Failure::Connect(e.to_string()),
            ureq::Error::Tls(_) => Failure::Connect(e.to_string()),
            ureq::Error::Io(io) => Failure::from_io(io),
            ureq::Error::Other(inner) => match inner.downcast_ref::<ResolveError>() {
                Some(r) if r.temporary => Failure::ResolveTemporary(r.to_string()),
                Some(r) => Failure::Resolve(r.to_string()),
                None => Failure::Transport(e.to_string()),
            },
            ureq::Error::BodyExceedsLimit(limit) => Failure::TooLarge { limit: *limit, declared: None },
            other => Failure::Transport(other.to_string()),
        }
    }

    pub fn from_io(e: &io::Error) -> Failure {
        // ureq reports its own errors (timeouts included) wrapped in io::Error while a body is read.
        if let Some(inner) = e.get_ref().and_then(|inner| inner.downcast_ref::<ureq::Error>()) {
            return Failure::from_transport(inner);
        }
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Failure::Timeout,
            io::ErrorKind::ConnectionRefused => Failure::Connect(e.to_string()),
            _ => Failure::Transport(e.to_string()),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status { status, message } if message.is_empty() => write!(f, "HTTP {status}"),
            Failure::Status { status, message } => write!(f, "HTTP {status}: {}", one_line(message)),
            Failure::Timeout => f.write_str("timed out"),
            Failure::Connect(e) => write!(f, "cannot connect: {e}"),
            Failure::Transport(e) => write!(f, "connection failed: {e}"),
            Failure::Resolve(e) | Failure::ResolveTemporary(e) => write!(
                f,
                "{e} (check the host name in the API URL — --api-url, GITHUB_API_URL or GITHUB_SERVER_URL — and \
                 the runner's DNS: /etc/resolv.conf and /etc/hosts)"
            ),
            Failure::Truncated { declared, received } => {
                write!(f, "truncated body: {received} of {declared} declared bytes")
            }
            Failure::TooLarge { limit, declared: Some(declared) } => {
                write!(f, "body of {declared} bytes exceeds the {limit}-byte limit")
            }
            Failure::TooLarge { limit, declared: None } => write!(f, "body exceeds the {limit}-byte limit"),
            Failure::BadJson(e) => write!(f, "invalid JSON: {e}"),
            Failure::Shape(e) => write!(f, "unexpected JSON shape: {e}"),
        }
    }
}

/// A failed API call: what was asked, how it failed, after how many attempts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub url: String,
    pub failure: Failure,
    pub attempts: u32,
}

impl ApiError {
    pub fn new(url: String, failure: Failure) -> ApiError {
        ApiError { url, failure, attempts: 1 }
    }

    pub fn attempts(mut self, attempts: u32) -> ApiError {
        self.attempts = attempts;
        self
    }

    pub fn status(&self) -> Option<u16> {
        match self.failure {
            Failure::Status { status, .. } => Some(status),
            _ => None,
        }
    }

    /// The body answered, but not in the documented shape.
    pub fn shape(url: String, what: impl Into<String>) -> ApiError {
        ApiError::new(url, Failure::Shape(what.into()))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.url, self.failure)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Server-provided text, made safe for one log line.
fn one_line(raw: &str) -> String {
    raw.chars().take(300).map(|c| if c.is_control() { ' ' } else { c }).collect()
}
