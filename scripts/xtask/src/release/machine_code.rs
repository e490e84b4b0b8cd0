//! The target directory's guest-aot/ holds the committed wasm's machine code for every release
//! target (`xtask precompile`), made here unless GITEA_GATE_AOT_WAIT says another process makes it.
//!
//! GITEA_GATE_AOT_WAIT=SECONDS: another process makes guest-aot/ (scripts/test.sh's first lane,
//! whose test build has the compiler already): link first, then wait up to SECONDS for it.

use std::time::Duration;

use super::Release;
use crate::aot::{MANIFEST, WASM, precompile_all, wasm_line};
use crate::workspace::{read_text, sha256_file};

/// How often a waiting release looks for the manifest.
const POLL: u64 = 5;

pub fn machine_code(r: &Release) -> Result<(), String> {
    let dir = r.target.join("guest-aot");
    let wasm = sha256_file(&r.root.join(WASM))?;
    let ready = || read_text(&dir.join(MANIFEST)).is_ok_and(|manifest| fresh(&manifest, &wasm));
    if let Some(limit) = wait_limit()? {
        let mut waited = 0;
        while !ready() {
            if waited >= limit {
                return Err(format!("no machine code in {} after {waited}s", dir.display()));
            }
            std::thread::sleep(Duration::from_secs(POLL));
            waited += POLL;
        }
        eprintln!("== machine code ready in {} (waited {waited}s)", dir.display());
    } else if !ready() {
        eprintln!("== precompiling the guest for every release target (xtask precompile)");
        precompile_all(&r.root, &dir)?;
    }
    Ok(())
}

/// GITEA_GATE_AOT_WAIT in seconds, when set.
fn wait_limit() -> Result<Option<u64>, String> {
    match std::env::var("GITEA_GATE_AOT_WAIT") {
        Ok(value) if !value.is_empty() => {
            value.parse().map(Some).map_err(|_| format!("GITEA_GATE_AOT_WAIT={value:?} is not a number of seconds"))
        }
        _ => Ok(None),
    }
}

/// Whether the manifest was written for the wasm of this digest (it is written last, whole).
pub fn fresh(manifest: &str, wasm_digest: &str) -> bool {
    manifest.lines().any(|line| line == wasm_line(wasm_digest))
}

#[cfg(test)]
mod tests {
    use super::fresh;

    #[test]
    fn only_a_manifest_of_this_wasm_is_fresh() {
        let manifest = "abc  gitea-gate-guest.wasm\ndef  gitea-gate-guest.x86_64-unknown-linux-gnu.cwasm\n";
        assert!(fresh(manifest, "abc"));
        assert!(!fresh(manifest, "def"), "an artifact's digest is not the wasm's");
        assert!(!fresh("", "abc"));
    }
}
