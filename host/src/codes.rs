//! Finding codes of verdicts the host makes itself, when it could not ask the guest or the
//! guest could not answer. Like the guest's codes they are stable and documented in
//! `docs/findings.md`.

pub const USAGE_ERROR: &str = "usage-error";
pub const SANDBOX_ERROR: &str = "sandbox-error";
pub const API_ERROR: &str = "api-error";
pub const CANONICAL_UNAVAILABLE: &str = "canonical-unavailable";
pub const STATUS_NOT_POSTED: &str = "status-not-posted";
pub const LOCAL_INPUT_CHANGED: &str = "local-input-changed";
pub const MANIFEST_DIFFERS_FROM_BASE: &str = "manifest-differs-from-base";
pub const POLICY_DIFFERS_FROM_BASE: &str = "policy-differs-from-base";
pub const SWEEP_DECIDED: &str = "sweep-decided";
pub const SWEEP_UNDECIDED: &str = "sweep-undecided";
pub const SWEEP_TOO_MANY: &str = "sweep-too-many-pull-requests";
pub const DEFERRED_TO_SWEEP: &str = "deferred-to-sweep";
pub const SHARED_HEAD: &str = "shared-head";

/// Every host code with its one-line description.
pub const ALL: &[(&str, &str)] = &[
    (USAGE_ERROR, "The command line, a configuration file or a local input is wrong; nothing was checked (exit 2)."),
    (
        SANDBOX_ERROR,
        "The sandboxed guest gave no verdict (fuel, time, memory, output cap, panic, forbidden import); nothing was decided (exit 3).",
    ),
    (API_ERROR, "A Gitea API request failed, so a fact the gate needs is unknown; the gate cannot decide (exit 3)."),
    (
        CANONICAL_UNAVAILABLE,
        "The canonical copy of a file could not be obtained or verified, so drift cannot be decided (exit 3).",
    ),
    (
        LOCAL_INPUT_CHANGED,
        "A local file changed length (or could no longer be read) while the guest was reading it, so the guest was stopped; nothing was decided (exit 3).",
    ),
    (
        MANIFEST_DIFFERS_FROM_BASE,
        "In a pull-request run the drift manifest was read from the base commit, and the workspace copy differs from it (warning; the pull request's version is not used).",
    ),
    (
        POLICY_DIFFERS_FROM_BASE,
        "In a pull-request run the policy file was read from the base commit, and the workspace copy differs from it (warning; the pull request's version is not used).",
    ),
    (
        SWEEP_DECIDED,
        "--open-prs: every open pull request was decided and its status posted; the statuses carry the verdicts (exit 0).",
    ),
    (
        SWEEP_UNDECIDED,
        "--open-prs: at least one open pull request could not be decided (it got an error status; the others were still posted) (exit 3).",
    ),
    (
        SWEEP_TOO_MANY,
        "--open-prs: the repository has more open pull requests than --max-prs allows; the most recently updated --max-prs were evaluated, every other one got an `error` status (exit 3, never a partial pass).",
    ),
    (
        DEFERRED_TO_SWEEP,
        "A review or comment run on a pull request from another repository is untrusted; the gate skips it and posts no status, and the scheduled sweep (--open-prs) posts it (exit 0).",
    ),
    (
        SHARED_HEAD,
        "Another open pull request has the same head commit. A status belongs to the commit, so `success` goes on it only when every such pull request passes its own gate; otherwise the head gets the worst one's state, naming it, and a per-event run's verdict and exit code follow it (failure: exit 1; could not decide: exit 3).",
    ),
    (
        STATUS_NOT_POSTED,
        "--status-context was given but the commit status could not be posted (warning; the exit code still follows the verdict).",
    ),
];
