use serde_json::json;

use gitea_gate_protocol::{Ancestry, ChangedPath, Changes, CommitAccounts, CommitPair, PullHistory};

use super::*;

// A pull request forked from base commit B0 with its own commit A (approved), then "Update
// branch" merges base commit B1 into it as M.
const B0: &str = "b000000000000000000000000000000000000000";
const B1: &str = "b100000000000000000000000000000000000000";
const A: &str = "a000000000000000000000000000000000000000";
const M: &str = "m000000000000000000000000000000000000000";

fn commit(sha: &str, parents: &[&str]) -> CommitAccounts {
    CommitAccounts {
        sha: sha.into(),
        parents: parents.iter().map(|p| (*p).into()).collect(),
        author: None,
        committer: None,
    }
}

fn pr(head: &str) -> Value {
    json!({"number": 7, "head": {"sha": head}})
}

fn approval(commit: &str) -> Value {
    json!({"id": 3, "user": {"login": "qa-bob", "id": 5}, "state": "APPROVED", "commit_id": commit, "dismissed": false, "stale": false})
}

fn change(path: &str, before: &str, after: &str) -> ChangedPath {
    ChangedPath { path: path.into(), before: before.into(), after: after.into() }
}

fn changes(from: &str, to: &str, paths: Vec<ChangedPath>) -> Changes {
    Changes { from: from.into(), to: to.into(), paths, unreadable: None }
}

fn pair(from: &str, to: &str) -> CommitPair {
    CommitPair { from: from.into(), to: to.into() }
}

/// The approved change: app.rs edited.
fn own() -> Vec<ChangedPath> {
    vec![change("src/app.rs", "100644 e0", "100644 e1")]
}

fn ancestor(from: &str, to: &str, is: bool) -> Ancestry {
    Ancestry { from: from.into(), to: to.into(), ancestor: is, unreadable: None }
}

/// A, then "Update branch" with B1; B0 (where A left the base) is an ancestor of B1.
fn updated(answers: Vec<Changes>) -> PullHistory {
    PullHistory {
        commits: vec![commit(A, &[B0]), commit(M, &[A, B1])],
        changes: answers,
        ancestry: vec![ancestor(B0, B1, true)],
        ..PullHistory::default()
    }
}

fn outcome(history: &PullHistory, head: &str) -> Result<String, String> {
    outcome_of(history, head, A)
}

fn outcome_of(history: &PullHistory, head: &str, approved: &str) -> Result<String, String> {
    match examine(&pr(head), history, &[approval(approved)], true) {
        Examined::Decided(kept) => kept.outcome(approved).cloned().expect("looked at it"),
        Examined::Needs(asked) => panic!("still needs {asked:?}"),
    }
}

#[test]
fn it_first_asks_for_the_approved_change_each_merge_s_and_the_merge_base() {
    let history = PullHistory { ancestry: vec![], ..updated(vec![]) };
    let Examined::Needs(asked) = examine(&pr(M), &history, &[approval(A)], true) else { panic!("asks") };
    assert_eq!(asked.compare, vec![pair(B0, A), pair(B1, M)]);
    assert_eq!(asked.ancestors, vec![pair(B0, B1)], "B1 must be the newest base commit the head reaches");
}

#[test]
fn a_clean_update_keeps_the_approval() {
    let history = updated(vec![changes(B0, A, own()), changes(B1, M, own())]);
    let kept = outcome(&history, M).expect("kept");
    assert!(kept.contains("only merges from the base branch came after it (m00000000000)"), "{kept}");
}

#[test]
fn without_the_option_or_on_the_head_nothing_is_examined() {
    let history = updated(vec![]);
    let Examined::Decided(kept) = examine(&pr(M), &history, &[approval(A)], false) else { panic!() };
    assert!(kept.outcome(A).is_none());
    let Examined::Decided(kept) = examine(&pr(A), &history, &[approval(A)], true) else { panic!() };
    assert!(kept.outcome(A).is_none(), "an approval of the head needs nothing");
}

#[test]
fn dismissed_or_stale_approvals_are_not_examined() {
    for flag in ["dismissed", "stale"] {
        let mut row = approval(A);
        row[flag] = json!(true);
        let Examined::Decided(kept) = examine(&pr(M), &updated(vec![]), &[row], true) else { panic!("{flag}") };
        assert!(kept.outcome(A).is_none(), "{flag}");
    }
}

/// The hostile author's ways past it, each voids the approval and names the commit.
#[test]
fn a_change_hidden_in_the_merge_voids_it() {
    let mut evil = own();
    evil.push(change("src/auth.rs", "100644 f0", "100644 f9"));
    let history = updated(vec![changes(B0, A, own()), changes(B1, M, evil)]);
    let why = outcome(&history, M).expect_err("void");
    assert!(why.contains("merge m00000000000 changes the pull request's own changes (src/auth.rs)"), "{why}");
}

#[test]
fn a_conflict_resolved_by_reverting_the_base_s_change_voids_it() {
    // The base changed app.rs too (e0 → e5); the merge keeps the pull request's e1, so against
    // B1 the pull request now turns e5 into e1: not what was approved (e0 → e1).
    let history =
        updated(vec![changes(B0, A, own()), changes(B1, M, vec![change("src/app.rs", "100644 e5", "100644 e1")])]);
    let why = outcome(&history, M).expect_err("void");
    assert!(why.contains("(src/app.rs)"), "{why}");
}

#[test]
fn a_merge_that_drops_part_of_the_approved_change_voids_it() {
    let mut approved = own();
    approved.push(change("src/check.rs", "", "100644 c1"));
    let history = updated(vec![changes(B0, A, approved), changes(B1, M, own())]);
    let why = outcome(&history, M).expect_err("void");
    assert!(why.contains("(src/check.rs)"), "{why}");
}

#[test]
fn a_commit_after_the_approval_that_is_not_a_merge_voids_it() {
    const E: &str = "e000000000000000000000000000000000000000";
    let history =
        PullHistory { commits: vec![commit(A, &[B0]), commit(E, &[A]), commit(M, &[E, B1])], ..PullHistory::default() };
    let why = outcome(&history, M).expect_err("void");
    assert_eq!(why, "commit e00000000000 after it is not a merge from the base branch");
}

#[test]
fn a_merge_of_another_branch_voids_it() {
    // X is one of the pull request's own commits (the author's side branch), not base history.
    const X: &str = "c000000000000000000000000000000000000000";
    let history =
        PullHistory { commits: vec![commit(A, &[B0]), commit(X, &[B0]), commit(M, &[A, X])], ..PullHistory::default() };
    let why = outcome(&history, M).expect_err("void");
    assert!(why.contains("merges c00000000000, which is not on the base branch"), "{why}");
}

/// The stale merge base an author can choose: Gitea's stored `merge_base` lags a push, so a last
/// merge of an older base commit (B0, while the pull request already contains B1) must not pass
/// for the merge base — merging it would revert B1's changes.
#[test]
fn a_last_merge_of_an_older_base_commit_voids_it() {
    const M2: &str = "m200000000000000000000000000000000000000";
    let history = PullHistory {
        commits: vec![commit(A, &[B0]), commit(M, &[A, B1]), commit(M2, &[M, B0])],
        changes: vec![changes(B0, A, own()), changes(B1, M, own()), changes(B0, M2, own())],
        ancestry: vec![ancestor(B1, B0, false)],
        ..PullHistory::default()
    };
    let why = outcome(&history, M2).expect_err("void");
    assert!(why.contains("the last merge's base b00000000000 is not the newest base commit"), "{why}");
}

/// The approved commit's base is the newest base commit it reaches: a hand-made merge of an
/// older base commit after an update must not make the update's changes look like the pull
/// request's own.
#[test]
fn an_approved_commit_whose_base_is_not_the_newest_it_reaches_is_void() {
    // A2 updates A with B1; A3 then "merges" B0 again (a no-op); the approval is of A3.
    const A2: &str = "a200000000000000000000000000000000000000";
    const A3: &str = "a300000000000000000000000000000000000000";
    const B2: &str = "b200000000000000000000000000000000000000";
    const M2: &str = "m200000000000000000000000000000000000000";
    let history = PullHistory {
        commits: vec![commit(A, &[B0]), commit(A2, &[A, B1]), commit(A3, &[A2, B0]), commit(M2, &[A3, B2])],
        changes: vec![changes(B0, A3, own()), changes(B2, M2, own())],
        ancestry: vec![ancestor(B0, B2, true), ancestor(B1, B2, true), ancestor(B1, B0, false)],
        ..PullHistory::default()
    };
    let why = outcome_of(&history, M2, A3).expect_err("void");
    assert!(why.contains("the approved commit's base b00000000000 is not the newest"), "{why}");
}

#[test]
fn a_retargeted_pull_request_keeps_nothing() {
    let history = PullHistory { retargets: vec![40], ..updated(vec![changes(B0, A, own()), changes(B1, M, own())]) };
    let why = outcome(&history, M).expect_err("void");
    assert!(why.contains("changed its target branch"), "{why}");
}

#[test]
fn an_unreadable_ancestry_voids_it() {
    let mut history = updated(vec![changes(B0, A, own()), changes(B1, M, own())]);
    history.ancestry[0].unreadable = Some("HTTP 500".into());
    let why = outcome(&history, M).expect_err("void");
    assert!(why.contains("could not be read: HTTP 500"), "{why}");
}

#[test]
fn an_approved_commit_no_longer_in_the_pull_request_voids_it() {
    let history = PullHistory { commits: vec![commit(M, &[B1])], ..PullHistory::default() };
    let why = outcome(&history, M).expect_err("void");
    assert_eq!(why, "commit a00000000000 is no longer one of the pull request's commits");
}

#[test]
fn an_unreadable_tree_voids_it() {
    let mut merge = changes(B1, M, Vec::new());
    merge.unreadable = Some("404 Not Found".into());
    let history = updated(vec![changes(B0, A, own()), merge]);
    let why = outcome(&history, M).expect_err("void");
    assert!(why.contains("could not be read: 404 Not Found"), "{why}");
}

#[test]
fn two_updates_in_a_row_are_both_compared_and_an_earlier_update_is_the_approved_base() {
    // Approved after a first update (A2 merges B1 into A); then updated again (M merges B2).
    const A2: &str = "a200000000000000000000000000000000000000";
    const B2: &str = "b200000000000000000000000000000000000000";
    const M2: &str = "m200000000000000000000000000000000000000";
    let history = PullHistory {
        commits: vec![commit(A, &[B0]), commit(A2, &[A, B1]), commit(M, &[A2, B1]), commit(M2, &[M, B2])],
        ..PullHistory::default()
    };
    let Examined::Needs(asked) = examine(&pr(M2), &history, &[approval(A2)], true) else { panic!("asks") };
    assert_eq!(asked.compare, vec![pair(B1, A2), pair(B1, M), pair(B2, M2)], "A2 was approved against B1");
    assert_eq!(asked.ancestors, vec![pair(B1, B2), pair(B0, B2), pair(B0, B1)]);
}

/// The corpus cases (tests/corpus/approvals), decided natively: what each is named for,
/// independent of the blessed verdict files.
#[test]
fn corpus_cases_decide_what_they_are_named_for() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/approvals");
    let cases = [
        ("approval-kept-across-base-merge", "pass", "approvals-met", "approval-kept-across-base-merges"),
        ("approval-voided-by-a-change-in-a-base-merge", "fail", "approvals-missing", "review-not-counted"),
        ("asks-what-the-merges-after-an-approval-changed", "error", "facts-needed", "facts-needed"),
    ];
    for (name, verdict, code, finding) in cases {
        let input = std::fs::read(dir.join(format!("{name}.input.json"))).expect(name);
        let v: Value = serde_json::from_slice(&crate::evaluate_bytes(&input)).expect("json");
        assert_eq!(v["verdict"], verdict, "{name}: {}", v["reason"]);
        assert_eq!(v["code"], code, "{name}: {}", v["reason"]);
        let codes: Vec<&str> =
            v["findings"].as_array().expect("findings").iter().filter_map(|f| f["code"].as_str()).collect();
        assert!(codes.contains(&finding), "{name}: {codes:?}");
    }
}
