//! The one place that talks HTTP to Gitea.
//!
//! Rules (fail closed): every request has a timeout; GETs are retried a bounded number of times
//! with backoff on 5xx, 429 and connection failures; bodies are size-bounded; a non-2xx answer is
//! an error the caller must handle; nothing here ever turns a failure into data. The token is
//! sent only in the `Authorization` header (never in a URL, so never in an error message), and
//! ureq drops that header on a redirect to another host.

use std::fmt;
use std::io::Read;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::Value;
use ureq::config::RedirectAuthHeaders;
use ureq::http::Response;
use ureq::tls::{RootCerts, TlsConfig};
use ureq::unversioned::transport::DefaultConnector;
use ureq::{Agent, Body, BodyReader};

use super::error::{ApiError, Failure};
use super::resolve::GateResolver;

/// A secret read from the environment variable its `name` says. Its value is never printed:
/// `Debug` and `Display` show only the name.
#[derive(Clone)]
pub struct Token {
    pub env_name: String,
    value: String,
}

impl Token {
    pub fn new(env_name: impl Into<String>, value: impl Into<String>) -> Token {
        Token { env_name: env_name.into(), value: value.into() }
    }

    pub fn value(&self) -> &str {
        &self.value
    }
}

/// Never the value: a `{:?}` in a log or a panic message names only the variable.
impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({} = ***)", self.env_name)
    }
}

/// The bytes are wiped when the last holder lets go (cheap; copies made for request headers are
/// the HTTP library's and live only as long as the request).
impl Drop for Token {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.value);
    }
}

/// Knobs of the client, from the CLI.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `…/api/v1`, without a trailing slash.
    pub api_url: String,
    /// Per-request time limit (connect, send, wait, receive).
    pub timeout: Duration,
    /// Extra attempts for a GET after a retryable failure.
    pub retries: u32,
    /// Largest JSON body accepted.
    pub max_json_bytes: u64,
    /// The certificate authorities https:// servers are checked against.
    pub root_certs: RootCerts,
}

impl ClientConfig {
    pub fn new(api_url: &str) -> ClientConfig {
        ClientConfig {
            api_url: api_url.trim_end_matches('/').to_owned(),
            timeout: Duration::from_secs(30),
            retries: 2,
            max_json_bytes: 32 << 20,
            root_certs: RootCerts::PlatformVerifier,
        }
    }

    /// The longest a GET may take, its retries included: each attempt's time limit, and before
    /// each retry at most `MAX_RETRY_AFTER` (the exponential backoff stays below it).
    pub fn longest_get(&self) -> Duration {
        let attempts = self.retries.saturating_add(1);
        self.timeout.saturating_mul(attempts).saturating_add(MAX_RETRY_AFTER.saturating_mul(self.retries))
    }
}

/// A successful (2xx) answer.
#[derive(Debug)]
pub struct ApiResponse<T> {
    pub status: u16,
    /// `X-Total-Count`, when the server sent a valid one.
    pub total_count: Option<u64>,
    /// `ETag` without quotes.
    pub etag: Option<String>,
    pub body: T,
}

#[derive(Clone)]
pub struct Client {
    agent: Agent,
    config: Arc<ClientConfig>,
    token: Option<Token>,
}

/// Characters escaped in one path segment (owner, repo, file path component).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// Percent-encode one path segment.
pub fn segment(raw: &str) -> String {
    utf8_percent_encode(raw, SEGMENT).to_string()
}

/// Percent-encode a `/`-separated file path, keeping the slashes.
pub fn file_path(raw: &str) -> String {
    raw.split('/').map(segment).collect::<Vec<_>>().join("/")
}

impl Client {
    pub fn new(config: ClientConfig, token: Option<Token>) -> Client {
        let config_built = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(config.timeout))
            .redirect_auth_headers(RedirectAuthHeaders::SameHost)
            .max_redirects(3)
            .user_agent(concat!("gitea-gate/", env!("CARGO_PKG_VERSION")))
            .max_idle_connections_per_host(32)
            .tls_config(TlsConfig::builder().root_certs(config.root_certs.clone()).build())
            .build();
        // Names resolved without the C library's NSS (static binaries; see resolve.rs).
        let agent = Agent::with_parts(config_built, DefaultConnector::default(), GateResolver::default());
        Client { agent, config: Arc::new(config), token }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    pub fn token(&self) -> Option<&Token> {
        self.token.as_ref()
    }

    /// The full URL of an API path such as `/repos/acme/core/pulls/7` (already encoded).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.api_url, path)
    }

    /// GET a JSON document.
    pub fn get_json(&self, path: &str, query: &[(&str, String)]) -> Result<ApiResponse<Value>, ApiError> {
        let response = self.get_bytes(path, query, self.config.max_json_bytes)?;
        let body = serde_json::from_slice(&response.body)
            .map_err(|e| ApiError::new(self.display_url(path, query), Failure::BadJson(e.to_string())))?;
        Ok(ApiResponse { status: response.status, total_count: response.total_count, etag: response.etag, body })
    }

    /// GET raw bytes, at most `limit` of them.
    pub fn get_bytes(
        &self,
        path: &str,
        query: &[(&str, String)],
        limit: u64,
    ) -> Result<ApiResponse<Vec<u8>>, ApiError> {
        self.get_with_retries(path, query, |response| read_body(response, limit))
    }

    /// GET a body to be read as it arrives (the status is checked; the body is not read here).
    /// Only the request is retried: a failure while the caller reads the body is final.
    pub fn get_stream(&self, path: &str, query: &[(&str, String)]) -> Result<BodyReader<'static>, ApiError> {
        self.get_with_retries(path, query, |response| {
            if !(200..300).contains(&response.status().as_u16()) {
                // The error's body is small; read_body turns it into the failure with Gitea's message.
                return Err(read_body(response, 1 << 20).err().unwrap_or(Failure::Shape("no error status".into())));
            }
            Ok(response.into_body().into_with_config().limit(u64::MAX).reader())
        })
    }

    /// GET with the bounded retries of a GET, `handle` turning each response into the result.
    fn get_with_retries<T>(
        &self,
        path: &str,
        query: &[(&str, String)],
        mut handle: impl FnMut(Response<Body>) -> Result<T, Failure>,
    ) -> Result<T, ApiError> {
        let url = self.url(path);
        let shown = self.display_url(path, query);
        let mut attempt = 0;
        loop {
            let started = Instant::now();
            let mut retry_after = None;
            let result = self.send_get(&url, query).and_then(|response| {
                retry_after = retry_after_seconds(&response);
                handle(response)
            });
            match result {
                Ok(ok) => return Ok(ok),
                // A server (or the proxy in front of Gitea, which has no rate limit of its own:
                // docs/gitea.md §7.1) that asks for a longer pause than this gate waits gets none.
                Err(failure @ Failure::Status { status: 429, .. })
                    if retry_after.is_some_and(|wait| wait > MAX_RETRY_AFTER) =>
                {
                    let wait = retry_after.unwrap_or_default().as_secs();
                    let failure = match failure {
                        Failure::Status { status, message } => Failure::Status {
                            status,
                            message: format!(
                                "{message} (Retry-After: {wait}s, longer than the {}s gitea-gate waits)",
                                MAX_RETRY_AFTER.as_secs()
                            ),
                        },
                        other => other,
                    };
                    return Err(ApiError::new(shown, self.redact(failure)).attempts(attempt + 1));
                }
                Err(failure) if failure.is_retryable() && attempt < self.config.retries => {
                    attempt += 1;
                    // 250 ms, 500 ms, 1 s …: enough for a restarting server, bounded overall; a
                    // 429 waits what its Retry-After asks (at most MAX_RETRY_AFTER).
                    let exponential = Duration::from_millis(250u64 << (attempt - 1).min(4));
                    let backoff = match (&failure, retry_after) {
                        (Failure::Status { status: 429, .. }, Some(wait)) => wait,
                        _ => exponential,
                    };
                    crate::log_line!(
                        "gitea-gate: GET {shown} failed ({failure}) after {:.1}s; retry {attempt}/{} in {:.2}s",
                        started.elapsed().as_secs_f64(),
                        self.config.retries,
                        backoff.as_secs_f64()
                    );
                    thread::sleep(backoff);
                }
                Err(failure) => return Err(ApiError::new(shown, self.redact(failure)).attempts(attempt + 1)),
            }
        }
    }

    /// POST a JSON body (never retried: the caller decides whether a repeat is safe).
    pub fn post_json(&self, path: &str, body: &Value) -> Result<ApiResponse<Value>, ApiError> {
        let url = self.url(path);
        let shown = self.display_url(path, &[]);
        let mut request = self.agent.post(&url).header("Accept", "application/json");
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("token {}", token.value()));
        }
        let response = request
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .map_err(|e| ApiError::new(shown.clone(), self.redact(Failure::from_transport(&e))))?;
        let bytes = read_body(response, self.config.max_json_bytes)
            .map_err(|f| ApiError::new(shown.clone(), self.redact(f)))?;
        let body = if bytes.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes.body).map_err(|e| ApiError::new(shown, Failure::BadJson(e.to_string())))?
        };
        Ok(ApiResponse { status: bytes.status, total_count: bytes.total_count, etag: bytes.etag, body })
    }

    /// Server-provided text can echo what it was sent (a proxy's 400 page quoting the
    /// `Authorization` header, say); the token's value never leaves in an error message.
    fn redact(&self, failure: Failure) -> Failure {
        let Some(token) = self.token.as_ref().map(Token::value).filter(|v| !v.is_empty()) else { return failure };
        let clean = |text: String| text.replace(token, "***");
        match failure {
            Failure::Status { status, message } => Failure::Status { status, message: clean(message) },
            Failure::Connect(e) => Failure::Connect(clean(e)),
            Failure::Transport(e) => Failure::Transport(clean(e)),
            Failure::Resolve(e) => Failure::Resolve(clean(e)),
            Failure::BadJson(e) => Failure::BadJson(clean(e)),
            Failure::Shape(e) => Failure::Shape(clean(e)),
            other => other,
        }
    }

    fn send_get(&self, url: &str, query: &[(&str, String)]) -> Result<Response<Body>, Failure> {
        let mut request = self.agent.get(url).header("Accept", "application/json");
        for (key, value) in query {
            request = request.query(*key, value);
        }
        if let Some(token) = &self.token {
            request = request.header("Authorization", format!("token {}", token.value()));
        }
        request.call().map_err(|e| Failure::from_transport(&e))
    }

    fn display_url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut url = self.url(path);
        for (i, (key, value)) in query.iter().enumerate() {
            url.push(if i == 0 { '?' } else { '&' });
            url.push_str(key);
            url.push('=');
            url.push_str(&segment(value));
        }
        url
    }
}

/// The longest `Retry-After` a GET waits for (each retry; `--retries` bounds how many).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// `Retry-After` in seconds (the HTTP-date form is not used by the proxies in front of Gitea;
/// without a number the usual backoff applies).
fn retry_after_seconds(response: &Response<Body>) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Read a response body within `limit`, turning a non-2xx status into a failure that carries
/// Gitea's `message`.
fn read_body(mut response: Response<Body>, limit: u64) -> Result<ApiResponse<Vec<u8>>, Failure> {
    let status = response.status().as_u16();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let total_count = header("x-total-count").and_then(|v| v.trim().parse::<u64>().ok());
    let etag = header("etag").map(|v| v.trim_start_matches("W/").trim_matches('"').to_owned());
    let declared = header("content-length").and_then(|v| v.parse::<u64>().ok());
    if let Some(declared) = declared.filter(|&n| n > limit) {
        return Err(Failure::TooLarge { limit, declared: Some(declared) });
    }
    // Read one byte past the limit so that "exactly at the limit" and "over it" differ.
    let mut body = Vec::with_capacity(usize::try_from(declared.unwrap_or(0).min(limit)).unwrap_or(0));
    let reader = response.body_mut().with_config().limit(u64::MAX).reader();
    reader.take(limit.saturating_add(1)).read_to_end(&mut body).map_err(|e| Failure::from_io(&e))?;
    if body.len() as u64 > limit {
        return Err(Failure::TooLarge { limit, declared });
    }
    if let Some(declared) = declared.filter(|&n| n != body.len() as u64) {
        return Err(Failure::Truncated { declared, received: body.len() as u64 });
    }
    if !(200..300).contains(&status) {
        let message = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        return Err(Failure::Status { status, message });
    }
    Ok(ApiResponse { status, total_count, etag, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_get_counts_every_attempt_and_every_pause() {
        // Three attempts of 30 s, and before each of the two retries at most a 30 s Retry-After.
        assert_eq!(ClientConfig::new("http://x/api/v1").longest_get(), Duration::from_secs(150));
        let once = ClientConfig { retries: 0, timeout: Duration::from_secs(5), ..ClientConfig::new("http://x") };
        assert_eq!(once.longest_get(), Duration::from_secs(5));
    }

    #[test]
    fn paths_are_encoded_per_segment() {
        assert_eq!(segment("acme"), "acme");
        assert_eq!(segment("a b/c?d#e"), "a%20b%2Fc%3Fd%23e");
        assert_eq!(file_path("internal/providers/providers.yaml"), "internal/providers/providers.yaml");
        assert_eq!(file_path("dir with space/ä.txt"), "dir%20with%20space/%C3%A4.txt");
    }

    #[test]
    fn token_debug_never_shows_the_value() {
        let token = Token::new("AUTO_SYNC_TOKEN", "s3cr3t-value");
        let shown = format!("{token:?}");
        assert!(shown.contains("AUTO_SYNC_TOKEN"));
        assert!(!shown.contains("s3cr3t"));
    }
}
