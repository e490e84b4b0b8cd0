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
//!
//! A copy to compare with ([`fetch_to_compare`]) that is expected to be large is not taken
//! inline at all: its metadata comes from `GET /contents-ext/{path}` (Gitea 1.25+, metadata only,
//! no base64), and its bytes stream from `/raw` into the guest, hashed on the way and checked
//! against the blob id before anything is decided (`download.rs`). Servers without
//! `/contents-ext` (Gitea ≤ 1.24, Forgejo) answer 404 there, and `/contents` is read instead.

use base64::Engine as _;
use bytes::Bytes;
use serde_json::Value;

use super::client::file_path;
use super::download::{BlobHash, Download};
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
    let mut hash = BlobHash::new(hex_len, bytes.len() as u64);
    hash.update(bytes);
    hash.hex()
}

/// `GET /repos/{owner}/{repo}/raw/{path}`: a file's bytes, by the `ref` query.
fn raw_path(repo: &RepoName, path: &str) -> String {
    format!("{}/raw/{}", repo.api_path(), file_path(path))
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
    let entry = entry(client, repo, git_ref, path, max_bytes, Endpoint::Contents)?;
    let bytes = match entry.inline.clone() {
        Some(bytes) => bytes,
        None => fetch_raw(client, repo, path, entry.commit.as_deref(), max_bytes, &entry.url)?,
    };
    check_blob(&bytes, &entry)?;
    Ok(FetchedFile { bytes, commit: entry.commit })
}

/// A canonical copy to compare with: its bytes when they came inline, or else a download the
/// guest reads as it arrives.
#[derive(Debug)]
pub enum ToCompare {
    Bytes(FetchedFile),
    Download { download: Download, commit: Option<String> },
}

/// Fetch `path` for a comparison. `large` (the local copy is large, so the canonical one likely
/// is too) asks `/contents-ext` for the metadata alone, falling back to `/contents` where it does
/// not exist; a file that did not come inline becomes a [`Download`] labelled `label`.
pub fn fetch_to_compare(
    client: &Client,
    repo: &RepoName,
    git_ref: &str,
    path: &str,
    max_bytes: u64,
    large: bool,
    label: &str,
) -> Result<ToCompare, ApiError> {
    let entry = match large {
        true => match entry(client, repo, git_ref, path, max_bytes, Endpoint::ContentsExt) {
            // No such route (Gitea ≤ 1.24, Forgejo), or no such file: `/contents` tells which.
            Err(e) if e.status() == Some(404) => entry(client, repo, git_ref, path, max_bytes, Endpoint::Contents)?,
            other => other?,
        },
        false => entry(client, repo, git_ref, path, max_bytes, Endpoint::Contents)?,
    };
    if let Some(bytes) = entry.inline.clone() {
        check_blob(&bytes, &entry)?;
        return Ok(ToCompare::Bytes(FetchedFile { bytes, commit: entry.commit }));
    }
    // By the full commit `/contents` named where it named one; else by the ref as given, which
    // `/raw` may resolve differently (§4.2) — the blob id check then refuses the bytes.
    let raw_ref = entry.commit.clone().filter(|c| is_full_sha(c)).unwrap_or_else(|| git_ref.to_owned());
    let download =
        Download::new(client.clone(), raw_path(repo, path), raw_ref, entry.size, entry.blob_id, label.to_owned());
    Ok(ToCompare::Download { download, commit: entry.commit })
}

/// Which metadata endpoint to ask.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// `/contents/{path}`: the file inline up to `DEFAULT_MAX_BLOB_SIZE`.
    Contents,
    /// `/contents-ext/{path}`: metadata only (Gitea 1.25+).
    ContentsExt,
}

/// What the API says about a file: its blob id and size, and its bytes when they came inline.
struct Entry {
    blob_id: String,
    size: u64,
    commit: Option<String>,
    inline: Option<Bytes>,
    url: String,
}

fn check_blob(bytes: &Bytes, entry: &Entry) -> Result<(), ApiError> {
    let size = entry.size;
    if bytes.len() as u64 != size {
        return Err(ApiError::shape(
            entry.url.clone(),
            format!("received {} bytes, but the API reported {size}", bytes.len()),
        ));
    }
    let actual = git_blob_id(bytes, entry.blob_id.len());
    if actual != entry.blob_id {
        return Err(ApiError::shape(
            entry.url.clone(),
            format!(
                "the bytes received hash to blob {actual}, but the API reported blob {}: refusing to compare",
                entry.blob_id
            ),
        ));
    }
    Ok(())
}

fn entry(
    client: &Client,
    repo: &RepoName,
    git_ref: &str,
    path: &str,
    max_bytes: u64,
    endpoint: Endpoint,
) -> Result<Entry, ApiError> {
    let route = if endpoint == Endpoint::ContentsExt { "contents-ext" } else { "contents" };
    let contents_path = format!("{}/{route}/{}", repo.api_path(), file_path(path));
    let on_default_branch = git_ref == DEFAULT_BRANCH;
    let query = if on_default_branch { Vec::new() } else { vec![("ref", git_ref.to_owned())] };
    let response = client.get_json(&contents_path, &query)?;
    let url = || match on_default_branch {
        true => client.url(&contents_path),
        false => format!("{}?ref={}", client.url(&contents_path), super::client::segment(git_ref)),
    };
    let git_ref = if on_default_branch { "the default branch" } else { git_ref };
    let object = match endpoint {
        Endpoint::Contents => &response.body,
        // `{"file_contents": {…}}` for a file, `{"dir_contents": […]}` for a directory.
        Endpoint::ContentsExt => match response.body.get("file_contents").filter(|f| !f.is_null()) {
            Some(file) => file,
            None if response.body.get("dir_contents").is_some_and(|d| !d.is_null()) => &response.body["dir_contents"],
            None => return Err(ApiError::shape(url(), "the answer has neither `file_contents` nor `dir_contents`")),
        },
    };
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

    let inline = match (field("encoding"), field("content")) {
        // Gitea 1.22 sends a file above the inline limit as `content: ""` with `encoding: "base64"`
        // (docs/gitea.md §14): it looks like an empty file, and only `size` says it is not one.
        (Some("base64"), Some("")) if size > 0 => None,
        (Some("base64"), Some(content)) => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(content)
                .map_err(|e| ApiError::shape(url(), format!("`content` is not valid base64: {e}")))?;
            Some(Bytes::from(decoded))
        }
        // An empty file needs no download: its blob id is checked like any other.
        (None, None) if size == 0 => Some(Bytes::new()),
        // Above the inline limit Gitea 1.23+ sends `content: null` with status 200 (§4.4), and
        // `/contents-ext` sends no content unless asked.
        (None, None) => None,
        (encoding, _) => {
            return Err(ApiError::shape(url(), format!("unexpected content encoding {encoding:?}")));
        }
    };
    Ok(Entry { blob_id, size, commit, inline, url: url() })
}

/// A file too large to come inline, read from `/raw` by the full commit sha `/contents` reported:
/// a full sha never falls back to the default branch (§4.2), and the caller checks the blob id.
fn fetch_raw(
    client: &Client,
    repo: &RepoName,
    path: &str,
    commit: Option<&str>,
    max_bytes: u64,
    url: &str,
) -> Result<Bytes, ApiError> {
    let commit = commit.filter(|c| is_full_sha(c)).ok_or_else(|| {
        ApiError::shape(url.to_owned(), "a large file without a full `last_commit_sha` to fetch it by")
    })?;
    let raw = client.get_bytes(&raw_path(repo, path), &[("ref", commit.to_owned())], max_bytes)?;
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
