//! Where things are: the checkout xtask works on, its version, the target directory, digests of
//! files. Building the guest and releasing work on the checkout that holds the current directory,
//! not necessarily the one xtask was built from: the release workflow's end-to-end test runs the
//! CI build's tool on a copy of the tree at the tag.

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The workspace root: the nearest directory, from the current one up, whose Cargo.toml has a
/// `[workspace` table.
pub fn root() -> Result<PathBuf, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("the current directory: {e}"))?;
    cwd.ancestors().find(|dir| is_workspace_root(dir)).map(Path::to_path_buf).ok_or_else(|| {
        format!(
            "{} is not inside the gitea-gate checkout (no Cargo.toml with [workspace] here or above): run xtask from the checkout",
            cwd.display()
        )
    })
}

/// The checkout xtask was built from: its own committed wasm is what `precompile` and `attach`
/// compile and vouch for, wherever they are run from.
pub fn own_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn is_workspace_root(dir: &Path) -> bool {
    fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|text| text.lines().any(|l| l.starts_with("[workspace")))
}

/// The first `version = "…"` line of the root Cargo.toml: the workspace's version.
pub fn version(root: &Path) -> Result<String, String> {
    let manifest = read_text(&root.join("Cargo.toml"))?;
    manifest_version(&manifest).ok_or_else(|| "Cargo.toml has no `version = \"…\"` line".to_owned())
}

pub fn manifest_version(manifest: &str) -> Option<String> {
    manifest.lines().find_map(|l| l.strip_prefix("version = \"")?.strip_suffix('"')).map(str::to_owned)
}

/// CARGO_TARGET_DIR when set (relative to the root), else `root/target`: every build's.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// CARGO_HOME, or cargo's default: the registry's sources live under it.
pub fn cargo_home() -> PathBuf {
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    let home = std::env::var_os("HOME").filter(|v| !v.is_empty()).unwrap_or_else(|| "/root".into());
    PathBuf::from(home).join(".cargo")
}

pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read_text(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Write `bytes` to `path` by renaming a finished temporary file over it.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let partial = path.with_extension("partial");
    fs::write(&partial, bytes).map_err(|e| format!("{}: {e}", partial.display()))?;
    fs::rename(&partial, path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn create_dir(path: &Path) -> Result<(), String> {
    fs::create_dir_all(path).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn set_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The sha256 of a file's bytes, as sha256sum prints it.
pub fn sha256_file(path: &Path) -> Result<String, String> {
    Ok(hex(&Sha256::digest(read(path)?)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

    use super::manifest_version;

    #[test]
    fn the_version_is_the_first_version_line() {
        let manifest = "[workspace]\n[workspace.package]\nversion = \"1.2.0-dev\"\n[x]\nversion = \"9\"\n";
        assert_eq!(manifest_version(manifest).unwrap(), "1.2.0-dev");
        assert_eq!(manifest_version("  version = \"1\"\n"), None, "only a line that starts with it");
    }
}
