//! `--keep-across-base-merges`, black-box against the fake Gitea: an approval of an earlier commit
//! still counts after "Update branch" merged the base branch into the pull request — and only
//! when every commit after it is such a merge and the pull request's own changes are byte for
//! byte the approved ones. Each way a hostile author could slip a change past it (a change inside
//! the merge, a conflict "resolved" by reverting the base's fix, a plain commit before the merge,
//! a merge of another branch) voids the approval and names the commit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::Path;

use crate::common::{self, event, run};
use crate::world::*;
use fake_gitea::FakeGitea;

const B0: u64 = 0xb0; // where every pull request leaves main
const A: u64 = 0xa0; // the pull request's own commit, approved by qa-dave: src/app.rs v1
const B1: u64 = 0xb1; // main moved: README changed
const B2: u64 = 0xb2; // main moved differently: src/app.rs changed (a fix)
const B3: u64 = 0xb3; // main moved again after B1: README again

fn short(n: u64) -> String {
    sha(n)[..12].to_owned()
}

/// A commit with its parents and its whole tree: the three files that matter, and 1,200 more so
/// that every tree is read in two pages (Gitea gives at most 1,000 entries a page).
fn commit(n: u64, parents: &[u64], app: &str, auth: &str, readme: &str, extra: &[(&str, &str)]) -> Commit {
    let files = [("src/app.rs", app), ("src/auth.rs", auth), ("README", readme)];
    let commit = bare(n, parents, &files);
    let commit = (0..1200).fold(commit, |c, i| c.text(&format!("vendor/f{i:04}.txt"), &format!("vendored {i}\n")));
    extra.iter().fold(commit, |c, (path, text)| c.text(path, text))
}

/// A commit whose tree is only `files`.
fn bare(n: u64, parents: &[u64], files: &[(&str, &str)]) -> Commit {
    let commit = Commit::new(sha(n)).parents(parents.iter().map(|p| sha(*p)));
    files.iter().fold(commit, |c, (path, text)| c.text(path, text))
}

/// Pull request `number` whose head is `head`, its commits newest first (as Gitea lists them from
/// the merge base with main), and qa-dave's approval of A.
fn pull_at(number: u64, head: u64, commits: &[u64]) -> Pull {
    pull_approving(number, head, commits, A)
}

/// …with qa-dave's approval of `approved`.
fn pull_approving(number: u64, head: u64, commits: &[u64], approved: u64) -> Pull {
    let pull = Pull::new(number).review(Review::approved(1, "qa-dave").on(&sha(approved))).head(&sha(head));
    commits.iter().fold(pull, |pull, c| pull.commit(&sha(*c), "alice", "alice"))
}

fn world() -> FakeGitea {
    let pulls = [
        pull_at(80, 0x80, &[0x80, A]),
        pull_at(81, 0x81, &[0x81, A]),
        pull_at(82, 0x82, &[0x82, A]),
        pull_at(83, 0x83, &[0x83, 0xc3, A]),
        pull_at(85, 0x85, &[0x85, 0x84, A]),
        pull_at(86, 0x86, &[0x86, 0xd6, A]),
        // A repository whose first commit is empty (its tree is `"tree": null`).
        pull_approving(87, 0x87, &[0x87, 0xa7], 0xa7),
        // The approved commit "merged" an older base commit after an update.
        pull_approving(88, 0x92, &[0x92, 0x91, 0x90, A], 0x91),
        // The last merge brings in an older base commit than the approved one reached.
        pull_approving(89, 0x94, &[0x94, 0x93, A], 0x93),
        // The last merge brings in a base commit of a history unrelated to the pull request's.
        pull_at(96, 0x96, &[0x96, A]),
    ];
    let commits = [
        commit(B0, &[], "v0", "a0", "r0", &[]),
        commit(A, &[B0], "v1", "a0", "r0", &[]),
        commit(B1, &[B0], "v0", "a0", "r1", &[]),
        commit(B2, &[B0], "v5", "a0", "r0", &[]),
        commit(B3, &[B1], "v0", "a0", "r3", &[]),
        // "Update branch": A with main's B1, nothing else.
        commit(0x80, &[A, B1], "v1", "a0", "r1", &[]),
        // The same merge with a change to auth.rs hidden in it.
        commit(0x81, &[A, B1], "v1", "evil", "r1", &[]),
        // main fixed app.rs (v5); the merge "resolves" the conflict by keeping v1: the fix is gone.
        commit(0x82, &[A, B2], "v1", "a0", "r0", &[]),
        // A plain commit after the approval, then an update.
        commit(0xc3, &[A], "v1", "a0", "r0", &[("src/backdoor.rs", "x")]),
        commit(0x83, &[0xc3, B1], "v1", "a0", "r1", &[("src/backdoor.rs", "x")]),
        // Two updates in a row.
        commit(0x84, &[A, B1], "v1", "a0", "r1", &[]),
        commit(0x85, &[0x84, B3], "v1", "a0", "r3", &[]),
        // A merge of the author's own side branch, which adds a file.
        commit(0xd6, &[B0], "v0", "a0", "r0", &[("src/side.rs", "y")]),
        commit(0x86, &[A, 0xd6], "v1", "a0", "r0", &[("src/side.rs", "y")]),
        // main turned unsafe mode on (B4), then reverted it (B5); B6 fixed auth.rs.
        commit(0xb4, &[B0], "v0", "a0", "r0", &[("unsafe.cfg", "on")]),
        commit(0xb5, &[0xb4], "v0", "a0", "r0", &[]),
        commit(0xb6, &[B0], "v0", "fixed", "r0", &[]),
        // #88: an honest update with B4, then a no-op merge of B0 — approved — then an update
        // with B5 that keeps unsafe mode on: merging it would undo B5's revert.
        commit(0x90, &[A, 0xb4], "v1", "a0", "r0", &[("unsafe.cfg", "on")]),
        commit(0x91, &[0x90, B0], "v1", "a0", "r0", &[("unsafe.cfg", "on")]),
        commit(0x92, &[0x91, 0xb5], "v1", "a0", "r0", &[("unsafe.cfg", "on")]),
        // #89: an honest update with B6 — approved — then a merge of the older B0 whose tree is
        // B0 plus the pull request's change: the auth fix is gone.
        commit(0x93, &[A, 0xb6], "v1", "fixed", "r0", &[]),
        commit(0x94, &[0x93, B0], "v1", "a0", "r0", &[]),
        // main once merged an unrelated history (U0, a root of its own) as BU. #96's merge brings
        // in U0 with U0's tree plus the pull request's change: merging it would delete the rest.
        bare(0xf0, &[], &[("vendor-u/lib.rs", "u")]),
        bare(0xbf, &[B0, 0xf0], &[]),
        bare(0x96, &[A, 0xf0], &[("vendor-u/lib.rs", "u"), ("src/app.rs", "v1")]),
        bare(0xe0, &[], &[]),
        bare(0xa7, &[0xe0], &[("src/app.rs", "v1")]),
        bare(0xe1, &[0xe0], &[("README", "r1")]),
        bare(0x87, &[0xa7, 0xe1], &[("src/app.rs", "v1"), ("README", "r1")]),
    ];
    World::acme().pulls(pulls).commits(commits).start()
}

/// `gitea-gate GATE --pr N ARGS` in a trusted (push) run whose workspace is `workspace`.
fn gate_in(fake: &FakeGitea, workspace: &Path, gate: &[&str], number: u64, args: &[&str]) -> common::Run {
    let mut command = gate_command(fake, workspace, "push", Path::new(&event("push")));
    command.args(gate).args(["--pr", &number.to_string()]).args(GATE_FLAGS).args(args);
    run(command)
}

/// `gitea-gate approvals --team acme/qa --pr N ARGS` in a trusted (push) run.
fn approvals(fake: &FakeGitea, number: u64, args: &[&str]) -> common::Run {
    let workspace = tempfile::tempdir().unwrap();
    gate_in(fake, workspace.path(), &["approvals", "--team", "acme/qa"], number, args)
}

/// The approval on pull request `number` is void, and the notice says `why`.
fn voided(fake: &FakeGitea, number: u64, why: &str) -> common::Run {
    let r = approvals(fake, number, &["--keep-across-base-merges", "--status-context", "qa"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(line(&r, "review-not-counted").contains(why), "want {why:?}:\n{}", r.stdout);
    assert_eq!(fake.statuses().last().map(|s| s.state.clone()).as_deref(), Some("failure"));
    r
}

fn line<'r>(r: &'r common::Run, code: &str) -> &'r str {
    r.stdout.lines().find(|l| l.contains(code)).unwrap_or_default()
}

#[test]
fn an_approval_survives_update_branch_only_with_the_option() {
    let fake = world();
    let r = approvals(&fake, 80, &["--status-context", "qa"]);
    assert_eq!(r.code, 1, "without the option an approval of another commit does not count:\n{}", r.stdout);
    assert!(line(&r, "review-not-counted").contains("--allow-stale"), "{}", r.stdout);
    assert!(!fake.requests().iter().any(|q| q.path.contains("/git/trees/")), "nothing is compared unasked");

    let r = approvals(&fake, 80, &["--status-context", "qa", "--keep-across-base-merges"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.output("approved-by"), "qa-dave");
    let kept = line(&r, "approval-kept-across-base-merges");
    let want = format!(
        "qa-dave's approval (#1) of commit {} counts for the head: only merges from the base branch came after it ({})",
        short(A),
        short(0x80)
    );
    assert!(kept.contains(&want), "{}", r.stdout);
    assert_eq!(fake.statuses().last().map(|s| s.state.clone()).as_deref(), Some("success"));
    // The trees compared: B0 → A (what was approved) and B1 → the merge; each in two pages.
    let trees: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|q| q.path.contains("/git/trees/"))
        .map(|q| format!("{} {}", &q.path[q.path.len() - 40..][..12], q.query.get("page").cloned().unwrap_or_default()))
        .collect();
    let mut want: Vec<String> =
        [B0, A, B1, 0x80].iter().flat_map(|c| [format!("{} 1", short(*c)), format!("{} 2", short(*c))]).collect();
    let mut got = trees.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want, "each tree read once, every page");
}

#[test]
fn two_updates_in_a_row_keep_it() {
    let fake = world();
    let r = approvals(&fake, 85, &["--keep-across-base-merges"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(line(&r, "approval-kept-across-base-merges").contains(&format!("({}, {})", short(0x84), short(0x85))));
}

#[test]
fn an_empty_first_commit_is_an_empty_tree() {
    // The approved commit left an empty root commit, whose tree Gitea answers `"tree": null`.
    let fake = world();
    let r = approvals(&fake, 87, &["--keep-across-base-merges"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(line(&r, "approval-kept-across-base-merges").contains(&short(0xa7)), "{}", r.stdout);
}

/// A merge of an older base commit must not pass for the merge base, before or after the
/// approval (Gitea's stored `merge_base` lags a push, so it is never what decides).
#[test]
fn a_merge_of_an_older_base_commit_voids_the_approval() {
    let fake = world();
    voided(&fake, 88, &format!("the approved commit's base {} is not the newest base commit it reaches", short(B0)));
    voided(&fake, 89, &format!("the last merge's base {} is not the newest base commit it reaches", short(B0)));
    // A base commit of an unrelated history: the server's comparison lists no commit either
    // way (no merge base), which must not pass for "an ancestor".
    voided(&fake, 96, &format!("the last merge's base {} is not the newest base commit it reaches", short(0xf0)));
}

/// The hostile author's ways past it: each is refused, and the finding names the commit.
#[test]
fn a_change_hidden_in_the_merge_voids_the_approval() {
    let fake = world();
    let r = voided(&fake, 81, &format!("merge {} changes the pull request's own changes (src/auth.rs)", short(0x81)));
    assert!(line(&r, "review-not-counted").contains("qa-dave"), "{}", r.stdout);
}

#[test]
fn a_conflict_resolved_by_dropping_the_base_s_fix_voids_the_approval() {
    let fake = world();
    voided(&fake, 82, &format!("merge {} changes the pull request's own changes (src/app.rs)", short(0x82)));
}

#[test]
fn a_commit_before_the_merge_voids_the_approval() {
    let fake = world();
    voided(&fake, 83, &format!("commit {} after it is not a merge from the base branch", short(0xc3)));
    assert!(!fake.requests().iter().any(|q| q.path.contains("/git/trees/")), "no tree needed to refuse it");
}

#[test]
fn a_merge_of_another_branch_voids_the_approval() {
    let fake = world();
    voided(&fake, 86, &format!("merges {}, which is not on the base branch", short(0xd6)));
}

#[test]
fn a_tree_that_cannot_be_read_is_never_a_pass() {
    let fake = world();
    let status_500 = || fake_gitea::faults::FaultKind::Status { status: 500, body: None };
    fake.fault(&format!("/api/v1/repos/acme/core/git/trees/{}", sha(0x80)), None, status_500());
    voided(&fake, 80, "could not be read");
    // …nor an ancestry the server did not answer.
    fake.clear_faults();
    fake.fault(&format!("/api/v1/repos/acme/core/compare/{}...{}", sha(B1), sha(B0)), None, status_500());
    voided(&fake, 80, "is an ancestor of");
}

#[test]
fn the_policy_gate_keeps_and_voids_the_same_way() {
    let fake = world();
    let workspace = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(workspace.path().join(".gitea")).unwrap();
    let rules = "rules:\n  - name: qa\n    requires: { count: 1, teams: [acme/qa] }\n";
    std::fs::write(workspace.path().join(".gitea/policy.yml"), rules).unwrap();
    let policy = |number: u64, args: &[&str]| {
        gate_in(&fake, workspace.path(), &["policy", "--config", ".gitea/policy.yml"], number, args)
    };
    let r = policy(80, &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let r = policy(80, &["--keep-across-base-merges"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(line(&r, "approval-kept-across-base-merges").contains(&short(A)), "{}", r.stdout);
    let r = policy(81, &["--keep-across-base-merges"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(line(&r, "review-not-counted").contains("(src/auth.rs)"), "{}", r.stdout);
}
