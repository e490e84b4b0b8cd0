//! Which server the gate talks to, as it answered `GET /api/v1/version` (docs/gitea.md §10, §14,
//! §15): the behaviours that differ between versions are chosen from it, in the guest
//! (`guest/src/server.rs`), in one place.

use serde::{Deserialize, Serialize};

/// The server's product and version, as the host read them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    pub product: Product,
    /// The version as the server gave it: `1.26.1` (Gitea); `12.0.2+gitea-1.22.0` (Forgejo
    /// answers its own version with the Gitea version it descends from).
    pub version: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Product {
    Gitea,
    Forgejo,
}

impl Server {
    /// Read `GET /api/v1/version`'s `version`: Forgejo's carries `+gitea-`.
    pub fn from_version(version: &str) -> Server {
        let product = if version.contains("+gitea-") { Product::Forgejo } else { Product::Gitea };
        Server { product, version: version.to_owned() }
    }

    /// `major.minor.patch` of the product's own version (a `v` prefix, a `-rc1`/`+dev` suffix and
    /// missing parts are tolerated); `None` when it does not start with a number.
    pub fn release(&self) -> Option<(u64, u64, u64)> {
        let core = self.version.trim().trim_start_matches('v');
        let core = core.split(['+', '-', ' ']).next().unwrap_or("");
        let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
        let major = parts.next().flatten()?;
        let minor = parts.next().flatten().unwrap_or(0);
        let patch = parts.next().flatten().unwrap_or(0);
        Some((major, minor, patch))
    }
}
