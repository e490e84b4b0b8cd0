//! `GET /api/v1/version` (docs/gitea.md §10, §15): which server and version the gate talks to.
//! Gitea answers `{"version": "1.26.1"}`; Forgejo answers its own version with the Gitea version
//! it descends from, `{"version": "12.0.2+gitea-1.22.0"}`. The guest chooses every behaviour
//! that differs between versions from it (guest/src/server.rs).

use gitea_gate_protocol::Server;
use serde_json::Value;

use super::{ApiError, Client};

pub fn read(client: &Client) -> Result<Server, ApiError> {
    let path = "/version";
    let response = client.get_json(path, &[])?;
    let version = response.body.get("version").and_then(Value::as_str).map(str::trim).filter(|v| !v.is_empty());
    let version = version.ok_or_else(|| ApiError::shape(client.url(path), "expected {\"version\": \"…\"}"))?;
    Ok(Server::from_version(version))
}
