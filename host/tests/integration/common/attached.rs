//! The binary under test as it ships: the test build of `gitea-gate` with its guest's machine code
//! attached (host/src/sandbox/machine_code.rs), made once per test run.
//!
//! The machine code comes from `target/guest-aot/` when `scripts/xtask precompile` (scripts/test.sh
//! runs it) made it from the embedded wasm; otherwise it is precompiled here, with the same
//! function, and cached under the test target directory by the wasm's digest.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use gitea_gate::engine_config::precompile;
use gitea_gate::guest;
use gitea_gate::sandbox::machine_code;
use sha2::{Digest, Sha256};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The machine code of the embedded guest for this build's target.
pub fn machine_code() -> &'static [u8] {
    static CODE: OnceLock<Vec<u8>> = OnceLock::new();
    CODE.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let name = format!("gitea-gate-guest.{}.cwasm", guest::TARGET);
        if let Some(code) = from_xtask(&tmp.join("../guest-aot"), &name) {
            return code;
        }
        let cached = tmp.join(format!("guest-aot-{}.{name}", guest::SHA256));
        if let Ok(code) = fs::read(&cached) {
            return code;
        }
        let code = precompile(guest::WASM, guest::TARGET).expect("precompile the embedded guest");
        write_whole(&cached, &code);
        code
    })
}

/// The artifact `xtask precompile` wrote into `dir`, if its manifest records it for this wasm.
fn from_xtask(dir: &Path, name: &str) -> Option<Vec<u8>> {
    let manifest = fs::read_to_string(dir.join("aot.sha256")).ok()?;
    let recorded =
        |file: &str| manifest.lines().find_map(|l| l.split_once("  ").filter(|(_, f)| *f == file).map(|p| p.0));
    (recorded("gitea-gate-guest.wasm")? == guest::SHA256).then_some(())?;
    let code = fs::read(dir.join(name)).ok()?;
    (recorded(name)? == hex(&Sha256::digest(&code))).then_some(code)
}

fn write_whole(path: &Path, bytes: &[u8]) {
    let partial = path.with_extension(format!("partial-{}", std::process::id()));
    fs::write(&partial, bytes).expect("write");
    fs::rename(&partial, path).expect("rename");
}

/// `gitea-gate` as built for the tests, with its machine code attached: what every black-box
/// test runs (it starts in milliseconds instead of compiling the guest at every start).
pub fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let built = fs::read(env!("CARGO_BIN_EXE_gitea-gate")).expect("the test build's gitea-gate");
        let digest: [u8; 32] = Sha256::digest(guest::WASM).into();
        let attached = machine_code::attach(&built, machine_code(), &digest).expect("attach the machine code");
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("attached");
        fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("gitea-gate");
        write_whole(&path, &attached);
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
        path
    })
}
