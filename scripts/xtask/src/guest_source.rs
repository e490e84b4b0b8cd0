//! The digest of the guest's sources: the one implementation, recorded in host/guest/PROVENANCE
//! by `xtask build-guest` and recomputed by the host's tests
//! (host/tests/integration/guest_artifact.rs compiles this file through `#[path]`), so that a
//! guest edit without a rebuild is caught on any machine, even one without a wasm toolchain.
//! std and sha2 only: both crates that compile it have them.
//!
//! The digest is sha256 over `<sha256>  <path>` lines (sha256sum's format) for
//! guest/Cargo.toml, protocol/Cargo.toml, then every guest/src/**/*.rs and protocol/src/**/*.rs
//! in byte order of their paths (the protocol crate is compiled into the guest).

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

/// The manifests, listed first, in this order.
const MANIFESTS: [&str; 2] = ["guest/Cargo.toml", "protocol/Cargo.toml"];
/// The directories whose `.rs` files follow, all of them sorted together.
const SOURCE_DIRS: [&str; 2] = ["guest/src", "protocol/src"];

/// The source digest of the workspace at `root`, as lowercase hex.
pub fn source_digest(root: &Path) -> Result<String, String> {
    let mut sources = Vec::new();
    for dir in SOURCE_DIRS {
        walk(root, dir, &mut sources)?;
    }
    sources.sort();
    let mut listing = String::new();
    for path in MANIFESTS.iter().map(|m| (*m).to_owned()).chain(sources) {
        let bytes = fs::read(root.join(&path)).map_err(|e| format!("{path}: {e}"))?;
        listing.push_str(&format!("{}  {path}\n", hex(&Sha256::digest(bytes))));
    }
    Ok(hex(&Sha256::digest(listing.as_bytes())))
}

/// Every `.rs` file under `root/dir`, as a `/`-separated path relative to `root`.
fn walk(root: &Path, dir: &str, out: &mut Vec<String>) -> Result<(), String> {
    let entries = fs::read_dir(root.join(dir)).map_err(|e| format!("{dir}: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{dir}: {e}"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{dir}/{name}");
        let kind = entry.file_type().map_err(|e| format!("{path}: {e}"))?;
        if kind.is_dir() {
            walk(root, &path, out)?;
        } else if kind.is_file() && name.ends_with(".rs") {
            out.push(path);
        }
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
