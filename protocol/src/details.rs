//! The parts of a verdict's `details` that the host shows to people. The guest writes more than
//! this (digests, counts); these types name what the host relies on, so a field the guest
//! renames fails the host's tests here instead of silently showing nothing.

use serde::{Deserialize, Serialize};

/// `details` of a drift verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct DriftDetails {
    #[serde(default)]
    pub pairs: Vec<DriftPairDetails>,
}

/// One compared pair in [`DriftDetails`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct DriftPairDetails {
    /// The local copy's label.
    pub local: String,
    /// Present when the copies differ.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difference: Option<DriftDifference>,
}

/// How two copies differ.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct DriftDifference {
    /// Either side is not text: no diff is shown.
    #[serde(default)]
    pub binary: bool,
    /// The bounded unified diff, for text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Diff lines left out because of the limit.
    #[serde(default)]
    pub diff_lines_omitted: u64,
}

/// `details` of a pin verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct PinDetails {
    #[serde(default)]
    pub entries: Vec<PinEntry>,
    /// `update`: the new lock file's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
}

/// One file of the lock in [`PinDetails`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct PinEntry {
    pub path: String,
    /// `unchanged`, `mismatch`, `missing`, `added` or `changed`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual: Option<String>,
}
