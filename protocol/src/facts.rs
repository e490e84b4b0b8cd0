//! What the host tells the guest: the facts of each check. The host builds them, the guest reads
//! them; nothing here is ever a secret (a secret is only ever "present" or not).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::PullHistory;

fn is_false(b: &bool) -> bool {
    !*b
}

/// Facts about the run that every check shares: which event started it and what it carried.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RunContext {
    /// `GITHUB_EVENT_NAME`; `None` when the runner did not set it.
    #[serde(default)]
    pub event_name: Option<String>,
    /// The event payload (`GITHUB_EVENT_PATH`), or why it could not be read.
    #[serde(default)]
    pub event: EventFacts,
    /// `GITHUB_REPOSITORY` (`owner/name`), when known.
    #[serde(default)]
    pub repository: Option<String>,
    /// The pull request the host looked up because an earlier verdict asked for it
    /// (`issue_comment` payloads carry no head information).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request_lookup: Option<Lookup>,
}

/// What the host could learn from the event payload file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EventFacts {
    /// The parsed payload.
    Payload(Value),
    /// The file was named but could not be read or parsed; the string says why.
    Unreadable(String),
    /// No payload file was given.
    #[default]
    Absent,
}

impl EventFacts {
    /// The parsed payload, when there is one.
    pub fn payload(&self) -> Option<&Value> {
        match self {
            EventFacts::Payload(payload) => Some(payload),
            EventFacts::Unreadable(_) | EventFacts::Absent => None,
        }
    }

    /// The pull request number the event is about: `pull_request.number` (pull request and
    /// review events), or `issue.number` when an `issue_comment` is on a pull request. The guest
    /// asks for this pull request and the host reads it ahead, so both use this one function.
    pub fn pull_request_number(&self) -> Option<u64> {
        let payload = self.payload()?;
        if let Some(number) = payload.get("pull_request").and_then(|pr| pr.get("number")).and_then(Value::as_u64) {
            return Some(number);
        }
        let issue = payload.get("issue")?;
        let is_pull = payload.get("is_pull").and_then(Value::as_bool);
        if crate::pull::comment_on_pull_request(is_pull, issue.get("pull_request")) {
            issue.get("number").and_then(Value::as_u64)
        } else {
            None
        }
    }
}

/// The result of a lookup the host performed on the guest's behalf.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Lookup {
    Found(Value),
    /// The lookup failed (network, status, shape); the string says how. Never a pass.
    Failed(String),
}

/// "Secret NAME is present" — the only thing the guest ever learns about a secret.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SecretFact {
    pub name: String,
    pub present: bool,
}

/// Where the bytes of a file come from in a request: a blob after the envelope (what the host
/// sends, no copying or encoding), or inline text/base64 (what golden vectors use, readable).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum ByteSource {
    /// Index into the blobs that follow the envelope.
    Blob(usize),
    Text(String),
    Base64(String),
}

/// Facts for `check: "trust"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TrustFacts {
    pub context: RunContext,
    /// The secrets the workflow declared required, and whether each is non-empty.
    #[serde(default)]
    pub secrets: Vec<SecretFact>,
}

/// Facts for `check: "drift"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DriftFacts {
    pub context: RunContext,
    /// The token that reads the canonical repositories, when the gate was given one to use.
    #[serde(default)]
    pub token: Option<SecretFact>,
    pub pairs: Vec<Pair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<DriftLimits>,
}

/// How much of a difference the drift check shows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DriftLimits {
    pub context_lines: usize,
    pub max_diff_lines: usize,
    pub max_diff_bytes: usize,
}

/// A canonical file and the local copy that must match it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Pair {
    pub canonical: FileCopy,
    pub local: FileCopy,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileCopy {
    /// How the copy is named in messages: `owner/repo@ref:path`, or a local path.
    pub label: String,
    /// Fetched over the API (needs the token), rather than read from the workspace.
    #[serde(default, skip_serializing_if = "is_false")]
    pub remote: bool,
    /// The commit a remote copy was read at.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The bytes. Absent only for a remote copy that was not fetched because the token is missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<ByteSource>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PinMode {
    Verify,
    Update,
}

/// Facts for `check: "pin"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PinFacts {
    pub context: RunContext,
    pub mode: PinMode,
    /// The lock file's name, for messages.
    pub lock_file: String,
    pub files: Vec<PinnedFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedFile {
    pub path: String,
    /// The digest the lock records (absent for a file `update` adds).
    #[serde(default)]
    pub expected: Option<String>,
    /// The file's bytes; absent for a file that is missing, or that `update` keeps as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<ByteSource>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub missing: bool,
}

/// A team named in the gate's configuration, as the host resolved it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TeamFact {
    /// As the user wrote it: `ORG/NAME` or a numeric id.
    pub reference: String,
    /// Short name for messages (`qa`).
    pub name: String,
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default)]
    pub id: Option<i64>,
    /// Whether the token can read this team's membership.
    pub readable: bool,
    /// Why not, when it cannot (status and Gitea's message).
    #[serde(default)]
    pub unreadable_reason: Option<String>,
}

/// One membership probe's answer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct MembershipFact {
    pub login: String,
    /// The team's `reference`.
    pub team: String,
    /// `true`: 200; `false`: 404 on a readable team; `null`: could not be confirmed.
    pub member: Option<bool>,
    #[serde(default)]
    pub detail: Option<String>,
}

/// Facts for `check: "approvals"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalFacts {
    pub context: RunContext,
    #[serde(default)]
    pub token: Option<SecretFact>,
    /// `--pr N`; otherwise the number comes from the event payload.
    #[serde(default)]
    pub pr_number: Option<u64>,
    /// The pull request as Gitea's API returned it (after `needs: pull_request_data`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<Value>,
    /// Every review row, every page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<Value>,
    /// The pull request's pushes and commits (sent with `pull_request`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<PullHistory>,
    pub teams: Vec<TeamFact>,
    pub min: u32,
    #[serde(default)]
    pub allow_stale: bool,
    /// `--request-reviews` (as in [`crate::PolicyFacts`]): ask the gate's teams when it is short.
    #[serde(default, skip_serializing_if = "is_false")]
    pub request_reviews: bool,
    /// `--keep-across-base-merges` (as in [`crate::PolicyFacts`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub keep_across_base_merges: bool,
    #[serde(default)]
    pub block_on_changes_requested: bool,
    /// `--allow-contributors`: someone who pushed or wrote a commit of the pull request (not its
    /// author) may approve and waive it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_contributors: bool,
    /// `--rule NAME`: the name a waiver gives (`/sop-n/a NAME <reason>`); `approvals` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `--waivable-by`: the resolved teams whose confirmed members may waive the gate. Empty: no
    /// waiver counts (and the comments are not read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waivable_by: Vec<TeamFact>,
    /// Every issue comment of the pull request, when `waivable_by` is given (for waivers).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Value>,
    /// The answers to `needs: membership`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<Vec<MembershipFact>>,
}

/// Facts for `check: "checklist"`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistFacts {
    pub context: RunContext,
    #[serde(default)]
    pub token: Option<SecretFact>,
    #[serde(default)]
    pub pr_number: Option<u64>,
    pub items: Vec<Item>,
    /// The resolved `ack_teams`.
    pub teams: Vec<TeamFact>,
    #[serde(default)]
    pub count_edited_comments: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<Value>,
    /// The pull request's pushes and commits (sent with `pull_request`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<PullHistory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub membership: Option<Vec<MembershipFact>>,
    /// `allow_contributors`: someone who pushed or wrote a commit of the pull request (not its
    /// author) may acknowledge and waive items.
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_contributors: bool,
    /// `keep_acks_across_pushes`: an ack written before the latest push still counts (weaker).
    #[serde(default, skip_serializing_if = "is_false")]
    pub keep_acks_across_pushes: bool,
    /// Accept a `tier:*` label only from a confirmed ack-team member.
    #[serde(default)]
    pub tier_label_from_ack_teams: bool,
    /// The issue timeline's label events (the host reads them when the option above is on).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<Value>>,
}

/// One checklist item of the configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    pub id: String,
    pub title: String,
}
