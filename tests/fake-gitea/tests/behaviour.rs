//! The fake against docs/gitea.md: each test names the section it pins.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::time::{Duration, Instant};

use fake_gitea::faults::FaultKind;
use fake_gitea::{FakeGitea, Fixture};
use serde_json::{Value, json};

const MAIN: &str = "1111111111111111111111111111111111111111";
const OLD: &str = "2222222222222222222222222222222222222222";
const HEAD: &str = "3333333333333333333333333333333333333333";

fn world() -> Fixture {
    let reviews: Vec<Value> = (1..=57)
        .map(|i| {
            let state = if i % 19 == 0 { "PENDING" } else { "COMMENT" };
            json!({"id": i, "user": format!("user{}", i % 5), "state": state, "commit_id": HEAD})
        })
        .collect();
    serde_json::from_value(json!({
        "users": [{"login": "root", "id": 1, "admin": true}, {"login": "owner", "id": 2}, {"login": "alice", "id": 11},
                  {"login": "bob", "id": 12}, {"login": "outsider", "id": 13}, {"login": "user0", "id": 20}, {"login": "user1", "id": 21},
                  {"login": "user2", "id": 22}, {"login": "user3", "id": 23}, {"login": "user4", "id": 24}],
        "tokens": [
            {"token": "t-root", "user": "root", "scopes": ["all"]},
            {"token": "t-owner", "user": "owner", "scopes": ["all"]},
            {"token": "t-alice", "user": "alice", "scopes": ["read:organization", "read:repository", "read:issue"]},
            {"token": "t-alice-noorg", "user": "alice", "scopes": ["read:repository"]},
            {"token": "t-bob", "user": "bob", "scopes": ["all"]},
            {"token": "t-outsider", "user": "outsider", "scopes": ["all"]},
            {"token": "t-user4", "user": "user4", "scopes": ["all"]},
            {"token": "t-job", "actions_job": {"repo": "acme/core", "fork_pull_request": false}},
            {"token": "t-job-fork", "actions_job": {"repo": "acme/core", "fork_pull_request": true}}
        ],
        "orgs": [{"name": "acme", "id": 100, "owners": ["owner"], "members": ["bob"],
                  "teams": [{"id": 20, "name": "qa", "members": ["alice"]}, {"id": 21, "name": "Security", "members": ["bob"]}]}],
        "repos": [
            {"owner": "acme", "name": "controlplane", "id": 5, "private": true, "collaborators": {"alice": "read"},
             "branches": {"main": MAIN, "old": OLD}, "tags": {"v1": OLD},
             "commits": [
                {"sha": MAIN, "files": {"internal/providers/providers.yaml": {"text": "providers: [new]\n"},
                                        "big.bin": {"generated": {"size": 11 * 1024 * 1024, "seed": 3}}}},
                {"sha": OLD, "files": {"internal/providers/providers.yaml": {"text": "providers: [old]\n"}}}]},
            {"owner": "acme", "name": "core", "id": 7, "branches": {"main": MAIN}, "commits": [{"sha": MAIN, "files": {"README.md": {"text": "hi\n"}}}],
             "pulls": [{"number": 12, "user": "user4", "title": "x", "head": {"repo": "mallory/core", "ref": "patch", "sha": HEAD},
                        "reviews": reviews, "comments": (1..=40).map(|i| json!({"id": i, "user": "bob", "body": format!("c{i}")})).collect::<Vec<_>>()}],
             "issues": [{"number": 3, "user": "bob", "title": "plain issue"}]}
        ]
    }))
    .expect("fixture")
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("json body")
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(5)))
        .build()
        .into()
}

fn get(fake: &FakeGitea, path: &str, token: Option<&str>) -> Answer {
    let mut request = agent().get(&format!("{}{path}", fake.api_url()));
    if let Some(token) = token {
        request = request.header("Authorization", format!("token {token}"));
    }
    let mut response = request.call().expect("request");
    let headers =
        response.headers().iter().map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_owned())).collect();
    let body = response.body_mut().with_config().limit(200 << 20).read_to_vec().expect("body");
    Answer { status: response.status().as_u16(), headers, body }
}

#[test]
fn contents_404s_an_unknown_ref_where_raw_serves_the_default_branch() {
    // §4.2, §4.4
    let fake = FakeGitea::start(world()).expect("start");
    let path = "/repos/acme/controlplane/contents/internal/providers/providers.yaml";
    assert_eq!(get(&fake, &format!("{path}?ref=no-such-branch"), Some("t-alice")).status, 404);
    let old = get(&fake, &format!("{path}?ref=old"), Some("t-alice")).json();
    assert_eq!(old["type"], "file");
    use base64::Engine as _;
    let decoded =
        base64::engine::general_purpose::STANDARD.decode(old["content"].as_str().expect("content")).expect("b64");
    assert_eq!(decoded, b"providers: [old]\n");
    let raw = get(
        &fake,
        "/repos/acme/controlplane/raw/internal/providers/providers.yaml?ref=no-such-branch",
        Some("t-alice"),
    );
    assert_eq!((raw.status, raw.body.as_slice()), (200, &b"providers: [new]\n"[..]), "the silent fallback");
    let short =
        get(&fake, "/repos/acme/controlplane/raw/internal/providers/providers.yaml?ref=2222222", Some("t-alice"));
    assert_eq!(short.body, b"providers: [new]\n", "a short sha falls back too");
    let by_tag = get(&fake, &format!("{path}?ref=v1"), Some("t-alice")).json();
    assert_eq!(by_tag["last_commit_sha"], OLD);
    let unknown_full = get(
        &fake,
        &format!("/repos/acme/controlplane/raw/internal/providers/providers.yaml?ref={HEAD}"),
        Some("t-alice"),
    );
    assert_eq!(unknown_full.status, 404, "an unknown full sha never falls back");
    assert_eq!(
        get(&fake, &format!("{path}?ref={}", &OLD[..7]), Some("t-alice")).status,
        404,
        "contents: short sha is 404"
    );
}

#[test]
fn blob_ids_are_git_blob_hashes_and_large_content_is_null() {
    // §4.4: sha = SHA-1("blob <size>\0<content>"); content null above 10 MiB; §4.3: raw ETag.
    let fake = FakeGitea::start(world()).expect("start");
    let small =
        get(&fake, "/repos/acme/controlplane/contents/internal/providers/providers.yaml?ref=main", Some("t-alice"))
            .json();
    let expected = {
        use sha1::{Digest, Sha1};
        let mut h = Sha1::new();
        h.update(b"blob 17\0providers: [new]\n");
        h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    assert_eq!(small["sha"], expected);
    assert_eq!(small["encoding"], "base64");
    let big = get(&fake, "/repos/acme/controlplane/contents/big.bin?ref=main", Some("t-alice")).json();
    assert_eq!((big["content"].clone(), big["encoding"].clone()), (Value::Null, Value::Null));
    assert_eq!(big["size"], 11 * 1024 * 1024);
    let raw = get(&fake, &format!("/repos/acme/controlplane/raw/big.bin?ref={MAIN}"), Some("t-alice"));
    assert_eq!(raw.body.len(), 11 * 1024 * 1024);
    assert_eq!(raw.header("etag"), Some(format!("\"{}\"", big["sha"].as_str().expect("sha")).as_str()));
}

#[test]
fn invisible_private_repositories_are_404_not_403() {
    // §0.1
    let fake = FakeGitea::start(world()).expect("start");
    let path = "/repos/acme/controlplane/contents/internal/providers/providers.yaml";
    assert_eq!(get(&fake, path, None).status, 404);
    assert_eq!(get(&fake, path, Some("t-outsider")).status, 404);
    assert_eq!(get(&fake, path, Some("t-job")).status, 404, "1.25: the job token sees only its own repository");
    assert_eq!(get(&fake, path, Some("t-owner")).status, 200, "org owners see org repositories");
    assert_eq!(get(&fake, path, Some("wrong-token")).status, 401);
    assert_eq!(
        get(&fake, "/repos/acme/core/contents/README.md", None).status,
        200,
        "public repositories are readable anonymously"
    );
}

#[test]
fn reviews_paginate_with_clamping_and_count_hidden_pending_rows() {
    // §2.1, §3
    let fake = FakeGitea::start(world()).expect("start");
    let page1 = get(&fake, "/repos/acme/core/pulls/12/reviews?limit=100&page=1", Some("t-bob"));
    assert_eq!(page1.header("x-total-count"), Some("57"));
    assert_eq!(page1.header("link"), None, "reviews never send Link");
    let rows = page1.json();
    // Page 1 of 50 rows holds PENDING rows 19 and 38 (user4's), hidden from bob.
    assert_eq!(rows.as_array().expect("array").len(), 48);
    let page2 = get(&fake, "/repos/acme/core/pulls/12/reviews?limit=50&page=2", Some("t-bob")).json();
    assert_eq!(page2.as_array().expect("array").len(), 6, "rows 51–57, of which 57 is pending");
    assert_eq!(get(&fake, "/repos/acme/core/pulls/12/reviews?limit=50&page=3", Some("t-bob")).json(), json!([]));
    let own = get(&fake, "/repos/acme/core/pulls/12/reviews?limit=50&page=1", Some("t-user4")).json();
    assert_eq!(own.as_array().expect("array").len(), 49, "user4 sees its own pending row 19, not user3's row 38");
    // Without `page` the query does not paginate at all (docs/gitea.md §3): every visible row.
    let unpaged = get(&fake, "/repos/acme/core/pulls/12/reviews?limit=10", Some("t-bob")).json();
    assert_eq!(unpaged.as_array().expect("array").len(), 54, "all 57 rows but the 3 pending ones");
    assert_eq!(get(&fake, "/repos/acme/core/pulls/3/reviews", Some("t-bob")).status, 404, "an issue index is 404");
}

#[test]
fn comments_are_unpaginated_and_an_unknown_index_is_500() {
    // §6.1
    let fake = FakeGitea::start(world()).expect("start");
    let all = get(&fake, "/repos/acme/core/issues/12/comments?limit=5&page=2", Some("t-bob"));
    assert_eq!(all.json().as_array().expect("array").len(), 40);
    assert_eq!(all.header("x-total-count"), Some("40"));
    assert_eq!(get(&fake, "/repos/acme/core/issues/999/comments", Some("t-bob")).status, 500);
    assert_eq!(
        get(&fake, "/repos/acme/core/issues/12/comments", Some("t-alice-noorg")).status,
        403,
        "needs read:issue"
    );
}

#[test]
fn team_membership_answers_depend_on_the_caller() {
    // §1.2: (token, path, status)
    let fake = FakeGitea::start(world()).expect("start");
    let cases = [
        ("t-root", "/teams/20/members/alice", 200),
        ("t-owner", "/teams/20/members/alice", 200),
        ("t-alice", "/teams/20/members/alice", 200),
        ("t-alice", "/teams/20/members/bob", 404),
        ("t-bob", "/teams/20/members/alice", 403),
        ("t-outsider", "/teams/20/members/alice", 404),
        ("t-job", "/teams/20/members/alice", 404),
        ("t-alice-noorg", "/teams/20/members/alice", 403),
        ("wrong-token", "/teams/20/members/alice", 401),
        ("t-root", "/teams/999/members/alice", 404),
        ("t-root", "/teams/20/members/nobody", 404),
        ("t-bob", "/teams/20", 403),
        ("t-job", "/teams/20", 404),
        ("t-alice", "/teams/20", 200),
        ("t-bob", "/orgs/acme/teams", 200),
        ("t-job", "/orgs/acme/teams", 403),
        ("t-outsider", "/orgs/acme/teams", 403),
        ("t-root", "/orgs/nope/teams", 404),
    ];
    for (token, path, status) in cases {
        assert_eq!(get(&fake, path, Some(token)).status, status, "{token} {path}");
    }
    assert_eq!(get(&fake, "/teams/20/members/alice", None).status, 401);
    assert_eq!(get(&fake, "/teams/999", None).status, 404, "a missing team is 404 even anonymously");
    let member = get(&fake, "/teams/20/members/alice", Some("t-owner")).json();
    assert_eq!(member["login"], "alice", "200 with the User JSON, not 204");
    let teams = get(&fake, "/orgs/acme/teams", Some("t-bob"));
    let names: Vec<String> =
        teams.json().as_array().expect("array").iter().map(|t| t["name"].as_str().expect("name").to_owned()).collect();
    assert_eq!(names, ["qa", "Security"], "sorted by lower-case name");
    assert_eq!(teams.header("x-total-count"), Some("2"));
    let forbidden = get(&fake, "/teams/20/members/alice", Some("t-bob")).json();
    assert_eq!(forbidden["message"], "Must be a team member");
}

fn post(fake: &FakeGitea, path: &str, token: &str, body: Value) -> u16 {
    agent()
        .post(&format!("{}{path}", fake.api_url()))
        .header("Authorization", format!("token {token}"))
        .send(body.to_string())
        .expect("request")
        .status()
        .as_u16()
}

#[test]
fn statuses_need_write_and_a_known_sha() {
    // §5.1, §5.2, §7.3
    let fake = FakeGitea::start(world()).expect("start");
    let status =
        json!({"state": "success", "context": " qa-review / approved ", "description": "approved by alice (qa)"});
    assert_eq!(post(&fake, &format!("/repos/acme/core/statuses/{HEAD}"), "t-job", status.clone()), 201);
    assert_eq!(
        post(&fake, &format!("/repos/acme/core/statuses/{HEAD}"), "t-job-fork", status.clone()),
        403,
        "fork PR job token is read-only"
    );
    assert_eq!(
        post(&fake, &format!("/repos/acme/core/statuses/{}", "9".repeat(40)), "t-job", status.clone()),
        500,
        "unknown sha"
    );
    assert_eq!(
        post(&fake, &format!("/repos/acme/core/statuses/{}", &HEAD[..8]), "t-job", status.clone()),
        201,
        "short sha resolves"
    );
    let posted = fake.statuses();
    assert_eq!(posted.len(), 2);
    assert_eq!(posted[0].context, "qa-review / approved", "trimmed");
    assert_eq!(posted[1].sha, HEAD, "stored under the full sha");
    assert_eq!(posted[0].creator, "gitea-actions");
    let combined = get(&fake, &format!("/repos/acme/core/commits/{HEAD}/status"), None).json();
    assert_eq!(combined["state"], "success");
    let empty = get(&fake, &format!("/repos/acme/core/commits/{MAIN}/status"), None).json();
    assert_eq!((empty["state"].clone(), empty["statuses"].clone()), (json!(""), Value::Null));
}

#[test]
fn faults_apply_per_route_and_can_recover() {
    let fake = FakeGitea::start(world()).expect("start");
    let path = "/repos/acme/core/contents/README.md";
    fake.fault("/api/v1/repos/*/*/contents/**", Some(2), FaultKind::Status { status: 502, body: None });
    assert_eq!(get(&fake, path, None).status, 502);
    assert_eq!(get(&fake, path, None).status, 502);
    assert_eq!(get(&fake, path, None).status, 200, "recovered after two");

    fake.fault("/api/v1/version", Some(1), FaultKind::InvalidJson);
    assert!(serde_json::from_slice::<Value>(&get(&fake, "/version", None).body).is_err());
    fake.fault("/api/v1/version", Some(1), FaultKind::WrongShape);
    assert!(get(&fake, "/version", None).json().is_array());
    fake.fault("/api/v1/version", Some(1), FaultKind::Oversized { bytes: 1 << 20 });
    let big = get(&fake, "/version", None);
    assert!(big.body.len() >= 1 << 20 && big.json().is_array());
    fake.fault("/api/v1/repos/*/*/pulls/*/reviews", Some(1), FaultKind::TotalCount { value: 100_000 });
    assert_eq!(get(&fake, "/repos/acme/core/pulls/12/reviews", Some("t-bob")).header("x-total-count"), Some("100000"));
    fake.fault("/api/v1/repos/*/*/pulls/*/reviews", Some(1), FaultKind::SamePageForever);
    let forever = get(&fake, "/repos/acme/core/pulls/12/reviews?page=9&limit=50", Some("t-bob")).json();
    assert_eq!(forever.as_array().expect("array").len(), 48);
    assert_eq!(fake.requests().iter().filter(|r| r.path.ends_with("/reviews")).count(), 2);
}

#[test]
fn broken_connections() {
    let fake = FakeGitea::start(world()).expect("start");
    let quick: ureq::Agent =
        ureq::Agent::config_builder().timeout_global(Some(Duration::from_millis(500))).build().into();
    let url = format!("{}/repos/acme/core/pulls/12", fake.api_url());
    fake.fault("/api/v1/repos/*/*/pulls/*", Some(1), FaultKind::Hang { ms: Some(3_000) });
    let started = Instant::now();
    assert!(quick.get(&url).call().is_err(), "a hang times out");
    assert!(started.elapsed() < Duration::from_secs(2));
    for kind in [FaultKind::Truncate, FaultKind::Reset] {
        fake.fault("/api/v1/repos/*/*/pulls/*", Some(1), kind);
        let result = quick.get(&url).call().and_then(|mut r| r.body_mut().read_to_vec());
        assert!(result.is_err(), "a broken body must be an error, got {:?}", result.map(|b| b.len()));
    }
    assert!(quick.get(&url).call().is_ok(), "and then it works again");
}

#[test]
fn latency_is_per_request_not_serialised() {
    let fake = FakeGitea::start(world()).expect("start");
    fake.set_latency(Duration::from_millis(100));
    let started = Instant::now();
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let url = format!("{}/version", fake.api_url());
            std::thread::spawn(move || agent().get(&url).call().map(|r| r.status().as_u16()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("thread").expect("ok"), 200);
    }
    assert!(started.elapsed() < Duration::from_millis(1000), "{:?}", started.elapsed());
}

#[test]
fn credential_forms() {
    // §7.1
    let fake = FakeGitea::start(world()).expect("start");
    let whoami = |header: Option<String>, query: &str| {
        let mut request = agent().get(&format!("{}/user{query}", fake.api_url()));
        if let Some(h) = header {
            request = request.header("Authorization", h);
        }
        request.call().expect("call").status().as_u16()
    };
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    assert_eq!(whoami(Some("token t-bob".into()), ""), 200);
    assert_eq!(whoami(Some("BEARER t-bob".into()), ""), 200);
    assert_eq!(whoami(Some(format!("Basic {}", b64("t-bob:"))), ""), 200);
    assert_eq!(whoami(Some(format!("Basic {}", b64("bob:t-bob"))), ""), 200);
    assert_eq!(whoami(None, "?token=t-bob"), 200);
    assert_eq!(whoami(None, "?access_token=t-bob"), 200);
    assert_eq!(whoami(Some("token nope".into()), ""), 401);
    assert_eq!(whoami(None, ""), 401);
}

#[test]
fn job_token_reads_other_public_repositories_only_from_1_26() {
    // §7.3, §10
    let mut fixture = world();
    fixture.repos.push(
        serde_json::from_value(json!({"owner": "other", "name": "pub", "id": 50, "branches": {"main": MAIN},
        "commits": [{"sha": MAIN, "files": {"a": {"text": "a"}}}]}))
        .expect("repo"),
    );
    let old = FakeGitea::start(fixture.clone()).expect("start");
    assert_eq!(get(&old, "/repos/other/pub/contents/a", Some("t-job")).status, 404);
    fixture.version = "1.26.0".to_owned();
    let new = FakeGitea::start(fixture).expect("start");
    assert_eq!(get(&new, "/repos/other/pub/contents/a", Some("t-job")).status, 200);
    assert_eq!(get(&new, "/repos/acme/controlplane/contents/big.bin", Some("t-job")).status, 404, "private stays 404");
}

#[test]
fn users_are_individuals_found_without_case() {
    let fake = FakeGitea::start(world()).expect("fake");
    let alice = get(&fake, "/users/ALICE", Some("t-bob"));
    assert_eq!(alice.status, 200);
    assert_eq!(alice.json()["login"], "alice");
    // An organisation is no user (Gitea's lookup is of individual users), nor is an unknown login.
    assert_eq!(get(&fake, "/users/acme", Some("t-bob")).status, 404);
    assert_eq!(get(&fake, "/users/ghost", None).status, 404);
}

/// world() with pull request 12's timeline extended by pushes (and a label event), its comments
/// keeping ids 1–40.
fn world_with_pushes() -> Fixture {
    let mut fixture = world();
    let pr = fixture.repos.iter_mut().flat_map(|r| r.pulls.iter_mut()).find(|p| p.number == 12).expect("pull 12");
    pr.pushes = serde_json::from_value(json!([
        {"id": 41, "user": "user4", "commits": ["aaaa", HEAD], "created_at": "2026-06-05T11:00:00Z"},
        {"id": 7, "user": "bob", "force": true, "commits": [OLD, MAIN]}
    ]))
    .expect("pushes");
    pr.label_events = serde_json::from_value(json!([{"id": 42, "user": "bob", "label": "tier:low"}])).expect("events");
    fixture
}

#[test]
fn timeline_has_pushes_with_gos_json_body_in_id_order() {
    // §6.3: `pull_push`, body = json.Marshal(PushActionContent)
    let fake = FakeGitea::start(world_with_pushes()).expect("start");
    let answer = get(&fake, "/repos/acme/core/issues/12/timeline", Some("t-bob"));
    assert_eq!(answer.status, 200);
    let items = answer.json();
    let items = items.as_array().expect("array");
    assert_eq!(items.len(), 43);
    let ids: Vec<i64> = items.iter().map(|i| i["id"].as_i64().expect("id")).collect();
    assert_eq!(ids, (1..=42).flat_map(|i| if i == 7 { vec![7, 7] } else { vec![i] }).collect::<Vec<_>>());
    // Id 7 is both a comment and the force push; the comment comes first (a stable sort).
    assert_eq!(items[6]["type"], "comment");
    let force = &items[7];
    assert_eq!(force["type"], "pull_push");
    assert_eq!(force["body"], format!("{{\"is_force_push\":true,\"commit_ids\":[\"{OLD}\",\"{MAIN}\"]}}"));
    assert_eq!(force["user"]["login"], "bob");
    assert_eq!(force["created_at"], "2026-06-01T12:00:00Z");
    let push = &items[41];
    assert_eq!(push["id"], 41);
    assert_eq!(push["type"], "pull_push");
    assert_eq!(push["body"], format!("{{\"is_force_push\":false,\"commit_ids\":[\"aaaa\",\"{HEAD}\"]}}"));
    assert_eq!(push["user"]["login"], "user4");
    assert_eq!(push["created_at"], "2026-06-05T11:00:00Z");
    assert_eq!(push["updated_at"], "2026-06-05T11:00:00Z");
    assert_eq!(items[42]["type"], "label");
    // Paged with everything else: the last page of 20 holds comment 40, push 41 and label event 42.
    let page = get(&fake, "/repos/acme/core/issues/12/timeline?page=3&limit=20", Some("t-bob")).json();
    let types: Vec<&str> = page.as_array().expect("array").iter().map(|i| i["type"].as_str().expect("type")).collect();
    assert_eq!(types, ["comment", "pull_push", "label"]);
    // A plain issue has no pushes.
    let issue = get(&fake, "/repos/acme/core/issues/3/timeline", Some("t-bob")).json();
    assert!(issue.as_array().expect("array").iter().all(|i| i["type"] != "pull_push"));
}

#[test]
fn pull_commits_page_like_gitea_and_default_to_the_head() {
    // swagger repoGetPullRequestCommits: always paged (default 30, max 50), X-Total-Count = all.
    let mut fixture = world();
    let mut extra = fixture.repos[1].pulls[0].clone();
    extra.number = 14;
    extra.commits = serde_json::from_value(json!((0..60)
        .map(|i| json!({"sha": format!("{i:040x}"), "author": if i == 0 { Value::Null } else { json!("alice") }, "committer": "bob"}))
        .collect::<Vec<_>>()))
    .expect("commits");
    fixture.repos[1].pulls.push(extra);
    let fake = FakeGitea::start(fixture).expect("start");

    let first =
        get(&fake, "/repos/acme/core/pulls/14/commits?limit=50&verification=false&files=false", Some("t-alice"));
    assert_eq!(first.status, 200);
    assert_eq!(first.header("x-total-count"), Some("60"));
    let rows = first.json();
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 50);
    let second = get(&fake, "/repos/acme/core/pulls/14/commits?limit=50&page=2", Some("t-alice"));
    assert_eq!(second.header("x-total-count"), Some("60"));
    let second = second.json();
    assert_eq!(second.as_array().expect("array").len(), 10);
    assert_eq!(second[0]["sha"], format!("{:040x}", 50));
    assert_eq!(get(&fake, "/repos/acme/core/pulls/14/commits?limit=50&page=3", Some("t-alice")).json(), json!([]));
    let default = get(&fake, "/repos/acme/core/pulls/14/commits?limit=500", Some("t-alice")).json();
    assert_eq!(default.as_array().expect("array").len(), 50, "limit clamped to 50");
    let unpaged = get(&fake, "/repos/acme/core/pulls/14/commits", Some("t-alice")).json();
    assert_eq!(unpaged.as_array().expect("array").len(), 30, "paged even without page/limit");

    // An author e-mail without an account: null at the top, the commit's own identity inside.
    let unlinked = &rows[0];
    assert_eq!(unlinked["author"], Value::Null);
    assert_eq!(unlinked["commit"]["author"]["name"], "Someone");
    assert_eq!(unlinked["commit"]["author"]["email"], "someone@unlinked.example");
    assert_eq!(unlinked["committer"]["login"], "bob");
    assert_eq!(rows[1]["author"]["login"], "alice");
    assert_eq!(rows[1]["commit"]["author"]["email"], "alice@example.test");

    // Without fixture commits: the head, by the pull request's author.
    let one = get(&fake, "/repos/acme/core/pulls/12/commits", Some("t-alice"));
    assert_eq!(one.header("x-total-count"), Some("1"));
    let one = one.json();
    let commit = &one.as_array().expect("array")[0];
    assert_eq!(commit["sha"], HEAD);
    assert_eq!(commit["author"]["login"], "user4");
    assert_eq!(commit["committer"]["login"], "user4");
    assert_eq!(commit["commit"]["committer"]["name"], "user4");
    assert_eq!(commit["commit"]["committer"]["email"], "user4@example.test");
    assert_eq!(commit["commit"]["message"], format!("commit {HEAD}"));
    assert_eq!(commit["commit"]["tree"]["sha"], HEAD);
    assert_eq!(commit["commit"]["verification"], Value::Null);
    assert_eq!(commit["url"], format!("{}/repos/acme/core/git/commits/{HEAD}", fake.api_url()));
    assert_eq!(commit["html_url"], format!("http://gitea.test/acme/core/commit/{HEAD}"));
    assert_eq!(commit["stats"], json!({"total": 1, "additions": 1, "deletions": 0}));
    assert_eq!(commit["parents"], json!([]));

    assert_eq!(get(&fake, "/repos/acme/core/pulls/99/commits", Some("t-alice")).status, 404);
    assert_eq!(get(&fake, "/repos/acme/core/pulls/3/commits", Some("t-alice")).status, 404, "an issue index");
}

#[test]
fn releases_stay_drafts_to_readers_until_published_and_a_tag_has_one_release() {
    // §15
    let fake = FakeGitea::start(world()).expect("start");
    let draft = json!({"tag_name": "v1.0.0", "name": "1.0.0", "body": "notes", "draft": true});
    assert_eq!(post(&fake, "/repos/acme/core/releases", "t-job-fork", draft.clone()), 403, "read-only token");
    assert_eq!(post(&fake, "/repos/acme/core/releases", "t-job", draft.clone()), 201);
    assert_eq!(post(&fake, "/repos/acme/core/releases", "t-job", draft), 409, "one release per tag");
    let id = get(&fake, "/repos/acme/core/releases/tags/v1.0.0", Some("t-job")).json()["id"].as_u64().expect("id");

    // Uploads: the multipart field `attachment`, and bare bytes; `name` names the asset.
    let upload = |kind: &str, body: Vec<u8>, name: &str| {
        agent()
            .post(&format!("{}/repos/acme/core/releases/{id}/assets?name={name}", fake.api_url()))
            .header("Authorization", "token t-job")
            .content_type(kind)
            .send(&body[..])
            .expect("request")
            .status()
            .as_u16()
    };
    let multipart = b"--XyZ\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"a.bin\"\r\n\r\n\x00\x01\r\n\x02\r\n--XyZ--\r\n";
    assert_eq!(upload("multipart/form-data; boundary=XyZ", multipart.to_vec(), "tool-x86_64"), 201);
    assert_eq!(upload("application/octet-stream", b"raw bytes".to_vec(), "tool-aarch64"), 201);
    let wrong_field = b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--XyZ--\r\n";
    assert_eq!(upload("multipart/form-data; boundary=XyZ", wrong_field.to_vec(), "other"), 400);
    let assets = get(&fake, &format!("/repos/acme/core/releases/{id}/assets"), Some("t-job")).json();
    assert_eq!(assets.as_array().map(Vec::len), Some(2));
    assert_eq!(assets[0]["size"], 5, "the part's bytes, without the delimiter's CRLF");

    // A draft and its assets are invisible to a reader; published, they are served.
    let download = |token: Option<&str>| {
        let mut request = agent().get(&format!("{}/acme/core/releases/download/v1.0.0/tool-x86_64", fake.url()));
        if let Some(token) = token {
            request = request.header("Authorization", format!("token {token}"));
        }
        let mut response = request.call().expect("request");
        (response.status().as_u16(), response.body_mut().read_to_vec().expect("body"))
    };
    assert_eq!(get(&fake, "/repos/acme/core/releases/tags/v1.0.0", None).status, 404);
    assert_eq!(download(None).0, 404);
    assert_eq!(download(Some("t-job")), (200, b"\x00\x01\r\n\x02".to_vec()), "a writer sees the draft");
    let published = agent()
        .patch(&format!("{}/repos/acme/core/releases/{id}", fake.api_url()))
        .header("Authorization", "token t-job")
        .content_type("application/json")
        .send(json!({"draft": false}).to_string())
        .expect("request");
    assert_eq!(published.status().as_u16(), 200);
    assert_eq!(download(None), (200, b"\x00\x01\r\n\x02".to_vec()));
    let release = get(&fake, "/repos/acme/core/releases/tags/v1.0.0", None).json();
    assert_eq!(
        (release["draft"].clone(), release["body"].clone()),
        (json!(false), json!("notes")),
        "PATCH kept the notes"
    );
}

/// Forgejo answers like Gitea 1.22 in most places and like 1.25 in the rest, and its version
/// string (`15.0.3+gitea-1.22.0`) must never be read as a Gitea 15 (docs/gitea.md §16).
#[test]
fn forgejo_keeps_its_own_answers() {
    let mut fixture = world();
    fixture.version = "15.0.3+gitea-1.22.0".to_owned();
    fixture.repos.push(
        serde_json::from_value(json!({"owner": "other", "name": "pub", "id": 50, "branches": {"main": MAIN},
        "commits": [{"sha": MAIN, "files": {"a": {"text": "a"}}}]}))
        .expect("repo"),
    );
    let fake = FakeGitea::start(fixture).expect("start");
    let root = fake.api_url().trim_end_matches("/api/v1").to_owned();
    let mut answer = agent().get(&format!("{root}/api/forgejo/v1/version")).call().expect("request");
    let own: Value = serde_json::from_slice(&answer.body_mut().read_to_vec().expect("body")).expect("json");
    assert_eq!(own["version"], "15.0.3+gitea-1.22.0");
    assert_eq!(get(&fake, "/version", None).json()["version"], "15.0.3+gitea-1.22.0");

    // /raw without the fallback; the locale 404 text.
    let raw = get(
        &fake,
        "/repos/acme/controlplane/raw/internal/providers/providers.yaml?ref=no-such-branch",
        Some("t-alice"),
    );
    assert_eq!(raw.status, 404, "no default-branch fallback");
    let missing = get(&fake, "/repos/acme/controlplane/contents/no-such-file", Some("t-alice"));
    assert_eq!(missing.json()["message"], "The target couldn't be found.");
    // From v15 a rejected token is quoted back.
    let rejected = get(&fake, "/user", Some("not-a-real-token"));
    assert_eq!(rejected.status, 401);
    assert_eq!(rejected.json()["message"], "access token does not exist [sha: not-a-real-token]");
    // The job token reads no other repository, public or not (no Gitea 1.26 rule).
    assert_eq!(get(&fake, "/repos/other/pub/contents/a", Some("t-job")).status, 404);
    // No `Link` on team lists.
    let teams = get(&fake, "/orgs/acme/teams?limit=1", Some("t-alice"));
    assert!(teams.header("link").is_none(), "{:?}", teams.headers);

    // `warning` stays `warning` (the worst state wins); `skipped` is unknown before v16.
    for (state, context) in [("success", "a"), ("skipped", "b")] {
        let status = json!({"state": state, "context": context});
        assert_eq!(post(&fake, &format!("/repos/acme/core/statuses/{HEAD}"), "t-job", status), 201);
    }
    let combined = |fake: &FakeGitea| get(fake, &format!("/repos/acme/core/commits/{HEAD}/status"), None).json();
    assert_eq!(combined(&fake)["state"], "success", "the unknown `skipped` is ignored");
    let warning = json!({"state": "warning", "context": "c"});
    assert_eq!(post(&fake, &format!("/repos/acme/core/statuses/{HEAD}"), "t-job", warning), 201);
    assert_eq!(combined(&fake)["state"], "warning", "and blocks");
    let unknown = get(&fake, "/repos/acme/core/commits/no-such-ref/status", None);
    assert_eq!((unknown.status, unknown.json()["state"].clone()), (200, json!("")), "an unknown ref is empty, not 404");
}
