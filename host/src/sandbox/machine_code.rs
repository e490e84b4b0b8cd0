//! The guest's machine code, attached to the end of the executable after linking, and mapped
//! in place at start-up.
//!
//! Why attached and not compiled in: the machine code is a build product of the committed wasm
//! and the pinned wasmtime (`engine_config::precompile`), ~4–7 MB per architecture. Committed to
//! git it grew the history every runner clones by that much on every guest change; embedded by
//! build.rs it made every release build wait for a Cranelift precompile. Attached, the release
//! binary is linked without it and the step that precompiles (`scripts/xtask`) runs once, beside.
//!
//! Why mapped and not deserialized from a copy: `Module::deserialize` copies the whole artifact
//! into fresh anonymous memory (about 1,900 page faults and 5 ms for 7 MB, most of `trust`'s
//! run). Mapped read+execute straight from the executable's file, only the pages the guest
//! touches are read, from the page cache, shared by every process running the binary.
//!
//! The layout, from the end of the file backwards:
//!
//! ```text
//! [ executable as linked | zero padding to ALIGN | artifact (len bytes) | trailer (64 bytes) ]
//! trailer = MAGIC (16) | artifact offset (u64 LE) | artifact length (u64 LE) | sha256 of the wasm it was compiled from (32)
//! ```
//!
//! The trailer names the wasm the artifact was compiled from; the runtime refuses an artifact
//! made from any other wasm than the one this binary was built with (a payload swapped onto
//! another build), and every offset is checked against the file's size before anything is mapped.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::ptr::NonNull;

/// Identifies a gitea-gate trailer, and its version: another layout gets another magic.
const MAGIC: &[u8; 16] = b"gitea-gate-aot-1";
/// Bytes of the trailer at the very end of the file.
pub const TRAILER_LEN: usize = 64;
/// The artifact starts at a multiple of this in the file, so it can be mapped: 64 KiB is the
/// largest page size of any Linux the binaries run on (aarch64 kernels use 4, 16 or 64 KiB).
pub const ALIGN: u64 = 64 << 10;

/// `executable` with `artifact` (wasmtime's precompiled form of the wasm whose sha256 is
/// `wasm_sha256`) attached. `executable` must not carry an artifact already.
pub fn attach(executable: &[u8], artifact: &[u8], wasm_sha256: &[u8; 32]) -> Result<Vec<u8>, String> {
    if trailer(executable).is_some() {
        return Err("the executable already carries machine code; attach to the binary as linked".to_owned());
    }
    if artifact.get(..4) != Some(b"\x7fELF") {
        return Err("the artifact is not wasmtime's precompiled output (no ELF header)".to_owned());
    }
    let offset = (executable.len() as u64).div_ceil(ALIGN) * ALIGN;
    let mut out = Vec::with_capacity(offset as usize + artifact.len() + TRAILER_LEN);
    out.extend_from_slice(executable);
    out.resize(offset as usize, 0);
    out.extend_from_slice(artifact);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(&(artifact.len() as u64).to_le_bytes());
    out.extend_from_slice(wasm_sha256);
    Ok(out)
}

/// Where an attached artifact lies in a file, as its trailer says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Trailer {
    pub offset: u64,
    pub len: u64,
    pub wasm_sha256: [u8; 32],
}

/// The trailer at the end of `file_tail` (the last bytes of a file, at least [`TRAILER_LEN`]),
/// or None if the file carries none.
fn trailer(file_tail: &[u8]) -> Option<Trailer> {
    let start = file_tail.len().checked_sub(TRAILER_LEN)?;
    let bytes = &file_tail[start..];
    if &bytes[..16] != MAGIC {
        return None;
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    Some(Trailer { offset: word(16), len: word(24), wasm_sha256: bytes[32..64].try_into().unwrap_or_default() })
}

/// Why the attached machine code cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("cannot read the running executable (/proc/self/exe): {0}")]
    Unreadable(std::io::Error),
    #[error("the executable carries no machine code for the guest (it was not attached after linking)")]
    Missing,
    #[error("the executable's machine-code trailer is inconsistent with the file ({0})")]
    Malformed(String),
    #[error(
        "the attached machine code was compiled from another guest (sha256 {attached}) than the one built in ({built})"
    )]
    OtherGuest { attached: String, built: String },
    #[error("cannot map the attached machine code: {0}")]
    Map(std::io::Error),
}

/// The attached artifact, mapped read+execute for the life of the process (no `Drop`: the
/// module that runs from it may live as long as the process does).
#[derive(Debug)]
pub struct MappedCode {
    memory: NonNull<[u8]>,
}

impl MappedCode {
    /// Map the artifact attached to the running executable, if it was compiled from the wasm
    /// with sha256 `wasm_sha256` (hex).
    pub fn of_running_executable(wasm_sha256: &str) -> Result<MappedCode, Refused> {
        // /proc/self/exe opens the file this process was started from, even if a file of that
        // name was replaced since (so a swapped binary cannot lend us its machine code).
        let file = File::open("/proc/self/exe").map_err(Refused::Unreadable)?;
        MappedCode::of_file(&file, wasm_sha256)
    }

    /// Map the artifact attached to `file` (an executable), checked as described above.
    pub fn of_file(file: &File, wasm_sha256: &str) -> Result<MappedCode, Refused> {
        let size = file.metadata().map_err(Refused::Unreadable)?.len();
        let mut tail = [0u8; TRAILER_LEN];
        if size < TRAILER_LEN as u64 {
            return Err(Refused::Missing);
        }
        file.read_exact_at(&mut tail, size - TRAILER_LEN as u64).map_err(Refused::Unreadable)?;
        let Some(found) = trailer(&tail) else { return Err(Refused::Missing) };
        let attached = hex(&found.wasm_sha256);
        if attached != wasm_sha256 {
            return Err(Refused::OtherGuest { attached, built: wasm_sha256.to_owned() });
        }
        let end = found.offset.checked_add(found.len).and_then(|end| end.checked_add(TRAILER_LEN as u64));
        if found.offset % ALIGN != 0 || found.len == 0 || end != Some(size) {
            return Err(Refused::Malformed(format!(
                "offset {} and length {} in a file of {size} bytes",
                found.offset, found.len
            )));
        }
        let len = usize::try_from(found.len).map_err(|_| Refused::Malformed("length".to_owned()))?;
        // SAFETY: a new private mapping of `len` bytes of a file we opened read-only, at an
        // offset that is a multiple of every page size; nothing else aliases it. It is never
        // unmapped: the module that runs from it lives as long as the process.
        #[allow(unsafe_code, reason = "mapping the attached machine code is what makes start-up cheap")]
        let address = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                len,
                rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::EXEC,
                rustix::mm::MapFlags::PRIVATE,
                file,
                found.offset,
            )
        }
        .map_err(|e| Refused::Map(e.into()))?;
        let start = NonNull::new(address.cast::<u8>()).ok_or(Refused::Map(std::io::ErrorKind::Other.into()))?;
        Ok(MappedCode { memory: NonNull::slice_from_raw_parts(start, len) })
    }

    /// The mapped bytes, for `Module::deserialize_raw`.
    pub(crate) fn memory(&self) -> NonNull<[u8]> {
        self.memory
    }
}

/// The code is mapped executable already (and never writable), so there is nothing to publish:
/// wasmtime's default would `mprotect` memory it allocated itself, which this is not.
pub(crate) struct AlreadyExecutable;

impl wasmtime::CustomCodeMemory for AlreadyExecutable {
    fn required_alignment(&self) -> usize {
        1
    }
    fn publish_executable(&self, _ptr: *const u8, _len: usize) -> wasmtime::Result<()> {
        Ok(())
    }
    fn unpublish_executable(&self, _ptr: *const u8, _len: usize) -> wasmtime::Result<()> {
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, reason = "a test fails by panicking")]
    use std::io::Write;

    use super::*;

    const WASM: [u8; 32] = [7; 32];

    fn file_with(bytes: &[u8]) -> File {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file
    }

    fn artifact() -> Vec<u8> {
        let mut a = b"\x7fELF".to_vec();
        a.extend_from_slice(&[1; 5000]);
        a
    }

    #[test]
    fn attached_code_maps_back_byte_for_byte() {
        let exe = vec![9u8; 70_001];
        let attached = attach(&exe, &artifact(), &WASM).unwrap();
        assert_eq!(&attached[..exe.len()], &exe[..]);
        let found = trailer(&attached).unwrap();
        assert_eq!(found.offset % ALIGN, 0);
        assert_eq!(found.offset, 2 * ALIGN);
        let mapped = MappedCode::of_file(&file_with(&attached), &hex(&WASM)).unwrap();
        // SAFETY: the mapping is live and `len` bytes long.
        #[allow(unsafe_code, reason = "reading back the test's own mapping")]
        let bytes = unsafe { mapped.memory().as_ref() };
        assert_eq!(bytes, &artifact()[..]);
    }

    #[test]
    fn refuses_code_compiled_from_another_guest() {
        let attached = attach(&[1; 10], &artifact(), &WASM).unwrap();
        let refused = MappedCode::of_file(&file_with(&attached), &hex(&[8; 32])).unwrap_err();
        assert!(matches!(refused, Refused::OtherGuest { .. }), "{refused}");
    }

    #[test]
    fn refuses_a_file_without_trailer_and_a_lying_trailer() {
        let missing = MappedCode::of_file(&file_with(&[0; 100]), &hex(&WASM)).unwrap_err();
        assert!(matches!(missing, Refused::Missing), "{missing}");
        let tiny = MappedCode::of_file(&file_with(&[0; 3]), &hex(&WASM)).unwrap_err();
        assert!(matches!(tiny, Refused::Missing), "{tiny}");
        let attached = attach(&[1; 10], &artifact(), &WASM).unwrap();
        // A trailer whose length runs past the file, or whose offset is not aligned.
        for (at, value) in [(24, u64::MAX - 3), (24, 1), (16, 4096), (16, u64::MAX)] {
            let mut lying = attached.clone();
            let field = lying.len() - TRAILER_LEN + at;
            lying[field..field + 8].copy_from_slice(&value.to_le_bytes());
            let refused = MappedCode::of_file(&file_with(&lying), &hex(&WASM)).unwrap_err();
            assert!(matches!(refused, Refused::Malformed(_)), "{at}={value}: {refused}");
        }
        // Truncated: the trailer is gone, so is the code.
        let truncated = &attached[..attached.len() - 1];
        assert!(matches!(MappedCode::of_file(&file_with(truncated), &hex(&WASM)), Err(Refused::Missing)));
    }

    #[test]
    fn attach_refuses_twice_and_non_artifacts() {
        let attached = attach(&[1; 10], &artifact(), &WASM).unwrap();
        assert!(attach(&attached, &artifact(), &WASM).unwrap_err().contains("already"));
        assert!(attach(&[1; 10], b"\0asm", &WASM).unwrap_err().contains("no ELF header"));
    }
}
