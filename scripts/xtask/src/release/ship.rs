//! Shipping: the linked binary with its arch's machine code attached (`xtask attach`,
//! host/src/sandbox/machine_code.rs), as dist/'s asset or another file.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Release, triple};
use crate::aot::attach;
use crate::workspace::create_dir;

/// The linked `arch` binary with its machine code attached, as `out` (default: dist/'s asset).
pub fn ship(r: &Release, arch: &str, out: Option<&Path>) -> Result<PathBuf, String> {
    let out = out.map(Path::to_path_buf).unwrap_or_else(|| r.dist(arch));
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir(parent)?;
    }
    let triple = triple(arch);
    let linked = r.target.join(&triple).join("release/gitea-gate");
    attach(&r.root, &linked, &triple, &r.target.join("guest-aot"), &out)?;
    let size = fs::metadata(&out).map_err(|e| format!("{}: {e}", out.display()))?.len();
    eprintln!("   {}: {size} bytes", out.display());
    Ok(out)
}
