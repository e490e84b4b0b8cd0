//! Reading local inputs — files to compare or pin, manifests, configs, lock files — bounded in
//! size, with errors that name the file and say what to do. Files the guest reads are handed over
//! open, not read, and streamed to it (`blob.rs`). A local input that cannot be read is a
//! usage error (exit 2): the gate was pointed at something that is not there.

use std::fs::{File, Metadata};
use std::io::{ErrorKind, Read};
use std::path::Path;

use crate::blob::{Blob, LocalFile};
use crate::commands::Problem;

/// The largest file gitea-gate reads by default (`--max-size` changes it).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

/// A path as text: gitea-gate reports and pins paths as UTF-8.
pub fn utf8_path(path: &Path) -> Result<&str, Problem> {
    path.to_str().ok_or_else(|| {
        Problem::usage_with_help(
            format!("the path {} is not valid UTF-8", path.display()),
            "rename the file; gitea-gate reports and pins paths as UTF-8 text",
        )
    })
}

/// Read `path` (a `what`, e.g. "the local copy"), at most `max` bytes.
pub fn read_bounded(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, Problem> {
    let (file, metadata) = open_checked(path, max, what)?;
    read_all(file, metadata.len(), path, max, what)
}

/// `path` as a blob for the guest, at most `max` bytes. A regular file is read only as the guest
/// consumes it (and must keep its length until then); anything else (a pipe, a device) is read
/// into memory now.
pub fn open_bounded(path: &Path, max: u64, what: &str) -> Result<Blob, Problem> {
    let (file, metadata) = open_checked(path, max, what)?;
    if metadata.is_file() {
        return Ok(Blob::File(LocalFile::new(file, metadata.len(), format!("{what} {}", path.display()))));
    }
    read_all(file, 0, path, max, what).map(Blob::from)
}

/// Open `path` and check, on the open file, that it is not a directory and not above `max`.
fn open_checked(path: &Path, max: u64, what: &str) -> Result<(File, Metadata), Problem> {
    let shown = path.display();
    let cannot_read = |e: std::io::Error| match e.kind() {
        ErrorKind::NotFound => Problem::usage_with_help(
            format!("{what} {shown} does not exist"),
            "check the path (it is relative to the working directory)",
        ),
        _ => Problem::usage(format!("cannot read {what} {shown}: {e}")),
    };
    let file = File::open(path).map_err(cannot_read)?;
    let metadata = file.metadata().map_err(cannot_read)?;
    if metadata.is_dir() {
        return Err(Problem::usage(format!("{what} {shown} is a directory, not a file")));
    }
    if metadata.len() > max {
        return Err(Problem::usage_with_help(
            format!("{what} {shown} is {} bytes, above the {max}-byte limit", metadata.len()),
            "raise the limit with --max-size BYTES if the file is meant to be this large",
        ));
    }
    Ok((file, metadata))
}

/// Read all of `file` (of about `expected` bytes), refusing more than `max`.
fn read_all(file: File, expected: u64, path: &Path, max: u64, what: &str) -> Result<Vec<u8>, Problem> {
    let shown = path.display();
    let mut bytes = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Problem::usage(format!("cannot read {what} {shown}: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(Problem::usage(format!("{what} {shown} grew beyond the {max}-byte limit while being read")));
    }
    Ok(bytes)
}

/// Whether `path` exists at all (a missing pinned file is a finding, not a usage error).
pub fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}
