//! Reading one file of a repository at a ref, the way Gitea can be trusted to serve it
//! (docs/gitea.md §4):
//!
//! - always through `GET /contents/{path}?ref=`: it answers 404 for a ref it does not know, where
//!   `/raw` silently serves the default branch (§4.2) — a drift gate that trusted `/raw` would pass
//!   against the wrong branch;
//! - above `[api] DEFAULT_MAX_BLOB_SIZE` (10 MiB) `/contents` returns `content: null` (§4.4;
//!   Gitea 1.22 returns `content: ""`, which only `size` tells from an empty file); the
//!   bytes are then fetched from `/raw` by the **full** commit sha `/contents` reported (a full sha
//!   never falls back) and checked against the git blob id `/contents` reported;
//! - small files are checked against the blob id too: the API's own checksum, for free.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::client::file_path;
use super::{ApiError, Client, Failure, RepoName};

/// A canonical file as fetched.
#[derive(Debug, Clone)]
pub struct FetchedFile {
    pub bytes: Bytes,
    /// The last commit that touched the file at the requested ref.
    pub commit: Option<String>,
}

/// The git object id of a blob: SHA-1 (or SHA-256 in sha256 repositories) of `blob <len>\0<bytes>`.
pub fn git_blob_id(bytes: &[u8], hex_len: usize) -> String {
    let header = format!("blob {}\0", bytes.len());
    let digest: Vec<u8> = if hex_len == 64 {
        let mut h = Sha256::new();
        h.update(header.as_bytes());
        h.update(bytes);
        h.finalize().to_vec()
    } else {
        let mut h = Sha1::new();
        h.update(header.as_bytes());
        h.update(bytes);
        h.finalize().to_vec()
    };
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The `git_ref` that reads the repository's default branch: `/contents` without `ref`, which
/// Gitea resolves to the default branch itself (what it does for CODEOWNERS, docs/gitea.md §11).
pub const DEFAULT_BRANCH: &str = "";

/// Fetch `path` of `repo` at `git_ref` (or on the default branch: [`DEFAULT_BRANCH`]), at most
/// `max_bytes` bytes.
pub fn fetch(
    client: &Client,
    repo: &RepoName,
    git_ref: &str,
    path: &str,
    max_bytes: u64,
) -> Result<FetchedFile, ApiError> {
    let contents_path = format!("{}/contents/{}", repo.api_path(), file_path(path));
    let on_default_branch = git_ref == DEFAULT_BRANCH;
    let query = if on_default_branch { Vec::new() } else { vec![("ref", git_ref.to_owned())] };
    let response = client.get_json(&contents_path, &query)?;
    let url = || match on_default_branch {
        true => client.url(&contents_path),
        false => format!("{}?ref={}", client.url(&contents_path), super::client::segment(git_ref)),
    };
    let git_ref = if on_default_branch { "the default branch" } else { git_ref };
    let object = &response.body;
    if object.is_array() {
        return Err(ApiError::shape(url(), format!("{path} is a directory at {git_ref}, not a file")));
    }
    let field = |name: &str| object.get(name).and_then(Value::as_str);
    match field("type") {
        Some("file") => {}
        Some(other) => return Err(ApiError::shape(url(), format!("{path} is a {other} at {git_ref}, not a file"))),
        None => return Err(ApiError::shape(url(), "the answer has no `type`; expected a contents object")),
    }
    let blob_id = field("sha")
        .filter(|s| is_full_sha(s))
        .ok_or_else(|| ApiError::shape(url(), "the answer has no valid `sha` (git blob id)"))?
        .to_ascii_lowercase();
    let size =
        object.get("size").and_then(Value::as_u64).ok_or_else(|| ApiError::shape(url(), "the answer has no `size`"))?;
    if size > max_bytes {
        return Err(ApiError::new(url(), Failure::TooLarge { limit: max_bytes, declared: Some(size) }));
    }
    let commit = field("last_commit_sha").map(str::to_owned);

    let bytes = match (field("encoding"), field("content")) {
        // Gitea 1.22 sends a file above the inline limit as `content: ""` with `encoding: "base64"`
        // (docs/gitea.md §14): it looks like an empty file, and only `size` says it is not one.
        (Some("base64"), Some("")) if size > 0 => fetch_raw(client, repo, path, commit.as_deref(), max_bytes, &url)?,
        (Some("base64"), Some(content)) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(content)
                .map_err(|e| ApiError::shape(url(), format!("`content` is not valid base64: {e}")))?;
            Bytes::from(decoded)
        }
        // Above the inline limit Gitea 1.23+ sends `content: null` with status 200 (§4.4).
        (None, None) => fetch_raw(client, repo, path, commit.as_deref(), max_bytes, &url)?,
        (encoding, _) => {
            return Err(ApiError::shape(url(), format!("unexpected content encoding {encoding:?}")));
        }
    };
    if bytes.len() as u64 != size {
        return Err(ApiError::shape(url(), format!("received {} bytes, but the API reported {size}", bytes.len())));
    }
    let actual = git_blob_id(&bytes, blob_id.len());
    if actual != blob_id {
        return Err(ApiError::shape(
            url(),
            format!(
                "the bytes received hash to blob {actual}, but the API reported blob {blob_id}: refusing to compare"
            ),
        ));
    }
    Ok(FetchedFile { bytes, commit })
}

/// A file too large to come inline, read from `/raw` by the full commit sha `/contents` reported:
/// a full sha never falls back to the default branch (§4.2), and the caller checks the blob id.
fn fetch_raw(
    client: &Client,
    repo: &RepoName,
    path: &str,
    commit: Option<&str>,
    max_bytes: u64,
    url: &dyn Fn() -> String,
) -> Result<Bytes, ApiError> {
    let commit = commit
        .filter(|c| is_full_sha(c))
        .ok_or_else(|| ApiError::shape(url(), "a large file without a full `last_commit_sha` to fetch it by"))?;
    let raw_path = format!("{}/raw/{}", repo.api_path(), file_path(path));
    let raw = client.get_bytes(&raw_path, &[("ref", commit.to_owned())], max_bytes)?;
    Ok(Bytes::from(raw.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_match_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(git_blob_id(b"hello\n", 40), "ce013625030ba8dba906f756967f9e9ca394464a");
        // `git hash-object /dev/null`
        assert_eq!(git_blob_id(b"", 40), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
        // `git hash-object --object-format=sha256 /dev/null`
        assert_eq!(git_blob_id(b"", 64), "473a0f4c3be8a93681a267e3b1e9a7dcda1185436fe141f7749120a303721813");
    }
}
