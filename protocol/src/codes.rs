//! Stable finding codes, the guest's and the host's, in one enum both sides match as values. A
//! code is part of the public contract: users grep logs and reports for it, so it is never
//! renamed or reused. Every code has a one-line description here and a section in
//! `docs/findings.md` (a test fails when either is missing). On the wire a code is its name.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($( $variant:ident = $name:literal : $description:literal ),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Code {
            $( #[serde(rename = $name)] $variant ),*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[ $(Code::$variant),* ];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $name),* }
            }

            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $description),* }
            }

            /// The code named `name`, if there is one.
            pub fn from_name(name: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == name)
            }
        }

        impl std::fmt::Display for Code {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl AsRef<str> for Code {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
    };
}

codes! {
    // --- trust ---
    TrustedEvent = "trusted-event":
        "The run was started by a repository-owned event (push, schedule, dispatch, …) and receives the repository's secrets.",
    SameRepoPullRequest = "same-repo-pull-request":
        "The run comes from a pull request whose head branch lives in the base repository itself.",
    UntrustedEvent = "untrusted-event":
        "The run comes from a pull request whose head lives elsewhere (fork, deleted head repository, AGit); Gitea gives it no secrets and a read-only token.",
    MissingSecret = "missing-secret":
        "A required secret is empty or unset in a trusted run, where it must be present: a misconfiguration, reported as a failure.",
    SecretUnavailable = "secret-unavailable":
        "A required secret is absent in an untrusted run, which never receives secrets; the check is skipped with a warning.",
    UnknownEvent = "unknown-event":
        "The event name is unset or not one gitea-gate knows; the run is treated as trusted so that missing secrets fail loudly.",
    UnreadableEvent = "unreadable-event":
        "The event payload could not be read or does not say where the pull request comes from; the run is treated as trusted (fail closed).",
    PullRequestTargetHeadCode = "pull-request-target-head-code":
        "pull_request_target from another repository runs with secrets; checking out or running the head's code would hand them to the PR author.",
    ReviewRunsHeadCode = "review-runs-head-code":
        "On Gitea, pull_request_review runs execute the PR head's workflow with secrets even for forks; the run is treated as untrusted.",
    PrLookupFailed = "pr-lookup-failed":
        "An issue_comment run is on a pull request that could not be looked up; the run is treated as trusted (fail closed).",
    // --- drift ---
    FilesIdentical = "files-identical":
        "Every synced copy is byte-identical to its canonical file.",
    FileDrift = "file-drift":
        "A synced copy differs from its canonical file; the report gives both sizes and sha256s, the first difference and a bounded diff.",
    LineEndingsDiffer = "line-endings-differ":
        "A drifted copy differs from its canonical file only in line endings (CRLF versus LF).",
    // --- pin ---
    PinsMatch = "pins-match":
        "Every file pinned in the lock file has the recorded sha256.",
    PinMismatch = "pin-mismatch":
        "A pinned file's sha256 differs from the one recorded in the lock file.",
    PinnedFileMissing = "pinned-file-missing":
        "A file named in the lock file (or given to pin update) does not exist.",
    PinsUpdated = "pins-updated":
        "The lock file was rewritten with fresh digests (sorted by path).",
    NothingPinned = "nothing-pinned":
        "The lock file pins no files (it is empty, or an update would leave it empty), so nothing was checked.",
    // --- approvals ---
    ApprovalsMet = "approvals-met":
        "At least the required number of members of the named teams approved the pull request.",
    ApprovalsMissing = "approvals-missing":
        "Fewer members of the named teams than required approved the pull request.",
    ApprovalsWaived = "approvals-waived":
        "The approvals gate would not pass, and a confirmed member of a --waivable-by team waived it with /sop-n/a <rule> <reason>: it passes as waived, never as approved.",
    ChangesRequested = "changes-requested":
        "A member of the named teams requested changes, and --block-on-changes-requested is on.",
    ReviewNotCounted = "review-not-counted":
        "A review that does not count: the author's own, a system account's, dismissed, stale, made on another commit than the head, re-requested, or from a non-member.",
    ApprovalKeptAcrossBaseMerges = "approval-kept-across-base-merges":
        "With --keep-across-base-merges, an approval of an earlier commit counts for the head: every commit after it merges the base branch, and the pull request's own changes are byte for byte the ones approved.",
    TeamUnreadable = "team-unreadable":
        "The token cannot read a named team's membership, so approvals or acks from it cannot be confirmed.",
    MembershipUnverified = "membership-unverified":
        "A membership probe gave no clear answer, so a review or ack that might count cannot be confirmed.",
    ContributorNotCounted = "contributor-not-counted":
        "An approval, ack or waiver by someone who pushed to the pull request or whose account authored or committed one of its commits: like the author, a contributor does not approve their own code unless the gate allows contributors. The message names the commit.",
    WaiverOutdated = "waiver-outdated":
        "A /sop-n/a waiver or /sop-ack written in a comment before the latest push to the pull request: it was written for other code, so it does not count for the head. The message names the push.",
    NoPullRequest = "no-pull-request":
        "The run is not about a pull request and no --pr was given, so there is nothing to count.",
    FactsNeeded = "facts-needed":
        "The guest asked the host for facts it had not gathered yet; seen only if the host stopped early. Never a pass.",
    // --- checklist ---
    ChecklistComplete = "checklist-complete":
        "Every checklist item is acknowledged or declared not applicable.",
    ChecklistIncomplete = "checklist-incomplete":
        "Some checklist items are neither acknowledged nor declared not applicable, and the tier makes that blocking.",
    ChecklistInformational = "checklist-informational":
        "Some checklist items are missing, but the pull request is tier:low, so the gate only informs.",
    AckNotCounted = "ack-not-counted":
        "A /sop-ack or /sop-n/a that does not count: the author's ack, by a non-member, in an edited comment, or without an id or a visible reason.",
    AuthorWaiver = "author-waiver":
        "The pull request's author tried to waive an item with /sop-n/a; only a member of the ack teams who is not the author can, so it does not count.",
    UnknownChecklistItem = "unknown-checklist-item":
        "A command names an item id that is not in the checklist; it is reported and ignored.",
    UncheckedBox = "unchecked-box":
        "The pull request body leaves a `- [ ] **Title**` box unchecked.",
    NoTierLabel = "no-tier-label":
        "The pull request has no tier:low/medium/high label; it is treated as tier:high.",
    ReviewAckNotCounted = "review-ack-not-counted":
        "A /sop-ack or /sop-n/a in a review that no longer stands (pending, dismissed, stale, or made on another commit than the head) does not count.",
    TierLabelDistrusted = "tier-label-distrusted":
        "With tier_label_from_ack_teams, a tier:low/medium label not last added by a confirmed ack-team member other than the author is ignored; the pull request is treated as tier:high.",
    // --- policy ---
    PolicyMet = "policy-met":
        "The policy tree evaluated to pass: every rule it needs passed or was waived.",
    PolicyFailed = "policy-failed":
        "The policy tree evaluated to fail: a rule it needs is not satisfied; the report says who counted and what is missing.",
    NoRuleApplies = "no-rule-applies":
        "Every rule of the policy was skipped (no `if` held), so nothing was required; a policy that evaluates to skipped fails.",
    PolicyInvalid = "policy-invalid":
        "The policy file cannot be used (syntax, unknown key, bad rule name, unknown rule in the tree, bad glob or count); the message names the line and the fix.",
    RuleWaived = "rule-waived":
        "A rule was declared not applicable with `/sop-n/a <rule> <reason>` by a member of its waivable_by teams; it is satisfied but not approved.",
    WaiverNotCounted = "waiver-not-counted":
        "A `/sop-n/a <rule> <reason>` that does not count: by the author, without a visible reason, in an edited comment, for a rule that is not waivable, or from a non-member.",
    CodeownersLineInvalid = "codeowners-line-invalid":
        "A CODEOWNERS line Gitea would skip (one token, a regexp that does not compile, a malformed owner); reported with its line number.",
    CodeownerUnresolved = "codeowner-unresolved":
        "A CODEOWNERS owner does not resolve (a team that does not exist, with the team name's case, or a login that is no Gitea user); like Gitea, the owner is skipped. Reported with every line that names it.",
    CodeownersLineDropped = "codeowners-line-dropped":
        "A CODEOWNERS line that applies to a changed file has no owner left that resolves; like Gitea, the line is dropped and requires no approval. Reported as a warning naming the line, since a silently dropped rule guards nothing.",
    CodeownersMissing = "codeowners-missing":
        "The policy requires code-owner approval, but there is no CODEOWNERS file where the server reads it, or every line of it was dropped (no owner resolves): a configuration error (exit 2), never a skipped rule, since a deleted or renamed file would otherwise remove the requirement silently. The message says where it looked.",
    CodeownersPatternUnsupported = "codeowners-pattern-unsupported":
        "The server (Gitea 1.26 or later) compiles CODEOWNERS patterns with regexp2, and a pattern uses syntax the gate's RE2 engine cannot compile (lookaround, backreferences, …): the gate cannot tell which files the line owns, so it stops with a configuration error (exit 2) rather than ask for fewer owners than the server does.",
    CodeownersPatternMayTimeOut = "codeowners-pattern-may-time-out":
        "A negated CODEOWNERS line on Gitea 1.26.3 or later whose pattern the server's backtracking engine may stop matching after 150 ms, which makes the line apply: the gate applies it to every path long enough for that (more owners, never fewer) and warns, so that the pattern can be simplified.",
    ReviewsRequested = "reviews-requested":
        "--request-reviews: the teams and users the approvals or policy gate asks for a review, the ones that can close a rule's missing approvals (never the author, a contributor, someone whose approval stands or who was already asked); the status and the summary say who was asked once the server took the request.",
    ReviewRequestFailed = "review-request-failed":
        "--request-reviews: the server refused the review request (the token may not change review requests, or an owner cannot read the pull request); nobody was asked, and the verdict stands as decided.",
    ServerUnsupported = "server-unsupported":
        "The server's version (GET /api/v1/version) is older than the oldest Gitea or Forgejo the gate follows, or names no release: which rules it applies is unknown, so the policy gate stops with a configuration error (exit 2).",
    CodeownersAuthorOnly = "codeowners-author-only":
        "A CODEOWNERS line (or file) whose only owner is the pull request's author needs no approval; it is waived and reported.",
    PolicyTestPassed = "policy-test-passed":
        "A recorded policy test case (gitea-gate policy test) decided as its expect block says.",
    PolicyTestMismatch = "policy-test-mismatch":
        "A recorded policy test case decided otherwise than its expect block says; the message lists the differences.",
    PolicyTestCaseInvalid = "policy-test-case-invalid":
        "A policy test case file (DIR/*/case.json) is not a valid case (not JSON, an unknown key, a wrong type): nothing was tested with it, so the run is a configuration error (exit 2), not a decision that differs.",
    // --- protocol ---
    InvalidInput = "invalid-input":
        "The guest could not read the facts the host sent (protocol mismatch or a host bug); nothing was decided.",
    // --- the host's own (it could not ask the guest, or the guest could not answer) ---
    UsageError = "usage-error":
        "The command line, a configuration file or a local input is wrong; nothing was checked (exit 2).",
    SandboxError = "sandbox-error":
        "The sandboxed guest gave no verdict (fuel, time, memory, output cap, panic, forbidden import); nothing was decided (exit 3).",
    ApiError = "api-error":
        "A Gitea API request failed, so a fact the gate needs is unknown; the gate cannot decide (exit 3).",
    CanonicalUnavailable = "canonical-unavailable":
        "The canonical copy of a file could not be obtained or verified, so drift cannot be decided (exit 3).",
    LocalInputChanged = "local-input-changed":
        "A local file changed length (or could no longer be read) while the guest was reading it, so the guest was stopped; nothing was decided (exit 3).",
    ManifestDiffersFromBase = "manifest-differs-from-base":
        "In a pull-request run the drift manifest was read from the base commit, and the workspace copy differs from it (warning; the pull request's version is not used).",
    PolicyDiffersFromBase = "policy-differs-from-base":
        "In a pull-request run the policy file was read from the base commit, and the workspace copy differs from it (warning; the pull request's version is not used).",
    SweepDecided = "sweep-decided":
        "--open-prs: every open pull request was decided and its status posted; the statuses carry the verdicts (exit 0).",
    SweepUndecided = "sweep-undecided":
        "--open-prs: at least one open pull request could not be decided (it got an error status; the others were still posted) (exit 3).",
    SweepTooManyPullRequests = "sweep-too-many-pull-requests":
        "--open-prs: the repository has more open pull requests than --max-prs allows; the most recently updated --max-prs were evaluated, every other one got an `error` status (exit 3, never a partial pass).",
    DeferredToSweep = "deferred-to-sweep":
        "A review or comment run on a pull request from another repository is untrusted; the gate skips it and posts no status, and the scheduled sweep (--open-prs) posts it (exit 0).",
    SharedHead = "shared-head":
        "Another open pull request has the same head commit. A status belongs to the commit, so `success` goes on it only when every such pull request passes its own gate; otherwise the head gets the worst one's state, naming it, and a per-event run's verdict and exit code follow it (failure: exit 1; could not decide: exit 3).",
    StatusNotPosted = "status-not-posted":
        "--status-context was given but the commit status could not be posted (warning; the exit code still follows the verdict).",
}
