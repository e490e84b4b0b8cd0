//! `xtask publish`: the Gitea (or Forgejo) release of a tag, with its assets, through the API.
//!
//! ```text
//! xtask publish --tag vX.Y.Z --notes CHANGELOG_FILE [--api-url URL] [--repository OWNER/NAME] ASSET...
//! ```
//!
//! The token comes from `GITEA_TOKEN` (never from the command line, where `ps` shows it); the API
//! URL and repository default to the runner's `GITHUB_API_URL` and `GITHUB_REPOSITORY`.
//!
//! What users can observe is all or nothing: a new release is created as a draft, gets its
//! assets, and is published last, so nobody downloads from a release whose assets are still
//! arriving. Running it again (a re-run of the workflow) finds the release by its tag, keeps an
//! asset whose bytes are already the same, replaces one whose bytes differ (saying so) and adds
//! the missing ones. A pre-release version (`1.2.0-rc.1`) is published as a pre-release.
//! docs/releasing.md tells the whole procedure; docs/gitea.md §15 the API's behaviour.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use ureq::Agent;

/// The largest asset we upload or read back: a shipped binary is ~17 MB.
const MAX_ASSET_BYTES: u64 = 256 << 20;

/// Where to publish, and with what.
struct Target {
    api_url: String,
    repository: String,
    token: String,
    agent: Agent,
}

/// The part of a release the publishing needs.
struct Release {
    id: u64,
    draft: bool,
    html_url: String,
    assets: Vec<Asset>,
}

struct Asset {
    id: u64,
    name: String,
    size: u64,
    download_url: String,
}

/// `xtask publish`'s arguments.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The release tag, vX.Y.Z
    #[arg(long)]
    pub tag: String,
    /// The changelog whose `## X.Y.Z` section becomes the release notes
    #[arg(long, value_name = "CHANGELOG_FILE")]
    pub notes: PathBuf,
    /// The API's base URL (default: GITHUB_API_URL, which the runner sets)
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,
    /// OWNER/NAME (default: GITHUB_REPOSITORY, which the runner sets)
    #[arg(long, value_name = "OWNER/NAME")]
    pub repository: Option<String>,
    /// The files to upload
    #[arg(required = true, value_name = "ASSET")]
    pub assets: Vec<PathBuf>,
}

pub fn publish(args: &PublishArgs) -> Result<(), String> {
    let tag = args.tag.as_str();
    let version = tag.strip_prefix('v').filter(|v| v.starts_with(|c: char| c.is_ascii_digit())).ok_or_else(|| {
        format!("publish: the tag {tag:?} is not a release tag (v followed by the version, e.g. v1.2.0)")
    })?;
    let notes_file = args.notes.display();
    let notes = crate::changelog::section(&crate::workspace::read_text(&args.notes)?, version)
        .ok_or_else(|| format!("{notes_file} has no section `## {version}` (xtask release prepare writes it)"))?;
    let assets = asset_paths(&args.assets)?;
    let target = Target::from_env(args)?;

    let release = match target.release_by_tag(tag)? {
        Some(existing) => {
            eprintln!("xtask: the release {tag} exists (id {}); bringing its assets up to date", existing.id);
            existing
        }
        None => target.create_draft(tag, version, &notes)?,
    };
    for path in assets {
        target.put_asset(&release, path)?;
    }
    let published = target.finish(&release, version, &notes)?;
    eprintln!("xtask: published {tag}: {}", published.html_url);
    Ok(())
}

/// The ASSET files, each of which must exist before anything is sent.
fn asset_paths(paths: &[PathBuf]) -> Result<&[PathBuf], String> {
    for path in paths {
        if !path.is_file() {
            return Err(format!("{}: no such asset file", path.display()));
        }
    }
    Ok(paths)
}

fn env_or(given: Option<&str>, flag: &str, variable: &str) -> Result<String, String> {
    given
        .map(str::to_owned)
        .or_else(|| std::env::var(variable).ok().filter(|v| !v.is_empty()))
        .ok_or_else(|| format!("publish needs {flag} (or {variable}, which the runner sets)"))
}

/// `"message"` of a Gitea error body, else the body's start.
fn message(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned())
}

fn hex_sha256(bytes: &[u8]) -> String {
    crate::workspace::hex(&Sha256::digest(bytes))
}

impl Target {
    fn from_env(args: &PublishArgs) -> Result<Target, String> {
        let api_url = env_or(args.api_url.as_deref(), "--api-url", "GITHUB_API_URL")?.trim_end_matches('/').to_owned();
        let repository = env_or(args.repository.as_deref(), "--repository", "GITHUB_REPOSITORY")?;
        if repository.split('/').count() != 2 {
            return Err(format!("publish: the repository {repository:?} is not OWNER/NAME"));
        }
        let token = std::env::var("GITEA_TOKEN").ok().filter(|t| !t.is_empty()).ok_or(
            "publish needs GITEA_TOKEN: a token that can write releases of the repository (in the release \
             workflow, the job token)",
        )?;
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(300)))
            .user_agent(concat!("gitea-gate-xtask/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Target { api_url, repository, token, agent: config.into() })
    }

    fn url(&self, path: &str) -> String {
        format!("{}/repos/{}{path}", self.api_url, self.repository)
    }

    /// Send one request; the status and the body, or an error naming the request.
    fn call(&self, method: &str, path: &str, body: Option<(&str, Vec<u8>)>) -> Result<(u16, Vec<u8>), String> {
        let url = self.url(path);
        let authorization = format!("token {}", self.token);
        let shown = format!("{method} {url}");
        let result = match (method, body) {
            ("GET", _) => self.agent.get(&url).header("Authorization", &authorization).call(),
            ("DELETE", _) => self.agent.delete(&url).header("Authorization", &authorization).call(),
            ("POST", Some((kind, bytes))) => {
                self.agent.post(&url).header("Authorization", &authorization).content_type(kind).send(&bytes[..])
            }
            ("PATCH", Some((kind, bytes))) => {
                self.agent.patch(&url).header("Authorization", &authorization).content_type(kind).send(&bytes[..])
            }
            _ => return Err(format!("{shown}: no body given")),
        };
        let mut response = result.map_err(|e| format!("{shown}: {e}"))?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        response
            .body_mut()
            .as_reader()
            .take(MAX_ASSET_BYTES)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{shown}: reading the answer: {e}"))?;
        Ok((status, bytes))
    }

    /// `call`, requiring `want`; the answer as JSON.
    fn expect(&self, method: &str, path: &str, body: Option<(&str, Vec<u8>)>, want: u16) -> Result<Value, String> {
        let (status, bytes) = self.call(method, path, body)?;
        if status != want {
            let hint = match status {
                401 | 403 => {
                    " (the token cannot write releases here: the release workflow's job token needs \
                     `permissions: contents: write` on Gitea 1.26 and later; a personal token needs \
                     write:repository and write access to the repository)"
                }
                _ => "",
            };
            return Err(format!("{method} {}: {status} {}{hint}", self.url(path), message(&bytes)));
        }
        if bytes.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("{method} {}: not JSON: {e}", self.url(path)))
    }

    fn release_by_tag(&self, tag: &str) -> Result<Option<Release>, String> {
        let path = format!("/releases/tags/{}", segment(tag));
        let (status, bytes) = self.call("GET", &path, None)?;
        match status {
            200 => {
                let value = serde_json::from_slice(&bytes).map_err(|e| format!("GET {path}: not JSON: {e}"))?;
                Release::from_json(&value).map(Some)
            }
            404 => Ok(None),
            _ => Err(format!("GET {}: {status} {}", self.url(&path), message(&bytes))),
        }
    }

    fn create_draft(&self, tag: &str, version: &str, notes: &str) -> Result<Release, String> {
        let body = json!({
            "tag_name": tag, "name": format!("gitea-gate {version}"), "body": notes,
            "draft": true, "prerelease": version.contains('-'),
        });
        let created =
            self.expect("POST", "/releases", Some(("application/json", body.to_string().into_bytes())), 201)?;
        let release = Release::from_json(&created)?;
        eprintln!("xtask: created the draft release {tag} (id {})", release.id);
        Ok(release)
    }

    /// Upload `path` unless the release holds an asset of that name with the same bytes; an asset
    /// of that name with other bytes is replaced.
    fn put_asset(&self, release: &Release, path: &Path) -> Result<(), String> {
        let name =
            path.file_name().and_then(|n| n.to_str()).ok_or_else(|| format!("{}: no file name", path.display()))?;
        let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if let Some(existing) = release.assets.iter().find(|a| a.name == name) {
            if existing.size == bytes.len() as u64 && self.download(existing)? == hex_sha256(&bytes) {
                eprintln!("xtask: {name}: already attached, same bytes");
                return Ok(());
            }
            eprintln!("xtask: {name}: the attached asset has other bytes; replacing it");
            self.expect("DELETE", &format!("/releases/{}/assets/{}", release.id, existing.id), None, 204)?;
        }
        let (content_type, body) = multipart(name, &bytes);
        let path = format!("/releases/{}/assets?name={}", release.id, segment(name));
        let uploaded = self.expect("POST", &path, Some((&content_type, body)), 201)?;
        let size = uploaded.get("size").and_then(Value::as_u64);
        if size != Some(bytes.len() as u64) {
            return Err(format!("{name}: uploaded {} bytes, the server reports {size:?}", bytes.len()));
        }
        eprintln!("xtask: {name}: uploaded ({} bytes, sha256 {})", bytes.len(), hex_sha256(&bytes));
        Ok(())
    }

    /// The sha256 of an attached asset's bytes, read back through its download URL.
    fn download(&self, asset: &Asset) -> Result<String, String> {
        let mut response = self
            .agent
            .get(&asset.download_url)
            .header("Authorization", &format!("token {}", self.token))
            .call()
            .map_err(|e| format!("GET {}: {e}", asset.download_url))?;
        if response.status().as_u16() != 200 {
            return Err(format!("GET {}: {}", asset.download_url, response.status()));
        }
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_ASSET_BYTES)
            .read_to_vec()
            .map_err(|e| format!("GET {}: {e}", asset.download_url))?;
        Ok(hex_sha256(&bytes))
    }

    /// Publish a draft (and set the notes and the pre-release flag of an existing release).
    fn finish(&self, release: &Release, version: &str, notes: &str) -> Result<Release, String> {
        let body = json!({"draft": false, "prerelease": version.contains('-'), "body": notes});
        let path = format!("/releases/{}", release.id);
        let edited = self.expect("PATCH", &path, Some(("application/json", body.to_string().into_bytes())), 200)?;
        let edited = Release::from_json(&edited)?;
        if edited.draft {
            return Err(format!("PATCH {}: the release is still a draft", self.url(&path)));
        }
        if release.draft {
            eprintln!("xtask: the draft is published");
        }
        Ok(edited)
    }
}

impl Release {
    fn from_json(value: &Value) -> Result<Release, String> {
        let id = value.get("id").and_then(Value::as_u64).ok_or("a release without an id")?;
        let assets = value
            .get("assets")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(|a| {
                        Some(Asset {
                            id: a.get("id")?.as_u64()?,
                            name: a.get("name")?.as_str()?.to_owned(),
                            size: a.get("size")?.as_u64()?,
                            download_url: a.get("browser_download_url")?.as_str()?.to_owned(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Release {
            id,
            draft: value.get("draft").and_then(Value::as_bool).unwrap_or(false),
            html_url: value.get("html_url").and_then(Value::as_str).unwrap_or("").to_owned(),
            assets,
        })
    }
}

/// A `multipart/form-data` body with the file in the field `attachment` (what every Gitea and
/// Forgejo version accepts; the bare-bytes form needs Gitea 1.22).
fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    // Not in the bytes: a boundary made from their digest would be, with negligible chance; one
    // that is not is checked.
    let mut boundary = format!("gitea-gate-{}", &hex_sha256(bytes)[..32]);
    while bytes.windows(boundary.len()).any(|w| w == boundary.as_bytes()) {
        boundary.push('x');
    }
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Percent-encode one path or query segment (tags and asset names are plain, but not trusted):
/// everything but RFC 3986's unreserved characters.
fn segment(raw: &str) -> String {
    const RESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    utf8_percent_encode(raw, RESERVED).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "a test fails by panicking")]
    use super::*;

    #[test]
    fn the_multipart_body_carries_the_bytes_whole_under_attachment() {
        let bytes = b"\x7fELF\r\n--not-a-boundary\r\n\x00\xff";
        let (kind, body) = multipart("gitea-gate-1.0.0-x86_64-linux", bytes);
        let boundary = kind.strip_prefix("multipart/form-data; boundary=").unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"")));
        assert!(body.windows(bytes.len()).any(|w| w == bytes));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(segment("v1.2.0-rc.1"), "v1.2.0-rc.1");
        assert_eq!(segment("a b/c?d"), "a%20b%2Fc%3Fd");
    }
}
