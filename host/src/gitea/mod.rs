//! Gitea REST API v1: the client and one module per resource the gates read or write.
//! Every fact about how Gitea answers is from `docs/gitea.md`, cited where it is used.

pub mod ancestry;
pub mod client;
pub mod comments;
pub mod contents;
pub mod download;
pub mod error;
pub mod pages;
pub mod pulls;
pub mod resolve;
pub mod review_requests;
pub mod reviews;
pub mod statuses;
pub mod teams;
pub mod timeline;
pub mod transport;
pub mod trees;
pub mod users;
pub mod version;

pub use client::{Client, ClientConfig, Token};
pub use error::{ApiError, Failure};

/// `owner/name`, split and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoName {
    pub owner: String,
    pub name: String,
}

impl RepoName {
    /// `OWNER/NAME`, each a name Gitea could have created: ASCII letters, digits, `-`, `_` and `.`,
    /// and never `.` or `..` (which would address another API path with the token attached).
    pub fn parse(raw: &str) -> Result<RepoName, String> {
        let usage = || format!("{raw:?} is not a repository name of the form OWNER/NAME");
        let (owner, name) = raw.split_once('/').ok_or_else(usage)?;
        for part in [owner, name] {
            if !valid_name_segment(part) {
                return Err(format!(
                    "{} (owner and repository names are letters, digits, `-`, `_` and `.`, and not `.` or `..`)",
                    usage()
                ));
            }
        }
        Ok(RepoName { owner: owner.to_owned(), name: name.to_owned() })
    }

    /// The same repository, as Gitea compares names (without case).
    pub fn same_as(&self, other: &RepoName) -> bool {
        self.owner.eq_ignore_ascii_case(&other.owner) && self.name.eq_ignore_ascii_case(&other.name)
    }

    /// `/repos/{owner}/{name}`, encoded.
    pub fn api_path(&self) -> String {
        format!("/repos/{}/{}", client::segment(&self.owner), client::segment(&self.name))
    }
}

fn valid_name_segment(part: &str) -> bool {
    !part.is_empty()
        && part != "."
        && part != ".."
        && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl std::fmt::Display for RepoName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names() {
        let ok = RepoName::parse("acme/control-plane.v2_x").expect("valid");
        assert_eq!((ok.owner.as_str(), ok.name.as_str()), ("acme", "control-plane.v2_x"));
        for bad in
            ["acme", "/x", "acme/", "acme/a/b", "./x", "../x", "acme/..", "acme/.", "a\\b/x", "acme/x y", "acme/x%2f"]
        {
            assert!(RepoName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ok.same_as(&RepoName::parse("ACME/Control-Plane.V2_X").expect("valid")));
    }
}
