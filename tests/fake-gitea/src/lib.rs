//! A loopback fake of the Gitea REST API v1 for gitea-gate's tests, demo and benchmarks.
//!
//! Built from `docs/gitea.md` (cited per behaviour in the route modules), not from what
//! gitea-gate expects: `/raw` silently serving the default branch for an unknown ref,
//! `content: null` above 10 MiB, 404-not-403 for invisible repositories, clamped pagination with
//! `X-Total-Count` counting hidden pending reviews, unpaginated comments with 500 for an unknown
//! index, the team endpoints' caller-dependent 403/404, 401 for bad tokens, 500 for a status on an
//! unknown sha, and the Actions job token's identity and limits.
//!
//! On top of that it injects latency and faults per route and records every request and every
//! posted status. Tests use it in-process ([`FakeGitea::start`]); scripts use the `fake-gitea`
//! binary and its `/_fake/…` control endpoints.
#![forbid(unsafe_code)]

pub mod auth;
pub mod faults;
pub mod fixture;
pub mod http;
pub mod pagination;
pub mod routes;
pub mod server;

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};

use crate::faults::{Armed, Fault, FaultKind};
use crate::http::{Delivery, Request, Response, Server};
use crate::routes::{Ctx, lock};

pub use crate::fixture::*;

/// A request as the fake saw it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: std::collections::BTreeMap<String, String>,
    /// Login of the authenticated caller (`gitea-actions` for the job token), if any.
    pub caller: Option<String>,
    /// Whether an `Authorization` header was sent.
    pub authorization: bool,
    pub body: String,
}

/// A review request someone made (`POST /pulls/{n}/requested_reviewers`): a user or a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewRequested {
    pub repo: String,
    pub number: u64,
    pub reviewer: Option<String>,
    pub team: Option<String>,
    /// Who asked.
    pub by: String,
}

/// A commit status someone posted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostedStatus {
    pub repo: String,
    pub sha: String,
    pub state: String,
    pub context: String,
    pub description: String,
    pub target_url: String,
    pub creator: String,
}

/// A release someone created (routes/releases.rs).
#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub id: u64,
    /// `owner/name`
    pub repo: String,
    pub tag_name: String,
    pub target: String,
    pub name: String,
    pub body: String,
    pub draft: bool,
    pub prerelease: bool,
    /// Login of the caller who created it.
    pub publisher: String,
    pub assets: Vec<ReleaseAsset>,
}

/// An uploaded release asset.
#[derive(Debug, Clone, Serialize)]
pub struct ReleaseAsset {
    pub id: u64,
    pub name: String,
    #[serde(skip)]
    pub bytes: Arc<Vec<u8>>,
}

/// A file's bytes and its git blob id.
pub struct Blob {
    pub bytes: Vec<u8>,
    pub id: String,
}

impl Blob {
    fn of(bytes: Vec<u8>) -> Blob {
        let id = routes::repos::blob_id(&bytes);
        Blob { bytes, id }
    }
}

/// Generated contents by (size, seed).
type Generated = HashMap<(u64, u64), Arc<Blob>>;

/// Generated file contents and their blob ids, made once: a 100 MiB file would otherwise be
/// generated and hashed on every request, and the benchmarks would time the fake, not the gate.
#[derive(Default)]
pub struct BlobCache(Mutex<Generated>);

impl BlobCache {
    pub fn blob(&self, file: &FileContent) -> Arc<Blob> {
        match file {
            FileContent::Generated { size, seed } => {
                Arc::clone(lock(&self.0).entry((*size, *seed)).or_insert_with(|| Arc::new(Blob::of(file.bytes()))))
            }
            other => Arc::new(Blob::of(other.bytes())),
        }
    }
}

struct Shared {
    fixture: Fixture,
    base_url: Mutex<String>,
    faults: Mutex<Vec<Armed>>,
    latency: Mutex<Duration>,
    requests: Mutex<Vec<RecordedRequest>>,
    statuses: Mutex<Vec<PostedStatus>>,
    review_requests: Mutex<Vec<ReviewRequested>>,
    releases: Mutex<Vec<Release>>,
    blobs: BlobCache,
}

/// A running fake Gitea on 127.0.0.1.
pub struct FakeGitea {
    server: Server,
    shared: Arc<Shared>,
}

impl FakeGitea {
    /// Serve `fixture` on a free loopback port.
    pub fn start(fixture: Fixture) -> io::Result<FakeGitea> {
        FakeGitea::start_on(fixture, 0)
    }

    pub fn start_on(mut fixture: Fixture, port: u16) -> io::Result<FakeGitea> {
        if let Some(version) = std::env::var("FAKE_GITEA_VERSION").ok().filter(|v| !v.is_empty()) {
            fixture.version = version;
        }
        let shared = Arc::new(Shared {
            fixture,
            base_url: Mutex::new(String::new()),
            faults: Mutex::new(Vec::new()),
            latency: Mutex::new(Duration::ZERO),
            requests: Mutex::new(Vec::new()),
            statuses: Mutex::new(Vec::new()),
            review_requests: Mutex::new(Vec::new()),
            releases: Mutex::new(Vec::new()),
            blobs: BlobCache::default(),
        });
        let handler_state = Arc::clone(&shared);
        let server = Server::start(port, Arc::new(move |request| handle(&handler_state, request)))?;
        *lock(&shared.base_url) = format!("http://{}", server.addr);
        Ok(FakeGitea { server, shared })
    }

    /// What the imitated server does differently (`FAKE_GITEA_VERSION` may have chosen it).
    pub fn behaviour(&self) -> server::Behaviour {
        self.shared.fixture.behaviour()
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// `http://127.0.0.1:PORT/api/v1`
    pub fn api_url(&self) -> String {
        format!("{}/api/v1", self.url())
    }

    pub fn add_fault(&self, fault: Fault) {
        let remaining = fault.times;
        lock(&self.shared.faults).push(Armed { fault, remaining });
    }

    /// Shorthand: `kind` on `path` (a glob) for every method, `times` times (all when `None`).
    pub fn fault(&self, path: &str, times: Option<u32>, kind: FaultKind) {
        self.add_fault(Fault { method: None, path: path.to_owned(), times, fault: kind });
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Delay every API response by `latency` (each request independently).
    pub fn set_latency(&self, latency: Duration) {
        *lock(&self.shared.latency) = latency;
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    pub fn statuses(&self) -> Vec<PostedStatus> {
        lock(&self.shared.statuses).clone()
    }

    /// Every review request made, in order.
    pub fn review_requests(&self) -> Vec<ReviewRequested> {
        lock(&self.shared.review_requests).clone()
    }

    pub fn releases(&self) -> Vec<Release> {
        lock(&self.shared.releases).clone()
    }

    pub fn shutdown(&self) {
        self.server.stop();
    }
}

fn handle(shared: &Shared, request: Request) -> Response {
    let base_url = lock(&shared.base_url).clone();
    if let Some(control) = request.path.strip_prefix("/_fake/") {
        return control_endpoint(shared, control, &request);
    }
    let caller = auth::caller(&shared.fixture, &request);
    lock(&shared.requests).push(RecordedRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        query: request.query.clone(),
        caller: caller.as_ref().ok().and_then(|c| c.login().map(str::to_owned)),
        authorization: request.headers.contains_key("authorization"),
        body: String::from_utf8_lossy(&request.body).into_owned(),
    });
    let fault = lock(&shared.faults).iter_mut().find_map(|armed| armed.take(&request.method, &request.path));
    let mut latency = *lock(&shared.latency);
    if let Some(FaultKind::Latency { ms }) = &fault {
        latency += Duration::from_millis(*ms);
    }
    if !latency.is_zero() {
        std::thread::sleep(latency);
    }

    let ctx_for = |caller| Ctx {
        fixture: &shared.fixture,
        caller,
        base_url: base_url.clone(),
        statuses: &shared.statuses,
        review_requests: &shared.review_requests,
        blobs: &shared.blobs,
        releases: &shared.releases,
    };
    let Some(api_path) = request.path.strip_prefix("/api/v1/") else {
        // The one web route served: a release asset's download URL.
        let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
        if let [owner, name, "releases", "download", tag, file] = segments[..] {
            let caller = caller.unwrap_or(auth::Caller::Anonymous);
            return routes::releases::download(&ctx_for(caller), owner, name, tag, file);
        }
        // Forgejo's own API answers its version too, the same string (§16).
        if segments == ["api", "forgejo", "v1", "version"] && shared.fixture.behaviour().forgejo_version_route {
            return Response::json(200, &json!({"version": shared.fixture.version}));
        }
        return Response::json(404, &json!({"message": "not found"}));
    };
    let api_path = api_path.trim_end_matches('/').to_owned();
    let segments: Vec<&str> = api_path.split('/').collect();
    // A presented but unknown token fails authentication for every route (§7.1).
    let response = match caller {
        Err(auth::BadToken) => {
            // Gitea 1.22 and Forgejo answer with the failed lookup's own error, which from
            // Forgejo 15 on names the token (§14, §16).
            let message = match shared.fixture.behaviour().bad_token_text {
                Some(text) => text.to_owned(),
                None => format!(
                    "access token does not exist [sha: {}]",
                    auth::presented_token(&request).unwrap_or_default()
                ),
            };
            routes::error(&ctx_for(auth::Caller::Anonymous), 401, &message)
        }
        Ok(caller) => {
            // "Same page forever": answer every page with page 1.
            let request = if matches!(fault, Some(FaultKind::SamePageForever)) {
                let mut first = request.clone();
                first.query.insert("page".to_owned(), "1".to_owned());
                first
            } else {
                request
            };
            routes::route(&ctx_for(caller), &request, &segments)
        }
    };
    match fault {
        Some(kind) => apply(kind, response),
        None => response,
    }
}

/// Turn a normal response into the injected fault.
fn apply(kind: FaultKind, mut response: Response) -> Response {
    match kind {
        FaultKind::Status { status, body } => {
            let body = body.unwrap_or_else(|| json!({"message": "injected fault"}).to_string());
            Response::new(status, "application/json;charset=utf-8", body.into_bytes())
        }
        FaultKind::RateLimited { retry_after } => {
            Response::json(429, &json!({"message": "rate limited"})).header("Retry-After", retry_after)
        }
        FaultKind::Latency { .. } | FaultKind::SamePageForever => response,
        FaultKind::Hang { ms } => {
            response.delivery = Delivery::Hang(Duration::from_millis(ms.unwrap_or(3_600_000)));
            response
        }
        FaultKind::Truncate => {
            let send = response.body.len() / 2;
            response.delivery = Delivery::Truncate { send };
            response
        }
        FaultKind::Reset => {
            response.delivery = Delivery::Reset;
            response
        }
        FaultKind::InvalidJson => {
            Response::new(200, "application/json;charset=utf-8", b"{\"message\": \"not quite json".to_vec())
        }
        FaultKind::WrongShape => {
            let is_array = response.body.first() == Some(&b'[');
            let body = if is_array {
                json!({"message": "an object where an array belongs"})
            } else {
                json!([{"unexpected": true}])
            };
            Response::json(200, &body)
        }
        FaultKind::Oversized { bytes } => {
            let mut body = Vec::with_capacity(bytes + 16);
            body.push(b'[');
            while body.len() < bytes {
                body.extend_from_slice(b"{\"id\":1,\"padding\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"},");
            }
            body.extend_from_slice(b"{\"id\":1}]");
            Response::new(200, "application/json;charset=utf-8", body)
        }
        FaultKind::TotalCount { value } => {
            response.headers.retain(|(name, _)| !name.eq_ignore_ascii_case("x-total-count"));
            response.header("X-Total-Count", value.to_string())
        }
    }
}

/// `/_fake/requests`, `/_fake/statuses`, `/_fake/releases` (GET), `/_fake/faults` (POST a fault, DELETE all),
/// `/_fake/latency` (POST `{"ms": N}`).
fn control_endpoint(shared: &Shared, path: &str, request: &Request) -> Response {
    let ok = || Response::json(200, &json!({"ok": true}));
    match (request.method.as_str(), path) {
        ("GET", "requests") => {
            Response::json(200, &serde_json::to_value(&*lock(&shared.requests)).unwrap_or(Value::Null))
        }
        ("GET", "statuses") => {
            Response::json(200, &serde_json::to_value(&*lock(&shared.statuses)).unwrap_or(Value::Null))
        }
        ("GET", "releases") => {
            Response::json(200, &serde_json::to_value(&*lock(&shared.releases)).unwrap_or(Value::Null))
        }
        ("POST", "faults") => match serde_json::from_slice::<Fault>(&request.body) {
            Ok(fault) => {
                let remaining = fault.times;
                lock(&shared.faults).push(Armed { fault, remaining });
                ok()
            }
            Err(e) => Response::json(400, &json!({"message": e.to_string()})),
        },
        ("DELETE", "faults") => {
            lock(&shared.faults).clear();
            ok()
        }
        ("POST", "latency") => {
            match serde_json::from_slice::<Value>(&request.body).ok().and_then(|v| v.get("ms")?.as_u64()) {
                Some(ms) => {
                    *lock(&shared.latency) = Duration::from_millis(ms);
                    ok()
                }
                None => Response::json(400, &json!({"message": "expected {\"ms\": N}"})),
            }
        }
        _ => Response::json(404, &json!({"message": "unknown control endpoint"})),
    }
}
