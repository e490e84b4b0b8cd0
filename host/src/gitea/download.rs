//! A file read from `/raw` while the guest consumes it, and held to its git blob id.
//!
//! A large canonical copy goes from the socket into the guest's memory without a copy in the
//! host, so a 100 MiB file is held once. The bytes are hashed as they pass, as git hashes a blob
//! (`blob <len>\0` + bytes). Each read is cut to the length `/contents` declared, and at that
//! length the body must end and the hash must equal the blob id `/contents` reported. Until both
//! hold, the last read fails. The sandbox then reports the run as that failure (exit 3) whatever
//! the guest made of it, and it refuses a guest that stops reading before the end
//! (`sandbox/streams.rs`). Bytes that are not the named blob can therefore never decide.
//!
//! Each pass opens its own request, so a second run of the guest (an `issue_comment` run that
//! asks for its pull request) reads the file again and checks it again. Only the request is
//! retried: a failure while the body is read ends the run undecided.

use std::fmt;
use std::io::Read;
use std::time::Duration;

use bytes::Bytes;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use ureq::BodyReader;

use super::Client;

/// The most read from the socket per guest read: a chunk still in the CPU's cache when it is
/// hashed and when the guest copies it (blob.rs says what it measured).
const CHUNK: usize = 1 << 20;

/// Where and what to download: `path` at the full `commit`, `len` bytes of blob `blob_id`.
#[derive(Clone)]
pub struct Download {
    client: Client,
    path: String,
    commit: String,
    len: u64,
    blob_id: String,
    /// The canonical copy, for messages: `acme/core@main:providers.yaml`.
    label: String,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Download({} = {}, {} bytes, blob {})", self.label, self.path, self.len, self.blob_id)
    }
}

impl Download {
    pub fn new(client: Client, path: String, commit: String, len: u64, blob_id: String, label: String) -> Download {
        Download { client, path, commit, len, blob_id, label }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    /// The longest the transfer may take: the client's bound on a GET with its retries.
    pub fn time_limit(&self) -> Duration {
        self.client.config().longest_get()
    }

    /// One pass over the file; the request is sent at the first read.
    pub fn pass(&self) -> DownloadPass {
        DownloadPass {
            download: self.clone(),
            body: None,
            hash: BlobHash::new(self.blob_id.len(), self.len),
            received: 0,
        }
    }

    fn failed(&self, why: impl fmt::Display) -> String {
        format!("cannot obtain the canonical copy {}: {why}", self.label)
    }
}

pub struct DownloadPass {
    download: Download,
    body: Option<BodyReader<'static>>,
    hash: BlobHash,
    received: u64,
}

impl DownloadPass {
    /// The next at most `max` bytes; `None` once the declared length has been read, the body has
    /// ended there, and the bytes hashed to the declared blob.
    pub fn read(&mut self, max: usize) -> Result<Option<Bytes>, String> {
        let download = &self.download;
        let body = match &mut self.body {
            Some(body) => body,
            None => {
                let query = [("ref", download.commit.clone())];
                let body = download.client.get_stream(&download.path, &query).map_err(|e| download.failed(e))?;
                self.body.insert(body)
            }
        };
        let remaining = download.len - self.received;
        if remaining == 0 {
            let mut probe = [0u8; 1];
            return match body.read(&mut probe).map_err(|e| download.failed(e))? {
                0 => check_blob(&self.hash, &download.blob_id).map(|()| None).map_err(|why| download.failed(why)),
                _ => Err(download.failed(format!("/raw sent more than the {} bytes /contents declared", download.len))),
            };
        }
        let want = usize::try_from(remaining).unwrap_or(usize::MAX).min(max).min(CHUNK);
        let mut chunk = vec![0; want];
        let mut filled = 0;
        while filled < want {
            match body.read(&mut chunk[filled..]).map_err(|e| download.failed(e))? {
                0 => {
                    let received = self.received + filled as u64;
                    return Err(download.failed(format!(
                        "/raw ended after {received} of the {} bytes /contents declared",
                        download.len
                    )));
                }
                n => filled += n,
            }
        }
        self.hash.update(&chunk);
        self.received += want as u64;
        Ok(Some(Bytes::from(chunk)))
    }
}

/// A git blob id computed as the bytes pass (a download's stream, or `contents::git_blob_id`'s bytes): SHA-1, or
/// SHA-256 for a 64-digit id.
pub enum BlobHash {
    Sha1(Sha1),
    Sha256(Sha256),
}

impl BlobHash {
    /// For a blob of `len` bytes whose id has `hex_len` hex digits.
    pub fn new(hex_len: usize, len: u64) -> BlobHash {
        let header = format!("blob {len}\0");
        if hex_len == 64 {
            BlobHash::Sha256(Sha256::new_with_prefix(header.as_bytes()))
        } else {
            BlobHash::Sha1(Sha1::new_with_prefix(header.as_bytes()))
        }
    }

    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            BlobHash::Sha1(h) => h.update(bytes),
            BlobHash::Sha256(h) => h.update(bytes),
        }
    }

    /// The id of the bytes so far, in lowercase hex.
    pub fn hex(&self) -> String {
        let digest = match self {
            BlobHash::Sha1(h) => h.clone().finalize().to_vec(),
            BlobHash::Sha256(h) => h.clone().finalize().to_vec(),
        };
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// The bytes hashed so far must be blob `blob_id`.
fn check_blob(hash: &BlobHash, blob_id: &str) -> Result<(), String> {
    let actual = hash.hex();
    if actual == blob_id {
        return Ok(());
    }
    Err(format!(
        "the bytes /raw sent hash to blob {actual}, but /contents reported blob {blob_id}: refusing to compare"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_hash_is_git_hash_object() {
        let mut hash = BlobHash::new(40, 6);
        hash.update(b"hel");
        hash.update(b"lo\n");
        assert_eq!(check_blob(&hash, "ce013625030ba8dba906f756967f9e9ca394464a"), Ok(()));
        let wrong = check_blob(&hash, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391").expect_err("another blob");
        assert!(wrong.contains("hash to blob ce0136") && wrong.contains("refusing"), "{wrong}");
        let empty = "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813";
        assert_eq!(check_blob(&BlobHash::new(64, 0), empty), Ok(()));
    }
}
