//! A blob the guest reads on its stdin: bytes the host already holds (a small canonical copy,
//! the envelope line), a local file read from disk only as the guest consumes it, or a large
//! canonical copy downloaded as the guest consumes it (`gitea/download.rs`). A 100 MiB file
//! therefore lives once, in the guest, instead of once in the host and once more in the guest.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;

use crate::gitea::download::{Download, DownloadPass};

/// The most the host reads from a file per guest read: a chunk that is still in the CPU's cache
/// when the guest copies it (drift 10 MiB: 45 ms with 8 MiB chunks, 33 ms with 1 MiB).
const FILE_CHUNK: usize = 1 << 20;

#[derive(Clone, Debug)]
pub enum Blob {
    Memory(Bytes),
    File(LocalFile),
    Download(Download),
}

/// An open regular file and the length it had when it was checked against the size limit. Reads
/// are positional (`pread`), so one open file can feed several guest runs.
#[derive(Clone, Debug)]
pub struct LocalFile {
    file: Arc<File>,
    len: u64,
    /// What the file is, for messages: "the local copy providers.yaml".
    label: String,
}

impl LocalFile {
    pub fn new(file: File, len: u64, label: String) -> LocalFile {
        LocalFile { file: Arc::new(file), len, label }
    }
}

impl From<Bytes> for Blob {
    fn from(bytes: Bytes) -> Blob {
        Blob::Memory(bytes)
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Blob {
        Blob::Memory(Bytes::from(bytes))
    }
}

impl Blob {
    /// The length the guest is told (the envelope declares it before any byte is read).
    pub fn len(&self) -> u64 {
        match self {
            Blob::Memory(bytes) => bytes.len() as u64,
            Blob::File(file) => file.len,
            Blob::Download(download) => download.len(),
        }
    }

    /// How long reading the blob may take beyond the guest's own work: a download's time limit.
    pub fn transfer_allowance(&self) -> Duration {
        match self {
            Blob::Download(download) => download.time_limit(),
            Blob::Memory(_) | Blob::File(_) => Duration::ZERO,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn reader(&self) -> BlobReader {
        match self {
            Blob::Memory(bytes) => BlobReader::Memory { bytes: bytes.clone(), offset: 0 },
            Blob::File(local) => BlobReader::File { local: local.clone(), offset: 0, end_checked: false },
            Blob::Download(download) => BlobReader::Download(Box::new(download.pass())),
        }
    }
}

/// Why a blob could not be read: nothing may be decided on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadFailure {
    pub message: String,
    /// A downloaded canonical copy failed (the server, or its bytes), not a local file.
    pub download: bool,
}

impl ReadFailure {
    fn local(message: String) -> ReadFailure {
        ReadFailure { message, download: false }
    }
}

/// One pass over a blob.
pub enum BlobReader {
    Memory { bytes: Bytes, offset: usize },
    File { local: LocalFile, offset: u64, end_checked: bool },
    // Boxed: the hash state and the body reader are ten times the other variants.
    Download(Box<DownloadPass>),
}

impl BlobReader {
    pub fn is_download(&self) -> bool {
        matches!(self, BlobReader::Download(_))
    }

    /// The next at most `max` bytes; `None` once the declared length has been read. A file that
    /// is no longer exactly its declared length is an error naming it, and so is a download that
    /// is not the blob it was declared to be: the guest must never decide on a blob that differs
    /// from what the envelope promised.
    pub fn read(&mut self, max: usize) -> Result<Option<Bytes>, ReadFailure> {
        match self {
            BlobReader::Memory { bytes, offset } => {
                if *offset == bytes.len() {
                    return Ok(None);
                }
                let want = (bytes.len() - *offset).min(max);
                let chunk = bytes.slice(*offset..*offset + want);
                *offset += want;
                Ok(Some(chunk))
            }
            BlobReader::File { local, offset, end_checked } => {
                let remaining = local.len - *offset;
                if remaining == 0 {
                    if !*end_checked {
                        check_ends_here(local).map_err(ReadFailure::local)?;
                        *end_checked = true;
                    }
                    return Ok(None);
                }
                let want = usize::try_from(remaining).unwrap_or(usize::MAX).min(max).min(FILE_CHUNK);
                let chunk = read_file_chunk(local, *offset, want).map_err(ReadFailure::local)?;
                *offset += chunk.len() as u64;
                Ok(Some(chunk))
            }
            BlobReader::Download(pass) => pass.read(max).map_err(|message| ReadFailure { message, download: true }),
        }
    }
}

fn changed(local: &LocalFile, how: &str) -> String {
    format!("{} changed while it was being read ({how}); nothing was decided, run the gate again", local.label)
}

fn read_file_chunk(local: &LocalFile, offset: u64, want: usize) -> Result<Bytes, String> {
    let mut buffer = vec![0; want];
    local.file.read_exact_at(&mut buffer, offset).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => changed(local, &format!("it is now shorter than its {} bytes", local.len)),
        _ => format!("cannot read {}: {e}", local.label),
    })?;
    Ok(Bytes::from(buffer))
}

/// After the declared length, the file must end.
fn check_ends_here(local: &LocalFile) -> Result<(), String> {
    let mut probe = [0u8; 1];
    match local.file.read_at(&mut probe, local.len) {
        Ok(0) => Ok(()),
        Ok(_) => Err(changed(local, &format!("it grew beyond its {} bytes", local.len))),
        Err(e) => Err(format!("cannot read {}: {e}", local.label)),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn read_all(blob: &Blob, step: usize) -> Result<Vec<u8>, String> {
        let mut reader = blob.reader();
        let mut out = Vec::new();
        while let Some(chunk) = reader.read(step).map_err(|f| f.message)? {
            assert!(chunk.len() <= step);
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    fn temp_file(bytes: &[u8]) -> (tempfile::NamedTempFile, LocalFile) {
        let mut temp = tempfile::NamedTempFile::new().expect("temp file");
        temp.write_all(bytes).expect("write");
        let file = File::open(temp.path()).expect("open");
        (temp, LocalFile::new(file, bytes.len() as u64, "the local copy x".to_owned()))
    }

    #[test]
    fn memory_blob_reads_back_in_steps() {
        let blob = Blob::from(b"abcdefg".to_vec());
        assert_eq!(read_all(&blob, 3).expect("read"), b"abcdefg");
        assert_eq!(blob.len(), 7);
    }

    #[test]
    fn file_blob_reads_back_and_can_be_read_twice() {
        let (_temp, local) = temp_file(b"hello world");
        let blob = Blob::File(local);
        assert_eq!(read_all(&blob, 4).expect("first pass"), b"hello world");
        assert_eq!(read_all(&blob, 100).expect("second pass"), b"hello world");
    }

    #[test]
    fn a_file_that_shrank_or_grew_is_an_error_naming_it() {
        let (temp, local) = temp_file(b"hello world");
        std::fs::write(temp.path(), b"hello").expect("shrink");
        let err = read_all(&Blob::File(local.clone()), 100).expect_err("shrank");
        assert!(err.contains("the local copy x changed") && err.contains("shorter"), "{err}");
        std::fs::write(temp.path(), b"hello world!").expect("grow");
        let err = read_all(&Blob::File(local), 100).expect_err("grew");
        assert!(err.contains("the local copy x changed") && err.contains("grew"), "{err}");
    }

    #[test]
    fn an_empty_file_reads_as_nothing_unless_it_grew() {
        let (temp, local) = temp_file(b"");
        assert_eq!(read_all(&Blob::File(local.clone()), 8).expect("read"), b"");
        std::fs::write(temp.path(), b"x").expect("grow");
        let err = read_all(&Blob::File(local), 8).expect_err("grew");
        assert!(err.contains("grew beyond its 0 bytes"), "{err}");
    }
}
