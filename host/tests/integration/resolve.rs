//! Host names resolved by the gate itself, never through the C library's NSS (the static release
//! binaries cannot load the runner's NSS modules): the fake Gitea reached by a name from a hosts
//! file and by a DNS answer from a loopback name server, IP literals that never ask DNS, and an
//! unknown name reported as "cannot resolve <host>" with the fix (exit 3).
//!
//! The test hooks `GITEA_GATE_HOSTS_FILE`, `GITEA_GATE_RESOLV_CONF` and `GITEA_GATE_DNS_PORT`
//! point the binary at files and a server of the test's own; the real /etc/hosts is never edited.
//! `GITEA_GATE_RESOLVE_BINARY` runs the same checks against another binary (`xtask release names`
//! uses it for the static release build).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use crate::common;

use std::fs;
use std::net::UdpSocket;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;

use common::{event, gitea_gate, run};
use fake_gitea::{FakeGitea, Fixture};
use serde_json::json;

const MAIN: &str = "5d41402abc4b2a76b9719d911017c592ae8f1b2c";
const TEXT: &str = "limit: 10\n";
const TOKEN: &str = "pat-sync-bot-0123456789";

fn fixture() -> Fixture {
    serde_json::from_value(json!({
        "users": [{"login": "sync-bot", "id": 30}],
        "tokens": [{"token": TOKEN, "user": "sync-bot", "scopes": ["read:repository"]}],
        "repos": [{
            "owner": "acme", "name": "controlplane", "id": 5, "private": true, "collaborators": {"sync-bot": "read"},
            "branches": {"main": MAIN},
            "commits": [{"sha": MAIN, "files": {"config/limits.yaml": {"text": TEXT}}}]
        }]
    }))
    .unwrap()
}

/// A loopback DNS server (UDP) that answers `A 127.0.0.1` for `names`, "no such name" for any
/// other, and records every name asked.
struct Dns {
    port: u16,
    asked: Arc<Mutex<Vec<String>>>,
}

fn dns_server(names: &[&str]) -> Dns {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let (log, names): (_, Vec<String>) = (Arc::clone(&asked), names.iter().map(|n| n.to_string()).collect());
    thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((len, peer)) = socket.recv_from(&mut buf) {
            let query = &buf[..len];
            // Header (12 bytes), then one question: labels up to a zero byte, type, class.
            let (mut at, mut labels) = (12, Vec::new());
            while at < len && query[at] != 0 {
                let n = query[at] as usize;
                labels.push(String::from_utf8_lossy(&query[at + 1..(at + 1 + n).min(len)]).to_lowercase());
                at += 1 + n;
            }
            let question_end = at + 5;
            if question_end > len {
                continue;
            }
            let name = labels.join(".");
            let qtype = u16::from_be_bytes([query[at + 1], query[at + 2]]);
            log.lock().unwrap().push(name.clone());
            let known = names.contains(&name);
            let answer = known && qtype == 1;
            let mut reply = query[..2].to_vec(); // id
            reply.extend_from_slice(&[0x81, if known { 0x80 } else { 0x83 }]); // QR RD RA, NOERROR/NXDOMAIN
            reply.extend_from_slice(&[0, 1, 0, u8::from(answer), 0, 0, 0, 0]);
            reply.extend_from_slice(&query[12..question_end]);
            if answer {
                reply.extend_from_slice(&[0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
            }
            let _ = socket.send_to(&reply, peer);
        }
    });
    Dns { port, asked }
}

struct World {
    fake: FakeGitea,
    dir: tempfile::TempDir,
    dns: Dns,
}

fn world(hosts: &str, dns_names: &[&str]) -> World {
    let fake = FakeGitea::start(fixture()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("config")).unwrap();
    fs::write(dir.path().join("config/limits.yaml"), TEXT).unwrap();
    fs::write(dir.path().join("hosts"), hosts).unwrap();
    fs::write(dir.path().join("resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n").unwrap();
    World { fake, dir, dns: dns_server(dns_names) }
}

impl World {
    /// `gitea-gate drift` with the API at `http://<host>:<port>/api/v1`.
    fn drift_via(&self, host: &str) -> common::Run {
        let port = self.fake.url().rsplit(':').next().unwrap().trim_end_matches('/').to_owned();
        let mut command = match std::env::var_os("GITEA_GATE_RESOLVE_BINARY") {
            Some(binary) => {
                let mut c = Command::new(binary);
                c.stdin(std::process::Stdio::null());
                for (key, _) in std::env::vars_os() {
                    let key = key.to_string_lossy().into_owned();
                    if gitea_gate::env::SCRUBBED_PREFIXES.iter().any(|p| key.starts_with(p)) || key.ends_with("_TOKEN")
                    {
                        c.env_remove(key);
                    }
                }
                c
            }
            None => gitea_gate(),
        };
        command
            .current_dir(self.dir.path())
            .args(["drift", "--token-env", "AUTO_SYNC_TOKEN", "--retries", "0", "--timeout", "5", "--allow-http"])
            .args(["--canonical", "acme/controlplane@main:config/limits.yaml", "--local", "config/limits.yaml"])
            .args(["--format", "human"])
            .env("GITHUB_API_URL", format!("http://{host}:{port}/api/v1"))
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_EVENT_PATH", event("push"))
            .env("GITHUB_REPOSITORY", "acme/core")
            .env("AUTO_SYNC_TOKEN", TOKEN)
            .env("GITEA_GATE_HOSTS_FILE", "hosts")
            .env("GITEA_GATE_RESOLV_CONF", "resolv.conf")
            .env("GITEA_GATE_DNS_PORT", self.dns.port.to_string());
        run(command)
    }

    fn asked(&self) -> Vec<String> {
        self.dns.asked.lock().unwrap().clone()
    }
}

fn assert_passed(run: &common::Run, how: &str) {
    assert_eq!(run.code, 0, "{how}:\n{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("files-identical"), "{how}:\n{}", run.stdout);
}

#[test]
fn a_host_name_from_the_hosts_file_reaches_gitea_without_asking_dns() {
    let world = world("# the test's hosts file\n127.0.0.1\tlocalhost\n127.0.0.1 gitea.hosts.test gitea\n", &[]);
    assert_passed(&world.drift_via("gitea.hosts.test"), "hosts file");
    assert_passed(&world.drift_via("GITEA.hosts.test"), "names are case-insensitive");
    assert_eq!(world.asked(), Vec::<String>::new(), "the hosts file answered: no DNS query");
}

#[test]
fn a_host_name_from_a_dns_answer_reaches_gitea() {
    let world = world("127.0.0.1 localhost\n", &["gitea.dns.test"]);
    assert_passed(&world.drift_via("gitea.dns.test"), "DNS answer");
    assert!(world.asked().contains(&"gitea.dns.test".to_owned()), "{:?}", world.asked());
}

#[test]
fn ip_literals_never_ask_dns() {
    let world = world("", &[]);
    assert_passed(&world.drift_via("127.0.0.1"), "IPv4 literal");
    assert_eq!(world.asked(), Vec::<String>::new());
}

#[test]
fn an_unknown_name_says_cannot_resolve_with_the_fix_and_exits_3() {
    let world = world("127.0.0.1 localhost\n", &["gitea.dns.test"]);
    let run = world.drift_via("nowhere.dns.test");
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("cannot resolve nowhere.dns.test: no such host"), "{all}");
    assert!(all.contains("check the host name in the API URL") && all.contains("/etc/resolv.conf"), "{all}");
    assert!(!all.contains("os error"), "{all}");
    assert!(world.asked().contains(&"nowhere.dns.test".to_owned()), "{:?}", world.asked());
}

#[test]
fn a_name_server_that_never_answers_is_an_error_naming_the_host() {
    let mut world = world("", &[]);
    // A bound socket that never replies: the query times out.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    world.dns.port = silent.local_addr().unwrap().port();
    let run = world.drift_via("gitea.silent.test");
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("cannot resolve gitea.silent.test"), "{all}");
}
