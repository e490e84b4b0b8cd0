//! The fields of a Gitea pull request, and of an event payload, that both sides read by name: the
//! number, the head and base commits, when it was last updated, and whether an issue is a pull
//! request. One typed view instead of string keys in every module that needs a `head.sha`.
//!
//! These are *views* of objects Gitea writes (the API's pull request, the runner's event payload),
//! not protocol messages: unknown fields are ignored, and a field of the wrong type reads as
//! absent (the caller then says what it could not find), so that one odd field never hides the
//! others.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// A pull request as the API returns it (`GET /pulls/{n}`, the open list) or as an event payload
/// carries it (`pull_request`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PullView {
    #[serde(default, deserialize_with = "lenient")]
    pub number: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    pub head: Option<CommitRef>,
    #[serde(default, deserialize_with = "lenient")]
    pub base: Option<CommitRef>,
    /// RFC 3339, as Gitea writes it (sorts as text within one server).
    #[serde(default, deserialize_with = "lenient")]
    pub updated_at: Option<String>,
}

/// One side of a pull request (`head` or `base`): the commit it points at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CommitRef {
    #[serde(default, deserialize_with = "lenient")]
    pub sha: Option<String>,
}

impl PullView {
    /// The view of `value`; an object that is not one reads as all fields absent.
    pub fn of(value: &Value) -> PullView {
        if !value.is_object() {
            return PullView::default();
        }
        PullView::deserialize(value).unwrap_or_default()
    }

    /// The head commit, when the object names one (never an empty string).
    pub fn head_sha(&self) -> Option<&str> {
        sha(self.head.as_ref())
    }

    /// The base commit, when the object names one (never an empty string).
    pub fn base_sha(&self) -> Option<&str> {
        sha(self.base.as_ref())
    }
}

fn sha(side: Option<&CommitRef>) -> Option<&str> {
    side?.sha.as_deref().filter(|s| !s.is_empty())
}

/// What a workflow's event payload says about the pull request it is about. (Which pull request
/// a run is about is `EventFacts::pull_request_number`, the one function the guest uses too.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PayloadView {
    /// `pull_request` (pull request and review events).
    #[serde(default, deserialize_with = "lenient")]
    pub pull_request: Option<PullView>,
    /// `issue` (comment events).
    #[serde(default, deserialize_with = "lenient")]
    pub issue: Option<IssueView>,
    /// Gitea's `is_pull` beside `issue` in comment payloads.
    #[serde(default, deserialize_with = "lenient")]
    pub is_pull: Option<bool>,
}

/// The `issue` of a comment event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct IssueView {
    #[serde(default, deserialize_with = "lenient")]
    pub number: Option<u64>,
    /// Non-null on an issue that is a pull request.
    #[serde(default)]
    pub pull_request: Value,
}

impl PayloadView {
    /// The view of a payload (`None`: no payload, all fields absent).
    pub fn of(payload: Option<&Value>) -> PayloadView {
        let payload = payload.filter(|p| p.is_object());
        payload.map(|p| PayloadView::deserialize(p).unwrap_or_default()).unwrap_or_default()
    }

    /// The payload's `pull_request`, when it is about pull request `number`.
    pub fn pull_request_numbered(&self, number: u64) -> Option<&PullView> {
        self.pull_request.as_ref().filter(|pr| pr.number == Some(number))
    }

    /// A comment event on a pull request (`issue.pull_request` set, or Gitea's `is_pull`).
    pub fn is_pull_request_comment(&self) -> bool {
        comment_on_pull_request(self.is_pull, self.issue.as_ref().map(|i| &i.pull_request))
    }

    /// The number of the comment event's issue.
    pub fn issue_number(&self) -> Option<u64> {
        self.issue.as_ref()?.number
    }
}

/// Whether a comment event is on a pull request: Gitea's `is_pull`, or a non-null
/// `issue.pull_request`. The one rule for the host's payload view (above) and the guest's event
/// facts (`EventFacts::pull_request_number`).
pub fn comment_on_pull_request(is_pull: Option<bool>, issue_pull_request: Option<&Value>) -> bool {
    is_pull == Some(true) || issue_pull_request.is_some_and(|p| !p.is_null())
}

/// A field that does not have the expected type reads as absent. No field of these views is a
/// list, and serde would read a list into a struct by position (`"head": ["abc"]` as a sha), so
/// a list is never read.
fn lenient<'de, D: Deserializer<'de>, T: serde::de::DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    let value = Value::deserialize(d)?;
    if value.is_array() {
        return Ok(None);
    }
    Ok(serde_json::from_value(value).ok())
}
