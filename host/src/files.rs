//! Every local path the gate reads or writes — files to compare or pin, manifests, configs, lock
//! files, the `--report` file — confined beneath the workspace, bounded in size, with errors that
//! name the path and say what to do (exit 2). See `docs/local-files.md` for the rules and why.
//!
//! - The workspace is the working directory (in Gitea Actions: the checkout, `GITHUB_WORKSPACE`,
//!   which is where `run:` steps start unless a `working-directory` says otherwise).
//! - A path is relative, never absolute, never has a `..` component and never a `.git` component.
//! - It is resolved by the kernel beneath the workspace and never through a symlink, in any
//!   component (`openat2` with `RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS`;
//!   on a kernel without `openat2`, the same walk one component at a time with `O_NOFOLLOW`).
//!   Git stores a symlink as its link text, never the file it points to, so a file reached
//!   through a symlink is never a file of the repository — and following one could print
//!   `.git/config` (with `actions/checkout`'s credentials) or any file of the runner.
//! - Only regular files are read: opening is non-blocking (a FIFO cannot hang the gate) and the
//!   type is checked on the open descriptor (a device cannot stream forever).
//! - Writes never follow a symlink either: the bytes go to a new temporary file beside the target,
//!   which is then renamed over it. A symlink at the target is replaced, its target untouched.
//!
//! Files the guest reads are handed over open, not read, and streamed to it (`blob.rs`).

use std::ffi::OsStr;
use std::fs::{File, Metadata};
use std::io::{Read, Write};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use crate::blob::{Blob, LocalFile};

/// The largest file gitea-gate reads by default (`--max-size` changes it).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 256 << 20;

const SYMLINK_HELP: &str = "gitea-gate never follows a symlink: git records a symlink as its link text, not as the \
     file it points to, and following one could read files outside the repository (such as .git/config); point at \
     the real file, inside the workspace";
const BENEATH_HELP: &str = "give a path relative to the working directory (the workspace), without `..`";

/// Why a local path cannot be used as asked: always the user's to fix (a usage error, exit 2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub message: String,
    pub help: Option<String>,
}

impl FileError {
    fn new(message: impl Into<String>) -> FileError {
        FileError { message: message.into(), help: None }
    }

    fn with_help(message: impl Into<String>, help: impl Into<String>) -> FileError {
        FileError { message: message.into(), help: Some(help.into()) }
    }

    /// The message, without its help.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A path as text: gitea-gate reports and pins paths as UTF-8.
pub fn utf8_path(path: &Path) -> Result<&str, FileError> {
    path.to_str().ok_or_else(|| {
        FileError::with_help(
            format!("the path {} is not valid UTF-8", path.display()),
            "rename the file; gitea-gate reports and pins paths as UTF-8 text",
        )
    })
}

/// `path`'s components, checked to stay beneath the workspace: relative, no `..`, no `.git`, not
/// the workspace itself. `.` components are dropped.
pub fn beneath<'a>(path: &'a Path, what: &str) -> Result<Vec<&'a OsStr>, FileError> {
    let shown = path.display();
    let mut parts = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(part) if part.as_bytes().eq_ignore_ascii_case(b".git") => {
                return Err(FileError::with_help(
                    format!("{what} {shown} is inside .git"),
                    "git never tracks files under .git (they hold the checkout's credentials); point at a file of the repository",
                ));
            }
            Component::Normal(part) => parts.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(FileError::with_help(
                    format!("{what} {shown} climbs out of the workspace with `..`"),
                    BENEATH_HELP,
                ));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(FileError::with_help(
                    format!(
                        "{what} {shown} is an absolute path; gitea-gate reads and writes only beneath the workspace"
                    ),
                    BENEATH_HELP,
                ));
            }
        }
    }
    if parts.is_empty() {
        return Err(FileError::with_help(format!("{what} {shown:?} names no file"), BENEATH_HELP));
    }
    Ok(parts)
}

/// The workspace root, as a directory handle.
fn root() -> Result<OwnedFd, Errno> {
    rustix::fs::openat(CWD, ".", OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())
}

/// Open `parts` beneath `root` with `flags`, following no symlink in any component.
fn resolve(root: BorrowedFd<'_>, parts: &[&OsStr], flags: OFlags, mode: Mode) -> Result<OwnedFd, Errno> {
    let joined: PathBuf = parts.iter().collect();
    let flags = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let how = ResolveFlags::BENEATH | ResolveFlags::NO_SYMLINKS | ResolveFlags::NO_MAGICLINKS;
    match rustix::fs::openat2(root, &joined, flags, mode, how) {
        // Linux before 5.6 (or a seccomp filter that hides openat2): the same rules, by hand.
        Err(Errno::NOSYS) => walk(root, parts, flags, mode),
        other => other,
    }
}

/// What `resolve` does, one component at a time: each directory opened with `O_NOFOLLOW` from its
/// parent's descriptor, the last component with `O_NOFOLLOW`. The components are plain names (no
/// `..`, see [`beneath`]), so the walk cannot leave `root`; a symlink anywhere is `ELOOP`.
fn walk(root: BorrowedFd<'_>, parts: &[&OsStr], flags: OFlags, mode: Mode) -> Result<OwnedFd, Errno> {
    let (last, dirs) = parts.split_last().ok_or(Errno::INVAL)?;
    let mut dir: Option<OwnedFd> = None;
    for part in dirs {
        let at = dir.as_ref().map_or(root, AsFd::as_fd);
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let next = rustix::fs::openat(at, *part, flags, Mode::empty()).map_err(|e| symlink_or(at, part, e))?;
        dir = Some(next);
    }
    let at = dir.as_ref().map_or(root, AsFd::as_fd);
    rustix::fs::openat(at, *last, flags | OFlags::NOFOLLOW, mode).map_err(|e| symlink_or(at, last, e))
}

/// `ELOOP` if `part` (in `at`) is a symlink, else `e`: the walk reports a symlink as openat2 does.
fn symlink_or(at: BorrowedFd<'_>, part: &OsStr, e: Errno) -> Errno {
    match rustix::fs::statat(at, part, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Symlink => Errno::LOOP,
        _ => e,
    }
}

/// The error for a failed resolution of `path` (a `what`).
fn resolve_problem(path: &Path, what: &str, e: Errno) -> FileError {
    let shown = path.display();
    match e {
        Errno::NOENT => FileError::with_help(
            format!("{what} {shown} does not exist"),
            "check the path (it is relative to the working directory, the workspace)",
        ),
        // A directory opened with O_NOFOLLOW that is a symlink is ENOTDIR, not ELOOP.
        Errno::LOOP | Errno::NOTDIR if e == Errno::LOOP || first_symlink(path).is_some() => match first_symlink(path) {
            Some((link, text)) if link == path => {
                FileError::with_help(format!("{what} {shown} is a symlink (to {text})"), SYMLINK_HELP)
            }
            Some((link, text)) => FileError::with_help(
                format!("{what} {shown} lies behind the symlink {} (to {text})", link.display()),
                SYMLINK_HELP,
            ),
            None => FileError::with_help(format!("{what} {shown} is reached through a symlink"), SYMLINK_HELP),
        },
        Errno::XDEV => FileError::with_help(format!("{what} {shown} leads outside the workspace"), BENEATH_HELP),
        Errno::NOTDIR => FileError::new(format!("{what} {shown}: a parent of it is not a directory")),
        _ => FileError::new(format!("cannot open {what} {shown}: {}", std::io::Error::from(e))),
    }
}

/// The first component of `path` that is a symlink, and its link text (for messages only: `lstat`
/// and `readlink` never follow the link itself).
fn first_symlink(path: &Path) -> Option<(PathBuf, String)> {
    let mut prefix = PathBuf::new();
    for component in path.components() {
        prefix.push(component);
        if std::fs::symlink_metadata(&prefix).is_ok_and(|m| m.file_type().is_symlink()) {
            let text = std::fs::read_link(&prefix).map_or_else(|_| "?".to_owned(), |t| t.display().to_string());
            return Some((prefix, text));
        }
    }
    None
}

/// Open `path` for reading, beneath the workspace; `None` if it does not exist.
fn open_beneath(path: &Path, what: &str) -> Result<Option<File>, FileError> {
    let parts = beneath(path, what)?;
    let root = root()
        .map_err(|e| FileError::new(format!("cannot open the working directory: {}", std::io::Error::from(e))))?;
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY;
    match resolve(root.as_fd(), &parts, flags, Mode::empty()) {
        Ok(fd) => Ok(Some(File::from(fd))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(resolve_problem(path, what, e)),
    }
}

/// Open `path` and check, on the open file, that it is a regular file not above `max`.
fn open_checked(path: &Path, max: u64, what: &str) -> Result<Option<(File, Metadata)>, FileError> {
    let shown = path.display();
    let Some(file) = open_beneath(path, what)? else { return Ok(None) };
    let metadata = file.metadata().map_err(|e| FileError::new(format!("cannot read {what} {shown}: {e}")))?;
    let kind = metadata.file_type();
    if kind.is_dir() {
        return Err(FileError::new(format!("{what} {shown} is a directory, not a file")));
    }
    if !kind.is_file() {
        let name = if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_socket() {
            "a socket"
        } else if kind.is_char_device() || kind.is_block_device() {
            "a device"
        } else {
            "not a regular file"
        };
        return Err(FileError::with_help(
            format!("{what} {shown} is {name}, not a regular file"),
            "gitea-gate reads only regular files (a FIFO or a device could block it or never end)",
        ));
    }
    if metadata.len() > max {
        return Err(FileError::with_help(
            format!("{what} {shown} is {} bytes, above the {max}-byte limit", metadata.len()),
            "raise the limit with --max-size BYTES if the file is meant to be this large",
        ));
    }
    Ok(Some((file, metadata)))
}

fn not_found(path: &Path, what: &str) -> FileError {
    resolve_problem(path, what, Errno::NOENT)
}

/// Read `path` (a `what`, e.g. "the manifest"), at most `max` bytes.
pub fn read_bounded(path: &Path, max: u64, what: &str) -> Result<Vec<u8>, FileError> {
    read_bounded_if_exists(path, max, what)?.ok_or_else(|| not_found(path, what))
}

/// [`read_bounded`], with `None` for a file that does not exist.
pub fn read_bounded_if_exists(path: &Path, max: u64, what: &str) -> Result<Option<Vec<u8>>, FileError> {
    let Some((file, metadata)) = open_checked(path, max, what)? else { return Ok(None) };
    let shown = path.display();
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::new(format!("cannot read {what} {shown}: {e}")))?;
    if bytes.len() as u64 > max {
        return Err(FileError::new(format!("{what} {shown} grew beyond the {max}-byte limit while being read")));
    }
    Ok(Some(bytes))
}

/// `path` as a blob for the guest, at most `max` bytes, read only as the guest consumes it (the
/// file must keep its length until then).
pub fn open_bounded(path: &Path, max: u64, what: &str) -> Result<Blob, FileError> {
    open_bounded_if_exists(path, max, what)?.ok_or_else(|| not_found(path, what))
}

/// [`open_bounded`], with `None` for a file that does not exist (a missing pinned file is a
/// finding, not a usage error).
pub fn open_bounded_if_exists(path: &Path, max: u64, what: &str) -> Result<Option<Blob>, FileError> {
    Ok(open_checked(path, max, what)?
        .map(|(file, metadata)| Blob::File(LocalFile::new(file, metadata.len(), format!("{what} {}", path.display())))))
}

/// Check, before anything runs, that `path` can be a write target: beneath the workspace, its
/// directory (if it exists) reached without a symlink.
pub fn check_write_target(path: &Path, what: &str) -> Result<(), FileError> {
    let parts = beneath(path, what)?;
    let Some((_, dirs)) = parts.split_last() else { return Ok(()) };
    if dirs.is_empty() {
        return Ok(());
    }
    let root = root()
        .map_err(|e| FileError::new(format!("cannot open the working directory: {}", std::io::Error::from(e))))?;
    match resolve(root.as_fd(), dirs, OFlags::PATH | OFlags::DIRECTORY, Mode::empty()) {
        Ok(_) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(parent_problem(path, what, e)),
    }
}

/// The error for a write target whose directory could not be resolved.
fn parent_problem(path: &Path, what: &str, e: Errno) -> FileError {
    match e {
        Errno::NOENT => FileError::new(format!("the directory of {what} {} does not exist", path.display())),
        _ => resolve_problem(path, what, e),
    }
}

/// Replace `path` (beneath the workspace) with `bytes`, so that a reader sees the old file or the
/// new one, never half, and never writing through a symlink: the bytes go to a new file beside
/// it, renamed over it.
pub fn write_atomically(path: &Path, bytes: &[u8], what: &str) -> Result<(), FileError> {
    let shown = path.display();
    let parts = beneath(path, what)?;
    let failed = |e: std::io::Error| FileError::new(format!("cannot write {what} {shown}: {e}"));
    let (name, dirs) = parts.split_last().ok_or_else(|| not_found(path, what))?;
    let root = root().map_err(|e| failed(e.into()))?;
    let parent = if dirs.is_empty() {
        root
    } else {
        resolve(root.as_fd(), dirs, OFlags::PATH | OFlags::DIRECTORY, Mode::empty())
            .map_err(|e| parent_problem(path, what, e))?
    };
    let (temp_name, file) = create_temp(parent.as_fd(), name).map_err(|e| failed(e.into()))?;
    let mut file = File::from(file);
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| rustix::fs::renameat(&parent, &temp_name, &parent, *name).map_err(std::io::Error::from));
    if let Err(e) = written {
        let _ = rustix::fs::unlinkat(&parent, &temp_name, AtFlags::empty());
        return Err(failed(e));
    }
    Ok(())
}

/// A new file `.NAME.gitea-gate-PID-N.tmp` in `dir` (never an existing one, never a symlink).
fn create_temp(dir: BorrowedFd<'_>, name: &OsStr) -> Result<(PathBuf, OwnedFd), Errno> {
    let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    let mut last = Errno::EXIST;
    for attempt in 0..16u32 {
        let mut temp = std::ffi::OsString::from(".");
        temp.push(name);
        temp.push(format!(".gitea-gate-{}-{}.tmp", std::process::id(), stamp.wrapping_add(attempt)));
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        match rustix::fs::openat(dir, temp.as_os_str(), flags, Mode::from_raw_mode(0o644)) {
            Ok(fd) => return Ok((PathBuf::from(temp), fd)),
            Err(Errno::EXIST) => last = Errno::EXIST,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(path: &str) -> Vec<&OsStr> {
        beneath(Path::new(path), "x").expect("beneath")
    }

    #[test]
    fn paths_beneath_the_workspace() {
        assert_eq!(parts("./a/./b.txt"), [OsStr::new("a"), OsStr::new("b.txt")]);
        for bad in ["/etc/passwd", "../x", "a/../../x", "a/..", ".git/config", "sub/.GIT/config", ".", ""] {
            assert!(beneath(Path::new(bad), "x").is_err(), "{bad:?}");
        }
    }

    /// The fallback walk refuses exactly what openat2 refuses (run against a scratch tree).
    #[test]
    fn the_walk_never_follows_a_symlink() {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        std::fs::create_dir_all(d.join("real/sub")).expect("mkdir");
        std::fs::write(d.join("real/sub/f.txt"), b"x").expect("write");
        std::os::unix::fs::symlink("real", d.join("link")).expect("symlink");
        std::os::unix::fs::symlink("real/sub/f.txt", d.join("f-link")).expect("symlink");
        let root = rustix::fs::openat(CWD, d, OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).expect("root");
        let open = |p: &str, how: fn(BorrowedFd<'_>, &[&OsStr], OFlags, Mode) -> Result<OwnedFd, Errno>| {
            how(root.as_fd(), &parts(p), OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOFOLLOW, Mode::empty())
        };
        for how in [walk, resolve] {
            assert!(open("real/sub/f.txt", how).is_ok());
            assert_eq!(open("link/sub/f.txt", how).err(), Some(Errno::LOOP));
            assert_eq!(open("f-link", how).err(), Some(Errno::LOOP));
            assert_eq!(open("real/nope", how).err(), Some(Errno::NOENT));
        }
    }
}
