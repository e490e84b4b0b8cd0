//! Injected faults: per route (method + path glob), optionally only for the first N matching
//! requests, so that "500 then recovery" is expressible.
//!
//! JSON form: `{"method": "GET", "path": "/api/v1/repos/*/*/contents/**", "times": 1,
//!              "fault": {"kind": "status", "status": 500}}`
//! Globs: `*` matches one path segment, `**` (last) matches the rest.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    #[serde(default)]
    pub method: Option<String>,
    pub path: String,
    /// Only the first `times` matching requests (all when absent).
    #[serde(default)]
    pub times: Option<u32>,
    pub fault: FaultKind,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultKind {
    /// Answer with this status (and body, default `{"message": "injected"}`).
    Status {
        status: u16,
        #[serde(default)]
        body: Option<String>,
    },
    /// 429 Too Many Requests with `Retry-After: retry_after` (a proxy's rate limit; Gitea has
    /// none of its own).
    RateLimited { retry_after: String },
    /// Answer normally, `ms` later.
    Latency { ms: u64 },
    /// Never answer (or not for `ms`).
    Hang {
        #[serde(default)]
        ms: Option<u64>,
    },
    /// Declare the real Content-Length, send half the body, close.
    Truncate,
    /// Send half the body, then reset the connection.
    Reset,
    /// 200 with a body that is not JSON.
    InvalidJson,
    /// 200 with JSON of the wrong shape (an object where an array belongs, and vice versa).
    WrongShape,
    /// 200 with `bytes` bytes of valid-looking JSON.
    Oversized {
        #[serde(default = "default_oversized")]
        bytes: usize,
    },
    /// Answer normally, but with `X-Total-Count: value`.
    TotalCount { value: u64 },
    /// Every page of a list answers with page 1's items.
    SamePageForever,
}

fn default_oversized() -> usize {
    64 << 20
}

/// A fault with its remaining uses.
#[derive(Debug, Clone)]
pub struct Armed {
    pub fault: Fault,
    pub remaining: Option<u32>,
}

/// Whether `path` matches `pattern`.
pub fn glob_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut i = 0;
    for (n, part) in pattern.iter().enumerate() {
        if *part == "**" && n == pattern.len() - 1 {
            return i < path.len();
        }
        match path.get(i) {
            Some(segment) if *part == "*" || part == segment => i += 1,
            _ => return false,
        }
    }
    i == path.len()
}

impl Armed {
    /// Take one use of this fault for a request, if it applies.
    pub fn take(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        if self.remaining == Some(0) {
            return None;
        }
        if self.fault.method.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case(method)) {
            return None;
        }
        if !glob_matches(&self.fault.path, path) {
            return None;
        }
        if let Some(n) = self.remaining.as_mut() {
            *n -= 1;
        }
        Some(self.fault.fault.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("/api/v1/teams/*/members/*", "/api/v1/teams/20/members/alice"));
        assert!(!glob_matches("/api/v1/teams/*/members/*", "/api/v1/teams/20/members"));
        assert!(glob_matches("/api/v1/repos/*/*/contents/**", "/api/v1/repos/a/b/contents/x/y.yaml"));
        assert!(!glob_matches("/api/v1/repos/*/*/contents/**", "/api/v1/repos/a/b/contents"));
        assert!(glob_matches("/api/v1/version", "/api/v1/version"));
    }
}
