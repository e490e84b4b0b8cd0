//! One round trip per protocol type: the value serialises to exactly the JSON pinned here (the
//! wire format: a renamed field fails this test) and reads back to the same value.

use std::collections::BTreeMap;
use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;

#[track_caller]
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T, wire: Value) {
    let written = serde_json::to_value(value).expect("serialises");
    assert_eq!(written, wire, "the wire format changed");
    let read: T = serde_json::from_value(wire).expect("reads back");
    assert_eq!(&read, value);
}

fn context() -> (RunContext, Value) {
    let context = RunContext {
        event_name: Some("issue_comment".into()),
        event: EventFacts::Payload(json!({"issue": {"number": 7}})),
        repository: Some("acme/core".into()),
        pull_request_lookup: Some(Lookup::Found(json!({"number": 7}))),
    };
    let wire = json!({
        "event_name": "issue_comment",
        "event": {"payload": {"issue": {"number": 7}}},
        "repository": "acme/core",
        "pull_request_lookup": {"found": {"number": 7}},
    });
    (context, wire)
}

fn team() -> (TeamFact, Value) {
    let team = TeamFact {
        reference: "acme/qa".into(),
        name: "qa".into(),
        org: Some("acme".into()),
        id: Some(4),
        readable: false,
        unreadable_reason: Some("403".into()),
    };
    let wire = json!({"reference": "acme/qa", "name": "qa", "org": "acme", "id": 4, "readable": false,
                      "unreadable_reason": "403"});
    (team, wire)
}

fn membership() -> (MembershipFact, Value) {
    let fact =
        MembershipFact { login: "alice".into(), team: "acme/qa".into(), member: None, detail: Some("500".into()) };
    (fact, json!({"login": "alice", "team": "acme/qa", "member": null, "detail": "500"}))
}

#[test]
fn run_context_and_its_parts() {
    let (context, wire) = context();
    round_trip(&context, wire);
    round_trip(&RunContext::default(), json!({"event_name": null, "event": "absent", "repository": null}));
    round_trip(&EventFacts::Unreadable("gone".into()), json!({"unreadable": "gone"}));
    round_trip(&EventFacts::Absent, json!("absent"));
    round_trip(&Lookup::Failed("404".into()), json!({"failed": "404"}));
    round_trip(&SecretFact { name: "T".into(), present: true }, json!({"name": "T", "present": true}));
    for (source, wire) in [
        (ByteSource::Blob(2), json!({"blob": 2})),
        (ByteSource::Text("a".into()), json!({"text": "a"})),
        (ByteSource::Base64("AA==".into()), json!({"base64": "AA=="})),
    ] {
        round_trip(&source, wire);
    }
    let absent: RunContext = serde_json::from_value(json!({})).expect("every field has a default");
    assert_eq!(absent, RunContext::default());
}

#[test]
fn trust_facts() {
    let (context, context_wire) = context();
    let facts = TrustFacts { context, secrets: vec![SecretFact { name: "T".into(), present: false }] };
    round_trip(&facts, json!({"context": context_wire, "secrets": [{"name": "T", "present": false}]}));
}

#[test]
fn drift_facts() {
    let limits = DriftLimits { context_lines: 3, max_diff_lines: 200, max_diff_bytes: 1024 };
    round_trip(&limits, json!({"context_lines": 3, "max_diff_lines": 200, "max_diff_bytes": 1024}));
    let canonical = FileCopy {
        label: "acme/core@main:a.yaml".into(),
        remote: true,
        commit: Some("abc".into()),
        bytes: Some(ByteSource::Blob(0)),
    };
    let local = FileCopy { label: "a.yaml".into(), remote: false, commit: None, bytes: Some(ByteSource::Blob(1)) };
    let pair = Pair { canonical, local };
    let pair_wire = json!({
        "canonical": {"label": "acme/core@main:a.yaml", "remote": true, "commit": "abc", "bytes": {"blob": 0}},
        "local": {"label": "a.yaml", "bytes": {"blob": 1}},
    });
    round_trip(&pair, pair_wire.clone());
    let facts = DriftFacts {
        context: RunContext::default(),
        token: Some(SecretFact { name: "T".into(), present: true }),
        pairs: vec![pair],
        limits: Some(limits),
    };
    round_trip(
        &facts,
        json!({
            "context": {"event_name": null, "event": "absent", "repository": null},
            "token": {"name": "T", "present": true},
            "pairs": [pair_wire],
            "limits": {"context_lines": 3, "max_diff_lines": 200, "max_diff_bytes": 1024},
        }),
    );
}

#[test]
fn pin_facts() {
    let files = vec![
        PinnedFile { path: "a".into(), expected: Some("d".into()), bytes: Some(ByteSource::Blob(0)), missing: false },
        PinnedFile { path: "b".into(), expected: None, bytes: None, missing: true },
    ];
    let facts = PinFacts { context: RunContext::default(), mode: PinMode::Update, lock_file: "l".into(), files };
    round_trip(
        &facts,
        json!({
            "context": {"event_name": null, "event": "absent", "repository": null},
            "mode": "update",
            "lock_file": "l",
            "files": [{"path": "a", "expected": "d", "bytes": {"blob": 0}}, {"path": "b", "expected": null, "missing": true}],
        }),
    );
    round_trip(&PinMode::Verify, json!("verify"));
}

#[test]
fn approval_facts() {
    let ((team, team_wire), (member, member_wire)) = (team(), membership());
    let facts = ApprovalFacts {
        context: RunContext::default(),
        token: None,
        pr_number: Some(7),
        pull_request: Some(json!({"number": 7})),
        reviews: vec![json!({"id": 1})],
        history: Some(PullHistory::default()),
        teams: vec![team],
        min: 2,
        allow_stale: true,
        keep_across_base_merges: true,
        request_reviews: false,
        block_on_changes_requested: false,
        allow_contributors: true,
        rule: None,
        waivable_by: vec![],
        comments: vec![],
        membership: Some(vec![member]),
    };
    round_trip(
        &facts,
        json!({
            "context": {"event_name": null, "event": "absent", "repository": null},
            "token": null,
            "pr_number": 7,
            "pull_request": {"number": 7},
            "reviews": [{"id": 1}],
            "history": {},
            "teams": [team_wire],
            "min": 2,
            "allow_stale": true,
            "keep_across_base_merges": true,
            "block_on_changes_requested": false,
            "allow_contributors": true,
            "membership": [member_wire],
        }),
    );
}

#[test]
fn checklist_facts() {
    let (team, team_wire) = team();
    let item = Item { id: "testing".into(), title: "Tested".into() };
    round_trip(&item, json!({"id": "testing", "title": "Tested"}));
    let facts = ChecklistFacts {
        context: RunContext::default(),
        token: Some(SecretFact { name: "T".into(), present: true }),
        pr_number: None,
        items: vec![item],
        teams: vec![team],
        count_edited_comments: true,
        pull_request: None,
        comments: Vec::new(),
        reviews: Vec::new(),
        history: None,
        membership: None,
        allow_contributors: false,
        keep_acks_across_pushes: true,
        tier_label_from_ack_teams: true,
        timeline: Some(vec![json!({"type": "label"})]),
    };
    round_trip(
        &facts,
        json!({
            "context": {"event_name": null, "event": "absent", "repository": null},
            "token": {"name": "T", "present": true},
            "pr_number": null,
            "items": [{"id": "testing", "title": "Tested"}],
            "teams": [team_wire],
            "count_edited_comments": true,
            "keep_acks_across_pushes": true,
            "tier_label_from_ack_teams": true,
            "timeline": [{"type": "label"}],
        }),
    );
}

#[test]
fn pull_history() {
    let account = |login: &str, id| Account { login: login.into(), id };
    let history = PullHistory {
        pushes: vec![
            Push {
                id: 9,
                pusher: account("dev", 3),
                force: true,
                commit_ids: vec!["a".into(), "b".into()],
                created_at: "t".into(),
            },
            Push { id: 12, pusher: account("qa", 4), force: false, commit_ids: vec![], created_at: String::new() },
        ],
        commits: vec![
            CommitAccounts {
                sha: "c".into(),
                parents: vec!["b".into()],
                author: Some(account("dev", 3)),
                committer: None,
            },
            CommitAccounts {
                sha: "d".into(),
                parents: vec!["c".into(), "m".into()],
                author: None,
                committer: Some(account("qa", 4)),
            },
        ],
        reopens: vec![20],
        retargets: vec![21],
        changes: vec![
            Changes {
                from: "b".into(),
                to: "c".into(),
                paths: vec![ChangedPath { path: "a.txt".into(), before: String::new(), after: "100644 e1".into() }],
                unreadable: None,
            },
            Changes { from: "m".into(), to: "d".into(), paths: vec![], unreadable: Some("404".into()) },
        ],
        ancestry: vec![
            Ancestry { from: "b".into(), to: "m".into(), ancestor: true, unreadable: None },
            Ancestry { from: "m".into(), to: "b".into(), ancestor: false, unreadable: Some("500".into()) },
        ],
    };
    round_trip(
        &history,
        json!({
            "pushes": [
                {"id": 9, "pusher": {"login": "dev", "id": 3}, "force": true, "commit_ids": ["a", "b"], "created_at": "t"},
                {"id": 12, "pusher": {"login": "qa", "id": 4}, "commit_ids": []},
            ],
            "commits": [
                {"sha": "c", "parents": ["b"], "author": {"login": "dev", "id": 3}},
                {"sha": "d", "parents": ["c", "m"], "committer": {"login": "qa", "id": 4}},
            ],
            "reopens": [20],
            "retargets": [21],
            "changes": [
                {"from": "b", "to": "c", "paths": [{"path": "a.txt", "before": "", "after": "100644 e1"}]},
                {"from": "m", "to": "d", "unreadable": "404"},
            ],
            "ancestry": [
                {"from": "b", "to": "m", "ancestor": true},
                {"from": "m", "to": "b", "unreadable": "500"},
            ],
        }),
    );
    round_trip(&PullHistory::default(), json!({}));
    assert_eq!(history.pushes[0].new_head(), Some("b"), "a force push records [old, new]");
    assert_eq!(history.pushes[1].new_head(), None, "an empty push names no head");
    assert!(serde_json::from_value::<Push>(json!({"id": 1, "pusher": {"login": "x", "id": 1}, "extra": 1})).is_err());
}

#[test]
fn facts_are_typed_by_their_check() {
    let trust = Facts::Trust(TrustFacts { context: RunContext::default(), secrets: Vec::new() });
    let wire = serde_json::to_value(&trust).expect("serialises");
    assert_eq!(wire, json!({"context": {"event_name": null, "event": "absent", "repository": null}, "secrets": []}));
    assert_eq!(Facts::from_value(Check::Trust, wire.clone()).expect("trust facts"), trust);
    assert!(Facts::from_value(Check::Pin, wire).is_err(), "trust facts are not pin facts");
    for check in Check::ALL {
        assert_eq!(Check::from_name(check.as_str()), Some(check));
    }
    assert_eq!(Check::from_name("nope"), None);
}

#[test]
fn unknown_fields_are_refused() {
    let bad = json!({"context": {}, "secrets": [], "extra": 1});
    assert!(serde_json::from_value::<TrustFacts>(bad).is_err());
    let bad = json!({"event_name": null, "bogus": 1});
    assert!(serde_json::from_value::<RunContext>(bad).is_err());
    let bad = json!({"version": 1, "check": "trust", "facts": {}, "more": 1});
    assert!(serde_json::from_value::<Envelope<Value>>(bad).is_err());
}

#[test]
fn envelope() {
    let envelope = Envelope { blobs: vec![3, 0], check: "pin".to_owned(), facts: json!({}), version: PROTOCOL_VERSION };
    let line = serde_json::to_string(&envelope).expect("serialises");
    assert_eq!(line, r#"{"blobs":[3,0],"check":"pin","facts":{},"version":1}"#);
    let read: Envelope<Value> = serde_json::from_str(&line).expect("reads back");
    assert_eq!((read.blobs, read.check, read.facts, read.version), (envelope.blobs, envelope.check, envelope.facts, 1));
}

fn finding() -> (Finding, Value) {
    let finding = Finding::new(Code::MissingSecret, Level::Error, "short").message("long").help("fix");
    (finding, json!({"code": "missing-secret", "level": "error", "message": "long", "help": "fix"}))
}

#[test]
fn verdict_and_its_parts() {
    for (outcome, name) in
        [(Outcome::Pass, "pass"), (Outcome::Fail, "fail"), (Outcome::Skip, "skip"), (Outcome::Error, "error")]
    {
        round_trip(&outcome, json!(name));
        assert_eq!(outcome.as_str(), name);
    }
    for (trust, name) in [(Trust::Trusted, "trusted"), (Trust::Untrusted, "untrusted")] {
        round_trip(&trust, json!(name));
        assert_eq!(trust.as_str(), name);
    }
    for (level, name) in [(Level::Error, "error"), (Level::Warning, "warning"), (Level::Notice, "notice")] {
        round_trip(&level, json!(name));
    }
    let (finding, finding_wire) = finding();
    // The summary is not on the wire: it reads back empty.
    let read: Finding = serde_json::from_value(finding_wire.clone()).expect("reads back");
    assert_eq!(read, Finding { summary: String::new(), ..finding.clone() });
    assert_eq!(serde_json::to_value(&finding).expect("serialises"), finding_wire);
    let status = StatusText { state: "failure".into(), description: "0/1".into() };
    round_trip(&status, json!({"state": "failure", "description": "0/1"}));
    let probe = MembershipProbe { login: "alice".into(), teams: vec!["acme/qa".into()] };
    round_trip(&probe, json!({"login": "alice", "teams": ["acme/qa"]}));
    round_trip(&Needs::PullRequest(3), json!({"pull_request": 3}));
    round_trip(&Needs::PullRequestData(4), json!({"pull_request_data": 4}));
    round_trip(&Needs::Membership(vec![probe]), json!({"membership": [{"login": "alice", "teams": ["acme/qa"]}]}));
    let owners = Owners { teams: vec!["acme/qa".into(), "@acme/Docs".into()], users: vec!["erin".into()] };
    round_trip(&Needs::Owners(owners), json!({"owners": {"teams": ["acme/qa", "@acme/Docs"], "users": ["erin"]}}));
    let pair = CommitPair { from: "b0".into(), to: "a1".into() };
    let asked = CommitQuestions { compare: vec![pair.clone()], ancestors: vec![pair] };
    let wire = json!({"changes": {"compare": [{"from": "b0", "to": "a1"}], "ancestors": [{"from": "b0", "to": "a1"}]}});
    round_trip(&Needs::Changes(asked), wire);
    let named = OwnersNamed { teams_named: vec!["acme/qa".into()], users_named: vec!["erin".into()] };
    round_trip(&named, json!({"teams_named": ["acme/qa"], "users_named": ["erin"]}));

    let mut verdict = Verdict::new("approvals", Outcome::Error, Trust::Trusted, &finding);
    assert_eq!(verdict.reason, "missing-secret: short");
    verdict.findings.push(Finding { summary: String::new(), ..finding });
    verdict.outputs = BTreeMap::from([("approved-by".to_owned(), "alice".to_owned())]);
    verdict.status = Some(status);
    verdict.needs = Some(Needs::PullRequestData(4));
    verdict.details = json!({"n": 1});
    let text = String::from_utf8(serde_json::to_vec(&verdict).expect("serialises")).expect("utf-8");
    assert_eq!(
        text,
        r#"{"version":1,"check":"approvals","verdict":"error","trust":"trusted","code":"missing-secret","reason":"missing-secret: short","findings":[{"code":"missing-secret","level":"error","message":"long","help":"fix"}],"outputs":{"approved-by":"alice"},"status":{"state":"failure","description":"0/1"},"needs":{"pull_request_data":4},"details":{"n":1}}"#,
        "the verdict's fields and their order are the wire format"
    );
    let read: Verdict = serde_json::from_str(&text).expect("reads back");
    assert_eq!(read, verdict);
    // Optional parts are left out, and read back as absent.
    let bare =
        Verdict::new("trust", Outcome::Pass, Trust::Untrusted, &Finding::new(Code::TrustedEvent, Level::Notice, "m"));
    let text = serde_json::to_string(&bare).expect("serialises");
    assert_eq!(
        text,
        r#"{"version":1,"check":"trust","verdict":"pass","trust":"untrusted","code":"trusted-event","reason":"trusted-event: m","findings":[],"outputs":{}}"#
    );
    assert_eq!(serde_json::from_str::<Verdict>(&text).expect("reads back"), bare);
    // `--request-reviews`: whom the host asks, after the summary.
    let request = ReviewRequest { reviewers: vec!["dba-dan".into()], team_reviewers: vec!["security".into()] };
    round_trip(&request, json!({"reviewers": ["dba-dan"], "team_reviewers": ["security"]}));
    assert_eq!(request.shown(), "security (team), @dba-dan");
    let asking = Verdict { review_request: Some(request), ..bare };
    let wire = serde_json::to_value(&asking).expect("serialises");
    assert_eq!(wire["review_request"], json!({"reviewers": ["dba-dan"], "team_reviewers": ["security"]}));
    assert_eq!(serde_json::from_value::<Verdict>(wire).expect("reads back"), asking);
    assert!(serde_json::from_value::<ReviewRequest>(json!({"reviewers": [], "teams": []})).is_err(), "unknown field");
}

#[test]
fn details_the_host_reads() {
    let drift = DriftDetails {
        pairs: vec![DriftPairDetails {
            local: "a.yaml".into(),
            difference: Some(DriftDifference { binary: false, diff: Some("-a\n+b".into()), diff_lines_omitted: 2 }),
        }],
    };
    round_trip(
        &drift,
        json!({"pairs": [{"local": "a.yaml", "difference": {"binary": false, "diff": "-a\n+b", "diff_lines_omitted": 2}}]}),
    );
    // The guest writes more than the host reads; the rest is ignored.
    let guest: DriftDetails = serde_json::from_value(json!({
        "compared": 1, "skipped": 0,
        "pairs": [{"canonical": "c", "local": "a", "status": "identical", "identical": true}],
    }))
    .expect("reads the guest's details");
    assert_eq!(guest.pairs, vec![DriftPairDetails { local: "a".into(), difference: None }]);
    let pin = PinDetails {
        entries: vec![PinEntry { path: "a".into(), status: "added".into(), expected: None, actual: Some("d".into()) }],
        lock: Some("d  a\n".into()),
    };
    round_trip(&pin, json!({"entries": [{"path": "a", "status": "added", "actual": "d"}], "lock": "d  a\n"}));
}

#[test]
fn server() {
    let gitea = Server::from_version("1.26.0");
    round_trip(&gitea, json!({"product": "gitea", "version": "1.26.0"}));
    assert_eq!(gitea.release(), Some((1, 26, 0)));
    let forgejo = Server::from_version("12.0.2+gitea-1.22.0");
    round_trip(&forgejo, json!({"product": "forgejo", "version": "12.0.2+gitea-1.22.0"}));
    assert_eq!(forgejo.release(), Some((12, 0, 2)));
    assert_eq!(Server::from_version("v1.25").release(), Some((1, 25, 0)));
    assert_eq!(Server::from_version("1.27.0-rc1").release(), Some((1, 27, 0)));
    assert_eq!(Server::from_version("development").release(), None);
}

/// The pull-request views read what both sides need and nothing else: a missing or mistyped
/// field reads as absent (never a default that passes for a real value), an empty sha is none.
#[test]
fn pull_request_views_read_gitea_objects_leniently() {
    let pr = PullView::of(&json!({
        "number": 7, "head": {"sha": "aaa", "ref": "topic"}, "base": {"sha": ""},
        "updated_at": "2026-01-02T00:00:00Z", "user": {"login": "alice"}, "labels": []
    }));
    assert_eq!(pr.number, Some(7));
    assert_eq!(pr.head_sha(), Some("aaa"));
    assert_eq!(pr.base_sha(), None, "an empty sha is no sha");
    assert_eq!(pr.updated_at.as_deref(), Some("2026-01-02T00:00:00Z"));
    let odd = PullView::of(&json!({"number": "7", "head": {"sha": 5}, "base": null}));
    assert_eq!((odd.number, odd.head_sha(), odd.base_sha()), (None, None, None));
    assert_eq!(PullView::of(&json!([1, 2])), PullView::default(), "a list is no pull request");
    assert_eq!(PullView::of(&json!({"head": ["abc"]})).head_sha(), None, "nor a list a commit");

    let review = PayloadView::of(Some(&json!({"pull_request": {"number": 3, "base": {"sha": "bbb"}}})));
    assert_eq!(review.pull_request_numbered(3).and_then(PullView::base_sha), Some("bbb"));
    assert!(review.pull_request_numbered(4).is_none(), "another pull request's base is not this one's");
    assert!(!review.is_pull_request_comment());
    let comment = PayloadView::of(Some(&json!({"issue": {"number": 9, "pull_request": {"merged": false}}})));
    assert!(comment.is_pull_request_comment());
    assert_eq!(comment.issue_number(), Some(9));
    let on_issue = PayloadView::of(Some(&json!({"issue": {"number": 9, "pull_request": null}})));
    assert!(!on_issue.is_pull_request_comment());
    let gitea_flag = PayloadView::of(Some(&json!({"issue": {"number": 9}, "is_pull": true})));
    assert!(gitea_flag.is_pull_request_comment());
    assert_eq!(PayloadView::of(None), PayloadView::default());
}

/// A code is its name on the wire, and a name no code has is refused (a host and a guest that
/// disagree about the codes fail loudly).
#[test]
fn codes_are_their_names() {
    round_trip(&Code::FactsNeeded, json!("facts-needed"));
    round_trip(&Code::SweepTooManyPullRequests, json!("sweep-too-many-pull-requests"));
    assert!(serde_json::from_value::<Code>(json!("no-such-code")).is_err());
    for code in Code::ALL {
        assert_eq!(Code::from_name(code.as_str()), Some(*code));
        assert_eq!(code.to_string(), code.as_str());
    }
    assert_eq!(Code::from_name("no-such-code"), None);
}
