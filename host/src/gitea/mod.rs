//! Gitea REST API v1: the client and one module per resource the gates read or write.
//! Every fact about how Gitea answers is from `gitea/behaviour.md`, cited where it is used.

pub mod client;
pub mod comments;
pub mod contents;
pub mod error;
pub mod pages;
pub mod pulls;
pub mod reviews;
pub mod statuses;
pub mod teams;
pub mod timeline;
pub mod transport;

pub use client::{ApiResponse, Client, ClientConfig, Token};
pub use error::{ApiError, Failure};

/// `owner/name`, split and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoName {
    pub owner: String,
    pub name: String,
}

impl RepoName {
    pub fn parse(raw: &str) -> Result<RepoName, String> {
        match raw.split_once('/') {
            Some((owner, name)) if !owner.is_empty() && !name.is_empty() && !name.contains('/') => {
                Ok(RepoName { owner: owner.to_owned(), name: name.to_owned() })
            }
            _ => Err(format!("{raw:?} is not a repository name of the form OWNER/NAME")),
        }
    }

    /// `/repos/{owner}/{name}`, encoded.
    pub fn api_path(&self) -> String {
        format!("/repos/{}/{}", client::segment(&self.owner), client::segment(&self.name))
    }
}

impl std::fmt::Display for RepoName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}
